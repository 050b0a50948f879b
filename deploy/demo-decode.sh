#!/usr/bin/env bash
# rtpx offline demo (the first demo, issue 2; ./deploy/demo.sh now places real calls): installs what
# is missing, builds, and shows the RTP/RTCP protocol core offline: a pcap of several RTP/RTCP
# streams with loss and jitter is generated, then decoded by `rtpx decode pcap` (per packet and per
# stream, with RFC 3550 loss/jitter and an E-model MOS). Idempotent; run as root on Debian 12.
set -euo pipefail
cd "$(dirname "$0")/.."

./deploy/setup.sh

preset=${RTPX_PRESET:-ci}
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)" --target rtpx rtpx-pcapgen
bin=build/$preset
rtpx=$bin/controlplane/cli/rtpx
pcapgen=$bin/perf/tools/rtpx-pcapgen

work=${RTPX_DEMO_DIR:-/tmp/rtpx-demo}
mkdir -p "$work"
pcap=$work/demo.pcap

echo
echo "== 1. Generate 20 s of 3 calls (6 RTP streams: PCMU, PCMA, Opus with header extensions) with RTCP,"
echo "==    2% loss, 8 ms jitter, 0.5% reordering"
"$pcapgen" --out "$pcap" --streams 6 --duration 20 --loss 2 --jitter-ms 8 --reorder 0.5 --seed 7 \
  --truth "$work/truth.json"

echo
echo "== 2. The first RTP and RTCP packets, decoded (rtpx decode pcap $pcap)"
"$rtpx" decode pcap "$pcap" --extmap 1=urn:ietf:params:rtp-hdrext:ssrc-audio-level \
  --extmap "3=http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01" \
  > "$work/packets.jsonl"
grep -m1 '"kind":"rtp".*"extensions":\[{' "$work/packets.jsonl" || true
grep -m1 '"kind":"rtcp"' "$work/packets.jsonl" || true

echo
echo "== 3. Per-stream summary (rtpx decode pcap $pcap --summary --rtpmap 111=opus/48000/2)"
"$rtpx" decode pcap "$pcap" --summary --rtpmap 111=opus/48000/2 | tee "$work/summary.jsonl"

echo
python3 - "$work/summary.jsonl" "$work/truth.json" <<'PY'
import json, sys
streams = [json.loads(l) for l in open(sys.argv[1])]
truth = json.load(open(sys.argv[2]))
sent = {s["ssrc"]: s for s in truth["streams"]}
print(f"{'ssrc':>10} {'codec':>6} {'packets':>8} {'lost':>5} {'(truth)':>7} {'jitter_ms':>9} {'mos':>5}")
for s in streams:
    t = sent.get(s["ssrc"], {})
    print(f"{s['ssrc']:>10} {str(s['codec']):>6} {s['packets']:>8} {s['lost']:>5} "
          f"{t.get('dropped', '?'):>7} {s['jitter_ms']:>9.2f} {s['mos']:>5.2f}")
total = sum(s["packets"] for s in streams)
lost = sum(s["lost"] for s in streams)
print(f"demo: {len(streams)} streams, {total} packets decoded, {lost} lost, "
      f"mean MOS {sum(s['mos'] for s in streams) / max(len(streams), 1):.2f}")
PY
