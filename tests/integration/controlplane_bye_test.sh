#!/usr/bin/env bash
# BYE from either side: a call that bob (the callee) ends, then one that alice (the caller) ends;
# each BYE reaches the other party and gets its 200, RTP counts are exact, nothing is left.
# usage: controlplane_bye_test.sh RTPX_DATAPLANE RTPX_CONTROLPLANE RTPX   (exit 77: skipped)
source "$(dirname "$0")/controlplane_lib.bash" "$@"
cp_test_up
cap_start
sipp_uas "$(cp_scenario uas_bye.xml)" -m 1
sipp_uac "$(cp_scenario uac_wait_bye.xml)" bob -m 1 || fail "callee BYE: alice got no BYE"
wait_ok "$UAS_PID" "callee BYE: bob's BYE got no 200"
expect_idle 5
sipp_uas "$(cp_scenario "$CP_TEST_ROOT/deploy/demo/uas_pcap.xml")" -m 1
sipp_uac "$(cp_scenario "$CP_TEST_ROOT/deploy/demo/uac_pcap.xml")" bob -m 1 || fail "caller BYE failed"
wait_ok "$UAS_PID" "caller BYE: bob got no BYE"
cap_stop
account --expect-per-stream $CP_TEST_PKTS
[[ $(total calls) == 2 && $(total ok) == 2 && $(total lost) == 0 ]] || fail "counts"
[[ $(total rtp_out) == $((4 * CP_TEST_PKTS)) ]] || fail "rtp_out $(total rtp_out)"
expect_idle 5
pass "BYE from the callee and from the caller, exact counts"
