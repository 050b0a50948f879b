#!/usr/bin/env bash
# rtpx-dataplane end to end in network namespaces:
#
#   alice (10.77.1.2) ==veth== [core: rtpx-dataplane on net_af_packet, 10.77.1.1 | 10.77.2.1] ==veth== bob (10.77.2.2)
#
# Checks: ARP, IPv6 ND and ICMP/ICMPv6 echo answered for media addresses; IPv6 and IPv4->IPv6 flows; flows programmed through the flow API
# (`rtpx flow add`); RTP from alice arrives at bob from the relay's address, with SSRC, sequence
# and payload type rewritten and checksums the kernel accepts; the reverse flow relays bob -> alice;
# strict-source drops counted; exact packet counts in `rtpx flows --json` and `rtpx stats --json`;
# `rtpx flow del`; SIGTERM shuts down cleanly. Namespaces and files are removed on every exit.
#
# usage: dataplane_relay_test.sh RTPX_DATAPLANE RTPX        (exit 77: skipped, not root / no ip)
TAG=rtpxt
VETH=rx
source "$(dirname "$0")/netns_lib.bash"

topology_up
ip -n "$A" addr add fd00:77:1::2/64 dev eth0 nodad
ip -n "$B" addr add fd00:77:2::2/64 dev eth0 nodad

start_dataplane '"10.77.1.1", "fd00:77:1::1"' '"10.77.2.1", "fd00:77:2::1"'

# ARP and ICMP echo for media addresses (the ARP exchange also teaches the data plane each peer's
# MAC, which the flows below need: no next_hop_mac is configured).
ip netns exec "$A" "$PY" "$HERE/rtp_peer.py" ping 10.77.1.1 || fail "alice cannot ping 10.77.1.1"
ip netns exec "$B" "$PY" "$HERE/rtp_peer.py" ping 10.77.2.1 || fail "bob cannot ping 10.77.2.1"
# ND and ICMPv6 echo: each peer's solicitation also teaches the data plane the peer's MAC.
ip netns exec "$A" "$PY" "$HERE/rtp_peer.py" ping fd00:77:1::1 || fail "alice cannot ping fd00:77:1::1"
ip netns exec "$B" "$PY" "$HERE/rtp_peer.py" ping fd00:77:2::1 || fail "bob cannot ping fd00:77:2::1"
ip -n "$A" neigh show 10.77.1.1 | grep -q "$(ip -n "$C" link show "$CA" | awk '/ether/ {print $2}')" \
    || fail "alice's ARP entry for 10.77.1.1 is not the data plane's MAC"

cat >"$WORK/flows.json" <<'JSON'
{"flows": [
  {"local": "10.77.1.1:30000", "latching": "strict", "remote": "10.77.1.2:4000",
   "egress_source": "10.77.2.1:30002", "egress_destination": "10.77.2.2:5004",
   "rewrite_ssrc": 3405691582, "seq_offset": 1000, "pt_map": {"96": 101}, "cookie": 1},
  {"local": "10.77.2.1:30002", "latching": "learn-once",
   "egress_source": "10.77.1.1:30000", "egress_destination": "10.77.1.2:4000", "cookie": 2},
  {"local": "[fd00:77:1::1]:31000", "egress_source": "[fd00:77:2::1]:31002",
   "egress_destination": "[fd00:77:2::2]:5006", "cookie": 3},
  {"local": "10.77.1.1:32000", "egress_source": "[fd00:77:2::1]:32002",
   "egress_destination": "[fd00:77:2::2]:5008", "cookie": 4}
]}
JSON
"$RTPX" flow add "$WORK/flows.json" --dataplane "$SOCK" | grep -qx "added 4 flows" || fail "flow add"

# alice -> bob: 50 packets, rewritten.
ip netns exec "$B" "$PY" "$HERE/rtp_peer.py" recv --bind 10.77.2.2:5004 --count 50 --seq-offset 1000 \
    --timeout 15 --out "$WORK/bob.json" &
RECV=$!
sleep 0.3
ip netns exec "$A" "$PY" "$HERE/rtp_peer.py" send --src 10.77.1.2:4000 --dst 10.77.1.1:30000 --count 50
# 5 packets from a port strict latching does not accept.
ip netns exec "$A" "$PY" "$HERE/rtp_peer.py" send --src 10.77.1.2:4999 --dst 10.77.1.1:30000 --count 5
wait $RECV
[[ $(json "$WORK/bob.json" 'd["count"]') == 50 ]] || fail "bob got $(cat "$WORK/bob.json")"
[[ $(json "$WORK/bob.json" 'd["sources"]') == "['10.77.2.1:30002']" ]] || fail "source: $(cat "$WORK/bob.json")"
[[ $(json "$WORK/bob.json" 'd["ssrcs"]') == "[3405691582]" ]] || fail "ssrc: $(cat "$WORK/bob.json")"
[[ $(json "$WORK/bob.json" 'd["pts"]') == "[101]" ]] || fail "pt: $(cat "$WORK/bob.json")"
[[ $(json "$WORK/bob.json" 'd["seqs"] == list(range(1001, 1051))') == True ]] || fail "seqs: $(cat "$WORK/bob.json")"
[[ $(json "$WORK/bob.json" 'd["intact"]') == True ]] || fail "payload changed"
csum_errors=$(ip netns exec "$B" awk '/^Udp:/ {n++; if (n == 2) print $7}' /proc/net/snmp)
[[ $csum_errors == 0 ]] || fail "bob's kernel saw $csum_errors UDP checksum errors"

# bob -> alice through the reverse flow (learn-once latches bob's source).
ip netns exec "$A" "$PY" "$HERE/rtp_peer.py" recv --bind 10.77.1.2:4000 --count 20 --timeout 15 --out "$WORK/alice.json" &
RECV=$!
sleep 0.3
ip netns exec "$B" "$PY" "$HERE/rtp_peer.py" send --src 10.77.2.2:5004 --dst 10.77.2.1:30002 --count 20 --ssrc 0x55667788
wait $RECV
[[ $(json "$WORK/alice.json" 'd["count"]') == 20 ]] || fail "alice got $(cat "$WORK/alice.json")"
[[ $(json "$WORK/alice.json" 'd["sources"]') == "['10.77.1.1:30000']" ]] || fail "alice source"

# IPv6 -> IPv6, and IPv4 -> IPv6 (the relay changes the family), alice -> bob.
for leg in "[fd00:77:1::1]:31000 [fd00:77:2::2]:5006 [fd00:77:2::1]:31002 [fd00:77:1::2]:4006" \
           "10.77.1.1:32000 [fd00:77:2::2]:5008 [fd00:77:2::1]:32002 10.77.1.2:4008"; do
    read -r dst bind relay src <<<"$leg"
    ip netns exec "$B" "$PY" "$HERE/rtp_peer.py" recv --bind "$bind" --count 10 --timeout 15 --out "$WORK/v6.json" &
    RECV=$!
    sleep 0.3
    ip netns exec "$A" "$PY" "$HERE/rtp_peer.py" send --src "$src" --dst "$dst" --count 10
    wait $RECV
    [[ $(json "$WORK/v6.json" 'd["count"]') == 10 ]] || fail "$dst: bob got $(cat "$WORK/v6.json")"
    [[ $(json "$WORK/v6.json" 'd["sources"][0]') == "${relay//[\[\]]/}" ]] || fail "$dst: source $(cat "$WORK/v6.json")"
    [[ $(json "$WORK/v6.json" 'd["intact"]') == True ]] || fail "$dst: payload changed"
done
csum_errors=$(ip netns exec "$B" awk '/^Udp6InCsumErrors/ {print $2}' /proc/net/snmp6)
[[ $csum_errors == 0 ]] || fail "bob's kernel saw $csum_errors UDP/IPv6 checksum errors"

# Exact counts through the flow API.
"$RTPX" flows --json --dataplane "$SOCK" >"$WORK/flows_out.json"
get() { json "$WORK/flows_out.json" "[f for f in d['flows'] if f['local'] == '$1'][0]['stats']$2"; }
[[ $(get 10.77.1.1:30000 "['packets']") == 50 ]] || fail "A->B packets: $(cat "$WORK/flows_out.json")"
[[ $(get 10.77.1.1:30000 "['drops']['strict_source']") == 5 ]] || fail "strict_source drops"
[[ $(get 10.77.1.1:30000 "['bytes']") == $((50 * 172)) ]] || fail "A->B bytes"
[[ $(get 10.77.1.1:30000 "['rtp']['ssrc']") == $((0x11223344)) ]] || fail "A->B ingress SSRC"
[[ $(get 10.77.1.1:30000 "['rtp']['extended_highest_seq']") == 50 ]] || fail "A->B highest seq"
[[ $(get 10.77.2.1:30002 "['packets']") == 20 ]] || fail "B->A packets"
[[ $(get 10.77.2.1:30002 "['latched']") == 10.77.2.2:5004 ]] || fail "B->A latched source"
"$RTPX" stats --json --dataplane "$SOCK" >"$WORK/stats.json"
[[ $(json "$WORK/stats.json" 'd["flows"]') == 4 ]] || fail "stats flows"
[[ $(json "$WORK/stats.json" 'd["tx_packets"] >= 100') == True ]] || fail "stats tx"
[[ $(json "$WORK/stats.json" 'd["drops"]["strict_source"]') == 5 ]] || fail "stats strict_source"

"$RTPX" flow del "$WORK/flows.json" --dataplane "$SOCK" | grep -qx "deleted 4 flows" || fail "flow del"
[[ -z $("$RTPX" flows --dataplane "$SOCK") ]] || fail "flows left after delete"

stop_dataplane
grep -q "rtpx-dataplane: stopped" "$WORK/dp.log" || fail "no clean stop"
[[ ! -e $SOCK ]] || fail "control socket left behind"
[[ ! -e /var/run/dpdk/$ID ]] || fail "EAL runtime directory left behind"
echo "ok: IPv4, IPv6 and IPv4->IPv6 relay, rewrites, checksums, ARP/ND/ICMP echo, strict source, counts, shutdown"
