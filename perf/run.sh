#!/usr/bin/env bash
# Whole-system performance suites. One function per suite; the first argument picks it.
#
#   perf/run.sh dataplane [--build DIR (build/ci)] [--runs N (5)] [--seconds S (1)]
#                         [--flows LIST (1000,100000,1000000)] [--batch N (100)]
#
# dataplane: one worker on a net_ring closed loop (perf/dataplane/loop_bench.cpp says how), plain
#   relay, RTP->SRTP and SRTP->SRTP re-key at each flow count (Mpps and cycles per packet, from the
#   worker's own CPU time), a million flows resident (RSS), flow changes per second while the worker
#   forwards and its longest loop gap, wake-up latency with idle back-off, and the CPU an idle
#   rtpx-dataplane burns with and without idle back-off. Prints a table (medians, and the spread as
#   min-max over the runs: the machine is shared and noisy) and ends with one JSON line.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)

usage() {
  sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# CPU ticks (utime + stime, fields 14 and 15 of stat) of a process and of its worker threads, and
# the workers' voluntary context switches (each idle sleep is one).
sample() {
  local pid=$1 worker_ticks=0 switches=0 t
  for t in /proc/"$pid"/task/*; do
    [[ $(cat "$t/comm" 2>/dev/null) == rte-worker-* ]] || continue
    worker_ticks=$((worker_ticks + $(awk '{print $14 + $15}' "$t/stat")))
    switches=$((switches + $(awk '/^voluntary_ctxt_switches/ {print $2}' "$t/status")))
  done
  echo "$(awk '{print $14 + $15}' "/proc/$pid/stat") $worker_ticks $switches"
}

# CPU% of the process and of its workers over `seconds`, and the workers' wake-ups per second.
cpu_percent() {
  local pid=$1 seconds=$2 hz a b
  hz=$(getconf CLK_TCK)
  a=$(sample "$pid")
  sleep "$seconds"
  b=$(sample "$pid")
  awk -v a="$a" -v b="$b" -v hz="$hz" -v s="$seconds" 'BEGIN {
    split(a, x, " "); split(b, y, " ");
    printf "cpu_percent=%.1f worker_cpu_percent=%.1f worker_wakeups_per_s=%.0f",
      (y[1] - x[1]) * 100 / hz / s, (y[2] - x[2]) * 100 / hz / s, (y[3] - x[3]) / s }'
}

# An idle rtpx-dataplane (one worker, a net_ring port, no flows, no traffic): its CPU% over 3 s.
idle_cpu() {
  local binary=$1 sleep_us=$2 tmp pid cpu
  tmp=$(mktemp -d)
  cat >"$tmp/dp.toml" <<EOF
[dataplane]
control_socket = "$tmp/dp.sock"
lcores = "0-1"
max_flows = 1024
mbufs = 2047
idle_sleep_us = $sleep_us
eal = ["--no-huge", "-m", "256", "--no-shconf", "--file-prefix=rtpx-perf-idle-$$", "--log-level=error"]

[[port]]
vdev = "net_ring0"
addresses = ["192.0.2.1"]
gateway_mac = "02:00:00:00:00:01"
EOF
  "$binary" --config "$tmp/dp.toml" >"$tmp/log" 2>&1 &
  pid=$!
  for _ in $(seq 50); do [[ -S $tmp/dp.sock ]] && break; sleep 0.1; done
  sleep 1
  if kill -0 "$pid" 2>/dev/null; then cpu=$(cpu_percent "$pid" 3); else cpu="cpu_percent=null"; fi
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$tmp"
  echo "$cpu"
}

suite_dataplane() {
  local build=build/ci runs=5 seconds=1 flows=1000,100000,1000000 batch=100
  while (($#)); do
    case $1 in
      --build) build=$2; shift 2 ;;
      --runs) runs=$2; shift 2 ;;
      --seconds) seconds=$2; shift 2 ;;
      --flows) flows=$2; shift 2 ;;
      --batch) batch=$2; shift 2 ;;
      *) usage ;;
    esac
  done
  [[ $build = /* ]] || build=$root/$build
  local bench=$build/perf/dataplane_loop_bench dp=$build/dataplane/rtpx-dataplane
  for b in "$bench" "$dp"; do
    [[ -x $b ]] || { echo "error: $b not built (cmake --build $build -j2 --target dataplane_loop_bench rtpx-dataplane)" >&2; exit 1; }
  done
  local out
  out=$(mktemp)
  trap 'rm -f "$out"' RETURN
  echo "idle rtpx-dataplane CPU% (3 s): busy poll (idle_sleep_us = 0) ..." >&2
  echo "result idle 0 $(idle_cpu "$dp" 0)" >>"$out"
  echo "idle rtpx-dataplane CPU% (3 s): idle back-off (idle_sleep_us = 200) ..." >&2
  echo "result idle 200 $(idle_cpu "$dp" 200)" >>"$out"
  echo "closed loop: $runs runs of ${seconds} s per figure, flows $flows ..." >&2
  "$bench" --flows "$flows" --runs "$runs" --seconds "$seconds" --batch "$batch" | tee -a "$out" >&2
  python3 - "$out" <<'PY'
import json, re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    parts = line.split()
    if len(parts) < 3 or parts[0] != "result":
        continue
    suite, n = parts[1], int(parts[2])
    fields = dict(re.findall(r'(\w+)=("[^"]*"|\S+)', line))
    rows.setdefault((suite, n), []).append(fields)

def values(suite, n, key):
    out = []
    for r in rows.get((suite, n), []):
        v = r.get(key)
        if v is not None and v != "null":
            out.append(float(v))
    return out

def med(suite, n, key):
    v = values(suite, n, key)
    return statistics.median(v) if v else None

def spread(suite, n, key, fmt="{:.0f}"):
    v = values(suite, n, key)
    return f"{fmt.format(min(v))}-{fmt.format(max(v))}" if v else "-"

tsc = med("machine", 0, "tsc_mhz")
print(f"\nTSC {tsc:.0f} MHz; cycles are TSC cycles of the worker's own CPU time per packet")
print(f"{'suite':9} {'flows':>8} {'Mpps':>7} {'cycles/pkt':>11} {'spread':>11}  note")
ring = med("ring", 1, "cycles")
if ring is not None:
    print(f"{'ring':9} {'-':>8} {med('ring', 1, 'mpps'):7.1f} {ring:11.1f} {spread('ring', 1, 'cycles', '{:.1f}'):>11}  net_ring rx+tx alone (the floor)")
goals = {"plain": 80, "rekey": 800}
flow_counts = sorted({n for (s, n) in rows if s in ("plain", "protect", "rekey")})
for suite in ("plain", "protect", "rekey"):
    for n in flow_counts:
        rs = rows.get((suite, n), [])
        if not rs:
            continue
        if any(r.get("refused") for r in rs):
            print(f"{suite:9} {n:>8} {'-':>7} {'refused':>11} {'':>11}  {rs[0].get('error', '')}")
            continue
        c = med(suite, n, "cycles")
        note = f"goal <= {goals[suite]}: {'met' if c <= goals[suite] else 'NOT met'}" if suite in goals else ""
        drops = sum(values(suite, n, "drops"))
        if drops:
            note += f"; {drops:.0f} drops"
        print(f"{suite:9} {n:>8} {med(suite, n, 'mpps'):7.2f} {c:11.1f} {spread(suite, n, 'cycles'):>11}  {note}")
for (s, n), rs in sorted(rows.items()):
    if s == "table":
        r = rs[0]
        print(f"table     {n:>8} flows: added in {float(r['add_s']):.2f} s, "
              f"+{float(r['rss_mib']):.0f} MiB RSS ({float(r['rss_mib']) * 1024 * 1024 / n:.0f} B/flow), "
              f"process RSS {float(r['total_rss_mib']):.0f} MiB")
churn = [(n, rs) for (s, n), rs in rows.items() if s == "churn" and not rs[0].get("refused")]
changes = gap = None
for n, rs in churn:
    changes = med("churn", n, "changes_per_s")
    gap = med("churn", n, "max_gap_us")
    print(f"churn     {n:>8} flows forwarding, batches of {rs[0]['batch']} (adds, then deletes): "
          f"{changes:.0f} changes/s ({spread('churn', n, 'changes_per_s')}); "
          f"longest worker loop gap {gap:.1f} us ({spread('churn', n, 'max_gap_us', '{:.1f}')}), "
          f"{med('churn', n, 'worker_preemptions'):.0f} preemptions of the worker; "
          f"same time without changes: {med('churn', n, 'quiet_max_gap_us'):.1f} us, "
          f"{med('churn', n, 'quiet_preemptions'):.0f} preemptions")
for sleep in sorted(n for (s, n) in rows if s == "wake"):
    print(f"wake      idle_sleep_us={sleep:<4} first frame after 20 ms idle received after "
          f"{med('wake', sleep, 'median_us'):.1f} us median, {med('wake', sleep, 'max_us'):.1f} us max")
for sleep in sorted(n for (s, n) in rows if s == "idle"):
    r = rows[("idle", sleep)][0]
    print(f"idle      rtpx-dataplane, idle_sleep_us={sleep:<4} CPU {r['cpu_percent']} % (process), "
          f"{r.get('worker_cpu_percent', '?')} % (worker thread), "
          f"{r.get('worker_wakeups_per_s', '?')} worker wake-ups/s over 3 s"
          + ("; a busy-polling worker takes all the CPU it is given" if sleep == 0 else ""))

def one(suite, n):
    rs = rows.get((suite, n), [])
    if not rs or any(r.get("refused") for r in rs):
        return None
    return round(med(suite, n, "cycles"), 1)

big = rows.get(("plain", 1000000), [])
resident = bool(big) and not any(r.get("refused") for r in big) and \
    all(float(r.get("drops", 0)) == 0 for r in big) and ("table", 1000000) in rows
print(json.dumps({
    "plain_cycles_100k": one("plain", 100000),
    "protect_cycles_100k": one("protect", 100000),
    "rekey_cycles_100k": one("rekey", 100000),
    "flows_1m_resident": resident,
    "flow_changes_per_s": round(changes) if changes is not None else None,
    "max_worker_gap_us": round(gap, 1) if gap is not None else None,
}))
PY
}

case ${1:-} in
  dataplane) shift; suite_dataplane "$@" ;;
  *) usage ;;
esac
