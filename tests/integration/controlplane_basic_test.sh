#!/usr/bin/env bash
# rtpx-controlplane end to end on the demo topology (deploy/demo/topology.bash, namespaces unique to
# this run): one call from a sipp UAC in alice to a sipp UAS in bob through the B2BUA, each side
# replaying 50 RTP packets of g711a.pcap. Checks: the call completes (INVITE 200, BYE 200 on both
# legs), the B leg's SDP names the data plane's bob-side address, exactly 50 packets each way leave
# the senders and reach the receivers from rtpx's media addresses (captures on alice's and bob's
# own interfaces, `rtpx decode pcap --summary`), and afterwards no flow is left in the data plane,
# no call in /calls, and one call record was written.
# usage: controlplane_basic_test.sh RTPX_DATAPLANE RTPX_CONTROLPLANE RTPX   (exit 77: skipped)
source "$(dirname "$0")/controlplane_lib.bash" "$@"
cp_test_up
cap_start
sipp_uas "$(cp_scenario "$CP_TEST_ROOT/deploy/demo/uas_pcap.xml")" -m 1
sipp_uac "$(cp_scenario "$CP_TEST_ROOT/deploy/demo/uac_pcap.xml")" bob -m 1 || fail "sipp UAC: the call failed"
wait_ok "$UAS_PID" "sipp UAS"
cap_stop
account --expect-per-stream $CP_TEST_PKTS
[[ $(total calls) == 1 && $(total ok) == 1 ]] || fail "the call did not complete"
[[ $(total rtp_in) == $((2 * CP_TEST_PKTS)) ]] || fail "sent $(total rtp_in), expected $((2 * CP_TEST_PKTS))"
[[ $(total rtp_out) == $((2 * CP_TEST_PKTS)) && $(total lost) == 0 ]] || fail "received $(total rtp_out)"
grep -q "alice->bob $CP_TEST_PKTS/$CP_TEST_PKTS .*bob->alice $CP_TEST_PKTS/$CP_TEST_PKTS" <<<"$ACCOUNT" \
    || fail "per-direction counts"
tshark -n -r "$W/bob.pcapng" -Y 'sip.Method == "INVITE"' -T fields -E occurrence=f -e sdp.connection_info.address \
    | grep -qx "$RTPX_MEDIA_B" || fail "bob's INVITE does not name $RTPX_MEDIA_B"
expect_idle 5
if [[ -f $W/calls.jsonl ]]; then
    [[ $(grep -c . "$W/calls.jsonl") == 1 ]] || fail "call records: $(cat "$W/calls.jsonl")"
fi
pass "call through the B2BUA, $CP_TEST_PKTS RTP packets each way, exact counts, flows removed"
