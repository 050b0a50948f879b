// MIME multipart bodies (RFC 2046 5.1: multipart/mixed, multipart/alternative, multipart/related)
// in SIP (RFC 5621). Zero-copy: parts are views into the body.
#pragma once

#include <optional>
#include <string_view>

#include "rtpx/sip/error.hpp"
#include "rtpx/sip/headers.hpp"

namespace rtpx::sip {

class SipMessageView;

struct MimePart {
    std::string_view headers;       // the part's header section (without the blank line)
    std::string_view content_type;  // Content-Type value of the part ("text/plain" default)
    std::string_view body;          // the part's body (CRLF before the next delimiter excluded)
};

// Splits `body` at `boundary` and calls visit(const MimePart&) for each part in order; stops early
// when visit returns false. Errors (offsets relative to `body`): kBadValue when the boundary is
// empty or longer than 70 characters, or the first delimiter or the close-delimiter is missing.
template <class Visit>
[[nodiscard]] SipParseResult<void> for_each_part(std::string_view body, std::string_view boundary,
                                                 Visit&& visit) noexcept;

// The first part whose Content-Type is type/subtype, searching nested multiparts (up to 4 levels).
[[nodiscard]] std::optional<MimePart> find_part(std::string_view body, std::string_view boundary,
                                                std::string_view type,
                                                std::string_view subtype) noexcept;

// The SDP of a message: the body when Content-Type is application/sdp, the application/sdp part of
// a multipart body, nullopt otherwise (no body, another type, malformed multipart).
[[nodiscard]] std::optional<std::string_view> find_sdp_body(const SipMessageView& message) noexcept;

namespace detail {
// Cursor over the parts; next() returns false at the end. err is set on malformed input.
struct MultipartCursor {
    std::string_view body;
    std::string_view boundary;
    std::size_t pos = 0;
    bool started = false;
    bool done = false;
    std::optional<SipParseError> err;
    [[nodiscard]] bool next(MimePart& part) noexcept;
};
}  // namespace detail

template <class Visit>
SipParseResult<void> for_each_part(std::string_view body, std::string_view boundary,
                                   Visit&& visit) noexcept {
    detail::MultipartCursor cursor{body, boundary, 0, false, false, std::nullopt};
    MimePart part;
    while (cursor.next(part)) {
        if (!visit(static_cast<const MimePart&>(part))) return {};
    }
    if (cursor.err) return tl::unexpected(*cursor.err);
    return {};
}

}  // namespace rtpx::sip
