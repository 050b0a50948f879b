#!/usr/bin/env python3
"""A minimal scripted SIP UAC over UDP for the control-plane tests, for the orderings sipp cannot
produce (sipp aborts a call whose BYE is answered before it sent the ACK).

  bye-before-ack: INVITE with an SDP offer, and on the 200 the BYE goes out first and the ACK right
  after it (what a proxy that reorders them delivers). Exits 0 when the BYE got a 200.

Prints what it sent and got, one line each. RFC 3261 section 17.1: the INVITE and the BYE are
retransmitted from T1 = 500 ms while no response came.
"""
import argparse
import random
import socket
import sys
import time


def parse(data):
    head, _, body = data.partition("\r\n\r\n")
    lines = head.split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    return lines[0], headers, body


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["bye-before-ack"])
    p.add_argument("--local", required=True, help="own IP")
    p.add_argument("--proxy", required=True, help="control plane IP:port")
    p.add_argument("--uri", required=True, help="request-URI")
    p.add_argument("--media", required=True, help="own media IP:port for the SDP")
    p.add_argument("--timeout", type=float, default=10)
    a = p.parse_args()

    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a.local, 0))
    port = s.getsockname()[1]
    host, _, pport = a.proxy.partition(":")
    dest = (host, int(pport or 5060))
    call_id = "%x@%s" % (random.getrandbits(64), a.local)
    tag = "%x" % random.getrandbits(32)
    mip, _, mport = a.media.partition(":")
    sdp = ("v=0\r\no=alice 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
           "m=audio %s RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\na=sendrecv\r\n") % (mip, mip, mport)

    def request(method, uri, cseq, to, branch, extra="", body=""):
        return ("%s %s SIP/2.0\r\nVia: SIP/2.0/UDP %s:%d;branch=z9hG4bK%s;rport\r\n"
                "Max-Forwards: 70\r\nFrom: <sip:alice@%s>;tag=%s\r\nTo: %s\r\nCall-ID: %s\r\n"
                "CSeq: %d %s\r\nContact: <sip:alice@%s:%d>\r\n%s%s"
                "Content-Length: %d\r\n\r\n%s") % (
            method, uri, a.local, port, branch, a.local, tag, to, call_id, cseq, method,
            a.local, port, extra, "Content-Type: application/sdp\r\n" if body else "",
            len(body), body)

    def transact(msg, want_cseq, deadline, sent=False):
        """Sends msg (retransmitting at T1) until a final response for want_cseq arrives."""
        t1, next_send, provisional = 0.5, 0.0, False
        if sent:
            next_send, t1 = time.time() + t1, t1 * 2
        while time.time() < deadline:
            if not provisional and time.time() >= next_send:
                s.sendto(msg.encode(), dest)
                next_send, t1 = time.time() + t1, min(t1 * 2, 4)
            s.settimeout(0.05)
            try:
                data = s.recv(65535).decode("latin-1")
            except socket.timeout:
                continue
            status, headers, _ = parse(data)
            if not status.startswith("SIP/2.0 ") or headers.get("cseq", [""])[0] != want_cseq:
                continue
            code = int(status.split()[1])
            print("got %s (%s)" % (status, want_cseq))
            if code < 200:
                provisional = True
                continue
            return code, headers
        return None, {}

    deadline = time.time() + a.timeout
    invite = request("INVITE", a.uri, 1, "<%s>" % a.uri, "inv" + tag, body=sdp)
    code, headers = transact(invite, "1 INVITE", deadline)
    if code != 200:
        print("INVITE failed: %s" % code)
        return 1
    to = headers["to"][0]
    target = headers.get("contact", ["<%s>" % a.uri])[0].split(">")[0].lstrip("<")
    routes = "".join("Route: %s\r\n" % r for r in reversed(headers.get("record-route", [])))
    bye = request("BYE", target, 2, to, "bye" + tag, routes)
    ack = request("ACK", target, 1, to, "ack" + tag, routes)
    s.sendto(bye.encode(), dest)
    print("sent BYE")
    s.sendto(ack.encode(), dest)
    print("sent ACK")
    code, _ = transact(bye, "2 BYE", deadline, sent=True)
    if code != 200:
        print("BYE failed: %s" % code)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
