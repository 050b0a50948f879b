#!/usr/bin/env bash
# Overload: with [limits] max_calls = 2, a third call while two are up is refused with 503 and a
# Retry-After header, and never reaches bob; the two calls complete with exact RTP counts, and a
# call placed after them is accepted again.
# usage: controlplane_overload_test.sh RTPX_DATAPLANE RTPX_CONTROLPLANE RTPX   (exit 77: skipped)
source "$(dirname "$0")/controlplane_lib.bash" "$@"
cp_test_up max_calls=2
cap_start
sipp_uas "$(cp_scenario "$CP_TEST_ROOT/deploy/demo/uas_pcap.xml")" -m 3
sipp_uac_bg "$(cp_scenario "$CP_TEST_ROOT/deploy/demo/uac_pcap.xml")" bob -m 2 -l 2 -r 10
sleep 1
CP_UAC_MP=6100 sipp_uac "$(cp_scenario uac_expect_503.xml)" over -m 1 || fail "the third call did not get 503 with Retry-After"
wait_ok "$UAC_PID" "the two calls under the limit failed"
expect_idle 5
sipp_uac "$(cp_scenario "$CP_TEST_ROOT/deploy/demo/uac_pcap.xml")" again -m 1 || fail "a call after the overload failed"
wait_ok "$UAS_PID" "sipp UAS"
cap_stop
sip_lines bob | grep -c '^INVITE' | grep -qx 3 || fail "bob saw $(sip_lines bob | grep -c '^INVITE') INVITEs, expected 3"
account --expect-per-stream $CP_TEST_PKTS --pcap-users ""
[[ $(total ok) == 3 && $(total failed) == 1 && $(total lost) == 0 ]] || fail "counts"
[[ $(total rtp_out) == $((6 * CP_TEST_PKTS)) ]] || fail "rtp_out $(total rtp_out)"
pass "503 with Retry-After over max_calls, other calls exact"
