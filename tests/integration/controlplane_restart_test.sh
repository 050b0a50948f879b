#!/usr/bin/env bash
# kill -9 of the control plane mid-call: the data plane keeps relaying (no RTP lost on the
# established flows: 236 packets each way arrive), a restarted control plane rebuilds the call from
# its journal and reattaches the data plane's flows, and alice's BYE after the restart reaches bob,
# gets its 200 and removes the flows.
# usage: controlplane_restart_test.sh RTPX_DATAPLANE RTPX_CONTROLPLANE RTPX   (exit 77: skipped)
source "$(dirname "$0")/controlplane_lib.bash" "$@"
# The demo config keeps no journal: this test adds one (cp_test_config moves its path into $W).
grep -q '^\[journal\]' "$CP_TEST_ROOT/deploy/demo/controlplane.toml" || CP_TEST_EXTRA_TOML='[journal]
path = "/run/rtpx/journal"'
cp_test_up
cap_start
sipp_uas "$(cp_scenario "$CP_TEST_ROOT/deploy/demo/uas_pcap.xml" full)" -m 1
sipp_uac_bg "$(cp_scenario "$CP_TEST_ROOT/deploy/demo/uac_pcap.xml" full)" bob -m 1
sleep 2
[[ $(cp_active_calls) == 1 ]] || fail "no call up before the kill"
kill -KILL "$RTPX_CP_PID"
wait "$RTPX_CP_PID" 2>/dev/null || true
RTPX_CP_PID=""
sleep 1
[[ $(dp_flow_count) -gt 0 ]] || fail "the flows went away with the control plane"
rtpx_cp_start "$CP_TEST_CP" "$W/controlplane.toml" || fail "rtpx-controlplane did not restart"
[[ $(cp_active_calls) == 1 ]] || fail "the restarted control plane does not know the call"
wait_ok "$UAC_PID" "the BYE after the restart failed"
wait_ok "$UAS_PID" "bob got no BYE after the restart"
cap_stop
account --expect-per-stream 236
[[ $(total ok) == 1 && $(total lost) == 0 && $(total rtp_out) == 472 ]] || fail "RTP lost across the restart"
expect_idle 5
pass "kill -9 mid-call: no RTP lost, call restored from the journal, BYE after the restart tears down"
