#!/usr/bin/env bash
# Runs the rtp/ micro-benchmarks with repetitions and prints, per benchmark, the median time per
# item (packet, lookup, feedback...) and the spread across repetitions (coefficient of variation),
# plus each goal's ratio against the same-run baseline. These machines are shared and noisy: read
# the medians, and rerun when the spread is large.
#
#   perf/rtp/run_benchmarks.sh [BUILD_DIR (build/ci)] [REPETITIONS (7)]
set -euo pipefail
build=${1:-build/ci}
reps=${2:-7}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for b in rtp_rtp_packet_bench rtp_rtcp_bench rtp_receive_statistics_bench; do
  "$build/perf/$b" --benchmark_repetitions="$reps" --benchmark_min_time=0.2 \
    --benchmark_out="$out/$b.json" --benchmark_out_format=json >/dev/null 2>&1
done
python3 - "$out"/*.json <<'PY'
import json, statistics, sys
rows = {}
per_iter = {}
scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}
for path in sys.argv[1:]:
    for b in json.load(open(path))["benchmarks"]:
        if b.get("run_type") != "iteration":
            continue
        per_item = 1e9 / b["items_per_second"] if b.get("items_per_second") else b["cpu_time"]
        rows.setdefault(b["run_name"], []).append(per_item)
        per_iter.setdefault(b["run_name"], []).append(b["cpu_time"] * scale[b["time_unit"]])
goals = {"BM_RtpPacket_ParseWithTwoExtensions": 15, "BM_RtpPacket_ParseReadTwoExtensions": 15,
         "BM_ReceiveStatistics_Update": 10}
baselines = {"BM_RtpPacket_ParseWithTwoExtensions": "BM_RtpPacket_ParseOnly",
             "BM_RtpPacket_ParseReadTwoExtensions": "BM_RtpPacket_ParseOnly",
             "BM_RtpPacket_ParseFindTwoExtensionsRaw": "BM_RtpPacket_ParseOnly",
             "BM_ReceiveStatistics_Update": "BM_ReceiveStatistics_Baseline",
             "BM_Rtcp_ParseSrSdes": "BM_Rtcp_WalkSrSdesHeaders"}
med = {k: statistics.median(v) for k, v in rows.items()}
print(f"{'benchmark':44} {'ns/item':>9} {'ns/iteration':>13} {'cv %':>6}  note")
for name, values in rows.items():
    cv = 100 * statistics.pstdev(values) / statistics.mean(values)
    note = []
    if name in goals:
        note.append(f"goal <= {goals[name]} ns: {'met' if med[name] <= goals[name] else 'NOT met'}")
    if name in baselines and baselines[name] in med:
        note.append(f"{med[name] / med[baselines[name]]:.1f}x {baselines[name]}")
    it = statistics.median(per_iter[name])
    print(f"{name:44} {med[name]:9.1f} {it:13.1f} {cv:6.1f}  {'; '.join(note)}")
PY
