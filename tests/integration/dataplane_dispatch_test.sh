#!/usr/bin/env bash
# Dispatcher mode end to end in network namespaces (same topology as dataplane_relay_test.sh):
#
#   alice (10.77.1.2) ==veth== [core: rtpx-dataplane on net_af_packet, 10.77.1.1 | 10.77.2.1] ==veth== bob (10.77.2.2)
#
# Lcores pinned and mapped onto this machine's two CPUs with EAL --lcores; each worker needs a TX
# queue of its own on every port, so the ports are net_af_packet with qpairs=2 (two sockets in a
# PACKET_FANOUT_HASH group: two RX queues that the kernel fills by flow hash). Two runs:
#  dispatch: dataplane.lcores = "0@0,1@1,2@1,3@0" (main 0, three more) and dataplane.dispatch =
#            true: the sched/ plan makes lcore 1 a dispatcher reading both RX queues of both ports
#            and feeding workers on lcores 2 and 3 through SPSC rings;
#  queues:   dataplane.lcores = "0@0,1@1,2@1": the ports have a queue per worker, so each of the
#            two workers polls its own RX queue of every port (run-to-completion, no dispatcher).
# Checks per run: the placement the data plane logs; 8 flows alice -> bob relay exactly 20 packets
# each (bob gets 160, from the 8 relay sources, payloads intact) and the reverse flow of one of
# them relays bob -> alice; no dispatch_ring_full drops; DPDK telemetry /rtpx/stats shows the
# workers and dispatchers, each worker having received frames (the flows spread over both). Namespaces and
# files are removed on every exit.
#
# usage: dataplane_dispatch_test.sh RTPX_DATAPLANE RTPX     (exit 77: skipped, not root / no ip,
#                                                           fewer than 2 CPUs)
TAG=rtpxdp
VETH=rd
source "$(dirname "$0")/netns_lib.bash"
if (($(nproc) < 2)); then echo "skipped: needs 2 CPUs"; exit 77; fi

run_case() {
topology_up
if [[ $MODE == dispatch ]]; then
    LCORES="0@0,1@1,2@1,3@0" AF_PACKET_ARGS=",qpairs=2" start_dataplane '"10.77.1.1"' '"10.77.2.1"' 'dispatch = true'
    grep -q "^dispatcher 0: lcore 1 .* reads net_af_packet0 net_af_packet1 rxq 0, feeds 2 workers" "$WORK/dp.log" \
        || fail "no dispatcher in the placement: $(cat "$WORK/dp.log")"
    grep -q "^worker 0: lcore 2 .*net_af_packet0 via dispatcher 0, net_af_packet1 via dispatcher 0" "$WORK/dp.log" \
        || fail "worker 0 is not fed by the dispatcher"
    grep -q "^worker 1: lcore 3 " "$WORK/dp.log" || fail "no worker 1 on lcore 3"
else
    LCORES="0@0,1@1,2@1" AF_PACKET_ARGS=",qpairs=2" start_dataplane '"10.77.1.1"' '"10.77.2.1"'
    grep -q "^worker 1: lcore 2 .*: net_af_packet0 rxq 1, net_af_packet1 rxq 1" "$WORK/dp.log" \
        || fail "worker 1 does not poll queue 1: $(cat "$WORK/dp.log")"
    grep -q "^dispatcher" "$WORK/dp.log" && fail "a dispatcher with a queue per worker"
fi

# ARP through the dispatcher (frames that are not UDP go to worker 0), which also teaches the
# data plane each peer's MAC.
peer "$A" ping 10.77.1.1 || fail "alice cannot ping 10.77.1.1"
peer "$B" ping 10.77.2.1 || fail "bob cannot ping 10.77.2.1"

{
    echo '{"flows": ['
    for i in 0 1 2 3 4 5 6 7; do
        echo "  {\"local\": \"10.77.1.1:$((30000 + 2 * i))\", \"egress_source\": \"10.77.2.1:$((31000 + 2 * i))\","
        echo "   \"egress_destination\": \"10.77.2.2:5004\", \"cookie\": $((i + 1))},"
    done
    echo '  {"local": "10.77.2.1:31000", "egress_source": "10.77.1.1:30000",'
    echo '   "egress_destination": "10.77.1.2:4000", "cookie": 100}'
    echo ']}'
} >"$WORK/flows.json"
"$RTPX" flow add "$WORK/flows.json" --dataplane "$SOCK" | grep -qx "added 9 flows" || fail "flow add"

peer "$B" recv --bind 10.77.2.2:5004 --count 160 --timeout 20 --out "$WORK/bob.json" &
RECV=$!
wait_udp "$B" 5004
for i in 0 1 2 3 4 5 6 7; do
    peer "$A" send --src 10.77.1.2:4000 --dst "10.77.1.1:$((30000 + 2 * i))" --count 20 --ssrc $((0x1000 + i))
done
wait $RECV
[[ $(json "$WORK/bob.json" 'd["count"]') == 160 ]] || fail "bob got $(cat "$WORK/bob.json")"
[[ $(json "$WORK/bob.json" 'len(d["sources"])') == 8 ]] || fail "sources: $(cat "$WORK/bob.json")"
[[ $(json "$WORK/bob.json" 'd["intact"]') == True ]] || fail "payload changed"

peer "$A" recv --bind 10.77.1.2:4000 --count 20 --timeout 15 --out "$WORK/alice.json" &
RECV=$!
wait_udp "$A" 4000
peer "$B" send --src 10.77.2.2:5004 --dst 10.77.2.1:31000 --count 20
wait $RECV
[[ $(json "$WORK/alice.json" 'd["count"]') == 20 ]] || fail "alice got $(cat "$WORK/alice.json")"
[[ $(json "$WORK/alice.json" 'd["sources"]') == "['10.77.1.1:30000']" ]] || fail "alice source"

"$RTPX" flows --json --dataplane "$SOCK" >"$WORK/flows_out.json"
for i in 0 1 2 3 4 5 6 7; do
    [[ $(json "$WORK/flows_out.json" "[f for f in d['flows'] if f['local'] == '10.77.1.1:$((30000 + 2 * i))'][0]['stats']['packets']") == 20 ]] \
        || fail "flow $i packets: $(cat "$WORK/flows_out.json")"
done
"$RTPX" stats --json --dataplane "$SOCK" >"$WORK/stats.json"
[[ $(json "$WORK/stats.json" 'd["drops"]["dispatch_ring_full"]') == 0 ]] || fail "dispatch_ring_full"
[[ $(json "$WORK/stats.json" 'd["tx_packets"] >= 180') == True ]] || fail "stats tx: $(cat "$WORK/stats.json")"

telemetry /rtpx/stats >"$WORK/tel.json" || fail "no telemetry"
[[ $(json "$WORK/tel.json" 'd["workers"]') == 2 ]] || fail "telemetry workers: $(cat "$WORK/tel.json")"
[[ $(json "$WORK/tel.json" 'd["dispatchers"]') == "$DISPATCHERS" ]] || fail "telemetry dispatchers"
[[ $(json "$WORK/tel.json" 'all(n >= 20 for n in d["worker_rx_packets"])') == True ]] \
    || fail "a worker got no flows: $(cat "$WORK/tel.json")"
[[ $(json "$WORK/tel.json" 'd["drop_dispatch_ring_full"]') == 0 ]] || fail "telemetry dispatch_ring_full"

stop_dataplane
grep -q "rtpx-dataplane: stopped" "$WORK/dp.log" || fail "no clean stop"
[[ ! -e /var/run/dpdk/$ID ]] || fail "EAL runtime directory left behind"
}

for MODE in dispatch queues; do
    DISPATCHERS=$([[ $MODE == dispatch ]] && echo 1 || echo 0)
    run_case
    for ns in "$A" "$B" "$C"; do ip netns del "$ns"; done
    echo "ok ($MODE): exact counts, both workers used, telemetry"
done
