#!/usr/bin/env bash
# RTCP termination and transport-cc feedback end to end in network namespaces:
#
#   alice (10.77.1.2) ==veth== [core: rtpx-dataplane on net_af_packet, 10.77.1.1 | 10.77.2.1] ==veth== bob (10.77.2.2)
#
# One flow alice -> bob in rtcp_mode "terminate" with transport_cc_feedback (extension ID 3).
# alice sends 100 RTP packets (20 ms apart, with transport-wide sequence numbers) and one SR from
# 10.77.1.2:4000 and listens on that socket; bob listens on 10.77.2.2:5004. Checks: alice receives
# a generated RR (from the relay's 10.77.1.1:30000) whose report block is about her SSRC with the
# right extended highest sequence number and her SR's LSR, and transport-cc feedback (RTPFB FMT 15)
# about her stream; bob receives the 100 RTP packets and a generated SR for them, never alice's SR;
# `rtpx flows --json` counts the terminated SR and shows a GCC estimate. Namespaces and files are
# removed on every exit.
#
# usage: rtcp_terminate_test.sh RTPX_DATAPLANE RTPX        (exit 77: skipped, not root / no ip)
TAG=dp-rtcp
VETH=rc
source "$(dirname "$0")/netns_lib.bash"
topology_up
start_dataplane '"10.77.1.1"' '"10.77.2.1"'
# ARP both ways: the data plane learns bob's MAC for the flow's next hop.
ip netns exec "$A" "$PY" "$HERE/rtp_peer.py" ping 10.77.1.1 || fail "alice cannot ping 10.77.1.1"
ip netns exec "$B" "$PY" "$HERE/rtp_peer.py" ping 10.77.2.1 || fail "bob cannot ping 10.77.2.1"

cat >"$WORK/flows.json" <<'JSON'
{"flows": [
  {"local": "10.77.1.1:30000", "latching": "learn-once",
   "egress_source": "10.77.2.1:30002", "egress_destination": "10.77.2.2:5004",
   "rtcp_mode": "terminate", "transport_cc_feedback": true, "transport_cc_extension_id": 3,
   "clock_rate": 8000, "cookie": 1}
]}
JSON
"$RTPX" flow add "$WORK/flows.json" --dataplane "$SOCK" | grep -qx "added 1 flow" || fail "flow add"

cat >"$WORK/peer.py" <<'PY'
# alice: RTP with a transport-wide sequence number (RFC 8285 one-byte header, ID 3) and one SR,
# then RTCP from the relay until an RR and a transport-cc feedback came (or the timeout).
# bob: RTP and RTCP from the relay until a generated SR came (or the timeout).
import json, socket, struct, sys, time
role, out, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
result = {"rtp": 0, "sr": [], "rr": [], "tcc": 0, "sources": []}
ALICE_SSRC = 0x11223344
def packets(data):
    off = 0
    while off + 4 <= len(data):
        length = (struct.unpack_from("!H", data, off + 2)[0] + 1) * 4
        yield data[off:off + length]
        off += length
def handle(data, addr):
    if addr[0] + ":" + str(addr[1]) not in result["sources"]:
        result["sources"].append(addr[0] + ":" + str(addr[1]))
    if 192 <= data[1] <= 223:  # RTCP (RFC 5761)
        for p in packets(data):
            pt, count = p[1], p[0] & 0x1F
            if pt == 200:
                ssrc, ntp_hi, ntp_lo, ts, pc, oc = struct.unpack_from("!IIIIII", p, 4)
                result["sr"].append({"ssrc": ssrc, "packets": pc, "octets": oc})
            elif pt == 201 and count >= 1:
                ssrc, src, lost, highest, jitter, lsr, dlsr = struct.unpack_from("!IIIIIII", p, 4)
                result["rr"].append({"ssrc": ssrc, "source": src, "highest": highest,
                                     "lsr": lsr, "lost": lost & 0xFFFFFF})
            elif pt == 205 and count == 15:
                result["tcc"] += 1
    else:
        result["rtp"] += 1
if role == "alice":
    s.bind(("10.77.1.2", 4000))
    relay = ("10.77.1.1", 30000)
    s.setblocking(False)
    for i in range(100):
        hdr = struct.pack("!BBHII", 0x90, 96, i + 1, 1000 + 160 * i, ALICE_SSRC)
        ext = struct.pack("!HHBHB", 0xBEDE, 1, (3 << 4) | 1, i, 0)
        s.sendto(hdr + ext + bytes(160), relay)
        if i == 5:  # an SR: NTP 0xE0000000.80000000 -> LSR 0x00008000
            s.sendto(struct.pack("!BBHIIIIII", 0x80, 200, 6, ALICE_SSRC, 0xE0000000,
                                 0x80000000, 9000, 51, 12345), relay)
        time.sleep(0.02)
        try:
            while True:
                handle(*s.recvfrom(2048))
        except BlockingIOError:
            pass
    s.setblocking(True)
    done = lambda: result["rr"] and result["tcc"]
else:
    s.bind(("10.77.2.2", 5004))
    done = lambda: result["rtp"] >= 100 and result["sr"]
deadline = time.time() + timeout
while not done() and time.time() < deadline:
    s.settimeout(max(0.01, deadline - time.time()))
    try:
        handle(*s.recvfrom(2048))
    except socket.timeout:
        break
json.dump(result, open(out, "w"))
PY

ip netns exec "$B" "$PY" "$WORK/peer.py" bob "$WORK/bob.json" 12 &
BOB=$!
sleep 0.3
ip netns exec "$A" "$PY" "$WORK/peer.py" alice "$WORK/alice.json" 10 || fail "alice"
wait $BOB || fail "bob"

# alice: an RR from the relay about her stream, with her SR's LSR, and transport-cc feedback.
[[ $(json "$WORK/alice.json" 'd["sources"]') == "['10.77.1.1:30000']" ]] || fail "alice sources: $(cat "$WORK/alice.json")"
[[ $(json "$WORK/alice.json" 'len(d["rr"]) >= 1') == True ]] || fail "no RR at alice: $(cat "$WORK/alice.json")"
[[ $(json "$WORK/alice.json" 'd["rr"][-1]["source"]') == $((0x11223344)) ]] || fail "RR block SSRC"
[[ $(json "$WORK/alice.json" 'd["rr"][-1]["highest"] <= 100 and d["rr"][-1]["highest"] > 1') == True ]] || fail "RR highest"
[[ $(json "$WORK/alice.json" 'd["rr"][-1]["lsr"]') == $((0x00008000)) ]] || fail "RR LSR: $(cat "$WORK/alice.json")"
[[ $(json "$WORK/alice.json" 'd["tcc"] >= 1') == True ]] || fail "no transport-cc feedback at alice"
# bob: every RTP packet, a generated SR about them, and not alice's SR (packet count 51).
[[ $(json "$WORK/bob.json" 'd["rtp"]') == 100 ]] || fail "bob RTP: $(cat "$WORK/bob.json")"
[[ $(json "$WORK/bob.json" 'len(d["sr"]) >= 1') == True ]] || fail "no SR at bob: $(cat "$WORK/bob.json")"
[[ $(json "$WORK/bob.json" 'all(sr["octets"] != 12345 for sr in d["sr"])') == True ]] || fail "alice's SR was forwarded"
[[ $(json "$WORK/bob.json" 'd["sr"][-1]["ssrc"]') == $((0x11223344)) ]] || fail "SR SSRC"

"$RTPX" flows --json --dataplane "$SOCK" >"$WORK/flows_out.json"
get() { json "$WORK/flows_out.json" "d['flows'][0]['stats']$1"; }
[[ $(get "['packets']") == 100 ]] || fail "packets: $(cat "$WORK/flows_out.json")"
[[ $(get "['drops']['rtcp_terminated']") == 1 ]] || fail "rtcp_terminated"
[[ $(get "['estimated_bitrate_bps'] > 0") == True ]] || fail "no GCC estimate"
echo "ok: terminated RTCP consumed; RR and transport-cc feedback reach alice, SR reaches bob; GCC estimate $(get "['estimated_bitrate_bps']") bps"
