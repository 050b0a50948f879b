# Sourced by the namespace integration tests: the alice -- core -- bob topology around one
# rtpx-dataplane, with cleanup on every exit.
#
#   alice ==veth== [core: rtpx-dataplane on net_af_packet, port 0 | port 1] ==veth== bob
#
# netns_setup NAME      creates namespaces $NAME-$$-{a,b,c} (A, B, C), veths, WORK (a temp dir),
#                       sets PY, and traps cleanup (stops the data plane, deletes namespaces and
#                       files). Then add addresses with `ip -n "$A" addr add ...`.
# dataplane_start TOML  runs rtpx-dataplane ($DP) in the core with $WORK/dp.toml written from
#                       TOML, and waits for its control socket $SOCK.
# fail MESSAGE; json FILE EXPR (EXPR is Python over the parsed file `d`).
netns_setup() {
    if [[ $(id -u) != 0 ]] || ! command -v ip >/dev/null; then
        echo "skipped: needs root and ip(8)"
        exit 77
    fi
    PY=$(python3 -c 'import sys; print(sys.executable)')
    ID=$1-$$
    A=$ID-a
    B=$ID-b
    C=$ID-c
    CA=${2:-rxa}$$  # core side of alice's veth (the data plane's port 0)
    CB=${3:-rxb}$$  # core side of bob's veth (port 1)
    WORK=$(mktemp -d "/tmp/$1.XXXXXX")
    SOCK=$WORK/dp.sock
    DP_PID=""
    trap netns_cleanup EXIT
    ip netns add "$A"
    ip netns add "$B"
    ip netns add "$C"
    ip link add "$CA" netns "$C" type veth peer name eth0 netns "$A"
    ip link add "$CB" netns "$C" type veth peer name eth0 netns "$B"
    for ns in "$A" "$B"; do ip -n "$ns" link set lo up; done
    ip netns exec "$C" sysctl -qw net.ipv6.conf.all.disable_ipv6=1  # the core's veths stay silent
    ip -n "$A" link set eth0 up
    ip -n "$B" link set eth0 up
    ip -n "$C" link set "$CA" up
    ip -n "$C" link set "$CB" up
}

netns_cleanup() {
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

fail() {
    echo "FAIL: $*"
    [[ -f $WORK/dp.log ]] && tail -20 "$WORK/dp.log"
    exit 1
}
json() { "$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

dataplane_start() {
    printf '%s\n' "$1" >"$WORK/dp.toml"
    ip netns exec "$C" "$DP" --config "$WORK/dp.toml" >"$WORK/dp.log" 2>&1 &
    DP_PID=$!
    for _ in $(seq 100); do
        [[ -S $SOCK ]] && break
        kill -0 "$DP_PID" || fail "rtpx-dataplane exited"
        sleep 0.1
    done
    [[ -S $SOCK ]] || fail "no control socket"
}
