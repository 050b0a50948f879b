#!/usr/bin/env bash
# Black-box tests of `rtpx plan` (issue 5's contract): JSON keys (workers with lcore, core, numa,
# ports, queues; main_lcore; dispatchers; eal_args), the placement rules on the synthetic hwloc
# topologies of tests/data/topology, --text, and exit status (1 unsatisfiable or unreadable with
# "error: ..." on stderr, 2 usage).
# Usage: plan_test.sh RTPX PCAPGEN DATA_DIR
set -uo pipefail
rtpx=$1 data=$3/topology
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

source "$(dirname "${BASH_SOURCE[0]}")/check_lib.bash"

# Rules every plan must follow: workers on distinct physical cores, none on the main lcore's core,
# each receiving only from ports on its NUMA node.
sane='len({w["core"] for w in j["workers"]}) == len(j["workers"]) and all(w["lcore"] != j["main_lcore"] for w in j["workers"]) and all(p["mempool_socket"] == w["numa"] for w in j["workers"] for p in j["ports"] if p["name"] in w["ports"])'

# --- 2-socket server with SMT, a NIC on each socket ------------------------------------------------
"$rtpx" plan --topology "$data/dual_socket_smt.xml" --port 0000:3b:00.0 --port 0000:81:00.0 > "$work/dual.json"
check "dual socket exits 0" test $? -eq 0
check "dual socket keys" json_expect "$work/dual.json" \
  'all(k in j for k in ("workers","main_lcore","dispatchers","eal_args")) and all(all(k in w for k in ("lcore","core","numa","ports","queues")) for w in j["workers"])'
check "dual socket rules" json_expect "$work/dual.json" "$sane"
check "dual socket: one worker per physical core, no SMT sibling" json_expect "$work/dual.json" \
  'len(j["workers"]) == 31 and all(w["lcore"] < 32 for w in j["workers"])'
check "dual socket: NIC-local workers" json_expect "$work/dual.json" \
  'all(w["ports"] == (["0000:3b:00.0"] if w["numa"] == 0 else ["0000:81:00.0"]) for w in j["workers"])'
check "dual socket eal args" json_expect "$work/dual.json" \
  'j["eal_args"] == ["-l","0-31","--main-lcore","0","--socket-mem","1024,1024","-a","0000:3b:00.0","-a","0000:81:00.0"] and j["main_lcore"] == 0 and j["dispatchers"] == []'

"$rtpx" plan --topology "$data/dual_socket_smt.xml" --port 0000:3b:00.0 --port 0000:81:00.0 --workers 4 > "$work/dual4.json"
check "--workers 4 spread over both sockets" json_expect "$work/dual4.json" \
  '[w["lcore"] for w in j["workers"]] == [1,2,16,17] and [w["numa"] for w in j["workers"]] == [0,0,1,1]'
check "--workers 4 queues" json_expect "$work/dual4.json" \
  '[q["rx_queue"] for q in j["workers"][1]["queues"]] == [1, None] and [q["tx_queue"] for q in j["workers"][1]["queues"]] == [1, 1]'

"$rtpx" plan --topology "$data/dual_socket_smt.xml" --port 0000:3b:00.0 --port 0000:81:00.0 --workers 6 --steering dispatch > "$work/dispatch.json"
check "--steering dispatch adds a dispatcher per socket" json_expect "$work/dispatch.json" \
  "$sane"' and [d["numa"] for d in j["dispatchers"]] == [0,1] and all(len(d["workers"]) == 3 for d in j["dispatchers"]) and all(q["rx_queue"] is None for w in j["workers"] for q in w["queues"])'

"$rtpx" plan --topology "$data/dual_socket_smt.xml" --port 0000:81:00.0:1:4 --steering flow > "$work/flow.json"
check "flow steering with 4 queues: dispatcher + 15 workers beat 4 direct" json_expect "$work/flow.json" \
  'len(j["dispatchers"]) == 1 and len(j["workers"]) == 15'

# --- 64-core single-NUMA box ------------------------------------------------------------------------
"$rtpx" plan --topology "$data/epyc_64core.xml" --port 0000:41:00.0 > "$work/epyc.json"
check "64 cores: 63 workers, no SMT sibling" json_expect "$work/epyc.json" \
  "$sane"' and len(j["workers"]) == 63 and max(w["lcore"] for w in j["workers"]) == 63'

# --- this 2-core VM, its live export, vdevs ----------------------------------------------------------
"$rtpx" plan --topology "$data/vm_2core.xml" --port 0000:00:03.0 > "$work/vm.json"
check "2-core VM: main lcore 0, one worker on lcore 1" json_expect "$work/vm.json" \
  '[w["lcore"] for w in j["workers"]] == [1] and j["main_lcore"] == 0 and j["eal_args"][:4] == ["-l","0-1","--main-lcore","0"]'
for numa in none -1; do
  "$rtpx" plan --topology "$data/vm_2core_live.xml" --port "net_tap0:$numa" > "$work/vdev.json"
  check "vdev with NUMA $numa" json_expect "$work/vdev.json" \
    'j["ports"][0]["numa"] is None and j["ports"][0]["mempool_socket"] == 0 and len(j["workers"]) == 1'
done
"$rtpx" plan --topology "$data/single_core.xml" --port net_tap0 > "$work/one.json"
check "1-core machine: main lcore runs the worker" json_expect "$work/one.json" \
  'j["main_is_worker"] is True and [w["lcore"] for w in j["workers"]] == [0] and j["eal_args"][:2] == ["-l","0"]'

"$rtpx" plan --topology "$data/dual_socket_smt.xml" --port 0000:3b:00.0 --workers 2 --text > "$work/text.txt"
check "--text summary" grep -q "^worker 1: lcore 2 (core 2, NUMA 0): 0000:3b:00.0 rxq 1" "$work/text.txt"
check "--text EAL line" grep -q "^EAL: -l 0-2 --main-lcore 0 --socket-mem 1024 -a 0000:3b:00.0" "$work/text.txt"

# --- relay port steering ---------------------------------------------------------------------------
"$rtpx" plan --topology "$data/dual_socket_smt.xml" --port 0000:3b:00.0 --port 0000:81:00.0 --workers 4 --relay-ports 20000-29999 > "$work/relay.json"
check "--relay-ports: every relay port reaches a worker local to the NIC" json_expect "$work/relay.json" \
  'all(sum(w["ports"] for w in p["relay_ports"]["workers"]) == 10000 and [w["lcore"] for w in p["relay_ports"]["workers"]] == ([1,2] if p["numa"] == 0 else [16,17]) for p in j["ports"])'
"$rtpx" plan --topology "$data/dual_socket_smt.xml" --port 0000:81:00.0 --workers 2 --steering flow --relay-ports 20000-20003 > "$work/rules.json"
check "--relay-ports with flow steering lists the rte_flow rules" json_expect "$work/rules.json" \
  'j["ports"][0]["relay_ports"]["flow_rules"] == [{"udp_dst_spec":20000,"udp_dst_mask":65534,"queue":0,"lcore":16},{"udp_dst_spec":20002,"udp_dst_mask":65534,"queue":1,"lcore":17}]'

# --- errors -----------------------------------------------------------------------------------------
fails() {  # fails NAME STATUS ARGS... : exit STATUS, nothing on stdout, "error: ..." on stderr
  local name=$1 want=$2 out status; shift 2
  out=$("$rtpx" plan "$@" 2>"$work/err"); status=$?
  if [ $status -eq "$want" ] && [ -z "$out" ] && grep -q "^error: \|^Run with --help" "$work/err"; then
    passed=$((passed + 1))
  else
    echo "FAIL: $name (status $status, stdout '$out', stderr '$(cat "$work/err")')"; failed=$((failed + 1))
  fi
}
fails "unreadable topology" 1 --topology "$work/missing.xml"
fails "not hwloc XML" 1 --topology "$0"
fails "more workers than free cores" 1 --topology "$data/dual_socket_smt.xml" --port 0000:81:00.0 --workers 20
fails "unknown NUMA node" 1 --topology "$data/dual_socket_smt.xml" --port 0000:c1:00.0:3
fails "PCI device not in topology" 1 --topology "$data/dual_socket_smt.xml" --port 0000:c1:00.0
fails "no free core on the port's node" 1 --topology "$data/dual_socket_smt.xml" --port 0000:3b:00.0 --reserved-cores 16
fails "bad steering" 2 --topology "$data/dual_socket_smt.xml" --steering magic
fails "bad --port syntax" 2 --topology "$data/dual_socket_smt.xml" --port net_tap0:zero
fails "missing --topology" 2 --port net_tap0
fails "bad --relay-ports" 2 --topology "$data/dual_socket_smt.xml" --relay-ports 30000-20000
fails "bad --workers" 2 --topology "$data/dual_socket_smt.xml" --workers many
"$rtpx" plan --topology "$data/dual_socket_smt.xml" --port 0000:81:00.0 --workers 20 2>"$work/err" >/dev/null
check "unsatisfiable plan says why" grep -q "^error: 20 workers asked but NUMA 1 (where the ports are) has 16 free physical cores" "$work/err"

echo "plan_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
