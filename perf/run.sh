#!/usr/bin/env bash
# Whole-system performance suites. One function per suite; the first argument picks it.
#
#   perf/run.sh dataplane [--build DIR (build/ci)] [--runs N (5)] [--seconds S (1)]
#                         [--flows LIST (1000,100000,1000000)] [--batch N (100)]
#   perf/run.sh sip [--build DIR (build/ci)] [--runs N (3)] [--seconds S (3)] [--quick]
#                   [--start CPS (250)] [--max CPS (16000)] [--cpu-rate CPS (1000)]
#                   [--only rtpx|kamailio] [--log-level LEVEL (info)] [--kamailio-children N (1)]
#                   [--keep]
#
# dataplane: one worker on a net_ring closed loop (perf/dataplane/loop_bench.cpp says how), plain
#   relay, RTP->SRTP and SRTP->SRTP re-key (AES_CM_128_HMAC_SHA1_80; rekey_gcm: AEAD_AES_128_GCM) at
#   each flow count (Mpps and cycles per packet, from the
#   worker's own CPU time), a million flows resident (RSS), flow changes per second while the worker
#   forwards and its longest loop gap, wake-up latency with idle back-off, and the CPU an idle
#   rtpx-dataplane burns with and without idle back-off. Prints a table (medians, and the spread as
#   min-max over the runs: the machine is shared and noisy) and ends with one JSON line.
#
# sip: the highest call rate rtpx-controlplane's B2BUA sustains with sipp on loopback (every call's
#   flows programmed into a real rtpx-dataplane with --no-huge --no-shconf on net_ring ports, idle
#   back-off on, no RTP), beside Kamailio's transaction-stateful proxy (perf/sip/kamailio.cfg: tm,
#   sl, rr, one SIP worker like rtpx's one loop thread) between the same sipp UAC and UAS
#   (perf/sip/uac.xml, uas.xml; 4 MiB socket buffers everywhere) in the same run. Each
#   probe places rate x seconds calls (INVITE/100/180/200/ACK/BYE/200, no hold); it passes when
#   fewer than 0.1% of them fail and sipp kept the rate (the run took at most 10% + 0.5 s longer
#   than planned). The rate doubles from --start until a probe fails, then a bisection narrows it to
#   5%. CPU per call = the server's utime + stime (/proc/PID/stat, all its threads or processes)
#   over a probe at --cpu-rate (the same load on both) divided by the calls; the same over the
#   highest passing probe is reported too. A second table says where the CPU went (% of one core:
#   server, data plane, sipp UAC, sipp UAS) at the highest passing probe and at the first failing
#   one: a server at 100% is its own ceiling (both servers run one SIP worker thread); a total
#   near 100% x cores is the machine's. Medians of --runs (default: a few minutes in all);
#   --quick: 1 run of 1 s probes, 3 search steps, 2 s receive timeout (about a minute).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)

usage() {
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2
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
goals = {"plain": 80, "rekey": 800, "rekey_gcm": 800}
suites = ("floor", "plain", "protect", "rekey", "rekey_gcm")
flow_counts = sorted({n for (s, n) in rows if s in suites})
for suite in suites:
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
    "rekey_gcm_cycles_100k": one("rekey_gcm", 100000),
    "flows_1m_resident": resident,
    "flow_changes_per_s": round(changes) if changes is not None else None,
    "max_worker_gap_us": round(gap, 1) if gap is not None else None,
}))
PY
}

# --- sip ----------------------------------------------------------------------------------------

# utime + stime ticks of processes and of their direct children (Kamailio's workers).
tree_ticks() {
  local total=0 p c
  for p in "$@"; do
    [[ $p != 0 ]] || continue
    for c in "$p" $(pgrep -P "$p" 2>/dev/null || true); do
      [[ -r /proc/$c/stat ]] || continue
      total=$((total + $(awk '{print $14 + $15}' "/proc/$c/stat" 2>/dev/null || echo 0)))
    done
  done
  echo "$total"
}

now_ms() { date +%s%3N; }

# One probe: `rate` calls/s for `seconds` through the server at 127.0.0.1:port; prints a result line.
sip_probe() {
  local system=$1 run=$2 rate=$3 seconds=$4 port=$5 work=$6 kind=$7
  local calls=$((rate * seconds)) hz t0 t1 c0 c1 dp0 dp1 uas0 uas1 uac0 uac1 rc stats me=$BASHPID
  hz=$(getconf CLK_TCK)
  rm -f "$work"/uac_stat.csv "$work"/uac_*errors.log
  c0=$(tree_ticks "$SERVER_PID")
  dp0=$(tree_ticks "${DP_PID:-0}")
  uas0=$(tree_ticks "${UAS_PID:-0}")
  # The UAC's CPU: this shell's waited-for children (cutime + cstime), the sipp run among them.
  uac0=$(awk '{print $16 + $17}' "/proc/$me/stat")
  t0=$(now_ms)
  set +e
  (cd "$work" && exec timeout $((seconds * 4 + 20)) sipp -sf "$root/perf/sip/uac.xml" -i 127.0.0.1 -p $((port + 1)) \
     -t u1 -nostdin -buff_size 4194304 -r "$rate" -rp 1000 -m "$calls" -l $((rate * 10)) -s bob \
     -recv_timeout "$SIP_RECV_TIMEOUT_MS" -max_recv_loops 1000 -max_sched_loops 1000 \
     -trace_stat -stf "$work/uac_stat.csv" -fd 1 -trace_err "127.0.0.1:$port" >"$work/uac.out" 2>&1)
  rc=$?
  set -e
  t1=$(now_ms)
  uac1=$(awk '{print $16 + $17}' "/proc/$me/stat")
  c1=$(tree_ticks "$SERVER_PID")
  dp1=$(tree_ticks "${DP_PID:-0}")
  uas1=$(tree_ticks "${UAS_PID:-0}")
  stats=$(python3 - "$work/uac_stat.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1]), delimiter=';'))
head, last = rows[0], rows[-1]
col = lambda name: int(last[head.index(name)]) if name in head else 0
print(f"outgoing={col('OutgoingCall(C)')} ok={col('SuccessfulCall(C)')} failed={col('FailedCall(C)')} "
      f"retrans={col('Retransmissions(C)')}")
PY
) || stats="outgoing=0 ok=0 failed=$calls retrans=0"
  echo "result sip $system run=$run kind=$kind rate=$rate seconds=$seconds calls=$calls $stats" \
       "wall_ms=$((t1 - t0)) sipp_rc=$rc cpu_ticks=$((c1 - c0)) dp_ticks=$((dp1 - dp0))" \
       "uac_ticks=$((uac1 - uac0)) uas_ticks=$((uas1 - uas0)) hz=$hz"
}

# Did the probe pass: < 0.1% failed, every call placed, and on time.
sip_passed() {
  python3 -c '
import re, sys
f = dict(re.findall(r"(\w+)=(\S+)", sys.argv[1]))
calls, ok, failed = int(f["calls"]), int(f["ok"]), int(f["failed"])
on_time = int(f["wall_ms"]) <= int(f["seconds"]) * 1000 * 1.1 + 500
sys.exit(0 if ok + failed >= calls and failed * 1000 < calls and on_time else 1)' "$1"
}

start_rtpx() {
  local work=$1 port=$2 uas=$3
  local sock=$work/dp.sock
  cat >"$work/dp.toml" <<TOML
[dataplane]
control_socket = "$sock"
lcores = "0-1"
mbufs = 2047
max_flows = 262144
idle_sleep_us = 200
eal = ["--no-huge", "-m", "512", "--no-shconf", "--file-prefix=rtpx-perf-sip-$$", "--log-level=error"]

[[port]]
vdev = "net_ring0"
addresses = ["10.250.1.1"]
gateway_mac = "02:00:00:00:00:01"

[[port]]
vdev = "net_ring1"
addresses = ["10.250.2.1"]
gateway_mac = "02:00:00:00:00:02"
TOML
  "$SIP_BUILD/dataplane/rtpx-dataplane" --config "$work/dp.toml" >"$work/dp.log" 2>&1 &
  DP_PID=$!
  for _ in $(seq 100); do [[ -S $sock ]] && break; sleep 0.1; done
  [[ -S $sock ]] || { echo "error: rtpx-dataplane did not start:" >&2; tail "$work/dp.log" >&2; return 1; }
  cat >"$work/cp.toml" <<TOML
[[sip.listener]]
name = "a"
address = "127.0.0.1:$port"
[[sip.listener]]
name = "b"
address = "127.0.0.2:$port"
[[route]]
name = "to-uas"
next_hop = "127.0.0.2:$uas"
listener = "b"
a_interface = "side-a"
b_interface = "side-b"
[[dataplane]]
name = "dp"
socket = "$sock"
# The widest port ranges (a finished call gives its ports back once its flows are deleted, at the
# end of the loop pass that ended it).
[[dataplane.interface]]
name = "side-a"
address = "10.250.1.1"
port_min = 1024
port_max = 65534
[[dataplane.interface]]
name = "side-b"
address = "10.250.2.1"
port_min = 1024
port_max = 65534
[limits]
max_calls = 20000
[log]
level = "$SIP_LOG_LEVEL"
[records]
path = "$work/records.jsonl"
[journal]
path = "$work/journal.jsonl"
[http]
listen = "127.0.0.1:$((port + 3))"
TOML
  "$SIP_BUILD/controlplane/rtpx-controlplane" --config "$work/cp.toml" >"$work/cp.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 100); do
    grep -q "rtpx-controlplane running" "$work/cp.log" && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "error: rtpx-controlplane did not start:" >&2
  tail "$work/cp.log" >&2
  return 1
}

start_kamailio() {
  local work=$1 port=$2 uas=$3
  mkdir -p "$work/kam"
  # -b: the same 4 MiB UDP receive buffer as rtpx-controlplane's listeners and the sipp instances.
  kamailio -f "$root/perf/sip/kamailio.cfg" -DD -E -m 256 -M 16 -b 4194304 -Y "$work/kam" \
    -A "LISTEN=udp:127.0.0.1:$port" -A "UAS=\"sip:127.0.0.2:$uas\"" -A "CHILDREN=$SIP_KAM_CHILDREN" \
    >"$work/kam.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 100); do
    ss -Hlun "src 127.0.0.1:$port" 2>/dev/null | grep -q . && { sleep 0.3; return 0; }
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "error: kamailio did not start:" >&2
  tail "$work/kam.log" >&2
  return 1
}

stop_pid() {
  local pid=$1
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

sip_cleanup() {
  stop_pid "${SERVER_PID:-}"
  stop_pid "${DP_PID:-}"
  stop_pid "${UAS_PID:-}"
  SERVER_PID="" DP_PID="" UAS_PID=""
  if [[ -n ${SIP_WORK:-} ]]; then
    if [[ -n $SIP_KEEP ]]; then echo "kept $SIP_WORK" >&2; else rm -rf "$SIP_WORK"; fi
  fi
  SIP_WORK=""
}

# One system, one run: start it and a sipp UAS, measure at --cpu-rate, search the rate, stop.
sip_system() {
  local system=$1 run=$2 out=$3 work port uas rate lo=0 hi=0 line probes=0 best=""
  work=$(mktemp -d /tmp/rtpx-perf-sip-XXXXXX)
  SIP_WORK=$work
  # Four free UDP/TCP ports (server, UAC, UAS, HTTP) from the pid, the next block when taken.
  port=$((30000 + ($$ % 2000) * 10 + (run % 2) * 5))
  while ss -Haun "( sport >= :$port and sport <= :$((port + 3)) )" 2>/dev/null | grep -q . ||
        ss -Hatn "( sport >= :$port and sport <= :$((port + 3)) )" 2>/dev/null | grep -q .; do
    port=$((port + 5))
  done
  uas=$((port + 2))
  (cd "$work" && exec sipp -sf "$root/perf/sip/uas.xml" -i 127.0.0.2 -p "$uas" -t u1 -nostdin -trace_err -buff_size 4194304 \
     -max_recv_loops 1000 -max_sched_loops 1000 >"$work/uas.out" 2>&1) &
  UAS_PID=$!
  if [[ $system == rtpx ]]; then
    start_rtpx "$work" "$port" "$uas" || { sip_cleanup; return 1; }
  else
    start_kamailio "$work" "$port" "$uas" || { sip_cleanup; return 1; }
  fi
  # Warm-up (first allocations, sipp's start) not counted.
  sip_probe "$system" "$run" 100 1 "$port" "$work" warmup >/dev/null
  # The same load on both for the CPU per call.
  line=$(sip_probe "$system" "$run" "$SIP_CPU_RATE" "$SIP_SECONDS" "$port" "$work" cpu)
  echo "$line" | tee -a "$out" >&2
  rate=$SIP_START
  while ((rate <= SIP_MAX && probes < SIP_MAX_PROBES)); do
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "error: $system exited" >&2; break; }
    line=$(sip_probe "$system" "$run" "$rate" "$SIP_SECONDS" "$port" "$work" search)
    probes=$((probes + 1))
    if sip_passed "$line"; then
      echo "$line pass=1" | tee -a "$out" >&2
      lo=$rate best=$line
      if ((hi > 0)); then
        ((hi - lo > lo / 20)) || break
        rate=$(((lo + hi) / 2))
      else
        rate=$((rate * 2))
      fi
    else
      echo "$line pass=0" | tee -a "$out" >&2
      hi=$rate
      ((hi - lo > lo / 20)) || break
      rate=$(((lo + hi) / 2))
      sleep 1  # let the failed probe's leftovers (retransmissions) die out
    fi
  done
  echo "result sipmax $system run=$run max_rate=$lo ${best#result sip $system run=$run }" >>"$out"
  sip_cleanup
}

suite_sip() {
  local build=build/ci runs=3 only=""
  SIP_SECONDS=3 SIP_START=250 SIP_MAX=16000 SIP_CPU_RATE=1000 SIP_LOG_LEVEL=info SIP_KEEP=""
  SIP_MAX_PROBES=10 SIP_KAM_CHILDREN=1 SIP_RECV_TIMEOUT_MS=5000
  while (($#)); do
    case $1 in
      --build) build=$2; shift 2 ;;
      --runs) runs=$2; shift 2 ;;
      --seconds) SIP_SECONDS=$2; shift 2 ;;
      --start) SIP_START=$2; shift 2 ;;
      --max) SIP_MAX=$2; shift 2 ;;
      --cpu-rate) SIP_CPU_RATE=$2; shift 2 ;;
      --only) only=$2; shift 2 ;;
      --log-level) SIP_LOG_LEVEL=$2; shift 2 ;;
      --keep) SIP_KEEP=1; shift ;;
      --kamailio-children) SIP_KAM_CHILDREN=$2; shift 2 ;;
      --quick) runs=1 SIP_SECONDS=1 SIP_START=500 SIP_MAX_PROBES=3 SIP_CPU_RATE=500
               SIP_RECV_TIMEOUT_MS=2000; shift ;;
      *) usage ;;
    esac
  done
  [[ $build = /* ]] || build=$root/$build
  SIP_BUILD=$build
  local b
  for b in "$build/controlplane/rtpx-controlplane" "$build/dataplane/rtpx-dataplane"; do
    [[ -x $b ]] || { echo "error: $b not built (cmake --build $build -j2 --target rtpx-controlplane rtpx-dataplane)" >&2; exit 1; }
  done
  command -v sipp >/dev/null || { echo "error: sipp is not installed (Debian: sip-tester)" >&2; exit 1; }
  local systems=(rtpx kamailio)
  if [[ -n $only ]]; then
    systems=("$only")
  elif ! command -v kamailio >/dev/null; then
    echo "warning: kamailio is not installed: rtpx alone" >&2
    systems=(rtpx)
  fi
  local out run s load
  out=$(mktemp)
  SIP_OUT=$out SERVER_PID="" DP_PID="" UAS_PID="" SIP_WORK=""
  trap 'sip_cleanup; rm -f "$SIP_OUT"' EXIT
  trap 'exit 130' INT TERM
  load=$(uptime | sed 's/.*load average: //')
  echo "sip: $runs run(s) of ${SIP_SECONDS} s probes, doubling from $SIP_START calls/s, then bisection to 5%; load $load" >&2
  for ((run = 1; run <= runs; run++)); do
    for s in "${systems[@]}"; do sip_system "$s" "$run" "$out"; done
  done
  echo "result load before=\"$load\" after=\"$(uptime | sed 's/.*load average: //')\"" >>"$out"
  python3 - "$out" "$SIP_CPU_RATE" "$SIP_LOG_LEVEL" "$SIP_KAM_CHILDREN" <<'PY'
import json, os, re, statistics, sys
cpu_rate, level, children = int(sys.argv[2]), sys.argv[3], sys.argv[4]
probes, maxima, load = {}, {}, {}
for line in open(sys.argv[1]):
    parts = line.split()
    if len(parts) < 3 or parts[0] != "result":
        continue
    f = {k: v.strip('"') for k, v in re.findall(r'(\w+)=("[^"]*"|\S+)', line)}
    if parts[1] == "sip":
        probes.setdefault((parts[2], f["kind"]), []).append(f)
    elif parts[1] == "sipmax":
        maxima.setdefault(parts[2], []).append(f)
    elif parts[1] == "load":
        load = f

def us_per_call(f):
    ok = int(f.get("ok", 0))
    return int(f["cpu_ticks"]) * 1e6 / int(f["hz"]) / ok if ok else None

def dp_percent(f):
    return int(f["dp_ticks"]) * 100 / int(f["hz"]) / (int(f["wall_ms"]) / 1000)

def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None

def fmt(v, spec=".0f"):
    return "-" if v is None else format(v, spec)

res = {}
print(f"\n{'server':9} {'calls/s':>8} {'spread':>11} {'us/call':>8} {'spread':>9} {'at max':>7}  note")
for s in ("rtpx", "kamailio"):
    mx = maxima.get(s, [])
    if not mx:
        continue
    rates = [float(f["max_rate"]) for f in mx]
    cpu = probes.get((s, "cpu"), [])
    per = [us_per_call(f) for f in cpu if us_per_call(f) is not None]
    failed = sum(int(f["failed"]) for f in cpu)
    r = dict(cps=med(rates), cpu=med(per), cpu_max=med([us_per_call(f) for f in mx if "ok" in f]),
             dp=med([dp_percent(f) for f in cpu]) if s == "rtpx" else None)
    note = (f"data plane {fmt(r['dp'], '.1f')}% CPU (net_ring, idle back-off); log {level}, "
            "records, journal and HTTP on" if s == "rtpx"
            else f"tm/sl/rr with Record-Route, children={children}")
    if failed:
        note += f"; {failed} failed calls in the {cpu_rate}/s probes"
    print(f"{s:9} {fmt(r['cps']):>8} {min(rates):>5.0f}-{max(rates):<5.0f} {fmt(r['cpu']):>8} "
          f"{(fmt(min(per)) + '-' + fmt(max(per))) if per else '-':>9} {fmt(r['cpu_max']):>7}  {note}")
    res[s] = r
# Where the CPU went at the highest passing probe and at the lowest failing one above it: is the
# ceiling the server's, the load generator's (sipp) or the machine's?
def shares(f):
    wall, hz = int(f["wall_ms"]) / 1000, int(f["hz"])
    return [int(f.get(k, 0)) * 100 / hz / wall for k in ("cpu_ticks", "dp_ticks", "uac_ticks", "uas_ticks")]
print(f"\nCPU % of one core ({os.cpu_count()} cores), medians over runs:"
      f"\n{'server':9} {'probe':12} {'calls/s':>8} {'server':>7} {'dplane':>7} {'sipp UAC':>9} {'sipp UAS':>9} {'total':>6}")
for s in ("rtpx", "kamailio"):
    mx = maxima.get(s, [])
    fails = []
    for m in mx:
        above = [f for f in probes.get((s, "search"), []) if f["run"] == m["run"] and
                 f.get("pass") == "0" and int(f["rate"]) > int(m["max_rate"])]
        if above:
            fails.append(min(above, key=lambda f: int(f["rate"])))
    for label, rows in (("max passing", [m for m in mx if "wall_ms" in m]), ("first failing", fails)):
        if not rows:
            continue
        cols = [med([shares(f)[i] for f in rows]) for i in range(4)]
        rate = med([int(f["rate"]) for f in rows])
        print(f"{s:9} {label:13} {rate:>7.0f} " + " ".join(f"{c:>7.0f}" if i < 2 else f"{c:>9.0f}"
              for i, c in enumerate(cols)) + f" {sum(cols):>6.0f}")
print(f"calls/s: the highest rate with < 0.1% failed calls (median of runs); us/call: the server's "
      f"CPU time per call at {cpu_rate} calls/s (both); 'at max': over the highest passing probe.\n"
      f"load average {load.get('before', '?')} before, {load.get('after', '?')} after")
r, k = res.get("rtpx", {}), res.get("kamailio", {})
rnd = lambda v, d=1: None if v is None else round(v, d)
out = {
    "rtpx_cps": rnd(r.get("cps"), None),
    "kamailio_cps": rnd(k.get("cps"), None),
    "rtpx_cpu_us_per_call": rnd(r.get("cpu")),
    "kamailio_cpu_us_per_call": rnd(k.get("cpu")),
    "rtpx_cpu_us_per_call_at_max": rnd(r.get("cpu_max")),
    "kamailio_cpu_us_per_call_at_max": rnd(k.get("cpu_max")),
    "cpu_rate": cpu_rate,
    "dataplane_cpu_percent": rnd(r.get("dp")),
    "runs": max((len(v) for v in maxima.values()), default=0),
    "load": load.get("before"),
}
if out["rtpx_cps"] and out["kamailio_cps"]:
    out["cps_ratio"] = round(out["rtpx_cps"] / out["kamailio_cps"], 2)
if out["rtpx_cpu_us_per_call"] and out["kamailio_cpu_us_per_call"]:
    out["cpu_ratio"] = round(out["rtpx_cpu_us_per_call"] / out["kamailio_cpu_us_per_call"], 2)
print(json.dumps(out))
PY
}

case ${1:-} in
  dataplane) shift; suite_dataplane "$@" ;;
  sip) shift; suite_sip "$@" ;;
  *) usage ;;
esac
