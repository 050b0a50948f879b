# shellcheck shell=bash
# The demo topology of CP_DESIGN.md, as functions sourced by deploy/demo.sh and by
# tests/integration/controlplane_*_test.sh:
#
#   <alice>: eth0 10.99.1.2/24 ──veth── core-a ┐
#                                               ├ <core>: kernel 10.99.1.10 / 10.99.2.10 (SIP, rtpx-controlplane)
#   <bob>:   eth0 10.99.2.2/24 ──veth── core-b ┘          rtpx-dataplane on net_af_packet: 10.99.1.1 / 10.99.2.1 (media)
#
# The kernel and the data plane share each core-side veth: ARP for .10 is the kernel's, ARP for .1
# the data plane's. Namespace names are rtpx-{alice,bob,core}<suffix> (the demo uses no suffix, tests a
# unique one, so both can run at once). IP addresses repeat across namespaces; only file paths (the
# data plane's control socket, its EAL file prefix) must be unique, so they live in $RTPX_TOPO_WORK.
#
# Usage:
#   source deploy/demo/topology.bash
#   rtpx_topo_init SUFFIX WORKDIR        # sets RTPX_NS_ALICE/BOB/CORE, RTPX_DP_SOCK, ...
#   rtpx_topo_up                         # namespaces, veths, addresses (removes stale ones first)
#   rtpx_dp_start DATAPLANE_BIN [EXTRA_TOML]  # writes $RTPX_TOPO_WORK/dataplane.toml, starts it in core
#   rtpx_topo_prime                      # alice and bob ping the media addresses (teaches ARP both ways)
#   rtpx_cp_start CONTROLPLANE_BIN CONFIG     # starts rtpx-controlplane in core, waits for its HTTP port
#   rtpx_kamailio_start CFG [ARGS...]    # Kamailio in core (-DD -E), waits for its SIP sockets
#   rtpx_ng JSON                         # one rtpengine ng request (JSON body) to rtpx, prints the reply
#   rtpx_ng_statistics                   # the ng `statistics` dictionary as JSON
#   rtpx_in alice|bob|core CMD...        # runs CMD in that namespace
#   rtpx_baresip_setup DIR ADDR:PORT USER SECONDS ACCOUNT_PARAMS   # a headless baresip config
#   rtpx_topo_down                       # stops what rtpx_*_start started, removes namespaces and files
# Every function returns non-zero with a message on stderr when something does not come up.

RTPX_TOPO_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RTPX_ALICE_IP=10.99.1.2
RTPX_BOB_IP=10.99.2.2
RTPX_CORE_A_SIP=10.99.1.10
RTPX_CORE_B_SIP=10.99.2.10
RTPX_MEDIA_A=10.99.1.1
RTPX_MEDIA_B=10.99.2.1
RTPX_HTTP=127.0.0.1:9780

rtpx_topo_init() {
    local suffix=$1
    RTPX_TOPO_WORK=$2
    RTPX_NS_ALICE=rtpx-alice$suffix
    RTPX_NS_BOB=rtpx-bob$suffix
    RTPX_NS_CORE=rtpx-core$suffix
    RTPX_DP_PREFIX=rtpx-dp${suffix:--demo}
    RTPX_DP_SOCK=$RTPX_TOPO_WORK/dataplane.sock
    RTPX_DP_PID=""
    RTPX_CP_PID=""
    RTPX_BG_PIDS=()
    RTPX_PY=$(python3 -c 'import sys; print(sys.executable)')
    mkdir -p "$RTPX_TOPO_WORK"
}

rtpx_ns() {
    case $1 in
        alice) echo "$RTPX_NS_ALICE" ;;
        bob) echo "$RTPX_NS_BOB" ;;
        core) echo "$RTPX_NS_CORE" ;;
        *) echo "rtpx_ns: unknown namespace $1" >&2; return 2 ;;
    esac
}

rtpx_in() {
    local ns
    ns=$(rtpx_ns "$1") || return 2
    shift
    ip netns exec "$ns" "$@"
}

rtpx_topo_up() {
    local ns
    for ns in "$RTPX_NS_ALICE" "$RTPX_NS_BOB" "$RTPX_NS_CORE"; do
        ip netns del "$ns" 2>/dev/null || true   # idempotent: a previous run killed hard
        ip netns add "$ns" || return 1
        ip -n "$ns" link set lo up
    done
    ip link add core-a netns "$RTPX_NS_CORE" type veth peer name eth0 netns "$RTPX_NS_ALICE" || return 1
    ip link add core-b netns "$RTPX_NS_CORE" type veth peer name eth0 netns "$RTPX_NS_BOB" || return 1
    # No IPv6 on the core side: router/neighbour solicitations would only add noise to the data
    # plane's not_for_us counters.
    ip netns exec "$RTPX_NS_CORE" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    ip netns exec "$RTPX_NS_CORE" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
    ip netns exec "$RTPX_NS_CORE" sysctl -qw net.ipv4.ip_forward=0   # media is the data plane's job
    ip -n "$RTPX_NS_ALICE" addr add $RTPX_ALICE_IP/24 dev eth0
    ip -n "$RTPX_NS_BOB" addr add $RTPX_BOB_IP/24 dev eth0
    ip -n "$RTPX_NS_CORE" addr add $RTPX_CORE_A_SIP/24 dev core-a
    ip -n "$RTPX_NS_CORE" addr add $RTPX_CORE_B_SIP/24 dev core-b
    for ns in "$RTPX_NS_ALICE" "$RTPX_NS_BOB"; do
        ip -n "$ns" link set eth0 up
    done
    ip -n "$RTPX_NS_CORE" link set core-a up
    ip -n "$RTPX_NS_CORE" link set core-b up
}

# Writes the data plane's TOML (ports core-a/core-b, media addresses .1) and starts it in core.
# Memory: hugepages when RTPX_DP_HUGE=1 (the demo reserved them; --in-memory leaves no files),
# otherwise --no-huge. $2 is appended to the [dataplane] table (e.g. a smaller max_flows).
rtpx_dp_start() {
    local bin=$1 extra=${2:-} mem
    if [[ ${RTPX_DP_HUGE:-0} == 1 ]]; then
        mem='"--in-memory"'
    else
        mem='"--no-huge", "-m", "256", "--no-shconf"'
    fi
    cat >"$RTPX_TOPO_WORK/dataplane.toml" <<TOML
[dataplane]
control_socket = "$RTPX_DP_SOCK"
lcores = "0-1"
mbufs = 4095
max_flows = 4096
eal = [$mem, "--file-prefix=$RTPX_DP_PREFIX", "--log-level=error"]
$extra

[[port]]
vdev = "net_af_packet0,iface=core-a"
addresses = ["$RTPX_MEDIA_A"]

[[port]]
vdev = "net_af_packet1,iface=core-b"
addresses = ["$RTPX_MEDIA_B"]
TOML
    ip netns exec "$RTPX_NS_CORE" "$bin" --config "$RTPX_TOPO_WORK/dataplane.toml" ${RTPX_DP_FLOWS:+--flows "$RTPX_DP_FLOWS"} \
        >"$RTPX_TOPO_WORK/dataplane.log" 2>&1 &
    RTPX_DP_PID=$!
    local _
    for _ in $(seq 150); do
        [[ -S $RTPX_DP_SOCK ]] && return 0
        if ! kill -0 "$RTPX_DP_PID" 2>/dev/null; then
            echo "rtpx-dataplane exited:" >&2
            tail -20 "$RTPX_TOPO_WORK/dataplane.log" >&2
            RTPX_DP_PID=""
            return 1
        fi
        sleep 0.1
    done
    echo "rtpx-dataplane: no control socket after 15 s" >&2
    return 1
}

# Both peers ping their media address: checks the data plane answers, and the ARP exchanges teach
# it the peers' MACs before the first RTP packet has to go out (it would otherwise drop that packet
# while it resolves).
rtpx_topo_prime() {
    local ping=$RTPX_TOPO_LIB_DIR/../../tests/integration/rtp_peer.py
    ip netns exec "$RTPX_NS_ALICE" "$RTPX_PY" "$ping" ping $RTPX_MEDIA_A --count 1 --timeout 2 \
        || { echo "alice cannot ping the data plane at $RTPX_MEDIA_A" >&2; return 1; }
    ip netns exec "$RTPX_NS_BOB" "$RTPX_PY" "$ping" ping $RTPX_MEDIA_B --count 1 --timeout 2 \
        || { echo "bob cannot ping the data plane at $RTPX_MEDIA_B" >&2; return 1; }
}

# Starts rtpx-controlplane in core and waits until its HTTP listener answers (or the process exits).
rtpx_cp_start() {
    local bin=$1 config=$2
    ip netns exec "$RTPX_NS_CORE" "$bin" --config "$config" >>"$RTPX_TOPO_WORK/controlplane.log" 2>&1 &
    RTPX_CP_PID=$!
    local _
    for _ in $(seq 100); do
        if ! kill -0 "$RTPX_CP_PID" 2>/dev/null; then
            echo "rtpx-controlplane exited:" >&2
            tail -20 "$RTPX_TOPO_WORK/controlplane.log" >&2
            RTPX_CP_PID=""
            return 1
        fi
        if rtpx_http /metrics >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    echo "rtpx-controlplane: no HTTP answer on $RTPX_HTTP after 10 s" >&2
    return 1
}

# Kamailio (deploy/kamailio/kamailio.cfg, or CFG) in core, in the foreground of its own process
# (-DD: the main process stays, its workers are children; -E: log to stderr), with its runtime
# files in $RTPX_TOPO_WORK/kamailio; remembered for rtpx_topo_down. Waits until it has bound its
# SIP sockets on 10.99.1.10:5060 and 10.99.2.10:5060 (or it exits: its log's tail on stderr).
rtpx_kamailio_start() {
    local cfg=$1 _
    shift
    mkdir -p "$RTPX_TOPO_WORK/kamailio"
    rtpx_bg core kamailio -DD -E -f "$cfg" -Y "$RTPX_TOPO_WORK/kamailio" -w "$RTPX_TOPO_WORK/kamailio" \
        "$@" >"$RTPX_TOPO_WORK/kamailio.log" 2>&1
    RTPX_KAM_PID=$RTPX_LAST_PID
    for _ in $(seq 100); do
        if ! kill -0 "$RTPX_KAM_PID" 2>/dev/null; then
            echo "kamailio exited:" >&2
            tail -20 "$RTPX_TOPO_WORK/kamailio.log" >&2
            return 1
        fi
        if [[ $(ip netns exec "$RTPX_NS_CORE" ss -Hlun "( sport = :5060 )" 2>/dev/null | grep -c ":5060") -ge 2 ]]; then
            return 0
        fi
        sleep 0.1
    done
    echo "kamailio: no SIP sockets after 10 s" >&2
    return 1
}

# One rtpengine ng request to rtpx-controlplane's [ng] server (127.0.0.1:2223 in core, or
# $RTPX_NG), with a JSON body (rtpx answers JSON with JSON); prints the reply dictionary.
rtpx_ng() {
    ip netns exec "$RTPX_NS_CORE" "$RTPX_PY" - "${RTPX_NG:-127.0.0.1:2223}" "$1" <<'PY'
import os, socket, sys
host, port = sys.argv[1].rsplit(":", 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
cookie = "demo%d" % os.getpid()
s.sendto(("%s %s" % (cookie, sys.argv[2])).encode(), (host, int(port)))
data = s.recv(65535).decode()
print(data.split(" ", 1)[1])
PY
}
rtpx_ng_statistics() {
    rtpx_ng '{"command": "statistics"}' | "$RTPX_PY" -c 'import json, sys; print(json.dumps(json.load(sys.stdin)["statistics"]))'
}

# GET a path from the control plane's HTTP listener (loopback of the core namespace).
rtpx_http() {
    ip netns exec "$RTPX_NS_CORE" "$RTPX_PY" - "$RTPX_HTTP" "$1" <<'PY'
import sys, urllib.request
with urllib.request.urlopen("http://%s%s" % (sys.argv[1], sys.argv[2]), timeout=3) as r:
    sys.stdout.write(r.read().decode())
PY
}

# Stops a process started by this library: SIGTERM, then SIGKILL after 5 s.
rtpx_stop_pid() {
    local pid=$1 _
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

rtpx_topo_down() {
    local pid ns
    for pid in "${RTPX_BG_PIDS[@]}"; do rtpx_stop_pid "$pid"; done
    RTPX_BG_PIDS=()
    rtpx_stop_pid "$RTPX_CP_PID"; RTPX_CP_PID=""
    rtpx_stop_pid "$RTPX_DP_PID"; RTPX_DP_PID=""
    for ns in "$RTPX_NS_ALICE" "$RTPX_NS_BOB" "$RTPX_NS_CORE"; do
        ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true   # only our namespaces
        ip netns del "$ns" 2>/dev/null || true
    done
    rm -rf "/var/run/dpdk/$RTPX_DP_PREFIX" "$RTPX_DP_SOCK"
    rm -f /dev/hugepages/"$RTPX_DP_PREFIX"* 2>/dev/null || true
}

# Runs CMD in the background in a namespace, remembered for rtpx_topo_down; sets RTPX_LAST_PID to
# the command's own pid (ip netns exec execs it), so signals reach it. Background commands start
# with SIGINT ignored: stop them with SIGTERM (dumpcap then closes its file cleanly).
rtpx_bg() {
    local ns
    ns=$(rtpx_ns "$1") || return 2
    shift
    ip netns exec "$ns" "$@" &
    RTPX_LAST_PID=$!
    RTPX_BG_PIDS+=("$RTPX_LAST_PID")
}

# A headless baresip 1.0 in DIR (run it as `baresip -f DIR`): SIP on ADDR:PORT as sip:USER@ADDR:PORT,
# PCMA only, RTCP on its own port; aufile plays DIR/tone.wav (a 440 Hz tone of SECONDS, written
# here) and baresip hangs up at its end; aubridge is a silent player; sndfile dumps what was
# decoded (so decrypted, with SRTP) to DIR/dump-*-dec.wav. ACCOUNT_PARAMS are appended to the
# account line (e.g. ";mediaenc=srtp-mand" for RTP/SAVP with SDES only, ";answermode=auto").
rtpx_baresip_setup() {
    local dir=$1 listen=$2 user=$3 seconds=$4 params=${5:-}
    mkdir -p "$dir"
    "$RTPX_PY" - "$dir/tone.wav" "$seconds" <<'PY'
import math, struct, sys, wave
w = wave.open(sys.argv[1], "wb")
w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / 8000)))
                       for i in range(8000 * int(sys.argv[2]))))
PY
    cat >"$dir/config" <<EOF
poll_method	epoll
sip_listen	$listen
audio_source	aufile,$dir/tone.wav
audio_alert	aufile,$dir/tone.wav
audio_player	aubridge,nil
rtp_ports	40000-40999
rtcp_mux	no
module_path	/usr/lib/baresip/modules
module	g711.so
module	aufile.so
module	aubridge.so
module	srtp.so
module	sndfile.so
module_app	account.so
module_app	menu.so
snd_path	$dir
EOF
    echo "<sip:$user@$listen>;regint=0;audio_codecs=PCMA$params" >"$dir/accounts"
}
