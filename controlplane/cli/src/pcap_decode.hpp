// `rtpx decode pcap`: every UDP datagram of a capture that is RTP, RTCP, STUN or DTLS as a JSON
// line, or, with --summary, one JSON line per RTP stream (SSRC + 5-tuple) with RFC 3550 statistics
// and an E-model MOS estimate.
#pragma once

#include <array>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/capture/udp_frame.hpp"
#include "rtpx/rtp/header_extension.hpp"
#include "rtpx/rtp/payload_types.hpp"

namespace rtpx::cli {

class PcapDecoder {
  public:
    PcapDecoder() = default;

    void set_extension(std::uint8_t id, rtp::ExtensionType type) { extmap_.set(id, type); }
    // "PT=encoding/clock[/channels]" for a dynamic payload type.
    [[nodiscard]] tl::expected<void, std::string> add_rtpmap(std::string_view arg);

    // Reads the capture and writes JSON lines (or the per-stream summary) to `out`. Returns the
    // exit status: 1 with `error: ...` on `err` when the file cannot be read.
    [[nodiscard]] int run(const std::string& file, bool summary, std::ostream& out,
                          std::ostream& err);

  private:
    struct StreamKey {
        std::uint32_t ssrc;
        rtp::capture::IpAddress src;
        rtp::capture::IpAddress dst;
        std::uint16_t src_port;
        std::uint16_t dst_port;
        auto operator<=>(const StreamKey&) const = default;
    };
    struct PacketRecord {
        std::uint16_t seq;
        std::uint32_t ts;
        std::int64_t arrival_ns;
    };
    struct Stream {
        std::uint64_t first_frame = 0;
        std::uint8_t pt = 0;
        std::uint64_t bytes = 0;
        std::uint64_t rtcp_packets = 0;
        std::vector<PacketRecord> packets;
    };

    void on_datagram(std::uint64_t frame, std::int64_t ts_ns,
                     const rtp::capture::UdpDatagram& dgram, bool summary, std::ostream& out);
    [[nodiscard]] nlohmann::ordered_json summarise(const StreamKey& key,
                                                   const Stream& stream) const;

    rtp::ExtensionMap extmap_;
    rtp::PayloadTypeRegistry payload_types_;
    std::map<StreamKey, Stream> streams_;
    std::map<std::uint32_t, std::uint64_t> rtcp_by_ssrc_;  // RTCP packets whose sender is this SSRC
    std::uint64_t malformed_ = 0;
};

// Light views of the STUN message header (RFC 8489 section 5) and DTLS record headers
// (RFC 6347 section 4.1), enough for a capture listing.
[[nodiscard]] nlohmann::ordered_json stun_to_json(rtp::ByteSpan payload);
[[nodiscard]] nlohmann::ordered_json dtls_to_json(rtp::ByteSpan payload);

}  // namespace rtpx::cli
