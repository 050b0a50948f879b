#!/usr/bin/env bash
# rtpx demo: real calls through the appliance. As root on Debian 12; idempotent.
#
#   ./deploy/demo.sh [--calls N] [--no-srtp] [--static | --via-kamailio] [--keep]
#
# 1. deploy/setup.sh installs what is missing; the ci preset builds rtpx-dataplane, rtpx and
#    rtpx-controlplane. 2. Hugepages are reserved when the kernel gives them (the count is put back
#    on exit), else the data plane runs with --no-huge. 3. Namespaces rtpx-alice, rtpx-bob and
#    rtpx-core with the veths and addresses of CP_DESIGN.md (deploy/demo/topology.bash).
#    4. rtpx-dataplane (net_af_packet on core-a/core-b) and rtpx-controlplane
#    (--config deploy/demo/controlplane.toml) start in rtpx-core. 5. Calls: N-1 from a sipp UAC in
#    alice to a sipp UAS in bob (both replay /usr/share/sip-tester/g711a.pcap, 236 RTP packets,
#    PCMA), and one from baresip in alice with SRTP (SDES, AES_CM_128_HMAC_SHA1_80) bridged by rtpx
#    to plain RTP towards the sipp UAS; all at once. 6. One line per call, then exactly one line:
#      demo: calls=<n> ok=<n> failed=<n> rtp_in=<pkts> rtp_out=<pkts> lost=<pkts> srtp_calls=<n> mos_min=<x.x>
#    Exit 0 only when every call succeeded and no packet was lost.
#
# How the numbers are computed (deploy/demo/account.py has the details): dumpcap records alice's
# and bob's own interfaces; tshark reads the SIP of each call (matched across the B2BUA's two legs
# by the request-URI user bob-<n>), `rtpx decode pcap --summary` the RTP streams.
#   rtp_in   RTP packets the endpoints sent to rtpx's media addresses (RTCP not counted);
#   rtp_out  RTP packets the endpoints received from rtpx's media addresses;
#   lost     per call and direction, sent minus received, summed;
#   mos_min  the lowest E-model MOS of any stream as received by an endpoint;
#   srtp_calls  calls with an RTP/SAVP leg (seen in the SDP).
# Cross-checks printed before the summary: each sipp direction sent exactly the pcap's 236 packets;
# the data plane's own totals (`rtpx stats --json`: rx/tx packets, drops by reason) and the control
# plane's call records and /calls.
#
# --static: no control plane. SIP goes from alice to bob over a direct veth, the SDP names the
#   data plane's relay addresses, and `rtpx flow add` programs one flow pair per call: checks the
#   topology, the data plane and this script's accounting on their own.
# --via-kamailio: the same calls, routed by Kamailio 5.6 (deploy/kamailio/kamailio.cfg -A WITH_DEMO,
#   in rtpx-core on 10.99.1.10:5060 and 10.99.2.10:5060, where the B2BUA listens otherwise) with
#   media anchored by rtpx through the rtpengine ng protocol: rtpx-controlplane runs with
#   deploy/demo/controlplane-ng.toml (only [ng] on 127.0.0.1:2223, no SIP listener). The SRTP call
#   goes the other way round: a sipp UAC in alice (plain RTP/AVP, the pcap) calls bob-srtp-1, for
#   which Kamailio's rtpengine_offer asks for "SRTP AVP" towards bob, where baresip (srtp-mand,
#   SDES only) answers on 10.99.2.2:5070, plays a 9 s tone and hangs up; rtpx bridges RTP/AVP to
#   RTP/SAVP. The same per-call lines and summary line; Kamailio's ng traffic and rtpx's ng
#   counters are cross-checked before the summary.
# --no-srtp: only sipp calls. --keep: keep the namespaces and processes (Ctrl-C ends them).
# Logs and captures stay in ${RTPX_DEMO_DIR:-/tmp/rtpx-demo}. RTPX_PRESET (default ci) picks the build;
# RTPX_DATAPLANE=<binary> runs another data plane build, RTPX_DEMO_CONFIG=<file> another control-plane
# config (same topology). RTPX_DEMO_SUFFIX=<s> appends <s> to the namespace names (two demos at
# once on one host); RTPX_DEMO_NO_HUGE=1 runs the data plane with --no-huge.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

usage() { sed -n '4p' "$0" | sed 's/^#  */usage: /'; }
calls=4
srtp=1
static=0
kamailio=0
keep=0
while (($#)); do
    case $1 in
        --calls) calls=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
        --calls=*) calls=${1#--calls=}; shift ;;
        --no-srtp) srtp=0; shift ;;
        --static) static=1; srtp=0; shift ;;
        --via-kamailio) kamailio=1; shift ;;
        --keep) keep=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done
[[ $calls =~ ^[1-9][0-9]{0,2}$ ]] || { echo "demo: --calls takes 1..999" >&2; exit 2; }
((!static || !kamailio)) || { echo "demo: --static and --via-kamailio exclude each other" >&2; exit 2; }
((calls >= 2)) || srtp=0
nsipp=$((calls - srtp))
if [[ $(id -u) != 0 ]]; then
    echo "demo: run as root (it installs packages and creates network namespaces)" >&2
    exit 1
fi

# Always end with exactly one summary line, also when something fails before the calls.
summary_printed=0
summary() {
    echo "demo: calls=$1 ok=$2 failed=$3 rtp_in=$4 rtp_out=$5 lost=$6 srtp_calls=$7 mos_min=$8"
    summary_printed=1
}

./deploy/setup.sh
preset=${RTPX_PRESET:-ci}
BIN=$ROOT/build/$preset
echo "demo: building ($preset preset)"
cmake --preset "$preset" >/dev/null
targets=(rtpx-dataplane rtpx)
if ((!static)); then
    # (grep without -q reads all of it: with pipefail an early exit would fail the pipe.)
    if ! cmake --build "$BIN" --target help 2>/dev/null | grep '^rtpx-controlplane:' >/dev/null; then
        echo "demo: this tree has no rtpx-controlplane target yet; --static runs the demo without it" >&2
        summary "$calls" 0 "$calls" 0 0 0 0 0.0
        exit 1
    fi
    targets+=(rtpx-controlplane)
fi
cmake --build "$BIN" -j "$(nproc)" --target "${targets[@]}" >/dev/null
DP=${RTPX_DATAPLANE:-$BIN/dataplane/rtpx-dataplane}
RTPX=$BIN/controlplane/cli/rtpx
CP=$BIN/controlplane/rtpx-controlplane

# shellcheck source=demo/topology.bash
source "$ROOT/deploy/demo/topology.bash"
W=${RTPX_DEMO_DIR:-/tmp/rtpx-demo}
rm -rf "$W"
rtpx_topo_init "${RTPX_DEMO_SUFFIX:-}" "$W"
# The control plane's config names the data plane's socket and the call records file.
if ((kamailio)); then
    CP_CONFIG=${RTPX_DEMO_CONFIG:-$ROOT/deploy/demo/controlplane-ng.toml}
    command -v kamailio >/dev/null || { echo "demo: --via-kamailio needs kamailio (deploy/setup.sh installs it)" >&2; exit 1; }
else
    CP_CONFIG=${RTPX_DEMO_CONFIG:-$ROOT/deploy/demo/controlplane.toml}
fi
read -r RTPX_DP_SOCK records < <("$RTPX_PY" - "$CP_CONFIG" <<'PY'
import sys, tomllib
c = tomllib.load(open(sys.argv[1], "rb"))
print(c["dataplane"][0]["socket"], c.get("records", {}).get("path", "-"))
PY
)
mkdir -p "$(dirname "$RTPX_DP_SOCK")"
rm -f "$RTPX_DP_SOCK"
[[ $records == - ]] || rm -f "$records"

huge_file=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
huge_prev=""
huge_mounted=0
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    rtpx_topo_down >/dev/null 2>&1 || true
    if [[ -n $huge_prev ]]; then echo "$huge_prev" >"$huge_file" 2>/dev/null || true; fi
    if ((huge_mounted)); then umount /dev/hugepages 2>/dev/null || true; fi
    if ((!summary_printed)); then
        echo "demo: stopped early (exit $rc); logs in $W" >&2
        summary "$calls" 0 "$calls" 0 0 0 0 0.0
        ((rc != 0)) || rc=1
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Hugepages: 128 x 2 MB when the kernel gives them, else --no-huge (see rtpx_dp_start).
RTPX_DP_HUGE=0
if [[ -w $huge_file && -z ${RTPX_DEMO_NO_HUGE:-} ]]; then
    free=$(awk '/^HugePages_Free/ {print $2}' /proc/meminfo)
    if ((free < 128)); then
        huge_prev=$(cat "$huge_file")
        echo $((huge_prev + 128 - free)) >"$huge_file" 2>/dev/null || true
        free=$(awk '/^HugePages_Free/ {print $2}' /proc/meminfo)
    fi
    if ((free >= 128)); then
        if ! grep -q ' hugetlbfs ' /proc/mounts; then
            mkdir -p /dev/hugepages
            mount -t hugetlbfs nodev /dev/hugepages && huge_mounted=1
        fi
        grep -q ' hugetlbfs ' /proc/mounts && RTPX_DP_HUGE=1
    fi
fi
echo "demo: data plane memory: $( ((RTPX_DP_HUGE)) && echo "hugepages (--in-memory)" || echo "--no-huge")"

echo "demo: namespaces $RTPX_NS_ALICE, $RTPX_NS_BOB, $RTPX_NS_CORE"
rtpx_topo_up
rtpx_dp_start "$DP"
rtpx_topo_prime
sip_alice=$RTPX_ALICE_IP
sip_bob=$RTPX_BOB_IP
uac_remote=$RTPX_CORE_A_SIP:5060
: >"$W/alice.csv"
: >"$W/bob.csv"
echo SEQUENTIAL >>"$W/alice.csv"
echo SEQUENTIAL >>"$W/bob.csv"
if ((static)); then
    # SIP straight from alice to bob; media through one static flow pair per call.
    sip_alice=10.99.3.2
    sip_bob=10.99.3.3
    uac_remote=$sip_bob:5060
    ip link add sip0 netns "$RTPX_NS_ALICE" type veth peer name sip0 netns "$RTPX_NS_BOB"
    ip -n "$RTPX_NS_ALICE" addr add $sip_alice/24 dev sip0
    ip -n "$RTPX_NS_BOB" addr add $sip_bob/24 dev sip0
    ip -n "$RTPX_NS_ALICE" link set sip0 up
    ip -n "$RTPX_NS_BOB" link set sip0 up
    {
        echo '{"flows": ['
        for ((i = 0; i < nsipp; i++)); do
            a=$((30000 + 4 * i)) b=$((30002 + 4 * i))
            ((i == 0)) || echo ","
            echo "{\"local\": \"$RTPX_MEDIA_A:$a\", \"egress_source\": \"$RTPX_MEDIA_B:$b\", \"egress_destination\": \"$RTPX_BOB_IP:6000\", \"cookie\": $((i + 1))},"
            echo "{\"local\": \"$RTPX_MEDIA_B:$b\", \"egress_source\": \"$RTPX_MEDIA_A:$a\", \"egress_destination\": \"$RTPX_ALICE_IP:6000\", \"cookie\": $((i + 1))}"
            echo "$RTPX_MEDIA_B;$b" >>"$W/alice.csv"   # alice's SDP: bob sends to the relay
            echo "$RTPX_MEDIA_A;$a" >>"$W/bob.csv"     # bob's SDP: alice sends to the relay
        done
        echo ']}'
    } >"$W/flows.json"
    "$RTPX" flow add "$W/flows.json" --dataplane "$RTPX_DP_SOCK"
else
    for ((i = 0; i < nsipp; i++)); do echo "$RTPX_ALICE_IP;6000" >>"$W/alice.csv"; done
    # Via Kamailio the SRTP call goes to baresip in bob, not to the sipp UAS.
    for ((i = 0; i < calls - kamailio * srtp; i++)); do echo "$RTPX_BOB_IP;6000" >>"$W/bob.csv"; done
    echo "demo: rtpx-controlplane --config ${CP_CONFIG#"$ROOT"/}"
    rtpx_cp_start "$CP" "$CP_CONFIG"
    if ((kamailio)); then
        echo "demo: kamailio -f deploy/kamailio/kamailio.cfg -A WITH_DEMO (SIP on $RTPX_CORE_A_SIP:5060 and $RTPX_CORE_B_SIP:5060, rtpx over ng)"
        rtpx_kamailio_start "$ROOT/deploy/kamailio/kamailio.cfg" -A WITH_DEMO
    fi
fi

# Captures on the endpoints' own interfaces: the accounting's source of truth.
ifaces=(-i eth0)
((!static)) || ifaces+=(-i sip0)
rtpx_bg alice dumpcap -q "${ifaces[@]}" -f udp -w "$W/alice.pcapng" >"$W/dumpcap-alice.log" 2>&1
cap_alice=$RTPX_LAST_PID
rtpx_bg bob dumpcap -q "${ifaces[@]}" -f udp -w "$W/bob.pcapng" >"$W/dumpcap-bob.log" 2>&1
cap_bob=$RTPX_LAST_PID
for _ in $(seq 50); do [[ -s $W/alice.pcapng && -s $W/bob.pcapng ]] && break; sleep 0.1; done
sleep 0.5

sipp_common=(-nostdin -trace_err -trace_screen -mp 6000 -timeout 60s -timeout_error)
rtpx_bg bob sipp -sf "$ROOT/deploy/demo/uas_pcap.xml" -i "$sip_bob" -p 5060 -mi "$RTPX_BOB_IP" \
    -inf "$W/bob.csv" -m $((calls - kamailio * srtp)) "${sipp_common[@]}" \
    -error_file "$W/sipp-uas-errors.log" -screen_file "$W/sipp-uas-screen.log" >"$W/sipp-uas.log" 2>&1
uas=$RTPX_LAST_PID
sleep 0.5
if ((kamailio && srtp)); then
    # bob's SRTP endpoint: baresip answers bob-srtp-1 on 5070 (SDES only), plays a 9 s tone and
    # hangs up (after alice's 7 s pcap ended: no packet is in flight when Kamailio deletes).
    rtpx_baresip_setup "$W/baresip" "$RTPX_BOB_IP:5070" bob-srtp-1 9 ";mediaenc=srtp-mand;answermode=auto"
    rtpx_bg bob baresip -f "$W/baresip" -t 30 >"$W/baresip.log" 2>&1
    bare=$RTPX_LAST_PID
    sleep 1
fi
echo "demo: placing $nsipp sipp call(s)$( ((srtp)) && echo " and 1 call with SRTP ($( ((kamailio)) && echo "sipp in alice, RTP/SAVP towards baresip in bob" || echo "baresip in alice"))")"
rtpx_bg alice sipp "$uac_remote" -sf "$ROOT/deploy/demo/uac_pcap.xml" -s bob -i "$sip_alice" -p 5060 \
    -mi "$RTPX_ALICE_IP" -inf "$W/alice.csv" -key rtpx_target "$RTPX_BOB_IP" -m "$nsipp" -l "$nsipp" \
    -r 10 "${sipp_common[@]}" \
    -error_file "$W/sipp-uac-errors.log" -screen_file "$W/sipp-uac-screen.log" >"$W/sipp-uac.log" 2>&1
uac=$RTPX_LAST_PID

if ((srtp && kamailio)); then
    # The RTP/AVP caller of the SRTP call: sipp in alice (media port 6100) plays the whole pcap, then
    # waits for bob's BYE (the scenario the control-plane tests use for "callee hangs up").
    echo SEQUENTIAL >"$W/alice-srtp.csv"
    echo "$RTPX_ALICE_IP;6100" >>"$W/alice-srtp.csv"
    rtpx_bg alice sipp "$uac_remote" -sf "$ROOT/tests/integration/controlplane_scenarios/uac_wait_bye.xml" \
        -s bob-srtp \
        -i "$sip_alice" -p 5062 -mi "$RTPX_ALICE_IP" -mp 6100 -inf "$W/alice-srtp.csv" \
        -key rtpx_target "$RTPX_BOB_IP:5070" -m 1 -nostdin -trace_err -trace_screen -timeout 60s \
        -timeout_error -error_file "$W/sipp-uac-srtp-errors.log" -screen_file "$W/sipp-uac-srtp-screen.log" \
        >"$W/sipp-uac-srtp.log" 2>&1
    uac_srtp=$RTPX_LAST_PID
elif ((srtp)); then
    # baresip 1.0 headless (rtpx_baresip_setup): a 9 s tone, then it hangs up; mediaenc=srtp-mand
    # offers RTP/SAVP with SDES keys only.
    rtpx_baresip_setup "$W/baresip" "$RTPX_ALICE_IP:5070" alice 9 ";mediaenc=srtp-mand"
    rtpx_bg alice baresip -f "$W/baresip" -t 18 -e "/dial sip:bob-srtp@$RTPX_CORE_A_SIP:5060" \
        >"$W/baresip.log" 2>&1
    bare=$RTPX_LAST_PID
fi
uac_rc=0
wait "$uac" || uac_rc=$?
if ((srtp && kamailio)); then
    wait "$uac_srtp" || { rc_srtp=$?; echo "demo: sipp UAC of the SRTP call exit $rc_srtp (logs: $W/sipp-uac-srtp*.log)"; ((uac_rc)) || uac_rc=$rc_srtp; }
    for _ in $(seq 50); do kill -0 "$bare" 2>/dev/null || break; sleep 0.1; done
    rtpx_stop_pid "$bare"
elif ((srtp)); then wait "$bare" || true; fi
for _ in $(seq 100); do kill -0 "$uas" 2>/dev/null || break; sleep 0.1; done
uas_rc=0
if kill -0 "$uas" 2>/dev/null; then uas_rc=timeout; rtpx_stop_pid "$uas"; else wait "$uas" || uas_rc=$?; fi
sleep 0.5
for pid in "$cap_alice" "$cap_bob"; do kill -TERM "$pid" 2>/dev/null || true; done
for pid in "$cap_alice" "$cap_bob"; do wait "$pid" 2>/dev/null || true; done

echo "demo: sipp UAC exit $uac_rc, UAS exit $uas_rc (logs: $W/sipp-*.log)"
"$RTPX" stats --json --dataplane "$RTPX_DP_SOCK" >"$W/dp-stats.json" || true
if ((kamailio)); then
    # What rtpx's ng server saw: Kamailio's offers, answers and deletes, and no session left.
    rtpx_ng_statistics >"$W/ng-statistics.json" 2>/dev/null || true
    "$RTPX_PY" - "$W/ng-statistics.json" <<'PY' || true
import json, sys
try:
    s = json.load(open(sys.argv[1]))
    c, cur = s["controlstatistics"], s["currentstatistics"]
    print("demo: rtpx ng server: offers=%s answers=%s deletes=%s errors=%s sessions_left=%s" % (
        c["totaloffercount"], c["totalanswercount"], c["totaldeletecount"], c["totalerrorcount"],
        cur["sessionsown"]))
except Exception as e:
    print("demo: rtpx ng statistics unavailable (%s)" % e)
PY
fi
if ((!static)); then
    rtpx_http /calls >"$W/calls-after.json" 2>/dev/null || true
    rtpx_http /metrics >"$W/metrics.txt" 2>/dev/null || true
fi
"$RTPX_PY" - "$W/dp-stats.json" "$records" "$W/calls-after.json" <<'PY' || true
import json, os, sys
try:
    s = json.load(open(sys.argv[1]))
    drops = s.get("drops", {})
    media = {k: v for k, v in drops.items() if v and k not in
             ("not_for_us", "unsupported_l3", "exception_ignored", "rtcp_terminated")}
    print("demo: data plane rx_packets=%s tx_packets=%s flows_left=%s media_drops=%s" % (
        s.get("rx_packets"), s.get("tx_packets"), s.get("flows"), media or 0))
except Exception as e:  # the data plane is gone: say so, the endpoints' counts still stand
    print("demo: data plane stats unavailable (%s)" % e)
if os.path.exists(sys.argv[2]):
    # The control plane's own view: per call record, per leg the packets rtpx received from that
    # leg, the loss it saw and its MOS (legs a and b).
    records = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
    legs = [leg for r in records for leg in r.get("legs", {}).values() if leg]
    print("demo: control plane records: %d call(s), legs' packets=%d lost=%d mos_min=%s (%s)" % (
        len(records), sum(l.get("packets", 0) for l in legs), sum(l.get("lost", 0) for l in legs),
        min((l["mos"] for l in legs if l.get("mos")), default="-"), sys.argv[2]))
if os.path.exists(sys.argv[3]) and os.path.getsize(sys.argv[3]):
    print("demo: control plane /calls after the calls: %s" % open(sys.argv[3]).read().strip()[:200])
PY

# One line per call, then the totals.
"$RTPX_PY" "$ROOT/deploy/demo/account.py" --rtpx "$RTPX" --alice "$W/alice.pcapng" --bob "$W/bob.pcapng" \
    --expect-per-stream 236 >"$W/account.txt"
grep -v '^totals: ' "$W/account.txt"
read -r c_calls c_ok c_failed rtp_in rtp_out lost srtp_calls mos_min < <(
    sed -n 's/^totals: //p' "$W/account.txt" | "$RTPX_PY" -c '
import json, sys
t = json.load(sys.stdin)
print(t["calls"], t["ok"], t["failed"], t["rtp_in"], t["rtp_out"], t["lost"], t["srtp_calls"],
      "%.1f" % (t["mos_min"] or 0))')
# The SRTP call also needs baresip to have decrypted and decoded the far side's audio: its sndfile
# dump must hold at least 5 s of non-silent samples (the far side's sipp sends 7 s), with no SRTP
# error.
if ((srtp)); then
    if ! "$RTPX_PY" - "$W/baresip" "$W/baresip.log" "$( ((kamailio)) && echo "bob, from alice" || echo "alice, from bob")" <<'PY'; then
import glob, sys, wave
dumps = glob.glob(sys.argv[1] + "/dump-*-dec.wav")
log = open(sys.argv[2], errors="replace").read()
voiced = 0
if dumps:
    w = wave.open(dumps[0])
    pcm = w.readframes(w.getnframes())
    voiced = sum(1 for i in range(0, len(pcm) - 1, 2) if pcm[i:i + 2] != b"\0\0")
bad = "failed to decrypt RTP" in log
print("demo: baresip (SRTP leg, in %s) decoded %.1f s of audio%s" % (
    sys.argv[3], voiced / 8000, ", and logged SRTP failures" if bad else ""))
sys.exit(0 if voiced >= 5 * 8000 and not bad else 1)
PY
        if grep -q '^call [0-9]* bob-srtp.*: ok' "$W/account.txt"; then c_ok=$((c_ok - 1)) c_failed=$((c_failed + 1)); fi
    fi
fi
# Calls that never showed up on alice's wire count as failed.
missing=$((calls - c_calls))
((missing > 0)) || missing=0
failed=$((c_failed + missing))
rc=0
[[ $failed == 0 && $lost == 0 && $c_ok == "$calls" && $uac_rc == 0 ]] || rc=1
((!keep)) || echo "demo: --keep: namespaces and processes stay up until Ctrl-C"
summary "$calls" "$c_ok" "$failed" "$rtp_in" "$rtp_out" "$lost" "$srtp_calls" "$mos_min"
if ((keep)); then
    trap 'exit $rc' INT TERM
    sleep infinity &
    wait $! || true
fi
exit $rc
