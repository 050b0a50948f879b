#!/usr/bin/env bash
# rtpx-dataplane SRTP end to end in network namespaces (same topology as dataplane_relay_test.sh):
#
#   alice (10.77.1.2) ==veth== [core: rtpx-dataplane on net_af_packet, 10.77.1.1 | 10.77.2.1] ==veth== bob (10.77.2.2)
#
# Flows programmed with `rtpx flow add` (SRTP parameters in the JSON file):
#   10.77.1.1:30000  RTP -> SRTP (AES_CM_128_HMAC_SHA1_80, bob's key)       -> 10.77.2.2:5004
#   10.77.1.1:30010  SRTP (AEAD_AES_128_GCM, alice's key) -> SRTP re-keyed
#                    (AES_256_CM_HMAC_SHA1_80, bob's second key), strict source learned -> 10.77.2.2:5006
# Checks: what bob captures decrypts with bob's key through `rtpx srtp unprotect --backend libsrtp2`
# into exactly the packets alice's RTP peer generated; packets with a flipped tag bit are dropped,
# counted as srtp_auth and srtp_auth_failures, and never latch; exact counts in `rtpx flows --json`.
# Namespaces and files are removed on every exit.
#
# usage: dataplane_srtp_test.sh RTPX_DATAPLANE RTPX        (exit 77: skipped, not root / no ip)
TAG=dp-srtp
VETH=sr
source "$(dirname "$0")/netns_lib.bash"
# SDES-style key (base64 of master key || master salt) from the JSON's hex key and salt.
b64() { "$PY" -c "import base64,sys; print(base64.b64encode(bytes.fromhex(sys.argv[1] + sys.argv[2])).decode())" "$1" "$2"; }

topology_up
start_dataplane '"10.77.1.1"' '"10.77.2.1"' "srtp_failure_threshold = 5"
# ARP both ways: the data plane learns the peers' MACs (the flows have no next_hop_mac).
peer "$A" ping 10.77.1.1 || fail "alice cannot ping 10.77.1.1"
peer "$B" ping 10.77.2.1 || fail "bob cannot ping 10.77.2.1"

ALICE_KEY=000102030405060708090a0b0c0d0e0f
ALICE_SALT=a0a1a2a3a4a5a6a7a8a9aaab
BOB_KEY=f0e0d0c0b0a090807060504030201000
BOB_SALT=c0c1c2c3c4c5c6c7c8c9cacbcccd
BOB2_KEY=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
BOB2_SALT=d0d1d2d3d4d5d6d7d8d9dadbdcdd
cat >"$WORK/flows.json" <<JSON
{"flows": [
  {"local": "10.77.1.1:30000", "egress_source": "10.77.2.1:30002",
   "egress_destination": "10.77.2.2:5004", "cookie": 1,
   "srtp_egress": {"suite": "AES_CM_128_HMAC_SHA1_80", "master_key": "$BOB_KEY",
                   "master_salt": "$BOB_SALT"}},
  {"local": "10.77.1.1:30010", "latching": "strict", "egress_source": "10.77.2.1:30012",
   "egress_destination": "10.77.2.2:5006", "cookie": 2,
   "srtp_ingress": {"suite": "AEAD_AES_128_GCM", "master_key": "$ALICE_KEY",
                    "master_salt": "$ALICE_SALT"},
   "srtp_egress": {"suite": "AES_256_CM_HMAC_SHA1_80", "master_key": "$BOB2_KEY",
                   "master_salt": "$BOB2_SALT"}}
]}
JSON
"$RTPX" flow add "$WORK/flows.json" --dataplane "$SOCK" | grep -qx "added 2 flows" || fail "flow add"

# A suite the backends lack is refused, naming the field.
cat >"$WORK/bad.json" <<JSON
{"flows": [{"local": "10.77.1.1:30020", "egress_source": "10.77.2.1:30022",
   "egress_destination": "10.77.2.2:5008",
   "srtp_egress": {"suite": "AES_192_CM_HMAC_SHA1_80",
                   "master_key": "000102030405060708090a0b0c0d0e0f1011121314151617",
                   "master_salt": "$BOB_SALT"}}]}
JSON
if "$RTPX" flow add "$WORK/bad.json" --dataplane "$SOCK" >"$WORK/bad.out" 2>&1; then
    fail "an AES_192 flow was accepted"
fi
grep -q "srtp_egress.suite: AES_192_CM_HMAC_SHA1_80 is not supported" "$WORK/bad.out" \
    || fail "refusal: $(cat "$WORK/bad.out")"

# 1. RTP -> SRTP: alice sends 40 plain packets; bob decrypts them with his key (libsrtp2).
peer "$A" gen --count 40 >"$WORK/plain1.hex"
peer "$B" recv --bind 10.77.2.2:5004 --count 40 --timeout 15 --out "$WORK/bob1.json" \
    --hex-out "$WORK/bob1.hex" &
RECV=$!
sleep 0.3
peer "$A" send --src 10.77.1.2:4000 --dst 10.77.1.1:30000 --count 40
wait $RECV
[[ $(json "$WORK/bob1.json" 'd["count"]') == 40 ]] || fail "bob got $(cat "$WORK/bob1.json")"
[[ $(json "$WORK/bob1.json" 'd["sources"]') == "['10.77.2.1:30002']" ]] || fail "source"
"$RTPX" srtp unprotect --suite AES_CM_128_HMAC_SHA1_80 --key "$(b64 $BOB_KEY $BOB_SALT)" \
    --backend libsrtp2 - <"$WORK/bob1.hex" >"$WORK/bob1.plain" || fail "bob cannot decrypt flow 1"
cmp -s "$WORK/bob1.plain" "$WORK/plain1.hex" || fail "flow 1: decrypted packets differ"
cmp -s "$WORK/bob1.hex" "$WORK/plain1.hex" && fail "flow 1: left unencrypted"

# 2. SRTP -> SRTP: 5 packets with a flipped tag bit from a source that must not latch, then 30
#    genuine ones. Bob decrypts with his second key.
peer "$A" gen --count 30 --ssrc 0x0A0B0C0D >"$WORK/plain2.hex"
"$RTPX" srtp protect --suite AEAD_AES_128_GCM --key "$(b64 $ALICE_KEY $ALICE_SALT)" - \
    <"$WORK/plain2.hex" >"$WORK/alice2.srtp" || fail "alice cannot protect"
"$PY" - "$WORK/alice2.srtp" "$WORK/forged.srtp" <<'PY'
import sys
lines = [l.strip() for l in open(sys.argv[1]) if l.strip()]
with open(sys.argv[2], "w") as out:
    for l in lines[:5]:  # the same packets with the last bit of the GCM tag flipped
        b = bytearray.fromhex(l)
        b[-1] ^= 1
        out.write(b.hex() + "\n")
PY
peer "$B" recv --bind 10.77.2.2:5006 --count 30 --timeout 15 --out "$WORK/bob2.json" \
    --hex-out "$WORK/bob2.hex" &
RECV=$!
sleep 0.3
peer "$A" send --src 10.77.1.2:4999 --dst 10.77.1.1:30010 --hex-file "$WORK/forged.srtp"
peer "$A" send --src 10.77.1.2:4010 --dst 10.77.1.1:30010 --hex-file "$WORK/alice2.srtp"
wait $RECV
[[ $(json "$WORK/bob2.json" 'd["count"]') == 30 ]] || fail "bob got $(cat "$WORK/bob2.json")"
"$RTPX" srtp unprotect --suite AES_256_CM_HMAC_SHA1_80 --key "$(b64 $BOB2_KEY $BOB2_SALT)" \
    --backend libsrtp2 - <"$WORK/bob2.hex" >"$WORK/bob2.plain" || fail "bob cannot decrypt flow 2"
cmp -s "$WORK/bob2.plain" "$WORK/plain2.hex" || fail "flow 2: decrypted packets differ"
csum_errors=$(ip netns exec "$B" awk '/^Udp:/ {n++; if (n == 2) print $7}' /proc/net/snmp)
[[ $csum_errors == 0 ]] || fail "bob's kernel saw $csum_errors UDP checksum errors"

# Exact counts through the flow API.
"$RTPX" flows --json --dataplane "$SOCK" >"$WORK/flows_out.json"
get() { json "$WORK/flows_out.json" "[f for f in d['flows'] if f['local'] == '$1'][0]['stats']$2"; }
[[ $(get 10.77.1.1:30000 "['packets']") == 40 ]] || fail "flow 1 packets: $(cat "$WORK/flows_out.json")"
[[ $(get 10.77.1.1:30000 "['bytes']") == $((40 * (172 + 10))) ]] || fail "flow 1 bytes"
[[ $(get 10.77.1.1:30010 "['packets']") == 30 ]] || fail "flow 2 packets"
[[ $(get 10.77.1.1:30010 "['drops']['srtp_auth']") == 5 ]] || fail "flow 2 srtp_auth drops"
[[ $(get 10.77.1.1:30010 "['srtp_auth_failures']") == 5 ]] || fail "flow 2 srtp_auth_failures"
[[ $(get 10.77.1.1:30010 "['drops']['strict_source']") == 0 ]] || fail "flow 2 strict_source"
[[ $(get 10.77.1.1:30010 "['latched']") == 10.77.1.2:4010 ]] || fail "flow 2 latched a forger"
[[ $(get 10.77.1.1:30010 "['rtp']['ssrc']") == $((0x0A0B0C0D)) ]] || fail "flow 2 ssrc"
"$RTPX" stats --json --dataplane "$SOCK" >"$WORK/stats.json"
[[ $(json "$WORK/stats.json" 'd["drops"]["srtp_auth"]') == 5 ]] || fail "stats srtp_auth"

stop_dataplane
echo "ok: RTP->SRTP and SRTP->SRTP decrypt at bob (libsrtp2), bad tags dropped and not latched, counts"
