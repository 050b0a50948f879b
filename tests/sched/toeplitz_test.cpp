// Toeplitz hash against Microsoft's RSS verification suite ("Verifying the RSS Hash
// Calculation", Windows Driver Kit docs; reproduced in the Intel 82599 datasheet, 7.1.2.8.3
// "RSS Verification Suite"), with the key kMicrosoftRssKey:
//
//   Destination          Source                    IPv4 only    with TCP (ports)
//   161.142.100.80:1766  66.9.149.187:2794         0x323e8fc2   0x51ccc178
//   65.69.140.83:4739    199.92.111.2:14230        0xd718262a   0xc626b0ea
//   12.22.207.184:38024  24.19.198.95:12898        0xd2d0a5de   0x5c2b394a
//   209.142.163.6:2217   38.27.205.30:48228        0x82989176   0xafc7327f
//   202.188.127.2:1303   153.39.163.191:44251      0x5d1809c5   0x10e828a2
//
//   Destination                   Source                                  IPv6 only   with TCP
//   3ffe:2501:200:3::1 :1766      3ffe:2501:200:1fff::7 :2794             0x2cc18cd5  0x40207d3d
//   ff02::1 :4739                 3ffe:501:8::260:97ff:fe40:efab :14230   0x0f0c461c  0xdde51bbf
//   fe80::200:f8ff:fe21:67cf :38024  3ffe:1900:4545:3:200:f8ff:fe21:67cf :44251
//                                                                         0x4b61e985  0x02d1feef
//
// The input is source address, destination address, source port, destination port, each in
// network byte order. The hash does not depend on the protocol, so the TCP column is also the
// UDP 4-tuple hash.
#include "rtpx/sched/toeplitz.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace rtpx::sched {
namespace {

// One row: destination, source, and the two published hashes (addresses only; with ports).
template <std::size_t N>
struct RssVector {
    std::uint8_t dst[N];
    std::uint16_t dst_port;
    std::uint8_t src[N];
    std::uint16_t src_port;
    std::uint32_t hash_l3;
    std::uint32_t hash_l4;
};

constexpr RssVector<4> kV4[] = {
    {{161, 142, 100, 80}, 1766, {66, 9, 149, 187}, 2794, 0x323e8fc2, 0x51ccc178},
    {{65, 69, 140, 83}, 4739, {199, 92, 111, 2}, 14230, 0xd718262a, 0xc626b0ea},
    {{12, 22, 207, 184}, 38024, {24, 19, 198, 95}, 12898, 0xd2d0a5de, 0x5c2b394a},
    {{209, 142, 163, 6}, 2217, {38, 27, 205, 30}, 48228, 0x82989176, 0xafc7327f},
    {{202, 188, 127, 2}, 1303, {153, 39, 163, 191}, 44251, 0x5d1809c5, 0x10e828a2},
};

constexpr RssVector<16> kV6[] = {
    {// 3ffe:2501:200:3::1
     {0x3f, 0xfe, 0x25, 0x01, 0x02, 0x00, 0x00, 0x03, 0, 0, 0, 0, 0, 0, 0, 0x01},
     1766,
     // 3ffe:2501:200:1fff::7
     {0x3f, 0xfe, 0x25, 0x01, 0x02, 0x00, 0x1f, 0xff, 0, 0, 0, 0, 0, 0, 0, 0x07},
     2794,
     0x2cc18cd5,
     0x40207d3d},
    {// ff02::1
     {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01},
     4739,
     // 3ffe:501:8::260:97ff:fe40:efab
     {0x3f, 0xfe, 0x05, 0x01, 0x00, 0x08, 0, 0, 0x02, 0x60, 0x97, 0xff, 0xfe, 0x40, 0xef, 0xab},
     14230,
     0x0f0c461c,
     0xdde51bbf},
    {// fe80::200:f8ff:fe21:67cf
     {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x00, 0xf8, 0xff, 0xfe, 0x21, 0x67, 0xcf},
     38024,
     // 3ffe:1900:4545:3:200:f8ff:fe21:67cf
     {0x3f, 0xfe, 0x19, 0x00, 0x45, 0x45, 0x00, 0x03, 0x02, 0x00, 0xf8, 0xff, 0xfe, 0x21, 0x67,
      0xcf},
     44251,
     0x4b61e985,
     0x02d1feef},
};

template <std::size_t N>
std::vector<std::uint8_t> tuple(const std::uint8_t (&src)[N], const std::uint8_t (&dst)[N],
                                std::uint16_t src_port, std::uint16_t dst_port, bool ports) {
    std::vector<std::uint8_t> in(src, src + N);
    in.insert(in.end(), dst, dst + N);
    if (ports) {
        for (std::uint16_t p : {src_port, dst_port}) {
            in.push_back(static_cast<std::uint8_t>(p >> 8));
            in.push_back(static_cast<std::uint8_t>(p));
        }
    }
    return in;
}

template <class Vectors>
void expect_vectors(const Vectors& vectors) {
    for (const auto& v : vectors) {
        EXPECT_EQ(toeplitz_hash(kMicrosoftRssKey, tuple(v.src, v.dst, 0, 0, false)), v.hash_l3);
        EXPECT_EQ(
            toeplitz_hash(kMicrosoftRssKey, tuple(v.src, v.dst, v.src_port, v.dst_port, true)),
            v.hash_l4);
    }
}

TEST(Toeplitz, MatchesMicrosoftIpv4Vectors) {
    expect_vectors(kV4);
}

TEST(Toeplitz, MatchesMicrosoftIpv6Vectors) {
    expect_vectors(kV6);
}

TEST(Toeplitz, IsLinearOverXorSoAPortCanBeHashedAlone) {
    const auto& v = kV4[2];
    auto with_port = tuple(v.src, v.dst, v.src_port, v.dst_port, true);
    auto without_port = tuple(v.src, v.dst, v.src_port, 0, true);
    std::vector<std::uint8_t> port_only(12, 0);
    port_only[10] = static_cast<std::uint8_t>(v.dst_port >> 8);
    port_only[11] = static_cast<std::uint8_t>(v.dst_port);
    EXPECT_EQ(
        toeplitz_hash(kMicrosoftRssKey, with_port),
        toeplitz_hash(kMicrosoftRssKey, without_port) ^ toeplitz_hash(kMicrosoftRssKey, port_only));
}

TEST(Toeplitz, ByteTableAgreesWithTheBitwiseHash) {
    for (std::size_t position : {0u, 1u, 10u, 35u}) {
        const ToeplitzByteTable table(kMicrosoftRssKey, position);
        for (unsigned value = 0; value < 256; ++value) {
            std::vector<std::uint8_t> in(position + 1, 0);
            in[position] = static_cast<std::uint8_t>(value);
            ASSERT_EQ(table[static_cast<std::uint8_t>(value)], toeplitz_hash(kMicrosoftRssKey, in))
                << "position " << position << " value " << value;
        }
    }
}

TEST(Toeplitz, KeyBitsPastTheEndCountAsZero) {
    const std::uint8_t key[] = {0x80, 0, 0, 0};
    EXPECT_EQ(toeplitz_window(key, 0), 0x80000000u);
    EXPECT_EQ(toeplitz_window(key, 1), 0u);
    const std::uint8_t input[] = {0x80, 0x00};
    EXPECT_EQ(toeplitz_hash(key, input), 0x80000000u);
    EXPECT_EQ(toeplitz_hash({}, input), 0u);
}

}  // namespace
}  // namespace rtpx::sched
