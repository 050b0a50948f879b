#!/usr/bin/env bash
# Scenario tests of the whole sip/ stack (transports, transactions, dialogs, digest) with real
# sipp as the peer, on loopback:
#   run_ua_sipp.sh <sip_test_ua> <scenario dir> <uas|uac|pair> <scenario> <udp|tcp> <ipv4|ipv6> <calls>
#                  [extra sip_test_ua arguments...]
#   uas:  sipp runs <dir>/uas_<scenario>.xml as the UAC against sip_test_ua --role uas
#   uac:  sipp runs <dir>/uac_<scenario>.xml as the UAS, sip_test_ua --role uac calls it
#   pair: sip_test_ua on both ends (no sipp; for what sipp cannot do, e.g. SHA-256 digest)
# Passes when sipp (if any) reports every call successful and every sip_test_ua exits 0 (it checks
# its side of the scenario and prints its counters). Exits 77 (skipped) when sipp is missing.
set -euo pipefail
ua=$1 dir=$2 role=$3 scenario=$4 proto=$5 family=$6 calls=$7
shift 7
extra=("$@")

if [ "$role" != pair ] && ! command -v sipp > /dev/null 2>&1; then
  echo "SKIP: sipp is not installed (Debian package sip-tester; deploy/setup.sh installs it)"
  exit 77
fi
case $proto in udp) sipp_t=u1 ;; tcp) sipp_t=t1 ;; *) echo "bad proto $proto" >&2; exit 2 ;; esac
if [ "$family" = ipv6 ]; then ip=::1; hostport() { echo "[::1]:$1"; }
else ip=127.0.0.1; hostport() { echo "127.0.0.1:$1"; }; fi

work=$(mktemp -d /tmp/rtpx-ua-sipp-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do
    if kill -0 "$p" 2> /dev/null; then kill "$p" 2> /dev/null || true; wait "$p" 2> /dev/null || true; fi
  done
  rm -rf "$work"
}
trap cleanup EXIT

sipp_common=(-t "$sipp_t" -i "$ip" -m "$calls" -l 1 -nostdin -timeout 20s -timeout_error -trace_err
             -trace_msg -message_file "$work/sipp_msgs.log" -error_file "$work/sipp_errors.log")
show_logs() {
  echo "--- sipp"; tail -40 "$work/sipp.out" 2> /dev/null || true
  tail -60 "$work/sipp_errors.log" 2> /dev/null || true
  [ -n "${SHOW_MESSAGES:-}" ] && cat "$work/sipp_msgs.log" 2> /dev/null
  for f in "$work"/ua*.err; do [ -s "$f" ] && { echo "--- $f"; tail -20 "$f"; }; done
  return 0
}

wait_port_file() {
  for _ in $(seq 200); do [ -s "$1" ] && return 0; sleep 0.02; done
  echo "FAIL: $1 not written"; show_logs; exit 1
}

wait_listening() {  # port: sipp's socket is bound
  local flag=-u; [ "$proto" = tcp ] && flag=-t
  for _ in $(seq 200); do
    ss -Hln $flag "sport = :$1" 2> /dev/null | grep -q . && return 0
    sleep 0.02
  done
  echo "FAIL: nothing listens on port $1"; show_logs; exit 1
}

start_uas() {  # sip_test_ua as the UAS, output in $work/$1.{out,err}; sets uas_pid
  "$ua" --role uas --scenario "$scenario" --proto "$proto" --listen "$(hostport 0)" \
    --calls "$calls" --port-file "$work/port" "${extra[@]}" > "$work/$1.out" 2> "$work/$1.err" &
  uas_pid=$!; pids+=("$uas_pid")
  wait_port_file "$work/port"
}

case $role in
  uas)
    start_uas ua; ua_pid=$uas_pid
    set +e
    # A known port: sipp -p 0 writes 5060 into [local_port] whatever it bound.
    sipp_port=$("$ua" --free-port "$ip")
    ua_at=$(hostport "$(cat "$work/port")")
    # -auth_uri: sipp's digest-uri is remote_ip:remote_port unless told; RFC 7616 3.4.6 wants the
    # Request-URI (which the stack checks).
    (cd "$work" && timeout 40 sipp -sf "$dir/uas_$scenario.xml" -p "$sipp_port" "${sipp_common[@]}" \
       -auth_uri "service@$ua_at" "$ua_at" > sipp.out 2>&1)
    sipp_rc=$?
    sleep 0.2  # let the UA see the last retransmission-free moment before it checks
    kill "$ua_pid" 2> /dev/null; wait "$ua_pid"; ua_rc=$?
    set -e
    ;;
  uac)
    port=$("$ua" --free-port "$ip")
    (cd "$work" && exec timeout 40 sipp -sf "$dir/uac_$scenario.xml" -p "$port" "${sipp_common[@]}" \
       > sipp.out 2>&1) &
    sipp_pid=$!; pids+=("$sipp_pid")
    wait_listening "$port"
    set +e
    timeout 40 "$ua" --role uac --scenario "$scenario" --proto "$proto" --listen "$(hostport 0)" \
      --remote "$(hostport "$port")" --calls "$calls" --timeout 30 "${extra[@]}" \
      > "$work/ua.out" 2> "$work/ua.err"
    ua_rc=$?
    wait "$sipp_pid"; sipp_rc=$?
    set -e
    ;;
  pair)
    start_uas ua_uas
    set +e
    timeout 40 "$ua" --role uac --scenario "$scenario" --proto "$proto" --listen "$(hostport 0)" \
      --remote "$(hostport "$(cat "$work/port")")" --calls "$calls" --timeout 30 "${extra[@]}" \
      > "$work/ua.out" 2> "$work/ua.err"
    ua_rc=$?
    sleep 0.2
    kill "$uas_pid" 2> /dev/null; wait "$uas_pid"; uas_rc=$?
    set -e
    echo "UAS side: $(tail -2 "$work/ua_uas.out" | tr '\n' ' ')"
    sipp_rc=$uas_rc
    ;;
  *) echo "bad role $role" >&2; exit 2 ;;
esac
echo "sip_test_ua ($role side): $(tail -2 "$work/ua.out" | tr '\n' ' ')"
echo "peer exit $sipp_rc, sip_test_ua exit $ua_rc"
if [ "$sipp_rc" -ne 0 ] || [ "$ua_rc" -ne 0 ]; then
  show_logs
  echo "FAIL: $role $scenario over $proto/$family"
  exit 1
fi
echo "PASS: $calls x $role $scenario over $proto/$family"
