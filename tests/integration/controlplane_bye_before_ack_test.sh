#!/usr/bin/env bash
# A BYE that arrives before the ACK (a proxy reordered them): alice's UAC sends BYE then ACK for the
# 200; the BYE gets its 200, bob gets a BYE, and the call is gone from rtpx.
# usage: controlplane_bye_before_ack_test.sh RTPX_DATAPLANE RTPX_CONTROLPLANE RTPX   (exit 77: skipped)
source "$(dirname "$0")/controlplane_lib.bash" "$@"
cp_test_up
cap_start
sipp_uas "$(cp_scenario uas_answer_wait_bye.xml)" -m 1
rtpx_in alice "$RTPX_PY" "$CP_TEST_HERE/controlplane_sip.py" bye-before-ack --local "$RTPX_ALICE_IP" \
    --proxy "$RTPX_CORE_A_SIP:5060" --uri "sip:bob-1@$RTPX_BOB_IP" --media "$RTPX_ALICE_IP:6000" \
    || fail "the BYE sent before the ACK got no 200"
wait_ok "$UAS_PID" "bob got no BYE"
cap_stop
sip_lines bob | grep -q '^BYE' || fail "no BYE at bob"
expect_idle 5
pass "BYE before ACK: 200, propagated, nothing left"
