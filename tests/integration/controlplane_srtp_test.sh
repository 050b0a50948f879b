#!/usr/bin/env bash
# RTP <-> SRTP bridging, checked by decrypting at the far side. sipp in alice calls user "srtp"
# at the control plane's address with plain RTP/AVP; a route added for this test forces RTP/SAVP
# towards bob, where baresip (srtp-mand, SDES) answers,
# plays a 440 Hz tone for 3 s and hangs up. Checks: bob's INVITE offers RTP/SAVP with a=crypto and
# alice's 200 is RTP/AVP; baresip decrypted and decoded alice's audio (its sndfile dump holds at
# least 80% of the samples sent, with the pcap's loudness) and logged no SRTP failure; the RTP that
# rtpx decrypted for alice carries the tone (A-law decoded, ~880 zero crossings per second: an
# encrypted payload would look like noise).
# usage: controlplane_srtp_test.sh RTPX_DATAPLANE RTPX_CONTROLPLANE RTPX   (exit 77: skipped)
source "$(dirname "$0")/controlplane_lib.bash" "$@"
command -v baresip >/dev/null || skip "needs baresip"
# The demo config has no route to baresip: requests for user srtp-<n> at the control plane's own
# address (no earlier route takes them) go to baresip on bob:5070 (as sip:bob@..., the user its
# account answers) with RTP/SAVP forced.
CP_TEST_EXTRA_TOML='[[route]]
name = "srtp-to-baresip"
user_prefix = "srtp"
next_hop = "10.99.2.2:5070"
request_uri = "sip:bob@10.99.2.2:5070"
transport = "udp"
listener = "bob-udp"
srtp = "force-srtp"
a_interface = "alice-side"
b_interface = "bob-side"'
CP_UAC_TARGET=$RTPX_CORE_A_SIP
cp_test_up
# Does this data plane take SRTP flows yet (dp-srtp)? Main refuses them.
cat >"$W/srtp-probe.json" <<JSON
{"flows": [{"local": "$RTPX_MEDIA_A:39990", "egress_source": "$RTPX_MEDIA_B:39992",
  "egress_destination": "$RTPX_BOB_IP:9", "srtp_egress": {"suite": "AES_CM_128_HMAC_SHA1_80",
  "master_key": "000102030405060708090a0b0c0d0e0f", "master_salt": "000102030405060708090a0b0c0d"}}]}
JSON
if ! "$CP_TEST_RTPX" flow add "$W/srtp-probe.json" --dataplane "$RTPX_DP_SOCK" >"$W/srtp-probe.log" 2>&1; then
    skip "this rtpx-dataplane refuses SRTP flows: $(tail -1 "$W/srtp-probe.log")"
fi
"$CP_TEST_RTPX" flow del "$W/srtp-probe.json" --dataplane "$RTPX_DP_SOCK" >/dev/null

rtpx_baresip_setup "$W/baresip" "$RTPX_BOB_IP:5070" bob 3 ";mediaenc=srtp-mand;answermode=auto"
rtpx_bg bob baresip -f "$W/baresip" -t 20 >"$W/baresip.log" 2>&1
sleep 1
cap_start
sipp_uac "$(cp_scenario uac_wait_bye.xml)" srtp -m 1 || fail "the call to baresip failed (no 200 or no BYE)"
cap_stop
protos=$(tshark -n -r "$W/bob.pcapng" -Y 'sip.Method == "INVITE"' -T fields -E occurrence=f -e sdp.media.proto | head -1)
[[ $protos == RTP/SAVP ]] || fail "bob was offered '$protos', expected RTP/SAVP"
tshark -n -r "$W/bob.pcapng" -Y 'sip.Method == "INVITE"' -T fields -e sdp.media_attr -E occurrence=a \
    | grep -q 'crypto:' || fail "no a=crypto towards bob"
protos=$(tshark -n -r "$W/alice.pcapng" -Y 'sip.Status-Code == 200 && sip.CSeq.method == "INVITE"' \
    -T fields -E occurrence=f -e sdp.media.proto | head -1)
[[ $protos == RTP/AVP ]] || fail "alice got '$protos' in the 200, expected RTP/AVP"
if grep -q "failed to decrypt RTP\|srtp: .*auth" "$W/baresip.log"; then fail "baresip: $(grep -m1 decrypt "$W/baresip.log")"; fi
grep -q "SRTP is Enabled" "$W/baresip.log" || fail "baresip did not enable SRTP"
"$RTPX_PY" - "$W" "$RTPX_MEDIA_A" "$CP_TEST_PKTS" <<'PY' || fail "audio check"
import glob, subprocess, sys, wave, warnings
warnings.simplefilter("ignore", DeprecationWarning)
import audioop
work, relay, packets = sys.argv[1], sys.argv[2], int(sys.argv[3])
# 1. What baresip decrypted and decoded from alice (the pcap's speech).
dec = glob.glob(work + "/baresip/dump-*-dec.wav")
if not dec:
    sys.exit("baresip wrote no decoded audio")
w = wave.open(dec[0])
pcm = w.readframes(w.getnframes())
sent = subprocess.run(["tshark", "-n", "-r", work + "/short.pcap", "-o", "rtp.heuristic_rtp:TRUE",
                       "-T", "fields", "-e", "rtp.payload"], capture_output=True, text=True).stdout.split()
sent_pcm = audioop.alaw2lin(b"".join(bytes.fromhex(p.replace(":", "")) for p in sent), 2)
voiced = sum(1 for i in range(0, len(pcm) - 1, 2) if pcm[i:i + 2] != b"\0\0")
print("baresip decoded %d samples (%d not zero), rms %d; alice sent %d samples, rms %d" % (
    len(pcm) // 2, voiced, audioop.rms(pcm, 2), len(sent_pcm) // 2, audioop.rms(sent_pcm, 2)))
if voiced < 0.8 * len(sent_pcm) // 2:
    sys.exit("baresip decoded too little audio")
# RMS over the non-silent samples (the jitter buffer adds silence around the speech).
ratio = audioop.rms(pcm, 2) * ((len(pcm) // 2) / max(1, voiced)) ** 0.5 / max(1, audioop.rms(sent_pcm, 2))
if not 0.5 < ratio < 2:
    sys.exit("baresip's decoded audio is not as loud as what alice sent")
# 2. What rtpx decrypted for alice from baresip's SRTP: the 440 Hz tone in plain A-law RTP.
got = subprocess.run(["tshark", "-n", "-r", work + "/alice.pcapng", "-o", "rtp.heuristic_rtp:TRUE",
                      "-Y", "ip.src == %s && rtp" % relay, "-T", "fields", "-e", "rtp.payload"],
                     capture_output=True, text=True).stdout.split()
# Per packet, over the packets that carry sound: under load baresip's audio thread may send a few
# silent frames, and the capture may miss packets; neither says anything about rtpx.
crossings = samples_n = voiced_pkts = 0
for p in got:
    lin = audioop.alaw2lin(bytes.fromhex(p.replace(":", "")), 2)
    if audioop.rms(lin, 2) < 200:
        continue
    s = [int.from_bytes(lin[i:i + 2], "little", signed=True) for i in range(0, len(lin), 2)]
    crossings += sum(1 for a, b in zip(s, s[1:]) if (a < 0) != (b < 0))
    samples_n += len(s)
    voiced_pkts += 1
rate = crossings / max(1, samples_n / 8000)
print("alice got %d RTP packets from rtpx (%d with sound), %.0f zero crossings/s" % (
    len(got), voiced_pkts, rate))
if voiced_pkts < 75 or not 800 < rate < 960:
    sys.exit("alice did not get the tone in clear RTP")
PY
expect_idle 5
pass "RTP/AVP <-> RTP/SAVP bridged: baresip decrypted alice's audio, alice got baresip's tone in clear"
