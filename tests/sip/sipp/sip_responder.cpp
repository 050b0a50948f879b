// sip_responder: a stateless SIP responder built on the rtpx transports and make_response, for
// real-peer tests with sipp (tests/sip/sipp/run_sipp.sh). Not a UA: it keeps no transaction or
// dialog state (those layers come with their own scenario tests).
//
//   OPTIONS -> 200            INVITE -> 100, 180, 200 (with Contact, To-tag shared by 180/200)
//   BYE     -> 200            ACK    -> nothing        anything else -> 501
//
// Usage: sip_responder --proto udp|tcp|tls --listen ADDR:PORT [--cert F --key F] [--port-file F]
// Runs until SIGTERM/SIGINT; prints its counters on exit.
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "rtpx/sip/builder.hpp"
#include "rtpx/sip/transport/stream_transport.hpp"
#include "rtpx/sip/transport/udp_transport.hpp"

namespace {

using namespace rtpx::sip;

EventLoop* g_loop = nullptr;

void on_signal(int) {
    if (g_loop != nullptr) g_loop->stop();  // an eventfd write and an atomic store
}

class Responder : public TransportUser {
  public:
    void on_message(const ReceivedMessage& m) override {
        const SipMessageView& request = m.message;
        if (!request.is_request() || request.method() == Method::kAck) return;
        auto reply = [&](std::uint16_t status, std::string_view tag, bool contact) {
            SipMessage response = make_response(request, status, {}, tag);
            if (contact) {
                std::string proto(to_string(m.proto));
                for (auto& ch : proto) ch = static_cast<char>(std::tolower(ch));
                response.add(HeaderId::kContact,
                             "<sip:responder@" + m.local.to_string() + ";transport=" + proto + ">");
            }
            send(response.serialize(), m.connection);
        };
        switch (request.method()) {
            case Method::kOptions: reply(200, {}, false); break;
            case Method::kBye: reply(200, {}, false); break;
            case Method::kInvite: {
                std::string tag = make_tag();
                reply(100, {}, false);
                reply(180, tag, true);
                reply(200, tag, true);
                ++calls;
                break;
            }
            default: reply(501, {}, false); break;
        }
    }
    void on_transport_error(const TransportError& e) override {
        ++transport_errors;
        std::cerr << "transport error: " << to_string(e.code) << " " << e.remote.to_string()
                  << "\n";
    }

    void send(const std::string& bytes, ConnectionId connection) {
        auto view = SipMessageView::parse(bytes);
        if (!view) return;
        auto target = response_target(*view, connection);
        if (!target) {
            ++send_failures;
            return;
        }
        bool ok = udp ? udp->send(target->remote, bytes).has_value()
                      : stream->send(*target, bytes).has_value();
        if (!ok) ++send_failures;
    }

    std::unique_ptr<UdpTransport> udp;
    std::unique_ptr<StreamTransport> stream;
    std::uint64_t calls = 0, transport_errors = 0, send_failures = 0;
};

int usage() {
    std::cerr << "usage: sip_responder --proto udp|tcp|tls --listen ADDR:PORT [--cert F --key F] "
                 "[--port-file F]\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::string proto = "udp", listen = "127.0.0.1:5060", cert, key, port_file;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string opt = argv[i], val = argv[i + 1];
        if (opt == "--proto")
            proto = val;
        else if (opt == "--listen")
            listen = val;
        else if (opt == "--cert")
            cert = val;
        else if (opt == "--key")
            key = val;
        else if (opt == "--port-file")
            port_file = val;
        else
            return usage();
    }
    auto at = SockAddr::parse(listen);
    if (!at) return usage();
    EventLoop loop;
    Responder responder;
    SockAddr bound;
    if (proto == "udp") {
        auto t = UdpTransport::open(loop, responder, UdpConfig{*at});
        if (!t) {
            std::cerr << "udp: " << std::strerror(t.error()) << "\n";
            return 1;
        }
        responder.udp = std::move(*t);
        bound = responder.udp->local();
    } else if (proto == "tcp" || proto == "tls") {
        StreamConfig config;
        config.proto = proto == "tcp" ? TransportProto::kTcp : TransportProto::kTls;
        config.listen = *at;
        config.tls.certificate_file = cert;
        config.tls.private_key_file = key;
        auto t = StreamTransport::open(loop, responder, config);
        if (!t) {
            std::cerr << proto << ": " << t.error() << "\n";
            return 1;
        }
        responder.stream = std::move(*t);
        bound = responder.stream->local();
    } else {
        return usage();
    }
    if (!port_file.empty()) {
        std::ofstream(port_file + ".tmp") << bound.port() << "\n";
        std::rename((port_file + ".tmp").c_str(), port_file.c_str());
    }
    g_loop = &loop;
    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);
    loop.run();
    const TransportCounters& c =
        responder.udp ? responder.udp->counters() : responder.stream->counters();
    std::cout << "calls_answered=" << responder.calls << " received=" << c.received_messages
              << " sent=" << c.sent_messages << " transport_errors=" << responder.transport_errors
              << " send_failures=" << responder.send_failures
              << " dropped_unparseable_requests=" << c.dropped_unparseable_requests
              << " dropped_unparseable_responses=" << c.dropped_unparseable_responses << "\n";
    return 0;
}
