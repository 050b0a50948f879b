// Errors of the SIP message layer (parser, URI and header-value parsers, framing).
//
// Like rtp/'s ParseError: a small category, the byte offset where parsing stopped (from the start
// of the buffer handed to the top-level parser: SipMessageView::parse, frame_stream, or the string
// given to a standalone value parser such as UriView::parse) and a static human-readable phrase.
// `rtpx decode sip` prints it as `error: <what> at byte <offset>`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <tl/expected.hpp>

namespace rtpx::sip {

enum class SipParseErrc : std::uint8_t {
    kIncomplete,        // the end of the header section (CRLF CRLF) is not in the buffer
    kBadStartLine,      // Request-Line or Status-Line does not follow RFC 3261 7.1/7.2
    kBadVersion,        // SIP-Version is not of the form SIP/<digits>.<digits>
    kBadHeader,         // a header line has no colon, a bad name, or bad line folding
    kTooManyHeaders,    // more header fields than SipMessageView::kMaxHeaders
    kTooLarge,          // a configured size limit (message, header section, body) is exceeded
    kBadContentLength,  // Content-Length is not a number, or several disagree
    kBodyTruncated,     // the body is shorter than Content-Length says
    kMissingHeader,     // a header the caller asked for (or RFC 3261 8.1.1 requires) is absent
    kBadValue,          // a header value, URI or parameter does not follow its grammar
    kUnsupported,       // well-formed, but of a kind this parser does not handle
};

[[nodiscard]] constexpr std::string_view to_string(SipParseErrc e) noexcept {
    switch (e) {
        case SipParseErrc::kIncomplete: return "incomplete";
        case SipParseErrc::kBadStartLine: return "bad start line";
        case SipParseErrc::kBadVersion: return "bad version";
        case SipParseErrc::kBadHeader: return "bad header";
        case SipParseErrc::kTooManyHeaders: return "too many headers";
        case SipParseErrc::kTooLarge: return "too large";
        case SipParseErrc::kBadContentLength: return "bad Content-Length";
        case SipParseErrc::kBodyTruncated: return "body truncated";
        case SipParseErrc::kMissingHeader: return "missing header";
        case SipParseErrc::kBadValue: return "bad value";
        case SipParseErrc::kUnsupported: return "unsupported";
    }
    return "unknown";
}

struct SipParseError {
    SipParseErrc code;
    std::uint32_t offset;  // byte offset where parsing stopped
    const char* what;      // static string literal, e.g. "Via without sent-by"
};

template <class T>
using SipParseResult = tl::expected<T, SipParseError>;

[[nodiscard]] inline tl::unexpected<SipParseError> sip_error(SipParseErrc code, std::size_t offset,
                                                             const char* what) noexcept {
    return tl::unexpected<SipParseError>(
        SipParseError{code, static_cast<std::uint32_t>(offset), what});
}

// Shifts an error found in a sub-string so that its offset is relative to the enclosing buffer.
[[nodiscard]] inline SipParseError rebase(SipParseError e, std::size_t base) noexcept {
    e.offset += static_cast<std::uint32_t>(base);
    return e;
}

}  // namespace rtpx::sip
