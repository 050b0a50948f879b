// SDES items carried as header extensions: the media identification (MID, RFC 9143 / RFC 8843
// "urn:ietf:params:rtp-hdrext:sdes:mid") and the RTP stream identifiers of RFC 8852
// ("urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id", "...:repaired-rtp-stream-id").
//
// The element data is the identifier itself, 1-255 bytes of US-ASCII, no terminator. The value is a
// string_view into the packet (or into the caller's storage when writing); it lives no longer than
// those bytes. Trailing NUL bytes, which some senders add to fill a 4-byte boundary, are dropped on
// parse. Allowed characters:
//   - RtpStreamId / RepairedRtpStreamId: the rid-id of RFC 8851 section 10, 1*(ALPHA / DIGIT / "-"
//   /
//     "_") (RFC 8852 section 3.1 restricts identifiers to what rid-id allows);
//   - MID: an SDP token (RFC 8843 section 15: mid-value = token; RFC 4566 token-char).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/error.hpp"
#include "rtpx/rtp/header_extension.hpp"

namespace rtpx::rtp {

namespace sdes_detail {
enum class Charset : std::uint8_t { kToken, kRidId };
[[nodiscard]] ParseResult<std::string_view> parse_identifier(ByteSpan data, Charset charset,
                                                             const char* bad_char_what) noexcept;
[[nodiscard]] WriteResult<std::size_t> write_identifier(MutableByteSpan out, std::string_view id,
                                                        Charset charset) noexcept;
}  // namespace sdes_detail

template <ExtensionType kTypeV, sdes_detail::Charset kCharsetV>
struct SdesIdentifierExtension {
    static constexpr ExtensionType kType = kTypeV;
    static constexpr std::string_view kUri =
        kTypeV == ExtensionType::kMid ? "urn:ietf:params:rtp-hdrext:sdes:mid"
        : kTypeV == ExtensionType::kRtpStreamId
            ? "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"
            : "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id";
    static constexpr std::size_t kMaxSize = 255;

    using Value = std::string_view;
    using value_type = Value;

    [[nodiscard]] static ParseResult<Value> parse(ByteSpan data) noexcept {
        return sdes_detail::parse_identifier(data, kCharsetV,
                                             kCharsetV == sdes_detail::Charset::kToken
                                                 ? "MID has a character outside SDP token"
                                                 : "RtpStreamId has a character outside rid-id");
    }
    [[nodiscard]] static std::size_t value_size(const Value& v) noexcept { return v.size(); }
    [[nodiscard]] static WriteResult<std::size_t> write(MutableByteSpan out,
                                                        const Value& v) noexcept {
        return sdes_detail::write_identifier(out, v, kCharsetV);
    }
};

using Mid = SdesIdentifierExtension<ExtensionType::kMid, sdes_detail::Charset::kToken>;
using RtpStreamId =
    SdesIdentifierExtension<ExtensionType::kRtpStreamId, sdes_detail::Charset::kRidId>;
using RepairedRtpStreamId =
    SdesIdentifierExtension<ExtensionType::kRepairedRtpStreamId, sdes_detail::Charset::kRidId>;

}  // namespace rtpx::rtp
