#include "rtpx/cp/b2bua.hpp"

#include <sys/epoll.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <deque>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "rtpx/cp/routing.hpp"
#include "rtpx/flowapi/json_out.hpp"
#include "rtpx/sip/builder.hpp"
#include "rtpx/sip/dialog/dialog.hpp"
#include "rtpx/sip/dialog/invite_forks.hpp"
#include "rtpx/sip/dialog/prack.hpp"
#include "rtpx/sip/dialog/timers.hpp"
#include "rtpx/sip/validation.hpp"

namespace rtpx::cp {

using namespace rtpx::sip;
using std::chrono::milliseconds;

std::string_view to_string(CallState s) noexcept {
    switch (s) {
        case CallState::kInviting: return "inviting";
        case CallState::kEarly: return "early";
        case CallState::kAnswered: return "answered";
        case CallState::kConfirmed: return "confirmed";
        case CallState::kEnded: return "ended";
    }
    return "?";
}

namespace {

constexpr Method kAllowed[] = {Method::kInvite,  Method::kAck,    Method::kBye,  Method::kCancel,
                               Method::kOptions, Method::kUpdate, Method::kInfo, Method::kPrack};
constexpr std::string_view kAllowHeader = "INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, INFO, PRACK";
constexpr std::string_view kSupported[] = {k100rel};

std::size_t leg_index(CallLeg l) noexcept {
    return l == CallLeg::kA ? 0 : 1;
}

std::int64_t unix_ms() {
    return std::chrono::duration_cast<milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::uint64_t txn_key(TxnHandle h) noexcept {
    return (std::uint64_t{h.index} << 32) | h.generation;
}

bool is_sdp(const SipMessageView& m) {
    if (m.body().empty()) return false;
    auto ct = m.content_type();
    if (!ct) return false;
    auto lower = [](std::string_view s) {
        std::string o(s);
        for (char& c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return o;
    };
    return lower(ct->type) == "application" && lower(ct->subtype) == "sdp";
}

std::string uri_without_brackets(std::string_view contact) {
    if (contact.size() >= 2 && contact.front() == '<' && contact.back() == '>')
        return std::string(contact.substr(1, contact.size() - 2));
    return std::string(contact);
}

}  // namespace

struct B2bua::Call {
    std::uint64_t id = 0;
    CallState state = CallState::kInviting;
    bool ended = false;
    std::string a_call_id, b_call_id;
    std::string from, to;  // as the A leg wrote them (for records)
    const RouteConfig* route = nullptr;
    std::size_t a_listener = 0, b_listener = 0;
    std::int64_t start_ms = 0, answer_ms = 0, end_ms = 0;
    std::uint16_t final_status = 0;  // sent to A
    std::string end_reason;
    CallLeg ended_by = CallLeg::kA;

    // A leg (this process is its UAS)
    std::string a_invite_raw;  // as received (Via annotated)
    SipMessage a_invite;
    TxnHandle a_txn;
    TxnPeer a_peer;
    std::string a_tag;
    std::optional<Dialog> a_dialog;
    std::string a_2xx;  // the 200 sent to A, retransmitted until the ACK
    std::optional<Retransmitter> a_retx;
    bool a_acked = false;
    bool a_final_sent = false;

    // B leg (this process is its UAC)
    std::optional<InviteForks> b_forks;
    TxnHandle b_txn;
    TxnPeer b_peer;
    std::uint32_t b_invite_cseq = 1;
    Dialog* b_dialog = nullptr;  // the confirmed one (in b_forks)
    bool b_provisional = false;  // a provisional came back: CANCEL may be sent (RFC 3261 9.1)
    bool b_cancel_pending = false;
    bool b_cancelled = false;
    bool b_final = false;
    std::string b_early_sdp;  // the SDP of B's early answer, already processed
    std::string b_2xx_raw;    // the 2xx that confirmed the B dialog (journal)
    bool journaled = false;

    // in-dialog relays: client txn (key) -> server txn on the other leg
    struct Relay {
        TxnHandle server;
        TxnPeer server_peer;  // where the request came from (its 2xx is retransmitted there)
        CallLeg from = CallLeg::kA;
        std::string request_raw;
        bool offer = false;
        bool invite = false;
    };
    std::unordered_map<std::uint64_t, Relay> relays;

    // 100rel (RFC 3262), hop by hop: towards A the provisionals are sent reliably when A's INVITE
    // supports or requires it (retransmitted until A's PRACK, which is answered here, one at a
    // time); B's reliable provisionals are PRACKed here, per early dialog.
    bool a_100rel = false;
    std::optional<ReliableProvisionalSender> a_rel;
    std::deque<SipMessage> a_rel_queue;  // waiting for the PRACK of the previous one
    std::unordered_map<std::string, PrackTracker> b_prack;  // by B's To tag

    // Late offer (INVITE without SDP): B's 2xx carries the offer, A's ACK the answer. B's 2xx is
    // ACKed (with the rewritten answer) once the flows are programmed.
    bool late_offer = false;
    bool b_ack_pending = false;
    std::string b_ack;  // the ACK sent for B's 2xx, sent again when the 2xx is retransmitted

    // The 2xx to a relayed re-INVITE, retransmitted to the leg that sent it until its ACK
    // (RFC 3261 13.3.1.4), by that leg.
    struct Reinvite2xx {
        std::string bytes;
        TxnPeer peer;
        std::uint32_t cseq = 0;
        std::optional<Retransmitter> retx;
        EventLoop::TimerId timer = 0;
    };
    std::array<Reinvite2xx, 2> re2xx;

    std::vector<std::uint64_t> txn_keys;  // every transaction tracked for this call

    std::string codec;
    EventLoop::TimerId t_duration = 0, t_no_answer = 0, t_retx = 0, t_linger = 0, t_rel = 0;
    bool released = false;  // the media session torn down
};

B2bua::B2bua(const Config& config, EventLoop& loop, MediaControl& media)
    : config_(config), loop_(loop), media_(media), stack_(loop, config, *this) {}

B2bua::~B2bua() {
    flush_releases();
    flush_files();
    if (t_flush_ != 0) loop_.cancel_timer(t_flush_);
    for (auto& [id, c] : calls_) {
        for (auto t : {c->t_duration, c->t_no_answer, c->t_retx, c->t_linger, c->t_rel,
                       c->re2xx[0].timer, c->re2xx[1].timer})
            if (t != 0) loop_.cancel_timer(t);
    }
    if (media_fd_ >= 0) loop_.remove_fd(media_fd_);
}

tl::expected<void, std::string> B2bua::start(bool bind) {
    if (auto r = stack_.open(bind); !r) return r;
    if (!config_.journal_path.empty()) {
        restore_journal();
        journal_.open(config_.journal_path, std::ios::app);
        if (!journal_) return tl::unexpected("journal: cannot open " + config_.journal_path);
    }
    if (!config_.records_path.empty()) {
        records_.open(config_.records_path, std::ios::app);
        if (!records_) return tl::unexpected("records: cannot open " + config_.records_path);
    }
    media_fd_ = media_.event_fd();
    if (media_fd_ >= 0) {
        auto r = loop_.add_fd(media_fd_, EPOLLIN, [this](std::uint32_t) { poll_media_events(); });
        if (!r) return tl::unexpected(std::string("media events: cannot watch the event fd"));
    }
    return {};
}

// --- helpers ----------------------------------------------------------------------------------

ViaSpec B2bua::via_for(std::size_t listener) const {
    const auto& l = stack_.listener(listener);
    return ViaSpec{std::string(to_string(l.config.proto)), l.sent_by, true};
}

std::string B2bua::contact_for(std::size_t listener) const {
    const auto& l = stack_.listener(listener);
    std::string c = "<sip:rtpx@" + l.sent_by;
    if (l.config.proto == TransportProto::kTcp) c += ";transport=tcp";
    if (l.config.proto == TransportProto::kTls) c += ";transport=tls";
    return c + ">";
}

MediaPolicy B2bua::policy(const Call& call) const {
    MediaPolicy p;
    if (call.route != nullptr) {
        p.a_interface = call.route->a_interface;
        p.b_interface = call.route->b_interface;
        p.srtp = call.route->srtp;
    }
    p.inactivity_timeout_ms = config_.limits.media_timeout_s * 1000;
    return p;
}

void B2bua::track(TxnHandle h, std::uint64_t call, Role role) {
    txns_[txn_key(h)] = TxnRef{call, role};
    if (auto it = calls_.find(call); it != calls_.end()) it->second->txn_keys.push_back(txn_key(h));
}

B2bua::Call* B2bua::find_by_txn(TxnHandle h, Role* role) {
    auto it = txns_.find(txn_key(h));
    if (it == txns_.end()) return nullptr;
    if (role != nullptr) *role = it->second.role;
    auto c = calls_.find(it->second.call);
    return c == calls_.end() ? nullptr : c->second.get();
}

B2bua::Call* B2bua::find_by_call_id(std::string_view call_id, CallLeg* leg) {
    auto it = by_call_id_.find(std::string(call_id));
    if (it == by_call_id_.end()) return nullptr;
    auto c = calls_.find(it->second);
    if (c == calls_.end()) return nullptr;
    if (leg != nullptr) *leg = c->second->a_call_id == call_id ? CallLeg::kA : CallLeg::kB;
    return c->second.get();
}

TxnPeer B2bua::dialog_peer(const Call& call, CallLeg leg) const {
    const Dialog* d =
        leg == CallLeg::kA ? (call.a_dialog ? &*call.a_dialog : nullptr) : call.b_dialog;
    return peer_of(d, leg == CallLeg::kA ? call.a_peer : call.b_peer);
}

TxnPeer B2bua::peer_of(const Dialog* d, const TxnPeer& fallback) const {
    if (d == nullptr) return fallback;
    std::string target =
        d->route_set().empty() ? d->remote_target() : uri_without_brackets(d->route_set().front());
    auto uri = UriView::parse(target);
    if (!uri) return fallback;
    auto addr = SockAddr::from_host(
        uri->host, uri->port.value_or(fallback.transport == TxnTransport::kTls ? 5061 : 5060));
    if (!addr) return fallback;
    const auto& l = stack_.listener(SipStack::listener_of(fallback));
    // A stream leg keeps the connection the dialog started on when the target is that peer.
    ConnectionId conn =
        (addr->same_host(SipStack::address_of(fallback)) && addr->port() == fallback.port)
            ? (fallback.connection & ((std::uint64_t{1} << 48) - 1))
            : 0;
    return SipStack::make_peer(SipStack::listener_of(fallback), l.config.proto, *addr, conn);
}

bool B2bua::over_limits() {
    const auto& lim = config_.limits;
    if (lim.max_calls != 0 && active_ >= lim.max_calls) return true;
    std::int64_t sec =
        std::chrono::duration_cast<std::chrono::seconds>(loop_.now().time_since_epoch()).count();
    if (sec != cps_second_) {
        cps_previous_ = sec == cps_second_ + 1 ? cps_current_ : 0;
        cps_current_ = 0;
        cps_second_ = sec;
    }
    if (lim.max_cps != 0 && cps_current_ >= lim.max_cps) return true;
    ++cps_current_;
    return false;
}

void B2bua::arm(Call& call, EventLoop::TimerId& slot, milliseconds delay,
                void (B2bua::*fn)(std::uint64_t)) {
    if (slot != 0) loop_.cancel_timer(slot);
    std::uint64_t id = call.id;
    slot = loop_.add_timer(delay, [this, id, fn] { (this->*fn)(id); });
}

// --- dispatch ---------------------------------------------------------------------------------

void B2bua::on_sip(const TxnAction& a) {
    switch (a.kind) {
        case TxnActionKind::kRequest: on_request(a); break;
        case TxnActionKind::kResponse: on_response(a); break;
        case TxnActionKind::kStrayAck: on_ack(a); break;
        case TxnActionKind::kStrayResponse: on_stray_response(a); break;
        case TxnActionKind::kTimeout:
        case TxnActionKind::kTransportError: on_failure(a); break;
        case TxnActionKind::kTerminated: txns_.erase(txn_key(a.txn)); break;
        default: break;
    }
}

void B2bua::respond_simple(TxnHandle txn, const SipMessageView& request, std::uint16_t status,
                           std::string_view reason, std::uint32_t retry_after) {
    SipMessage r = make_response(request, status, reason);
    if (retry_after != 0) r.add(HeaderId::kRetryAfter, std::to_string(retry_after));
    if (status == 405 || (request.method() == Method::kOptions && status == 200))
        r.add(HeaderId::kAllow, std::string(kAllowHeader));
    (void)stack_.respond(txn, r);
}

void B2bua::on_request(const TxnAction& a) {
    const SipMessageView& m = *a.message;
    ValidationPolicy vp;
    vp.allowed_methods = kAllowed;
    vp.supported = kSupported;
    vp.forwarding = true;
    if (auto rej = validate_request(m, vp)) {
        ++counters_.requests_rejected;
        spdlog::debug("sip: rejecting {} with {} {}", m.method_text(), rej->status, rej->reason);
        (void)stack_.respond(a.txn, make_rejection_response(m, *rej));
        return;
    }
    if (m.method() == Method::kCancel) {
        on_cancel(a);
        return;
    }
    auto to = m.to();
    bool in_dialog = to && !to->tag().empty();
    if (in_dialog) {
        CallLeg leg;
        Call* call = find_by_call_id(*m.call_id(), &leg);
        if (call == nullptr || call->ended) {
            respond_simple(a.txn, m, 481);
            return;
        }
        if (m.method() == Method::kPrack) {
            on_prack(a, *call, leg);
            return;
        }
        on_in_dialog(a, *call, leg);
        return;
    }
    switch (m.method()) {
        case Method::kInvite: on_new_invite(a); break;
        case Method::kOptions: respond_simple(a.txn, m, 200); break;
        case Method::kBye:
        case Method::kUpdate:
        case Method::kPrack:
        case Method::kInfo: respond_simple(a.txn, m, 481); break;
        default: respond_simple(a.txn, m, 405); break;
    }
}

// --- new calls --------------------------------------------------------------------------------

void B2bua::on_new_invite(const TxnAction& a) {
    const SipMessageView& m = *a.message;
    std::string call_id(*m.call_id());
    if (by_call_id_.contains(call_id)) {
        // Same Call-ID, no To tag, another branch: a merged request (RFC 3261 8.2.2.2).
        respond_simple(a.txn, m, 482);
        return;
    }
    if (over_limits()) {
        ++counters_.calls_rejected_overload;
        respond_simple(a.txn, m, 503, "Service Unavailable (over limits)",
                       config_.limits.retry_after_s);
        return;
    }
    auto route = select_route(config_, m.request_uri_text());
    if (!route) {
        ++counters_.calls_rejected_no_route;
        respond_simple(a.txn, m, 404, "Not Found (no route)");
        return;
    }
    // No body: a late offer (RFC 3261 13.2.1), the offer comes in B's 2xx. Another body type:
    // nothing to anchor media with.
    bool late_offer = m.body().empty();
    if (!late_offer && !is_sdp(m)) {
        ++counters_.calls_rejected_media;
        respond_simple(a.txn, m, 488, "Not Acceptable Here (an SDP offer is required)");
        return;
    }
    std::size_t b_listener = 0;
    if (!route->route->listener.empty()) {
        b_listener = *stack_.listener_index(route->route->listener);
    } else {
        // The first listener of the route's transport and address family.
        for (std::size_t i = 0; i < stack_.listener_count(); ++i) {
            const auto& l = stack_.listener(i).config;
            if (l.proto == route->proto && l.address.is_ipv6() == route->next_hop.is_ipv6()) {
                b_listener = i;
                break;
            }
        }
    }

    auto call = std::make_unique<Call>();
    Call& c = *call;
    c.id = next_call_++;
    c.route = route->route;
    c.a_listener = SipStack::listener_of(a.peer);
    c.b_listener = b_listener;
    c.start_ms = unix_ms();
    c.a_call_id = call_id;
    c.a_invite_raw = std::string(m.bytes());
    c.a_invite = SipMessage::from_view(m);
    c.a_txn = a.txn;
    c.a_peer = a.peer;
    c.a_tag = make_tag();
    c.from = std::string(m.find(HeaderId::kFrom)->value);
    c.to = std::string(m.find(HeaderId::kTo)->value);
    c.late_offer = late_offer;
    c.a_100rel = reliability_requested(m) != ReliabilityRequest::kNone;

    auto offer = late_offer ? tl::expected<std::string, std::string>(std::string())
                            : media_.offer(c.a_call_id, CallLeg::kA, m.body(), policy(c));
    if (!offer) {
        ++counters_.calls_rejected_media;
        spdlog::warn("call {}: media offer failed: {}", c.a_call_id, offer.error());
        respond_simple(a.txn, m, 488, "Not Acceptable Here (media)");
        media_.release(c.a_call_id);
        return;
    }
    if (!late_offer) {
        // B's first packets may come right after its 183/200, before this loop has read the answer.
        if (auto ok = media_.commit_early(c.a_call_id); !ok) {
            spdlog::debug("call {}: early flows: {}", c.a_call_id, ok.error());
        }
    }

    const auto& bl = stack_.listener(b_listener);
    std::string b_call_id = make_call_id(bl.sent_by);
    std::string from = without_tag(c.from);
    std::string contact = contact_for(b_listener);
    std::uint32_t max_forwards = m.max_forwards().value_or(70);
    RequestSpec spec;
    spec.method = "INVITE";
    spec.request_uri = route->request_uri;
    spec.from = from;
    spec.to = c.to;
    spec.call_id = b_call_id;
    spec.cseq = c.b_invite_cseq;
    spec.via_transport = to_string(bl.config.proto);
    spec.via_sent_by = bl.sent_by;
    spec.via_rport = true;
    spec.max_forwards = max_forwards > 0 ? max_forwards - 1 : 0;
    spec.contact = contact;
    if (!late_offer) {
        spec.content_type = "application/sdp";
        spec.body = *offer;
    }
    SipMessage invite = make_request(spec);
    invite.add(HeaderId::kAllow, std::string(kAllowHeader));
    invite.add(HeaderId::kSupported, std::string(k100rel));
    invite.add(HeaderId::kUserAgent, config_.user_agent);
    c.b_call_id = b_call_id;
    c.b_peer = SipStack::make_peer(b_listener, route->proto, route->next_hop);
    c.b_forks.emplace(invite);

    std::uint64_t id = c.id;
    calls_[id] = std::move(call);
    by_call_id_[c.a_call_id] = id;
    by_call_id_[c.b_call_id] = id;
    track(a.txn, id, Role::kAInvite);
    ++active_;
    ++counters_.calls_total;
    spdlog::info("call {}: {} -> {} via route {} (B Call-ID {})", c.a_call_id, c.from, c.to,
                 c.route->name, c.b_call_id);

    auto h = stack_.start_client(c.b_forks->invite(), c.b_peer);
    Call* cp = calls_.contains(id) ? calls_[id].get() : nullptr;
    if (cp == nullptr) return;
    if (!h) {
        respond_a(*cp, 500, "Server Internal Error (B leg)");
        finish(*cp, "b-leg-error");
        return;
    }
    cp->b_txn = *h;
    track(*h, id, Role::kBInvite);
    if (config_.limits.no_answer_timeout_s != 0)
        arm(*cp, cp->t_no_answer, milliseconds(config_.limits.no_answer_timeout_s * 1000),
            &B2bua::on_no_answer);
}

void B2bua::respond_a(Call& c, std::uint16_t status, std::string_view reason,
                      std::string_view sdp) {
    if (c.a_final_sent) return;
    SipMessage r = make_response(c.a_invite, status, reason, status > 100 ? c.a_tag : "");
    if (status > 100 && status < 300) r.add(HeaderId::kContact, contact_for(c.a_listener));
    if (!sdp.empty()) {
        r.add(HeaderId::kContentType, "application/sdp");
        r.body = std::string(sdp);
    }
    if (status >= 200) {
        c.a_final_sent = true;
        c.final_status = status;
        // RFC 3262 3: no more retransmissions of an unacknowledged reliable provisional.
        if (c.a_rel) c.a_rel->stop();
        c.a_rel_queue.clear();
        if (c.t_rel != 0) loop_.cancel_timer(c.t_rel);
        c.t_rel = 0;
    } else if (status > 100 && c.a_100rel) {
        send_reliable_1xx(c, std::move(r));
        return;
    }
    if (status >= 200 && status < 300) c.a_2xx = r.serialize();
    (void)stack_.respond(c.a_txn, r);
}

void B2bua::send_reliable_1xx(Call& c, SipMessage r) {
    if (!c.a_rel)
        c.a_rel.emplace(DialogTimerConfig{config_.timers.t1, config_.timers.t2},
                        random_initial_rseq());
    auto now = std::chrono::duration_cast<milliseconds>(loop_.now().time_since_epoch());
    // One unacknowledged reliable provisional at a time (RFC 3262 3): later ones wait.
    if (c.a_rel->pending() != nullptr || !c.a_rel->send(r, now)) {
        c.a_rel_queue.push_back(std::move(r));
        return;
    }
    (void)stack_.respond(c.a_txn, r);
    if (auto next = c.a_rel->next_deadline())
        arm(c, c.t_rel, std::max(milliseconds(1), *next - now), &B2bua::retransmit_1xx);
}

void B2bua::retransmit_1xx(std::uint64_t id) {
    auto it = calls_.find(id);
    if (it == calls_.end()) return;
    Call& c = *it->second;
    c.t_rel = 0;
    if (!c.a_rel || c.a_rel->pending() == nullptr || c.ended || c.a_final_sent) return;
    auto now = std::chrono::duration_cast<milliseconds>(loop_.now().time_since_epoch());
    switch (c.a_rel->on_timer(now)) {
        case RetransmitAction::kRetransmit:
            (void)stack_.send_stateless(c.a_peer, c.a_rel->pending()->serialize());
            break;
        case RetransmitAction::kGiveUp:
            // RFC 3262 3: no PRACK within 64*T1: the INVITE is rejected with a 5xx.
            spdlog::warn("call {}: no PRACK for a reliable provisional, ending the call",
                         c.a_call_id);
            respond_a(c, 504, "Server Time-out (no PRACK)");
            send_b_cancel(c);
            finish(c, "no-prack");
            return;
        case RetransmitAction::kNone: break;
    }
    if (auto next = c.a_rel->next_deadline())
        arm(c, c.t_rel, std::max(milliseconds(1), *next - now), &B2bua::retransmit_1xx);
}

void B2bua::on_prack(const TxnAction& a, Call& c, CallLeg leg) {
    const SipMessageView& m = *a.message;
    if (leg != CallLeg::kA || !c.a_rel) {
        respond_simple(a.txn, m, 481);
        return;
    }
    std::uint16_t status = c.a_rel->on_prack(m);
    respond_simple(a.txn, m, status);
    if (status != 200) return;
    if (c.t_rel != 0) loop_.cancel_timer(c.t_rel);
    c.t_rel = 0;
    if (!c.a_rel_queue.empty() && !c.a_final_sent) {
        SipMessage next = std::move(c.a_rel_queue.front());
        c.a_rel_queue.pop_front();
        send_reliable_1xx(c, std::move(next));
    }
}

void B2bua::send_b_ack(Call& c, Dialog& d, std::string_view sdp) {
    SipMessage ack =
        sdp.empty() ? d.make_ack(c.b_invite_cseq, via_for(c.b_listener))
                    : d.make_ack(c.b_invite_cseq, via_for(c.b_listener), "application/sdp", sdp);
    std::string bytes = ack.serialize();
    if (&d == c.b_dialog) {
        c.b_ack = bytes;
        c.b_ack_pending = false;
    }
    (void)stack_.send_stateless(peer_of(&d, c.b_peer), bytes);
}

void B2bua::settle_b_ack(Call& c) {
    if (c.b_ack_pending && c.b_dialog != nullptr) send_b_ack(c, *c.b_dialog, {});
}

void B2bua::complete_late_offer(Call& c, const SipMessageView& ack) {
    auto fail = [&](std::string_view why) {
        settle_b_ack(c);
        end_both(c, why);
    };
    if (!is_sdp(ack)) {
        spdlog::warn("call {}: late offer: the ACK carries no SDP answer", c.a_call_id);
        fail("media-error");
        return;
    }
    auto answer = media_.answer(c.a_call_id, CallLeg::kA, ack.body(), policy(c));
    if (!answer) {
        spdlog::warn("call {}: late offer: answer failed: {}", c.a_call_id, answer.error());
        fail("media-error");
        return;
    }
    if (auto ok = media_.commit(c.a_call_id); !ok) {
        spdlog::error("call {}: programming flows failed: {}", c.a_call_id, ok.error());
        fail("dataplane-error");
        return;
    }
    send_b_ack(c, *c.b_dialog, *answer);
    journal_call(c);
    spdlog::info("call {}: answered (late offer complete)", c.a_call_id);
}

void B2bua::answer_a(Call& c, const std::string& sdp) {
    respond_a(c, 200, {}, sdp);
    auto view = SipMessageView::parse(c.a_invite_raw);
    if (view) {
        auto d = Dialog::create_uas(*view, c.a_tag, uri_without_brackets(contact_for(c.a_listener)),
                                    DialogState::kConfirmed);
        if (d) c.a_dialog = std::move(*d);
    }
    c.state = CallState::kAnswered;
    c.answer_ms = unix_ms();
    ++counters_.calls_answered;
    if (c.t_no_answer != 0) {
        loop_.cancel_timer(c.t_no_answer);
        c.t_no_answer = 0;
    }
    if (config_.limits.max_duration_s != 0)
        arm(c, c.t_duration, milliseconds(config_.limits.max_duration_s * 1000),
            &B2bua::on_duration);
    // RFC 3261 13.3.1.4: the UAS core retransmits its 2xx until the ACK (unreliable transports).
    if (c.a_peer.transport == TxnTransport::kUdp) {
        DialogTimerConfig dtc{config_.timers.t1, config_.timers.t2};
        auto now = std::chrono::duration_cast<milliseconds>(loop_.now().time_since_epoch());
        c.a_retx = Retransmitter::for_2xx(dtc, now);
        arm(c, c.t_retx, config_.timers.t1, &B2bua::retransmit_2xx);
    }
}

void B2bua::retransmit_2xx(std::uint64_t id) {
    auto it = calls_.find(id);
    if (it == calls_.end()) return;
    Call& c = *it->second;
    c.t_retx = 0;
    if (!c.a_retx || c.a_acked || c.ended) return;
    auto now = std::chrono::duration_cast<milliseconds>(loop_.now().time_since_epoch());
    switch (c.a_retx->on_timer(now)) {
        case RetransmitAction::kRetransmit: (void)stack_.send_stateless(c.a_peer, c.a_2xx); break;
        case RetransmitAction::kGiveUp:
            spdlog::warn("call {}: no ACK for the 200 OK, ending the call", c.a_call_id);
            end_both(c, "no-ack");
            return;
        case RetransmitAction::kNone: break;
    }
    if (auto next = c.a_retx->next_deadline())
        arm(c, c.t_retx, std::max(milliseconds(1), *next - now), &B2bua::retransmit_2xx);
}

// --- CANCEL, ACK, BYE --------------------------------------------------------------------------

void B2bua::on_cancel(const TxnAction& a) {
    const SipMessageView& m = *a.message;
    Role role;
    Call* c = a.related.valid() ? find_by_txn(a.related, &role) : nullptr;
    if (c == nullptr || role != Role::kAInvite) {
        respond_simple(a.txn, m, 481);
        return;
    }
    respond_simple(a.txn, m, 200);
    if (c->a_final_sent || c->ended) return;
    spdlog::info("call {}: cancelled by the caller", c->a_call_id);
    respond_a(*c, 487);
    send_b_cancel(*c);
    ++counters_.calls_cancelled;
    finish(*c, "cancelled");
}

void B2bua::send_b_cancel(Call& c) {
    if (c.b_cancelled || c.b_final) return;
    if (!c.b_provisional) {
        c.b_cancel_pending = true;  // sent when the first provisional arrives (RFC 3261 9.1)
        return;
    }
    c.b_cancelled = true;
    c.b_cancel_pending = false;
    auto h = stack_.start_client(make_cancel(c.b_forks->invite()), c.b_peer);
    if (h) track(*h, c.id, Role::kCancelB);
}

void B2bua::on_ack(const TxnAction& a) {
    const SipMessageView& m = *a.message;
    auto cid = m.call_id();
    if (!cid) return;
    CallLeg leg;
    Call* c = find_by_call_id(*cid, &leg);
    if (c == nullptr) return;
    auto cseq = m.cseq();
    Call::Reinvite2xx& re = c->re2xx[leg_index(leg)];
    if (re.retx && cseq && cseq->seq == re.cseq) {  // the ACK of a relayed re-INVITE's 2xx
        stop_re2xx(*c, leg);
        return;
    }
    if (leg != CallLeg::kA) return;
    if (!c->a_acked) {
        c->a_acked = true;
        if (c->a_retx) c->a_retx->acknowledge();
        if (c->t_retx != 0) {
            loop_.cancel_timer(c->t_retx);
            c->t_retx = 0;
        }
        if (c->state == CallState::kAnswered) c->state = CallState::kConfirmed;
        if (c->b_ack_pending && !c->ended) complete_late_offer(*c, m);
    }
}

void B2bua::stop_re2xx(Call& c, CallLeg leg) {
    Call::Reinvite2xx& re = c.re2xx[leg_index(leg)];
    if (re.timer != 0) loop_.cancel_timer(re.timer);
    re = Call::Reinvite2xx{};
}

void B2bua::retransmit_re2xx(std::uint64_t id, CallLeg leg) {
    auto it = calls_.find(id);
    if (it == calls_.end()) return;
    Call& c = *it->second;
    Call::Reinvite2xx& re = c.re2xx[leg_index(leg)];
    re.timer = 0;
    if (!re.retx || c.ended) return;
    auto now = std::chrono::duration_cast<milliseconds>(loop_.now().time_since_epoch());
    switch (re.retx->on_timer(now)) {
        case RetransmitAction::kRetransmit: (void)stack_.send_stateless(re.peer, re.bytes); break;
        case RetransmitAction::kGiveUp:
            // RFC 3261 14.2: no ACK for the 2xx of a re-INVITE: the dialog ends with BYE.
            spdlog::warn("call {}: no ACK for the 200 to the {} leg's re-INVITE, ending the call",
                         c.a_call_id, to_string(leg));
            stop_re2xx(c, leg);
            end_both(c, "no-ack");
            return;
        case RetransmitAction::kNone: break;
    }
    if (auto next = re.retx->next_deadline()) {
        auto delay = std::max(milliseconds(1), *next - now);
        re.timer = loop_.add_timer(delay, [this, id, leg] { retransmit_re2xx(id, leg); });
    }
}

void B2bua::on_in_dialog(const TxnAction& a, Call& c, CallLeg leg) {
    const SipMessageView& m = *a.message;
    Dialog* d = leg == CallLeg::kA ? (c.a_dialog ? &*c.a_dialog : nullptr) : c.b_dialog;
    if (d == nullptr || !d->matches_request(m)) {
        respond_simple(a.txn, m, 481);
        return;
    }
    InDialogCheck check = d->on_request(m);
    if (!check.accepted()) {
        respond_simple(a.txn, m, check.status, check.reason, check.retry_after);
        return;
    }
    if (m.method() == Method::kBye) {
        on_bye(a, c, leg);
        return;
    }
    on_relay_request(a, c, leg);
}

void B2bua::on_bye(const TxnAction& a, Call& c, CallLeg leg) {
    respond_simple(a.txn, *a.message, 200);
    spdlog::info("call {}: BYE from the {} leg", c.a_call_id, to_string(leg));
    if (leg == CallLeg::kA && !c.a_acked) {
        // BYE before the ACK (reordered): the 200 no longer needs retransmitting.
        c.a_acked = true;
        if (c.t_retx != 0) loop_.cancel_timer(c.t_retx);
        c.t_retx = 0;
    }
    if (leg == CallLeg::kA && c.a_dialog) c.a_dialog->terminate();
    if (leg == CallLeg::kB && c.b_dialog) c.b_dialog->terminate();
    send_bye(c, other(leg));
    c.ended_by = leg;
    finish(c, leg == CallLeg::kA ? "bye-caller" : "bye-callee");
}

void B2bua::send_bye(Call& c, CallLeg leg) {
    if (leg == CallLeg::kB) settle_b_ack(c);
    Dialog* d = leg == CallLeg::kA ? (c.a_dialog ? &*c.a_dialog : nullptr) : c.b_dialog;
    if (d == nullptr || d->state() == DialogState::kTerminated) return;
    std::size_t listener = leg == CallLeg::kA ? c.a_listener : c.b_listener;
    SipMessage bye = d->make_request("BYE", via_for(listener));
    bye.add(HeaderId::kUserAgent, config_.user_agent);
    d->terminate();
    auto h = stack_.start_client(bye, dialog_peer(c, leg));
    if (h) track(*h, c.id, Role::kByeOut);
}

void B2bua::ack_and_bye(Call& c, Dialog& d) {
    SipMessage ack = d.make_ack(c.b_invite_cseq, via_for(c.b_listener));
    Dialog* saved = c.b_dialog;
    c.b_dialog = &d;
    TxnPeer peer = dialog_peer(c, CallLeg::kB);
    (void)stack_.send_stateless(peer, ack.serialize());
    SipMessage bye = d.make_request("BYE", via_for(c.b_listener));
    d.terminate();
    auto h = stack_.start_client(bye, peer);
    if (h) track(*h, c.id, Role::kByeOut);
    c.b_dialog = saved;
}

// --- in-dialog relay (re-INVITE, UPDATE, INFO...) ---------------------------------------------

void B2bua::on_relay_request(const TxnAction& a, Call& c, CallLeg leg) {
    const SipMessageView& m = *a.message;
    relay_request(a, c, leg);
    // A re-INVITE answered here (not relayed) is finished for the dialog's glare bookkeeping.
    Dialog* from = leg == CallLeg::kA ? (c.a_dialog ? &*c.a_dialog : nullptr) : c.b_dialog;
    if (m.method() == Method::kInvite && from != nullptr) {
        bool relayed = false;
        for (const auto& [key, relay] : c.relays) relayed = relayed || relay.server == a.txn;
        if (!relayed) from->remote_invite_finished();
    }
}

void B2bua::relay_request(const TxnAction& a, Call& c, CallLeg leg) {
    const SipMessageView& m = *a.message;
    CallLeg to = other(leg);
    Dialog* d = to == CallLeg::kA ? (c.a_dialog ? &*c.a_dialog : nullptr) : c.b_dialog;
    if (d == nullptr || d->state() != DialogState::kConfirmed) {
        respond_simple(a.txn, m, 491, "Request Pending");
        return;
    }
    if (m.method() == Method::kInvite && d->local_invite_pending()) {
        respond_simple(a.txn, m, 491, "Request Pending");
        return;
    }
    std::string body(m.body());
    std::string content_type = m.has(HeaderId::kContentType)
                                   ? std::string(m.find(HeaderId::kContentType)->value)
                                   : std::string();
    bool offer = false;
    if ((m.method() == Method::kInvite || m.method() == Method::kUpdate) && is_sdp(m)) {
        auto rewritten = media_.offer(c.a_call_id, leg, body, policy(c));
        if (!rewritten) {
            spdlog::warn("call {}: re-offer from {} failed: {}", c.a_call_id, to_string(leg),
                         rewritten.error());
            respond_simple(a.txn, m, 488, "Not Acceptable Here (media)");
            return;
        }
        body = *rewritten;
        offer = true;
    } else if (m.method() == Method::kInvite) {
        respond_simple(a.txn, m, 488, "Not Acceptable Here (an SDP offer is required)");
        return;
    }
    std::size_t listener = to == CallLeg::kA ? c.a_listener : c.b_listener;
    SipMessage out = d->make_request(m.method_text(), via_for(listener), content_type, body);
    if (m.method() == Method::kInvite) d->local_invite_started();
    auto h = stack_.start_client(out, dialog_peer(c, to));
    if (!h) {
        if (m.method() == Method::kInvite) d->local_invite_finished();
        respond_simple(a.txn, m, 500);
        return;
    }
    track(*h, c.id, Role::kRelayClient);
    track(a.txn, c.id, Role::kRelayServer);
    c.relays[txn_key(*h)] = Call::Relay{
        a.txn, a.peer, leg, std::string(m.bytes()), offer, m.method() == Method::kInvite};
}

void B2bua::on_relay_response(Call& c, TxnHandle client, const SipMessageView& r) {
    auto it = c.relays.find(txn_key(client));
    if (it == c.relays.end()) return;
    std::uint16_t status = r.status_code();
    if (status < 200) return;  // provisionals of a re-INVITE stay here (100 from the layer)
    Call::Relay relay = it->second;
    c.relays.erase(it);
    CallLeg to = other(relay.from);
    Dialog* d = to == CallLeg::kA ? (c.a_dialog ? &*c.a_dialog : nullptr) : c.b_dialog;
    auto request = SipMessageView::parse(relay.request_raw);
    if (!request) return;
    if (d != nullptr) {
        d->on_refresh_response(r);
        if (relay.invite) {
            d->local_invite_finished();
            if (status < 300) {
                auto cseq = r.cseq();
                SipMessage ack = d->make_ack(
                    cseq ? cseq->seq : 0, via_for(to == CallLeg::kA ? c.a_listener : c.b_listener));
                (void)stack_.send_stateless(dialog_peer(c, to), ack.serialize());
            }
        }
    }
    std::size_t from_listener = relay.from == CallLeg::kA ? c.a_listener : c.b_listener;
    Dialog* from_dialog =
        relay.from == CallLeg::kA ? (c.a_dialog ? &*c.a_dialog : nullptr) : c.b_dialog;
    // The peer's re-INVITE is answered now: another one may follow (RFC 3261 14.2).
    if (relay.invite && from_dialog != nullptr) from_dialog->remote_invite_finished();
    SipMessage resp = make_response(*request, status, r.reason(),
                                    from_dialog != nullptr ? from_dialog->id().local_tag : "");
    if (status < 300) {
        if (relay.invite) resp.add(HeaderId::kContact, contact_for(from_listener));
        if (relay.offer && is_sdp(r)) {
            auto answer = media_.answer(c.a_call_id, to, r.body(), policy(c));
            if (answer) {
                if (auto ok = media_.commit(c.a_call_id); !ok)
                    spdlog::warn("call {}: reprogramming flows failed: {}", c.a_call_id,
                                 ok.error());
                else if (c.journaled)
                    journal_call(c);
                resp.add(HeaderId::kContentType, "application/sdp");
                resp.body = *answer;
            } else {
                spdlog::warn("call {}: re-answer from {} failed: {}", c.a_call_id, to_string(to),
                             answer.error());
            }
        } else if (!r.body().empty()) {
            if (auto ct = r.find(HeaderId::kContentType))
                resp.add(HeaderId::kContentType, std::string(ct->value));
            resp.body = std::string(r.body());
        }
    }
    (void)stack_.respond(relay.server, resp);
    if (relay.invite && status < 300 && relay.server_peer.transport == TxnTransport::kUdp) {
        // RFC 3261 13.3.1.4: this UAS core retransmits its 2xx until the ACK.
        stop_re2xx(c, relay.from);
        Call::Reinvite2xx& re = c.re2xx[leg_index(relay.from)];
        auto now = std::chrono::duration_cast<milliseconds>(loop_.now().time_since_epoch());
        re.bytes = resp.serialize();
        re.peer = relay.server_peer;
        re.cseq = request->cseq() ? request->cseq()->seq : 0;
        re.retx =
            Retransmitter::for_2xx(DialogTimerConfig{config_.timers.t1, config_.timers.t2}, now);
        std::uint64_t id = c.id;
        CallLeg from = relay.from;
        re.timer =
            loop_.add_timer(config_.timers.t1, [this, id, from] { retransmit_re2xx(id, from); });
    }
    if ((status == 481 || status == 408) && !c.ended) end_both(c, "in-dialog-failure");
}

// --- responses --------------------------------------------------------------------------------

void B2bua::on_response(const TxnAction& a) {
    Role role;
    Call* c = find_by_txn(a.txn, &role);
    if (c == nullptr) return;
    switch (role) {
        case Role::kBInvite: on_b_invite_response(*c, *a.message); break;
        case Role::kRelayClient: on_relay_response(*c, a.txn, *a.message); break;
        default: break;
    }
}

void B2bua::on_b_invite_response(Call& c, const SipMessageView& r) {
    std::uint16_t status = r.status_code();
    ForkResult fr = c.b_forks->on_response(r);
    if (status < 200) {
        if (status == 100) return;
        if (fr.dialog != nullptr) {
            // RFC 3262 4: PRACK a reliable provisional; a retransmitted (or out of order) one is
            // not processed again.
            PrackResult pr = c.b_prack[fr.dialog->id().remote_tag].on_provisional(r);
            if (pr.decision == PrackDecision::kDiscard) return;
            if (pr.decision == PrackDecision::kMalformed) {
                spdlog::debug("call {}: reliable provisional without RSeq ignored", c.a_call_id);
                return;
            }
            if (pr.decision == PrackDecision::kPrack) {
                SipMessage prack = make_prack(*fr.dialog, via_for(c.b_listener), pr.rack);
                auto h = stack_.start_client(prack, peer_of(fr.dialog, c.b_peer));
                if (h) track(*h, c.id, Role::kOther);
            }
        }
        c.b_provisional = true;
        if (c.b_cancel_pending) send_b_cancel(c);
        if (c.ended || c.a_final_sent) return;
        std::string sdp;
        if (!c.late_offer && is_sdp(r) && r.body() != c.b_early_sdp) {
            c.b_early_sdp = std::string(r.body());
            auto answer = media_.answer(c.a_call_id, CallLeg::kB, r.body(), policy(c));
            if (answer) {
                if (auto ok = media_.commit(c.a_call_id); !ok)
                    spdlog::warn("call {}: early flows failed: {}", c.a_call_id, ok.error());
                sdp = *answer;
            } else {
                spdlog::warn("call {}: early answer failed: {}", c.a_call_id, answer.error());
            }
        }
        c.state = CallState::kEarly;
        respond_a(c, status, r.reason(), sdp);
        return;
    }
    if (status < 300) {
        if (fr.event == ForkEvent::kRetransmitted2xx && fr.dialog != nullptr) {
            // The ACK again (the same one: for a late offer it carries the answer). While a late
            // offer waits for A's answer there is nothing to send yet.
            if (fr.dialog == c.b_dialog && !c.b_ack.empty())
                (void)stack_.send_stateless(dialog_peer(c, CallLeg::kB), c.b_ack);
            else if (fr.dialog != c.b_dialog || !c.b_ack_pending)
                send_b_ack(c, *fr.dialog, {});
            return;
        }
        if (fr.dialog == nullptr) return;
        if (fr.event == ForkEvent::kAdditional2xx || c.ended || c.a_final_sent) {
            spdlog::info("call {}: extra 2xx from the B side: ACK + BYE", c.a_call_id);
            ack_and_bye(c, *fr.dialog);
            return;
        }
        c.b_final = true;
        c.b_dialog = fr.dialog;
        c.b_2xx_raw = std::string(r.bytes());
        auto fail = [&](std::uint16_t code, std::string_view reason, std::string_view why) {
            respond_a(c, code, reason);
            send_b_ack(c, *c.b_dialog, {});
            send_bye(c, CallLeg::kB);
            finish(c, why);
        };
        if (!is_sdp(r)) {
            spdlog::warn("call {}: 2xx without SDP from the B side", c.a_call_id);
            fail(500, "Server Internal Error (no SDP)", "media-error");
            return;
        }
        if (c.late_offer) {
            // B's offer goes to A in the 200; A's answer comes in its ACK, then the flows are
            // programmed and B gets its ACK with the answer (complete_late_offer).
            auto offer = media_.offer(c.a_call_id, CallLeg::kB, r.body(), policy(c));
            if (!offer) {
                spdlog::warn("call {}: late offer from B failed: {}", c.a_call_id, offer.error());
                fail(500, "Server Internal Error (media)", "media-error");
                return;
            }
            c.b_ack_pending = true;
            answer_a(c, *offer);
            spdlog::info("call {}: answered (late offer, waiting for the answer in the ACK)",
                         c.a_call_id);
            return;
        }
        auto answer = media_.answer(c.a_call_id, CallLeg::kB, r.body(), policy(c));
        if (!answer) {
            spdlog::warn("call {}: answer failed: {}", c.a_call_id, answer.error());
            fail(500, "Server Internal Error (media)", "media-error");
            return;
        }
        c.b_early_sdp = std::string(r.body());
        // Every flow of the call in one batch BEFORE the 200 goes to A, and before B's ACK: a UAS
        // may start sending media as soon as it has the ACK.
        if (auto ok = media_.commit(c.a_call_id); !ok) {
            spdlog::error("call {}: programming flows failed: {}", c.a_call_id, ok.error());
            fail(500, "Server Internal Error (data plane)", "dataplane-error");
            return;
        }
        send_b_ack(c, *c.b_dialog, {});
        answer_a(c, *answer);
        journal_call(c);
        spdlog::info("call {}: answered", c.a_call_id);
        return;
    }
    // Final failure from B.
    c.b_final = true;
    if (c.ended || c.a_final_sent) return;
    std::uint16_t out = status;
    std::string reason(r.reason());
    if (status == 503) {  // RFC 3261 16.7 step 6: our upstream must not think WE are overloaded
        out = 500;
        reason = "Server Internal Error (next hop unavailable)";
    }
    respond_a(c, out, reason);
    finish(c, "rejected-" + std::to_string(status));
}

void B2bua::on_stray_response(const TxnAction& a) {
    const SipMessageView& r = *a.message;
    auto cseq = r.cseq();
    auto cid = r.call_id();
    if (!cseq || !cid || cseq->method != Method::kInvite || r.status_code() < 200 ||
        r.status_code() >= 300)
        return;
    CallLeg leg;
    Call* c = find_by_call_id(*cid, &leg);
    if (c == nullptr || leg != CallLeg::kB || !c->b_forks) return;
    on_b_invite_response(*c, r);
}

void B2bua::on_failure(const TxnAction& a) {
    Role role;
    Call* c = find_by_txn(a.txn, &role);
    if (c == nullptr) return;
    bool timeout = a.kind == TxnActionKind::kTimeout;
    if (role == Role::kBInvite) {
        c->b_final = true;
        if (c->ended || c->a_final_sent) return;
        respond_a(*c, timeout ? 408 : 503, timeout ? "Request Timeout" : "Service Unavailable");
        finish(*c, timeout ? "b-timeout" : "b-unreachable");
    } else if (role == Role::kRelayClient) {
        auto it = c->relays.find(txn_key(a.txn));
        if (it == c->relays.end()) return;
        auto request = SipMessageView::parse(it->second.request_raw);
        TxnHandle server = it->second.server;
        CallLeg to = other(it->second.from);
        Dialog* d = to == CallLeg::kA ? (c->a_dialog ? &*c->a_dialog : nullptr) : c->b_dialog;
        if (d != nullptr && it->second.invite) d->local_invite_finished();
        c->relays.erase(it);
        if (request) respond_simple(server, *request, 408);
        if (!c->ended) end_both(*c, "in-dialog-timeout");
    }
}

// --- ending -----------------------------------------------------------------------------------

void B2bua::end_both(Call& c, std::string_view reason) {
    if (c.ended) return;
    spdlog::info("call {}: ending ({})", c.a_call_id, reason);
    if (!c.a_final_sent) {
        respond_a(c, 480, "Temporarily Unavailable");
        send_b_cancel(c);
    } else {
        send_bye(c, CallLeg::kA);
    }
    if (c.b_dialog != nullptr) send_bye(c, CallLeg::kB);
    finish(c, reason);
}

void B2bua::finish(Call& c, std::string_view reason) {
    if (c.ended) return;
    c.ended = true;
    c.state = CallState::kEnded;
    c.end_reason = std::string(reason);
    c.end_ms = unix_ms();
    --active_;
    if (c.answer_ms == 0 && reason != "cancelled") ++counters_.calls_failed;
    settle_b_ack(c);
    if (c.journaled) journal_end(c);
    if (media_linger_.count() == 0) {
        // The statistics, the record and the deletes of every call ended in this loop pass go
        // together at its end (one stats query and one delete batch, see flush_files()).
        c.released = true;
        media_.end_call(c.a_call_id,
                        [this, id = c.id](const std::optional<std::array<LegMediaStats, 2>>& s) {
                            if (auto it = calls_.find(id); it != calls_.end())
                                write_record(*it->second, s);
                        });
        schedule_flush();
    } else {
        // The flows stay a moment (media_linger_) so that RTP already in flight is still relayed
        // rather than counted as no_flow drops; the call record has the statistics of now.
        auto stats = media_.stats(c.a_call_id);
        releases_.push_back(PendingRelease{loop_.now() + media_linger_, c.id});
        if (t_releases_ == 0)
            t_releases_ = loop_.add_timer(media_linger_, [this] { on_releases_due(); });
        write_record(c, stats);
    }
    for (auto* t : {&c.t_duration, &c.t_no_answer, &c.t_retx, &c.t_rel}) {
        if (*t != 0) loop_.cancel_timer(*t);
        *t = 0;
    }
    stop_re2xx(c, CallLeg::kA);
    stop_re2xx(c, CallLeg::kB);
    // What the lingering call no longer needs (it lingers 64*T1: at thousands of calls/s that is
    // tens of thousands of calls).
    c.a_invite_raw = std::string();
    c.a_2xx = std::string();
    c.b_2xx_raw = std::string();
    c.b_early_sdp = std::string();
    c.a_rel_queue.clear();
    if (c.a_final_sent) c.a_invite = SipMessage{};
    // Linger to absorb retransmissions (and a forked 2xx) for 64*T1, then forget the call.
    arm(c, c.t_linger, 64 * config_.timers.t1, &B2bua::on_linger);
}

void B2bua::write_record(const Call& c, const std::optional<std::array<LegMediaStats, 2>>& stats) {
    std::string line;
    line.reserve(512);
    flowapi::JsonOut o(line);
    o.begin_object()
        .member("call_id", c.a_call_id)
        .member("b_call_id", c.b_call_id)
        .member("from", c.from)
        .member("to", c.to)
        .member("route", c.route != nullptr ? std::string_view(c.route->name) : std::string_view())
        .member("start_ms", c.start_ms);
    o.key("answer_ms");
    if (c.answer_ms == 0)
        o.null();
    else
        o.value(c.answer_ms);
    o.member("end_ms", c.end_ms)
        .member("duration_s",
                c.answer_ms == 0 ? 0.0 : static_cast<double>(c.end_ms - c.answer_ms) / 1000.0)
        .member("status", c.final_status)
        .member("end_reason", c.end_reason);
    o.key("legs").begin_object();
    for (std::size_t i = 0; i < 2; ++i) {
        o.key(i == 0 ? "a" : "b");
        if (!stats) {
            o.null();
            continue;
        }
        const LegMediaStats& s = (*stats)[i];
        o.begin_object()
            .member("packets", s.packets)
            .member("bytes", s.bytes)
            .member("lost", s.lost)
            .member("errors", s.errors)
            .member("jitter_ms", s.jitter_ms)
            .member("mos", s.mos)
            .member("codec", s.codec)
            .end_object();
    }
    o.end_object().end_object();
    if (records_.is_open()) {
        records_ << line << '\n';
        schedule_flush();
    }
    if (record_hook_) record_hook_(line);
    ++counters_.records_written;
}

void B2bua::on_duration(std::uint64_t id) {
    auto it = calls_.find(id);
    if (it == calls_.end()) return;
    it->second->t_duration = 0;
    ++counters_.calls_ended_timeout;
    end_both(*it->second, "max-duration");
}

void B2bua::on_no_answer(std::uint64_t id) {
    auto it = calls_.find(id);
    if (it == calls_.end()) return;
    it->second->t_no_answer = 0;
    Call& c = *it->second;
    if (c.a_final_sent || c.ended) return;
    respond_a(c, 408, "Request Timeout (no answer)");
    send_b_cancel(c);
    finish(c, "no-answer");
}

void B2bua::release_media(Call& c) {
    if (c.released) return;
    c.released = true;
    media_.release(c.a_call_id);
}

// The calls whose linger is over (and those due within 50 ms) are torn down together: one flow
// batch, one data-plane round trip, however many calls ended in that time.
void B2bua::on_releases_due() {
    t_releases_ = 0;
    auto horizon = loop_.now() + milliseconds(50);
    std::vector<std::string> batch;
    while (!releases_.empty() && releases_.front().due <= horizon) {
        auto it = calls_.find(releases_.front().call);
        releases_.pop_front();
        if (it == calls_.end() || it->second->released) continue;
        it->second->released = true;
        batch.push_back(it->second->a_call_id);
    }
    if (!batch.empty()) media_.release_many(batch);
    if (!releases_.empty()) {
        auto delay = std::chrono::duration_cast<milliseconds>(releases_.front().due - loop_.now());
        t_releases_ =
            loop_.add_timer(std::max(milliseconds(1), delay), [this] { on_releases_due(); });
    }
}

void B2bua::flush_releases() {
    std::vector<std::string> batch;
    for (auto& [id, c] : calls_) {
        if (!c->ended || c->released) continue;
        c->released = true;
        batch.push_back(c->a_call_id);
    }
    releases_.clear();
    if (t_releases_ != 0) loop_.cancel_timer(t_releases_);
    t_releases_ = 0;
    if (!batch.empty()) media_.release_many(batch);
}

void B2bua::on_linger(std::uint64_t id) {
    auto it = calls_.find(id);
    if (it == calls_.end()) return;
    Call& c = *it->second;
    c.t_linger = 0;
    release_media(c);
    by_call_id_.erase(c.a_call_id);
    by_call_id_.erase(c.b_call_id);
    // The call's own transactions only (a scan of every transaction per call was quadratic
    // under load: tens of thousands of calls linger at a few thousand calls/s).
    for (std::uint64_t key : c.txn_keys)
        if (auto t = txns_.find(key); t != txns_.end() && t->second.call == id) txns_.erase(t);
    calls_.erase(it);
}

void B2bua::end_all(std::string_view reason) {
    std::vector<std::uint64_t> ids;
    for (auto& [id, c] : calls_)
        if (!c->ended) ids.push_back(id);
    for (auto id : ids) end_both(*calls_[id], reason);
    media_.flush_ended();
    flush_releases();
}

void B2bua::poll_media_events() {
    for (auto& [call_id, ev] : media_.drain_events()) {
        if (ev.kind != flowapi::EventKind::kInactivity) {
            spdlog::debug("call {}: data-plane event {}", call_id, flowapi::to_string(ev.kind));
            continue;
        }
        CallLeg leg;
        Call* c = find_by_call_id(call_id, &leg);
        if (c == nullptr || c->ended) continue;
        spdlog::info("call {}: media inactive on {} for {} ms", call_id, flowapi::to_string(ev.key),
                     ev.value);
        ++counters_.calls_ended_timeout;
        end_both(*c, "media-timeout");
    }
}

// --- journal ----------------------------------------------------------------------------------

namespace {

void write_call_entry(flowapi::JsonOut& o, const B2bua::Call& c);

}  // namespace

void B2bua::journal_call(Call& c) {
    if (!journal_.is_open() || c.ended) return;
    std::string line;
    line.reserve(8192);
    flowapi::JsonOut o(line);
    o.begin_object();
    write_call_entry(o, c);
    // The media session is spliced in as a JSON object (its own text), not as an escaped string.
    if (auto media = media_.save(c.a_call_id)) o.key("media").raw(*media);
    o.end_object();
    line += '\n';
    journal_ << line;
    schedule_flush();
    c.journaled = true;
}

void B2bua::journal_end(const Call& c) {
    if (!journal_.is_open()) return;
    std::string line;
    flowapi::JsonOut(line)
        .begin_object()
        .member("op", "end")
        .member("a_call_id", c.a_call_id)
        .end_object();
    line += '\n';
    journal_ << line;
    schedule_flush();
}

// The journal and the records are written (write(2)) once per loop iteration rather than once
// per line: under load one write carries many calls. What a kill -9 can lose is what the current
// iteration produced; a clean stop flushes.
void B2bua::schedule_flush() {
    if (t_flush_ != 0) return;
    t_flush_ = loop_.add_timer(milliseconds(0), [this] {
        t_flush_ = 0;
        flush_files();
    });
}

void B2bua::flush_files() {
    media_.flush_ended();
    if (journal_.is_open()) journal_.flush();
    if (records_.is_open()) records_.flush();
}

namespace {

std::string peer_text(const TxnPeer& p) {
    return SipStack::address_of(p).to_string();
}

// The members of a call's journal line (restore_journal() reads them).
void write_call_entry(flowapi::JsonOut& o, const B2bua::Call& c) {
    o.member("op", "call")
        .member("a_call_id", c.a_call_id)
        .member("b_call_id", c.b_call_id)
        .member("from", c.from)
        .member("to", c.to)
        .member("route", c.route != nullptr ? std::string_view(c.route->name) : std::string_view())
        .member("start_ms", c.start_ms)
        .member("answer_ms", c.answer_ms)
        .member("a_invite", c.a_invite_raw)
        .member("a_tag", c.a_tag)
        .member("a_listener", SipStack::listener_of(c.a_peer))
        .member("a_peer", peer_text(c.a_peer))
        .member("b_invite", c.b_forks->invite().serialize())
        .member("b_2xx", c.b_2xx_raw)
        .member("b_listener", SipStack::listener_of(c.b_peer))
        .member("b_peer", peer_text(c.b_peer));
}

}  // namespace

void B2bua::restore_journal() {
    std::ifstream in(config_.journal_path);
    if (!in) return;
    std::vector<std::string> order;
    std::unordered_map<std::string, nlohmann::json> live;
    std::string line;
    while (std::getline(in, line)) {
        auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_discarded() || !j.contains("a_call_id")) continue;  // a torn last line
        std::string id = j.value("a_call_id", "");
        if (j.value("op", "") == "end") {
            live.erase(id);
        } else {
            if (!live.contains(id)) order.push_back(id);
            live[id] = std::move(j);
        }
    }
    in.close();
    std::size_t restored = 0;
    for (const std::string& id : order) {
        auto it = live.find(id);
        if (it == live.end()) continue;
        const nlohmann::json& j = it->second;
        auto fail = [&](const char* what) {
            spdlog::warn("journal: call {} not restored: {}", id, what);
            live.erase(it);
        };
        std::size_t al = j.value("a_listener", std::size_t{0}),
                    bl = j.value("b_listener", std::size_t{0});
        if (al >= stack_.listener_count() || bl >= stack_.listener_count()) {
            fail("listener gone");
            continue;
        }
        auto c = std::make_unique<Call>();
        c->id = next_call_++;
        c->a_call_id = id;
        c->b_call_id = j.value("b_call_id", "");
        c->from = j.value("from", "");
        c->to = j.value("to", "");
        for (const auto& r : config_.routes)
            if (r.name == j.value("route", "")) c->route = &r;
        c->start_ms = j.value("start_ms", std::int64_t{0});
        c->answer_ms = j.value("answer_ms", std::int64_t{0});
        c->a_invite_raw = j.value("a_invite", "");
        c->a_tag = j.value("a_tag", "");
        c->b_2xx_raw = j.value("b_2xx", "");
        std::string b_invite_raw = j.value("b_invite", "");
        auto a_inv = SipMessageView::parse(c->a_invite_raw);
        auto b_inv = SipMessageView::parse(b_invite_raw);
        auto b_ok = SipMessageView::parse(c->b_2xx_raw);
        auto a_addr = SockAddr::parse(j.value("a_peer", ""));
        auto b_addr = SockAddr::parse(j.value("b_peer", ""));
        if (!a_inv || !b_inv || !b_ok || !a_addr || !b_addr) {
            fail("unparseable entry");
            continue;
        }
        c->a_invite = SipMessage::from_view(*a_inv);
        c->a_listener = al;
        c->b_listener = bl;
        c->a_peer = SipStack::make_peer(al, stack_.listener(al).config.proto, *a_addr);
        c->b_peer = SipStack::make_peer(bl, stack_.listener(bl).config.proto, *b_addr);
        auto ad = Dialog::create_uas(*a_inv, c->a_tag, uri_without_brackets(contact_for(al)),
                                     DialogState::kConfirmed);
        if (!ad) {
            fail("A dialog");
            continue;
        }
        c->a_dialog = std::move(*ad);
        c->b_forks.emplace(SipMessage::from_view(*b_inv));
        ForkResult fr = c->b_forks->on_response(*b_ok);
        if (fr.dialog == nullptr) {
            fail("B dialog");
            continue;
        }
        c->b_dialog = fr.dialog;
        c->state = CallState::kConfirmed;
        c->a_acked = c->a_final_sent = c->b_final = c->b_provisional = true;
        c->final_status = 200;
        c->journaled = true;
        // "media": the session's JSON object (older journals: the same as a string).
        std::string media_text = j.contains("media") && j["media"].is_string()
                                     ? j["media"].get<std::string>()
                                 : j.contains("media") && j["media"].is_object() ? j["media"].dump()
                                                                                 : std::string();
        if (media_text.empty() || !media_.restore(id, media_text))
            spdlog::warn("journal: call {}: no media session (flows are not managed)", id);
        std::uint64_t cid = c->id;
        by_call_id_[c->a_call_id] = cid;
        by_call_id_[c->b_call_id] = cid;
        calls_[cid] = std::move(c);
        ++active_;
        ++restored;
        if (config_.limits.max_duration_s != 0) {
            std::int64_t left = static_cast<std::int64_t>(config_.limits.max_duration_s) * 1000 -
                                (unix_ms() - calls_[cid]->answer_ms);
            arm(*calls_[cid], calls_[cid]->t_duration,
                milliseconds(std::max<std::int64_t>(left, 1)), &B2bua::on_duration);
        }
    }
    if (restored != 0) media_.reattach();
    counters_.calls_restored = restored;
    // Compaction: only the live calls' last lines remain.
    std::string tmp = config_.journal_path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        for (const std::string& id : order)
            if (auto it = live.find(id); it != live.end()) out << it->second.dump() << '\n';
    }
    std::rename(tmp.c_str(), config_.journal_path.c_str());
    spdlog::info("journal: {} calls restored from {}", restored, config_.journal_path);
}

B2buaSnapshot B2bua::snapshot() const {
    B2buaSnapshot s;
    s.counters = counters_;
    s.sip = stack_.counters();
    s.transport = stack_.transport_counters();
    std::int64_t sec =
        std::chrono::duration_cast<std::chrono::seconds>(loop_.now().time_since_epoch()).count();
    s.calls_per_second = sec == cps_second_       ? cps_previous_
                         : sec == cps_second_ + 1 ? cps_current_
                                                  : 0;
    for (const auto& [id, c] : calls_) {
        if (c->ended) continue;
        s.calls.push_back(CallInfo{c->id, c->a_call_id, c->b_call_id, c->from, c->to, c->state,
                                   c->start_ms, c->answer_ms,
                                   c->route != nullptr ? c->route->name : ""});
    }
    std::sort(s.calls.begin(), s.calls.end(),
              [](const CallInfo& a, const CallInfo& b) { return a.id < b.id; });
    return s;
}

}  // namespace rtpx::cp
