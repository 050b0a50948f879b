// Fuzzes PcapReader::open_memory (libpcap's pcap and pcapng readers through fmemopen) and then
// parse_udp_frame on every frame it returns, as `rtpx decode pcap` does.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "rtpx/rtp/capture/pcap_file.hpp"
#include "rtpx/rtp/capture/udp_frame.hpp"

using namespace rtpx::rtp::capture;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto reader = PcapReader::open_memory(rtpx::rtp::ByteSpan(data, size));
    if (!reader) {
        return 0;
    }
    const int link_type = reader->link_type();
    std::uint64_t expected_index = 1;
    for (;;) {
        auto next = reader->next();
        if (!next || !next->has_value()) {
            break;
        }
        const CapturedFrame& frame = **next;
        if (frame.index != expected_index++) {
            std::abort();
        }
        auto datagram = parse_udp_frame(link_type, frame.data);
        if (datagram) {
            const auto* begin = frame.data.data();
            const auto* end = begin + frame.data.size();
            if (datagram->payload.data() != begin + datagram->payload_offset ||
                datagram->payload.data() + datagram->payload.size() > end) {
                std::abort();  // the payload must lie inside the frame
            }
        } else if (datagram.error().offset > frame.data.size()) {
            std::abort();  // an error offset points into the frame (or just past it)
        }
    }
    return 0;
}
