#include "rtpx/cp/sip_stack.hpp"

#include <cstring>

#include <spdlog/spdlog.h>

#include "rtpx/sip/transport/txn_peer.hpp"

namespace rtpx::cp {

using namespace rtpx::sip;

class ListenerAdapter final : public TransportUser {
  public:
    ListenerAdapter(SipStack& stack, std::size_t index) : stack_(stack), index_(index) {}
    void on_message(const ReceivedMessage& m) override { stack_.receive(index_, m); }
    void on_transport_error(const TransportError& e) override {
        ++stack_.counters_.transport_errors;
        spdlog::warn("sip: {} transport error {} with {}", to_string(e.proto), to_string(e.code),
                     e.remote.to_string());
    }

  private:
    SipStack& stack_;
    std::size_t index_;
};

namespace {

TransactionConfig txn_config(const Config& c) {
    TransactionConfig t;
    t.timers.t1 = c.timers.t1;
    t.timers.t2 = c.timers.t2;
    t.timers.t4 = c.timers.t4;
    t.timers.d = std::max<TxnDuration>(TxnDuration(32000), 64 * c.timers.t1);
    t.trying = TryingPolicy::kImmediate;  // the B2BUA's work (routing, media) takes a while
    t.capacity = std::max<std::uint32_t>(4096, c.limits.max_calls * 8);
    std::uint32_t cap = 1;
    while (cap < t.capacity) cap <<= 1;
    t.capacity = cap;
    return t;
}

TransportProto proto_of(TxnTransport t) noexcept {
    return t == TxnTransport::kTls   ? TransportProto::kTls
           : t == TxnTransport::kTcp ? TransportProto::kTcp
                                     : TransportProto::kUdp;
}

constexpr std::uint64_t kConnMask = (std::uint64_t{1} << 48) - 1;

std::uint64_t timer_key(TxnHandle h, TimerName t) noexcept {
    return (std::uint64_t{h.index} << 8) | static_cast<std::uint64_t>(t);
}

}  // namespace

SipStack::SipStack(EventLoop& loop, const Config& config, StackUser& user)
    : loop_(loop), config_(config), user_(user), layer_(txn_config(config)) {}

SipStack::~SipStack() {
    for (auto& [key, id] : timers_) loop_.cancel_timer(id);
}

TxnPeer SipStack::make_peer(std::size_t listener, TransportProto proto, const SockAddr& remote,
                            ConnectionId connection) noexcept {
    // The listener's index rides in the top 16 bits of the connection id.
    return sip::txn_peer(remote, proto,
                         ((std::uint64_t{listener} + 1) << 48) | (connection & kConnMask));
}

std::size_t SipStack::listener_of(const TxnPeer& peer) noexcept {
    std::uint64_t l = peer.connection >> 48;
    return l == 0 ? 0 : static_cast<std::size_t>(l - 1);
}

SockAddr SipStack::address_of(const TxnPeer& peer) noexcept {
    return sip::peer_address(peer);
}

std::optional<std::size_t> SipStack::listener_index(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < listeners_.size(); ++i)
        if (listeners_[i]->config.name == name) return i;
    return std::nullopt;
}

tl::expected<void, std::string> SipStack::open(bool bind) {
    for (const auto& lc : config_.listeners) {
        auto l = std::make_unique<Listener>();
        l->config = lc;
        l->adapter = std::make_unique<ListenerAdapter>(*this, listeners_.size());
        SockAddr bound = lc.address;
        if (bind) {
            if (lc.proto == TransportProto::kUdp) {
                UdpConfig uc;
                uc.bind = lc.address;
                uc.receive_buffer_bytes = 4 << 20;
                auto t = UdpTransport::open(loop_, *l->adapter, uc);
                if (!t)
                    return tl::unexpected("listener " + lc.name + " (udp " +
                                          lc.address.to_string() +
                                          "): " + std::strerror(t.error()));
                l->udp = std::move(*t);
                bound = l->udp->local();
            } else {
                StreamConfig sc;
                sc.proto = lc.proto;
                sc.listen = lc.address;
                sc.tls.certificate_file = lc.tls_certificate;
                sc.tls.private_key_file = lc.tls_private_key;
                sc.tls.ca_file = lc.tls_ca;
                sc.tls.verify_peer = !lc.tls_ca.empty();
                auto t = StreamTransport::open(loop_, *l->adapter, sc);
                if (!t)
                    return tl::unexpected("listener " + lc.name + " (" +
                                          std::string(to_string(lc.proto)) + " " +
                                          lc.address.to_string() + "): " + t.error());
                l->stream = std::move(*t);
                bound = l->stream->local();
            }
        }
        l->config.address = bound;
        l->sent_by = lc.advertised.empty() ? bound.to_string() : lc.advertised;
        spdlog::info("sip: listening on {} {} ({})", to_string(lc.proto), bound.to_string(),
                     lc.name);
        listeners_.push_back(std::move(l));
    }
    return {};
}

TransportCounters SipStack::transport_counters() const noexcept {
    TransportCounters sum;
    for (const auto& l : listeners_) {
        const TransportCounters* c = l->udp      ? &l->udp->counters()
                                     : l->stream ? &l->stream->counters()
                                                 : nullptr;
        if (c == nullptr) continue;
        sum.received_messages += c->received_messages;
        sum.sent_messages += c->sent_messages;
        sum.send_errors += c->send_errors;
        sum.dropped_unparseable_requests += c->dropped_unparseable_requests;
        sum.dropped_unparseable_responses += c->dropped_unparseable_responses;
        sum.dropped_not_sip += c->dropped_not_sip;
        sum.answered_400 += c->answered_400;
    }
    return sum;
}

void SipStack::receive(std::size_t listener, const ReceivedMessage& m) {
    const Listener& l = *listeners_[listener];
    if (m.message.is_request())
        ++counters_.requests_received;
    else
        ++counters_.responses_received;
    TxnPeer peer = make_peer(listener, l.config.proto, m.remote, m.connection);
    layer_.on_message(m.message, peer, loop_.now(), *this);
    drain();
}

void SipStack::inject(std::size_t listener, std::string_view bytes, const SockAddr& remote,
                      ConnectionId connection) {
    auto view = SipMessageView::parse(bytes);
    if (!view) return;
    std::string annotated;
    if (view->is_request()) {
        annotated.resize(bytes.size() + 128);
        auto n = annotate_top_via(
            *view, remote,
            std::span(reinterpret_cast<std::uint8_t*>(annotated.data()), annotated.size()));
        if (!n) return;
        annotated.resize(*n);
        view = SipMessageView::parse(annotated);
        if (!view) return;
    }
    ReceivedMessage rm{*view,
                       std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()),
                       listeners_[listener]->config.proto,
                       listeners_[listener]->config.address,
                       remote,
                       connection};
    receive(listener, rm);
}

void SipStack::count_sent(std::string_view bytes) noexcept {
    if (bytes.size() > 8 && bytes.substr(0, 8) == "SIP/2.0 ") {
        int cls = bytes[8] - '0';
        if (cls >= 1 && cls <= 6) ++counters_.responses_sent[cls];
    } else {
        ++counters_.requests_sent;
    }
}

bool SipStack::send_bytes(std::size_t listener, const SendTarget& target, std::string_view bytes) {
    if (listener >= listeners_.size()) return false;
    count_sent(bytes);
    if (tap_) {
        tap_(listener, target, bytes);
        return true;
    }
    Listener& l = *listeners_[listener];
    bool ok = false;
    if (l.udp) {
        ok = l.udp->send(target.remote, bytes).has_value();
    } else if (l.stream) {
        SendTarget t = target;
        t.proto = l.config.proto;
        ok = l.stream->send(t, bytes).has_value();
    }
    if (!ok) {
        ++counters_.send_failures;
        spdlog::debug("sip: send to {} failed", target.remote.to_string());
    }
    return ok;
}

bool SipStack::send_stateless(const TxnPeer& peer, std::string_view bytes) {
    std::size_t listener = listener_of(peer);
    SendTarget target{proto_of(peer.transport), address_of(peer), peer.connection & kConnMask};
    if (bytes.size() > 8 && bytes.substr(0, 8) == "SIP/2.0 ") {
        auto view = SipMessageView::parse(bytes);
        if (!view) return false;
        auto rt = response_target(*view, peer.connection & kConnMask);
        if (rt) {
            target.remote = rt->remote;
            target.connection = rt->connection;
        }
    }
    return send_bytes(listener, target, bytes);
}

void SipStack::emit(const TxnAction& a) noexcept {
    switch (a.kind) {
        case TxnActionKind::kSend:
            if (!send_stateless(a.peer, a.bytes)) failed_sends_.push_back(a.txn);
            return;
        case TxnActionKind::kArmTimer: {
            std::uint64_t key = timer_key(a.txn, a.timer);
            if (auto it = timers_.find(key); it != timers_.end()) loop_.cancel_timer(it->second);
            TxnHandle txn = a.txn;
            TimerName name = a.timer;
            auto delay = a.due - loop_.now();
            if (delay.count() < 0) delay = {};
            timers_[key] = loop_.add_timer(delay, [this, key, txn, name] {
                timers_.erase(key);
                layer_.on_timer(txn, name, loop_.now(), *this);
                drain();
            });
            return;
        }
        case TxnActionKind::kCancelTimer: {
            std::uint64_t key = timer_key(a.txn, a.timer);
            if (auto it = timers_.find(key); it != timers_.end()) {
                loop_.cancel_timer(it->second);
                timers_.erase(it);
            }
            return;
        }
        default: pending_.push_back({a}); return;
    }
}

void SipStack::drain() {
    if (draining_) return;
    draining_ = true;
    while (!pending_.empty() || !failed_sends_.empty()) {
        if (!failed_sends_.empty()) {
            TxnHandle h = failed_sends_.back();
            failed_sends_.pop_back();
            layer_.on_transport_error(h, loop_.now(), *this);
            continue;
        }
        TxnAction a = pending_.front().action;
        pending_.pop_front();
        user_.on_sip(a);
    }
    draining_ = false;
}

tl::expected<TxnHandle, TxnError> SipStack::start_client(const SipMessage& request,
                                                         const TxnPeer& peer) {
    auto h = layer_.start_client(request, peer, loop_.now(), *this);
    drain();
    return h;
}

tl::expected<void, TxnError> SipStack::respond(TxnHandle txn, const SipMessage& response) {
    auto r = layer_.respond(txn, response, loop_.now(), *this);
    drain();
    return r;
}

}  // namespace rtpx::cp
