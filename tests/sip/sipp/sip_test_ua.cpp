// sip_test_ua: a small SIP user agent built on the whole of sip/ (UDP/TCP transports on an
// EventLoop, the sans-IO TransactionLayer, Dialog, InviteForks, PRACK, session timers, digest),
// for scenario tests against real sipp (tests/sip/sipp/run_ua_sipp.sh) or against itself.
//
//   sip_test_ua --role uas|uac --scenario NAME --proto udp|tcp --listen ADDR:PORT
//               [--remote ADDR:PORT] [--calls N] [--t1 MS] [--time-scale K] [--auth www|proxy]
//               [--algorithms md5,sha256] [--port-file F] [--timeout S]
//   sip_test_ua --free-port ADDR      prints a port free for both UDP and TCP on ADDR
//
// UAS scenarios (the peer calls): basic, cancel, prack, reinvite, auth, glare, 2xx_retrans,
// ack_timeout, session_timer. UAC scenarios (this UA calls --remote): basic, cancel, prack,
// reinvite, auth, glare. Each call follows the scenario; the UA checks what it saw (a counter per
// step) and exits 0 when every call completed as the scenario says, 1 otherwise. A UAS runs until
// SIGTERM (or --timeout) and then checks; a UAC stops after its calls. The last stdout line is
// "result=pass|fail" preceded by the counters.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>

#include "rtpx/sip/auth/digest.hpp"
#include "rtpx/sip/builder.hpp"
#include "rtpx/sip/dialog/dialog.hpp"
#include "rtpx/sip/dialog/invite_forks.hpp"
#include "rtpx/sip/dialog/prack.hpp"
#include "rtpx/sip/dialog/session_timer.hpp"
#include "rtpx/sip/dialog/timers.hpp"
#include "rtpx/sip/sdp/session.hpp"
#include "rtpx/sip/transaction/layer.hpp"
#include "rtpx/sip/transport/stream_transport.hpp"
#include "rtpx/sip/transport/txn_peer.hpp"
#include "rtpx/sip/transport/udp_transport.hpp"

namespace {

using namespace rtpx::sip;
using Ms = std::chrono::milliseconds;

EventLoop* g_loop = nullptr;
void on_signal(int) {
    if (g_loop != nullptr) g_loop->stop();
}

struct Options {
    bool uas = true;
    std::string scenario = "basic";
    TransportProto proto = TransportProto::kUdp;
    SockAddr listen = SockAddr::ipv4_loopback(0);
    std::optional<SockAddr> remote;
    int calls = 1;
    int t1_ms = 500;
    int time_scale = 1;  // session timers run this many times faster than the wall clock
    std::string auth;    // "", "www", "proxy"
    std::vector<DigestAlgorithm> algorithms{DigestAlgorithm::kSha256, DigestAlgorithm::kMd5};
    std::string port_file;
    int timeout_s = 30;
};

constexpr std::string_view kUser = "alice";
constexpr std::string_view kPassword = "secret";
constexpr std::string_view kRealm = "rtpx.test";

std::string sdp_body(const SockAddr& local, int version) {
    const std::string ip = local.host_string();
    const char* family = local.is_ipv6() ? "IP6" : "IP4";
    return "v=0\r\no=rtpx 1 " + std::to_string(version) + " IN " + family + " " + ip +
           "\r\ns=-\r\nc=IN " + family + " " + ip +
           "\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
}

Ms wall_ms() {
    return std::chrono::duration_cast<Ms>(EventLoop::Clock::now().time_since_epoch());
}

// The numeric address of a SIP URI (the remote target).
std::optional<SockAddr> uri_address(std::string_view uri_text) {
    auto uri = UriView::parse(uri_text);
    if (!uri) return std::nullopt;
    return SockAddr::from_host(uri->host, uri->port.value_or(5060));
}

struct Counters {
    std::map<std::string, std::uint64_t> n;
    void add(const std::string& k, std::uint64_t v = 1) { n[k] += v; }
    std::uint64_t get(const std::string& k) const {
        auto it = n.find(k);
        return it == n.end() ? 0 : it->second;
    }
};

// What a client transaction of this UA was for.
enum class Purpose { kInvite, kReinvite, kUpdate, kBye, kCancel, kPrack };

struct ClientTxn {
    std::string call_id;
    Purpose purpose;
    SipMessage request;
};

struct Call {
    std::string call_id;
    ConnectionId connection = 0;  // stream: the connection the dialog runs on
    SockAddr peer_addr;           // where requests go when the remote target is not numeric
    std::optional<Dialog> dialog;
    // UAS: the INVITE server transaction, the To tag, the 2xx retransmitted until the ACK.
    TxnHandle invite_txn;
    std::string local_tag;
    std::optional<SipMessage> invite;  // the received INVITE (UAS) as an owned copy
    std::optional<SipMessage> last_2xx;
    TxnHandle last_2xx_txn;
    std::optional<Retransmitter> retrans_2xx;
    bool initial_2xx = true;  // the pending 2xx answers the dialog-creating INVITE
    std::optional<ReliableProvisionalSender> prack_sender;
    // UAC: the INVITE as sent and its forks; the ACK of the 2xx (re-sent on retransmissions).
    std::optional<InviteForks> forks;
    PrackTracker prack_tracker;
    std::string ack_bytes;
    std::uint32_t reinvite_cseq = 0;
    bool cancel_sent = false;
    // Session timer (RFC 4028), in scaled time.
    SessionTimer session_timer;
    EventLoop::TimerId session_timer_id = 0;
    int step = 0;  // scenario progress
    bool finished = false;
};

class Ua final : public TransportUser, public TxnActionSink {
  public:
    Ua(EventLoop& loop, Options opt)
        : loop_(loop),
          opt_(std::move(opt)),
          layer_(txn_config(opt_)),
          dialog_timers_{Ms(opt_.t1_ms), Ms(std::max(4000, opt_.t1_ms * 8))},
          digest_(server_config(opt_)),
          rng_(std::random_device{}()) {}

    ~Ua() override {
        for (auto& [key, id] : txn_timers_) loop_.cancel_timer(id);
    }

    bool open(std::string& error) {
        if (opt_.proto == TransportProto::kUdp) {
            auto t = UdpTransport::open(loop_, *this, UdpConfig{opt_.listen});
            if (!t) {
                error = std::strerror(t.error());
                return false;
            }
            udp_ = std::move(*t);
            local_ = udp_->local();
        } else {
            StreamConfig sc;
            sc.proto = opt_.proto;
            sc.listen = opt_.listen;
            auto t = StreamTransport::open(loop_, *this, sc);
            if (!t) {
                error = t.error();
                return false;
            }
            stream_ = std::move(*t);
            local_ = stream_->local();
        }
        via_.transport = std::string(to_string(opt_.proto));
        via_.sent_by = local_.to_string();
        via_.rport = true;
        contact_uri_ = "sip:ua@" + local_.to_string();
        if (opt_.proto == TransportProto::kTcp) contact_uri_ += ";transport=tcp";
        return true;
    }

    [[nodiscard]] const SockAddr& local() const noexcept { return local_; }

    void start() {
        if (!opt_.uas) start_call();
    }

    // --- checks ---------------------------------------------------------------------------------
    bool passed() const {
        const auto calls = static_cast<std::uint64_t>(opt_.calls);
        bool ok = c_.get("failures") == 0 && c_.get("completed") == calls;
        const std::string& s = opt_.scenario;
        if (s == "prack") ok = ok && c_.get("prack_acknowledged") >= calls;
        if (s == "reinvite") ok = ok && c_.get("target_refreshes") >= 2 * calls;
        if (s == "auth") ok = ok && c_.get("auth_ok") == calls && c_.get("challenges") >= calls;
        if (s == "glare") ok = ok && c_.get("sent_491") >= calls && c_.get("got_491") >= calls;
        if (s == "2xx_retrans") ok = ok && c_.get("retransmitted_2xx") >= calls;
        if (s == "ack_timeout") ok = ok && c_.get("ack_timeouts") == calls;
        if (s == "session_timer") ok = ok && c_.get("session_refreshes") >= calls;
        if (s == "cancel") ok = ok && c_.get("cancelled") == calls;
        return ok;
    }
    void print() const {
        for (const auto& [k, v] : c_.n) std::cout << k << "=" << v << " ";
        const TransportCounters& t = udp_ ? udp_->counters() : stream_->counters();
        std::cout << "transport_received=" << t.received_messages
                  << " transport_sent=" << t.sent_messages
                  << " txn_retransmissions=" << layer_.counters().retransmissions << "\n"
                  << "result=" << (passed() ? "pass" : "fail") << "\n";
    }

    // --- TransportUser --------------------------------------------------------------------------
    void on_message(const ReceivedMessage& m) override {
        if (auto id = m.message.call_id(); id && m.connection != 0) {
            if (auto it = calls_.find(std::string(*id)); it != calls_.end())
                it->second.connection = m.connection;
        }
        layer_.on_message(m.message, txn_peer(m.remote, m.proto, m.connection), loop_.now(), *this);
        drain();
    }
    void on_transport_error(const TransportError& e) override {
        c_.add("transport_errors");
        std::cerr << "transport error: " << to_string(e.code) << " " << e.remote.to_string()
                  << "\n";
    }

    // --- TxnActionSink --------------------------------------------------------------------------
    void emit(const TxnAction& a) noexcept override {
        switch (a.kind) {
            case TxnActionKind::kSend:
                if (!send_bytes(a.peer, a.bytes)) failed_.push_back(a.txn);
                return;
            case TxnActionKind::kArmTimer: {
                const std::uint64_t key = timer_key(a.txn, a.timer);
                if (auto it = txn_timers_.find(key); it != txn_timers_.end())
                    loop_.cancel_timer(it->second);
                auto delay = a.due - loop_.now();
                if (delay.count() < 0) delay = {};
                TxnHandle txn = a.txn;
                TimerName name = a.timer;
                txn_timers_[key] = loop_.add_timer(delay, [this, key, txn, name] {
                    txn_timers_.erase(key);
                    layer_.on_timer(txn, name, loop_.now(), *this);
                    drain();
                });
                return;
            }
            case TxnActionKind::kCancelTimer:
                if (auto it = txn_timers_.find(timer_key(a.txn, a.timer));
                    it != txn_timers_.end()) {
                    loop_.cancel_timer(it->second);
                    txn_timers_.erase(it);
                }
                return;
            default: pending_.push_back(a); return;
        }
    }

  private:
    static TransactionConfig txn_config(const Options& o) {
        TransactionConfig t;
        t.timers.t1 = TxnDuration(o.t1_ms);
        t.timers.d = TxnDuration(64 * o.t1_ms);
        t.trying = TryingPolicy::kAfterDelay;  // RFC 3261 17.2.1: 100 only when the TU is slow
        t.capacity = 1024;
        return t;
    }
    static DigestServerConfig server_config(const Options& o) {
        DigestServerConfig c;
        c.realm = std::string(kRealm);
        std::random_device rd;
        for (auto& b : c.secret) b = static_cast<std::uint8_t>(rd());
        c.algorithms = o.algorithms;
        return c;
    }
    static std::uint64_t timer_key(TxnHandle h, TimerName t) noexcept {
        return (std::uint64_t{h.index} << 8) | static_cast<std::uint64_t>(t);
    }

    void fail(const std::string& what) {
        c_.add("failures");
        std::cerr << "FAIL: " << what << "\n";
    }

    bool send_bytes(const TxnPeer& peer, std::string_view bytes) {
        SendTarget target{opt_.proto, peer_address(peer), peer.connection};
        if (bytes.starts_with("SIP/2.0 ")) {
            auto view = SipMessageView::parse(bytes);
            if (!view) return false;
            auto rt = response_target(*view, peer.connection);
            if (!rt) return false;
            target = *rt;
        }
        return udp_ ? udp_->send(target.remote, bytes).has_value()
                    : stream_->send(target, bytes).has_value();
    }

    void drain() {
        if (draining_) return;
        draining_ = true;
        while (!pending_.empty() || !failed_.empty()) {
            if (!failed_.empty()) {
                TxnHandle h = failed_.back();
                failed_.pop_back();
                layer_.on_transport_error(h, loop_.now(), *this);
                continue;
            }
            TxnAction a = pending_.front();
            pending_.erase(pending_.begin());
            on_tu(a);
        }
        draining_ = false;
        if (!opt_.uas && done_calls_ >= opt_.calls && !stopping_) {
            // Linger a little: the peer may still be finishing (and a stream peer would see the
            // connection close under it).
            stopping_ = true;
            loop_.add_timer(Ms(300), [this] { loop_.stop(); });
        }
    }

    void on_tu(const TxnAction& a) {
        switch (a.kind) {
            case TxnActionKind::kRequest: on_request(a); break;
            case TxnActionKind::kStrayAck: on_ack(*a.message); break;
            case TxnActionKind::kResponse:
            case TxnActionKind::kStrayResponse: on_response(a); break;
            case TxnActionKind::kTimeout:
            case TxnActionKind::kTransportError: {
                auto it = client_.find(key_of(a.txn));
                if (it != client_.end()) {
                    fail("transaction timeout/transport error for " + it->second.request.method);
                    finish(it->second.call_id);
                }
                break;
            }
            case TxnActionKind::kTerminated: client_.erase(key_of(a.txn)); break;
            default: break;
        }
    }

    static std::uint64_t key_of(TxnHandle h) noexcept {
        return (std::uint64_t{h.generation} << 32) | h.index;
    }

    // --- sending --------------------------------------------------------------------------------
    void respond(TxnHandle txn, const SipMessage& r) {
        if (!layer_.respond(txn, r, loop_.now(), *this))
            fail("respond " + std::to_string(r.status));
        drain();
    }

    void add_contact(SipMessage& m) const { m.add(HeaderId::kContact, "<" + contact_uri_ + ">"); }

    TxnPeer request_peer(const Call& call, std::string_view request_uri) const {
        auto addr = uri_address(request_uri);
        return txn_peer(addr ? *addr : call.peer_addr, opt_.proto, call.connection);
    }

    bool start_client(Call& call, Purpose purpose, const SipMessage& request) {
        auto h = layer_.start_client(request, request_peer(call, request.request_uri), loop_.now(),
                                     *this);
        if (!h) {
            fail("start_client " + request.method + ": " + std::string(to_string(h.error())));
            return false;
        }
        client_[key_of(*h)] = ClientTxn{call.call_id, purpose, request};
        drain();
        return true;
    }

    void send_in_dialog(Call& call, Purpose purpose, std::string_view method, bool with_sdp) {
        if (!call.dialog) return;
        SipMessage r = with_sdp ? call.dialog->make_request(method, via_, "application/sdp",
                                                            sdp_body(local_, ++sdp_version_))
                                : call.dialog->make_request(method, via_);
        if (purpose == Purpose::kReinvite) {
            call.dialog->local_invite_started();
            call.reinvite_cseq = call.dialog->local_cseq().value_or(0);
        }
        if (opt_.scenario == "session_timer" && purpose != Purpose::kBye) {
            add_session_timer_headers(r, 90, kMinSessionExpires, Refresher::kUac);
            c_.add("session_refreshes");
        }
        start_client(call, purpose, r);
    }

    void send_stateless(const Call& call, std::string_view request_uri, std::string_view bytes) {
        if (!send_bytes(request_peer(call, request_uri), bytes)) fail("stateless send");
    }

    void finish(const std::string& call_id) {
        auto it = calls_.find(call_id);
        if (it == calls_.end() || it->second.finished) return;
        it->second.finished = true;
        if (it->second.session_timer_id != 0) loop_.cancel_timer(it->second.session_timer_id);
        ++done_calls_;
        if (!opt_.uas && done_calls_ < opt_.calls) {
            loop_.add_timer(Ms(20), [this] { start_call(); });
        }
    }

    void complete(Call& call) {
        c_.add("completed");
        finish(call.call_id);
    }

    // --- UAS ------------------------------------------------------------------------------------
    void on_request(const TxnAction& a) {
        const SipMessageView& m = *a.message;
        std::string call_id(m.call_id().value_or(""));
        auto to = m.to();
        const bool in_dialog = to && !to->tag().empty();
        switch (m.method()) {
            case Method::kInvite:
                if (!in_dialog) return on_initial_invite(a, call_id);
                break;
            case Method::kCancel: return on_cancel(a, call_id);
            case Method::kAck: return on_ack(m);
            case Method::kOptions: return respond(a.txn, make_response(m, 200));
            default: break;
        }
        auto it = calls_.find(call_id);
        if (it == calls_.end() || !it->second.dialog || !it->second.dialog->matches_request(m)) {
            return respond(a.txn, make_response(m, 481));
        }
        Call& call = it->second;
        InDialogCheck check = call.dialog->on_request(m);
        if (!check.accepted()) {
            SipMessage r = make_response(m, check.status, check.reason);
            if (check.retry_after != 0)
                r.add(HeaderId::kRetryAfter, std::to_string(check.retry_after));
            if (check.status == 491) c_.add("sent_491");
            return respond(a.txn, r);
        }
        switch (m.method()) {
            case Method::kInvite: {  // re-INVITE: a target refresh (RFC 3261 12.2.2)
                c_.add("target_refreshes");
                SipMessage r = make_response(m, 200);
                add_contact(r);
                r.add(HeaderId::kContentType, "application/sdp");
                r.body = sdp_body(local_, ++sdp_version_);
                send_2xx(call, a.txn, r, /*initial=*/false);
                call.dialog->remote_invite_finished();
                return;
            }
            case Method::kUpdate: {  // RFC 3311 5.2
                c_.add("target_refreshes");
                SipMessage r = make_response(m, 200);
                add_contact(r);
                if (opt_.scenario == "session_timer") apply_session_timer(call, m, r);
                respond(a.txn, r);
                if (opt_.scenario == "reinvite" && opt_.uas) {
                    // Check the refreshed target: the BYE goes to the UPDATE's Contact.
                    send_in_dialog(call, Purpose::kBye, "BYE", false);
                }
                return;
            }
            case Method::kPrack: {
                std::uint16_t status = call.prack_sender ? call.prack_sender->on_prack(m) : 481;
                respond(a.txn, make_response(m, status));
                if (status == 200) {
                    c_.add("prack_acknowledged");
                    answer_invite(call);
                }
                return;
            }
            case Method::kBye:
                respond(a.txn, make_response(m, 200));
                if (call.retrans_2xx && !call.retrans_2xx->done()) fail("BYE before the ACK");
                complete(call);
                return;
            default: respond(a.txn, make_response(m, 501)); return;
        }
    }

    void on_initial_invite(const TxnAction& a, const std::string& call_id) {
        const SipMessageView& m = *a.message;
        if (!m.body().empty() && !sdp::parse(m.body())) fail("unparseable SDP offer");
        if (opt_.scenario == "auth") {
            const bool proxy = opt_.auth == "proxy";
            const auto now = std::chrono::duration_cast<std::chrono::seconds>(wall_ms());
            DigestVerification v = digest_.verify(
                m, now,
                [](std::string_view user, DigestAlgorithm alg) -> std::optional<std::string> {
                    if (user != kUser) return std::nullopt;
                    return digest_ha1(alg, kUser, kRealm, kPassword);
                },
                proxy);
            if (v.verdict != DigestVerdict::kOk) {
                if (v.verdict != DigestVerdict::kMissing)
                    std::cerr << "digest verdict: " << to_string(v.verdict) << "\n";
                c_.add("challenges");
                return respond(a.txn, digest_.make_challenge_response(m, now, proxy));
            }
            c_.add("auth_ok");
        }
        Call& call = calls_[call_id];
        call = Call{};
        call.call_id = call_id;
        call.invite_txn = a.txn;
        call.connection = a.peer.connection;
        call.peer_addr = peer_address(a.peer);
        call.local_tag = make_tag();
        call.invite = SipMessage::from_view(m);
        auto dialog = Dialog::create_uas(m, call.local_tag, contact_uri_, DialogState::kEarly);
        if (!dialog) return fail(std::string("create_uas: ") + dialog.error().what);
        call.dialog = std::move(*dialog);
        const std::string& s = opt_.scenario;
        if (s == "prack") {
            if (reliability_requested(m) == ReliabilityRequest::kNone) {
                fail("INVITE without 100rel");
                return respond(a.txn, make_response(m, 500));
            }
            SipMessage r = make_response(m, 183, {}, call.local_tag);
            add_contact(r);
            r.add(HeaderId::kContentType, "application/sdp");
            r.body = sdp_body(local_, ++sdp_version_);
            call.prack_sender.emplace(dialog_timers_, random_initial_rseq());
            if (!call.prack_sender->send(r, wall_ms())) fail("reliable 183 refused");
            respond(a.txn, r);
            arm_prack_timer(call_id);
            return;
        }
        SipMessage ringing = make_response(m, 180, {}, call.local_tag);
        add_contact(ringing);
        respond(a.txn, ringing);
        if (s == "cancel") return;  // waits for the CANCEL
        answer_invite(call);
    }

    // Calls `fn(call)` at `due` (wall clock) unless the call has ended by then.
    template <class Fn>
    void at_deadline(const std::string& call_id, std::optional<Ms> due, Fn fn) {
        if (!due) return;
        loop_.add_timer(std::max(Ms(0), *due - wall_ms()), [this, call_id, fn] {
            auto c = calls_.find(call_id);
            if (c != calls_.end() && !c->second.finished) fn(c->second);
        });
    }

    void arm_prack_timer(const std::string& call_id) {
        auto it = calls_.find(call_id);
        if (it == calls_.end() || !it->second.prack_sender) return;
        at_deadline(call_id, it->second.prack_sender->next_deadline(), [this](Call& call) {
            if (!call.prack_sender) return;
            switch (call.prack_sender->on_timer(wall_ms())) {
                case RetransmitAction::kRetransmit:
                    c_.add("retransmitted_reliable_1xx");
                    respond(call.invite_txn, *call.prack_sender->pending());
                    break;
                case RetransmitAction::kGiveUp:
                    fail("no PRACK");
                    respond(call.invite_txn, make_response(*call.invite, 504));
                    return;
                case RetransmitAction::kNone: break;
            }
            arm_prack_timer(call.call_id);
        });
    }

    void apply_session_timer(Call& call, const SipMessageView& request, SipMessage& response) {
        SessionTimerConfig cfg;
        cfg.session_expires = 90;
        SessionTimerAnswer st = negotiate_session_timer_uas(request, cfg);
        st.apply_to(response);
        if (st.agreement.interval != 0) {
            call.session_timer.refreshed(scaled_now(), st.agreement);
            arm_session_timer(call.call_id);
        }
    }

    void answer_invite(Call& call) {
        if (call.prack_sender) call.prack_sender->stop();
        SipMessage r = make_response(*call.invite, 200, {}, call.local_tag);
        add_contact(r);
        r.add(HeaderId::kAllow, "INVITE, ACK, CANCEL, BYE, OPTIONS, PRACK, UPDATE");
        if (opt_.scenario == "session_timer") {
            if (auto v = SipMessageView::parse(invite_bytes(call)))
                apply_session_timer(call, *v, r);
        }
        r.add(HeaderId::kContentType, "application/sdp");
        r.body = sdp_body(local_, ++sdp_version_);
        send_2xx(call, call.invite_txn, r, /*initial=*/true);
        call.dialog->confirm();
        call.dialog->remote_invite_finished();
    }

    // RFC 3261 13.3.1.4: the UAS core retransmits its 2xx until the ACK, and sends BYE when none
    // comes within 64*T1.
    void send_2xx(Call& call, TxnHandle txn, const SipMessage& r, bool initial) {
        call.last_2xx = r;
        call.last_2xx_txn = txn;
        call.initial_2xx = initial;
        call.retrans_2xx = Retransmitter::for_2xx(dialog_timers_, wall_ms());
        respond(txn, r);
        arm_2xx_timer(call.call_id);
    }

    void arm_2xx_timer(const std::string& call_id) {
        auto it = calls_.find(call_id);
        if (it == calls_.end() || !it->second.retrans_2xx) return;
        at_deadline(call_id, it->second.retrans_2xx->next_deadline(), [this](Call& call) {
            switch (call.retrans_2xx->on_timer(wall_ms())) {
                case RetransmitAction::kRetransmit: {
                    c_.add("retransmitted_2xx");
                    if (!layer_.respond(call.last_2xx_txn, *call.last_2xx, loop_.now(), *this)) {
                        // The transaction is gone (timer L): the core sends it itself.
                        std::string bytes = call.last_2xx->serialize();
                        send_bytes(txn_peer(call.peer_addr, opt_.proto, call.connection), bytes);
                    }
                    drain();
                    break;
                }
                case RetransmitAction::kGiveUp:
                    c_.add("ack_timeouts");
                    if (opt_.scenario != "ack_timeout") fail("no ACK for the 2xx");
                    send_in_dialog(call, Purpose::kBye, "BYE", false);
                    return;
                case RetransmitAction::kNone: break;
            }
            arm_2xx_timer(call.call_id);
        });
    }

    void on_ack(const SipMessageView& m) {
        auto it = calls_.find(std::string(m.call_id().value_or("")));
        if (it == calls_.end()) return;
        Call& call = it->second;
        if (!call.retrans_2xx || call.retrans_2xx->done()) return;  // a retransmitted ACK
        if (auto cseq = m.cseq();
            !cseq || !call.last_2xx ||
            call.last_2xx->value(HeaderId::kCSeq).find(std::to_string(cseq->seq) + " ") != 0) {
            return;  // not the ACK of the pending 2xx
        }
        call.retrans_2xx->acknowledge();
        c_.add("acks");
        if (opt_.scenario == "ack_timeout") fail("ACK although the scenario sends none");
        if (call.initial_2xx && opt_.uas && opt_.scenario == "glare" && call.step == 0) {
            call.step = 1;
            c_.add("reinvites_sent");
            send_in_dialog(call, Purpose::kReinvite, "INVITE", true);
        }
    }

    void on_cancel(const TxnAction& a, const std::string& call_id) {
        const SipMessageView& m = *a.message;
        if (!a.related.valid()) return respond(a.txn, make_response(m, 481));
        respond(a.txn, make_response(m, 200));
        auto it = calls_.find(call_id);
        if (it == calls_.end() || !it->second.invite) return;
        respond(a.related, make_response(*it->second.invite, 487, {}, it->second.local_tag));
        c_.add("cancelled");
        complete(it->second);
    }

    // --- session timer (scaled time) -------------------------------------------------------------
    Ms scaled_now() const { return wall_ms() * opt_.time_scale; }

    void arm_session_timer(const std::string& call_id) {
        auto it = calls_.find(call_id);
        if (it == calls_.end()) return;
        Call& call = it->second;
        if (call.session_timer_id != 0) loop_.cancel_timer(call.session_timer_id);
        call.session_timer_id = 0;
        auto due = call.session_timer.next_deadline();
        if (!due) return;
        auto delay = std::max(Ms(0), (*due - scaled_now()) / opt_.time_scale);
        call.session_timer_id = loop_.add_timer(delay, [this, call_id] {
            auto c = calls_.find(call_id);
            if (c == calls_.end() || c->second.finished) return;
            Call& st = c->second;
            st.session_timer_id = 0;
            switch (st.session_timer.on_timer(scaled_now())) {
                case SessionTimerAction::kSendRefresh: {
                    // RFC 4028 9: UPDATE when the peer allows it, else a re-INVITE.
                    bool update = false;
                    if (st.invite) {
                        if (auto invite = SipMessageView::parse(invite_bytes(st)))
                            update = session_refresh_method(*invite, SessionTimerConfig{}) ==
                                     Method::kUpdate;
                    }
                    if (update)
                        send_in_dialog(st, Purpose::kUpdate, "UPDATE", false);
                    else
                        send_in_dialog(st, Purpose::kReinvite, "INVITE", true);
                    break;
                }
                case SessionTimerAction::kSendBye:
                    fail("session expired");
                    send_in_dialog(st, Purpose::kBye, "BYE", false);
                    return;
                case SessionTimerAction::kNone: break;
            }
            arm_session_timer(call_id);
        });
    }

    std::string& invite_bytes(Call& call) {
        scratch_ = call.invite->serialize();
        return scratch_;
    }

    // --- UAC ------------------------------------------------------------------------------------
    void start_call() {
        if (!opt_.remote) return;
        const std::string remote = opt_.remote->to_string();
        const std::string to = "<sip:service@" + remote + ">";
        const std::string from = "\"rtpx ua\" <sip:ua@" + local_.to_string() + ">";
        const std::string contact = "<" + contact_uri_ + ">";
        const std::string body = sdp_body(local_, ++sdp_version_);
        RequestSpec spec;
        spec.method = "INVITE";
        const std::string ruri = "sip:service@" + remote;
        spec.request_uri = ruri;
        spec.from = from;
        spec.to = to;
        spec.via_transport = via_.transport;
        spec.via_sent_by = via_.sent_by;
        spec.via_rport = true;
        spec.contact = contact;
        spec.content_type = "application/sdp";
        spec.body = body;
        SipMessage invite = make_request(spec);
        invite.add(HeaderId::kAllow, "INVITE, ACK, CANCEL, BYE, OPTIONS, PRACK, UPDATE");
        if (opt_.scenario == "prack") invite.add(HeaderId::kSupported, std::string(k100rel));
        std::string call_id(invite.value(HeaderId::kCallId));
        Call& call = calls_[call_id];
        call.call_id = call_id;
        call.peer_addr = *opt_.remote;
        call.connection = 0;
        send_invite(call, std::move(invite));
    }

    void send_invite(Call& call, SipMessage invite) {
        call.forks.emplace(invite);
        start_client(call, Purpose::kInvite, invite);
    }

    void on_response(const TxnAction& a) {
        const SipMessageView& m = *a.message;
        auto cit = client_.find(key_of(a.txn));
        std::string call_id(m.call_id().value_or(""));
        auto it = calls_.find(call_id);
        if (it == calls_.end()) return;
        Call& call = it->second;
        if (a.kind == TxnActionKind::kStrayResponse) {
            // A retransmitted 2xx of the INVITE: ACK it again (RFC 3261 13.2.2.4).
            if (call.forks && m.status_code() >= 200 && m.status_code() < 300) {
                ForkResult f = call.forks->on_response(m);
                if (f.event == ForkEvent::kRetransmitted2xx && !call.ack_bytes.empty()) {
                    c_.add("reacked_2xx");
                    send_stateless(call, call.dialog->remote_target(), call.ack_bytes);
                }
            }
            return;
        }
        if (cit == client_.end()) return;
        const ClientTxn& txn = cit->second;
        switch (txn.purpose) {
            case Purpose::kInvite: return on_invite_response(call, txn, m);
            case Purpose::kReinvite: return on_reinvite_response(call, m);
            case Purpose::kUpdate:
                if (m.status_code() >= 200) {
                    if (m.status_code() >= 300)
                        fail("UPDATE got " + std::to_string(m.status_code()));
                    call.dialog->on_refresh_response(m);
                    c_.add("target_refreshes");
                    if (opt_.scenario == "session_timer") {
                        call.session_timer.refreshed(scaled_now(), negotiate_session_timer_uac(m));
                        arm_session_timer(call.call_id);
                    } else if (!opt_.uas) {
                        send_in_dialog(call, Purpose::kBye, "BYE", false);
                    }
                }
                return;
            case Purpose::kBye:
                if (m.status_code() >= 200) {
                    if (m.status_code() >= 300) fail("BYE got " + std::to_string(m.status_code()));
                    complete(call);
                }
                return;
            case Purpose::kPrack:
                if (m.status_code() >= 200 && m.status_code() < 300) c_.add("prack_acknowledged");
                return;
            case Purpose::kCancel: return;
        }
    }

    void on_invite_response(Call& call, const ClientTxn& txn, const SipMessageView& m) {
        const std::uint16_t status = m.status_code();
        if ((status == 401 || status == 407) && opt_.scenario == "auth" && call.step == 0) {
            c_.add("challenges");
            call.step = 1;
            auto retry = retry_with_credentials(
                txn.request, m, DigestUser{std::string(kUser), std::string(kPassword)});
            if (!retry) return fail(std::string("retry_with_credentials: ") + retry.error().what);
            c_.add("auth_ok");
            return send_invite(call, std::move(*retry));
        }
        ForkResult f = call.forks->on_response(m);
        switch (f.event) {
            case ForkEvent::kEarlyCreated:
            case ForkEvent::kEarlyUpdated:
                if (!call.dialog) call.dialog = *f.dialog;
                if (opt_.scenario == "prack") {
                    PrackResult p = call.prack_tracker.on_provisional(m);
                    if (p.decision == PrackDecision::kPrack) {
                        c_.add("pracks_sent");
                        SipMessage prack = make_prack(*f.dialog, via_, p.rack);
                        call.dialog = *f.dialog;  // keeps the local CSeq in step
                        start_client(call, Purpose::kPrack, prack);
                    } else if (p.decision != PrackDecision::kDiscard) {
                        fail("183 not sent reliably");
                    }
                }
                if (opt_.scenario == "cancel" && !call.cancel_sent) {
                    call.cancel_sent = true;
                    start_client(call, Purpose::kCancel, make_cancel(txn.request));
                }
                return;
            case ForkEvent::kConfirmed: {
                call.dialog = *f.dialog;
                if (opt_.scenario == "cancel") fail("200 although cancelled");
                auto cseq = CSeqView::parse(call.forks->invite().value(HeaderId::kCSeq));
                SipMessage ack = call.dialog->make_ack(cseq ? cseq->seq : 1, via_);
                call.ack_bytes = ack.serialize();
                send_stateless(call, ack.request_uri, call.ack_bytes);
                uac_after_answer(call);
                return;
            }
            case ForkEvent::kRetransmitted2xx:
                send_stateless(call, call.dialog->remote_target(), call.ack_bytes);
                return;
            case ForkEvent::kAdditional2xx: fail("2xx from a second fork"); return;
            case ForkEvent::kFailed:
                if (opt_.scenario == "cancel" && status == 487) {
                    c_.add("cancelled");
                    complete(call);
                } else {
                    fail("INVITE failed with " + std::to_string(status));
                    finish(call.call_id);
                }
                return;
            case ForkEvent::kIgnored: return;
        }
    }

    void uac_after_answer(Call& call) {
        const std::string& s = opt_.scenario;
        if (s == "reinvite" || s == "glare") {
            c_.add("reinvites_sent");
            send_in_dialog(call, Purpose::kReinvite, "INVITE", true);
        } else {
            send_in_dialog(call, Purpose::kBye, "BYE", false);
        }
    }

    void on_reinvite_response(Call& call, const SipMessageView& m) {
        const std::uint16_t status = m.status_code();
        if (status < 200) return;
        call.dialog->on_refresh_response(m);
        if (status == 491) {
            // RFC 3261 14.1: wait, then try again.
            c_.add("got_491");
            Ms delay = glare_retry_delay(call.dialog->owns_call_id(), rng_);
            std::string call_id = call.call_id;
            loop_.add_timer(delay, [this, call_id] {
                auto c = calls_.find(call_id);
                if (c == calls_.end() || c->second.finished) return;
                c_.add("reinvites_sent");
                send_in_dialog(c->second, Purpose::kReinvite, "INVITE", true);
            });
            return;
        }
        if (status >= 300) return fail("re-INVITE got " + std::to_string(status));
        c_.add("target_refreshes");
        SipMessage ack = call.dialog->make_ack(call.reinvite_cseq, via_);
        std::string bytes = ack.serialize();
        send_stateless(call, ack.request_uri, bytes);
        if (opt_.scenario == "session_timer") {
            call.session_timer.refreshed(scaled_now(), negotiate_session_timer_uac(m));
            arm_session_timer(call.call_id);
            return;
        }
        if (opt_.uas) return;  // the peer ends the call
        if (opt_.scenario == "reinvite")
            send_in_dialog(call, Purpose::kUpdate, "UPDATE", false);
        else
            send_in_dialog(call, Purpose::kBye, "BYE", false);
    }

    EventLoop& loop_;
    Options opt_;
    TransactionLayer layer_;
    DialogTimerConfig dialog_timers_;
    DigestServer digest_;
    std::mt19937 rng_;
    std::unique_ptr<UdpTransport> udp_;
    std::unique_ptr<StreamTransport> stream_;
    SockAddr local_;
    ViaSpec via_;
    std::string contact_uri_;
    std::unordered_map<std::uint64_t, EventLoop::TimerId> txn_timers_;
    std::vector<TxnAction> pending_;
    std::vector<TxnHandle> failed_;
    bool draining_ = false;
    bool stopping_ = false;
    std::unordered_map<std::string, Call> calls_;
    std::unordered_map<std::uint64_t, ClientTxn> client_;
    int done_calls_ = 0;
    int sdp_version_ = 0;
    std::string scratch_;
    Counters c_;
};

int usage() {
    std::cerr << "usage: sip_test_ua --role uas|uac --scenario NAME --proto udp|tcp --listen "
                 "ADDR:PORT [--remote ADDR:PORT] [--calls N] [--t1 MS] [--time-scale K] "
                 "[--auth www|proxy] [--algorithms md5,sha256] [--port-file F] [--timeout S]\n"
                 "       sip_test_ua --free-port ADDR\n";
    return 2;
}

// A port that is free for both UDP and TCP on `host` (bound, read, closed).
int free_port(const std::string& host) {
    auto at = SockAddr::parse(host, 0);
    if (!at) return usage();
    for (int attempt = 0; attempt < 50; ++attempt) {
        SockAddr a = *at;
        a.set_port(0);
        int t = ::socket(a.family(), SOCK_STREAM, 0);
        if (t < 0 || ::bind(t, a.sa(), a.length()) != 0) return 1;
        sockaddr_storage ss{};
        socklen_t len = sizeof(ss);
        ::getsockname(t, reinterpret_cast<sockaddr*>(&ss), &len);
        SockAddr bound = SockAddr::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len);
        int u = ::socket(a.family(), SOCK_DGRAM, 0);
        const bool ok = u >= 0 && ::bind(u, bound.sa(), bound.length()) == 0;
        ::close(t);
        if (u >= 0) ::close(u);
        if (ok) {
            std::cout << bound.port() << "\n";
            return 0;
        }
    }
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    Options opt;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i], v = argv[i + 1];
        if (k == "--free-port") return free_port(v);
        if (k == "--role") {
            if (v != "uas" && v != "uac") return usage();
            opt.uas = v == "uas";
        } else if (k == "--scenario") {
            opt.scenario = v;
        } else if (k == "--proto") {
            if (v == "udp")
                opt.proto = TransportProto::kUdp;
            else if (v == "tcp")
                opt.proto = TransportProto::kTcp;
            else
                return usage();
        } else if (k == "--listen") {
            auto a = SockAddr::parse(v, 0);
            if (!a) return usage();
            opt.listen = *a;
        } else if (k == "--remote") {
            opt.remote = SockAddr::parse(v);
            if (!opt.remote) return usage();
        } else if (k == "--calls") {
            opt.calls = std::stoi(v);
        } else if (k == "--t1") {
            opt.t1_ms = std::stoi(v);
        } else if (k == "--time-scale") {
            opt.time_scale = std::max(1, std::stoi(v));
        } else if (k == "--auth") {
            opt.auth = v;
        } else if (k == "--algorithms") {
            opt.algorithms.clear();
            std::size_t at = 0;
            while (at <= v.size()) {
                std::size_t comma = v.find(',', at);
                std::string token = v.substr(at, comma == std::string::npos ? comma : comma - at);
                auto alg = parse_digest_algorithm(token == "sha256" ? "SHA-256" : token);
                if (!alg) return usage();
                opt.algorithms.push_back(*alg);
                if (comma == std::string::npos) break;
                at = comma + 1;
            }
        } else if (k == "--port-file") {
            opt.port_file = v;
        } else if (k == "--timeout") {
            opt.timeout_s = std::stoi(v);
        } else {
            return usage();
        }
    }
    if (!opt.uas && !opt.remote) return usage();
    if (opt.scenario == "auth_proxy") {  // the UAC side answers either; the name picks sipp's file
        opt.scenario = "auth";
        opt.auth = "proxy";
    }
    EventLoop loop;
    Ua ua(loop, opt);
    std::string error;
    if (!ua.open(error)) {
        std::cerr << "open: " << error << "\n";
        return 1;
    }
    if (!opt.port_file.empty()) {
        std::ofstream(opt.port_file + ".tmp") << ua.local().port() << "\n";
        std::rename((opt.port_file + ".tmp").c_str(), opt.port_file.c_str());
    }
    g_loop = &loop;
    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);
    loop.add_timer(std::chrono::seconds(opt.timeout_s), [&loop] {
        std::cerr << "timeout\n";
        loop.stop();
    });
    ua.start();
    loop.run();
    ua.print();
    return ua.passed() ? 0 : 1;
}
