// StreamTransport: SIP over TCP or TLS (RFC 3261 18, 26.2; RFC 5626 3.5.1 keep-alives).
//
// One instance per protocol: an optional listening socket plus the connections it accepted or
// opened. Each connection has a receive buffer framed with frame_stream() (Content-Length; leading
// CRLFs dropped; a CRLFCRLF ping answered with a CRLF pong) and a bounded send queue.
//
// Connection reuse: send() uses, in order, the connection given in the target (the one a request
// arrived on, so responses go back on it: RFC 3261 18.2.2), an open connection to the remote
// address (including aliases: a request whose top Via carries `alias` (RFC 5923) maps its sent-by
// to the connection it came on), else opens a new one (its messages are queued until connected).
//
// Limits: max_connections (accept refuses, connect fails with kTooManyConnections), send queue
// bytes per connection (send() refuses with kBackpressure, and the connection stops reading while
// its queue is above half the limit, so a peer that does not read our responses is not fed more
// requests), framing limits (a message over them closes the connection, kFramingError), idle
// timeout (no bytes either way: closed, kIdleTimeout reported), connect timeout (TCP connect + TLS
// handshake). Errors that concern queued data or an outbound connection are reported through
// TransportUser::on_transport_error; the synchronous ones are returned by send().
//
// TLS (OpenSSL, TLS 1.2 minimum): certificate chain and key from files; optional verification of
// the peer with a CA file (server: requests a client certificate; client: verifies the server and
// its name when server_name is set, which is also sent as SNI).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include <tl/expected.hpp>

#include "rtpx/sip/framing.hpp"
#include "rtpx/sip/transport/event_loop.hpp"
#include "rtpx/sip/transport/transport.hpp"

namespace rtpx::sip {

struct TlsConfig {
    std::string certificate_file;  // PEM chain (server: required; client: optional, for mutual TLS)
    std::string private_key_file;  // PEM
    std::string ca_file;           // PEM CAs used to verify the peer when verify_peer
    bool verify_peer = false;      // server: require a client certificate; client: verify server
    std::string server_name;       // client: SNI and, with verify_peer, the name checked
};

struct StreamConfig {
    TransportProto proto = TransportProto::kTcp;  // kTcp or kTls
    std::optional<SockAddr> listen;               // none: outbound connections only
    int listen_backlog = 128;
    std::size_t max_connections = 1024;
    std::size_t max_send_queue_bytes = 1 << 20;  // per connection
    std::size_t max_message_bytes = 65535 + 16 * 1024;
    FramingLimits framing;
    std::chrono::milliseconds idle_timeout{std::chrono::minutes(5)};  // 0: never
    std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
    bool answer_keepalive_ping = true;  // RFC 5626 3.5.1 CRLFCRLF -> CRLF
    TlsConfig tls;
};

struct ConnectionInfo {
    ConnectionId id = 0;
    SockAddr local;
    SockAddr remote;
    bool outbound = false;
    bool established = false;  // connected (and TLS handshake done)
    std::size_t queued_bytes = 0;
    std::string peer_certificate_subject;  // TLS: verified or not, empty when none
};

// The TransportUser and the EventLoop must outlive the transport. Single-threaded (the loop's).
class StreamTransport {
  public:
    // A readable reason on failure (socket/bind/listen errno, unreadable certificate, ...).
    [[nodiscard]] static tl::expected<std::unique_ptr<StreamTransport>, std::string> open(
        EventLoop& loop, TransportUser& user, const StreamConfig& config);
    ~StreamTransport();  // closes every connection (flushing what the socket takes right away)
    StreamTransport(const StreamTransport&) = delete;
    StreamTransport& operator=(const StreamTransport&) = delete;

    [[nodiscard]] TransportProto proto() const noexcept { return config_.proto; }
    // The listening address (with the actual port when bound to 0); invalid when not listening.
    [[nodiscard]] const SockAddr& local() const noexcept { return listen_addr_; }

    // Queues `bytes` (one or more whole messages) on the chosen connection (see above) and returns
    // its id. Synchronous errors: kBackpressure, kTooManyConnections, kConnectFailed, kNoRoute.
    [[nodiscard]] tl::expected<ConnectionId, TransportError> send(
        const SendTarget& target, std::span<const std::uint8_t> bytes);
    [[nodiscard]] tl::expected<ConnectionId, TransportError> send(const SendTarget& target,
                                                                  std::string_view bytes) {
        return send(target,
                    std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
    }
    // Opens (or returns the open) connection to `remote`.
    [[nodiscard]] tl::expected<ConnectionId, TransportError> connect(const SockAddr& remote);

    // Graceful close: flushes what is queued (bounded by the connect timeout), sends TLS
    // close_notify and FIN, then releases the connection. No error is reported for it.
    void close(ConnectionId id);

    [[nodiscard]] bool is_open(ConnectionId id) const noexcept { return connections_.contains(id); }
    [[nodiscard]] std::size_t connection_count() const noexcept { return connections_.size(); }
    [[nodiscard]] std::optional<ConnectionInfo> info(ConnectionId id) const;
    [[nodiscard]] std::optional<ConnectionId> find(const SockAddr& remote) const noexcept;
    [[nodiscard]] const TransportCounters& counters() const noexcept { return counters_; }

    struct Connection;  // internal

  private:
    StreamTransport(EventLoop& loop, TransportUser& user, const StreamConfig& config);
    [[nodiscard]] tl::expected<void, std::string> setup_tls();
    void on_accept();
    void on_event(ConnectionId id, std::uint32_t events);
    Connection* adopt(int fd, const SockAddr& remote, bool outbound, bool connecting);
    void handshake(Connection& c);
    void read_some(Connection& c);
    void schedule_read(Connection& c);
    void process_input(Connection& c);
    void flush(Connection& c);
    void update_interest(Connection& c);
    void arm_idle(Connection& c);
    void fail(Connection& c, TransportErrc code, int err, bool report);
    void release(ConnectionId id);
    void note_alias(Connection& c, const SipMessageView& request);
    friend class StreamDeliveryReply;

    EventLoop& loop_;
    TransportUser& user_;
    StreamConfig config_;
    int listen_fd_ = -1;
    bool destroying_ = false;
    SockAddr listen_addr_;
    ConnectionId next_id_ = 1;
    TransportCounters counters_;
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::unordered_map<ConnectionId, std::unique_ptr<Connection>> connections_;
    std::unordered_map<SockAddr, ConnectionId, SockAddrHash> by_remote_;
};

}  // namespace rtpx::sip
