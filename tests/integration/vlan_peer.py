#!/usr/bin/env python3
"""An 802.1Q peer for the namespace tests on a kernel without VLAN devices: crafts tagged frames
on a raw AF_PACKET socket and reads tags back from the socket's auxiliary data (the kernel moves
a received tag out of the frame). Prints one JSON line per command.

  arp IFACE VLAN SRC_MAC SRC_IP TARGET_IP        ARP request; the tagged reply's MAC and VLAN
  send IFACE VLAN SRC_MAC DST_MAC SRC DST COUNT  tagged IPv4/UDP RTP frames (valid checksums);
                                                 VLAN "-": untagged
  recv IFACE PORT COUNT TIMEOUT                  UDP frames to PORT: count, VLANs, checksums ok
"""
import json
import os
import socket
import struct
import sys
import time

SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_VLAN_VALID = 0x10


def mac_bytes(text):
    return bytes(int(x, 16) for x in text.split(":"))


def mac_text(b):
    return ":".join("%02x" % x for x in b)


def endpoint(text):
    host, _, port = text.rpartition(":")
    return socket.inet_aton(host), int(port)


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def tagged(dst, src, vlan, ethertype, payload):
    """An Ethernet frame tagged with `vlan` ("-": untagged)."""
    if vlan == "-":
        return dst + src + struct.pack("!H", ethertype) + payload
    return dst + src + struct.pack("!HHH", 0x8100, int(vlan), ethertype) + payload


def raw(iface):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    s.bind((iface, 0))
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    s.settimeout(0.2)
    if os.environ.get("READY"):  # a file that says the socket is bound
        open(os.environ["READY"], "w").close()
    return s


def frames(s, deadline):
    """(vlan or None, untagged frame) for every frame received until the deadline."""
    while time.time() < deadline:
        try:
            data, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(64))
        except socket.timeout:
            continue
        vlan = None
        for level, kind, cdata in anc:
            if level == SOL_PACKET and kind == PACKET_AUXDATA and len(cdata) >= 20:
                status, _, _, _, _, tci, _ = struct.unpack("IIIHHHH", cdata[:20])
                if status & TP_STATUS_VLAN_VALID:
                    vlan = tci & 0x0FFF
        if vlan is None and data[12:14] == b"\x81\x00":  # the tag left in the frame
            vlan = struct.unpack("!H", data[14:16])[0] & 0x0FFF
            data = data[:12] + data[16:]
        yield vlan, data


def arp(iface, vlan, src_mac, src_ip, target_ip):
    s = raw(iface)
    body = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac_bytes(src_mac) + \
        socket.inet_aton(src_ip) + b"\0" * 6 + socket.inet_aton(target_ip)
    s.send(tagged(b"\xff" * 6, mac_bytes(src_mac), vlan, 0x0806, body))
    for tag, f in frames(s, time.time() + 1.5):
        if f[12:14] == b"\x08\x06" and struct.unpack("!H", f[20:22])[0] == 2 and \
                f[28:32] == socket.inet_aton(target_ip):
            print(json.dumps({"mac": mac_text(f[22:28]), "vlan": tag}))
            return 0
    print(json.dumps({"mac": None}))
    return 1


def send(iface, vlan, src_mac, dst_mac, src, dst, count):
    s = raw(iface)
    (sip, sport), (dip, dport) = endpoint(src), endpoint(dst)
    for i in range(int(count)):
        seq = 1 + i
        rtp = struct.pack("!BBHII", 0x80, 96, seq, 160 * i, 0x11223344) + \
            bytes((seq + k) & 0xFF for k in range(160))
        udp_len = 8 + len(rtp)
        pseudo = sip + dip + struct.pack("!BBH", 0, 17, udp_len)
        udp = struct.pack("!HHHH", sport, dport, udp_len, 0) + rtp
        csum = checksum(pseudo + udp) or 0xFFFF
        udp = udp[:6] + struct.pack("!H", csum) + udp[8:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, i, 0, 64, 17, 0, sip, dip)
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        s.send(tagged(mac_bytes(dst_mac), mac_bytes(src_mac), vlan, 0x0800, ip + udp))
        time.sleep(0.002)
    return 0


def recv(iface, port, count, timeout):
    s = raw(iface)
    out = {"count": 0, "vlans": [], "checksums_ok": True, "sources": []}
    for tag, f in frames(s, time.time() + float(timeout)):
        if f[12:14] != b"\x08\x00" or f[23] != 17:
            continue
        ihl = (f[14] & 0x0F) * 4
        ip, udp = f[14:14 + ihl], f[14 + ihl:]
        if struct.unpack("!H", udp[2:4])[0] != int(port):
            continue
        udp = udp[:struct.unpack("!H", udp[4:6])[0]]
        pseudo = ip[12:20] + struct.pack("!BBH", 0, 17, len(udp))
        if checksum(ip) != 0 or checksum(pseudo + udp) != 0:
            out["checksums_ok"] = False
        out["count"] += 1
        if tag not in out["vlans"]:
            out["vlans"].append(tag)
        source = "%s:%d" % (socket.inet_ntoa(ip[12:16]), struct.unpack("!H", udp[0:2])[0])
        if source not in out["sources"]:
            out["sources"].append(source)
        if out["count"] == int(count):
            break
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit({"arp": arp, "send": send, "recv": recv}[sys.argv[1]](*sys.argv[2:]))
