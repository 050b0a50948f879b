#include "rtpx/sip/transport/stream_transport.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <vector>

#include "delivery.hpp"

namespace rtpx::sip {

struct StreamTransport::Connection {
    enum class State : std::uint8_t { kConnecting, kHandshaking, kOpen, kClosing };
    ConnectionId id = 0;
    int fd = -1;
    SSL* ssl = nullptr;
    SockAddr local;
    SockAddr remote;
    State state = State::kConnecting;
    bool outbound = false;
    bool reading_paused = false;
    bool want_write = false;        // TLS: the handshake/read needs the socket writable
    std::vector<std::uint8_t> in;   // received, not yet framed
    std::vector<std::uint8_t> out;  // queued, not yet written
    std::size_t out_offset = 0;
    std::size_t crlf_run = 0;  // CRLFs seen since the last message (RFC 5626 pings)
    EventLoop::Clock::time_point last_activity;
    EventLoop::TimerId idle_timer = 0;
    EventLoop::TimerId connect_timer = 0;
    std::uint32_t interest = 0;

    [[nodiscard]] std::size_t queued() const noexcept { return out.size() - out_offset; }
};

// Forwards deliveries to the user after noting RFC 5923 aliases.
struct StreamTransport::Impl final : TransportUser {
    explicit Impl(StreamTransport& t, std::size_t max_message_bytes)
        : owner(t), delivery(*this, t.counters_, max_message_bytes) {}
    ~Impl() override {
        if (server_ctx != nullptr) SSL_CTX_free(server_ctx);
        if (client_ctx != nullptr) SSL_CTX_free(client_ctx);
    }
    void on_message(const ReceivedMessage& m) override {
        if (m.message.is_request()) {
            auto it = owner.connections_.find(m.connection);
            if (it != owner.connections_.end()) owner.note_alias(*it->second, m.message);
        }
        owner.user_.on_message(m);
    }
    void on_transport_error(const TransportError& e) override { owner.user_.on_transport_error(e); }

    StreamTransport& owner;
    detail::Delivery delivery;
    SSL_CTX* server_ctx = nullptr;
    SSL_CTX* client_ctx = nullptr;
};

namespace {

std::string ssl_error_text(const char* what) {
    std::string out = what;
    unsigned long e = ERR_get_error();
    if (e != 0) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        out += ": ";
        out += buf;
    }
    ERR_clear_error();
    return out;
}

// A socket BIO that writes with MSG_NOSIGNAL: OpenSSL's own uses write(), which raises SIGPIPE on
// a connection the peer has reset, and a library must not change the process's signal handling.
int nosignal_bio_write(BIO* b, const char* data, int len) {
    int fd = static_cast<int>(reinterpret_cast<std::intptr_t>(BIO_get_data(b)));
    BIO_clear_retry_flags(b);
    ssize_t n;
    do {
        n = ::send(fd, data, static_cast<std::size_t>(len), MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) BIO_set_retry_write(b);
        return -1;
    }
    return static_cast<int>(n);
}

int nosignal_bio_read(BIO* b, char* data, int len) {
    int fd = static_cast<int>(reinterpret_cast<std::intptr_t>(BIO_get_data(b)));
    BIO_clear_retry_flags(b);
    ssize_t n;
    do {
        n = ::recv(fd, data, static_cast<std::size_t>(len), MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) BIO_set_retry_read(b);
        return -1;
    }
    return static_cast<int>(n);
}

long nosignal_bio_ctrl(BIO*, int cmd, long, void*) {
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

int nosignal_bio_create(BIO* b) {
    BIO_set_init(b, 1);
    return 1;
}

BIO_METHOD* nosignal_bio_method() {
    static BIO_METHOD* method = [] {
        BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "rtpx-sip-socket");
        BIO_meth_set_write(m, nosignal_bio_write);
        BIO_meth_set_read(m, nosignal_bio_read);
        BIO_meth_set_ctrl(m, nosignal_bio_ctrl);
        BIO_meth_set_create(m, nosignal_bio_create);
        return m;
    }();
    return method;
}

SockAddr local_of(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
    return SockAddr::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len);
}

}  // namespace

StreamTransport::StreamTransport(EventLoop& loop, TransportUser& user, const StreamConfig& config)
    : loop_(loop), user_(user), config_(config) {}

tl::expected<void, std::string> StreamTransport::setup_tls() {
    const TlsConfig& tls = config_.tls;
    auto load = [&tls](SSL_CTX* ctx, bool server) -> tl::expected<void, std::string> {
        SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
        SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
        if (!tls.certificate_file.empty()) {
            if (SSL_CTX_use_certificate_chain_file(ctx, tls.certificate_file.c_str()) != 1) {
                return tl::unexpected(
                    ssl_error_text(("certificate " + tls.certificate_file).c_str()));
            }
            if (SSL_CTX_use_PrivateKey_file(ctx, tls.private_key_file.c_str(), SSL_FILETYPE_PEM) !=
                    1 ||
                SSL_CTX_check_private_key(ctx) != 1) {
                return tl::unexpected(
                    ssl_error_text(("private key " + tls.private_key_file).c_str()));
            }
        } else if (server) {
            return tl::unexpected(
                std::string("TLS server needs certificate_file and private_key_file"));
        }
        if (tls.verify_peer) {
            if (tls.ca_file.empty() ||
                SSL_CTX_load_verify_locations(ctx, tls.ca_file.c_str(), nullptr) != 1) {
                return tl::unexpected(ssl_error_text(("CA file " + tls.ca_file).c_str()));
            }
            SSL_CTX_set_verify(
                ctx, server ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT : SSL_VERIFY_PEER,
                nullptr);
        } else {
            SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
        }
        return {};
    };
    impl_->client_ctx = SSL_CTX_new(TLS_client_method());
    if (impl_->client_ctx == nullptr) return tl::unexpected(ssl_error_text("SSL_CTX_new"));
    if (auto r = load(impl_->client_ctx, false); !r) return r;
    if (config_.listen) {
        impl_->server_ctx = SSL_CTX_new(TLS_server_method());
        if (impl_->server_ctx == nullptr) return tl::unexpected(ssl_error_text("SSL_CTX_new"));
        if (auto r = load(impl_->server_ctx, true); !r) return r;
    }
    return {};
}

tl::expected<std::unique_ptr<StreamTransport>, std::string> StreamTransport::open(
    EventLoop& loop, TransportUser& user, const StreamConfig& config) {
    if (config.proto == TransportProto::kUdp)
        return tl::unexpected(std::string("StreamTransport is TCP or TLS"));
    std::unique_ptr<StreamTransport> t(new StreamTransport(loop, user, config));
    t->impl_ = std::make_unique<Impl>(*t, config.max_message_bytes);
    if (config.proto == TransportProto::kTls) {
        if (auto r = t->setup_tls(); !r) return tl::unexpected(r.error());
    }
    if (config.listen) {
        const SockAddr& at = *config.listen;
        int fd = ::socket(at.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) return tl::unexpected(std::string("socket: ") + std::strerror(errno));
        t->listen_fd_ = fd;
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (at.is_ipv6()) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        if (::bind(fd, at.sa(), at.length()) != 0) {
            return tl::unexpected("bind " + at.to_string() + ": " + std::strerror(errno));
        }
        if (::listen(fd, config.listen_backlog) != 0)
            return tl::unexpected(std::string("listen: ") + std::strerror(errno));
        t->listen_addr_ = local_of(fd);
        StreamTransport* self = t.get();
        if (auto r = loop.add_fd(fd, EPOLLIN, [self](std::uint32_t) { self->on_accept(); }); !r) {
            return tl::unexpected(std::string("epoll: ") + std::strerror(r.error()));
        }
    }
    return t;
}

StreamTransport::~StreamTransport() {
    destroying_ = true;  // no more reports: the user may be going away too
    std::vector<ConnectionId> ids;
    ids.reserve(connections_.size());
    for (auto& [id, c] : connections_) ids.push_back(id);
    for (ConnectionId id : ids) close(id);
    for (ConnectionId id : ids) release(id);  // close() may have left some flushing
    if (listen_fd_ >= 0) {
        loop_.remove_fd(listen_fd_);
        ::close(listen_fd_);
    }
}

std::optional<ConnectionInfo> StreamTransport::info(ConnectionId id) const {
    auto it = connections_.find(id);
    if (it == connections_.end()) return std::nullopt;
    const Connection& c = *it->second;
    ConnectionInfo out{
        c.id, c.local, c.remote, c.outbound, c.state == Connection::State::kOpen, c.queued(), {}};
    if (c.ssl != nullptr) {
        if (X509* cert = SSL_get_peer_certificate(c.ssl)) {
            char buf[256];
            X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof buf);
            out.peer_certificate_subject = buf;
            X509_free(cert);
        }
    }
    return out;
}

std::optional<ConnectionId> StreamTransport::find(const SockAddr& remote) const noexcept {
    auto it = by_remote_.find(remote);
    if (it == by_remote_.end()) return std::nullopt;
    return it->second;
}

StreamTransport::Connection* StreamTransport::adopt(int fd, const SockAddr& remote, bool outbound,
                                                    bool connecting) {
    auto c = std::make_unique<Connection>();
    c->id = next_id_++;
    c->fd = fd;
    c->remote = remote;
    c->local = local_of(fd);
    c->outbound = outbound;
    c->last_activity = loop_.now();
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (config_.proto == TransportProto::kTls) {
        c->ssl = SSL_new(outbound ? impl_->client_ctx : impl_->server_ctx);
        BIO* bio = BIO_new(nosignal_bio_method());
        BIO_set_data(bio, reinterpret_cast<void*>(static_cast<std::intptr_t>(fd)));
        SSL_set_bio(c->ssl, bio, bio);
        if (outbound) {
            SSL_set_connect_state(c->ssl);
            if (!config_.tls.server_name.empty()) {
                SSL_set_tlsext_host_name(c->ssl, config_.tls.server_name.c_str());
                if (config_.tls.verify_peer) SSL_set1_host(c->ssl, config_.tls.server_name.c_str());
            }
        } else {
            SSL_set_accept_state(c->ssl);
        }
    }
    c->state = connecting          ? Connection::State::kConnecting
               : c->ssl != nullptr ? Connection::State::kHandshaking
                                   : Connection::State::kOpen;
    ConnectionId id = c->id;
    c->interest = connecting ? std::uint32_t{EPOLLIN | EPOLLOUT} : std::uint32_t{EPOLLIN};
    if (!loop_.add_fd(fd, c->interest, [this, id](std::uint32_t ev) { on_event(id, ev); })) {
        if (c->ssl != nullptr) SSL_free(c->ssl);
        ::close(fd);
        return nullptr;
    }
    Connection* raw = c.get();
    connections_.emplace(id, std::move(c));
    by_remote_[remote] = id;
    if (raw->state != Connection::State::kOpen && config_.connect_timeout.count() > 0) {
        raw->connect_timer = loop_.add_timer(config_.connect_timeout, [this, id] {
            auto it = connections_.find(id);
            if (it == connections_.end()) return;
            it->second->connect_timer = 0;
            if (it->second->state != Connection::State::kOpen) {
                fail(*it->second, TransportErrc::kConnectTimeout, ETIMEDOUT, true);
            }
        });
    }
    arm_idle(*raw);
    return raw;
}

void StreamTransport::arm_idle(Connection& c) {
    if (config_.idle_timeout.count() <= 0 || c.idle_timer != 0) return;
    ConnectionId id = c.id;
    auto due = c.last_activity + config_.idle_timeout - loop_.now();
    c.idle_timer = loop_.add_timer(due, [this, id] {
        auto it = connections_.find(id);
        if (it == connections_.end()) return;
        Connection& conn = *it->second;
        conn.idle_timer = 0;
        if (loop_.now() - conn.last_activity >= config_.idle_timeout) {
            ++counters_.connections_idle_closed;
            TransportError e{TransportErrc::kIdleTimeout, config_.proto, conn.remote, conn.id, 0};
            close(id);
            user_.on_transport_error(e);
            return;
        }
        arm_idle(conn);  // activity since: re-arm for the rest
    });
}

void StreamTransport::on_accept() {
    for (;;) {
        sockaddr_storage ss{};
        socklen_t len = sizeof ss;
        int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&ss), &len,
                           SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;
        if (connections_.size() >= config_.max_connections) {
            ++counters_.connections_refused_limit;
            ::close(fd);
            continue;
        }
        if (adopt(fd, SockAddr::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len), false,
                  false)) {
            ++counters_.connections_accepted;
        }
    }
}

tl::expected<ConnectionId, TransportError> StreamTransport::connect(const SockAddr& remote) {
    if (auto id = find(remote)) return *id;
    auto error = [&](TransportErrc code, int err) {
        ++counters_.send_errors;
        return tl::unexpected(TransportError{code, config_.proto, remote, 0, err});
    };
    if (!remote.valid()) return error(TransportErrc::kNoRoute, EINVAL);
    if (connections_.size() >= config_.max_connections) {
        ++counters_.connections_refused_limit;
        return error(TransportErrc::kTooManyConnections, 0);
    }
    int fd = ::socket(remote.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return error(TransportErrc::kConnectFailed, errno);
    int r = ::connect(fd, remote.sa(), remote.length());
    if (r != 0 && errno != EINPROGRESS) {
        int err = errno;
        ::close(fd);
        return error(TransportErrc::kConnectFailed, err);
    }
    Connection* c = adopt(fd, remote, true, r != 0);
    if (c == nullptr) return error(TransportErrc::kConnectFailed, EIO);
    ++counters_.connections_opened;
    if (c->state == Connection::State::kHandshaking) handshake(*c);
    return c->id;
}

tl::expected<ConnectionId, TransportError> StreamTransport::send(
    const SendTarget& target, std::span<const std::uint8_t> bytes) {
    Connection* c = nullptr;
    if (target.connection != 0) {
        if (auto it = connections_.find(target.connection); it != connections_.end())
            c = it->second.get();
    }
    if (c == nullptr) {
        auto id = connect(target.remote);
        if (!id) return tl::unexpected(id.error());
        c = connections_.at(*id).get();
    }
    if (c->state == Connection::State::kClosing) {
        ++counters_.send_errors;
        return tl::unexpected(
            TransportError{TransportErrc::kConnectionClosed, config_.proto, c->remote, c->id, 0});
    }
    if (c->queued() + bytes.size() > config_.max_send_queue_bytes) {
        ++counters_.backpressure_refusals;
        ++counters_.send_errors;
        return tl::unexpected(
            TransportError{TransportErrc::kBackpressure, config_.proto, c->remote, c->id, ENOBUFS});
    }
    if (c->out_offset > 0 && c->out_offset == c->out.size()) {
        c->out.clear();
        c->out_offset = 0;
    }
    c->out.insert(c->out.end(), bytes.begin(), bytes.end());
    ++counters_.sent_messages;
    ConnectionId id = c->id;
    if (c->state == Connection::State::kOpen) flush(*c);  // may fail and release c
    return id;
}

void StreamTransport::close(ConnectionId id) {
    auto it = connections_.find(id);
    if (it == connections_.end()) return;
    Connection& c = *it->second;
    if (c.state == Connection::State::kOpen) {
        flush(c);
        if (!connections_.contains(id)) return;
        if (c.ssl != nullptr) SSL_shutdown(c.ssl);  // close_notify (best effort)
        ::shutdown(c.fd, SHUT_WR);
    }
    ++counters_.connections_closed;
    release(id);
}

void StreamTransport::release(ConnectionId id) {
    auto it = connections_.find(id);
    if (it == connections_.end()) return;
    Connection& c = *it->second;
    if (c.idle_timer != 0) loop_.cancel_timer(c.idle_timer);
    if (c.connect_timer != 0) loop_.cancel_timer(c.connect_timer);
    loop_.remove_fd(c.fd);
    if (c.ssl != nullptr) SSL_free(c.ssl);
    ::close(c.fd);
    for (auto r = by_remote_.begin(); r != by_remote_.end();) {
        r = r->second == id ? by_remote_.erase(r) : std::next(r);
    }
    connections_.erase(it);
}

void StreamTransport::fail(Connection& c, TransportErrc code, int err, bool report) {
    TransportError e{code, config_.proto, c.remote, c.id, err};
    if (code == TransportErrc::kTlsHandshakeFailed) ++counters_.tls_handshake_failures;
    if (code == TransportErrc::kFramingError) ++counters_.framing_errors;
    ++counters_.connections_closed;
    release(c.id);
    if (report && !destroying_) user_.on_transport_error(e);
}

void StreamTransport::update_interest(Connection& c) {
    std::uint32_t want = 0;
    if (!c.reading_paused) want |= EPOLLIN;
    if (c.state == Connection::State::kConnecting || c.queued() > 0 || c.want_write)
        want |= EPOLLOUT;
    if (want != c.interest) {
        c.interest = want;
        (void)loop_.modify_fd(c.fd, want);
    }
}

void StreamTransport::on_event(ConnectionId id, std::uint32_t events) {
    auto it = connections_.find(id);
    if (it == connections_.end()) return;
    Connection& c = *it->second;
    if (c.state == Connection::State::kConnecting) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0 || (events & (EPOLLERR | EPOLLHUP)) != 0) {
            fail(c, TransportErrc::kConnectFailed, err != 0 ? err : ECONNREFUSED, true);
            return;
        }
        if ((events & EPOLLOUT) == 0) return;
        c.local = local_of(c.fd);
        c.state = c.ssl != nullptr ? Connection::State::kHandshaking : Connection::State::kOpen;
        if (c.state == Connection::State::kOpen && c.connect_timer != 0) {
            loop_.cancel_timer(c.connect_timer);
            c.connect_timer = 0;
        }
    }
    if (c.state == Connection::State::kHandshaking) {
        handshake(c);
        return;
    }
    if ((events & EPOLLOUT) != 0 || c.want_write) {
        c.want_write = false;
        flush(c);
        if (!connections_.contains(id)) return;
    }
    if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0 ||
        (c.ssl != nullptr && SSL_pending(c.ssl) > 0)) {
        read_some(c);
        if (!connections_.contains(id)) return;
    }
    update_interest(c);
}

void StreamTransport::handshake(Connection& c) {
    ERR_clear_error();
    int r = SSL_do_handshake(c.ssl);
    if (r == 1) {
        c.state = Connection::State::kOpen;
        c.want_write = false;
        if (c.connect_timer != 0) {
            loop_.cancel_timer(c.connect_timer);
            c.connect_timer = 0;
        }
        ConnectionId id = c.id;
        flush(c);
        if (!connections_.contains(id)) return;
        read_some(c);  // application data may have come with the last handshake flight
        if (!connections_.contains(id)) return;
        update_interest(c);
        return;
    }
    int e = SSL_get_error(c.ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        c.want_write = e == SSL_ERROR_WANT_WRITE;
        update_interest(c);
        return;
    }
    ERR_clear_error();
    fail(c, TransportErrc::kTlsHandshakeFailed, 0, true);
}

void StreamTransport::read_some(Connection& c) {
    ConnectionId id = c.id;
    constexpr std::size_t kChunk = 16 * 1024;
    const std::size_t limit =
        config_.framing.max_header_bytes + config_.framing.max_body_bytes + kChunk;
    bool peer_closed = false;
    for (int round = 0; round < 16 && !c.reading_paused; ++round) {
        std::size_t old = c.in.size();
        if (old >= limit) break;  // process_input will reject what cannot be framed
        c.in.resize(old + kChunk);
        ssize_t n;
        if (c.ssl != nullptr) {
            ERR_clear_error();
            int r = SSL_read(c.ssl, c.in.data() + old, static_cast<int>(kChunk));
            if (r > 0) {
                n = r;
            } else {
                int e = SSL_get_error(c.ssl, r);
                c.in.resize(old);
                if (e == SSL_ERROR_WANT_READ) break;
                if (e == SSL_ERROR_WANT_WRITE) {
                    c.want_write = true;
                    break;
                }
                ERR_clear_error();
                peer_closed = true;  // close_notify, reset or protocol error
                break;
            }
        } else {
            do {
                n = ::recv(c.fd, c.in.data() + old, kChunk, 0);
            } while (n < 0 && errno == EINTR);
            if (n <= 0) {
                c.in.resize(old);
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
                peer_closed = true;
                break;
            }
        }
        c.in.resize(old + static_cast<std::size_t>(n));
        c.last_activity = loop_.now();
        process_input(c);
        if (!connections_.contains(id)) return;
    }
    if (!peer_closed && c.ssl != nullptr && !c.reading_paused && SSL_pending(c.ssl) > 0) {
        schedule_read(c);  // decrypted bytes wait inside OpenSSL: epoll will not say so
    }
    if (peer_closed) {
        // A close with nothing pending is normal (no report); with queued output it is an error
        // for whoever queued it.
        bool pending = c.queued() > 0;
        fail(c, TransportErrc::kConnectionClosed, 0, pending);
    }
}

class StreamDeliveryReply {
  public:
    StreamDeliveryReply(StreamTransport& t, ConnectionId id) : t_(t), id_(id) {}
    void operator()(std::string&& bytes) const {
        SendTarget target;
        target.proto = t_.config_.proto;
        target.connection = id_;
        (void)t_.send(target, bytes);
    }

  private:
    StreamTransport& t_;
    ConnectionId id_;
};

void StreamTransport::process_input(Connection& c) {
    ConnectionId id = c.id;
    std::size_t pos = 0;
    for (;;) {
        std::span<const std::uint8_t> rest(c.in.data() + pos, c.in.size() - pos);
        if (rest.empty()) break;
        auto frame = frame_stream(rest, config_.framing);
        if (!frame) {
            fail(c, TransportErrc::kFramingError, EPROTO, true);
            return;
        }
        if (frame->skip > 0) {
            c.crlf_run += frame->skip / 2;
            pos += frame->skip;
            if (c.crlf_run >= 2) {  // RFC 5626 3.5.1: CRLFCRLF ping -> CRLF pong
                ++counters_.keepalive_pings;
                c.crlf_run = 0;
                if (config_.answer_keepalive_ping && c.state == Connection::State::kOpen) {
                    c.out.insert(c.out.end(), {'\r', '\n'});
                    flush(c);
                    if (!connections_.contains(id)) return;
                }
            }
        }
        if (frame->status != FrameStatus::kComplete) break;
        c.crlf_run = 0;
        std::span<const std::uint8_t> message(c.in.data() + pos, frame->length);
        impl_->delivery.deliver(message, config_.proto, c.local, c.remote, id,
                                StreamDeliveryReply(*this, id));
        if (!connections_.contains(id)) return;  // the user closed it
        pos += frame->length;
    }
    c.in.erase(c.in.begin(), c.in.begin() + static_cast<std::ptrdiff_t>(pos));
    // Backpressure: while our replies are not leaving, do not take more requests.
    if (!c.reading_paused && c.queued() > config_.max_send_queue_bytes / 2) {
        c.reading_paused = true;
        ++counters_.backpressure_read_pauses;
        update_interest(c);
    }
}

void StreamTransport::flush(Connection& c) {
    if (c.state != Connection::State::kOpen) return;
    while (c.queued() > 0) {
        const std::uint8_t* p = c.out.data() + c.out_offset;
        std::size_t n = c.queued();
        ssize_t w;
        if (c.ssl != nullptr) {
            ERR_clear_error();
            int r = SSL_write(c.ssl, p, static_cast<int>(std::min<std::size_t>(n, 1 << 30)));
            if (r <= 0) {
                int e = SSL_get_error(c.ssl, r);
                if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) break;
                ERR_clear_error();
                fail(c, TransportErrc::kConnectionClosed, EPIPE, true);
                return;
            }
            w = r;
        } else {
            do {
                w = ::send(c.fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
            } while (w < 0 && errno == EINTR);
            if (w < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK) break;
                fail(c, TransportErrc::kConnectionClosed, errno, true);
                return;
            }
        }
        c.out_offset += static_cast<std::size_t>(w);
        c.last_activity = loop_.now();
    }
    if (c.queued() == 0) {
        c.out.clear();
        c.out_offset = 0;
    }
    if (c.reading_paused && c.queued() <= config_.max_send_queue_bytes / 4) {
        c.reading_paused = false;
        schedule_read(c);  // bytes may already be buffered (in OpenSSL, or in `in`)
    }
    update_interest(c);
}

void StreamTransport::schedule_read(Connection& c) {
    ConnectionId id = c.id;
    loop_.add_timer(EventLoop::Clock::duration::zero(), [this, id] {
        auto it = connections_.find(id);
        if (it == connections_.end() || it->second->reading_paused) return;
        process_input(*it->second);
        if (!connections_.contains(id)) return;
        on_event(id, EPOLLIN);
    });
}

void StreamTransport::note_alias(Connection& c, const SipMessageView& request) {
    auto via = request.top_via();
    if (!via || !via->param_range().has("alias")) return;
    auto proto = proto_from_via(via->transport);
    if (!proto || *proto != config_.proto) return;
    auto addr = SockAddr::from_host(
        via->host, via->port.value_or(config_.proto == TransportProto::kTls ? 5061 : 5060));
    if (addr) by_remote_[*addr] = c.id;
}

}  // namespace rtpx::sip
