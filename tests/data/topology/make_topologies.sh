#!/usr/bin/env bash
# Regenerates the hwloc XML topologies the sched/ planner tests use (hwloc 2.9's lstopo).
#
# lstopo builds synthetic topologies from a description string (packages, NUMA nodes, caches,
# cores, PUs; `pu:2(indexes=core:pack)` numbers PUs the way Linux does on Intel and AMD servers:
# first thread of every core, package by package, then the SMT siblings, so P#0 and P#N are
# siblings). Synthetic strings cannot describe I/O, so add_nic() below inserts a host bridge and
# PCI Ethernet functions under a package, which is where hwloc puts a NIC that is local to that
# package's NUMA node. The live VM topology is exported as it is (vm_2core_live.xml).
#
# Usage: make_topologies.sh [OUTPUT_DIR]   (default: the directory of this script)
set -euo pipefail
out=${1:-$(dirname "$0")}

synthetic() {  # synthetic FILE DESCRIPTION
  lstopo-no-graphics -i "$2" --of xml --force "$out/$1"
}

add_nic() {  # add_nic FILE PACKAGE_OS_INDEX BUS_ID...  (bus ids like 0000:81:00.0)
  python3 - "$@" <<'PY'
import sys, xml.etree.ElementTree as ET
path, pkg, buses = sys.argv[1], sys.argv[2], sys.argv[3:]
tree = ET.parse(path)
root = tree.getroot()
gp = max(int(o.get("gp_index", "0")) for o in root.iter("object")) + 1
target = next(o for o in root.iter("object") if o.get("type") == "Package" and o.get("os_index") == pkg)
domain, bus = buses[0].split(":")[0:2]
bridge = ET.SubElement(target, "object", {"type": "Bridge", "gp_index": str(gp), "bridge_type": "0-1",
                                          "depth": "0", "bridge_pci": f"{domain}:[{bus}-{bus}]"})
gp += 1
for i, busid in enumerate(buses):
    dev = ET.SubElement(bridge, "object", {"type": "PCIDev", "gp_index": str(gp), "pci_busid": busid,
        "pci_type": "0200 [8086:1592] [8086:0002] 02", "pci_link_speed": "15.753846"})
    gp += 1
    ET.SubElement(dev, "object", {"type": "OSDev", "gp_index": str(gp), "name": f"ens{int(bus, 16)}f{i}",
                                  "osdev_type": "2"})
    gp += 1
ET.indent(tree, "  ")
with open(path, "wb") as f:
    f.write(b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE topology SYSTEM "hwloc2.dtd">\n')
    tree.write(f, encoding="utf-8", xml_declaration=False)
    f.write(b"\n")
PY
}

# This 2-core VM as a synthetic topology (1 package, 1 NUMA node, 2 cores without SMT), with its
# virtio NIC at 0000:00:03.0 on package 0.
synthetic vm_2core.xml "pack:1 [numa(memory=6442450944)] l3:1 l2:2 core:1 pu:1"
add_nic "$out/vm_2core.xml" 0 0000:00:03.0

# A 1-core machine (the smallest a plan accepts: main lcore and worker share the core).
synthetic single_core.xml "pack:1 [numa(memory=2147483648)] core:1 pu:1"

# A 2-socket server: 2 packages x 16 cores x 2 threads (64 PUs), one NUMA node of 64 GiB per
# package, an E810-class dual-port NIC on each socket (0000:3b:00.x on NUMA 0, 0000:81:00.x on 1).
synthetic dual_socket_smt.xml \
  "pack:2 [numa(memory=68719476736)] l3:1 l2:16 core:1 pu:2(indexes=core:pack)"
add_nic "$out/dual_socket_smt.xml" 0 0000:3b:00.0 0000:3b:00.1
add_nic "$out/dual_socket_smt.xml" 1 0000:81:00.0 0000:81:00.1

# A 64-core single-NUMA box (EPYC-like, NPS1): 1 package, 16 L3 slices of 4 cores, 2 threads per
# core (128 PUs), one dual-port NIC at 0000:41:00.x.
synthetic epyc_64core.xml \
  "pack:1 [numa(memory=274877906944)] l3:16 l2:4 core:1 pu:2(indexes=core:pack)"
add_nic "$out/epyc_64core.xml" 0 0000:41:00.0 0000:41:00.1

# vm_2core_live.xml is this VM as hwloc saw it (kept as exported, not regenerated here):
#   lstopo-no-graphics --of xml --force vm_2core_live.xml
