#!/usr/bin/env bash
# The exception port end to end in network namespaces:
#
#   alice (10.77.1.2) ==veth== [core: rtpx-dataplane on net_af_packet, port 0 10.77.1.1 with
#                               exception = "tap" -> kernel TAP rtpxe<pid> holding 10.77.1.1]
#
# Checks: a TCP connection (SSH-like) and a UDP exchange on 5060 (SIP-like) from alice to the
# media address reach a server on the core's kernel through the TAP, and its answers (and the
# kernel's own ARP) leave through the data plane's port; ICMP echo is still answered by the data
# plane; a media flow on the same address is still relayed by the data plane and never seen by the
# kernel's UDP stack. The core's veths are kept from the kernel's IP stack (an iptables raw drop:
# af_packet taps see frames before netfilter; no ARP answers), as NICs bound to DPDK would be. Namespaces and files are removed on every exit.
#
# usage: dataplane_exception_test.sh RTPX_DATAPLANE RTPX    (exit 77: skipped, not root / no ip,
#                                                           iptables or /dev/net/tun)
TAG=rtpxe
VETH=xe
source "$(dirname "$0")/netns_lib.bash"
if ! command -v iptables >/dev/null || [[ ! -c /dev/net/tun ]]; then
    echo "skipped: needs iptables(8) and /dev/net/tun"
    exit 77
fi
TAP=rtpxe$$

topology_up
for dev in "$CA" "$CB"; do
    ip netns exec "$C" iptables -t raw -A PREROUTING -i "$dev" -j DROP
    ip netns exec "$C" sysctl -qw "net.ipv4.conf.$dev.arp_ignore=8"
done

# Alice's veth computes full checksums (ethtool -K eth0 tx off, through the ioctl): a veth leaves
# a partial one for offload, which af_packet hands over as is and the TAP's kernel would refuse;
# a NIC delivers complete sums.
ip netns exec "$A" "$PY" -c '
import array, fcntl, socket, struct
value = array.array("B", struct.pack("II", 0x17, 0))  # ETHTOOL_STXCSUM, off
ifreq = struct.pack("16sP", b"eth0", value.buffer_info()[0]).ljust(40, b"\0")
fcntl.ioctl(socket.socket(), 0x8946, ifreq)  # SIOCETHTOOL
' || fail "cannot turn alice's TX checksum offload off"

start_dataplane '"10.77.1.1"' '"10.77.2.1"' '' "exception = \"tap\"
exception_iface = \"$TAP\""
for _ in $(seq 50); do ip -n "$C" link show "$TAP" >/dev/null 2>&1 && break; sleep 0.1; done
ip -n "$C" link show "$TAP" >/dev/null 2>&1 || fail "no TAP $TAP in the core"
ip -n "$C" link show "$TAP" | grep -q "$(ip -n "$C" link show "$CA" | awk '/ether/ {print $2}')" \
    || fail "the TAP does not have the port's MAC"
ip -n "$C" addr add 10.77.1.1/24 dev "$TAP"
ip -n "$C" link set "$TAP" up

# A TCP and a UDP server on the core's kernel, at the media address (bounded: 20 s).
cat >"$WORK/server.py" <<'PY'
import socket, sys, threading
tcp = socket.socket(); tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
tcp.bind(("10.77.1.1", 2222)); tcp.listen(1); tcp.settimeout(20)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); udp.bind(("10.77.1.1", 5060)); udp.settimeout(20)
def echo():
    try:
        data, peer = udp.recvfrom(2048); udp.sendto(b"SIP/2.0 200 OK " + data, peer)
    except OSError: pass
t = threading.Thread(target=echo); t.start()
try:
    c, _ = tcp.accept(); c.sendall(b"SSH-2.0-rtpx-kernel\r\n"); c.close()
except OSError: pass
t.join()
PY
ip netns exec "$C" timeout 25 "$PY" "$WORK/server.py" &
SERVER=$!
sleep 0.5

# ICMP echo: the data plane answers (and alice learns the port's MAC).
ip netns exec "$A" "$PY" "$HERE/rtp_peer.py" ping 10.77.1.1 || fail "alice cannot ping 10.77.1.1"

ip netns exec "$A" timeout 10 "$PY" -c '
import socket
s = socket.create_connection(("10.77.1.1", 2222), timeout=8)
banner = s.recv(100)
assert banner.startswith(b"SSH-2.0-rtpx-kernel"), banner
' || fail "TCP to 10.77.1.1:2222 through the exception port"

ip netns exec "$A" timeout 10 "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(8)
s.bind(("10.77.1.2", 5060)); s.sendto(b"OPTIONS sip:10.77.1.1 SIP/2.0", ("10.77.1.1", 5060))
data, peer = s.recvfrom(2048)
assert data == b"SIP/2.0 200 OK OPTIONS sip:10.77.1.1 SIP/2.0" and peer == ("10.77.1.1", 5060), (data, peer)
' || fail "UDP to 10.77.1.1:5060 through the exception port"
wait $SERVER || fail "the kernel's servers did not finish"

# Media on the same address is the data plane's: relayed to bob, and the kernel's UDP counters
# see none of it.
cat >"$WORK/flows.json" <<'JSON'
{"flows": [{"local": "10.77.1.1:30000", "egress_source": "10.77.2.1:30002",
            "egress_destination": "10.77.2.2:5004"}]}
JSON
"$RTPX" flow add "$WORK/flows.json" --dataplane "$SOCK" | grep -qx "added 1 flow" || fail "flow add"
ip netns exec "$B" "$PY" "$HERE/rtp_peer.py" ping 10.77.2.1 || fail "bob cannot ping 10.77.2.1"
udp_in() { ip netns exec "$C" awk '/^Udp:/ && ++n == 2 {print $2}' /proc/net/snmp; }
BEFORE=$(udp_in)
ip netns exec "$B" "$PY" "$HERE/rtp_peer.py" recv --bind 10.77.2.2:5004 --count 20 --timeout 15 \
    --out "$WORK/bob.json" &
RECV=$!
sleep 0.3
ip netns exec "$A" "$PY" "$HERE/rtp_peer.py" send --src 10.77.1.2:4000 --dst 10.77.1.1:30000 --count 20
wait $RECV
[[ $(json "$WORK/bob.json" 'd["count"]') == 20 ]] || fail "bob got $(cat "$WORK/bob.json")"
[[ $(udp_in) == "$BEFORE" ]] || fail "the kernel received media UDP ($BEFORE -> $(udp_in))"

stop_dataplane
echo "ok"
