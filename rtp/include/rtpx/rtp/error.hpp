// Errors of rtp/ parsers and writers.
//
// A parse error says what went wrong (a category and a static, human-readable phrase) and where:
// the byte offset, from the start of the buffer handed to the top-level parser, at which parsing
// stopped. The `rtpx decode` commands print it as `error: <what> at byte <offset>`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <tl/expected.hpp>

namespace rtpx::rtp {

enum class ParseErrc : std::uint8_t {
    kTruncated,    // a length says more bytes follow than the buffer holds
    kBadVersion,   // version field is not 2
    kBadLength,    // a length field is inconsistent (zero where not allowed, not a multiple of 4,
                   // ...)
    kBadPadding,   // padding count is zero or larger than the payload
    kBadValue,     // a field holds a value the specification forbids
    kUnsupported,  // well-formed but of a kind this parser does not handle
};

[[nodiscard]] constexpr std::string_view to_string(ParseErrc e) noexcept {
    switch (e) {
        case ParseErrc::kTruncated: return "truncated";
        case ParseErrc::kBadVersion: return "bad version";
        case ParseErrc::kBadLength: return "bad length";
        case ParseErrc::kBadPadding: return "bad padding";
        case ParseErrc::kBadValue: return "bad value";
        case ParseErrc::kUnsupported: return "unsupported";
    }
    return "unknown";
}

struct ParseError {
    ParseErrc code;
    std::uint32_t offset;  // byte offset where parsing stopped
    const char* what;      // static string literal, e.g. "RTP header extension longer than packet"
};

template <class T>
using ParseResult = tl::expected<T, ParseError>;

[[nodiscard]] inline tl::unexpected<ParseError> parse_error(ParseErrc code, std::size_t offset,
                                                            const char* what) noexcept {
    return tl::unexpected<ParseError>(ParseError{code, static_cast<std::uint32_t>(offset), what});
}

// Shifts an error found in a sub-buffer so that its offset is relative to the enclosing buffer.
[[nodiscard]] inline ParseError rebase(ParseError e, std::size_t base) noexcept {
    e.offset += static_cast<std::uint32_t>(base);
    return e;
}

enum class WriteErrc : std::uint8_t {
    kNoRoom,    // the destination span is too small; nothing useful was written
    kBadValue,  // a value does not fit its wire field (e.g. extension ID 15, 4096 CSRCs)
};

template <class T>
using WriteResult = tl::expected<T, WriteErrc>;

}  // namespace rtpx::rtp
