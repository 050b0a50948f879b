#!/usr/bin/env bash
# rtpx-dataplane on a net_pcap port (no namespaces: the port reads a capture file and writes what
# it sends to another): 10 RTP packets to a static flow (`--flows`), an ARP request for the media
# address and 2 datagrams to a port without a flow. Checks, exactly: `rtpx stats --json` counts 13
# received, 2 no_flow drops; the output file holds the gratuitous ARP sent at start, the ARP reply
# and the 10 relayed packets (to the gateway MAC, from the relay's address, SSRC rewritten, valid
# IPv4 and UDP checksums, payloads intact). Files are removed on every exit.
#
# usage: dataplane_pcap_test.sh RTPX_DATAPLANE RTPX
set -euo pipefail
DP=$1
RTPX=$2
PY=$(python3 -c 'import sys; print(sys.executable)')
WORK=$(mktemp -d /tmp/rtpx-pcap.XXXXXX)
PREFIX=rtpxpc-$$
DP_PID=""
cleanup() {
    local rc=$?
    if [[ -n $DP_PID ]] && kill -0 "$DP_PID" 2>/dev/null; then kill -KILL "$DP_PID" || true; fi
    rm -rf "$WORK" "/var/run/dpdk/$PREFIX"
    if [[ $rc != 0 ]]; then echo "FAILED (exit $rc)"; fi
    exit $rc
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; [[ -f $WORK/dp.log ]] && tail -20 "$WORK/dp.log"; exit 1; }

PORT_MAC=02:70:63:61:70:00   # what net_pcap gives its first device
GATEWAY=02:00:00:00:00:32
"$PY" - "$WORK/in.pcap" "$PORT_MAC" <<'PYEOF'
import socket, struct, sys
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF
mac = lambda t: bytes(int(x, 16) for x in t.split(":"))
port_mac, peer_mac = mac(sys.argv[2]), mac("02:00:00:00:00:07")
src, dst = socket.inet_aton("198.51.100.7"), socket.inet_aton("192.0.2.1")
def udp(dport, seq):
    rtp = struct.pack("!BBHII", 0x80, 0, seq, 160 * seq, 0x11223344) + bytes((seq + k) & 0xFF for k in range(160))
    u = struct.pack("!HHHH", 4000, dport, 8 + len(rtp), 0) + rtp
    c = csum(src + dst + struct.pack("!BBH", 0, 17, len(u)) + u) or 0xFFFF
    u = u[:6] + struct.pack("!H", c) + u[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(u), seq, 0, 64, 17, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return port_mac + peer_mac + b"\x08\x00" + ip + u
arp = b"\xff" * 6 + peer_mac + b"\x08\x06" + struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + peer_mac + src + b"\0" * 6 + dst
frames = [arp] + [udp(30000, s) for s in range(1, 11)] + [udp(31000, 1), udp(31000, 2)]
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for i, fr in enumerate(frames):
        f.write(struct.pack("<IIII", 1, i, len(fr), len(fr)) + fr)
PYEOF

cat >"$WORK/dp.toml" <<TOML
[dataplane]
control_socket = "$WORK/dp.sock"
lcores = "0-1"
mbufs = 4095
max_flows = 64
eal = ["--no-huge", "-m", "128", "--no-shconf", "--file-prefix=$PREFIX", "--log-level=error"]

[[port]]
vdev = "net_pcap0,rx_pcap=$WORK/in.pcap,tx_pcap=$WORK/out.pcap"
addresses = ["192.0.2.1"]
gateway_mac = "$GATEWAY"
TOML
cat >"$WORK/flows.json" <<'JSON'
{"flows": [
  {"local": "192.0.2.1:30000", "egress_source": "192.0.2.1:30002",
   "egress_destination": "192.0.2.50:5004", "rewrite_ssrc": 3405691582, "cookie": 1}
]}
JSON
"$DP" --config "$WORK/dp.toml" --flows "$WORK/flows.json" >"$WORK/dp.log" 2>&1 &
DP_PID=$!
for _ in $(seq 100); do [[ -S $WORK/dp.sock ]] && break; kill -0 $DP_PID || fail "rtpx-dataplane exited"; sleep 0.1; done
# The file is read at once; wait until all 13 frames are counted in and the 12 answers out (a
# burst's frames are counted received before its sends are counted).
for _ in $(seq 50); do
    "$RTPX" stats --json --dataplane "$WORK/dp.sock" >"$WORK/stats.json"
    [[ $("$PY" -c 'import json,sys; d = json.load(open(sys.argv[1])); print(d["rx_packets"], d["tx_packets"])' \
         "$WORK/stats.json") == "13 12" ]] && break
    sleep 0.1
done
"$PY" - "$WORK/stats.json" <<'PYEOF' || fail "stats: $(cat "$WORK/stats.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["rx_packets"] == 13 and d["tx_packets"] == 12, d
assert d["drops"]["no_flow"] == 2 and sum(d["drops"].values()) == 2, d["drops"]
PYEOF
kill -TERM $DP_PID
wait $DP_PID || fail "rtpx-dataplane exited with $?"
DP_PID=""
grep -q "rtpx-dataplane: stopped" "$WORK/dp.log" || fail "no clean stop"

"$PY" - "$WORK/out.pcap" "$PORT_MAC" "$GATEWAY" <<'PYEOF' || fail "output capture"
import socket, struct, sys
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF
mac = lambda b: ":".join("%02x" % x for x in b)
data = open(sys.argv[1], "rb").read()
frames, off = [], 24
while off < len(data):
    n = struct.unpack("<I", data[off + 8:off + 12])[0]
    frames.append(data[off + 16:off + 16 + n])
    off += 16 + n
assert len(frames) == 12, len(frames)
arps = [f for f in frames if f[12:14] == b"\x08\x06"]
garp = [f for f in arps if f[28:32] == f[38:42] == socket.inet_aton("192.0.2.1")]
reply = [f for f in arps if struct.unpack("!H", f[20:22])[0] == 2 and f[38:42] == socket.inet_aton("198.51.100.7")]
assert len(garp) == 1 and mac(garp[0][6:12]) == sys.argv[2], arps
assert len(reply) == 1 and mac(reply[0][0:6]) == "02:00:00:00:00:07" and mac(reply[0][22:28]) == sys.argv[2], arps
rtp = [f for f in frames if f[12:14] == b"\x08\x00"]
assert len(rtp) == 10
for i, f in enumerate(rtp):
    ip, u = f[14:34], f[34:]
    assert mac(f[0:6]) == sys.argv[3] and mac(f[6:12]) == sys.argv[2], mac(f[0:6])
    assert csum(ip) == 0 and csum(ip[12:20] + struct.pack("!BBH", 0, 17, len(u)) + u) == 0
    assert socket.inet_ntoa(ip[12:16]) == "192.0.2.1" and socket.inet_ntoa(ip[16:20]) == "192.0.2.50"
    sport, dport = struct.unpack("!HH", u[0:4])
    assert (sport, dport) == (30002, 5004)
    seq, ssrc = struct.unpack("!H", u[10:12])[0], struct.unpack("!I", u[16:20])[0]
    assert seq == i + 1 and ssrc == 3405691582, (seq, ssrc)
    assert u[20:] == bytes((seq + k) & 0xFF for k in range(160))
PYEOF
echo "ok: net_pcap port: static flow relayed exactly, ARP answered, gratuitous ARP, no_flow counted"
