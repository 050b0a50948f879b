#!/usr/bin/env bash
# CANCEL propagates: alice cancels while bob rings; bob gets the CANCEL (200) and answers the INVITE
# 487, which reaches alice (she ACKs it); no flow and no call are left, and no RTP flowed.
# usage: controlplane_cancel_test.sh RTPX_DATAPLANE RTPX_CONTROLPLANE RTPX   (exit 77: skipped)
source "$(dirname "$0")/controlplane_lib.bash" "$@"
cp_test_up
cap_start
sipp_uas "$(cp_scenario uas_cancel.xml)" -m 1
sipp_uac "$(cp_scenario uac_cancel.xml)" bob -m 1 || fail "sipp UAC: no 200 to the CANCEL or no 487"
wait_ok "$UAS_PID" "sipp UAS: no CANCEL or no ACK to the 487"
cap_stop
sip_lines bob | grep -q '^CANCEL' || fail "bob saw no CANCEL"
sip_lines alice | grep -q '^487 INVITE' || fail "alice saw no 487"
expect_idle 5
pass "CANCEL: 200 and 487 on both legs, nothing left"
