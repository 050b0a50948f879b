#!/usr/bin/env bash
# Black-box tests of `rtpx decode sip` (issue 4's contract): JSON keys and values for RFC fixtures,
# the three input forms, and the exact error line and exit status for messages that are not SIP.
# Usage: sip_decode_test.sh RTPX PCAPGEN DATA_DIR
set -uo pipefail
rtpx=$1 data=$3/sip
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

source "$(dirname "${BASH_SOURCE[0]}")/check_lib.bash"

# --- a request with SDP (RFC 3665 3.1 F1) from a file ----------------------------------------------
"$rtpx" decode sip --file "$data/rfc3665/3.1_f1_invite.sip" > "$work/f1.json"
check "decode sip F1 exits 0" test $? -eq 0
check "F1 start line" json_expect "$work/f1.json" \
  'j["kind"]=="request" and j["method"]=="INVITE" and j["request_uri"]=="sip:bob@biloxi.example.com" and "status" not in j'
check "F1 headers in order with canonical names" json_expect "$work/f1.json" \
  '[h["name"] for h in j["headers"]]==["Via","Max-Forwards","From","To","Call-ID","CSeq","Contact","Content-Type","Content-Length"] and j["headers"][1]["value"]=="70"'
check "F1 via" json_expect "$work/f1.json" \
  'j["via"]==[{"protocol":"SIP/2.0","transport":"TCP","host":"client.atlanta.example.com","port":5060,"branch":"z9hG4bK74bf9","received":None,"rport":None,"maddr":None,"ttl":None}]'
check "F1 from/to" json_expect "$work/f1.json" \
  'j["from"]=={"uri":"sip:alice@atlanta.example.com","display_name":"Alice","tag":"9fxced76sl"} and j["to"]["tag"] is None and j["to"]["display_name"]=="Bob"'
check "F1 scalar fields" json_expect "$work/f1.json" \
  'j["call_id"]=="3848276298220188511@atlanta.example.com" and j["cseq"]=={"seq":1,"method":"INVITE"} and j["max_forwards"]==70 and j["content_length"]==151 and j["content_type"]=="application/sdp" and j["body_length"]==151'
check "F1 contact, route, record_route" json_expect "$work/f1.json" \
  'j["contact"]==[{"uri":"sip:alice@client.atlanta.example.com;transport=tcp","display_name":None,"expires":None,"q":None}] and j["route"]==[] and j["record_route"]==[]'

# --- a response, from standard input and as hex ----------------------------------------------------
"$rtpx" decode sip - < "$data/rfc3665/3.1_f2_180.sip" > "$work/f2.json"
check "decode sip from stdin" json_expect "$work/f2.json" \
  'j["kind"]=="response" and j["status"]==180 and j["reason"]=="Ringing" and "method" not in j and j["via"][0]["received"]=="192.0.2.101" and j["to"]["tag"]=="8321234356"'
hex=$(python3 -c "import sys; print(open(sys.argv[1],'rb').read().hex())" "$data/rfc3665/3.1_f4_ack.sip")
"$rtpx" decode sip --hex "$hex" > "$work/f4.json"
check "decode sip from hex" json_expect "$work/f4.json" 'j["method"]=="ACK" and j["cseq"]["method"]=="ACK" and j["body_length"]==0'

# --- RFC 4475 3.1.1.1: folding, compact forms, lists ------------------------------------------------
"$rtpx" decode sip --file "$data/rfc4475/wsinv.sip" > "$work/wsinv.json"
check "wsinv via list" json_expect "$work/wsinv.json" \
  '[v["host"] for v in j["via"]]==["192.0.2.2","spindle.example.com","192.168.255.111"] and j["max_forwards"]==68'
check "wsinv compact names are canonical, unknown kept" json_expect "$work/wsinv.json" \
  '[h["name"] for h in j["headers"]][-4:]==["Content-Type","Route","Via","Contact"] and j["headers"][8]["name"]=="NewFangledHeader" and j["headers"][8]["value"]=="newfangled value continued newfangled value"'
check "wsinv contact q and route" json_expect "$work/wsinv.json" \
  'j["contact"][0]["q"]==0.33 and j["route"][0]["uri"].startswith("sip:services.example.com;lr")'

# Contact: * (RFC 3261 10.2.2).
printf 'REGISTER sip:r.example.com SIP/2.0\r\nVia: SIP/2.0/UDP [2001:db8::1]:5062;branch=z9hG4bK1;rport\r\nTo: <sip:a@example.com>\r\nFrom: <sip:a@example.com>;tag=1\r\nCall-ID: x\r\nCSeq: 2 REGISTER\r\nContact: *\r\nExpires: 0\r\nContent-Length: 0\r\n\r\n' > "$work/star.sip"
"$rtpx" decode sip --file "$work/star.sip" > "$work/star.json"
check "contact star, IPv6 via, rport flag" json_expect "$work/star.json" \
  'j["contact"]==["*"] and j["via"][0]["host"]=="2001:db8::1" and j["via"][0]["port"]==5062 and j["via"][0]["rport"] is True'

# --- invalid input: exit 1, nothing on stdout, one line "error: <what> at byte <n>" -----------------
invalid() {  # invalid NAME EXPECTED-STDERR ARGS...
  local name=$1 expected=$2; shift 2
  local out err status
  out=$("$rtpx" decode sip "$@" 2>"$work/err"); status=$?
  err=$(cat "$work/err")
  if [ $status -eq 1 ] && [ -z "$out" ] && [ "$(wc -l < "$work/err")" -eq 1 ] && [ "$err" = "$expected" ]; then
    passed=$((passed + 1))
  else
    echo "FAIL: $name (status $status, stdout '$out', stderr '$err', expected '$expected')"; failed=$((failed + 1))
  fi
}
invalid "lwsstart" "error: empty Request-URI or extra space at byte 7" --file "$data/rfc4475/lwsstart.sip"
invalid "clerr" "error: body shorter than Content-Length at byte 498" --file "$data/rfc4475/clerr.sip"
invalid "ncl" "error: bad Content-Length at byte 326" --file "$data/rfc4475/ncl.sip"
invalid "quotbal" "error: unterminated quoted display name at byte 41" --file "$data/rfc4475/quotbal.sip"
invalid "bigcode" "error: bad status code at byte 8" --file "$data/rfc4475/bigcode.sip"
invalid "not SIP" "error: no end of start line at byte 8" --hex "48 54 54 50 2f 31 2e 31"
invalid "bad hex" "error: invalid hex digit at byte 1" --hex "4z"
invalid "truncated" "error: no end of header section at byte 33" --hex "$(printf 'OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n' | python3 -c 'import sys; print(sys.stdin.buffer.read().hex())')"

# An application/sdp body is decoded as `rtpx decode sdp` would (its "sdp" key).
sdp_origin=$("$rtpx" decode sip --file "$data/rfc3665/3.1_f1_invite.sip" | python3 -c 'import json,sys; print(json.load(sys.stdin)["sdp"]["origin"]["address"])')
check "INVITE body decoded as SDP" test "$sdp_origin" = "client.atlanta.example.com"

# Usage errors exit 2.
"$rtpx" decode sip >/dev/null 2>&1; check "no input is a usage error" test $? -eq 2
"$rtpx" decode sip --hex 00 --file x >/dev/null 2>&1; check "two inputs is a usage error" test $? -eq 2

echo "passed $passed, failed $failed"
[ "$failed" -eq 0 ]
