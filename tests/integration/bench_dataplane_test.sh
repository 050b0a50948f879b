#!/usr/bin/env bash
# rtpx-bench through rtpx-dataplane on a veth pair (perf/bench/dataplane_veth.sh): 100 G.711 flows
# from the plain-relay scenario's flows file, one fixed-rate trial at a low rate. Checks that the
# relayed packets (new addresses and ports) come back and match by their probes: received > 0,
# nothing unmatched (rx_drops all 0), no duplicates, and the summary line is there. No rate or
# latency assertions (the host is shared). Cleans up on every exit (the script's trap).
#
# usage: bench_dataplane_test.sh RTPX_DATAPLANE RTPX       (exit 77: skipped)
set -euo pipefail
DP=$1
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "$(dirname "$DP")/.." && pwd)
[[ -x $BUILD/perf/bench/rtpx-bench ]] || { echo "skipped: rtpx-bench not built"; exit 77; }
if [[ $(id -u) != 0 ]] || ! command -v ip >/dev/null; then
    echo "skipped: needs root and ip(8)"
    exit 77
fi
OUT=$(mktemp /tmp/rtpx-bench-it.XXXXXX)
trap 'rm -f "$OUT"' EXIT
rc=0
timeout 100 bash "$ROOT/perf/bench/dataplane_veth.sh" "$BUILD" "$ROOT/perf/scenarios/plain-relay-1k.toml" \
    --flows 100 --search none --rate 1000 --duration 1 --json >"$OUT" || rc=$?
[[ $rc == 77 ]] && exit 77
[[ $rc == 0 ]] || { echo "FAIL: dataplane_veth.sh exited $rc"; cat "$OUT"; exit 1; }
python3 - "$OUT" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
trials = [l for l in lines if l["type"] == "trial"]
summary = [l for l in lines if l["type"] == "summary"]
assert len(trials) == 1 and len(summary) == 1, lines
t = trials[0]
assert t["sent"] == 1000, t
assert t["received"] > 0, t
assert all(v == 0 for v in t["rx_drops"].values()), t
assert t["duplicates"] == 0, t
assert summary[0]["flows"] == 100, summary
print("bench through rtpx-dataplane: sent %d, received %d, p50 %d ns" %
      (t["sent"], t["received"], t["latency_ns"]["p50"]))
PY
