#!/usr/bin/env bash
# Real-peer test: sipp as UAC against sip_responder (rtpx transports + make_response) on loopback.
#   run_sipp.sh <sip_responder> <scenario.xml> <udp|tcp|tls> <calls> [ipv4|ipv6]
# Passes when sipp reports every call successful (exit 0) and the responder saw no transport
# error. Exits 77 (ctest: skipped) when sipp is not installed, or when this sipp build lacks the
# transport (Debian's sip-tester has no TLS).
set -euo pipefail
responder=$1 scenario=$2 proto=$3 calls=$4 family=${5:-ipv4}

if ! command -v sipp > /dev/null 2>&1; then
  echo "SKIP: sipp is not installed (Debian package sip-tester; deploy/setup.sh installs it)"
  exit 77
fi
case $proto in
  udp) sipp_transport=u1 ;;
  tcp) sipp_transport=t1 ;;
  tls) sipp_transport=l1
       if ! sipp -h 2>&1 | grep -q 'l1: TLS'; then
         echo "SKIP: this sipp build has no TLS transport (-t l1)"
         exit 77
       fi ;;
  *) echo "bad proto $proto" >&2; exit 2 ;;
esac
if [ "$family" = ipv6 ]; then ip=::1; bind='[::1]:0'; else ip=127.0.0.1; bind=127.0.0.1:0; fi

work=$(mktemp -d /tmp/rtpx-sipp-XXXXXX)
responder_pid=
cleanup() {
  if [ -n "$responder_pid" ] && kill -0 "$responder_pid" 2> /dev/null; then
    kill "$responder_pid" 2> /dev/null || true
    wait "$responder_pid" 2> /dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

tls_args=()
if [ "$proto" = tls ]; then
  # Generated now, removed with $work: no key is committed.
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
    -keyout "$work/key.pem" -out "$work/cert.pem" 2> /dev/null
  tls_args=(--cert "$work/cert.pem" --key "$work/key.pem")
fi

"$responder" --proto "$proto" --listen "$bind" --port-file "$work/port" "${tls_args[@]}" \
  > "$work/responder.out" 2> "$work/responder.err" &
responder_pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
if [ ! -s "$work/port" ]; then
  echo "FAIL: responder did not start"; cat "$work/responder.err"; exit 1
fi
port=$(cat "$work/port")
remote=$ip:$port
[ "$family" = ipv6 ] && remote="[$ip]:$port"

echo "sipp -t $sipp_transport $(basename "$scenario") x $calls -> $remote"
set +e
(cd "$work" && sipp -sf "$scenario" -t "$sipp_transport" -i "$ip" -p 0 -m "$calls" -r 100 -l 50 \
   -timeout 30s -timeout_error -nostdin -trace_err -trace_stat -stf stats.csv \
   "$remote" > sipp.out 2>&1)
status=$?
set -e
kill "$responder_pid"; wait "$responder_pid" 2> /dev/null || true
responder_pid=
echo "responder: $(cat "$work/responder.out")"
successful=$(tail -1 "$work/stats.csv" 2> /dev/null | awk -F';' '{print $16}' || true)
failed=$(tail -1 "$work/stats.csv" 2> /dev/null | awk -F';' '{print $18}' || true)
echo "sipp: exit $status, successful calls ${successful:-?}, failed ${failed:-?}"
if [ $status -ne 0 ]; then
  tail -30 "$work/sipp.out"; cat "$work"/*errors.log 2> /dev/null | head -60 || true
  echo "FAIL: sipp exit $status"; exit 1
fi
if [[ "$successful" =~ ^[0-9]+$ ]] && [ "$successful" -ne "$calls" ]; then
  echo "FAIL: $successful successful calls of $calls"; exit 1
fi
if grep -q 'transport_errors=[1-9]' "$work/responder.out"; then echo "FAIL: responder transport errors"; exit 1; fi
echo "PASS: $calls of $calls $(basename "$scenario" .xml) over $proto/$family"
