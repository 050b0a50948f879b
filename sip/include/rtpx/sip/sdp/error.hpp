// Errors of the SDP parser (RFC 8866) and of the typed attribute parsers.
//
// Like rtp/'s ParseError: a category, the byte offset (from the start of the text handed to
// sdp::parse, or of the attribute value handed to a parse_* function) where parsing stopped, and a
// static phrase naming the line, e.g. "m= line: bad port". `rtpx decode sdp` prints it as
// `error: <what> at byte <offset>`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <tl/expected.hpp>

namespace rtpx::sip::sdp {

enum class SdpErrc : std::uint8_t {
    kTooLarge,  // more bytes, media sections or lines than the parser's limits
    kBadLine,   // not "<letter>=<value>", a stray CR or NUL, a type letter RFC 8866 does not define
    kBadOrder,  // v= not first, a line type repeated where it may appear once, r= without t=
    kMissingLine,  // o=, s= or a media section's c= is missing
    kBadValue,     // a field does not follow its grammar
};

[[nodiscard]] constexpr std::string_view to_string(SdpErrc e) noexcept {
    switch (e) {
        case SdpErrc::kTooLarge: return "too large";
        case SdpErrc::kBadLine: return "bad line";
        case SdpErrc::kBadOrder: return "bad order";
        case SdpErrc::kMissingLine: return "missing line";
        case SdpErrc::kBadValue: return "bad value";
    }
    return "unknown";
}

struct SdpError {
    SdpErrc code;
    std::uint32_t offset;  // byte offset where parsing stopped
    const char* what;      // static string literal naming the line, e.g. "m= line: bad port"
};

template <class T>
using SdpResult = tl::expected<T, SdpError>;

[[nodiscard]] inline tl::unexpected<SdpError> sdp_error(SdpErrc code, std::size_t offset,
                                                        const char* what) noexcept {
    return tl::unexpected<SdpError>(SdpError{code, static_cast<std::uint32_t>(offset), what});
}

}  // namespace rtpx::sip::sdp
