#!/usr/bin/env bash
# Kamailio drives rtpx over the rtpengine ng protocol, on the demo topology (namespaces unique to
# this run): Kamailio 5.6 (deploy/kamailio/kamailio.cfg -A WITH_DEMO) in core on 10.99.1.10:5060
# and 10.99.2.10:5060 routes the calls, rtpx-controlplane runs ng-only
# (deploy/demo/controlplane-ng.toml: [ng] on 127.0.0.1:2223, no SIP listener) and anchors the media
# on rtpx-dataplane.
#  1. Two calls sipp UAC (alice) -> Kamailio -> sipp UAS (bob), each side replaying 50 RTP packets:
#     both complete; bob's INVITE names the bob-side relay 10.99.2.1 and alice's 200 the alice-side
#     relay 10.99.1.1; the data plane holds the calls' flows while they run; exactly 50 packets each
#     way leave the senders and reach the receivers (captures on alice's and bob's interfaces);
#     Kamailio's delete (BYE) removes the flows: `rtpx flows --json` is empty afterwards and rtpx's
#     ng statistics show the offers, answers and deletes, no error and no session left.
#  2. RTP/AVP -> RTP/SAVP bridging: alice (sipp, plain RTP) calls srtp-1@10.99.2.2:5070, Kamailio's
#     rtpengine_offer asks for "SRTP AVP" towards bob, where baresip (srtp-mand, SDES) answers,
#     plays a 3 s tone and hangs up. bob is offered RTP/SAVP with a=crypto, alice gets RTP/AVP; the
#     SRTP packets rtpx sent to bob (captured at bob) decrypt with `rtpx srtp unprotect` and the key
#     of the SDP bob received, to exactly the RTP payloads alice sent; baresip logged no SRTP error.
# usage: ng_kamailio_test.sh RTPX_DATAPLANE RTPX_CONTROLPLANE RTPX   (exit 77: skipped)
source "$(dirname "$0")/controlplane_lib.bash" "$@"
command -v kamailio >/dev/null || skip "needs kamailio"
command -v baresip >/dev/null || skip "needs baresip"
[[ -n $(find /usr/lib -path '*kamailio/modules/rtpengine.so' -print -quit 2>/dev/null) ]] \
    || skip "needs Kamailio's rtpengine module"

rtpx_topo_up
rtpx_dp_start "$CP_TEST_DP" || fail "rtpx-dataplane did not start"
rtpx_topo_prime || fail "data plane does not answer ARP/ICMP"
sed -e "s#/run/rtpx/dataplane.sock#$RTPX_DP_SOCK#" "$CP_TEST_ROOT/deploy/demo/controlplane-ng.toml" \
    >"$W/controlplane.toml"
rtpx_cp_start "$CP_TEST_CP" "$W/controlplane.toml" || fail "rtpx-controlplane (ng only) did not start"
grep -q "ng protocol on 127.0.0.1:2223" "$W/controlplane.log" || fail "no ng server in the control plane's log"
rtpx_kamailio_start "$CP_TEST_ROOT/deploy/kamailio/kamailio.cfg" -A WITH_DEMO || fail "kamailio did not start"
[[ $(rtpx_ng '{"command": "ping"}') == *pong* ]] || fail "rtpx does not answer an ng ping"

# --- 1. plain calls ---------------------------------------------------------------------------------
cap_start
sipp_uas "$(cp_scenario "$CP_TEST_ROOT/deploy/demo/uas_pcap.xml")" -m 2
sipp_uac_bg "$(cp_scenario "$CP_TEST_ROOT/deploy/demo/uac_pcap.xml")" bob -m 2 -l 2
flows_mid=0
for _ in $(seq 40); do
    flows_mid=$(dp_flow_count)
    ((flows_mid > 0)) && break
    sleep 0.1
done
wait_ok "$UAC_PID" "sipp UAC: the calls through Kamailio failed"
wait_ok "$UAS_PID" "sipp UAS"
cap_stop
((flows_mid > 0)) || fail "no flow in the data plane while the calls ran"
account --expect-per-stream $CP_TEST_PKTS
[[ $(total calls) == 2 && $(total ok) == 2 ]] || fail "the calls did not complete"
[[ $(total rtp_in) == $((4 * CP_TEST_PKTS)) ]] || fail "sent $(total rtp_in), expected $((4 * CP_TEST_PKTS))"
[[ $(total rtp_out) == $((4 * CP_TEST_PKTS)) && $(total lost) == 0 ]] || fail "received $(total rtp_out)"
[[ $(grep -c "alice->bob $CP_TEST_PKTS/$CP_TEST_PKTS .*bob->alice $CP_TEST_PKTS/$CP_TEST_PKTS" <<<"$ACCOUNT") == 2 ]] \
    || fail "per-direction counts"
tshark -n -r "$W/bob.pcapng" -Y 'sip.Method == "INVITE"' -T fields -E occurrence=f -e sdp.connection_info.address \
    2>/dev/null | sort -u | grep -qx "$RTPX_MEDIA_B" || fail "bob's INVITE does not name $RTPX_MEDIA_B"
tshark -n -r "$W/alice.pcapng" -Y 'sip.Status-Code == 200 && sip.CSeq.method == "INVITE"' -T fields \
    -E occurrence=f -e sdp.connection_info.address 2>/dev/null | sort -u | grep -qx "$RTPX_MEDIA_A" \
    || fail "alice's 200 does not name $RTPX_MEDIA_A"
expect_idle 5
rtpx_ng_statistics >"$W/ng-stats.json"
"$RTPX_PY" - "$W/ng-stats.json" <<'PY' || fail "ng statistics: $(cat "$W/ng-stats.json")"
import json, sys
s = json.load(open(sys.argv[1]))
c = s["controlstatistics"]
print("ng: offers %d, answers %d, deletes %d, errors %d, sessions left %d" % (
    c["totaloffercount"], c["totalanswercount"], c["totaldeletecount"], c["totalerrorcount"],
    s["currentstatistics"]["sessionsown"]))
ok = (c["totaloffercount"] >= 2 and c["totalanswercount"] >= 2 and c["totaldeletecount"] >= 2
      and c["totalerrorcount"] == 0 and s["currentstatistics"]["sessionsown"] == 0)
sys.exit(0 if ok else 1)
PY

# --- 2. RTP/AVP -> RTP/SAVP, decrypted at the far side ------------------------------------------
rtpx_baresip_setup "$W/baresip" "$RTPX_BOB_IP:5070" srtp-1 3 ";mediaenc=srtp-mand;answermode=auto"
rtpx_bg bob baresip -f "$W/baresip" -t 20 >"$W/baresip.log" 2>&1
sleep 1
rm -f "$W/alice.pcapng" "$W/bob.pcapng"
cap_start
CP_UAC_TARGET=$RTPX_BOB_IP:5070 CP_UAC_MP=6100 \
    sipp_uac "$(cp_scenario uac_wait_bye.xml)" srtp -m 1 || fail "the call to baresip failed (no 200 or no BYE)"
cap_stop
protos=$(tshark -n -r "$W/bob.pcapng" -Y 'sip.Method == "INVITE"' -T fields -E occurrence=f -e sdp.media.proto 2>/dev/null | head -1)
[[ $protos == RTP/SAVP ]] || fail "bob was offered '$protos', expected RTP/SAVP"
protos=$(tshark -n -r "$W/alice.pcapng" -Y 'sip.Status-Code == 200 && sip.CSeq.method == "INVITE"' \
    -T fields -E occurrence=f -e sdp.media.proto 2>/dev/null | head -1)
[[ $protos == RTP/AVP ]] || fail "alice got '$protos' in the 200, expected RTP/AVP"
if grep -q "failed to decrypt RTP\|srtp: .*auth" "$W/baresip.log"; then fail "baresip: $(grep -m1 decrypt "$W/baresip.log")"; fi
"$RTPX_PY" - "$W" "$CP_TEST_RTPX" "$RTPX_MEDIA_B" "$RTPX_ALICE_IP" <<'PY' || fail "decrypting at bob"
import subprocess, sys
work, rtpx, relay, alice = sys.argv[1:5]

def tshark(pcap, display, *fields):
    cmd = ["tshark", "-n", "-r", pcap, "-Y", display, "-T", "fields", "-E", "separator=\t"]
    for f in fields:
        cmd += ["-e", f]
    return [l.split("\t") for l in subprocess.run(cmd, check=True, capture_output=True,
                                                  text=True).stdout.splitlines() if l]

# The key rtpx sends to bob with: the a=crypto of the INVITE bob received, and the relay's port.
invite = tshark(work + "/bob.pcapng", 'sip.Method == "INVITE"', "sdp.media_attr", "sdp.media.port")[0]
crypto = [a for a in invite[0].split(",") if a.startswith("crypto:")][0].split()
suite, key = crypto[1], crypto[2].split("inline:")[1].split("|")[0]
relay_port = int(invite[1])
print("bob was offered %s, relay port %d" % (suite, relay_port))
# What rtpx sent to bob from that port (SRTP), decrypted; what alice sent (plain RTP).
srtp = [r[0].replace(":", "") for r in tshark(
    work + "/bob.pcapng", "ip.src == %s && udp.srcport == %d" % (relay, relay_port), "udp.payload")]
plain = [r[0].replace(":", "") for r in tshark(
    work + "/alice.pcapng", "ip.src == %s && udp.srcport == 6100" % alice, "udp.payload")]
out = subprocess.run([rtpx, "srtp", "unprotect", "--suite", suite, "--key", key, "-"],
                     input="\n".join(srtp) + "\n", capture_output=True, text=True)
clear = [l.strip() for l in out.stdout.splitlines() if l.strip()]
print("alice sent %d RTP packets; bob got %d SRTP packets, %d decrypted (%s)" % (
    len(plain), len(srtp), len(clear), out.stderr.strip().splitlines()[:1]))
if not plain or len(srtp) != len(plain) or len(clear) != len(srtp) or out.returncode != 0:
    sys.exit("packet counts differ or decryption failed")
# RTP payloads (after the 12-byte header: no CSRC, no extension in sipp's pcap) must be identical.
payload = lambda h: h[24:]
if [payload(c) for c in clear] != [payload(p) for p in plain]:
    sys.exit("the decrypted payloads are not what alice sent")
print("decrypted payloads identical to alice's")
PY
expect_idle 5
pass "Kamailio -> rtpx over ng: 2 calls with 50 RTP packets each way relayed and deleted; RTP/AVP -> RTP/SAVP decrypted at bob with the SDP's key"
