// Message framing on stream transports (TCP, TLS, WebSocket-less streams): RFC 3261 18.3.
//
// Given the bytes received so far on a connection, frame_stream() says whether a whole message is
// there and how long it is. Leading CRLFs (RFC 5626 keep-alive "pings", and stray CRLFs between
// messages, RFC 3261 7.5) are reported in `skip` so the transport can drop them (and answer a
// double-CRLF ping with a single CRLF "pong" if it implements RFC 5626 3.5.1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "rtpx/sip/error.hpp"

namespace rtpx::sip {

struct FramingLimits {
    std::size_t max_header_bytes = 16 * 1024;  // start line + headers + blank line
    std::size_t max_body_bytes = 64 * 1024;    // Content-Length above this is kTooLarge
};

enum class FrameStatus : std::uint8_t {
    kComplete,  // bytes [skip, skip + length) hold one message
    kNeedMore,  // read more; `skip` leading CRLF bytes may already be dropped
};

struct Frame {
    FrameStatus status = FrameStatus::kNeedMore;
    std::size_t skip = 0;           // leading CRLF keep-alive bytes before the message
    std::size_t length = 0;         // kComplete: length of the message (headers + body)
    std::size_t header_length = 0;  // kComplete: length of the header section incl. blank line
};

// Errors: kTooLarge (header section or body over the limits; the connection should be closed),
// kBadContentLength (missing — mandatory on streams — unparseable, or disagreeing duplicates).
// Offsets are relative to `received`.
[[nodiscard]] SipParseResult<Frame> frame_stream(std::span<const std::uint8_t> received,
                                                 const FramingLimits& limits = {}) noexcept;

}  // namespace rtpx::sip
