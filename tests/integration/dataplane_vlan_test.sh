#!/usr/bin/env bash
# Optional VLAN (port.vlan) end to end in network namespaces (same topology as
# dataplane_relay_test.sh), port 0 on VLAN 100:
#
#   alice (raw 802.1Q frames on eth0, VLAN 100) ==veth== [core: rtpx-dataplane on net_af_packet,
#        port 0 10.77.1.1 VLAN 100 | port 1 10.77.2.1] ==veth== bob (10.77.2.2)
#
# This kernel may lack VLAN devices, so alice is tests/integration/vlan_peer.py on a raw socket.
# Checks: a tagged ARP request for 10.77.1.1 is answered tagged, from the port's MAC, and an
# untagged one is not; tagged RTP from alice is relayed to bob (exact count, untagged there) and
# untagged RTP to the same flow is dropped; bob's RTP leaves port 0 tagged with VLAN 100 and valid
# checksums. Namespaces and files are removed on every exit.
#
# usage: dataplane_vlan_test.sh RTPX_DATAPLANE RTPX        (exit 77: skipped, not root / no ip)
TAG=rtpxvl
VETH=rv
source "$(dirname "$0")/netns_lib.bash"
vpeer() { local ns=$1; shift; ip netns exec "$ns" "$PY" "$HERE/vlan_peer.py" "$@"; }

topology_up
DP_MAC=$(ip -n "$C" link show "$CA" | awk '/ether/ {print $2}')
ALICE_MAC=$(ip -n "$A" link show eth0 | awk '/ether/ {print $2}')
start_dataplane '"10.77.1.1"' '"10.77.2.1"' '' 'vlan = 100'

vpeer "$A" arp eth0 100 "$ALICE_MAC" 10.77.1.2 10.77.1.1 >"$WORK/arp.json" || fail "no ARP reply on VLAN 100"
[[ $(json "$WORK/arp.json" 'd["mac"]') == "$DP_MAC" ]] || fail "ARP reply: $(cat "$WORK/arp.json")"
[[ $(json "$WORK/arp.json" 'd["vlan"]') == 100 ]] || fail "ARP reply not on VLAN 100: $(cat "$WORK/arp.json")"
vpeer "$A" arp eth0 200 "$ALICE_MAC" 10.77.1.2 10.77.1.1 >"$WORK/arp200.json" && fail "answered on VLAN 200"
peer "$A" ping 10.77.1.1 --count 1 --timeout 1 && fail "untagged ICMP echo answered on a VLAN port"
peer "$B" ping 10.77.2.1 || fail "bob cannot ping 10.77.2.1"

cat >"$WORK/flows.json" <<'JSON'
{"flows": [
  {"local": "10.77.1.1:30000", "egress_source": "10.77.2.1:30002",
   "egress_destination": "10.77.2.2:5004", "cookie": 1},
  {"local": "10.77.2.1:30002", "egress_source": "10.77.1.1:30000",
   "egress_destination": "10.77.1.2:4000", "cookie": 2}
]}
JSON
"$RTPX" flow add "$WORK/flows.json" --dataplane "$SOCK" | grep -qx "added 2 flows" || fail "flow add"

# alice -> bob: 20 tagged packets arrive; 5 untagged and 5 on VLAN 200 to the same flow are not
# for this port (dropped as not_for_us, never counted by the flow).
"$RTPX" stats --json --dataplane "$SOCK" >"$WORK/stats0.json"
peer "$B" recv --bind 10.77.2.2:5004 --count 20 --timeout 5 --out "$WORK/bob.json" &
RECV=$!
wait_udp "$B" 5004
vpeer "$A" send eth0 - "$ALICE_MAC" "$DP_MAC" 10.77.1.2:4000 10.77.1.1:30000 5
vpeer "$A" send eth0 100 "$ALICE_MAC" "$DP_MAC" 10.77.1.2:4000 10.77.1.1:30000 20
vpeer "$A" send eth0 200 "$ALICE_MAC" "$DP_MAC" 10.77.1.2:4000 10.77.1.1:30000 5
wait $RECV || true
[[ $(json "$WORK/bob.json" 'd["count"]') == 20 ]] || fail "bob got $(cat "$WORK/bob.json")"
[[ $(json "$WORK/bob.json" 'd["intact"]') == True ]] || fail "payload changed"

# bob -> alice: tagged on the wire, checksums valid.
ip netns exec "$A" env READY="$WORK/ready" "$PY" "$HERE/vlan_peer.py" recv eth0 4000 20 8 >"$WORK/alice.json" &
RECV=$!
wait_file "$WORK/ready"
peer "$B" send --src 10.77.2.2:5004 --dst 10.77.2.1:30002 --count 20
wait $RECV
[[ $(json "$WORK/alice.json" 'd["count"]') == 20 ]] || fail "alice got $(cat "$WORK/alice.json")"
[[ $(json "$WORK/alice.json" 'd["vlans"]') == "[100]" ]] || fail "not tagged 100: $(cat "$WORK/alice.json")"
[[ $(json "$WORK/alice.json" 'd["checksums_ok"]') == True ]] || fail "bad checksums"
[[ $(json "$WORK/alice.json" 'd["sources"]') == "['10.77.1.1:30000']" ]] || fail "source"

"$RTPX" flows --json --dataplane "$SOCK" >"$WORK/flows_out.json"
get() { json "$WORK/flows_out.json" "[f for f in d['flows'] if f['local'] == '$1'][0]['stats']$2"; }
[[ $(get 10.77.1.1:30000 "['packets']") == 20 ]] || fail "flow 1 packets: $(cat "$WORK/flows_out.json")"
[[ $(get 10.77.2.1:30002 "['packets']") == 20 ]] || fail "flow 2 packets"
"$RTPX" stats --json --dataplane "$SOCK" >"$WORK/stats.json"
before=$(json "$WORK/stats0.json" 'd["drops"]["not_for_us"]')
[[ $(json "$WORK/stats.json" "d['drops']['not_for_us'] - $before >= 10") == True ]] \
    || fail "untagged / VLAN 200 frames not dropped as not_for_us: $(cat "$WORK/stats.json")"

stop_dataplane
echo "ok: VLAN 100 on port 0: ARP, RTP in and out tagged, untagged dropped"
