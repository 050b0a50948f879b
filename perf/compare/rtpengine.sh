#!/usr/bin/env bash
# rtpx-dataplane against Sipwise rtpengine (userspace forwarding), on one namespace/veth topology,
# under the same offered load from the same generator (rtpx-bench), measured the same way:
#
#   [ns bench: rtpx-bench, net_af_xdp on the veth] ==veth== [ns relay: the relay under test]
#      10.98.0.1 (callers and callees; static ARP)             10.99.0.1
#
# The relay is rtpx-dataplane (net_af_xdp on the relay's veth, flows from a flows file) or
# rtpengine (kernel UDP sockets on the same veth; started here with its own config file, no kernel
# module: table = -1). Both relay the same calls in both directions: --flows N streams are N/2
# calls; rtpengine's calls are made with an ng offer and answer each (JSON over UDP), and the bench
# sends every stream to the port rtpengine allocated for it (rtpx-bench --dut-flows). Packets are
# G.711 (172-byte RTP, PT 0), UDP checksums on. Every trial starts a fresh relay (new process, new
# calls) and offers one fixed rate for --duration seconds; the relay's CPU time (utime + stime of
# all its threads, /proc/PID/stat), its workers' busy time (rtpx: DPDK telemetry /rtpx/stats
# busy_us), the softirq time of both CPUs (/proc/stat) and the packets its veth sent are sampled
# every 0.1 s. Over the trial's middle (0.5 s cut at both ends), pps per core = relayed packets /
# charged CPU seconds, where the charged CPU is, for both relays alike: the relay's threads, a
# poll-mode worker counted only for its loop iterations that carried packets (DPDK's busy/idle
# split), plus the softirq time on the bench's CPU (on a veth, the kernel delivers the bench's
# packets to the relay, socket or XDP, in the sender's softirq). The pieces are printed.
# --pmd af_packet runs both DPDK ends on net_af_packet instead of net_af_xdp.
# Per relay and run:
#   1. NDR: RFC 2544's binary search between --min-rate and --max-rate (zero loss, and the bench
#      offered the whole rate); the at-NDR figure is the passing trial at the NDR;
#   2. a trial at a common fixed rate (default: N x 50 pps, the real-time rate of the N streams).
# The medians over --runs runs are reported; the last line is
#   compare-rtpengine: rtpx_pps_per_core=<n> rtpengine_pps_per_core=<n> ratio=<x>
# (at the NDR; ratio = rtpx / rtpengine). Namespaces, processes and files are removed on every
# exit. Needs root, ip(8), taskset, python3, rtpengine (Debian: rtpengine-daemon) and a build with
# rtpx-bench and rtpx-dataplane. Exit 77: a prerequisite is missing (it says which).
#
# usage: perf/compare/rtpengine.sh [--build DIR] [--flows N] [--runs R] [--duration S]
#            [--rate PPS] [--min-rate PPS] [--max-rate PPS] [--resolution PPS]
#            [--relay-cpu CPU] [--bench-cpu CPU] [--idle-sleep-us US] [--nice N] [--quick]
#            [--pmd af_xdp|af_packet] [--burst N] [--min-burst N] [--descriptors N]
#            [--keep-logs DIR]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=$ROOT/build/ci
FLOWS=100
RUNS=3
DURATION=3          # trial length, s (the CPU window is this minus 1 s)
RATE=""             # common fixed rate; default FLOWS x 50
MIN_RATE=10000
MAX_RATE=400000
RESOLUTION=5000
RELAY_CPU=1
BENCH_CPU=0
IDLE_SLEEP_US=""    # rtpx-dataplane's dataplane.idle_sleep_us (unset: its default)
NICE=0              # nice(1) adjustment of the bench and both relays (e.g. -10 on a busy host)
KEEP_LOGS=""
PMD=af_xdp          # both DPDK ends' vdev on the veth
BURST=32            # rtpx-bench's TX burst
MIN_BURST=32        # rtpx-bench --min-burst: trains of at least this many frames
DESCRIPTORS=4096    # RX/TX descriptors per queue of both DPDK ends (af_xdp: ring sizes)
usage() { sed -n '/^# usage:/,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2; }
while [[ $# -gt 0 ]]; do
    case $1 in
        --build) BUILD=$2; shift 2 ;;
        --flows) FLOWS=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        --duration) DURATION=$2; shift 2 ;;
        --rate) RATE=$2; shift 2 ;;
        --min-rate) MIN_RATE=$2; shift 2 ;;
        --max-rate) MAX_RATE=$2; shift 2 ;;
        --resolution) RESOLUTION=$2; shift 2 ;;
        --relay-cpu) RELAY_CPU=$2; shift 2 ;;
        --bench-cpu) BENCH_CPU=$2; shift 2 ;;
        --idle-sleep-us) IDLE_SLEEP_US=$2; shift 2 ;;
        --nice) NICE=$2; shift 2 ;;
        --keep-logs) KEEP_LOGS=$2; shift 2 ;;
        --pmd) PMD=$2; shift 2 ;;
        --burst) BURST=$2; shift 2 ;;
        --min-burst) MIN_BURST=$2; shift 2 ;;
        --descriptors) DESCRIPTORS=$2; shift 2 ;;
        --quick) FLOWS=10; RUNS=1; DURATION=2; MIN_RATE=500; MAX_RATE=500; RESOLUTION=500
                 RATE=500; shift ;;
        -h|--help) usage ;;
        *) echo "unknown option $1" >&2; usage ;;
    esac
done
for v in FLOWS RUNS DURATION MIN_RATE MAX_RATE RESOLUTION RELAY_CPU BENCH_CPU BURST MIN_BURST DESCRIPTORS; do
    [[ ${!v} =~ ^[0-9]+$ ]] || { echo "--${v,,}: expected a whole number" >&2; exit 2; }
done
[[ $NICE =~ ^-?[0-9]+$ ]] || { echo "--nice: expected a whole number" >&2; exit 2; }
# af_xdp: copy mode on a veth (native XDP, no zero copy), one queue; busy_budget=0 turns off the
# preferred busy polling, which on a veth costs a syscall per empty poll and polls no NAPI.
case $PMD in
    af_xdp) vdev() { echo "net_af_xdp0,iface=$1,busy_budget=0"; } ;;
    af_packet) vdev() { echo "net_af_packet0,iface=$1,framecnt=4096"; } ;;
    *) echo "--pmd: af_xdp or af_packet" >&2; exit 2 ;;
esac
(( RELAY_CPU != BENCH_CPU )) || { echo "--relay-cpu and --bench-cpu must differ" >&2; exit 2; }
(( MIN_RATE >= 1 && MIN_RATE <= MAX_RATE && RESOLUTION >= 1 && DURATION >= 2 )) ||
    { echo "need 1 <= --min-rate <= --max-rate, --resolution >= 1, --duration >= 2" >&2; exit 2; }
(( FLOWS >= 2 && FLOWS % 2 == 0 && FLOWS <= 27000 )) || { echo "--flows: an even number, 2..27000" >&2; exit 2; }
(( RUNS >= 1 )) || { echo "--runs: at least 1" >&2; exit 2; }
CALLS=$((FLOWS / 2))
RATE=${RATE:-$((FLOWS * 50))}

# ---- Prerequisites -------------------------------------------------------------------------------
BENCH=$BUILD/perf/bench/rtpx-bench
DP=$BUILD/dataplane/rtpx-dataplane
missing=()
[[ $(id -u) == 0 ]] || missing+=("root (network namespaces)")
for tool in ip taskset python3 timeout nice; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
RTPENGINE=$(command -v rtpengine || true)
[[ -n $RTPENGINE ]] || missing+=("rtpengine (Debian package rtpengine-daemon)")
[[ -x $BENCH ]] || missing+=("$BENCH (cmake --build $BUILD --target rtpx-bench)")
[[ -x $DP ]] || missing+=("$DP (cmake --build $BUILD --target rtpx-dataplane)")
NCPU=$(nproc)
(( RELAY_CPU < NCPU && BENCH_CPU < NCPU )) || missing+=("CPUs $RELAY_CPU and $BENCH_CPU (this host has $NCPU)")
if (( ${#missing[@]} )); then
    printf 'skipped: missing %s\n' "${missing[@]}" >&2
    exit 77
fi
PY=$(command -v python3)
LIB=$HERE/compare_lib.py

# ---- Topology and cleanup ------------------------------------------------------------------------
ID=rtpxcmp-$$
NB=$ID-b
ND=$ID-r
VB=cb$$
VD=cr$$
BENCH_IP=10.98.0.1
RELAY_IP=10.99.0.1
WORK=$(mktemp -d /tmp/rtpx-compare.XXXXXX)
RELAY_PID=""
SAMPLER_PID=""
AUTOGROUP_NICE=""
stop_pid() {  # stop_pid PID: TERM, up to 5 s, then KILL
    local pid=$1
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    local rc=$?
    stop_pid "$SAMPLER_PID"
    stop_pid "$RELAY_PID"
    [[ -z $AUTOGROUP_NICE ]] || echo "$AUTOGROUP_NICE" >/proc/self/autogroup 2>/dev/null || true
    ip netns del "$NB" 2>/dev/null || true
    ip netns del "$ND" 2>/dev/null || true
    rm -rf /var/run/dpdk/"$ID"-*
    if [[ -n $KEEP_LOGS ]]; then mkdir -p "$KEEP_LOGS" && cp -r "$WORK"/. "$KEEP_LOGS"/ || true; fi
    rm -rf "$WORK"
    (( rc == 0 )) || echo "compare-rtpengine failed (exit $rc)" >&2
    exit $rc
}
trap cleanup EXIT
# With the scheduler's autogroups (sched_autogroup_enabled), nice(1) only orders the processes of
# one session: --nice also sets the nice level of this session's autogroup (restored on exit), so
# that it counts against other sessions' work. Run the script under setsid(1) to confine it.
if (( NICE != 0 )) && [[ -w /proc/self/autogroup ]]; then
    AUTOGROUP_NICE=$(awk '{print $3}' /proc/self/autogroup)
    echo "$NICE" >/proc/self/autogroup || AUTOGROUP_NICE=""
fi
trap 'exit 130' INT TERM
fail() { echo "error: $*" >&2; exit 1; }

ip netns add "$NB"
ip netns add "$ND"
ip link add "$VB" netns "$NB" type veth peer name "$VD" netns "$ND"
for ns in "$NB" "$ND"; do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1  # keep the veths silent
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
    ip -n "$ns" link set lo up
done
ip -n "$NB" link set "$VB" up
ip -n "$ND" link set "$VD" up
BENCH_MAC=$(ip -n "$NB" link show "$VB" | awk '/ether/ {print $2}')
RELAY_MAC=$(ip -n "$ND" link show "$VD" | awk '/ether/ {print $2}')

cat >"$WORK/scenario.toml" <<TOML
[scenario]
name = "compare-rtpengine"
description = "$CALLS G.711 calls, both directions"
[streams]
profile = "g711"
udp_checksum = true
[network]
bench_mac = "$BENCH_MAC"
dut_mac = "$RELAY_MAC"
[load]
latency_trials = 0
drain_s = 0.3
TOML

BENCH_RUN=0
# bench OUT ARGS...: rtpx-bench in the bench namespace on its veth (--pmd), JSON to OUT.
bench() {
    local out=$1
    shift
    BENCH_RUN=$((BENCH_RUN + 1))
    local limit=$((30 + 2 * DURATION))
    timeout --kill-after=5 $limit ip netns exec "$NB" nice -n "$NICE" "$BENCH" --scenario "$WORK/scenario.toml" \
        --dut-flows "$WORK/flows.json" --burst "$BURST" --min-burst "$MIN_BURST" --descriptors "$DESCRIPTORS" --json "$@" -- \
        --no-huge --no-shconf -m 256 --no-pci -l "$BENCH_CPU" --log-level=error --no-telemetry \
        --vdev "$(vdev "$VB")" "--file-prefix=$ID-bench$BENCH_RUN" \
        >"$out" 2>>"$WORK/bench.log" || fail "rtpx-bench exited $? (see $WORK/bench.log)"
}

# ---- The relays ----------------------------------------------------------------------------------
start_rtpx() {
    ip -n "$ND" addr flush dev "$VD"  # the relay's kernel stack stays out of the way
    "$PY" "$LIB" rtpx-flows "$CALLS" "$RELAY_IP" "$BENCH_IP" "$BENCH_MAC" "$WORK/flows.json"
    local sock=$WORK/dp.sock
    rm -f "$sock"
    cat >"$WORK/dp.toml" <<TOML
[dataplane]
control_socket = "$sock"
lcores = "$BENCH_CPU,$RELAY_CPU"
mbufs = 16383
max_flows = $((FLOWS + 1024))
${IDLE_SLEEP_US:+idle_sleep_us = $IDLE_SLEEP_US}
eal = ["--no-huge", "-m", "256", "--no-shconf", "--file-prefix=$ID-dp", "--log-level=error"]

[[port]]
vdev = "$(vdev "$VD")"
addresses = ["$RELAY_IP"]
rx_descriptors = $DESCRIPTORS
tx_descriptors = $DESCRIPTORS
TOML
    ip netns exec "$ND" nice -n "$NICE" "$DP" --config "$WORK/dp.toml" --flows "$WORK/flows.json" \
        >>"$WORK/rtpx-dataplane.log" 2>&1 &
    RELAY_PID=$!
    for _ in $(seq 300); do
        [[ -S $sock ]] && break
        kill -0 "$RELAY_PID" 2>/dev/null || fail "rtpx-dataplane exited (see $WORK/rtpx-dataplane.log)"
        sleep 0.1
    done
    [[ -S $sock ]] || fail "rtpx-dataplane: no control socket"
    # On a loaded host the worker lcore may not have run yet: wait (bounded) until it has used CPU.
    local t f
    for _ in $(seq 100); do
        for t in /proc/"$RELAY_PID"/task/*; do
            [[ $(cat "$t/comm" 2>/dev/null) == rte-worker-* ]] || continue
            read -ra f <"$t/stat" || continue
            (( ${f[13]} + ${f[14]} > 0 )) && return 0  # utime + stime (no spaces in the name)
        done
        sleep 0.05
    done
    echo "warning: rtpx-dataplane's worker has not run yet" >&2
}

start_rtpengine() {
    ip -n "$ND" addr replace "$RELAY_IP/16" dev "$VD"
    ip -n "$ND" route replace 10.98.0.0/16 dev "$VD"
    ip -n "$ND" neigh replace "$BENCH_IP" lladdr "$BENCH_MAC" dev "$VD" nud permanent  # the bench answers no ARP
    # Its recommended userspace setup: no kernel forwarding table, one worker thread per core it
    # runs on (it is pinned to --relay-cpu, one core, like rtpx's one worker).
    cat >"$WORK/rtpengine.conf" <<CONF
[rtpengine]
table = -1
interface = $RELAY_IP
listen-ng = 127.0.0.1:2223
port-min = 30000
port-max = 65000
num-threads = 1
timeout = 600
silent-timeout = 600
offer-timeout = 600
log-level = 4
log-stderr = true
foreground = true
CONF
    ip netns exec "$ND" nice -n "$NICE" taskset -c "$RELAY_CPU" "$RTPENGINE" --config-file="$WORK/rtpengine.conf" \
        --no-log-timestamps >>"$WORK/rtpengine.log" 2>&1 &
    RELAY_PID=$!
    local ok=""
    for _ in $(seq 50); do
        kill -0 "$RELAY_PID" 2>/dev/null || fail "rtpengine exited (see $WORK/rtpengine.log)"
        if ip netns exec "$ND" "$PY" "$LIB" ng-calls 127.0.0.1:2223 "$CALLS" "$RELAY_IP" "$BENCH_IP" \
            "$WORK/flows.json" 2>>"$WORK/ng.log"; then ok=1; break; fi
        sleep 0.2
    done
    [[ -n $ok ]] || fail "rtpengine: ng offer/answer failed (see $WORK/ng.log)"
}

stop_relay() {
    stop_pid "$RELAY_PID"
    RELAY_PID=""
}

# trial RELAY RATE TAG: a fresh relay (new process, new calls: no state carried over from an
# earlier trial, and rtpengine 10.5's userspace sockets, which stall once a receive queue
# overflowed, start clean), one fixed-rate rtpx-bench trial with the relay's CPU time and veth TX
# packets sampled, the relay stopped. Writes $WORK/TAG.result: the window's JSON
# (compare_lib.py window) with the trial's sent, received, loss and pass (zero loss, not
# generator-limited).
trial() {
    local relay=$1 rate=$2 tag=$3
    local samples=$WORK/$tag.samples
    "start_$relay"
    # The sampler runs above the bench's and relays' priority: an overloaded relay must not
    # starve it. Its first sample is taken before the bench starts.
    local tel=""
    [[ $relay == rtpx ]] && tel=/var/run/dpdk/$ID-dp/dpdk_telemetry.v2
    ip netns exec "$ND" nice -n $((NICE - 5)) "$PY" "$LIB" sample "$RELAY_PID" \
        "/sys/class/net/$VD/statistics" "$samples" "$RELAY_CPU" "$BENCH_CPU" $tel &
    SAMPLER_PID=$!
    for _ in $(seq 100); do [[ -s $samples ]] && break; sleep 0.05; done
    [[ -s $samples ]] || fail "the CPU sampler did not start"
    bench "$WORK/$tag.json" --search none --rate "$rate" --duration "$DURATION"
    stop_pid "$SAMPLER_PID"
    SAMPLER_PID=""
    stop_relay
    # Within `if`, errexit is off: every step checks for itself.
    "$PY" "$LIB" window "$samples" >"$WORK/$tag.window" || fail "$tag: no CPU window"
    "$PY" - "$WORK/$tag.json" "$WORK/$tag.window" "$rate" >"$WORK/$tag.result" <<'PY' ||
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
t = [l for l in lines if l.get("type") == "trial"][-1]
w = json.load(open(sys.argv[2]))
# Passes with zero loss when the bench offered the rate: not generator-limited, and the port took
# at least 97% of the trial's packets (rtpx-bench's own tolerance for a generator falling short).
offered = t["sent"] >= 0.97 * t.get("target_frames", t["sent"])
w.update(offered_pps=float(sys.argv[3]), sent=t["sent"], received=t["received"],
         target=t.get("target_frames", 0), loss_ratio=t.get("loss_ratio", 0),
         generator_limited=t.get("generator_limited", False) or not offered,
         passed=bool(t["received"] == t["sent"] and t["sent"] > 0 and offered and
                     not t.get("generator_limited", False)))
print(json.dumps(w))
PY
        fail "$tag: no trial result (see $WORK/$tag.json)"
    local line pass
    line=$("$PY" -c 'import json,sys; r=json.load(open(sys.argv[1]))
print(int(r["passed"]), "sent %d of %d, received %d, loss %.4f, %.0f pps/core, %.0f ns/pkt: "
    "charged %.3f cores = threads %.3f (usr %.3f sys %.3f) - idle polling %.3f + softirq on bench CPU "
    "%.3f [not charged: softirq on relay CPU %.3f]%s" % (
    r["sent"], r["target"], r["received"], r["loss_ratio"], r["pps_per_core"],
    r.get("ns_per_packet", 0), r["cpu_cores"], r.get("process_cores", 0), r.get("user_cores", 0),
    r.get("sys_cores", 0), r.get("idle_poll_cores", 0), r.get("softirq_bench_cpu_cores", 0),
    r.get("softirq_relay_cpu_cores", 0),
    " (generator-limited)" if r["generator_limited"] else "") +
    ("; relay port: %s" % r["relay_port"] if "relay_port" in r else ""))' "$WORK/$tag.result") ||
        fail "$tag: bad result"
    pass=${line%% *}
    echo "  $relay $rate pps: ${line#* }" >&2
    [[ $pass == 1 ]]
}

# ndr_search RELAY RUN: RFC 2544's binary search for the highest zero-loss rate, one fresh relay
# per trial; sets NDR and NDR_TAG (the passing trial at the NDR: its CPU is the at-NDR figure).
ndr_search() {
    local relay=$1 run=$2 lo=$MIN_RATE hi=$MAX_RATE mid n=0
    NDR=0
    NDR_TAG=""
    LOW_TAG=$relay-$run-ndr0  # the trial at the lowest rate tried (when none passes)
    if trial "$relay" "$hi" "$relay-$run-ndr$n"; then
        NDR=$hi; NDR_TAG=$relay-$run-ndr$n; return 0
    fi
    (( lo < hi )) || return 0
    n=$((n + 1))
    LOW_TAG=$relay-$run-ndr$n
    trial "$relay" "$lo" "$relay-$run-ndr$n" || return 0
    NDR=$lo; NDR_TAG=$relay-$run-ndr$n
    while (( hi - lo > RESOLUTION )); do
        n=$((n + 1))
        mid=$(((lo + hi) / 2))
        if trial "$relay" "$mid" "$relay-$run-ndr$n"; then
            lo=$mid; NDR=$mid; NDR_TAG=$relay-$run-ndr$n
        else
            hi=$mid
        fi
    done
}

RESULTS=$WORK/results.jsonl
: >"$RESULTS"
echo "compare-rtpengine setup: $FLOWS G.711 streams ($CALLS calls, both directions), $RUNS run(s)," \
     "NDR search $MIN_RATE..$MAX_RATE pps (resolution $RESOLUTION), ${DURATION} s trials," \
     "fixed rate $RATE pps; relay on CPU $RELAY_CPU, bench on CPU $BENCH_CPU, nice $NICE;" \
     "$PMD, $DESCRIPTORS descriptors, bench bursts $MIN_BURST..$BURST;" \
     "load: $(cut -d' ' -f1-3 /proc/loadavg)"
for run in $(seq "$RUNS"); do
    order="rtpx rtpengine"
    (( run % 2 == 0 )) && order="rtpengine rtpx"  # alternate, so drift in the host's load cancels
    for relay in $order; do
        ndr_search "$relay" "$run"
        if [[ -n $NDR_TAG && $NDR == "$RATE" ]]; then
            cp "$WORK/$NDR_TAG.result" "$WORK/$relay-$run-fixed.result"  # that trial was at RATE
        else
            trial "$relay" "$RATE" "$relay-$run-fixed" || true
        fi
        at_ndr=$WORK/$NDR_TAG.result
        [[ -n $NDR_TAG ]] || at_ndr=$WORK/$LOW_TAG.result  # none passed: the lowest rate tried
        "$PY" - "$relay" "$run" "$NDR" "$at_ndr" "$WORK/$relay-$run-fixed.result" \
            "$RATE" >>"$RESULTS" <<'PY'
import json, sys
relay, run, ndr, a, f, rate = sys.argv[1:]
print(json.dumps({"relay": relay, "run": int(run), "ndr_pps": int(ndr),
                  "at_ndr": json.load(open(a)), "fixed_rate_pps": int(rate),
                  "at_fixed": json.load(open(f))}))
PY
        "$PY" - "$RESULTS" <<'PY'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])][-1]
a, f = r["at_ndr"], r["at_fixed"]
def pieces(w):
    return "threads %.3f - idle polling %.3f + softirq %.3f" % (
        w.get("process_cores", 0), w.get("idle_poll_cores", 0), w.get("softirq_bench_cpu_cores", 0))
print("run %d %-9s NDR %7d pps | at NDR: %8.0f pps/core, %.3f cores (%s) | at %d pps: %8.0f "
      "pps/core, %.3f cores (%s), loss %.4f" % (
          r["run"], r["relay"], r["ndr_pps"], a["pps_per_core"], a["cpu_cores"], pieces(a),
          r["fixed_rate_pps"], f["pps_per_core"], f["cpu_cores"], pieces(f), f["loss_ratio"]),
      flush=True)
PY
    done
done

"$PY" - "$RESULTS" "$LIB" <<'PY'
import json, sys, importlib.util
spec = importlib.util.spec_from_file_location("compare_lib", sys.argv[2])
lib = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lib)
rows = [json.loads(l) for l in open(sys.argv[1])]
med = {}
for relay in ("rtpx", "rtpengine"):
    rs = [r for r in rows if r["relay"] == relay]
    med[relay] = {
        "ndr_pps": lib.median([r["ndr_pps"] for r in rs]),
        "ndr_ppc": lib.median([r["at_ndr"]["pps_per_core"] for r in rs]),
        "ndr_cores": lib.median([r["at_ndr"]["cpu_cores"] for r in rs]),
        "fixed_ppc": lib.median([r["at_fixed"]["pps_per_core"] for r in rs]),
        "fixed_cores": lib.median([r["at_fixed"]["cpu_cores"] for r in rs]),
    }
    # ns of each CPU piece per relayed packet at the NDR (medians of each piece on its own).
    def ns(r, key):
        w = r["at_ndr"]
        return w.get(key, 0) * w["seconds"] * 1e9 / w["relayed"] if w.get("relayed") else 0.0
    med[relay]["ns"] = {k: lib.median([ns(r, k + "_cores") for r in rs]) for k in (
        "user", "sys", "idle_poll", "softirq_bench_cpu", "cpu", "softirq_relay_cpu")}
def ratio(a, b):
    return "%.2f" % (a / b) if b > 0 else "nan"
x, e = med["rtpx"], med["rtpengine"]
rate = rows[0]["fixed_rate_pps"]
print("medians over %d run(s): rtpx NDR %d pps (%.2f cores), rtpengine NDR %d pps (%.2f cores), "
      "NDR ratio %s" % (len(rows) // 2, x["ndr_pps"], x["ndr_cores"], e["ndr_pps"], e["ndr_cores"],
                        ratio(x["ndr_pps"], e["ndr_pps"])))
for name in ("rtpx", "rtpengine"):
    n = med[name]["ns"]
    print("%s at its NDR, ns of CPU per relayed packet: user %.0f + sys %.0f - idle polling %.0f + "
          "softirq delivering to it %.0f = %.0f charged (not charged: softirq delivering its "
          "output to the bench %.0f)" % (name, n["user"], n["sys"], n["idle_poll"],
                                         n["softirq_bench_cpu"], n["cpu"], n["softirq_relay_cpu"]))
print("compare-rtpengine-fixed: rate_pps=%d rtpx_pps_per_core=%d rtpengine_pps_per_core=%d "
      "ratio=%s rtpx_cores=%.3f rtpengine_cores=%.3f" % (
          rate, x["fixed_ppc"], e["fixed_ppc"], ratio(x["fixed_ppc"], e["fixed_ppc"]),
          x["fixed_cores"], e["fixed_cores"]))
print("compare-rtpengine: rtpx_pps_per_core=%d rtpengine_pps_per_core=%d ratio=%s" % (
    x["ndr_ppc"], e["ndr_ppc"], ratio(x["ndr_ppc"], e["ndr_ppc"])))
PY
