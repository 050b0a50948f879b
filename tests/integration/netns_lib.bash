# Sourced by tests/integration/dataplane_*_test.sh: arguments, skipping, the alice - core - bob
# topology in network namespaces, helpers, and cleanup on every exit.
#
#   alice (10.77.1.2/24, eth0) ==veth== [core: rtpx-dataplane, port 0 $CA | port 1 $CB] ==veth== bob (10.77.2.2/24, eth0)
#
# Before sourcing, set TAG (names the namespaces "$TAG-$$-{a,b,c}" and the EAL file prefix) and
# VETH (two letters: the core's veths are "${VETH}a$$" and "${VETH}b$$"). The script's arguments
# are RTPX_DATAPLANE RTPX. Exits 77 (skipped) unless root with ip(8).
set -euo pipefail
DP=$1
RTPX=$2
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [[ $(id -u) != 0 ]] || ! command -v ip >/dev/null; then
    echo "skipped: needs root and ip(8)"
    exit 77
fi
PY=$(python3 -c 'import sys; print(sys.executable)')
ID=$TAG-$$
A=$ID-a
B=$ID-b
C=$ID-c
CA=${VETH}a$$  # core side of alice's veth (the data plane's port 0)
CB=${VETH}b$$  # core side of bob's veth (port 1)
WORK=$(mktemp -d "/tmp/rtpx-$TAG.XXXXXX")
SOCK=$WORK/dp.sock
DP_PID=""

cleanup() {
    local rc=$?
    if [[ -n $DP_PID ]] && kill -0 "$DP_PID" 2>/dev/null; then
        kill -TERM "$DP_PID" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$DP_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$DP_PID" 2>/dev/null || true
    fi
    for ns in "$A" "$B" "$C"; do ip netns del "$ns" 2>/dev/null || true; done
    rm -rf "/var/run/dpdk/$ID" "$WORK"
    if [[ $rc != 0 ]]; then echo "FAILED (exit $rc)"; fi
    exit $rc
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; [[ -f $WORK/dp.log ]] && tail -20 "$WORK/dp.log"; exit 1; }
# telemetry COMMAND: the data plane's DPDK telemetry answer (JSON) to COMMAND, e.g. /rtpx/stats.
telemetry() {
    "$PY" - "/var/run/dpdk/$ID/dpdk_telemetry.v2" "$1" <<'PYEOF'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(5)
s.connect(sys.argv[1])
json.loads(s.recv(16384))  # the greeting
s.send(sys.argv[2].encode())
print(json.dumps(json.loads(s.recv(1 << 20))[sys.argv[2]]))
PYEOF
}
json() { "$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
# wait_udp NAMESPACE PORT: until a socket listens on UDP PORT there (a receiver started in the
# background is ready; a loaded machine can take a second to start Python).
wait_udp() {
    for _ in $(seq 100); do
        [[ -n $(ip netns exec "$1" ss -Hlun "sport = :$2") ]] && return 0
        sleep 0.05
    done
    fail "nothing listens on UDP $2 in $1"
}
# wait_file PATH: until PATH exists (a background capture made it once its socket was bound).
wait_file() {
    for _ in $(seq 100); do [[ -e $1 ]] && return 0; sleep 0.05; done
    fail "$1 never appeared"
}
# peer NAMESPACE ARGS...: tests/integration/rtp_peer.py in a namespace.
peer() { local ns=$1; shift; ip netns exec "$ns" "$PY" "$HERE/rtp_peer.py" "$@"; }

# The namespaces, veths and IPv4 addresses; links up.
topology_up() {
    ip netns add "$A"
    ip netns add "$B"
    ip netns add "$C"
    ip link add "$CA" netns "$C" type veth peer name eth0 netns "$A"
    ip link add "$CB" netns "$C" type veth peer name eth0 netns "$B"
    for ns in "$A" "$B"; do ip -n "$ns" link set lo up; done
    ip netns exec "$C" sysctl -qw net.ipv6.conf.all.disable_ipv6=1   # the core's veths stay silent
    ip -n "$A" addr add 10.77.1.2/24 dev eth0
    ip -n "$B" addr add 10.77.2.2/24 dev eth0
    ip -n "$A" link set eth0 up
    ip -n "$B" link set eth0 up
    ip -n "$C" link set "$CA" up
    ip -n "$C" link set "$CB" up
}

# start_dataplane PORT0_ADDRESSES PORT1_ADDRESSES [EXTRA_DATAPLANE_LINES [EXTRA_PORT0_LINES
#                 [EXTRA_PORT1_LINES]]]:
# (dataplane.lcores is $LCORES, default "0-1"; $AF_PACKET_ARGS is appended to both vdevs; $DP_ARGS
# are more rtpx-dataplane arguments) writes
# $WORK/dp.toml (ports on net_af_packet over $CA and $CB; addresses as TOML array items,
# e.g. '"10.77.1.1"'), starts rtpx-dataplane in the core with it and waits for its control socket.
start_dataplane() {
    cat >"$WORK/dp.toml" <<TOML
[dataplane]
control_socket = "$SOCK"
lcores = "${LCORES:-0-1}"
mbufs = 4095
max_flows = 1024
eal = ["--no-huge", "-m", "256", "--no-shconf", "--file-prefix=$ID", "--log-level=error"]
${3:-}

[[port]]
vdev = "net_af_packet0,iface=$CA${AF_PACKET_ARGS:-}"
addresses = [$1]
${4:-}

[[port]]
vdev = "net_af_packet1,iface=$CB${AF_PACKET_ARGS:-}"
addresses = [$2]
${5:-}
TOML
    # shellcheck disable=SC2086  # $DP_ARGS: extra words, e.g. "--flows FILE"
    ip netns exec "$C" "$DP" --config "$WORK/dp.toml" ${DP_ARGS:-} >"$WORK/dp.log" 2>&1 &
    DP_PID=$!
    for _ in $(seq 100); do [[ -S $SOCK ]] && break; kill -0 $DP_PID || fail "rtpx-dataplane exited"; sleep 0.1; done
    [[ -S $SOCK ]] || fail "no control socket"
}

# SIGTERM; the data plane must exit 0 within 10 s.
stop_dataplane() {
    kill -TERM $DP_PID
    for _ in $(seq 100); do kill -0 $DP_PID 2>/dev/null || break; sleep 0.1; done
    if kill -0 $DP_PID 2>/dev/null; then fail "rtpx-dataplane ignored SIGTERM"; fi
    wait $DP_PID || fail "rtpx-dataplane exited with $?"
    DP_PID=""
}
