#!/usr/bin/env bash
# Runs the sched/ micro-benchmarks with repetitions and prints, per benchmark, the median time per
# item (timer operation, fired timer, port, lookup) and per iteration, the spread across
# repetitions (coefficient of variation), and each figure's ratio to its same-run baseline.
#
#   perf/sched/run_benchmarks.sh [BUILD_DIR (build/ci)] [REPETITIONS (7)]
set -euo pipefail
build=${1:-build/ci}
reps=${2:-7}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for b in sched_timer_wheel_bench sched_steering_bench; do
  "$build/perf/$b" --benchmark_repetitions="$reps" --benchmark_min_time=0.2 \
    --benchmark_out="$out/$b.json" --benchmark_out_format=json >/dev/null 2>&1
done
python3 - "$out"/*.json <<'PY'
import json, statistics, sys
rows, per_iter = {}, {}
scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}
for path in sys.argv[1:]:
    for b in json.load(open(path))["benchmarks"]:
        if b.get("run_type") != "iteration":
            continue
        it = b["cpu_time"] * scale[b["time_unit"]]
        rows.setdefault(b["run_name"], []).append(1e9 / b["items_per_second"] if b.get("items_per_second") else it)
        per_iter.setdefault(b["run_name"], []).append(it)
baselines = {"BM_TimerWheel_ArmCancel": "BM_Multimap_InsertErase",
             "BM_Steering_RssTable64k": "BM_Steering_RssBitwise64k",
             "BM_Steering_RssTable64kIpv6": "BM_Steering_RssBitwise64k"}
med = {k: statistics.median(v) for k, v in rows.items()}
print(f"{'benchmark':36} {'ns/item':>9} {'us/iteration':>13} {'cv %':>6}  note")
for name, values in rows.items():
    cv = 100 * statistics.pstdev(values) / statistics.mean(values)
    note = f"{med[name] / med[baselines[name]]:.3g}x {baselines[name]}" if baselines.get(name) in med else ""
    print(f"{name:36} {med[name]:9.2f} {statistics.median(per_iter[name]) / 1e3:13.2f} {cv:6.1f}  {note}")
PY
