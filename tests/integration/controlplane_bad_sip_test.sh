#!/usr/bin/env bash
# Bad SIP input gets the right answer and disturbs nothing else. While a call is up (sipp, 236 RTP
# packets each way), alice sends the control plane (RFC 3261 sections in brackets):
#   CSeq method differing from the request's -> 400 [8.1.1.5]; Max-Forwards: 0 -> 483 [16.3 step 3];
#   an unknown method FOO -> 501 [8.2.1; RFC 4475 3.1.2.18]; a BYE for no dialog -> 481 [12.2.2];
#   Require: an unknown extension -> 420 with Unsupported [8.2.2.3]; a request-URI scheme it does not
#   serve -> 416 [8.2.2.1]; SIP/3.0 -> 505 [8.2; 21.5.6]; an INVITE whose SDP has no usable media
#   line -> 488 [21.4.26; RFC 3264 6]; an INVITE without Call-ID -> 400, or dropped (no transaction
#   can be formed without it) [8.1.1]; bytes that are not SIP, and a stray response -> no answer
#   [18.1.2].
# The call must complete with exact counts, and the control plane must still answer /metrics.
# usage: controlplane_bad_sip_test.sh RTPX_DATAPLANE RTPX_CONTROLPLANE RTPX   (exit 77: skipped)
source "$(dirname "$0")/controlplane_lib.bash" "$@"
cp_test_up
cap_start
sipp_uas "$(cp_scenario "$CP_TEST_ROOT/deploy/demo/uas_pcap.xml" full)" -m 1
sipp_uac_bg "$(cp_scenario "$CP_TEST_ROOT/deploy/demo/uac_pcap.xml" full)" bob -m 1
sleep 1.5

A=$RTPX_ALICE_IP
via="Via: SIP/2.0/UDP $A:@PORT@;branch=z9hG4bK"
from="From: <sip:alice@$A>;tag=bad"
to="To: <sip:probe-9@$RTPX_BOB_IP>"
crlf='\r\n'
expect() {   # expect "what" "status regex" message
    local got
    got=$(sip_probe "$3")
    got=${got%%$'\n'*}   # the status line
    [[ $got =~ $2 ]] || fail "$1: got '${got:-no answer}', expected $2"
    echo "  $1: ${got:-no answer}"
}
expect "CSeq method mismatch" '^SIP/2.0 400 ' \
    "INVITE sip:probe-9@$RTPX_BOB_IP SIP/2.0${crlf}${via}b1${crlf}Max-Forwards: 70${crlf}$from${crlf}$to${crlf}Call-ID: b1@$A${crlf}CSeq: 1 BYE${crlf}Contact: <sip:alice@$A:@PORT@>${crlf}Content-Length: 0${crlf}${crlf}"
expect "Max-Forwards: 0" '^SIP/2.0 483 ' \
    "INVITE sip:probe-9@$RTPX_BOB_IP SIP/2.0${crlf}${via}b2${crlf}Max-Forwards: 0${crlf}$from${crlf}$to${crlf}Call-ID: b2@$A${crlf}CSeq: 1 INVITE${crlf}Contact: <sip:alice@$A:@PORT@>${crlf}Content-Length: 0${crlf}${crlf}"
expect "unknown method" '^SIP/2.0 501 ' \
    "FOO sip:probe-9@$RTPX_BOB_IP SIP/2.0${crlf}${via}b3${crlf}Max-Forwards: 70${crlf}$from${crlf}$to${crlf}Call-ID: bad3@$A${crlf}CSeq: 1 FOO${crlf}Content-Length: 0${crlf}${crlf}"
expect "BYE for no dialog" '^SIP/2.0 481 ' \
    "BYE sip:probe-9@$RTPX_BOB_IP SIP/2.0${crlf}${via}b4${crlf}Max-Forwards: 70${crlf}$from${crlf}$to;tag=nodialog${crlf}Call-ID: bad4@$A${crlf}CSeq: 2 BYE${crlf}Content-Length: 0${crlf}${crlf}"
expect "Require: an unknown extension" '^SIP/2.0 420 ' \
    "INVITE sip:probe-9@$RTPX_BOB_IP SIP/2.0${crlf}${via}b6${crlf}Max-Forwards: 70${crlf}$from${crlf}$to${crlf}Call-ID: b6@$A${crlf}CSeq: 1 INVITE${crlf}Contact: <sip:alice@$A:@PORT@>${crlf}Require: rtpx-no-such-extension${crlf}Content-Length: 0${crlf}${crlf}"
expect "request-URI scheme" '^SIP/2.0 416 ' \
    "INVITE xyz:probe-9@$RTPX_BOB_IP SIP/2.0${crlf}${via}b8${crlf}Max-Forwards: 70${crlf}$from${crlf}$to${crlf}Call-ID: b8@$A${crlf}CSeq: 1 INVITE${crlf}Contact: <sip:alice@$A:@PORT@>${crlf}Content-Length: 0${crlf}${crlf}"
expect "SIP/3.0" '^SIP/2.0 505 ' \
    "INVITE sip:probe-9@$RTPX_BOB_IP SIP/3.0${crlf}${via}b9${crlf}Max-Forwards: 70${crlf}$from${crlf}$to${crlf}Call-ID: b9@$A${crlf}CSeq: 1 INVITE${crlf}Contact: <sip:alice@$A:@PORT@>${crlf}Content-Length: 0${crlf}${crlf}"
expect "INVITE without Call-ID" '^(SIP/2.0 400 .*)?$' \
    "INVITE sip:probe-9@$RTPX_BOB_IP SIP/2.0${crlf}${via}b10${crlf}Max-Forwards: 70${crlf}$from${crlf}$to${crlf}CSeq: 1 INVITE${crlf}Contact: <sip:alice@$A:@PORT@>${crlf}Content-Length: 0${crlf}${crlf}"
sdp="v=0${crlf}o=- 1 1 IN IP4 $A${crlf}s=-${crlf}c=IN IP4 $A${crlf}t=0 0${crlf}m=audio${crlf}"
expect "unusable SDP" '^SIP/2.0 488 ' \
    "INVITE sip:probe-9@$RTPX_BOB_IP SIP/2.0${crlf}${via}b5${crlf}Max-Forwards: 70${crlf}$from${crlf}$to${crlf}Call-ID: bad5@$A${crlf}CSeq: 1 INVITE${crlf}Contact: <sip:alice@$A:@PORT@>${crlf}Content-Type: application/sdp${crlf}Content-Length: $(printf "$sdp" | wc -c)${crlf}${crlf}$sdp"
expect "not SIP" '^$' $'\x16\x03\x01\x00\x05hello'
expect "stray response" '^$' "SIP/2.0 200 OK${crlf}${via}b7${crlf}$from${crlf}$to;tag=x${crlf}Call-ID: bad7@$A${crlf}CSeq: 1 INVITE${crlf}Content-Length: 0${crlf}${crlf}"

wait_ok "$UAC_PID" "the call in progress failed"
wait_ok "$UAS_PID" "sipp UAS"
cap_stop
rtpx_http /metrics >/dev/null || fail "no /metrics after the bad input"
account --expect-per-stream 236 --ignore probe
[[ $(total ok) == 1 && $(total lost) == 0 && $(total rtp_out) == 472 ]] || fail "the call in progress was disturbed"
expect_idle 5
pass "bad SIP answered 400/483/501/481/420/416/505/488 or ignored; the call in progress kept exact counts"
