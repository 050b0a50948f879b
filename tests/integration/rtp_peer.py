#!/usr/bin/env python3
"""A small RTP peer for the namespace tests: sends numbered RTP packets, or receives them and
reports what arrived as one JSON line (sources, SSRCs, sequence numbers, payload types, whether
every payload is intact). The kernel verifies IP and UDP checksums before a packet reaches the
socket, so a packet counted here had correct checksums."""
import argparse
import json
import socket
import struct
import sys
import time


def endpoint(text):
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)


def payload_for(seq):
    return bytes((seq + i) & 0xFF for i in range(160))


def packets(args):
    for i in range(args.count):
        seq = (args.first_seq + i) & 0xFFFF
        header = struct.pack("!BBHII", 0x80, args.pt, seq, 160 * i, args.ssrc)
        yield header + payload_for(seq)


def gen(args):
    """The packets `send` would send, one hex line each (input for `rtpx srtp protect -`)."""
    for p in packets(args):
        print(p.hex())


def send(args):
    host, port = endpoint(args.dst)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.bind(endpoint(args.src))
    if args.hex_file:  # given datagrams (e.g. SRTP from `rtpx srtp protect`), one hex line each
        with open(args.hex_file) as f:
            datagrams = [bytes.fromhex(line) for line in f if line.strip()]
    else:
        datagrams = packets(args)
    for d in datagrams:
        s.sendto(d, (host, port))
        time.sleep(args.interval)


def recv(args):
    host, port = endpoint(args.bind)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.bind((host, port))
    s.settimeout(0.2)
    out = {"count": 0, "sources": [], "ssrcs": [], "seqs": [], "pts": [], "intact": True}
    hex_out = open(args.hex_out, "w") if args.hex_out else None
    deadline = time.time() + args.timeout
    quiet_until = None
    while time.time() < deadline:
        if out["count"] >= args.count:
            # Keep listening briefly: more than expected is a failure too.
            quiet_until = quiet_until or time.time() + 0.5
            if time.time() > quiet_until:
                break
        try:
            data, src = s.recvfrom(2048)
        except socket.timeout:
            continue
        out["count"] += 1
        if hex_out:
            hex_out.write(data.hex() + "\n")
        source = "%s:%d" % (src[0], src[1])
        if source not in out["sources"]:
            out["sources"].append(source)
        _, pt, seq, _, ssrc = struct.unpack("!BBHII", data[:12])
        if ssrc not in out["ssrcs"]:
            out["ssrcs"].append(ssrc)
        if pt not in out["pts"]:
            out["pts"].append(pt)
        out["seqs"].append(seq)
        if data[12:] != payload_for((seq - args.seq_offset) & 0xFFFF):
            out["intact"] = False
    if hex_out:
        hex_out.close()
    with open(args.out, "w") as f:
        json.dump(out, f)
        f.write("\n")


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ping(args):
    """ICMP echo (RFC 792) or ICMPv6 echo (RFC 4443) through a raw socket: exits 0 when every
    request got its reply. For IPv6 the kernel fills and checks the checksum (RFC 3542)."""
    v6 = ":" in args.host
    if v6:
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
        request, reply = 128, 129
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        request, reply = 8, 0
    s.settimeout(args.timeout)
    for seq in range(1, args.count + 1):
        body = struct.pack("!HH", 0x7274, seq) + b"rtpx-ping"
        csum = 0 if v6 else checksum(struct.pack("!BBH", request, 0, 0) + body)
        s.sendto(struct.pack("!BBH", request, 0, csum) + body, (args.host, 0))
        while True:
            try:
                data, src = s.recvfrom(2048)
            except socket.timeout:
                return 1
            icmp = data if v6 else data[(data[0] & 0x0F) * 4:]
            if (socket.inet_pton(s.family, src[0]) == socket.inet_pton(s.family, args.host)
                    and icmp[0] == reply and icmp[4:8] == body[:4] and (v6 or checksum(icmp) == 0)):
                break
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="mode", required=True)
    ps = sub.add_parser("send")
    ps.add_argument("--src", required=True)
    ps.add_argument("--dst", required=True)
    ps.add_argument("--hex-file", help="send these datagrams (one hex line each) instead")
    ps.add_argument("--interval", type=float, default=0.002)
    pg = sub.add_parser("gen")
    for q in (ps, pg):
        q.add_argument("--count", type=int, default=10)
        q.add_argument("--ssrc", type=lambda v: int(v, 0), default=0x11223344)
        q.add_argument("--pt", type=int, default=96)
        q.add_argument("--first-seq", type=int, default=1)
    pr = sub.add_parser("recv")
    pr.add_argument("--bind", required=True)
    pr.add_argument("--count", type=int, required=True)
    pr.add_argument("--timeout", type=float, default=10)
    pr.add_argument("--seq-offset", type=int, default=0)
    pr.add_argument("--out", required=True)
    pr.add_argument("--hex-out", help="also write every datagram as a hex line here")
    pp = sub.add_parser("ping")
    pp.add_argument("host")
    pp.add_argument("--count", type=int, default=2)
    pp.add_argument("--timeout", type=float, default=2)
    args = p.parse_args()
    if args.mode == "ping":
        return ping(args)
    {"send": send, "recv": recv, "gen": gen}[args.mode](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
