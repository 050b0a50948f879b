// sched/'s Toeplitz hash and RSS steering table against DPDK's own software RSS (rte_softrss from
// <rte_thash.h>, header-inline: no EAL needed). DPDK takes the tuple as 32-bit words in CPU byte
// order and the key as bytes; sched/ takes both as network-order bytes, as the NIC sees them.
#include <rte_thash.h>

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <random>
#include <vector>

#include "rtpx/sched/steering.hpp"
#include "rtpx/sched/toeplitz.hpp"

namespace rtpx::sched {
namespace {

// Network-order bytes -> the host-order 32-bit words rte_softrss expects (length a multiple of 4).
std::vector<std::uint32_t> words(const std::vector<std::uint8_t>& bytes) {
    std::vector<std::uint32_t> out(bytes.size() / 4);
    for (std::size_t i = 0; i < out.size(); ++i) {
        out[i] = std::uint32_t{bytes[4 * i]} << 24 | std::uint32_t{bytes[4 * i + 1]} << 16 |
                 std::uint32_t{bytes[4 * i + 2]} << 8 | bytes[4 * i + 3];
    }
    return out;
}

TEST(RssSoftrss, ToeplitzAgreesWithRteSoftrssOnRandomTuples) {
    std::mt19937_64 rng(5);
    std::array<std::uint8_t, 52> key{};  // mlx5/ice key length
    for (int round = 0; round < 200; ++round) {
        for (auto& b : key) b = static_cast<std::uint8_t>(rng());
        const std::size_t len = 4 * (1 + rng() % 12);  // 4..48 bytes: up to an IPv6 4-tuple+
        std::vector<std::uint8_t> input(len);
        for (auto& b : input) b = static_cast<std::uint8_t>(rng());
        auto tuple = words(input);
        ASSERT_EQ(toeplitz_hash(key, input),
                  rte_softrss(tuple.data(), static_cast<std::uint32_t>(tuple.size()), key.data()))
            << "round " << round << " length " << len;
    }
}

TEST(RssSoftrss, Ipv4UdpTupleAsDpdkBuildsIt) {
    // rte_ipv4_tuple: addresses and ports in CPU order, dport before sport in the same word
    // (little-endian word layout puts sport in the high half, as the wire order wants).
    rte_ipv4_tuple t{};
    t.src_addr = RTE_IPV4(66, 9, 149, 187);
    t.dst_addr = RTE_IPV4(161, 142, 100, 80);
    t.sport = 2794;
    t.dport = 1766;
    const std::uint32_t dpdk = rte_softrss(reinterpret_cast<std::uint32_t*>(&t),
                                           RTE_THASH_V4_L4_LEN, kMicrosoftRssKey.data());
    EXPECT_EQ(dpdk, 0x51ccc178u);  // Microsoft RSS verification suite, first IPv4 row

    const auto reta = default_reta(128, 128);
    RssSpec spec{kMicrosoftRssKey, reta, RssInput::kIpv4Udp};
    spec.remote_addr = {66, 9, 149, 187};
    spec.local_addr = {161, 142, 100, 80};
    spec.remote_port = 2794;
    EXPECT_EQ(rss_queue_of(spec, 1766), dpdk % 128);
}

TEST(RssSoftrss, SteeringTableMatchesRteSoftrssForEveryRelayPort) {
    // L4_DST_ONLY: the NIC hashes the destination port alone. rte_softrss hashes whole 32-bit
    // words, so the port goes in the high half of one word with zeros after it; zero input bits
    // do not change a Toeplitz hash.
    const auto reta = default_reta(512, 6);
    const std::uint8_t workers[] = {0, 1, 2, 3, 4, 5};
    const PortRange range{16384, 32767};
    auto table = make_rss_table(RssSpec{kMicrosoftRssKey, reta}, workers, range);
    ASSERT_TRUE(table) << table.error().what;
    for (std::uint32_t p = range.first; p <= range.last; ++p) {
        std::uint32_t word = p << 16;
        const std::uint32_t hash = rte_softrss(&word, 1, kMicrosoftRssKey.data());
        ASSERT_EQ(table->worker_of(static_cast<std::uint16_t>(p)), workers[reta[hash % 512]]) << p;
    }
}

}  // namespace
}  // namespace rtpx::sched
