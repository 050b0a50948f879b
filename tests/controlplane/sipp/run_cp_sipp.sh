#!/usr/bin/env bash
# sipp UAC -> rtpx-controlplane -> sipp UAS on loopback, with a real rtpx-dataplane (net_null ports,
# --no-huge --no-shconf) as the media data plane.
#
#   run_cp_sipp.sh <rtpx-controlplane> <rtpx-dataplane> <scenario-dir> <scenario> <calls> [<rtpx>]
#
# scenario: basic | cancel | callee_bye | prack (RFC 3262 on both legs) | late_offer (offer in
# the 200, answer in the ACK) (uac_<s>.xml against uas_<s>.xml), overload (max_calls 1:
# one long call held while <calls> more INVITEs get 503 + Retry-After, then the held call ends
# normally) or inactivity (media_timeout_s 1 and no RTP: the data plane's inactivity events make
# the control plane send BYE to both parties) or restart (a call is answered, the control plane is
# killed with SIGKILL and started again from its journal; the caller's BYE is then relayed and
# the flows torn down as usual). The caller is on 127.0.0.1, the callee on 127.0.0.2 (the controlplane listens on both).
# Passes when both sipp instances report every call successful, the control plane wrote one call
# record per call with the expected end reason, and it exits cleanly on SIGTERM. Exit 77 (skipped)
# when sipp is missing or no data plane can start here. Everything started is killed on exit.
set -euo pipefail
CP=$(realpath "$1") DP=$(realpath "$2") DIR=$(realpath "$3") SCEN=$4 CALLS=$5 RTPX=${6:-}

if ! command -v sipp > /dev/null 2>&1; then
  echo "SKIP: sipp is not installed (Debian package sip-tester)"
  exit 77
fi

WORK=$(mktemp -d /tmp/rtpx-cp-sipp-XXXXXX)
ID=cpsipp$$
PIDS=()
cleanup() {
  local pid i
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do  # the last started first: the data plane last
    pid=${PIDS[i]}
    if kill -0 "$pid" 2> /dev/null; then kill "$pid" 2> /dev/null || true; fi
  done
  for pid in "${PIDS[@]}"; do wait "$pid" 2> /dev/null || true; done
  [[ -n ${KEEP:-} ]] || rm -rf "$WORK"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for f in cp.log cp2.log dp.log uas.out uac.out hold.out; do
    [[ -f $WORK/$f ]] && { echo "--- $f"; tail -n 30 "$WORK/$f"; }
  done
  ls "$WORK"/*errors.log > /dev/null 2>&1 && tail -n 40 "$WORK"/*errors.log
  exit 1
}

# Ports from the pid so parallel runs do not collide.
BASE=$((20000 + ($$ % 4000) * 5))
CP_A=$BASE CP_B=$((BASE + 1)) UAS_PORT=$((BASE + 2)) HTTP_PORT=$((BASE + 3))

SOCK=$WORK/dp.sock
cat > "$WORK/dp.toml" << TOML
[dataplane]
control_socket = "$SOCK"
lcores = "0-1"
mbufs = 2047
max_flows = 4096
eal = ["--no-huge", "-m", "128", "--no-shconf", "--file-prefix=$ID", "--log-level=error"]

[[port]]
vdev = "net_null0"
addresses = ["10.250.1.1"]

[[port]]
vdev = "net_null1"
addresses = ["10.250.2.1"]
TOML
"$DP" --config "$WORK/dp.toml" > "$WORK/dp.log" 2>&1 &
DP_PID=$!
PIDS+=("$DP_PID")
for _ in $(seq 100); do
  [[ -S $SOCK ]] && break
  kill -0 "$DP_PID" 2> /dev/null || { echo "SKIP: rtpx-dataplane cannot start here"; cat "$WORK/dp.log"; exit 77; }
  sleep 0.1
done
[[ -S $SOCK ]] || fail "no data-plane control socket"

MAX_CALLS=1000 MEDIA_TIMEOUT=0
[[ $SCEN == overload ]] && MAX_CALLS=1
[[ $SCEN == inactivity ]] && MEDIA_TIMEOUT=1
cat > "$WORK/cp.toml" << TOML
[[sip.listener]]
name = "a"
address = "127.0.0.1:$CP_A"
[[sip.listener]]
name = "b"
address = "127.0.0.2:$CP_B"
[[route]]
name = "to-uas"
next_hop = "127.0.0.2:$UAS_PORT"
listener = "b"
a_interface = "side-a"
b_interface = "side-b"
[[dataplane]]
name = "dp"
socket = "$SOCK"
[[dataplane.interface]]
name = "side-a"
address = "10.250.1.1"
[[dataplane.interface]]
name = "side-b"
address = "10.250.2.1"
[limits]
max_calls = $MAX_CALLS
retry_after_s = 7
media_timeout_s = $MEDIA_TIMEOUT
[timers]
t1_ms = 500
t2_ms = 4000
[log]
level = "info"
[records]
path = "$WORK/records.jsonl"
[journal]
path = "$WORK/journal.jsonl"
[http]
listen = "127.0.0.1:$HTTP_PORT"
TOML
"$CP" --config "$WORK/cp.toml" > "$WORK/cp.log" 2>&1 &
CP_PID=$!
PIDS+=("$CP_PID")
for _ in $(seq 100); do
  grep -q "rtpx-controlplane running" "$WORK/cp.log" && break
  kill -0 "$CP_PID" 2> /dev/null || fail "rtpx-controlplane exited"
  sleep 0.1
done
grep -q "rtpx-controlplane running" "$WORK/cp.log" || fail "rtpx-controlplane did not start"

metrics() {
  python3 -c "import urllib.request,sys; sys.stdout.write(urllib.request.urlopen('http://127.0.0.1:$HTTP_PORT/metrics', timeout=10).read().decode())"
}

SIPP_COMMON=(-t u1 -nostdin -timeout 30s -timeout_error -trace_err -max_recv_loops 1000)
uas_scen=$SCEN uac_scen=$SCEN uas_calls=$CALLS expect_reason=bye-caller expect_records=$CALLS
case $SCEN in
  basic | prack | late_offer) ;;
  callee_bye) expect_reason=bye-callee ;;
  cancel) expect_reason=cancelled ;;
  overload) uas_scen=basic uas_calls=1 expect_records=1 ;;
  inactivity) uac_scen=callee_bye uas_scen=basic expect_reason=media-timeout ;;
  restart) uas_scen=basic uas_calls=1 expect_records=1 ;;
  *) echo "unknown scenario $SCEN" >&2; exit 2 ;;
esac

(cd "$WORK" && exec sipp -sf "$DIR/uas_$uas_scen.xml" -i 127.0.0.2 -p "$UAS_PORT" -m "$uas_calls" \
   "${SIPP_COMMON[@]}" > uas.out 2>&1) &
UAS_PID=$!
PIDS+=("$UAS_PID")
sleep 0.3

set +e
if [[ $SCEN == overload ]]; then
  # One call held for 8 s (the limit is 1 concurrent call; long enough for the checks below on a
  # loaded machine under ASan) ...
  sed 's|<pause milliseconds="200"/>|<pause milliseconds="8000"/>|' "$DIR/uac_basic.xml" > "$WORK/uac_hold.xml"
  (cd "$WORK" && exec sipp -sf uac_hold.xml -i 127.0.0.1 -p 0 -m 1 -s bob "${SIPP_COMMON[@]}" \
     "127.0.0.1:$CP_A" > hold.out 2>&1) &
  HOLD_PID=$!
  PIDS+=("$HOLD_PID")
  for _ in $(seq 50); do grep -q "answered" "$WORK/cp.log" && break; sleep 0.1; done
  # While the held call is up: `rtpx calls` lists it, /metrics shows it and its flows.
  if [[ -n $RTPX ]]; then
    # The loop publishes its state every 250 ms and the call is confirmed once A's ACK is in:
    # wait (bounded) for both rather than for a fixed time, which a loaded machine can outrun.
    for _ in $(seq 50); do
      "$RTPX" calls --http "127.0.0.1:$HTTP_PORT" --json 2> /dev/null | grep -q '"state":"confirmed"' && break
      sleep 0.1
    done
    "$RTPX" calls --http "127.0.0.1:$HTTP_PORT" > "$WORK/calls.txt" 2>&1 || { set -e; fail "rtpx calls failed"; }
    "$RTPX" calls --http "127.0.0.1:$HTTP_PORT" --json > "$WORK/calls.json" 2>&1 || { set -e; fail "rtpx calls --json failed"; }
    grep -q "^1 active call$" "$WORK/calls.txt" || { set -e; cat "$WORK/calls.txt"; fail "rtpx calls does not show the held call"; }
    grep -q '"state":"confirmed"' "$WORK/calls.json" || { set -e; cat "$WORK/calls.json"; fail "rtpx calls --json"; }
    metrics > "$WORK/metrics.txt"
    grep -q "^rtpx_calls_active 1$" "$WORK/metrics.txt" || { set -e; fail "/metrics: rtpx_calls_active"; }
    grep -q "^rtpx_dataplane_up 1$" "$WORK/metrics.txt" || { set -e; fail "/metrics: data plane not up"; }
    grep -q "^rtpx_flows [1-9]" "$WORK/metrics.txt" || { set -e; grep flows "$WORK/metrics.txt"; fail "/metrics: no flows for the held call"; }
    echo "rtpx calls and /metrics checked while the call was up"
  fi
  # ... while more INVITEs are refused with 503 + Retry-After.
  (cd "$WORK" && timeout 60 sipp -sf "$DIR/uac_overload.xml" -i 127.0.0.1 -p 0 -m "$CALLS" -r 20 -s bob \
     "${SIPP_COMMON[@]}" "127.0.0.1:$CP_A" > uac.out 2>&1)
  uac_rc=$?
  if [[ -n $RTPX ]]; then
    # /metrics is a snapshot the loop publishes every 250 ms: wait (bounded) for the last refusals.
    for _ in $(seq 30); do
      metrics > "$WORK/metrics2.txt"
      grep -q "^rtpx_calls_rejected_total{reason=\"overload\"} $CALLS$" "$WORK/metrics2.txt" && break
      sleep 0.1
    done
    grep -q "^rtpx_calls_rejected_total{reason=\"overload\"} $CALLS$" "$WORK/metrics2.txt" || { set -e; grep rejected "$WORK/metrics2.txt"; fail "/metrics: overload refusals"; }
  fi
  wait "$HOLD_PID"
  hold_rc=$?
  [[ $hold_rc -eq 0 ]] || { set -e; fail "the held call failed (sipp exit $hold_rc)"; }
elif [[ $SCEN == restart ]]; then
  sed 's|<pause milliseconds="200"/>|<pause milliseconds="3000"/>|' "$DIR/uac_basic.xml" > "$WORK/uac_hold.xml"
  (cd "$WORK" && exec sipp -sf uac_hold.xml -i 127.0.0.1 -p 0 -m 1 -s bob "${SIPP_COMMON[@]}" \
     "127.0.0.1:$CP_A" > uac.out 2>&1) &
  HOLD_PID=$!
  PIDS+=("$HOLD_PID")
  for _ in $(seq 50); do grep -q "answered" "$WORK/cp.log" && break; sleep 0.1; done
  sleep 0.3
  kill -9 "$CP_PID"
  wait "$CP_PID" 2> /dev/null || true
  "$CP" --config "$WORK/cp.toml" > "$WORK/cp2.log" 2>&1 &
  CP_PID=$!
  PIDS+=("$CP_PID")
  for _ in $(seq 100); do grep -q "rtpx-controlplane running" "$WORK/cp2.log" && break; sleep 0.1; done
  grep -q "journal: 1 calls restored" "$WORK/cp2.log" || { set -e; cat "$WORK/cp2.log"; fail "the call was not restored"; }
  wait "$HOLD_PID"
  uac_rc=$?
else
  (cd "$WORK" && timeout 60 sipp -sf "$DIR/uac_$uac_scen.xml" -i 127.0.0.1 -p 0 -m "$CALLS" -r 20 -s bob \
     "${SIPP_COMMON[@]}" "127.0.0.1:$CP_A" > uac.out 2>&1)
  uac_rc=$?
fi
timeout 20 tail --pid="$UAS_PID" -f /dev/null
wait "$UAS_PID"
uas_rc=$?
set -e
[[ $uac_rc -eq 0 ]] || fail "sipp UAC exit $uac_rc"
[[ $uas_rc -eq 0 ]] || fail "sipp UAS exit $uas_rc"

# The records are written when a call ends: wait a moment for the last one.
for _ in $(seq 30); do
  n=$(wc -l < "$WORK/records.jsonl" 2> /dev/null || echo 0)
  [[ $n -ge $expect_records ]] && break
  sleep 0.1
done
n=$(wc -l < "$WORK/records.jsonl")
[[ $n -eq $expect_records ]] || fail "$n call records, expected $expect_records"
bad=$(grep -vc "\"end_reason\":\"$expect_reason\"" "$WORK/records.jsonl" || true)

[[ $bad -eq 0 ]] || { head -c 3000 "$WORK/records.jsonl"; fail "$bad records without end_reason $expect_reason"; }

kill "$CP_PID"
wait "$CP_PID" || fail "rtpx-controlplane exited with $? on SIGTERM"
if [[ $SCEN == overload ]]; then
  echo "overload: $CALLS INVITEs refused with 503 while 1 call was up; the held call ended normally"
fi
echo "PASS: controlplane.sipp.$SCEN ($CALLS calls, $n records)"
