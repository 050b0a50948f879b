#!/usr/bin/env bash
# Black-box tests of `rtpx decode` (issue 2's contract): exact JSON keys, error format and exit
# status, and per-stream statistics of a generated capture checked against the generator's ground
# truth and against tshark's own RTP analysis.
# Usage: decode_test.sh RTPX PCAPGEN DATA_DIR
set -uo pipefail
rtpx=$1 pcapgen=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

source "$(dirname "${BASH_SOURCE[0]}")/check_lib.bash"

# --- decode rtp -----------------------------------------------------------------------------------
# V=2 X=1 PT=111 seq=1 ts=800 ssrc=0x11223344; one-byte extension block (0xBEDE, 2 words):
# id 1 len 1 = 0xaa (voice activity, level 42), id 3 len 2 = 0x0005 (transport-wide seq 5), padding;
# payload ff ff.
pkt="90 6F 00 01 00 00 03 20 11 22 33 44 BE DE 00 02 10 AA 31 00 05 00 00 00 FF FF"
"$rtpx" decode rtp --hex "$pkt" --extmap 1=urn:ietf:params:rtp-hdrext:ssrc-audio-level \
  --extmap "3=http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01" > "$work/rtp.json"
check "decode rtp exits 0" test $? -eq 0
check "decode rtp fields" json_expect "$work/rtp.json" \
  'j["kind"]=="rtp" and j["version"]==2 and j["padding"] is False and j["marker"] is False and j["pt"]==111 and j["seq"]==1 and j["ts"]==800 and j["ssrc"]==0x11223344 and j["csrcs"]==[] and j["payload_len"]==2'
check "decode rtp extensions" json_expect "$work/rtp.json" \
  'len(j["extensions"])==2 and j["extensions"][0]["id"]==1 and j["extensions"][0]["uri"].endswith("ssrc-audio-level") and j["extensions"][0]["level"]==42 and j["extensions"][0]["voice_activity"] is True and j["extensions"][1]["id"]==3'

# Same packet from stdin (hex) and from a raw binary file.
echo "$pkt" | "$rtpx" decode rtp - > "$work/rtp_stdin.json"
check "decode rtp from stdin" json_expect "$work/rtp_stdin.json" 'j["seq"]==1 and j["extensions"][0]["uri"] is None'
python3 -c "import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))" "$pkt" > "$work/rtp.bin"
"$rtpx" decode rtp --file "$work/rtp.bin" > "$work/rtp_file.json"
check "decode rtp from a binary file" json_expect "$work/rtp_file.json" 'j["ssrc"]==0x11223344'

# Invalid input: exit 1, nothing on stdout, one line "error: <what> at byte <n>" on stderr.
invalid() {  # invalid NAME SUBCOMMAND HEX
  local out err status
  out=$("$rtpx" decode "$2" --hex "$3" 2>"$work/err"); status=$?
  err=$(cat "$work/err")
  if [ $status -eq 1 ] && [ -z "$out" ] && [ "$(wc -l < "$work/err")" -eq 1 ] &&
     [[ $err =~ ^error:\ .+\ at\ byte\ [0-9]+$ ]]; then
    passed=$((passed + 1))
  else
    echo "FAIL: $1 (status $status, stdout '$out', stderr '$err')"; failed=$((failed + 1))
  fi
}
invalid "truncated RTP header" rtp "80 00 30 39 00 00"
invalid "RTP version 1" rtp "40 00 30 39 00 00 00 a0 12 34 56 78"
invalid "RTP extension longer than packet" rtp "90 00 00 01 00 00 00 00 11 22 33 44 BE DE 00 09 10 AA"
invalid "bad hex digit" rtp "80 0z"
invalid "odd hex" rtp "80 0"
invalid "RTCP length beyond buffer" rtcp "80 C8 00 06 11 22 33 44"
invalid "RTCP version 0" rtcp "00 C9 00 01 11 22 33 44"

# --- decode rtcp ----------------------------------------------------------------------------------
# SR (ssrc 0x11223344, NTP e12a3b4c.5d6e7f80, RTP ts 800, 10 packets, 1600 octets, no report blocks)
# + SDES (CNAME "abcd").
sr="80 C8 00 06 11 22 33 44 E1 2A 3B 4C 5D 6E 7F 80 00 00 03 20 00 00 00 0A 00 00 06 40"
sdes="81 CA 00 03 11 22 33 44 01 04 61 62 63 64 00 00"
"$rtpx" decode rtcp --hex "$sr $sdes" > "$work/rtcp.json"
check "decode rtcp exits 0" test $? -eq 0
check "decode rtcp SR" json_expect "$work/rtcp.json" \
  'len(j)==2 and j[0]["type"]=="SR" and j[0]["ssrc"]==0x11223344 and j[0]["packet_count"]==10 and j[0]["octet_count"]==1600 and j[0]["rtp_ts"]==800'
check "decode rtcp SDES" json_expect "$work/rtcp.json" \
  'j[1]["type"]=="SDES" and j[1]["chunks"][0]["items"][0]["type"]=="CNAME" and j[1]["chunks"][0]["items"][0]["value"]=="abcd"'
# Generic NACK (RTPFB FMT 1): PID 100, BLP 0x0005 -> lost 100, 101, 103.
"$rtpx" decode rtcp --hex "81 CD 00 03 11 22 33 44 55 66 77 88 00 64 00 05" > "$work/nack.json"
check "decode rtcp NACK" json_expect "$work/nack.json" 'j[0]["type"]=="NACK" and j[0]["lost"]==[100,101,103]'
# PLI (PSFB FMT 1) and REMB (PSFB FMT 15, "REMB", 1 SSRC, exp 2, mantissa 250000 -> 1000000 bps).
"$rtpx" decode rtcp --hex "81 CE 00 02 11 22 33 44 55 66 77 88  8F CE 00 05 11 22 33 44 00 00 00 00 52 45 4D 42 01 0B D0 90 55 66 77 88" > "$work/psfb.json"
check "decode rtcp PLI+REMB" json_expect "$work/psfb.json" \
  'j[0]["type"]=="PLI" and j[1]["type"]=="REMB" and j[1]["bitrate"]==1000000 and j[1]["ssrcs"]==[0x55667788]'

# --- decode pcap ----------------------------------------------------------------------------------
"$pcapgen" --out "$work/g.pcap" --streams 6 --duration 10 --loss 3 --jitter-ms 5 --reorder 0.5 --seed 3 \
  --truth "$work/truth.json" 2>/dev/null
check "pcapgen exits 0" test $? -eq 0
"$rtpx" decode pcap "$work/g.pcap" > "$work/lines.jsonl"
check "decode pcap exits 0" test $? -eq 0
check "decode pcap lists RTP and RTCP" python3 - "$work/lines.jsonl" <<'PY'
import json, sys
kinds = {}
for line in open(sys.argv[1]):
    j = json.loads(line)
    kinds[j["kind"]] = kinds.get(j["kind"], 0) + 1
    assert "src" in j and "dst" in j and "frame" in j
sys.exit(0 if kinds.get("rtp", 0) > 1000 and kinds.get("rtcp", 0) >= 3 else 1)
PY
"$rtpx" decode pcap "$work/g.pcap" --summary --rtpmap 111=opus/48000/2 > "$work/summary.jsonl"
check "decode pcap --summary exits 0" test $? -eq 0
check "summary matches the generator's truth" python3 - "$work/summary.jsonl" "$work/truth.json" <<'PY'
import json, sys
summary = {s["ssrc"]: s for s in map(json.loads, open(sys.argv[1]))}
truth = json.load(open(sys.argv[2]))["streams"]
ok = len(summary) == len(truth)
for t in truth:
    s = summary.get(t["ssrc"])
    if s is None:
        print("missing stream", t["ssrc"]); ok = False; continue
    for key in ("ssrc", "src_ip", "src_port", "dst_ip", "dst_port", "pt", "codec", "packets", "lost", "jitter_ms", "mos"):
        if key not in s:
            print("missing key", key); ok = False
    received = t["sent"] - t["dropped"]
    # Lost is counted from the first to the highest sequence number received, so packets dropped at
    # the very start or end of a stream are not seen as lost: allow that.
    if s["packets"] != received or not (t["dropped"] - 3 <= s["lost"] <= t["dropped"]):
        print("stream", t["ssrc"], "packets", s["packets"], "vs", received, "lost", s["lost"], "vs", t["dropped"]); ok = False
    # The generator computes the RFC 3550 jitter of the arrivals it wrote, independently.
    if abs(s["jitter_ms"] - t["rfc3550_jitter_ms"]) > 0.02 + 0.01 * t["rfc3550_jitter_ms"]:
        print("stream", t["ssrc"], "jitter", s["jitter_ms"], "vs truth", t["rfc3550_jitter_ms"]); ok = False
    if s["codec"] != t["codec"] and s["codec"].lower() != t["codec"].lower():
        print("stream", t["ssrc"], "codec", s["codec"], "vs", t["codec"]); ok = False
    if not (1.0 <= s["mos"] <= 4.5) or s["jitter_ms"] <= 0:
        print("stream", t["ssrc"], "implausible mos/jitter", s["mos"], s["jitter_ms"]); ok = False
sys.exit(0 if ok else 1)
PY

# tshark, an independent decoder, must see the same packets and losses on the G.711 streams.
if command -v tshark >/dev/null 2>&1; then
  ports=$(python3 -c "import json,sys; print(' '.join('-d udp.port==%d,rtp' % s['dst_port'] for s in json.load(open(sys.argv[1]))['streams']))" "$work/truth.json")
  # shellcheck disable=SC2086
  tshark -r "$work/g.pcap" $ports -q -z rtp,streams > "$work/tshark.txt" 2>/dev/null
  check "tshark agrees on packets and loss" python3 - "$work/summary.jsonl" "$work/tshark.txt" "$work/truth.json" <<'PY'
import json, re, sys
summary = {s["ssrc"]: s for s in map(json.loads, open(sys.argv[1]))}
reordered = {t["ssrc"]: t["reordered"] for t in json.load(open(sys.argv[3]))["streams"]}
seen = 0
ok = True
# Columns: start end src sport dst dport SSRC payload pkts lost (pct) min/mean/max delta,
# min/mean/max jitter, problems.
for line in open(sys.argv[2]):
    m = re.search(r"0x([0-9a-fA-F]{8})\s+(\S+)\s+(\d+)\s+(-?\d+)\s+\(\S+\)\s+(.*)$", line)
    if not m:
        continue
    ssrc, packets, lost = int(m.group(1), 16), int(m.group(3)), int(m.group(4))
    max_jitter = float(m.group(5).split()[5])
    s = summary.get(ssrc)
    if s is None:
        print("tshark stream not in summary", hex(ssrc)); ok = False; continue
    seen += 1
    # Wireshark counts expected packets up to the last packet's sequence number, not the highest
    # (RFC 3550 A.3), so a reordered last packet makes it report one fewer loss: allow for that.
    if s["packets"] != packets or abs(s["lost"] - lost) > reordered[ssrc]:
        print("ssrc", hex(ssrc), "rtpx", s["packets"], s["lost"], "tshark", packets, lost); ok = False
    # Wireshark knows the clock of the static G.711 types: the RFC 3550 jitter must agree.
    if s["pt"] in (0, 8) and abs(s["max_jitter_ms"] - max_jitter) > 0.01 + 0.01 * max_jitter:
        print("ssrc", hex(ssrc), "max jitter rtpx", s["max_jitter_ms"], "tshark", max_jitter); ok = False
sys.exit(0 if ok and seen == len(summary) else 1)
PY
fi

# A file that is not a capture: one error line, exit 1.
echo "not a pcap" > "$work/bad.pcap"
out=$("$rtpx" decode pcap "$work/bad.pcap" 2>"$work/err"); status=$?
check "decode pcap rejects a non-capture" test $status -eq 1 -a -z "$out" -a "$(wc -l < "$work/err")" -eq 1

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
