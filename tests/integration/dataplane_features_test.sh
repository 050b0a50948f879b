#!/usr/bin/env bash
# The rest of rtpx-dataplane's feature list end to end in network namespaces:
#
#   alice (10.77.1.2) ==veth== [core: rtpx-dataplane on net_af_packet,
#        port 0 10.77.1.1, neighbour resolution | port 1 10.77.2.1, gateway_mac] ==veth== bob (10.77.2.2)
#
# Flows are static (`rtpx-dataplane --flows FILE`). Checks:
# - gratuitous ARP at start: alice sees one for 10.77.1.1 from the port's MAC;
# - neighbour resolution: bob -> alice media before alice ever spoke to the data plane makes it
#   ARP for alice; what is not forwarded meanwhile is counted as neighbour_unresolved, exactly;
# - configured gateway MAC: alice -> bob media leaves port 1 to gateway_mac (seen on bob's wire by
#   an AF_PACKET capture), never resolved;
# - events delivered to a flow-API client (`rtpx events`): latched (with the learned source), SSRC
#   change (the new SSRC), SRTP failures over the threshold (the count) and inactivity;
# - the flow API on TCP (dataplane.control_tcp): a hello answered with the flows held;
# - DPDK telemetry /rtpx/flows (the flows' local endpoints) and /rtpx/stats;
# - `rtpx stats` text output; SIGTERM: clean stop, no EAL runtime directory left.
# Namespaces and files are removed on every exit.
#
# usage: dataplane_features_test.sh RTPX_DATAPLANE RTPX     (exit 77: skipped, not root / no ip)
TAG=rtpxft
VETH=rf
source "$(dirname "$0")/netns_lib.bash"

topology_up
DP_MAC=$(ip -n "$C" link show "$CA" | awk '/ether/ {print $2}')
GATEWAY=02:00:00:00:be:ef  # not bob's MAC: only a capture on bob's wire sees what goes there

# capture NS IFACE SECONDS OUT KIND [ARGS]: AF_PACKET capture in a namespace, one JSON line per
# matching frame; creates $READY once bound. KIND garp IP: gratuitous ARP for IP (stops at the
# first); udp PORT COUNT: UDP frames to PORT (stops after COUNT).
capture() {
    local ns=$1 iface=$2 seconds=$3 out=$4
    shift 4
    ip netns exec "$ns" env READY="$READY" "$PY" - "$iface" "$seconds" "$@" >"$out" <<'PYEOF'
import json, os, socket, struct, sys, time
iface, seconds, kind = sys.argv[1], float(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
s.bind((iface, 0))
open(os.environ["READY"], "w").close()
s.settimeout(0.2)
mac = lambda b: ":".join("%02x" % x for x in b)
deadline, found = time.time() + seconds, 0
while time.time() < deadline:
    try:
        f = s.recv(4096)
    except socket.timeout:
        continue
    ethertype = struct.unpack("!H", f[12:14])[0]
    if kind == "garp" and ethertype == 0x0806 and len(f) >= 42:
        ip = socket.inet_aton(sys.argv[4])
        if f[28:32] == ip and f[38:42] == ip:
            print(json.dumps({"sender_mac": mac(f[22:28]), "op": struct.unpack("!H", f[20:22])[0]}))
            sys.stdout.flush()
            break
    elif kind == "udp" and ethertype == 0x0800 and f[23] == 17:
        ihl = (f[14] & 0x0F) * 4
        if struct.unpack("!H", f[14 + ihl + 2:14 + ihl + 4])[0] == int(sys.argv[4]):
            print(json.dumps({"dst_mac": mac(f[0:6]), "src_mac": mac(f[6:12])}))
            sys.stdout.flush()
            found += 1
            if found == int(sys.argv[5]):
                break
PYEOF
}

READY=$WORK/garp.ready capture "$A" eth0 10 "$WORK/garp.json" garp 10.77.1.1 &
GARP=$!
wait_file "$WORK/garp.ready"

SRTP_KEY=000102030405060708090a0b0c0d0e0f
SRTP_SALT=c0c1c2c3c4c5c6c7c8c9cacbcccd
cat >"$WORK/flows.json" <<JSON
{"flows": [
  {"local": "10.77.1.1:30000", "egress_source": "10.77.2.1:30002",
   "egress_destination": "10.77.2.2:5004", "cookie": 1},
  {"local": "10.77.2.1:30002", "latching": "learn-once", "egress_source": "10.77.1.1:30000",
   "egress_destination": "10.77.1.2:4000", "cookie": 2},
  {"local": "10.77.1.1:30010", "egress_source": "10.77.2.1:30012",
   "egress_destination": "10.77.2.2:5006", "inactivity_timeout_ms": 2000, "cookie": 3},
  {"local": "10.77.2.1:30020", "egress_source": "10.77.1.1:30020",
   "egress_destination": "10.77.1.2:4020", "cookie": 4,
   "srtp_ingress": {"suite": "AES_CM_128_HMAC_SHA1_80", "master_key": "$SRTP_KEY",
                    "master_salt": "$SRTP_SALT"}}
]}
JSON
ip -n "$C" link set lo up
DP_ARGS="--flows $WORK/flows.json" start_dataplane '"10.77.1.1"' '"10.77.2.1"' \
    $'srtp_failure_threshold = 5\ncontrol_tcp = "127.0.0.1:7071"' '' "gateway_mac = \"$GATEWAY\""
grep -q "4 static flows" "$WORK/dp.log" || fail "static flows: $(cat "$WORK/dp.log")"
# The 4 events expected: latched and ssrc_change (flow 2), srtp_failures (4), inactivity (3).
"$RTPX" events --dataplane "$SOCK" --count 4 --timeout 30 >"$WORK/events.jsonl" 2>"$WORK/events.err" &
EVENTS=$!

wait $GARP || true
[[ $(json "$WORK/garp.json" 'd["sender_mac"]') == "$DP_MAC" ]] \
    || fail "no gratuitous ARP for 10.77.1.1: '$(cat "$WORK/garp.json")'"

# bob -> alice (flow 2, learn-once) before alice ever spoke to the data plane: it resolves alice. 10 packets with one SSRC, then 10 with another.
# (Some are lost while resolving: alice's receiver gives up after 5 s.)
peer "$A" recv --bind 10.77.1.2:4000 --count 20 --timeout 6 --out "$WORK/alice.json" &
RECV=$!
wait_udp "$A" 4000
peer "$B" send --src 10.77.2.2:5004 --dst 10.77.2.1:30002 --count 10 --ssrc 0x1111 --interval 0.05
peer "$B" send --src 10.77.2.2:5004 --dst 10.77.2.1:30002 --count 10 --ssrc 0x2222 --first-seq 11 \
    --interval 0.05
wait $RECV || true
"$RTPX" flows --json --dataplane "$SOCK" >"$WORK/flows_out.json"
get() { json "$WORK/flows_out.json" "[f for f in d['flows'] if f['local'] == '$1'][0]['stats']$2"; }
got=$(json "$WORK/alice.json" 'd["count"]')
unresolved=$(get 10.77.2.1:30002 "['drops']['neighbour_unresolved']")
((got >= 1 && unresolved >= 1 && got + unresolved == 20)) \
    || fail "bob -> alice: alice got $got, $unresolved unresolved: $("$RTPX" stats --json --dataplane "$SOCK"; ip -n "$A" neigh)"
[[ $(get 10.77.2.1:30002 "['packets']") == "$got" ]] || fail "flow 2 packets"
[[ $(json "$WORK/alice.json" 'd["sources"]') == "['10.77.1.1:30000']" ]] || fail "alice: source"
[[ $(json "$WORK/alice.json" 'd["intact"]') == True ]] || fail "alice: payload changed"

# alice -> bob (flow 1) through the configured gateway: every packet, none resolved.
READY=$WORK/wire.ready capture "$B" eth0 10 "$WORK/wire.json" udp 5004 20 &
CAP=$!
wait_file "$WORK/wire.ready"
peer "$A" send --src 10.77.1.2:4000 --dst 10.77.1.1:30000 --count 20
wait $CAP || true
[[ $(wc -l <"$WORK/wire.json") == 20 ]] || fail "bob's wire saw $(wc -l <"$WORK/wire.json") frames"
"$PY" -c 'import json,sys; assert all(json.loads(l)["dst_mac"] == sys.argv[2] for l in open(sys.argv[1]))' \
    "$WORK/wire.json" "$GATEWAY" || fail "not sent to the gateway MAC: $(cat "$WORK/wire.json")"
"$RTPX" flows --json --dataplane "$SOCK" >"$WORK/flows_out.json"
[[ $(get 10.77.1.1:30000 "['packets']") == 20 ]] || fail "flow 1 packets"
[[ $(get 10.77.1.1:30000 "['drops']['neighbour_unresolved']") == 0 ]] || fail "flow 1 resolved"

# SRTP failures: 5 packets that are not SRTP under flow 4's key (threshold 5).
peer "$B" send --src 10.77.2.2:5020 --dst 10.77.2.1:30020 --count 5

# The flow API on TCP (dataplane.control_tcp): hello, and the reply names the 4 flows held.
ip netns exec "$C" "$PY" - >"$WORK/tcp.json" <<'PYEOF' || fail "flow API over TCP"
import json, socket, struct
s = socket.create_connection(("127.0.0.1", 7071), timeout=5)
body = struct.pack("!HHB", 1, 3, 2) + b"py"
s.sendall(struct.pack("!IBBHI", 8 + len(body), 3, 1, 0, 7) + body)
data = b""
while len(data) < 4 or len(data) < 4 + struct.unpack("!I", data[:4])[0]:
    data += s.recv(4096)
_, version, kind, _, request = struct.unpack("!IBBHI", data[:12])
proto, = struct.unpack("!H", data[12:14])
name = data[15:15 + data[14]].decode()
flows, = struct.unpack("!I", data[15 + data[14]:19 + data[14]])
print(json.dumps({"type": kind, "request": request, "version": proto, "name": name, "flows": flows}))
PYEOF
[[ $(json "$WORK/tcp.json" 'd == {"type": 2, "request": 7, "version": 3, "name": "rtpx-dataplane", "flows": 4}') == True ]] \
    || fail "TCP hello reply: $(cat "$WORK/tcp.json")"

# Telemetry.
telemetry /rtpx/flows >"$WORK/tel_flows.json" || fail "no telemetry"
[[ $(json "$WORK/tel_flows.json" 'sorted(d)') == \
   "['10.77.1.1:30000', '10.77.1.1:30010', '10.77.2.1:30002', '10.77.2.1:30020']" ]] \
    || fail "/rtpx/flows: $(cat "$WORK/tel_flows.json")"
telemetry /rtpx/stats >"$WORK/tel_stats.json"
[[ $(json "$WORK/tel_stats.json" 'd["flows"] == 4 and d["drop_srtp_auth"] == 5 and d["tx_packets"] >= 30') == True ]] \
    || fail "/rtpx/stats: $(cat "$WORK/tel_stats.json")"
"$RTPX" stats --dataplane "$SOCK" >"$WORK/stats.txt"
grep -qx "flows 4" "$WORK/stats.txt" && grep -qx "drop.srtp_auth 5" "$WORK/stats.txt" \
    || fail "rtpx stats: $(cat "$WORK/stats.txt")"

# Events (flow 3 had no packet for 2 s by now).
wait $EVENTS || fail "rtpx events: $(cat "$WORK/events.err")"
event() { "$PY" -c 'import json,sys
es = [json.loads(l) for l in open(sys.argv[1])]
print(sorted(str(e.get(sys.argv[4])) for e in es if e["event"] == sys.argv[2] and e["cookie"] == int(sys.argv[3])))' \
    "$WORK/events.jsonl" "$@"; }
[[ $(event latched 2 address) == "['10.77.2.2:5004']" ]] || fail "latched: $(cat "$WORK/events.jsonl")"
[[ $(event ssrc_change 2 value) == "['$((0x2222))']" ]] || fail "ssrc_change: $(cat "$WORK/events.jsonl")"
[[ $(event srtp_failures 4 value) == "['5']" ]] || fail "srtp_failures: $(cat "$WORK/events.jsonl")"
[[ $(event latched 4 address) == "[]" ]] || fail "latched on failed SRTP"
[[ $(event inactivity 3 local) == "['10.77.1.1:30010']" ]] || fail "inactivity: $(cat "$WORK/events.jsonl")"
[[ $(wc -l <"$WORK/events.jsonl") == 4 ]] || fail "events: $(cat "$WORK/events.jsonl")"

stop_dataplane
grep -q "rtpx-dataplane: stopped" "$WORK/dp.log" || fail "no clean stop"
[[ ! -e /var/run/dpdk/$ID ]] || fail "EAL runtime directory left behind"
echo "ok: gratuitous ARP, neighbour resolution, gateway MAC, events, flow API on TCP, telemetry, static flows"
