#!/usr/bin/env bash
# Black-box tests of `rtpx srtp protect|unprotect` (issue 3's contract): exact output bytes against
# known answers with both backends, streams on standard input (ROC, replay and SRTCP index carry
# over), the error format and exit statuses (0 ok, 1 a packet failed, 2 usage).
# Usage: srtp_test.sh RTPX PCAPGEN DATA_DIR
set -uo pipefail
rtpx=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0

expect() {  # expect NAME WANT GOT
  if [ "$2" == "$3" ]; then passed=$((passed + 1)); else
    echo "FAIL: $1"; echo "  want: $2"; echo "  got:  $3"; failed=$((failed + 1)); fi
}

# libsrtp2's srtp_validate vectors: AES_CM_128_HMAC_SHA1_80 with the RFC 3711 B.3 master key
# E1F97A0D3E018BE0D64FA32C06DE4139 and salt 0EC675AD498AFEEBB6960B3AABE6 (base64 below).
key=4fl6DT4Bi+DWT6MsBt5BOQ7Gda1Jiv7rtpYLOqvm
suite=AES_CM_128_HMAC_SHA1_80
rtp=800f1234decafbadcafebabeabababababababababababababababab
srtp=800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402b78d6acc99ea179b8dbb
rtcp=81c8000bcafebabeabababababababababababababababab
srtcp=81c8000bcafebabe7128035be487b9bdbef89041f977a5a880000001993e08cd54d6c1230798

for backend in ipsecmb libsrtp2; do
  out=$("$rtpx" srtp protect --suite $suite --key $key --backend $backend --hex "$rtp"); st=$?
  expect "protect ($backend)" "0 $srtp" "$st $out"
  out=$("$rtpx" srtp unprotect --suite $suite --key $key --backend $backend --hex "$srtp"); st=$?
  expect "unprotect ($backend)" "0 $rtp" "$st $out"
  out=$("$rtpx" srtp protect --suite $suite --key $key --srtcp --backend $backend --hex "$rtcp")
  expect "protect --srtcp ($backend)" "$srtcp" "$out"
  out=$("$rtpx" srtp unprotect --suite $suite --key $key --srtcp --backend $backend --hex "$srtcp")
  expect "unprotect --srtcp ($backend)" "$rtcp" "$out"
done
# The default backend is ipsecmb; hex may have spaces and upper case.
out=$("$rtpx" srtp protect --suite $suite --key $key --hex "800F1234 DECAFBAD CAFEBABE ABABABABABABABABABABABABABABABAB")
expect "default backend, spaced hex" "$srtp" "$out"

# A stream on stdin: the replayed second line fails (stderr, exit 1), the others print.
printf '%s\n%s\n%s\n' "$srtp" "$srtp" "$srtp" > "$work/in"
out=$("$rtpx" srtp unprotect --suite $suite --key $key - < "$work/in" 2>"$work/err"); st=$?
expect "stdin replay: exit 1" 1 $st
expect "stdin replay: first packet printed once" "$rtp" "$out"
expect "stdin replay: one error line per failed packet" \
  "error: replayed (index already seen)
error: replayed (index already seen)" "$(cat "$work/err")"

# A stream across a sequence wrap, every suite, both backends: protect the lines, unprotect them,
# identical bytes from both backends and the plain packets back.
python3 - > "$work/plain" <<'PY'
for i, seq in enumerate([65533, 65534, 65535, 0, 1, 2]):
    print("8060%04x%08x%08x" % (seq, 160 * i, 0x11223344) + "5a" * (20 + 7 * i))
PY
for suite_name in AES_CM_128_HMAC_SHA1_80 AES_CM_128_HMAC_SHA1_32 AES_256_CM_HMAC_SHA1_80 \
                  AES_256_CM_HMAC_SHA1_32 AEAD_AES_128_GCM AEAD_AES_256_GCM NULL_HMAC_SHA1_80; do
  case $suite_name in
    AES_256*) n=46 ;; AEAD_AES_128*) n=28 ;; AEAD_AES_256*) n=44 ;; *) n=30 ;;
  esac
  k=$(python3 -c "import base64;print(base64.b64encode(bytes(range(7, 7 + $n))).decode())")
  a=$("$rtpx" srtp protect --suite $suite_name --key "$k" --roc 7 - < "$work/plain")
  b=$("$rtpx" srtp protect --suite $suite_name --key "$k" --roc 7 --backend libsrtp2 - < "$work/plain")
  expect "$suite_name: backends agree across the wrap" "$a" "$b"
  back=$(echo "$a" | "$rtpx" srtp unprotect --suite $suite_name --key "$k" --roc 7 --backend libsrtp2 -)
  expect "$suite_name: libsrtp2 unprotects ipsecmb's stream" "$(cat "$work/plain")" "$back"
  first=$(echo "$a" | head -1)
  "$rtpx" srtp unprotect --suite $suite_name --key "$k" --roc 6 --hex "$first" > /dev/null 2>"$work/err"; st=$?
  expect "$suite_name: wrong ROC fails authentication" "1 error: auth_failed (authentication tag mismatch)" "$st $(cat "$work/err")"
  c=$("$rtpx" srtp protect --suite $suite_name --key "$k" --srtcp --index 1000 --hex "$rtcp")
  e_index=800003e8; [ $suite_name == NULL_HMAC_SHA1_80 ] && e_index=000003e8  # E=0: not encrypted
  expect "$suite_name: --index sets the SRTCP index" "$e_index" \
    "$(case $suite_name in AEAD*) echo "${c: -8}" ;; *) echo "$c" | python3 -c "import sys; h=sys.stdin.read().strip(); t=10; print(h[-2*(t+4):-2*t])" ;; esac)"
done

# Usage errors exit 2; bad packets exit 1 with "error: <what> at byte <n>".
usage() {  # usage NAME ARGS...
  local name=$1; shift
  "$rtpx" srtp "$@" > "$work/out" 2>"$work/err"; local st=$?
  if [ $st -eq 2 ] && [ ! -s "$work/out" ] && grep -q . "$work/err"; then passed=$((passed + 1)); else
    echo "FAIL: $name (status $st: $(cat "$work/err"))"; failed=$((failed + 1)); fi
}
usage "unknown suite" protect --suite AES_CM_129 --key $key --hex "$rtp"
usage "short key" protect --suite AEAD_AES_256_GCM --key $key --hex "$rtp"
usage "bad base64" protect --suite $suite --key 'not*base64' --hex "$rtp"
usage "no packet" protect --suite $suite --key $key
usage "--index without --srtcp" protect --suite $suite --key $key --index 5 --hex "$rtp"
usage "--index with libsrtp2" protect --suite $suite --key $key --srtcp --index 5 --backend libsrtp2 --hex "$rtcp"
usage "unknown backend" protect --suite $suite --key $key --backend openssl --hex "$rtp"
usage "no subcommand" --suite $suite
"$rtpx" srtp unprotect --suite $suite --key $key --hex "80zz" > /dev/null 2>"$work/err"; st=$?
expect "bad hex" "1 error: invalid hex digit at byte 2" "$st $(cat "$work/err")"
"$rtpx" srtp unprotect --suite $suite --key $key --hex "800f1234" > /dev/null 2>"$work/err"; st=$?
expect "too short" "1 error: too_short (packet shorter than header and trailer)" "$st $(cat "$work/err")"

echo "srtp CLI: $passed passed, $failed failed"
[ $failed -eq 0 ]
