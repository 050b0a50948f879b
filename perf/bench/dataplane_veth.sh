#!/usr/bin/env bash
# rtpx-bench through rtpx-dataplane on a veth pair (net_af_packet on both ends):
#
#   [ns bench: rtpx-bench, net_af_packet on bb<pid>] ==veth== [ns dut: rtpx-dataplane, net_af_packet on bd<pid>]
#
# The scenario's flows file (`rtpx-bench --write-flows`) is the data plane's static flows, with
# next_hop_mac = the bench's MAC; both legs of every flow use the DUT's one port. Namespaces, veths,
# files and processes are removed on every exit. Needs root and ip(8).
#
# usage: perf/bench/dataplane_veth.sh BUILD_DIR SCENARIO.toml [rtpx-bench options...]
#   PMD=af_xdp (default) or PMD=af_packet in the environment selects both ends' vdev.
#   e.g. perf/bench/dataplane_veth.sh build/ci perf/scenarios/plain-relay-1k.toml --search ndr --duration 1
set -euo pipefail
BUILD=$(cd "$1" && pwd)
SCENARIO=$2
shift 2
BENCH=$BUILD/perf/bench/rtpx-bench
DP=$BUILD/dataplane/rtpx-dataplane
[[ -x $BENCH && -x $DP ]] || { echo "build rtpx-bench and rtpx-dataplane first" >&2; exit 2; }
if [[ $(id -u) != 0 ]] || ! command -v ip >/dev/null; then
    echo "skipped: needs root and ip(8)"
    exit 77
fi
ID=rtpxbench-$$
NB=$ID-b
ND=$ID-d
VB=bb$$
VD=bd$$
PMD=${PMD:-af_xdp}
case $PMD in
    af_xdp) vdev() { echo "net_af_xdp0,iface=$1"; } ;;
    af_packet) vdev() { echo "net_af_packet0,iface=$1,framecnt=4096"; } ;;
    *) echo "PMD: af_xdp or af_packet" >&2; exit 2 ;;
esac
WORK=$(mktemp -d /tmp/rtpx-bench-veth.XXXXXX)
DP_PID=""
cleanup() {
    local rc=$?
    if [[ -n $DP_PID ]] && kill -0 "$DP_PID" 2>/dev/null; then
        kill -TERM "$DP_PID" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$DP_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$DP_PID" 2>/dev/null || true
    fi
    ip netns del "$NB" 2>/dev/null || true
    ip netns del "$ND" 2>/dev/null || true
    rm -rf "/var/run/dpdk/$ID-dut" "/var/run/dpdk/$ID-bench" "$WORK"
    exit $rc
}
trap cleanup EXIT

ip netns add "$NB"
ip netns add "$ND"
ip link add "$VB" netns "$NB" type veth peer name "$VD" netns "$ND"
for ns in "$NB" "$ND"; do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1  # keep the veths silent
done
ip -n "$NB" link set "$VB" up
ip -n "$ND" link set "$VD" up
BENCH_MAC=$(ip -n "$NB" link show "$VB" | awk '/ether/ {print $2}')
DUT_MAC=$(ip -n "$ND" link show "$VD" | awk '/ether/ {print $2}')

# The scenario with this topology's MACs.
cp "$SCENARIO" "$WORK/scenario.toml"
printf '\n[network]\nbench_mac = "%s"\ndut_mac = "%s"\n' "$BENCH_MAC" "$DUT_MAC" >>"$WORK/scenario.toml"
"$BENCH" --scenario "$WORK/scenario.toml" --write-flows "$WORK/flows.json" "$@"
FLOWS=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["flows"]))' "$WORK/flows.json")
ADDRS=$(python3 - "$WORK/flows.json" <<'PY'
import json, sys
addrs = set()
for f in json.load(open(sys.argv[1]))["flows"]:
    for k in ("local", "egress_source"):
        addrs.add(f[k].rsplit(":", 1)[0].strip("[]"))
print(", ".join('"%s"' % a for a in sorted(addrs)))
PY
)

SOCK=$WORK/dp.sock
cat >"$WORK/dp.toml" <<TOML
[dataplane]
control_socket = "$SOCK"
lcores = "0-1"
mbufs = 16383
max_flows = $((FLOWS * 2 + 1024))
eal = ["--no-huge", "-m", "1024", "--no-shconf", "--file-prefix=$ID-dut", "--log-level=error"]

[[port]]
vdev = "$(vdev "$VD")"
addresses = [$ADDRS]
TOML
echo "+ ip netns exec $ND $DP --config $WORK/dp.toml --flows $WORK/flows.json" >&2
ip netns exec "$ND" "$DP" --config "$WORK/dp.toml" --flows "$WORK/flows.json" >"$WORK/dp.log" 2>&1 &
DP_PID=$!
for _ in $(seq 300); do
    [[ -S $SOCK ]] && break
    kill -0 $DP_PID 2>/dev/null || { cat "$WORK/dp.log"; echo "rtpx-dataplane exited" >&2; exit 1; }
    sleep 0.1
done
[[ -S $SOCK ]] || { cat "$WORK/dp.log"; echo "no control socket" >&2; exit 1; }

echo "+ ip netns exec $NB $BENCH --scenario <scenario+MACs> $* -- --vdev $(vdev "$VB") ..." >&2
ip netns exec "$NB" "$BENCH" --scenario "$WORK/scenario.toml" "$@" -- \
    --no-huge --no-shconf -m 1024 --no-pci -l 0 --log-level=error --no-telemetry \
    --vdev "$(vdev "$VB")" "--file-prefix=$ID-bench"
