#!/usr/bin/env bash
# perf/compare/rtpengine.sh in its quick mode (10 streams = 5 calls both ways, one run, 1-2 s
# trials): Sipwise rtpengine (made through its ng protocol) and rtpx-dataplane on the same veth
# topology, driven by rtpx-bench. Checks the plumbing, not the figures (the host is shared): both
# relays relayed packets at the fixed rate, each run line is there, and the last line has the
# contract's shape `compare-rtpengine: rtpx_pps_per_core=<n> rtpengine_pps_per_core=<n> ratio=<x>`.
# No rate, CPU or ratio assertions. Skipped (77) without root, ip(8) or rtpengine.
#
# usage: compare_rtpengine_test.sh RTPX_DATAPLANE RTPX
set -euo pipefail
DP=$1
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "$(dirname "$DP")/.." && pwd)
[[ -x $BUILD/perf/bench/rtpx-bench ]] || { echo "skipped: rtpx-bench not built"; exit 77; }
command -v rtpengine >/dev/null || { echo "skipped: rtpengine (rtpengine-daemon) not installed"; exit 77; }
OUT=$(mktemp /tmp/rtpx-compare-it.XXXXXX)
LOGS=$(mktemp -d /tmp/rtpx-compare-logs.XXXXXX)
trap 'rm -rf "$OUT" "$LOGS"' EXIT
rc=0
timeout 110 bash "$ROOT/perf/compare/rtpengine.sh" --build "$BUILD" --quick --keep-logs "$LOGS" \
    >"$OUT" 2>&1 || rc=$?
[[ $rc == 77 ]] && { cat "$OUT"; exit 77; }
if [[ $rc != 0 ]]; then
    echo "FAIL: rtpengine.sh exited $rc"
    cat "$OUT"
    tail -n 20 "$LOGS"/*.log 2>/dev/null || true
    exit 1
fi
cat "$OUT"
python3 - "$OUT" "$LOGS/results.jsonl" <<'PY'
import json, re, sys
lines = open(sys.argv[1]).read().splitlines()
assert re.fullmatch(r"compare-rtpengine: rtpx_pps_per_core=\d+ rtpengine_pps_per_core=\d+ "
                    r"ratio=(\d+\.\d+|nan)", lines[-1]), lines[-1]
assert sum(1 for l in lines if l.startswith("compare-rtpengine:")) == 1, lines
assert any(l.startswith("compare-rtpengine-fixed: rate_pps=500 ") for l in lines), lines
rows = [json.loads(l) for l in open(sys.argv[2])]
assert sorted(r["relay"] for r in rows) == ["rtpengine", "rtpx"], rows
for r in rows:
    f = r["at_fixed"]
    # Both relays forwarded the same calls in both directions: the bench got packets back and
    # each relay's veth sent packets in the window, on measurable CPU.
    assert f["sent"] > 0 and f["received"] > 0, r
    assert f["relayed"] > 0 and f["cpu_s"] >= 0, r
    # The charged CPU's pieces are there; rtpx's busy time came from its telemetry.
    for k in ("user_cores", "sys_cores", "idle_poll_cores", "softirq_bench_cpu_cores",
              "softirq_relay_cpu_cores", "ns_per_packet"):
        assert k in f, (k, r)
    assert f["busy_from_telemetry"] == (r["relay"] == "rtpx"), r
print("compare-rtpengine quick mode: " + ", ".join(
    "%s relayed %d of %d sent at 500 pps" % (r["relay"], r["at_fixed"]["received"],
                                            r["at_fixed"]["sent"]) for r in rows))
PY
