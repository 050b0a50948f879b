#!/usr/bin/env bash
# Black-box tests of `rtpx decode sdp` (issue 4's contract): JSON keys and values for the SDP
# fixtures, the three input forms, and the error format and exit status of invalid input.
# Usage: sdp_decode_test.sh RTPX PCAPGEN DATA_DIR
set -uo pipefail
rtpx=$1 data=$3/sdp
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

source "$(dirname "${BASH_SOURCE[0]}")/check_lib.bash"

# --- an SBC offer with SDES-SRTP ------------------------------------------------------------------
"$rtpx" decode sdp --file "$data/sbc_srtp_offer.sdp" > "$work/sbc.json"
check "decode sdp --file exits 0" test $? -eq 0
check "one line of JSON" test "$(wc -l < "$work/sbc.json")" -eq 1
check "origin and session" json_expect "$work/sbc.json" \
  'j["origin"]["username"]=="SBC" and j["origin"]["sess_version"]==1732000001 and j["session_name"]=="SBC" and j["connection"]["address"]=="192.0.2.10" and j["bandwidths"]==[{"type":"AS","value":84}] and j["timing"][0]["start"]==0'
check "media line" json_expect "$work/sbc.json" \
  '(m:=j["media"][0]) is not None and m["media"]=="audio" and m["port"]==30000 and m["proto"]=="RTP/SAVP" and m["formats"]==["8","0","18","101"] and m["direction"]=="sendrecv" and m["rejected"] is False'
check "payloads merge rtpmap and fmtp" json_expect "$work/sbc.json" \
  '(p:=j["media"][0]["payloads"]) is not None and [x["pt"] for x in p]==[8,0,18,101] and p[0]["encoding"]=="PCMA" and p[2]["fmtp"]=="annexb=no" and p[3]["encoding"]=="telephone-event" and p[3]["fmtp"]=="0-16" and p[1]["fmtp"] is None'
check "crypto, rtcp, ptime" json_expect "$work/sbc.json" \
  '(m:=j["media"][0]) is not None and len(m["crypto"])==2 and m["crypto"][0]["tag"]==1 and m["crypto"][0]["suite"]=="AES_CM_128_HMAC_SHA1_80" and m["crypto"][1]["session_params"]=="UNENCRYPTED_SRTCP" and m["rtcp"]=={"port":30001,"address":"192.0.2.10"} and m["ptime"]==20 and m["maxptime"]==40 and m["rtcp_mux"] is False'

# --- a WebRTC offer, from standard input ----------------------------------------------------------
"$rtpx" decode sdp - < "$data/webrtc_offer.sdp" > "$work/webrtc.json"
check "decode sdp - exits 0" test $? -eq 0
check "BUNDLE group" json_expect "$work/webrtc.json" \
  'j["groups"]==[{"semantics":"BUNDLE","mids":["0","1"]}] and j["extmap_allow_mixed"] is True'
check "audio ICE/DTLS and mux" json_expect "$work/webrtc.json" \
  '(a:=j["media"][0]) is not None and a["mid"]=="0" and a["ice_ufrag"]=="5sJX" and a["setup"]=="actpass" and a["fingerprint"]["hash"]=="sha-256" and a["candidates"]==2 and a["end_of_candidates"] is True and a["rtcp_mux"] is True and a["rtcp_rsize"] is True and a["rtcp"]["port"]==9'
check "audio extmaps, ssrc" json_expect "$work/webrtc.json" \
  '(a:=j["media"][0]) is not None and [e["id"] for e in a["extmaps"]]==[1,2,3,4] and a["ssrcs"]==[{"ssrc":1001,"attributes":{"cname":"4TOk42mSjXCkVIa6","msid":"stream1 track-audio"}}] and a["payloads"][0]["encoding"]=="opus" and a["payloads"][0]["channels"]==2 and a["payloads"][0]["rtcp_fb"]==["transport-cc"]'
check "video simulcast, rids, ssrc-group, extmap direction" json_expect "$work/webrtc.json" \
  '(v:=j["media"][1]) is not None and v["direction"]=="sendonly" and v["simulcast"]=={"send":"h;m;~l","recv":""} and [r["id"] for r in v["rids"]]==["h","m","l"] and v["ssrc_groups"]==[{"semantics":"FID","ssrcs":[2001,2002]}] and v["extmaps"][4]=={"id":5,"direction":"sendonly","uri":"http://www.webrtc.org/experiments/rtp-hdrext/playout-delay"} and "nack pli" in v["payloads"][0]["rtcp_fb"]'

# --- RFC 8866 section 5, as hex -------------------------------------------------------------------
hex=$(python3 -c "import sys; print(open(sys.argv[1],'rb').read().hex())" "$data/rfc8866_5.sdp")
"$rtpx" decode sdp --hex "$hex" > "$work/rfc8866.json"
check "decode sdp --hex exits 0" test $? -eq 0
check "RFC 8866 example" json_expect "$work/rfc8866.json" \
  'j["session_name"]=="Call to John Smith" and j["uri"]=="http://www.jdoe.example.com/home.html" and j["emails"]==["Jane Doe <jane@jdoe.example.com>"] and len(j["media"])==3 and j["media"][2]["connection"]["addrtype"]=="IP6" and j["media"][2]["payloads"][0]["encoding"]=="h263-1998" and j["media"][0]["payloads"][0]["encoding"]=="PCMU"'

# --- invalid input: exit 1, nothing on stdout, one line "error: <what> at byte <n>" ------------------
invalid() {  # invalid NAME SDP-TEXT EXPECTED-STDERR
  local out err status
  out=$(printf '%b' "$2" | "$rtpx" decode sdp - 2>"$work/err"); status=$?
  err=$(cat "$work/err")
  if [ $status -eq 1 ] && [ -z "$out" ] && [ "$err" = "$3" ]; then
    passed=$((passed + 1))
  else
    echo "FAIL: $1 (status $status, stdout '$out', stderr '$err')"; failed=$((failed + 1))
  fi
}
head='v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n'  # 36 bytes
invalid "v= not first" 's=-\r\n' "error: v= line: must be the first line at byte 0"
invalid "no o=" 'v=0\r\ns=-\r\n' "error: o= line missing at byte 10"
invalid "bad port" "${head}c=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 99999 RTP/AVP 0\r\n" "error: m= line: bad port at byte 71"
invalid "no c=" "${head}t=0 0\r\nm=audio 4000 RTP/AVP 0\r\n" "error: m= line: no c= line in the media section or the session at byte 43"
invalid "bad rtpmap" "${head}a=rtpmap:96 opus/x\r\n" "error: a=rtpmap: bad clock rate at byte 53"
invalid "bad crypto" "${head}a=crypto:1 AES_CM_128_HMAC_SHA1_80\r\n" "error: a=crypto: bad key params at byte 70"
out=$("$rtpx" decode sdp --hex "7g" 2>"$work/err"); status=$?
check "bad hex exits 1" test $status -eq 1 -a -z "$out"
check "bad hex message" grep -qx "error: invalid hex digit at byte 1" "$work/err"

# --- usage errors: 2 ------------------------------------------------------------------------------
"$rtpx" decode sdp > /dev/null 2>&1
check "no input is a usage error" test $? -eq 2
"$rtpx" decode sdp --hex 76 --file x > /dev/null 2>&1
check "two inputs are a usage error" test $? -eq 2

echo "sdp_decode_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
