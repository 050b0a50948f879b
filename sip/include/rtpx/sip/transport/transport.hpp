// The seam between the SIP transports (I/O adapters) and the sans-IO core above them.
//
// UPWARD, a transport delivers:
//   - on_message(ReceivedMessage): one parsed message (a SipMessageView into a buffer the transport
//     owns for the duration of the call), the transport kind, local and remote address, and the
//     connection it came on (ConnectionId; 0 for UDP). Requests arrive with their top Via already
//     annotated per RFC 3261 18.2.1 / RFC 3581 4: `received=<source ip>` when the source differs
//     from sent-by (or when rport is present), `rport=<source port>` when rport came empty. So a
//     response built with make_response() carries the address it must go back to. The raw bytes
//     as received are in `raw`.
//   - on_transport_error(TransportError): a send that failed after send() returned (connect
//     refused or timed out, TLS handshake failed, connection reset with queued data), a connection
//     closed (idle, peer, limit), or backpressure. The transaction layer maps these to its
//     "transport error" event (RFC 3261 17.1.1.2 / 17.1.2.2 / 17.2.4).
//
// DOWNWARD, a transport accepts:
//   - send(SendTarget, bytes): to an address over a transport; for streams, on the connection
//     `target.connection` when it is still open (responses go back on the connection the request
//     came on, RFC 3261 18.2.2), else on a reused connection to `target.remote`, else on a new one.
//   - response_target(response view, ...): the RFC 3261 18.2.2 + RFC 3581 4 destination of a
//     response, computed from its top Via.
//
// Unparseable input is counted and dropped (TransportCounters); unparseable requests that still
// have a usable start line and Via are answered 400 by the transport itself.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include <tl/expected.hpp>

#include "rtpx/sip/message.hpp"
#include "rtpx/sip/transport/address.hpp"

namespace rtpx::sip {

enum class TransportProto : std::uint8_t { kUdp, kTcp, kTls };

[[nodiscard]] constexpr std::string_view to_string(TransportProto p) noexcept {
    switch (p) {
        case TransportProto::kUdp: return "UDP";
        case TransportProto::kTcp: return "TCP";
        case TransportProto::kTls: return "TLS";
    }
    return "?";
}

[[nodiscard]] constexpr bool is_stream(TransportProto p) noexcept {
    return p != TransportProto::kUdp;
}

// A stream connection, unique over the life of a transport (never reused). 0: none (UDP).
using ConnectionId = std::uint64_t;

struct ReceivedMessage {
    const SipMessageView& message;      // top Via annotated (see above); valid during the call
    std::span<const std::uint8_t> raw;  // the message bytes as received
    TransportProto proto;
    SockAddr local;
    SockAddr remote;
    ConnectionId connection = 0;
};

enum class TransportErrc : std::uint8_t {
    kConnectFailed,       // connect() refused / unreachable
    kConnectTimeout,      // no connection within the configured connect timeout
    kTlsHandshakeFailed,  // TLS handshake or certificate verification failed
    kConnectionClosed,    // the peer closed, or a reset, with data still queued
    kIdleTimeout,         // closed by us after the idle timeout
    kTooManyConnections,  // the max-connections limit refused a new connection
    kBackpressure,        // the connection's send queue is full: message refused
    kFramingError,        // unframeable stream input (too large, bad Content-Length): closed
    kSendFailed,          // sendmsg() failed (EHOSTUNREACH, EMSGSIZE, ...)
    kNoRoute,             // no transport/socket for this destination (family, proto)
    kMessageTooLarge,     // larger than the transport accepts (UDP: 65507 bytes)
};

[[nodiscard]] std::string_view to_string(TransportErrc e) noexcept;

struct TransportError {
    TransportErrc code;
    TransportProto proto;
    SockAddr remote;
    ConnectionId connection = 0;
    int sys_errno = 0;
};

struct SendTarget {
    TransportProto proto = TransportProto::kUdp;
    SockAddr remote;
    ConnectionId connection = 0;  // streams: preferred connection (the request's), 0 for any
};

// Receives what the transports deliver. Called on the event loop's thread.
class TransportUser {
  public:
    virtual ~TransportUser() = default;
    virtual void on_message(const ReceivedMessage& message) = 0;
    virtual void on_transport_error(const TransportError& error) = 0;
};

// One row per counter; transports add to theirs, readers sum.
struct TransportCounters {
    std::uint64_t received_messages = 0;
    std::uint64_t sent_messages = 0;
    std::uint64_t send_errors = 0;
    std::uint64_t dropped_unparseable_requests = 0;   // answered 400 when possible
    std::uint64_t dropped_unparseable_responses = 0;  // RFC 3261 18.1.2: dropped silently
    std::uint64_t dropped_not_sip = 0;
    std::uint64_t answered_400 = 0;
    std::uint64_t keepalive_pings = 0;  // RFC 5626 CRLFCRLF received (pong sent)
    std::uint64_t connections_accepted = 0;
    std::uint64_t connections_opened = 0;
    std::uint64_t connections_closed = 0;
    std::uint64_t connections_idle_closed = 0;
    std::uint64_t connections_refused_limit = 0;
    std::uint64_t backpressure_refusals = 0;     // send() refused: the send queue is full
    std::uint64_t backpressure_read_pauses = 0;  // stopped reading a connection (queue > 1/2)
    std::uint64_t framing_errors = 0;
    std::uint64_t tls_handshake_failures = 0;
};

// --- RFC 3261 18.2.1 / RFC 3581 4 ------------------------------------------------------------
// What the server adds to the top Via of a received request: `received` (source IP; IPv6 in
// brackets) when sent-by's host differs from the source IP or when rport is present; `rport`
// (source port) when rport is present without a value. nullopt when nothing is to be added.
struct ViaAnnotation {
    bool add_received = false;
    bool fill_rport = false;
};
[[nodiscard]] ViaAnnotation via_annotation(const ViaView& top_via, const SockAddr& source) noexcept;

// Writes `message` with its top Via annotated into `out`: the bytes before the end of the top Via
// value's sent-by/params, ";received=IP" (when asked; an existing received is left as is only if
// equal), "=port" after an empty rport, then the rest. Returns the new length, or nullopt when
// `out` is too small or the top Via is absent. The body and every other byte are unchanged.
[[nodiscard]] std::optional<std::size_t> annotate_top_via(const SipMessageView& message,
                                                          const SockAddr& source,
                                                          std::span<std::uint8_t> out) noexcept;

// RFC 3261 18.2.2 + RFC 3581 4: where a response goes, from its top Via.
//   reliable (TCP/TLS): the connection the request came on (`request_connection`) when open; else
//     the `received` address (or sent-by host) and the sent-by port (default 5060, 5061 for TLS).
//   unreliable: maddr is not supported (multicast) -> treated like absent; `received` address (or
//     sent-by host) with the rport value when present, else the sent-by port (default 5060).
// nullopt when the host is not numeric and there is no received (DNS is the caller's job).
[[nodiscard]] std::optional<SendTarget> response_target(
    const SipMessageView& response, ConnectionId request_connection = 0) noexcept;

// Maps a Via transport token to the proto ("UDP", "TCP", "TLS"; case-insensitive).
[[nodiscard]] std::optional<TransportProto> proto_from_via(std::string_view token) noexcept;

}  // namespace rtpx::sip
