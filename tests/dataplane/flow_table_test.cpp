// The flow table at its largest configured size: a million flows inserted, every one found by the
// workers' bulk lookup, one more refused, all deleted. EAL --no-huge with 2 GiB of (lazily
// touched) memory for the flow storage.
#include <unistd.h>

#include <array>
#include <cstring>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <rte_eal.h>

#include "rtpx/dataplane/flow_table.hpp"

namespace rtpx::dataplane {
namespace {

class EalEnvironment : public ::testing::Environment {
  public:
    void SetUp() override {
        const std::string prefix = "--file-prefix=rtpx-flow-table-" + std::to_string(::getpid());
        std::vector<std::string> args = {
            "flow_table_test", "--no-huge", "-m", "2048",        "--no-shconf",
            "--no-pci",        "-l",        "0",  "--log-level", "error",
            "--no-telemetry",  prefix};
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        ASSERT_GE(rte_eal_init(static_cast<int>(argv.size()), argv.data()), 0);
    }
    void TearDown() override {
        const std::string runtime_dir = rte_eal_get_runtime_dir();
        rte_eal_cleanup();
        (void)::rmdir(runtime_dir.c_str());
    }
};
const auto* const g_env = ::testing::AddGlobalTestEnvironment(new EalEnvironment);

constexpr std::uint32_t kMillion = 1'000'000;

flowapi::FlowSpec flow(std::uint32_t i) {
    flowapi::FlowSpec s;
    // 16 addresses x 62500 ports.
    s.local = {flowapi::IpAddress::v4(10, 0, 0, static_cast<std::uint8_t>(i % 16)),
               static_cast<std::uint16_t>(1024 + i / 16)};
    s.egress_source = s.local;
    s.egress_destination = {flowapi::IpAddress::v4(203, 0, 113, 9), 5004};
    s.next_hop_mac = flowapi::MacAddress{2, 0, 0, 0, 0, 1};
    s.cookie = i;
    return s;
}

PortAddressBook book() {
    PortAddressBook b;
    b.port_of = [](const flowapi::IpAddress&) { return 0; };
    b.describe_port = [](int, FlowConfig&) {};
    return b;
}

void apply_all(FlowTable& table, flowapi::OpKind kind) {
    flowapi::Batch batch;
    for (std::uint32_t i = 0; i < kMillion; ++i) {
        batch.ops.push_back({kind, flow(i)});
        if (batch.ops.size() == 10000) {
            const auto reply = table.apply(batch, book());
            ASSERT_TRUE(reply.ok) << reply.error;
            batch.ops.clear();
        }
    }
}

TEST(FlowTable, HoldsAMillionFlows) {
    auto created = FlowTable::create("million", kMillion, 1, 0);
    ASSERT_TRUE(created) << created.error();
    FlowTable& table = **created;
    apply_all(table, flowapi::OpKind::kAdd);
    ASSERT_EQ(table.size(), kMillion);

    // Every flow is found in bursts, and is the right one.
    std::vector<FlowHashKey> keys(32);
    std::vector<const FlowHashKey*> key_ptrs(32);
    std::vector<FlowEntry*> entries(32);
    std::uint32_t found = 0;
    for (std::uint32_t base = 0; base < kMillion; base += 32) {
        for (std::uint32_t j = 0; j < 32; ++j) {
            keys[j] = make_hash_key(flow(base + j).local);
            key_ptrs[j] = &keys[j];
        }
        table.lookup_bulk(key_ptrs.data(), 32, entries.data());
        for (std::uint32_t j = 0; j < 32; ++j) {
            if (entries[j] != nullptr &&
                entries[j]->config.load(std::memory_order_acquire)->spec.cookie == base + j)
                ++found;
        }
    }
    EXPECT_EQ(found, kMillion);

    auto extra = flow(0);
    extra.local.port = 1;
    const auto refused = table.apply({{{flowapi::OpKind::kAdd, extra}}}, book());
    EXPECT_FALSE(refused.ok);
    EXPECT_EQ(refused.error, "batch: the flow table holds at most 1000000 flows");

    apply_all(table, flowapi::OpKind::kDelete);
    EXPECT_EQ(table.size(), 0u);
    const FlowHashKey k = make_hash_key(flow(12345).local);
    const FlowHashKey* kp = &k;
    FlowEntry* e = nullptr;
    table.lookup_bulk(&kp, 1, &e);
    EXPECT_EQ(e, nullptr);
}

// Workers hash keys themselves (fill_hash_key) and hand the hashes to the bulk lookup: the hash
// must be the table's own (rte_hash_crc over the 32-octet key) for both families, or flows that
// are in the table would not be found.
TEST(FlowTable, WorkersHashKeysAsTheTableDoes) {
    auto created = FlowTable::create("hashes", 64, 1, 0);
    ASSERT_TRUE(created) << created.error();
    FlowTable& table = **created;
    flowapi::Batch batch;
    for (std::uint32_t i = 0; i < 8; ++i) batch.ops.push_back({flowapi::OpKind::kAdd, flow(i)});
    for (std::uint32_t i = 8; i < 16; ++i) {
        auto s = flow(i);
        s.local.address.family = flowapi::AddressFamily::kIpv6;  // 2001:db8::i
        s.local.address.bytes = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                 0,    0,    0,    0,    0, 0, 0, static_cast<std::uint8_t>(i)};
        batch.ops.push_back({flowapi::OpKind::kAdd, s});
    }
    const auto reply = table.apply(batch, book());
    ASSERT_TRUE(reply.ok) << reply.error;

    // 16 flows and, after each, a key that is in no flow (the port one higher).
    std::array<FlowHashKey, 32> keys;
    std::array<const FlowHashKey*, 32> key_ptrs;
    std::array<std::uint32_t, 32> hashes;
    for (std::uint32_t j = 0; j < 32; ++j) {
        const flowapi::FlowKey& local = batch.ops[j / 2].spec.local;
        const auto port = static_cast<std::uint16_t>(local.port + j % 2);
        hashes[j] = fill_hash_key(keys[j], local.address.family, local.address.bytes.data(), port);
        key_ptrs[j] = &keys[j];
        const FlowHashKey expected =
            make_hash_key(local.address.family, local.address.bytes.data(), port);
        EXPECT_EQ(std::memcmp(&keys[j], &expected, sizeof expected), 0) << j;
        EXPECT_EQ(hashes[j], rte_hash_crc(&expected, sizeof expected, 0)) << j;
        EXPECT_EQ(hashes[j], flow_hash(expected)) << j;
    }
    std::array<FlowEntry*, 32> with_hashes;
    std::array<FlowEntry*, 32> without;
    table.lookup_bulk(key_ptrs.data(), hashes.data(), 32, with_hashes.data());
    table.lookup_bulk(key_ptrs.data(), 32, without.data());
    for (std::uint32_t j = 0; j < 32; ++j) {
        EXPECT_EQ(with_hashes[j], without[j]) << j;
        if (j % 2 == 1) {
            EXPECT_EQ(with_hashes[j], nullptr) << j;
        } else {
            ASSERT_NE(with_hashes[j], nullptr) << j;
            EXPECT_EQ(with_hashes[j]->config.load(std::memory_order_acquire)->spec.cookie, j / 2);
        }
    }
}

// A batch never waits for the workers: what it unlinks is freed by a later call, once every
// online worker has reported a quiescent state after the batch.
TEST(FlowTable, DeletesAreReclaimedAfterTheWorkersPassAQuiescentState) {
    auto created = FlowTable::create("deferred", 16, 1, 0);
    ASSERT_TRUE(created) << created.error();
    FlowTable& table = **created;
    rte_rcu_qsbr* rcu = table.rcu();
    ASSERT_EQ(rte_rcu_qsbr_thread_register(rcu, 0), 0);
    rte_rcu_qsbr_thread_online(rcu, 0);  // this thread plays a worker in the middle of a burst
    ASSERT_TRUE(
        table.apply({{{flowapi::OpKind::kAdd, flow(1)}, {flowapi::OpKind::kAdd, flow(2)}}}, book())
            .ok);
    auto modified = flow(2);
    modified.cookie = 99;
    ASSERT_TRUE(
        table
            .apply({{{flowapi::OpKind::kDelete, flow(1)}, {flowapi::OpKind::kModify, modified}}},
                   book())
            .ok);
    EXPECT_EQ(table.size(), 1u);
    EXPECT_EQ(table.pending_reclaim(), 1u);
    table.reclaim();
    EXPECT_EQ(table.pending_reclaim(), 1u);  // the "worker" has not passed a quiescent state
    rte_rcu_qsbr_quiescent(rcu, 0);
    table.reclaim();
    EXPECT_EQ(table.pending_reclaim(), 0u);
    EXPECT_EQ(table.dump().size(), 1u);
    EXPECT_EQ(table.dump()[0].cookie, 99u);
    rte_rcu_qsbr_thread_offline(rcu, 0);
    ASSERT_TRUE(table.apply({{{flowapi::OpKind::kDelete, flow(2)}}}, book()).ok);
    EXPECT_EQ(table.pending_reclaim(), 0u);  // no worker online: nothing to wait for
    EXPECT_EQ(table.size(), 0u);
    rte_rcu_qsbr_thread_unregister(rcu, 0);
}

// The hot copies (FlowConfig's first lines) are what the workers read instead of the spec: every
// one equals its spec field, SRTP flags included, and agent state exists for an agent flow.
TEST(FlowTable, HotFieldsCopyTheSpec) {
    auto created = FlowTable::create("hot", 16, 1, 0);
    ASSERT_TRUE(created) << created.error();
    FlowTable& table = **created;
    auto s = flow(3);
    s.latching = flowapi::Latching::kStrict;
    s.rtcp_mode = flowapi::RtcpMode::kTerminate;
    s.transport_cc_feedback = true;
    s.transport_cc_extension_id = 5;
    s.clock_rate = 48000;
    s.rewrite_ssrc = 0xCAFEF00Du;
    s.seq_offset = 7;
    s.timestamp_offset = 960;
    s.srtp_egress.suite = flowapi::SrtpSuite::kAesCm128HmacSha1_80;
    for (std::size_t b = 0; b < 16; ++b) s.srtp_egress.master_key[b] = static_cast<std::uint8_t>(b);
    const auto reply = table.apply({{{flowapi::OpKind::kAdd, s}}}, book());
    ASSERT_TRUE(reply.ok) << reply.error;
    std::size_t seen = 0;
    table.for_each([&](const FlowEntry& e) {
        ++seen;
        const FlowConfig& c = *e.config.load();
        EXPECT_EQ(c.latching, s.latching);
        EXPECT_EQ(c.rtcp_mode, s.rtcp_mode);
        EXPECT_TRUE(c.transport_cc_feedback);
        EXPECT_EQ(c.transport_cc_extension_id, 5);
        EXPECT_EQ(c.clock_rate, 48000u);
        EXPECT_EQ(c.rewrite_ssrc, s.rewrite_ssrc);
        EXPECT_EQ(c.seq_offset, s.seq_offset);
        EXPECT_EQ(c.timestamp_offset, s.timestamp_offset);
        EXPECT_EQ(c.egress_source, s.egress_source);
        EXPECT_EQ(c.egress_destination, s.egress_destination);
        EXPECT_FALSE(c.has_srtp_ingress);
        EXPECT_TRUE(c.has_srtp_egress);
        EXPECT_EQ(c.has_srtp_egress, c.srtp_egress.enabled());
        EXPECT_NE(e.rtcp.load(), nullptr);
        // The layout the burst prefetch relies on: the flags and an IPv4 template without VLAN
        // on FlowConfig's first line, the SRTP contexts and the RTP rewrites within its second; the
        // entry's per-packet fields (RTCP state pointer included) on its first line; a new flow's
        // configuration in the entry's own storage.
        const auto offset = [](const void* base, const void* field) {
            return static_cast<const char*>(field) - static_cast<const char*>(base);
        };
        EXPECT_LE(offset(&c, &c.rewrites_rtp) + sizeof c.rewrites_rtp, 64u);
        EXPECT_EQ(c.egress.size, 42u);
        EXPECT_LE(offset(&c, c.egress.bytes.data()) + c.egress.size, 64u);
        EXPECT_LE(offset(&c, &c.timestamp_offset) + sizeof c.timestamp_offset, 128u);
        EXPECT_LE(offset(&c, &c.srtp_egress_context) + sizeof c.srtp_egress_context, 128u);
        EXPECT_EQ(c.srtp_egress_context, c.srtp_egress.context.get());
        EXPECT_EQ(c.srtp_ingress_context, nullptr);
        EXPECT_LE(offset(&e, &e.rtcp) + sizeof e.rtcp, 64u);
        EXPECT_EQ(offset(&e, &e.stats), 64);
        EXPECT_EQ(static_cast<const void*>(&c), e.inline_config());
        EXPECT_TRUE(c.rewrites_rtp);
    });
    EXPECT_EQ(seen, 1u);
}

// A flow's first configuration lives in its entry's storage; a modify puts the next one elsewhere
// while a worker may still read the first, and the one after back in the storage once reclaimed.
// Every configuration carries the spec's egress headers.
TEST(FlowTable, ConfigurationsAlternateBetweenTheEntryAndTheHeap) {
    auto created = FlowTable::create("inline", 16, 1, 0);
    ASSERT_TRUE(created) << created.error();
    FlowTable& table = **created;
    auto s = flow(4);
    ASSERT_TRUE(table.apply({{{flowapi::OpKind::kAdd, s}}}, book()).ok);
    const auto config = [&] {
        const FlowConfig* c = nullptr;
        const FlowEntry* entry = nullptr;
        table.for_each([&](const FlowEntry& e) {
            entry = &e;
            c = e.config.load();
        });
        return std::pair{entry, c};
    };
    auto [e, c] = config();
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(static_cast<const void*>(c), e->inline_config());
    for (std::uint16_t port = 6000; port < 6004; ++port) {
        s.egress_destination.port = port;
        ASSERT_TRUE(table.apply({{{flowapi::OpKind::kModify, s}}}, book()).ok);
        table.reclaim(true);
        const bool was_inline = static_cast<const void*>(c) == e->inline_config();
        std::tie(e, c) = config();
        EXPECT_NE(static_cast<const void*>(c) == e->inline_config(), was_inline);
        EXPECT_EQ(c->spec.egress_destination.port, port);
        EXPECT_EQ(rtp::load_be16(c->egress.bytes.data() + c->egress.l2 + c->egress.l3 + 2), port);
        EXPECT_TRUE(c->egress.v4);
    }
    ASSERT_TRUE(table.apply({{{flowapi::OpKind::kDelete, s}}}, book()).ok);
    table.reclaim(true);
    EXPECT_EQ(table.size(), 0u);
}

}  // namespace
}  // namespace rtpx::dataplane
