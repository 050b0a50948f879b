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
  compare_lib.py sample PID STATS_DIR OUT
      Every 0.1 s until SIGTERM: monotonic time, the CPU time of process PID (all its threads,
      utime + stime, in clock ticks), tx_packets of the relay's network device (STATS_DIR is its
      /sys/class/net/DEV/statistics, read inside the relay's namespace) and the host's softirq
      ticks (/proc/stat). One line per sample.
  compare_lib.py window OUT [EDGE_S]
      The measurement window of a sample file: from EDGE_S (default 0.5 s) after the first sample
      in which the device sent packets to EDGE_S before the last one; prints one JSON object with
      the relayed packets, the relay's CPU seconds, relayed pps and pps per core (relayed packets
      per second of relay CPU time) over the window.
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
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))


def read_softirq_ticks():
    with open("/proc/stat") as f:
        return int(f.readline().split()[7])


def sample(pid, stats_dir, out):
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    tx_path = os.path.join(stats_dir, "tx_packets")
    with open(out, "w") as f:
        while not stop:
            try:
                cpu = read_cpu_ticks(pid)
            except OSError:
                break  # the relay is gone
            with open(tx_path) as t:
                tx = int(t.read())
            f.write("%.6f %d %d %d\n" % (time.monotonic(), cpu, tx, read_softirq_ticks()))
            f.flush()
            time.sleep(0.1)


def window(path, edge=0.5):
    rows = [tuple(float(x) for x in line.split()) for line in open(path) if line.strip()]
    hz = os.sysconf("SC_CLK_TCK")
    active = [i for i in range(1, len(rows)) if rows[i][2] > rows[i - 1][2] + 1]
    result = {"relayed": 0, "seconds": 0.0, "cpu_s": 0.0, "relayed_pps": 0.0,
              "cpu_cores": 0.0, "pps_per_core": 0.0, "softirq_cores": 0.0}
    if not active:
        return result
    t_first, t_last = rows[active[0] - 1][0], rows[active[-1]][0]
    inside = [r for r in rows if t_first + edge <= r[0] <= t_last - edge]
    if len(inside) < 2:  # a very short trial: take all of it
        inside = rows[active[0] - 1:active[-1] + 1]
    a, b = inside[0], inside[-1]
    seconds = b[0] - a[0]
    cpu = (b[1] - a[1]) / hz
    relayed = int(b[2] - a[2])
    result.update(relayed=relayed, seconds=round(seconds, 3), cpu_s=round(cpu, 3),
                  relayed_pps=round(relayed / seconds, 1) if seconds > 0 else 0.0,
                  cpu_cores=round(cpu / seconds, 3) if seconds > 0 else 0.0,
                  pps_per_core=round(relayed / cpu, 1) if cpu > 0 else 0.0,
                  softirq_cores=round((b[3] - a[3]) / hz / seconds, 3) if seconds > 0 else 0.0)
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
    elif cmd == "sample" and len(argv) == 5:
        sample(int(argv[2]), argv[3], argv[4])
    elif cmd == "window" and len(argv) in (3, 4):
        print(json.dumps(window(argv[2], float(argv[3]) if len(argv) == 4 else 0.5)))
    elif cmd == "median" and len(argv) > 2:
        m = median([float(x) for x in argv[2:]])
        print(("%.1f" % m) if m != int(m) else "%d" % m)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
