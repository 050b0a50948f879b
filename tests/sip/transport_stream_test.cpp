// StreamTransport (TCP and TLS) on loopback: round trips over IPv4 and IPv6, connection reuse,
// framing across split reads and pipelining, RFC 5626 keep-alive, idle timeout, limits and
// backpressure, TLS with a certificate generated at test time.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "rtpx/sip/builder.hpp"
#include "rtpx/sip/transport/stream_transport.hpp"
#include "transport_test_util.hpp"
#include "transport_tls_util.hpp"

namespace rtpx::sip {
namespace {

using test::Recorder;
using test::run_until;

// A plain blocking-free socket peer for byte-level tests.
class RawPeer {
  public:
    explicit RawPeer(const SockAddr& to) {
        fd_ = ::socket(to.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
        connected_ = ::connect(fd_, to.sa(), to.length()) == 0;
    }
    ~RawPeer() { ::close(fd_); }
    RawPeer(const RawPeer&) = delete;
    RawPeer& operator=(const RawPeer&) = delete;
    [[nodiscard]] bool connected() const { return connected_; }
    void write(std::string_view s) const {
        ASSERT_EQ(::send(fd_, s.data(), s.size(), MSG_NOSIGNAL), static_cast<ssize_t>(s.size()));
    }
    // Non-blocking read of whatever is there; "" when nothing; nullopt when the peer closed.
    std::optional<std::string> read_available() const {
        char buf[4096];
        ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
        if (n == 0) return std::nullopt;
        if (n < 0) return std::string();
        return std::string(buf, static_cast<std::size_t>(n));
    }

  private:
    int fd_ = -1;
    bool connected_ = false;
};

// A listening socket that never accepts nor reads (connections wait in the kernel backlog).
class SilentListener {
  public:
    explicit SilentListener(int receive_buffer = 0) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (receive_buffer > 0)
            setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
        SockAddr at = SockAddr::ipv4_loopback(0);
        ok_ = ::bind(fd_, at.sa(), at.length()) == 0 && ::listen(fd_, 4) == 0;
        sockaddr_storage ss{};
        socklen_t len = sizeof ss;
        getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len);
        address_ = SockAddr::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len);
    }
    ~SilentListener() { ::close(fd_); }
    SilentListener(const SilentListener&) = delete;
    SilentListener& operator=(const SilentListener&) = delete;
    [[nodiscard]] bool ok() const { return ok_; }
    [[nodiscard]] const SockAddr& address() const { return address_; }

  private:
    int fd_ = -1;
    bool ok_ = false;
    SockAddr address_;
};

StreamConfig server_config(TransportProto proto, bool ipv6) {
    StreamConfig c;
    c.proto = proto;
    c.listen = ipv6 ? SockAddr::ipv6_loopback(0) : SockAddr::ipv4_loopback(0);
    return c;
}

struct Param {
    TransportProto proto;
    bool ipv6;
};

class TransportStream : public ::testing::TestWithParam<Param> {
  protected:
    void SetUp() override {
        StreamConfig sc = server_config(GetParam().proto, GetParam().ipv6);
        StreamConfig cc;
        cc.proto = GetParam().proto;
        if (GetParam().proto == TransportProto::kTls) {
            sc.tls.certificate_file = cert_.cert_file();
            sc.tls.private_key_file = cert_.key_file();
            cc.tls.ca_file = cert_.cert_file();
            cc.tls.verify_peer = true;
            cc.tls.server_name = "localhost";
        }
        auto s = StreamTransport::open(loop_, server_user_, sc);
        ASSERT_TRUE(s) << s.error();
        server_ = std::move(*s);
        auto c = StreamTransport::open(loop_, client_user_, cc);
        ASSERT_TRUE(c) << c.error();
        client_ = std::move(*c);
    }

    test::TestCertificate cert_;
    EventLoop loop_;
    Recorder server_user_, client_user_;
    std::unique_ptr<StreamTransport> server_, client_;
};

TEST_P(TransportStream, RoundTripOnOneReusedConnection) {
    const auto proto = GetParam().proto;
    const std::string via = std::string(to_string(proto));
    std::string request = test::options_request(via, "client.invalid", "z9hG4bKs1");
    SendTarget to{proto, server_->local(), 0};
    auto id = client_->send(to, request);
    ASSERT_TRUE(id) << to_string(id.error().code);
    ASSERT_TRUE(run_until(loop_, [&] { return !server_user_.messages.empty(); }));
    const test::Received got = server_user_.messages.front();  // a copy: the vector grows below
    EXPECT_EQ(got.proto, proto);
    EXPECT_EQ(got.raw, request);
    EXPECT_NE(got.connection, 0u);
    EXPECT_EQ(got.local, server_->local());
    // sent-by is a name, so received= is added (RFC 3261 18.2.1).
    EXPECT_NE(got.text.find(";received="), std::string::npos);

    // The response goes back on the request's connection (RFC 3261 18.2.2).
    auto view = SipMessageView::parse(got.text, SipParseOptions{SipTransportKind::kStream, 65535});
    ASSERT_TRUE(view);
    std::string response = make_response(*view, 200).serialize();
    auto target = response_target(
        *SipMessageView::parse(response, SipParseOptions{SipTransportKind::kStream, 65535}),
        got.connection);
    ASSERT_TRUE(target);
    ASSERT_TRUE(server_->send(*target, response));
    ASSERT_TRUE(run_until(loop_, [&] { return !client_user_.messages.empty(); }));
    EXPECT_EQ(client_user_.messages.front().text, response);
    EXPECT_EQ(client_user_.messages.front().connection, *id);

    // A second request to the same address reuses the connection.
    auto id2 = client_->send(to, test::options_request(via, "client.invalid", "z9hG4bKs2"));
    ASSERT_TRUE(id2);
    EXPECT_EQ(*id2, *id);
    ASSERT_TRUE(run_until(loop_, [&] { return server_user_.messages.size() == 2; }));
    EXPECT_EQ(server_user_.messages[1].connection, got.connection);
    EXPECT_EQ(server_->connection_count(), 1u);
    EXPECT_EQ(client_->counters().connections_opened, 1u);
    EXPECT_TRUE(client_user_.errors.empty());

    if (proto == TransportProto::kTls) {
        auto info = client_->info(*id);
        ASSERT_TRUE(info);
        EXPECT_NE(info->peer_certificate_subject.find("CN=localhost"), std::string::npos);
    }

    // Graceful close from the client: the server notices and drops its side.
    client_->close(*id);
    EXPECT_FALSE(client_->is_open(*id));
    ASSERT_TRUE(run_until(loop_, [&] { return server_->connection_count() == 0; }));
    EXPECT_TRUE(server_user_.errors.empty());  // nothing was pending: a normal close
}

TEST_P(TransportStream, PipelinedMessagesInOneWriteAreAllDelivered) {
    const auto proto = GetParam().proto;
    const std::string via = std::string(to_string(proto));
    std::string burst;
    for (int i = 0; i < 20; ++i)
        burst += test::options_request(via, "c.invalid", "z9hG4bKp" + std::to_string(i));
    ASSERT_TRUE(client_->send(SendTarget{proto, server_->local(), 0}, burst));
    ASSERT_TRUE(run_until(loop_, [&] { return server_user_.messages.size() == 20; }));
    EXPECT_NE(server_user_.messages[19].text.find("z9hG4bKp19"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(ProtosAndFamilies, TransportStream,
                         ::testing::Values(Param{TransportProto::kTcp, false},
                                           Param{TransportProto::kTcp, true},
                                           Param{TransportProto::kTls, false},
                                           Param{TransportProto::kTls, true}),
                         [](const auto& param_info) {
                             return std::string(to_string(param_info.param.proto)) +
                                    (param_info.param.ipv6 ? "_IPv6" : "_IPv4");
                         });

// --- TCP byte-level behaviour with a raw socket peer --------------------------------------------

struct TcpServer {
    explicit TcpServer(StreamConfig config = server_config(TransportProto::kTcp, false)) {
        server = std::move(StreamTransport::open(loop, user, config).value());
    }
    EventLoop loop;
    Recorder user;
    std::unique_ptr<StreamTransport> server;
};

TEST(TransportTcp, MessageSplitAcrossManyReadsIsFramed) {
    TcpServer s;
    RawPeer peer(s.server->local());
    ASSERT_TRUE(peer.connected());
    std::string body = "v=0\r\n";
    std::string request = test::options_request("TCP", "c.invalid");
    request.replace(request.find("Content-Length: 0"), 17,
                    "Content-Type: application/sdp\r\nContent-Length: 5");
    request += body;
    for (char ch : request) {  // one byte per segment; the loop runs between them
        peer.write(std::string_view(&ch, 1));
        s.loop.poll(std::chrono::milliseconds(0));
    }
    ASSERT_TRUE(run_until(s.loop, [&] { return !s.user.messages.empty(); }));
    EXPECT_EQ(s.user.messages.size(), 1u);
    EXPECT_EQ(s.user.messages.front().raw, request);
}

TEST(TransportTcp, KeepAlivePingGetsAPongAndStrayCrlfsAreSkipped) {
    TcpServer s;
    RawPeer peer(s.server->local());
    peer.write("\r\n\r\n");  // RFC 5626 3.5.1 ping
    std::string got;
    ASSERT_TRUE(run_until(s.loop, [&] {
        if (auto r = peer.read_available()) got += *r;
        return !got.empty();
    }));
    EXPECT_EQ(got, "\r\n");  // the pong
    EXPECT_EQ(s.server->counters().keepalive_pings, 1u);
    // A ping split in two reads is still a ping; a message right after CRLFs still parses.
    peer.write("\r\n");
    s.loop.poll(std::chrono::milliseconds(5));
    peer.write("\r\n" + test::options_request("TCP", "c.invalid"));
    ASSERT_TRUE(run_until(s.loop, [&] { return !s.user.messages.empty(); }));
    EXPECT_EQ(s.server->counters().keepalive_pings, 2u);
}

TEST(TransportTcp, IdleConnectionIsClosedAndReported) {
    StreamConfig config = server_config(TransportProto::kTcp, false);
    config.idle_timeout = std::chrono::milliseconds(50);
    TcpServer s(config);
    RawPeer peer(s.server->local());
    peer.write(test::options_request("TCP", "c.invalid"));
    ASSERT_TRUE(run_until(s.loop, [&] { return !s.user.messages.empty(); }));
    ASSERT_EQ(s.server->connection_count(), 1u);
    ASSERT_TRUE(run_until(s.loop, [&] { return s.server->connection_count() == 0; }));
    ASSERT_EQ(s.user.errors.size(), 1u);
    EXPECT_EQ(s.user.errors.front().code, TransportErrc::kIdleTimeout);
    EXPECT_EQ(s.server->counters().connections_idle_closed, 1u);
    // The peer sees the close (FIN).
    std::optional<std::string> r = std::string();
    ASSERT_TRUE(run_until(s.loop, [&] {
        r = peer.read_available();
        return !r.has_value();
    }));
}

TEST(TransportTcp, UnframeableInputClosesTheConnection) {
    TcpServer s;
    RawPeer peer(s.server->local());
    std::string request = test::options_request("TCP", "c.invalid");
    request.erase(request.find("Content-Length: 0\r\n"), 19);  // mandatory on streams
    peer.write(request);
    ASSERT_TRUE(run_until(s.loop, [&] { return s.server->counters().framing_errors == 1; }));
    EXPECT_EQ(s.server->connection_count(), 0u);
    ASSERT_EQ(s.user.errors.size(), 1u);
    EXPECT_EQ(s.user.errors.front().code, TransportErrc::kFramingError);
    EXPECT_TRUE(s.user.messages.empty());
}

TEST(TransportTcp, MaxConnectionsRefusesTheNextOne) {
    StreamConfig config = server_config(TransportProto::kTcp, false);
    config.max_connections = 1;
    TcpServer s(config);
    RawPeer first(s.server->local());
    ASSERT_TRUE(run_until(s.loop, [&] { return s.server->connection_count() == 1; }));
    RawPeer second(s.server->local());
    ASSERT_TRUE(
        run_until(s.loop, [&] { return s.server->counters().connections_refused_limit == 1; }));
    EXPECT_EQ(s.server->connection_count(), 1u);
}

TEST(TransportTcp, ConnectToAClosedPortIsReportedAsConnectFailed) {
    EventLoop loop;
    Recorder user;
    StreamConfig config;
    auto client = std::move(StreamTransport::open(loop, user, config).value());
    // A port that was just listened on, now closed.
    SockAddr target = std::make_unique<SilentListener>()->address();
    auto r = client->send(SendTarget{TransportProto::kTcp, target, 0},
                          test::options_request("TCP", "c.invalid"));
    if (r) {
        ASSERT_TRUE(run_until(loop, [&] { return !user.errors.empty(); }));
        EXPECT_EQ(user.errors.front().code, TransportErrc::kConnectFailed);
        EXPECT_EQ(user.errors.front().connection, *r);
    } else {
        EXPECT_EQ(r.error().code, TransportErrc::kConnectFailed);
    }
    EXPECT_EQ(client->connection_count(), 0u);
}

TEST(TransportTcp, SendQueueLimitRefusesWithBackpressure) {
    EventLoop loop;
    Recorder user;
    SilentListener peer(4096);  // never reads
    ASSERT_TRUE(peer.ok());
    const SockAddr& target = peer.address();

    StreamConfig config;
    config.max_send_queue_bytes = 64 * 1024;
    auto client = std::move(StreamTransport::open(loop, user, config).value());
    auto id = client->connect(target);
    ASSERT_TRUE(id);
    ASSERT_TRUE(run_until(loop, [&] { return client->info(*id)->established; }));
    std::string big = test::options_request("TCP", "c.invalid");
    big.replace(big.find("Content-Length: 0"), 17, "Content-Length: 16000");
    big += std::string(16000, 'x');
    std::optional<TransportError> refused;
    for (int i = 0; i < 4000 && !refused; ++i) {  // at most ~64 MB: kernel buffers fill long before
        auto r = client->send(SendTarget{TransportProto::kTcp, target, *id}, big);
        if (!r) refused = r.error();
        loop.poll(std::chrono::milliseconds(0));
    }
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->code, TransportErrc::kBackpressure);
    EXPECT_EQ(refused->connection, *id);
    EXPECT_LE(client->info(*id)->queued_bytes, config.max_send_queue_bytes);
    EXPECT_GE(client->counters().backpressure_refusals, 1u);
}

TEST(TransportTls, PeerThatNeverHandshakesHitsTheConnectTimeout) {
    EventLoop loop;
    Recorder user;
    SilentListener peer;  // never speaks TLS
    ASSERT_TRUE(peer.ok());
    const SockAddr& target = peer.address();
    StreamConfig cc;
    cc.proto = TransportProto::kTls;
    cc.connect_timeout = std::chrono::milliseconds(50);
    auto client = std::move(StreamTransport::open(loop, user, cc).value());
    auto id = client->send(SendTarget{TransportProto::kTls, target, 0},
                           test::options_request("TLS", "c.invalid"));
    ASSERT_TRUE(id);
    ASSERT_TRUE(run_until(loop, [&] { return !user.errors.empty(); }));
    EXPECT_EQ(user.errors.front().code, TransportErrc::kConnectTimeout);
    EXPECT_EQ(user.errors.front().connection, *id);
    EXPECT_FALSE(client->is_open(*id));
}

TEST(TransportTcp, ResponseAfterTheRequestConnectionClosedOpensANewOne) {
    // RFC 3261 18.2.2: if the connection is gone, connect to received (or sent-by) and sent-by
    // port.
    EventLoop loop;
    Recorder server_user, client_user;
    auto server = std::move(
        StreamTransport::open(loop, server_user, server_config(TransportProto::kTcp, false))
            .value());
    auto client = std::move(
        StreamTransport::open(loop, client_user, server_config(TransportProto::kTcp, false))
            .value());
    std::string request = test::options_request("TCP", client->local().to_string());
    auto id = client->send(SendTarget{TransportProto::kTcp, server->local(), 0}, request);
    ASSERT_TRUE(id);
    ASSERT_TRUE(run_until(loop, [&] { return !server_user.messages.empty(); }));
    ConnectionId request_connection = server_user.messages.front().connection;
    client->close(*id);
    ASSERT_TRUE(run_until(loop, [&] { return server->connection_count() == 0; }));
    auto view = SipMessageView::parse(server_user.messages.front().text,
                                      SipParseOptions{SipTransportKind::kStream, 65535});
    std::string response = make_response(*view, 200).serialize();
    auto target = response_target(
        *SipMessageView::parse(response, SipParseOptions{SipTransportKind::kStream, 65535}),
        request_connection);
    ASSERT_TRUE(target);
    EXPECT_EQ(target->remote, client->local());  // sent-by port: the client's listening port
    auto sent = server->send(*target, response);
    ASSERT_TRUE(sent);
    EXPECT_NE(*sent, request_connection);
    ASSERT_TRUE(run_until(loop, [&] { return !client_user.messages.empty(); }));
    EXPECT_EQ(client_user.messages.front().text, response);
    EXPECT_EQ(client->counters().connections_accepted, 1u);
}

TEST(TransportTcp, ViaAliasMapsSentByToTheConnection) {
    // RFC 5923: a request with ;alias lets requests towards its sent-by reuse the connection.
    TcpServer s;
    RawPeer peer(s.server->local());
    peer.write(test::options_request("TCP", "192.0.2.77:5099", "z9hG4bKal", ";alias"));
    ASSERT_TRUE(run_until(s.loop, [&] { return !s.user.messages.empty(); }));
    auto alias = s.server->find(*SockAddr::parse("192.0.2.77:5099"));
    ASSERT_TRUE(alias);
    EXPECT_EQ(*alias, s.user.messages.front().connection);
}

TEST(TransportTcp, PeerThatDoesNotReadResponsesStopsBeingRead) {
    StreamConfig config = server_config(TransportProto::kTcp, false);
    config.max_send_queue_bytes = 64 * 1024;
    TcpServer s(config);
    std::string big_response(8000, 'r');
    s.user.on_message_hook = [&](const ReceivedMessage& m) {
        (void)s.server->send(SendTarget{TransportProto::kTcp, m.remote, m.connection},
                             big_response);
    };
    RawPeer peer(s.server->local());  // writes requests, never reads
    std::string request = test::options_request("TCP", "c.invalid");
    for (int i = 0; i < 4000 && s.server->counters().backpressure_read_pauses == 0; ++i) {
        peer.write(request);
        s.loop.poll(std::chrono::milliseconds(0));
    }
    EXPECT_EQ(s.server->counters().backpressure_read_pauses, 1u);
    auto info = s.server->info(s.user.messages.back().connection);
    ASSERT_TRUE(info);
    EXPECT_GT(info->queued_bytes, config.max_send_queue_bytes / 2);
    EXPECT_LE(info->queued_bytes, config.max_send_queue_bytes);
    // While paused, more requests are not taken off the socket.
    std::size_t delivered = s.user.messages.size();
    peer.write(request);
    for (int i = 0; i < 5; ++i) s.loop.poll(std::chrono::milliseconds(2));
    EXPECT_EQ(s.user.messages.size(), delivered);
}

// --- TLS failures ------------------------------------------------------------------------------

TEST(TransportTls, WrongServerNameFailsTheHandshake) {
    test::TestCertificate cert;
    EventLoop loop;
    Recorder server_user, client_user;
    StreamConfig sc = server_config(TransportProto::kTls, false);
    sc.tls.certificate_file = cert.cert_file();
    sc.tls.private_key_file = cert.key_file();
    auto server = std::move(StreamTransport::open(loop, server_user, sc).value());
    StreamConfig cc;
    cc.proto = TransportProto::kTls;
    cc.tls.ca_file = cert.cert_file();
    cc.tls.verify_peer = true;
    cc.tls.server_name = "not-localhost.example";
    auto client = std::move(StreamTransport::open(loop, client_user, cc).value());
    auto r = client->send(SendTarget{TransportProto::kTls, server->local(), 0},
                          test::options_request("TLS", "c.invalid"));
    ASSERT_TRUE(r);
    ASSERT_TRUE(run_until(loop, [&] { return !client_user.errors.empty(); }));
    EXPECT_EQ(client_user.errors.front().code, TransportErrc::kTlsHandshakeFailed);
    EXPECT_EQ(client->counters().tls_handshake_failures, 1u);
    EXPECT_TRUE(server_user.messages.empty());
}

TEST(TransportTls, MissingCertificateIsAConfigurationError) {
    EventLoop loop;
    Recorder user;
    StreamConfig sc = server_config(TransportProto::kTls, false);
    sc.tls.certificate_file = "/nonexistent/cert.pem";
    sc.tls.private_key_file = "/nonexistent/key.pem";
    auto r = StreamTransport::open(loop, user, sc);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("/nonexistent/cert.pem"), std::string::npos);
}

}  // namespace
}  // namespace rtpx::sip
