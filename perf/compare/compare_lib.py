#!/usr/bin/env python3
"""Helpers of perf/compare/rtpengine.sh (Python 3 standard library only).

  compare_lib.py ng-calls NG_ADDR CALLS RELAY_IP BENCH_IP OUT.json
      Creates CALLS calls on Sipwise rtpengine through its ng control protocol (the JSON form of
      the "cookie <dictionary>" messages, UDP), an offer and an answer each, and writes the relay's
      view of the 2 x CALLS streams as a flows file (`rtpx-bench --dut-flows`): stream 2k is
      caller -> callee of call k, stream 2k+1 callee -> caller; "local" is the port rtpengine
      allocated for it, "egress_destination" where rtpengine sends it.
  compare_lib.py rtpx-flows CALLS RELAY_IP BENCH_IP BENCH_MAC OUT.json
      The same streams for rtpx-dataplane (which does not allocate: ports chosen here), with
      next_hop_mac = the bench's MAC: the same sources, destinations, sizes and directions.
  compare_lib.py sample PID STATS_DIR OUT RELAY_CPU BENCH_CPU [TELEMETRY_SOCKET]
      Every 0.1 s until SIGTERM, one line: monotonic time, process PID's utime and stime (all its
      threads, clock ticks), tx_packets of the relay's network device (STATS_DIR is its
      /sys/class/net/DEV/statistics, read inside the relay's namespace), the softirq ticks of
      RELAY_CPU and BENCH_CPU (/proc/stat), the CPU ticks of its rte-worker-* threads, the
      workers' busy time in us from the DPDK telemetry socket's /rtpx/stats busy_us (-1 without
      one) and the device's rx_packets.
  compare_lib.py window OUT [EDGE_S]
      The measurement window of a sample file: from EDGE_S (default 0.5 s) after the first sample
      in which the device sent packets to EDGE_S before the last one; prints one JSON object with
      the relayed packets, the CPU pieces (user, sys, worker thread, worker busy, idle polling,
      softirq on each CPU, in cores), the charged CPU (see window()), ns per packet and pps per
      core (relayed packets per charged CPU second).
  compare_lib.py median N1 N2 ...
      The median (the lower middle value for an even count).

Each call's caller and callee are on the bench's address with ports 10000 + 4k and 10002 + 4k.
"""
import json
import os
import signal
import socket
import sys
import time

CALLER_PORT_BASE = 10000
RTPX_PORT_BASE = 20000
MAX_CALLS = (65536 - CALLER_PORT_BASE) // 4 - 1


def sdp(ip, port, session):
    return ("v=0\r\n"
            f"o=- {session} 1 IN IP4 {ip}\r\n"
            "s=rtpx-compare\r\n"
            f"c=IN IP4 {ip}\r\n"
            "t=0 0\r\n"
            f"m=audio {port} RTP/AVP 0\r\n"
            "a=rtpmap:0 PCMU/8000\r\n"
            "a=ptime:20\r\n"
            "a=sendrecv\r\n")


def sdp_media(text):
    """(connection address, audio port) of an SDP body."""
    addr, port = None, None
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.startswith("c=IN IP4 "):
            addr = line.split()[2]
        elif line.startswith("m=audio "):
            port = int(line.split()[1])
    if addr is None or port is None:
        raise ValueError("no c=/m=audio in the SDP: %r" % text)
    return addr, port


class NgClient:
    def __init__(self, addr):
        host, port = addr.rsplit(":", 1)
        self.peer = (host, int(port))
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.settimeout(1.0)
        self.seq = 0

    def request(self, message):
        self.seq += 1
        cookie = "%d_%d" % (os.getpid(), self.seq)
        data = (cookie + " " + json.dumps(message)).encode()
        for _ in range(5):  # UDP: retransmit (the cookie makes rtpengine answer from its cache)
            self.sock.sendto(data, self.peer)
            try:
                while True:
                    reply, _ = self.sock.recvfrom(65535)
                    got, _, body = reply.partition(b" ")
                    if got.decode() == cookie:
                        break
            except socket.timeout:
                continue
            result = json.loads(body)
            if result.get("result") not in ("ok", "pong"):
                raise RuntimeError("%s: %s" % (message["command"], result))
            return result
        raise RuntimeError("no answer from the ng port %s:%d" % self.peer)


def flow(local, remote, egress_source, egress_destination, extra=None):
    f = {"local": local, "remote": remote, "egress_source": egress_source,
         "egress_destination": egress_destination}
    f.update(extra or {})
    return f


def endpoints(bench_ip, k):
    caller = "%s:%d" % (bench_ip, CALLER_PORT_BASE + 4 * k)
    callee = "%s:%d" % (bench_ip, CALLER_PORT_BASE + 4 * k + 2)
    return caller, callee


def ng_calls(ng_addr, calls, relay_ip, bench_ip, out):
    client = NgClient(ng_addr)
    client.request({"command": "ping"})
    flows = []
    flags = {"ICE": "remove", "replace": ["origin", "session-connection"],
             "flags": ["trust-address"], "transport-protocol": "RTP/AVP"}
    for k in range(calls):
        caller, callee = endpoints(bench_ip, k)
        call_id = "rtpx-compare-%d" % k
        offer = client.request(dict(flags, command="offer", **{
            "call-id": call_id, "from-tag": "caller%d" % k,
            "sdp": sdp(bench_ip, CALLER_PORT_BASE + 4 * k, k)}))
        answer = client.request(dict(flags, command="answer", **{
            "call-id": call_id, "from-tag": "caller%d" % k, "to-tag": "callee%d" % k,
            "sdp": sdp(bench_ip, CALLER_PORT_BASE + 4 * k + 2, k)}))
        # The offer's SDP goes to the callee: the callee sends to that port. The answer's SDP
        # goes to the caller.
        to_callee_side = "%s:%d" % sdp_media(offer["sdp"])
        to_caller_side = "%s:%d" % sdp_media(answer["sdp"])
        for a in (to_callee_side, to_caller_side):
            if not a.startswith(relay_ip + ":"):
                raise RuntimeError("rtpengine answered with %s, not on %s" % (a, relay_ip))
        flows.append(flow(to_caller_side, caller, to_callee_side, callee))
        flows.append(flow(to_callee_side, callee, to_caller_side, caller))
    with open(out, "w") as f:
        json.dump({"flows": flows}, f, indent=1)


def rtpx_flows(calls, relay_ip, bench_ip, bench_mac, out):
    flows = []
    extra = {"latching": "learn-once", "next_hop_mac": bench_mac, "clock_rate": 8000}
    for k in range(calls):
        caller, callee = endpoints(bench_ip, k)
        a_side = "%s:%d" % (relay_ip, RTPX_PORT_BASE + 4 * k)      # the caller sends here
        b_side = "%s:%d" % (relay_ip, RTPX_PORT_BASE + 4 * k + 2)  # the callee sends here
        flows.append(flow(a_side, caller, b_side, callee, extra))
        flows.append(flow(b_side, callee, a_side, caller, extra))
    with open(out, "w") as f:
        json.dump({"flows": flows}, f, indent=1)


def read_cpu_ticks(pid):
    """(utime, stime) of a process or task, in clock ticks."""
    with open("/proc/%s/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)


def read_worker_ticks(pid):
    """utime + stime of the process's DPDK worker threads (named rte-worker-*), in clock ticks."""
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                if not f.read().startswith("rte-worker-"):
                    continue
            total += sum(read_cpu_ticks("%d/task/%s" % (pid, tid)))
        except OSError:
            continue
    return total


def read_softirq_ticks(cpus):
    """The softirq ticks of the given CPUs (/proc/stat cpuN lines), in that order."""
    found = {}
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("cpu") and line[3].isdigit():
                name, *v = line.split()
                found[int(name[3:])] = int(v[6])
    return [found.get(c, 0) for c in cpus]


class Telemetry:
    """A DPDK telemetry (v2) client: one SOCK_SEQPACKET connection, JSON replies."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.settimeout(1.0)
        self.sock.connect(path)
        self.sock.recv(16384)  # the greeting: version, pid, max_output_len

    def query(self, command):
        self.sock.send(command.encode())
        reply = json.loads(self.sock.recv(1 << 16).decode())
        return reply[command.split(",", 1)[0]]  # keyed by the command without its parameters


def sample(pid, stats_dir, out, relay_cpu, bench_cpu, telemetry_path=None):
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    tx_path = os.path.join(stats_dir, "tx_packets")
    rx_path = os.path.join(stats_dir, "rx_packets")
    tel = None
    with open(out, "w") as f:
        while not stop:
            if telemetry_path and tel is None and os.path.exists(telemetry_path):
                try:
                    tel = Telemetry(telemetry_path)
                except OSError:
                    tel = None
            try:
                utime, stime = read_cpu_ticks(pid)
                worker = read_worker_ticks(pid)
            except OSError:
                break  # the relay is gone
            busy_us = -1
            if tel is not None:
                try:
                    busy_us = int(tel.query("/rtpx/stats").get("busy_us", -1))
                except (OSError, ValueError, KeyError):
                    busy_us = -1
            with open(tx_path) as t, open(rx_path) as r:
                tx, rx = int(t.read()), int(r.read())
            si_relay, si_bench = read_softirq_ticks([relay_cpu, bench_cpu])
            f.write("%.6f %d %d %d %d %d %d %d %d\n" % (
                time.monotonic(), utime, stime, tx, si_relay, si_bench, worker, busy_us, rx))
            f.flush()
            time.sleep(0.1)
        drops = {}
        for name in ("rx_dropped", "tx_dropped"):
            with open(os.path.join(stats_dir, name)) as d:
                drops["veth_" + name] = int(d.read())
        f.write("# %s\n" % json.dumps(drops))
        if tel is not None:  # the relay port's own counters (imissed: what its RX ring dropped)
            try:
                f.write("# %s\n" % json.dumps(tel.query("/ethdev/stats,0")))
            except (OSError, ValueError, KeyError):
                pass


# The columns of a sample line.
T, UTIME, STIME, TX, SI_RELAY, SI_BENCH, WORKER, BUSY_US, RX = range(9)


def window(path, edge=0.5):
    """The trial's middle: the relay's CPU in pieces, and the charged CPU per relayed packet.

    charged = the relay's threads (utime + stime), where a poll-mode worker counts only its busy
    time (loop iterations that carried packets, from its telemetry) instead of its whole thread
    time, + the softirq time on the bench's CPU (on a veth, the kernel delivers what the bench
    sends to the relay in the sender's softirq: the relay's receive path, UDP socket or XDP copy).
    The softirq on the relay's CPU (delivery into the bench) is the bench's receive cost: shown,
    not charged."""
    lines = [line for line in open(path) if line.strip()]
    rows = [tuple(float(x) for x in line.split()) for line in lines if not line.startswith("#")]
    port = [json.loads(line[1:]) for line in lines if line.startswith("#")]
    hz = os.sysconf("SC_CLK_TCK")
    active = [i for i in range(1, len(rows)) if rows[i][TX] > rows[i - 1][TX] + 1]
    result = {"relayed": 0, "seconds": 0.0, "cpu_s": 0.0, "relayed_pps": 0.0,
              "cpu_cores": 0.0, "pps_per_core": 0.0, "softirq_cores": 0.0}
    if not active:
        return result
    t_first, t_last = rows[active[0] - 1][T], rows[active[-1]][T]
    inside = [r for r in rows if t_first + edge <= r[T] <= t_last - edge]
    if len(inside) < 2:  # a very short trial: take all of it
        inside = rows[active[0] - 1:active[-1] + 1]
    a, b = inside[0], inside[-1]
    seconds = b[T] - a[T]
    if seconds <= 0:
        return result
    d = [(b[i] - a[i]) for i in range(len(a))]
    user_s, sys_s = d[UTIME] / hz, d[STIME] / hz
    process_s = user_s + sys_s
    worker_s = d[WORKER] / hz
    polling = a[BUSY_US] >= 0 and b[BUSY_US] >= 0
    busy_s = d[BUSY_US] / 1e6 if polling else worker_s
    # The worker's busy time, capped by its thread time (the TSC also runs while it is preempted).
    busy_s = min(busy_s, worker_s)
    # Clock ticks sample the threads (250 Hz here): at low rates their difference may dip below 0.
    relay_s = max(process_s - worker_s, 0.0) + busy_s
    softirq_bench_s = d[SI_BENCH] / hz
    softirq_relay_s = d[SI_RELAY] / hz
    charged_s = relay_s + softirq_bench_s
    relayed = int(d[TX])

    def cores(x):
        return round(x / seconds, 3)

    result.update(
        relayed=relayed, received=int(d[RX]), seconds=round(seconds, 3),
        relayed_pps=round(relayed / seconds, 1),
        user_cores=cores(user_s), sys_cores=cores(sys_s), process_cores=cores(process_s),
        worker_cores=cores(worker_s), busy_cores=cores(busy_s),
        idle_poll_cores=cores(worker_s - busy_s), busy_from_telemetry=polling,
        softirq_bench_cpu_cores=cores(softirq_bench_s),
        softirq_relay_cpu_cores=cores(softirq_relay_s),
        cpu_s=round(charged_s, 3), cpu_cores=cores(charged_s),
        ns_per_packet=round(charged_s * 1e9 / relayed, 1) if relayed else 0.0,
        pps_per_core=round(relayed / charged_s, 1) if charged_s > 0 else 0.0,
        process_pps_per_core=round(relayed / process_s, 1) if process_s > 0 else 0.0,
        softirq_cores=cores(softirq_bench_s + softirq_relay_s))
    if port:
        merged = {}
        for p in port:
            merged.update(p)
        result["relay_port"] = {k: merged[k] for k in (
            "veth_rx_dropped", "veth_tx_dropped", "ipackets", "opackets", "imissed", "ierrors",
            "oerrors", "rx_nombuf") if k in merged}
    return result


def median(values):
    v = sorted(values)
    return v[(len(v) - 1) // 2] if v else 0.0


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "ng-calls" and len(argv) == 7:
        calls = int(argv[3])
        if not 1 <= calls <= MAX_CALLS:
            sys.exit("calls: 1..%d" % MAX_CALLS)
        ng_calls(argv[2], calls, argv[4], argv[5], argv[6])
    elif cmd == "rtpx-flows" and len(argv) == 7:
        rtpx_flows(int(argv[2]), argv[3], argv[4], argv[5], argv[6])
    elif cmd == "sample" and len(argv) in (7, 8):
        sample(int(argv[2]), argv[3], argv[4], int(argv[5]), int(argv[6]),
               argv[7] if len(argv) == 8 else None)
    elif cmd == "window" and len(argv) in (3, 4):
        print(json.dumps(window(argv[2], float(argv[3]) if len(argv) == 4 else 0.5)))
    elif cmd == "median" and len(argv) > 2:
        m = median([float(x) for x in argv[2:]])
        print(("%.1f" % m) if m != int(m) else "%d" % m)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
