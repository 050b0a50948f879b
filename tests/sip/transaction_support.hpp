// Shared by the transaction tests: RFC 3665 3.1 messages (tests/data/sip/rfc3665/), a sink that
// records every action as one line ("<ms> <action> <detail>") in virtual time, and peers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fixtures.hpp"
#include "rtpx/sip/message.hpp"
#include "rtpx/sip/transaction/layer.hpp"
#include "rtpx/sip/transaction/virtual_timers.hpp"

namespace rtpx::sip::test {

// An RFC 3665 3.1 message (F1 INVITE ... F6 200), over TCP as the RFC has it or with the Via
// transport changed to UDP.
inline std::string rfc3665(const std::string& name, bool udp = true) {
    std::string m = fixture("rfc3665/3.1_" + name + ".sip");
    if (udp) {
        for (std::size_t p = m.find("SIP/2.0/TCP"); p != std::string::npos;
             p = m.find("SIP/2.0/TCP", p)) {
            m.replace(p, 11, "SIP/2.0/UDP");
        }
    }
    return m;
}

inline TxnPeer peer(TxnTransport transport = TxnTransport::kUdp, std::uint8_t last_octet = 101) {
    TxnPeer p;
    p.address = {192, 0, 2, last_octet};
    p.port = 5060;
    p.transport = transport;
    return p;
}

inline std::int64_t ms(TxnTime t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
inline TxnTime at_ms(std::int64_t v) {
    return TxnTime{} + std::chrono::milliseconds(v);
}

// First word(s) of a message: "INVITE" for a request, "486" for a response.
inline std::string start_of(std::string_view bytes) {
    if (bytes.starts_with("SIP/2.0 ")) return std::string(bytes.substr(8, 3));
    return std::string(bytes.substr(0, bytes.find(' ')));
}

// Records actions as lines and keeps what tests inspect further.
class Recorder final : public TxnActionSink {
  public:
    void emit(const TxnAction& a) noexcept override {
        std::string line = std::to_string(ms(clock ? clock->now() : now)) + " ";
        line += to_string(a.kind);
        switch (a.kind) {
            case TxnActionKind::kSend:
                line += " " + start_of(a.bytes);
                sent.emplace_back(a.bytes);
                break;
            case TxnActionKind::kArmTimer:
                line += " " + std::string(to_string(a.timer)) + " " + std::to_string(ms(a.due));
                break;
            case TxnActionKind::kCancelTimer:
            case TxnActionKind::kTimeout: line += " " + std::string(to_string(a.timer)); break;
            case TxnActionKind::kRequest:
            case TxnActionKind::kResponse:
            case TxnActionKind::kStrayResponse:
            case TxnActionKind::kStrayAck: line += " " + start_of(a.message->bytes()); break;
            default: break;
        }
        lines.push_back(line);
        actions.push_back(a);
        if (a.kind == TxnActionKind::kRequest) {
            last_request = a.txn;
            related = a.related;
            request_bytes = std::string(a.message->bytes());
        }
    }
    std::vector<std::string> take() {
        std::vector<std::string> out;
        out.swap(lines);
        actions.clear();
        return out;
    }

    const VirtualTimers* clock = nullptr;  // when set, lines carry its now()
    TxnTime now{};                         // otherwise this
    std::vector<std::string> lines;
    std::vector<TxnAction> actions;  // views valid until the next call into the layer
    std::vector<std::string> sent;   // every kSend's bytes, copied
    TxnHandle last_request;
    TxnHandle related;
    std::string request_bytes;
};

// A layer, a recorder and a virtual clock wired together.
inline TransactionConfig small_config() {
    TransactionConfig c;
    c.capacity = 1024;
    c.shards = 4;
    return c;
}

struct Harness {
    explicit Harness(TransactionConfig config = small_config()) : layer(config), timers(recorder) {
        recorder.clock = &timers;
    }
    TxnDisposition receive(const std::string& bytes, std::int64_t at,
                           const TxnPeer& from = peer()) {
        timers.run_until(layer, at_ms(at));
        auto view = SipMessageView::parse(bytes);
        EXPECT_TRUE(view.has_value()) << bytes;
        return layer.on_message(*view, from, at_ms(at), timers);
    }
    std::vector<std::string> run_until(std::int64_t at) {
        timers.run_until(layer, at_ms(at));
        return recorder.take();
    }

    TransactionLayer layer;
    Recorder recorder;
    VirtualTimers timers;
};

}  // namespace rtpx::sip::test
