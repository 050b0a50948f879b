// RTCP compound packets as JSON, for `rtpx decode rtcp` and friends.
//
// rtcp_to_json returns an array with one object per packet. Each object has "type" ("SR", "RR",
// "SDES", "BYE", "APP", "XR", "NACK", "TMMBR", "TMMBN", "TWCC", "CCFB", "PLI", "SLI", "RPSI",
// "FIR", "TSTR", "TSTN", "REMB"; "RTPFB"/"PSFB" with "fmt" and hex "fci" for other feedback;
// "UNKNOWN" with "pt" for other packet types), "padding" (byte count) when the P bit is set, and
// every field of the type under snake_case keys. Any parse error is returned with its offset in the
// compound.
#pragma once

#include <nlohmann/json.hpp>

#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/error.hpp"
#include "rtpx/rtp/rtcp/common.hpp"

namespace rtpx::cli {

[[nodiscard]] rtp::ParseResult<nlohmann::ordered_json> rtcp_to_json(rtp::ByteSpan compound);

// One packet; error offsets are relative to the packet's first byte.
[[nodiscard]] rtp::ParseResult<nlohmann::ordered_json> rtcp_packet_to_json(
    const rtp::rtcp::PacketView& packet);

}  // namespace rtpx::cli
