# shellcheck shell=bash
# Shared by tests/integration/controlplane_*_test.sh: the demo topology (deploy/demo/topology.bash)
# under namespace names unique to this run (rtpx-{alice,bob,core}-t<pid>, so tests and a running
# demo coexist), rtpx-dataplane and rtpx-controlplane started in the core namespace, sipp helpers,
# captures on the endpoints' interfaces, and cleanup of all of it on every exit.
#
# A test does:
#   source "$(dirname "$0")/controlplane_lib.bash" "$@"   # args: DATAPLANE CONTROLPLANE RTPX
#   cp_test_up [limits.key=value ...]       # topology, data plane, control plane (config below)
#   ... sipp_uas / sipp_uac / cap_start / cap_stop / account / checks ...
#   pass "what was checked"
# Exit 77 (skipped) when not root, or ip(8), sipp, tshark, dumpcap or editcap is missing.
# CP_TEST_KEEP=1 keeps the work directory (logs, captures, configs) for a look after a failure.
set -euo pipefail
CP_TEST_DP=$1
CP_TEST_CP=$2
CP_TEST_RTPX=$3
CP_TEST_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CP_TEST_ROOT=$(cd "$CP_TEST_HERE/../.." && pwd)
CP_TEST_SCEN=$CP_TEST_HERE/controlplane_scenarios
CP_TEST_NAME=$(basename "$0" _test.sh)

skip() { echo "skipped: $*"; exit 77; }
if [[ $(id -u) != 0 ]]; then skip "needs root (network namespaces)"; fi
for tool in ip sipp tshark dumpcap editcap; do
    command -v "$tool" >/dev/null || skip "needs $tool"
done

# shellcheck source=../../deploy/demo/topology.bash
source "$CP_TEST_ROOT/deploy/demo/topology.bash"
W=$(mktemp -d "/tmp/rtpx-$CP_TEST_NAME.XXXXXX")
rtpx_topo_init "-t$$" "$W"

cp_test_cleanup() {
    local rc=$?
    trap - EXIT
    rtpx_topo_down >/dev/null 2>&1 || true
    if [[ $rc != 0 && $rc != 77 ]]; then
        echo "FAILED (exit $rc); logs:"
        for f in "$W"/controlplane.log "$W"/dataplane.log "$W"/sipp-*.log "$W"/*errors*.log; do
            [[ -s $f ]] && { echo "--- $f"; tail -25 "$f"; }
        done
    fi
    if [[ -n ${CP_TEST_KEEP:-} ]]; then echo "kept $W"; else rm -rf "$W"; fi
    exit "$rc"
}
trap cp_test_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# Tests replay the first 50 packets (1.5 s) of sipp's g711a.pcap instead of all 236 (7 s), and
# their scenarios wait 2.5 s instead of 9 s before the BYE: see cp_scenario.
CP_TEST_PKTS=50
editcap -r /usr/share/sip-tester/g711a.pcap "$W/short.pcap" 1-$CP_TEST_PKTS >/dev/null

fail() { echo "FAIL: $*"; exit 1; }
pass() { echo "ok: $*"; exit 0; }

# The demo's control-plane config (cp-core's deploy/demo/controlplane.toml) for this run: the data
# plane's socket, the records file and the journal move into $W; the given [limits] keys are set
# (key=value, replacing the file's value or added to [limits]); $CP_TEST_EXTRA_TOML is appended
# (e.g. a [[route]] that only this test needs: routes match in file order, so give it a user or
# request-URI host that no earlier route takes).
cp_test_config() {
    "$RTPX_PY" - "$CP_TEST_ROOT/deploy/demo/controlplane.toml" "$W" "$@" >"$W/controlplane.toml" <<'PY'
import re, sys
work = sys.argv[2]
limits = dict(kv.split("=", 1) for kv in sys.argv[3:])
out, table = [], ""
moved = {"dataplane": ("socket", work + "/dataplane.sock"), "records": ("path", work + "/calls.jsonl"),
         "journal": ("path", work + "/journal")}
for line in open(sys.argv[1]).read().splitlines():
    header = re.match(r"\s*\[\[?([^\]]+)\]\]?\s*(#.*)?$", line)
    if header:
        if table == "limits":
            out += ["%s = %s" % kv for kv in limits.items()]
            limits = {}
        table = header.group(1).strip()
    else:
        key = re.match(r"\s*([A-Za-z0-9_]+)\s*=", line)
        if key and table in moved and key.group(1) == moved[table][0]:
            line = '%s = "%s"' % moved[table]
        elif key and table == "limits" and key.group(1) in limits:
            line = "%s = %s" % (key.group(1), limits.pop(key.group(1)))
    out.append(line)
if table == "limits":
    out += ["%s = %s" % kv for kv in limits.items()]
elif limits:
    out += ["[limits]"] + ["%s = %s" % kv for kv in limits.items()]
print("\n".join(out))
PY
    if [[ -n ${CP_TEST_EXTRA_TOML:-} ]]; then
        printf '\n%s\n' "${CP_TEST_EXTRA_TOML//\/run\/rtpx\//$W/}" >>"$W/controlplane.toml"
    fi
}

# Topology, data plane (primed ARP both ways), control plane with cp_test_config "$@".
cp_test_up() {
    rtpx_topo_up
    rtpx_dp_start "$CP_TEST_DP" || fail "rtpx-dataplane did not start"
    rtpx_topo_prime || fail "data plane does not answer ARP/ICMP"
    cp_test_config "$@"
    rtpx_cp_start "$CP_TEST_CP" "$W/controlplane.toml" || fail "rtpx-controlplane did not start"
}

# The path of scenario $1 (a file, or a name in controlplane_scenarios/), rewritten for this run:
# the short pcap and short pauses (unless $2 is "full": the whole 236-packet pcap, 9 s).
cp_scenario() {
    local src=$1 out
    [[ -f $src ]] || src=$CP_TEST_SCEN/$src
    out=$W/$(basename "$src")
    if [[ ${2:-} == full ]]; then
        cp "$src" "$out"
    else
        sed -e "s#/usr/share/sip-tester/g711a.pcap#$W/short.pcap#" \
            -e 's#<pause milliseconds="9000"/>#<pause milliseconds="2500"/>#' "$src" >"$out"
    fi
    echo "$out"
}

# sipp as bob's UAS (port 5060, media 6000) in the background; sets UAS_PID. $1 = scenario file
# (from cp_scenario), the rest are extra sipp arguments (-m N ...).
sipp_uas() {
    local scen=$1
    shift
    cp_test_csv "$W/uas.csv" "$RTPX_BOB_IP" 50
    rtpx_bg bob sipp -sf "$scen" -i "$RTPX_BOB_IP" -p 5060 -mi "$RTPX_BOB_IP" -mp 6000 \
        -inf "$W/uas.csv" -nostdin -timeout 60s -timeout_error -trace_err \
        -error_file "$W/sipp-uas-errors.log" "$@" >"$W/sipp-uas.log" 2>&1
    UAS_PID=$RTPX_LAST_PID
    sleep 0.3
}

# sipp as alice's UAC towards the control plane (10.99.1.10:5060) from a free port; request-URI
# user $2 (default bob, sipp appends -<call number>), host $CP_UAC_TARGET (default 10.99.2.2); media port $CP_UAC_MP
# (default 6000; a second UAC at the same time needs another). Runs in the foreground; returns sipp's exit
# status (0: every call went as the scenario says).
sipp_uac() {
    local scen=$1 user=${2:-bob}
    shift 2 || shift $#
    local mp=${CP_UAC_MP:-6000}
    cp_test_csv "$W/uac-$mp.csv" "$RTPX_ALICE_IP" 50 "$mp"
    rtpx_in alice sipp "$RTPX_CORE_A_SIP:5060" -sf "$scen" -s "$user" -i "$RTPX_ALICE_IP" \
        -mi "$RTPX_ALICE_IP" -mp "$mp" -inf "$W/uac-$mp.csv" -key rtpx_target "${CP_UAC_TARGET:-$RTPX_BOB_IP}" \
        -nostdin -timeout 60s -timeout_error -trace_err -error_file "$W/sipp-uac-errors.log" \
        "$@" >>"$W/sipp-uac.log" 2>&1
}

# The same as sipp_uac, in the background; sets UAC_PID.
sipp_uac_bg() {
    sipp_uac "$@" &
    UAC_PID=$!
    RTPX_BG_PIDS+=("$UAC_PID")
}

# Waits for a background pid; fails with $2 when it exits non-zero.
wait_ok() { wait "$1" || fail "$2 (exit $?)"; }

cp_test_csv() {
    local file=$1 ip=$2 n=$3 port=${4:-6000} i
    echo SEQUENTIAL >"$file"
    for ((i = 0; i < n; i++)); do echo "$ip;$port" >>"$file"; done
}

# Captures UDP on alice's and bob's eth0 (cap_stop ends them).
cap_start() {
    rtpx_bg alice dumpcap -q -i eth0 -f udp -w "$W/alice.pcapng" >/dev/null 2>&1
    CAP_ALICE=$RTPX_LAST_PID
    rtpx_bg bob dumpcap -q -i eth0 -f udp -w "$W/bob.pcapng" >/dev/null 2>&1
    CAP_BOB=$RTPX_LAST_PID
    local _
    for _ in $(seq 50); do [[ -s $W/alice.pcapng && -s $W/bob.pcapng ]] && break; sleep 0.1; done
    sleep 0.5
}
cap_stop() {
    sleep 0.5
    kill -TERM "$CAP_ALICE" "$CAP_BOB" 2>/dev/null || true
    wait "$CAP_ALICE" 2>/dev/null || true
    wait "$CAP_BOB" 2>/dev/null || true
}

# The demo's per-call accounting over the captures (deploy/demo/account.py): call lines, then
# "totals: {json}". ACCOUNT holds the output.
account() {
    ACCOUNT=$("$RTPX_PY" "$CP_TEST_ROOT/deploy/demo/account.py" --rtpx "$CP_TEST_RTPX" \
        --alice "$W/alice.pcapng" --bob "$W/bob.pcapng" "$@")
    echo "$ACCOUNT"
}
# A key of the totals line: total rtp_in
total() { sed -n 's/^totals: //p' <<<"$ACCOUNT" | "$RTPX_PY" -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

# SIP as seen in a capture: one line per message, "method-or-status cseq-method" (tshark).
sip_lines() {
    tshark -n -r "$W/$1.pcapng" -Y sip -T fields -E separator=' ' -E occurrence=f \
        -e sip.Method -e sip.Status-Code -e sip.CSeq.method 2>/dev/null | awk '{$1 = $1; print}'
}

# Data plane flows left (count) and the control plane's active calls (from /calls, a JSON array or
# an object with "calls"); both must drop to 0 after every call ended.
dp_flow_count() { "$CP_TEST_RTPX" flows --json --dataplane "$RTPX_DP_SOCK" | "$RTPX_PY" -c 'import json,sys; print(len(json.load(sys.stdin)["flows"]))'; }
cp_active_calls() {
    rtpx_http /calls | "$RTPX_PY" -c '
import json, sys
d = json.load(sys.stdin)
print(len(d if isinstance(d, list) else d.get("calls", [])))'
}
# Waits up to $1 s for no flows and no active call.
expect_idle() {
    local _ flows calls
    for _ in $(seq $(($1 * 10))); do
        flows=$(dp_flow_count) calls=$(cp_active_calls)
        [[ $flows == 0 && $calls == 0 ]] && return 0
        sleep 0.1
    done
    fail "not idle after $1 s: $flows flow(s) in the data plane, $calls call(s) in /calls"
}

# Sends one UDP datagram (file or text) from alice to the control plane and prints the status line
# of the first response within 2 s ("" when none came).
sip_probe() {
    rtpx_in alice "$RTPX_PY" - "$RTPX_ALICE_IP" "$RTPX_CORE_A_SIP" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0))
s.settimeout(2)
msg = sys.argv[3].replace("\\r\\n", "\r\n").replace("@PORT@", str(s.getsockname()[1])).encode("latin-1")
s.sendto(msg, (sys.argv[2], 5060))
try:
    while True:
        data = s.recv(65535).decode("latin-1")
        status = data.split("\r\n", 1)[0]
        if not status.startswith("SIP/2.0 1"):   # skip 100 Trying
            print(status)
            print("\n".join(l for l in data.split("\r\n")[1:] if l.lower().startswith("retry-after")))
            break
except socket.timeout:
    print("")
PY
}
