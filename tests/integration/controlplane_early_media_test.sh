#!/usr/bin/env bash
# Early media: bob answers 183 with SDP and streams RTP at once, then 200 two seconds later. The
# flows must be programmed on the 183: alice receives bob's RTP from rtpx before the 200 reaches
# her, and all 50 packets each way arrive.
# usage: controlplane_early_media_test.sh RTPX_DATAPLANE RTPX_CONTROLPLANE RTPX   (exit 77: skipped)
source "$(dirname "$0")/controlplane_lib.bash" "$@"
cp_test_up
cap_start
sipp_uas "$(cp_scenario uas_early.xml)" -m 1
sipp_uac "$(cp_scenario uac_early.xml)" bob -m 1 || fail "sipp UAC: no 183, no 200 or no BYE 200"
wait_ok "$UAS_PID" "sipp UAS"
cap_stop
account --expect-per-stream $CP_TEST_PKTS
[[ $(total ok) == 1 && $(total lost) == 0 && $(total rtp_out) == $((2 * CP_TEST_PKTS)) ]] || fail "counts"
# Frame numbers at alice: the first RTP packet from rtpx's media address, the 200 to the INVITE.
read -r first_rtp answer < <(tshark -n -r "$W/alice.pcapng" -T fields -E separator=' ' \
    -e frame.number -e ip.src -e sip.Status-Code -e sip.CSeq.method | "$RTPX_PY" -c '
import sys
rtp = ok = None
for line in sys.stdin:
    f = line.split()
    if rtp is None and len(f) == 2 and f[1] == "'"$RTPX_MEDIA_A"'": rtp = int(f[0])
    if ok is None and len(f) == 4 and f[2] == "200" and f[3] == "INVITE": ok = int(f[0])
print(rtp, ok)')
[[ $first_rtp != None && $answer != None && $first_rtp -lt $answer ]] \
    || fail "no early media: first RTP at alice is frame $first_rtp, the 200 frame $answer"
expect_idle 5
pass "early media relayed before the 200 (frame $first_rtp < $answer), exact counts"
