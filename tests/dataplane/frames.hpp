// Frame builders for the data plane tests that came with the rate limit and the exception port:
// Ethernet + IPv4 + UDP/TCP towards the fixture's port (kPortMac), checksums left zero (the worker
// does not check them).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "ring_worker_fixture.hpp"

namespace rtpx::dataplane::frames {

constexpr std::array<std::uint8_t, 6> kPeerMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
constexpr std::array<std::uint8_t, 4> kPeer = {198, 51, 100, 7};
constexpr std::array<std::uint8_t, 4> kUs = {192, 0, 2, 1};

inline void put16(Bytes& b, std::uint16_t v) {
    b.push_back(static_cast<std::uint8_t>(v >> 8));
    b.push_back(static_cast<std::uint8_t>(v));
}

// An RTP packet (V=2, PT 0, SSRC 0x11223344) with `payload_size` bytes after the 12-byte header.
inline Bytes rtp(std::uint16_t seq, std::size_t payload_size = 160) {
    Bytes b = {0x80, 0x00};
    put16(b, seq);
    b.insert(b.end(), {0, 0, 0, 0, 0x11, 0x22, 0x33, 0x44});
    b.resize(12 + payload_size, 0xD5);
    return b;
}

// IPv4 from kPeer:sport to kUs:dport, protocol `proto` (17 UDP: an 8-byte header is added; else
// `l4` is the whole L4 segment).
inline Bytes ipv4_frame(std::uint8_t proto, std::uint16_t sport, std::uint16_t dport,
                        const Bytes& l4) {
    Bytes f(kPortMac.begin(), kPortMac.end());
    f.insert(f.end(), kPeerMac.begin(), kPeerMac.end());
    put16(f, 0x0800);
    const std::size_t l4_size = l4.size() + (proto == 17 ? 8 : 0);
    f.insert(f.end(), {0x45, 0});
    put16(f, static_cast<std::uint16_t>(20 + l4_size));
    f.insert(f.end(), {0, 1, 0x40, 0, 64, proto, 0, 0});
    f.insert(f.end(), kPeer.begin(), kPeer.end());
    f.insert(f.end(), kUs.begin(), kUs.end());
    if (proto == 17) {
        put16(f, sport);
        put16(f, dport);
        put16(f, static_cast<std::uint16_t>(l4_size));
        put16(f, 0);
    }
    f.insert(f.end(), l4.begin(), l4.end());
    return f;
}

inline Bytes udp(std::uint16_t dport, const Bytes& payload, std::uint16_t sport = 4000) {
    return ipv4_frame(17, sport, dport, payload);
}

// A TCP SYN from kPeer:sport to kUs:dport (20-byte header, no options).
inline Bytes tcp_syn(std::uint16_t dport, std::uint16_t sport = 40000) {
    Bytes t;
    put16(t, sport);
    put16(t, dport);
    t.insert(t.end(), {0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xFA, 0xF0, 0, 0, 0, 0});
    return ipv4_frame(6, 0, 0, t);
}

}  // namespace rtpx::dataplane::frames
