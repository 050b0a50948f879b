// SipStack: the UA core below the B2BUA. It glues the SIP listeners (sip/transport: UDP, TCP, TLS
// on one EventLoop), the sans-IO TransactionLayer and the loop's timers:
//
//   transport -> on_message -> TransactionLayer::on_message -> actions:
//     kSend        -> the listener the transaction belongs to (responses per RFC 3261 18.2.2 /
//                     RFC 3581 from their top Via; stream responses on the request's connection)
//     kArm/Cancel  -> EventLoop timers -> TransactionLayer::on_timer
//     TU actions   -> queued while the layer runs, then handed to the StackUser in order (so the
//                     user may call back into the layer); message views stay valid meanwhile
//
// A TxnPeer names its listener: `connection` = (listener index + 1) << 48 | stream connection id.
// Single-threaded (the loop's thread). For tests, set_tap() captures every outgoing message
// instead of sending it and inject() feeds a message as if a listener had received it.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <tl/expected.hpp>

#include "rtpx/cp/config.hpp"
#include "rtpx/sip/message.hpp"
#include "rtpx/sip/sip_message.hpp"
#include "rtpx/sip/transaction/layer.hpp"
#include "rtpx/sip/transport/event_loop.hpp"
#include "rtpx/sip/transport/stream_transport.hpp"
#include "rtpx/sip/transport/udp_transport.hpp"

namespace rtpx::cp {

// What the B2BUA receives from the stack: a TU action of the transaction layer (kRequest,
// kResponse, kTimeout, kTransportError, kTerminated, kStrayResponse, kStrayAck).
class StackUser {
  public:
    virtual void on_sip(const sip::TxnAction& action) = 0;

  protected:
    ~StackUser() = default;
};

struct StackCounters {
    std::uint64_t responses_sent[7] = {};  // by class: [1]..[6]
    std::uint64_t requests_sent = 0;
    std::uint64_t requests_received = 0;
    std::uint64_t responses_received = 0;
    std::uint64_t send_failures = 0;
    std::uint64_t transport_errors = 0;
};

class SipStack final : public sip::TxnActionSink {
  public:
    struct Listener {
        ListenerConfig config;
        std::string sent_by;  // host:port for Via sent-by and Contact
        std::unique_ptr<sip::UdpTransport> udp;
        std::unique_ptr<sip::StreamTransport> stream;
        std::unique_ptr<sip::TransportUser> adapter;
    };
    using Tap = std::function<void(std::size_t listener, const sip::SendTarget&, std::string_view)>;

    SipStack(sip::EventLoop& loop, const Config& config, StackUser& user);
    ~SipStack();
    SipStack(const SipStack&) = delete;
    SipStack& operator=(const SipStack&) = delete;

    // Opens every listener (a readable error names the one that failed). With `bind` false no
    // socket is opened (tests with a tap).
    [[nodiscard]] tl::expected<void, std::string> open(bool bind = true);

    [[nodiscard]] std::size_t listener_count() const noexcept { return listeners_.size(); }
    [[nodiscard]] const Listener& listener(std::size_t i) const { return *listeners_[i]; }
    [[nodiscard]] std::optional<std::size_t> listener_index(std::string_view name) const noexcept;

    // --- the TU's calls -------------------------------------------------------------------------
    [[nodiscard]] tl::expected<sip::TxnHandle, sip::TxnError> start_client(
        const sip::SipMessage& request, const sip::TxnPeer& peer);
    [[nodiscard]] tl::expected<void, sip::TxnError> respond(sip::TxnHandle txn,
                                                            const sip::SipMessage& response);
    // Outside any transaction: an ACK for a 2xx (to `peer`), or a 2xx retransmission (a response:
    // routed by its Via like every response).
    bool send_stateless(const sip::TxnPeer& peer, std::string_view bytes);

    [[nodiscard]] sip::TransactionLayer& layer() noexcept { return layer_; }
    [[nodiscard]] sip::EventLoop& loop() noexcept { return loop_; }
    [[nodiscard]] const StackCounters& counters() const noexcept { return counters_; }
    [[nodiscard]] sip::TransportCounters transport_counters() const noexcept;

    // --- peers ----------------------------------------------------------------------------------
    [[nodiscard]] static sip::TxnPeer make_peer(std::size_t listener, sip::TransportProto proto,
                                                const sip::SockAddr& remote,
                                                sip::ConnectionId connection = 0) noexcept;
    [[nodiscard]] static std::size_t listener_of(const sip::TxnPeer& peer) noexcept;
    [[nodiscard]] static sip::SockAddr address_of(const sip::TxnPeer& peer) noexcept;

    // --- tests ----------------------------------------------------------------------------------
    void set_tap(Tap tap) { tap_ = std::move(tap); }
    // As if listener `listener` had received `bytes` from `remote` (requests: Via annotated).
    void inject(std::size_t listener, std::string_view bytes, const sip::SockAddr& remote,
                sip::ConnectionId connection = 0);

    // TxnActionSink
    void emit(const sip::TxnAction& action) noexcept override;

  private:
    friend class ListenerAdapter;
    void receive(std::size_t listener, const sip::ReceivedMessage& m);
    void drain();
    bool send_bytes(std::size_t listener, const sip::SendTarget& target, std::string_view bytes);
    void count_sent(std::string_view bytes) noexcept;

    sip::EventLoop& loop_;
    const Config& config_;
    StackUser& user_;
    sip::TransactionLayer layer_;
    std::vector<std::unique_ptr<Listener>> listeners_;
    std::unordered_map<std::uint64_t, sip::EventLoop::TimerId> timers_;
    struct Pending {
        sip::TxnAction action;
    };
    std::deque<Pending> pending_;
    std::vector<sip::TxnHandle> failed_sends_;
    bool draining_ = false;
    StackCounters counters_;
    Tap tap_;
};

}  // namespace rtpx::cp
