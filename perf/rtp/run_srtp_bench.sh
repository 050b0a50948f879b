#!/usr/bin/env bash
# Runs the SRTP benchmark with repetitions (interleaved at random, so both backends see the same
# machine load) and prints one row per suite, packet size and flow count: the median ns per packet
# of each backend (CPU time), the spread (coefficient of variation) and the ipsecmb/libsrtp2
# speed-up, for protect and unprotect; then the goals of issue 3, met or not, what the SRTP layer
# adds to the bare crypto with as many keys (1 or 10,000), and the bare IPsec-MB baselines (the
# crypto library's own cost for the same work, no SRTP logic: ImbBurstBaseline as the backend calls
# it, arch:0 the backend's managers, arch:1-3 the cipher on SSE/AVX/AVX2; ImbBaseline through the
# job API of the auto manager).
#
#   perf/rtp/run_srtp_bench.sh [BUILD_DIR (build/ci)] [REPETITIONS (5)] [FILTER]
set -euo pipefail
build=${1:-build/ci}
reps=${2:-5}
filter=${3:-.}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$build/perf/rtp_srtp_bench" --benchmark_filter="$filter" --benchmark_repetitions="$reps" \
  --benchmark_min_time=0.1 --benchmark_enable_random_interleaving=true \
  --benchmark_out="$out/srtp.json" --benchmark_out_format=json >/dev/null 2>&1
python3 - "$out/srtp.json" <<'PY'
import json, statistics, sys
runs = {}
for b in json.load(open(sys.argv[1]))["benchmarks"]:
    if b.get("run_type") != "iteration" or b.get("error_occurred"):
        continue
    runs.setdefault(b["run_name"], []).append(1e9 / b["items_per_second"])
med = {k: statistics.median(v) for k, v in runs.items()}
cv = {k: 100 * statistics.pstdev(v) / statistics.mean(v) for k, v in runs.items()}
rows = {}
for name in med:
    parts = name.split("/")
    if parts[0] not in ("BM_Srtp_Protect", "BM_Srtp_Unprotect"):
        continue
    op = "protect" if parts[0] == "BM_Srtp_Protect" else "unprotect"
    backend, suite = parts[1], parts[2]
    size = parts[3].split(":")[1]
    flows = parts[4].split(":")[1]
    rows.setdefault((op, suite, int(size), int(flows)), {})[backend] = name
print(f"{'op':9} {'suite':26} {'bytes':>5} {'flows':>6} {'ipsecmb ns':>11} {'cv%':>5} {'libsrtp2 ns':>12} {'cv%':>5} {'speed-up':>9}")
for (op, suite, size, flows), by in sorted(rows.items()):
    a, b = by.get("ipsecmb"), by.get("libsrtp2")
    fa = f"{med[a]:11.1f} {cv[a]:5.1f}" if a else f"{'-':>11} {'':5}"
    fb = f"{med[b]:12.1f} {cv[b]:5.1f}" if b else f"{'-':>12} {'':5}"
    ratio = f"{med[b] / med[a]:8.1f}x" if a and b else f"{'-':>9}"
    print(f"{op:9} {suite:26} {size:5} {flows:6} {fa} {fb} {ratio}")
print()
goals = [("AES_CM_128_HMAC_SHA1_80", 140), ("AEAD_AES_128_GCM", 110), ("AEAD_AES_256_GCM", 110)]
for suite, ns in goals:
    key = ("protect", suite, 172, 10000)
    if key in rows and "ipsecmb" in rows[key]:
        v = med[rows[key]["ipsecmb"]]
        print(f"goal: ipsecmb {suite} 172 B at 10,000 flows <= {ns} ns: {v:.1f} ns, {'met' if v <= ns else 'NOT met'}")
    for flows in (1, 10000):
        key = ("protect", suite, 172, flows)
        if key in rows and len(rows[key]) == 2:
            r = med[rows[key]["libsrtp2"]] / med[rows[key]["ipsecmb"]]
            print(f"goal: ipsecmb >= 15x libsrtp2 ({suite}, 172 B, {flows} flows): {r:.1f}x, {'met' if r >= 15 else 'NOT met'}")
base = {"AES_CM_128_HMAC_SHA1_80": "aes_ctr_hmac_sha1", "AEAD_AES_128_GCM": "aes_gcm"}
for suite, b in base.items():
    for size in (172, 1200):
        for flows in (1, 10000):
            bname = f"BM_Srtp_ImbBurstBaseline/{b}/bytes:{size}/flows:{flows}/arch:0"
            key = ("protect", suite, size, flows)
            if bname in med and key in rows and "ipsecmb" in rows[key]:
                d = med[rows[key]["ipsecmb"]] - med[bname]
                print(f"srtp layer: protect {suite} {size} B {flows} flows: {d:+.1f} ns over the bare burst-API crypto with as many keys")
for name in sorted(med):
    if name.startswith("BM_Srtp_Imb"):
        print(f"baseline {name.split('/', 1)[1]:50} {med[name]:8.1f} ns per packet (cv {cv[name]:.1f}%)")
PY
