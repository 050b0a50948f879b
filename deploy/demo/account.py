#!/usr/bin/env python3
"""Accounts for the demo's calls from what the endpoints themselves sent and received.

Inputs are two captures taken on the endpoints' own interfaces (alice's eth0 and bob's eth0), so
every number is independent of rtpx's own counters:
  * SIP (tshark): per Call-ID at alice, the request-URI/To user (bob-<n>, bob-srtp), the final
    response to the INVITE, the BYE's 200, and the relay address alice was told to send to (the
    SDP of the 2xx). At bob, per INVITE, the same user and the relay address bob was told to send to
    (the SDP of the INVITE). Calls are matched across the B2BUA by that user.
  * RTP (`rtpx decode pcap --summary`, one line per stream with packets, loss, jitter and E-model
    MOS): a call's alice->bob direction is what alice sent to her relay address (rtp_in) against
    what bob received from his relay address (rtp_out), and the reverse likewise. RTCP is not
    counted. SRTP packets are counted by their clear RTP header.

Prints one line per call, then one JSON line (prefixed "totals: ") with calls, ok, failed, rtp_in,
rtp_out, lost, srtp_calls and mos_min for the demo's summary line.
  rtp_in   = RTP packets the endpoints sent to rtpx's media addresses, summed over calls and
             directions (seen on the sender's interface);
  rtp_out  = RTP packets the endpoints received from rtpx's media addresses (seen on the
             receiver's interface);
  lost     = the sum over directions of max(0, sent - received);
  mos_min  = the lowest MOS of any received stream (rtpx's E-model over the receiver's capture).
A call is ok when the INVITE got a 2xx, a BYE got its 200, both directions carried RTP, nothing
was lost or duplicated, and a direction whose sender replays a pcap of known length sent exactly
that many packets (--expect-per-stream, checks sipp itself).
"""
import argparse
import collections
import json
import subprocess
import sys


def tshark_sip(pcap):
    fields = ["sip.Call-ID", "sip.Method", "sip.Status-Code", "sip.CSeq.method", "sip.r-uri.user",
              "sip.to.user", "sdp.connection_info.address", "sdp.media.port", "sdp.media.proto"]
    cmd = ["tshark", "-n", "-r", pcap, "-Y", "sip", "-T", "fields", "-E", "separator=\t",
           "-E", "occurrence=f"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines():
        values = line.split("\t")
        values += [""] * (len(fields) - len(values))
        rows.append(dict(zip(fields, values)))
    return rows


def streams(rtpx, pcap):
    out = subprocess.run([rtpx, "decode", "pcap", pcap, "--summary"], check=True,
                         capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def user_of(row):
    return row["sip.r-uri.user"] or row["sip.to.user"]


def alice_calls(rows):
    calls = collections.OrderedDict()
    for r in rows:
        cid = r["sip.Call-ID"]
        c = calls.setdefault(cid, {"user": "", "invite": None, "bye": None, "relay": None,
                                   "proto": ""})
        if r["sip.Method"] == "INVITE" and not c["user"]:
            c["user"] = user_of(r)
            c["proto"] = r["sdp.media.proto"]
        code = r["sip.Status-Code"]
        if code and r["sip.CSeq.method"] == "INVITE" and int(code) >= 200:
            c["invite"] = int(code)
            if int(code) < 300 and r["sdp.media.port"]:
                c["relay"] = (r["sdp.connection_info.address"], int(r["sdp.media.port"]))
        if code and r["sip.CSeq.method"] == "BYE":
            c["bye"] = int(code)
    return calls


def bob_legs(rows):
    legs = {}
    for r in rows:
        if r["sip.Method"] == "INVITE" and r["sdp.media.port"]:
            legs.setdefault(user_of(r), {"relay": (r["sdp.connection_info.address"],
                                                   int(r["sdp.media.port"])),
                                         "proto": r["sdp.media.proto"]})
    return legs


def direction(sent_streams, recv_streams, relay_tx, relay_rx):
    """Packets the sender sent to relay_tx, and what the receiver got from relay_rx."""
    sent = [s for s in sent_streams if (s["dst_ip"], s["dst_port"]) == relay_tx]
    got = [s for s in recv_streams if (s["src_ip"], s["src_port"]) == relay_rx]
    mos = min((s["mos"] for s in got), default=None)
    return sum(s["packets"] for s in sent), sum(s["packets"] for s in got), mos


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rtpx", required=True)
    p.add_argument("--alice", required=True, help="capture on alice's interface")
    p.add_argument("--bob", required=True, help="capture on bob's interface")
    p.add_argument("--expect-per-stream", type=int, default=0,
                   help="packets a pcap-replaying sender (sipp) sends per direction")
    p.add_argument("--pcap-users", default="bob-",
                   help="user prefix of calls whose both senders replay the pcap")
    p.add_argument("--ignore", default=None,
                   help="user prefix of requests that are not calls (a test's probes)")
    args = p.parse_args()

    calls = alice_calls(tshark_sip(args.alice))
    legs = bob_legs(tshark_sip(args.bob))
    a_streams = [s for s in streams(args.rtpx, args.alice) if s.get("proto", "udp") == "udp"]
    b_streams = [s for s in streams(args.rtpx, args.bob) if s.get("proto", "udp") == "udp"]

    totals = {"calls": 0, "ok": 0, "failed": 0, "rtp_in": 0, "rtp_out": 0, "lost": 0,
              "srtp_calls": 0, "mos_min": None}
    for n, (cid, c) in enumerate(calls.items(), 1):
        if not c["user"] or (args.ignore and c["user"].startswith(args.ignore)):
            continue   # not a call of ours (stray SIP, probes)
        totals["calls"] += 1
        srtp = "SAVP" in c["proto"] or "SAVP" in legs.get(c["user"], {}).get("proto", "")
        totals["srtp_calls"] += srtp
        problems = []
        if c["invite"] is None or not 200 <= c["invite"] < 300:
            problems.append("INVITE answered %s" % c["invite"])
        if c["bye"] != 200:
            problems.append("BYE answered %s" % c["bye"])
        leg = legs.get(c["user"])
        if leg is None:
            problems.append("no INVITE reached bob")
        text = []
        if c["relay"] and leg:
            pcap_call = c["user"].startswith(args.pcap_users) and not srtp
            for name, sent_s, recv_s, tx, rx in (
                    ("alice->bob", a_streams, b_streams, c["relay"], leg["relay"]),
                    ("bob->alice", b_streams, a_streams, leg["relay"], c["relay"])):
                sent, got, mos = direction(sent_s, recv_s, tx, rx)
                totals["rtp_in"] += sent
                totals["rtp_out"] += got
                totals["lost"] += max(0, sent - got)
                if sent == 0:
                    problems.append("%s: no RTP sent" % name)
                if got < sent:
                    problems.append("%s: %d of %d lost" % (name, sent - got, sent))
                if got > sent:
                    problems.append("%s: %d duplicated" % (name, got - sent))
                if pcap_call and args.expect_per_stream and sent != args.expect_per_stream:
                    problems.append("%s: sender sent %d, its pcap has %d" % (
                        name, sent, args.expect_per_stream))
                if mos is not None and (totals["mos_min"] is None or mos < totals["mos_min"]):
                    totals["mos_min"] = mos
                text.append("%s %d/%d mos %s" % (name, got, sent,
                                                 "-" if mos is None else "%.2f" % mos))
        ok = not problems
        totals["ok" if ok else "failed"] += 1
        print("call %d %s%s: %s %s%s" % (
            n, c["user"], " (SRTP leg)" if srtp else "", "ok" if ok else "FAILED",
            ", ".join(text), "" if ok else " [" + "; ".join(problems) + "]"))
    print("totals: " + json.dumps(totals))
    return 0


if __name__ == "__main__":
    sys.exit(main())
