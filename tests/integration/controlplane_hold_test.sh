#!/usr/bin/env bash
# re-INVITE hold and resume: alice puts bob on hold (a=sendonly) and resumes (a=sendrecv); both
# re-INVITEs reach bob with the direction kept and get their 200s; after the resume 50 RTP packets
# each way arrive through rtpx.
# usage: controlplane_hold_test.sh RTPX_DATAPLANE RTPX_CONTROLPLANE RTPX   (exit 77: skipped)
source "$(dirname "$0")/controlplane_lib.bash" "$@"
cp_test_up
cap_start
sipp_uas "$(cp_scenario uas_hold.xml)" -m 1
sipp_uac "$(cp_scenario uac_hold.xml)" bob -m 1 || fail "sipp UAC: a re-INVITE or the BYE failed"
wait_ok "$UAS_PID" "sipp UAS"
cap_stop
dirs=$(tshark -n -r "$W/bob.pcapng" -Y 'sip.Method == "INVITE"' -T fields -E occurrence=a \
    -e sdp.media_attr | grep -o 'sendonly\|sendrecv\|recvonly\|inactive' | tr '\n' ' ')
[[ $dirs == "sendrecv sendonly sendrecv " ]] || fail "directions of bob's INVITEs: $dirs"
account --expect-per-stream $CP_TEST_PKTS
[[ $(total ok) == 1 && $(total lost) == 0 && $(total rtp_out) == $((2 * CP_TEST_PKTS)) ]] || fail "counts"
expect_idle 5
pass "hold (sendonly) and resume (sendrecv) passed to bob; RTP after the resume, exact counts"
