// The hwloc adapter on the XML topologies of tests/data/topology (see make_topologies.sh there).
#include "rtpx/sched/topology.hpp"

#include <gtest/gtest.h>

namespace rtpx::sched {
namespace {

std::string data(const char* file) {
    return std::string(RTPX_TEST_DATA_DIR "/topology/") + file;
}

TEST(Topology, ReadsTheTwoSocketServerWithSmtAndOneNicPerSocket) {
    auto topo = load_topology_xml(data("dual_socket_smt.xml"));
    ASSERT_TRUE(topo) << topo.error().what;
    EXPECT_EQ(topo->packages.size(), 2u);
    ASSERT_EQ(topo->numa_nodes.size(), 2u);
    EXPECT_EQ(topo->numa_nodes[1].os_index, 1u);
    EXPECT_EQ(topo->numa_nodes[1].memory_bytes, 64ull << 30);
    ASSERT_EQ(topo->cores.size(), 32u);
    ASSERT_EQ(topo->pus.size(), 64u);
    EXPECT_TRUE(topo->has_smt());
    // Linux numbering: core 0 holds CPUs 0 and 32; core 16 (first of package 1) CPUs 16 and 48.
    EXPECT_EQ(topo->cores[0].pus, (std::vector<unsigned>{0, 32}));
    EXPECT_EQ(topo->cores[16].pus, (std::vector<unsigned>{16, 48}));
    EXPECT_EQ(topo->cores[16].package, 1);
    EXPECT_EQ(topo->cores[16].numa, 1);
    EXPECT_EQ(topo->smt_siblings(48), std::vector<unsigned>{16});
    EXPECT_EQ(topo->find_pu(48)->core, 16u);
    // L2 per core, L3 per package.
    ASSERT_GE(topo->cores[3].l2, 0);
    ASSERT_GE(topo->cores[3].l3, 0);
    EXPECT_EQ(topo->caches[static_cast<std::size_t>(topo->cores[3].l2)].pus,
              (std::vector<unsigned>{3, 35}));
    EXPECT_EQ(topo->caches[static_cast<std::size_t>(topo->cores[3].l3)].pus.size(), 32u);
    EXPECT_EQ(topo->cores[3].l3, topo->cores[15].l3);
    EXPECT_NE(topo->cores[3].l3, topo->cores[16].l3);

    ASSERT_EQ(topo->pci_devices.size(), 4u);
    const PciDevice* nic1 = topo->find_pci("81:00.1");
    ASSERT_NE(nic1, nullptr);
    EXPECT_EQ(nic1->address, "0000:81:00.1");
    EXPECT_EQ(nic1->numa, 1);
    EXPECT_EQ(nic1->class_id, 0x0200);
    EXPECT_EQ(topo->find_pci("0000:3B:00.0")->numa, 0);
    EXPECT_EQ(topo->find_pci("0000:3b:00.2"), nullptr);
}

TEST(Topology, ReadsThisVmAsLstopoExportedIt) {
    auto topo = load_topology_xml(data("vm_2core_live.xml"));
    ASSERT_TRUE(topo) << topo.error().what;
    EXPECT_EQ(topo->cores.size(), 2u);
    EXPECT_EQ(topo->pus.size(), 2u);
    EXPECT_FALSE(topo->has_smt());
    ASSERT_EQ(topo->numa_nodes.size(), 1u);
    const PciDevice* nic = topo->find_pci("0000:00:03.0");
    ASSERT_NE(nic, nullptr);
    EXPECT_EQ(nic->numa, 0);  // single NUMA node: every device is local to it
    EXPECT_EQ(nic->os_devices, std::vector<std::string>{"eth0"});
}

TEST(Topology, ReadsTheSixtyFourCoreBox) {
    auto topo = load_topology_xml(data("epyc_64core.xml"));
    ASSERT_TRUE(topo) << topo.error().what;
    EXPECT_EQ(topo->cores.size(), 64u);
    EXPECT_EQ(topo->pus.size(), 128u);
    EXPECT_EQ(topo->numa_nodes.size(), 1u);
    EXPECT_EQ(topo->cores[63].pus, (std::vector<unsigned>{63, 127}));
    // Four cores share an L3 slice.
    EXPECT_EQ(topo->cores[0].l3, topo->cores[3].l3);
    EXPECT_NE(topo->cores[3].l3, topo->cores[4].l3);
}

TEST(Topology, LoadsTheLiveMachine) {
    auto topo = load_live_topology();
    ASSERT_TRUE(topo) << topo.error().what;
    EXPECT_GE(topo->pus.size(), 1u);
    EXPECT_GE(topo->cores.size(), 1u);
    for (const Pu& pu : topo->pus) {
        ASSERT_LT(pu.core, topo->cores.size());
    }
}

TEST(Topology, MissingFileIsAnErrorNamingIt) {
    auto topo = load_topology_xml(data("no_such_file.xml"));
    ASSERT_FALSE(topo);
    EXPECT_EQ(topo.error().code, TopologyErrc::kUnreadable);
    EXPECT_NE(topo.error().what.find("no_such_file.xml"), std::string::npos);
}

TEST(Topology, FileThatIsNotHwlocXmlIsAnError) {
    auto topo = load_topology_xml(data("make_topologies.sh"));
    ASSERT_FALSE(topo);
    EXPECT_EQ(topo.error().code, TopologyErrc::kUnreadable);
}

TEST(Topology, CanonicalPciAddress) {
    EXPECT_EQ(canonical_pci_address("81:00.0"), "0000:81:00.0");
    EXPECT_EQ(canonical_pci_address("0000:AF:1f.7"), "0000:af:1f.7");
    EXPECT_EQ(canonical_pci_address("0001:00:02.1"), "0001:00:02.1");
    EXPECT_EQ(canonical_pci_address("net_tap0"), std::nullopt);
    EXPECT_EQ(canonical_pci_address("81:00.8"), std::nullopt);  // function is 0-7
    EXPECT_EQ(canonical_pci_address("81:20.0"), std::nullopt);  // device is 0-1f
    EXPECT_EQ(canonical_pci_address("81:00.0x"), std::nullopt);
    EXPECT_EQ(canonical_pci_address(""), std::nullopt);
}

}  // namespace
}  // namespace rtpx::sched
