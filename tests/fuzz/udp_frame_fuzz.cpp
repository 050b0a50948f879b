// Fuzzes parse_udp_frame. The first input byte picks the link type; the rest is the frame. Every
// datagram that parses is rebuilt with build_udp_frame (Ethernet, one VLAN tag at most) and parsed
// again: addresses, ports, VLAN and payload must survive.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "rtpx/rtp/capture/udp_frame.hpp"

using namespace rtpx::rtp;
using namespace rtpx::rtp::capture;

namespace {

constexpr std::array<int, 11> kLinkTypes = {kLinkTypeEthernet,
                                            kLinkTypeLinuxSll,
                                            kLinkTypeLinuxSll2,
                                            kLinkTypeRaw,
                                            kLinkTypeDltRaw,
                                            kLinkTypeIpv4,
                                            kLinkTypeIpv6,
                                            kLinkTypeNull,
                                            kLinkTypeLoop,
                                            kLinkTypeDltRawOpenBsd,
                                            105 /* unsupported: 802.11 */};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const int link_type = kLinkTypes[data[0] % kLinkTypes.size()];
    const ByteSpan frame(data + 1, size - 1);
    auto d = parse_udp_frame(link_type, frame);
    if (!d) {
        if (d.error().offset > frame.size() || d.error().what == nullptr) {
            std::abort();
        }
        return 0;
    }
    if (d->payload.data() != frame.data() + d->payload_offset ||
        d->payload_offset + d->payload.size() > frame.size()) {
        std::abort();
    }

    FrameEndpoints ep;
    ep.src = d->src;
    ep.dst = d->dst;
    ep.src_port = d->src_port;
    ep.dst_port = d->dst_port;
    ep.vlan = d->vlan <= 4094 ? d->vlan : 0;
    std::vector<std::uint8_t> rebuilt(udp_frame_size(ep, d->payload.size()));
    auto n = build_udp_frame(rebuilt, ep, d->payload);
    if (!n || *n != rebuilt.size()) {
        std::abort();  // anything that parsed fits 65535 bytes and has matching families
    }
    auto again = parse_udp_frame(kLinkTypeEthernet, rebuilt);
    if (!again || again->src != d->src || again->dst != d->dst || again->src_port != d->src_port ||
        again->dst_port != d->dst_port || again->vlan != ep.vlan ||
        !std::equal(again->payload.begin(), again->payload.end(), d->payload.begin(),
                    d->payload.end())) {
        std::abort();
    }
    if (!udp_checksum_ok(ep.src, ep.dst,
                         ByteSpan(rebuilt).subspan(again->payload_offset - kUdpHeaderSize))) {
        std::abort();
    }
    return 0;
}
