#!/usr/bin/env bash
# Media inactivity ends the call: with [limits] media_timeout_s = 2, a call whose RTP stops (both
# sides replay 1.5 s of audio and then stay silent) is ended by rtpx with a BYE to both parties.
# usage: controlplane_inactivity_test.sh RTPX_DATAPLANE RTPX_CONTROLPLANE RTPX   (exit 77: skipped)
source "$(dirname "$0")/controlplane_lib.bash" "$@"
cp_test_up media_timeout_s=2
cap_start
sipp_uas "$(cp_scenario "$CP_TEST_ROOT/deploy/demo/uas_pcap.xml")" -m 1
sipp_uac "$(cp_scenario uac_wait_bye.xml)" bob -m 1 || fail "alice got no BYE after the media stopped"
wait_ok "$UAS_PID" "bob got no BYE after the media stopped"
cap_stop
sip_lines alice | grep -q '^BYE' || fail "no BYE at alice"
sip_lines bob | grep -q '^BYE' || fail "no BYE at bob"
expect_idle 5
pass "inactivity: BYE to both legs, nothing left"
