// Helpers shared by the transport tests: a TransportUser that records what it gets, and a way to
// run an EventLoop until a condition holds (bounded: tests never hang, they fail).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "rtpx/sip/transport/event_loop.hpp"
#include "rtpx/sip/transport/transport.hpp"

namespace rtpx::sip::test {

struct Received {
    std::string text;  // the delivered message (top Via annotated for requests)
    std::string raw;   // as received
    TransportProto proto;
    SockAddr local;
    SockAddr remote;
    ConnectionId connection;
    bool is_request;
};

class Recorder : public TransportUser {
  public:
    void on_message(const ReceivedMessage& m) override {
        messages.push_back(
            Received{std::string(m.message.bytes()),
                     std::string(reinterpret_cast<const char*>(m.raw.data()), m.raw.size()),
                     m.proto, m.local, m.remote, m.connection, m.message.is_request()});
        if (on_message_hook) on_message_hook(m);
    }
    void on_transport_error(const TransportError& e) override { errors.push_back(e); }

    std::vector<Received> messages;
    std::vector<TransportError> errors;
    std::function<void(const ReceivedMessage&)> on_message_hook;
};

// Generous bound: only reached when the test is failing.
inline constexpr auto kWait = std::chrono::seconds(10);

inline bool run_until(EventLoop& loop, const std::function<bool()>& done) {
    return loop.run_until(done, kWait);
}

inline std::string options_request(std::string_view via_transport, std::string_view sent_by,
                                   std::string_view branch = "z9hG4bKtest1",
                                   std::string_view via_extra = "") {
    std::string m = "OPTIONS sip:bob@example.com SIP/2.0\r\n";
    m += "Via: SIP/2.0/" + std::string(via_transport) + " " + std::string(sent_by) +
         ";branch=" + std::string(branch) + std::string(via_extra) + "\r\n";
    m += "Max-Forwards: 70\r\n"
         "To: <sip:bob@example.com>\r\n"
         "From: <sip:alice@example.com>;tag=1928301774\r\n"
         "Call-ID: a84b4c76e66710@example.com\r\n"
         "CSeq: 63104 OPTIONS\r\n"
         "Content-Length: 0\r\n\r\n";
    return m;
}

}  // namespace rtpx::sip::test
