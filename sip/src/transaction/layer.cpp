#include "rtpx/sip/transaction/layer.hpp"

#include <algorithm>

#include "rtpx/sip/builder.hpp"
#include "rtpx/sip/message.hpp"
#include "rtpx/sip/sip_message.hpp"

namespace rtpx::sip {

struct TransactionLayer::Txn {
    std::uint32_t generation = 1;
    bool in_use = false;
    bool reliable = false;
    bool rfc2543 = false;  // server transaction matched by the RFC 2543 fallback (17.2.3)
    TxnKind kind = TxnKind::kNonInviteClient;
    TxnState state = TxnState::kTerminated;
    std::uint16_t armed = 0;  // bit per TimerName
    TxnDuration interval{0};  // current interval of timer A, E or G
    TxnPeer peer;
    std::uint64_t hash = 0;
    std::uint64_t user = 0;
    std::string key;
    std::string request;          // client: the request as sent (retransmitted; ACK built from it)
    std::string response;         // server: the last response (or the prepared 100 Trying)
    std::string ack;              // INVITE client: the ACK of the non-2xx final response
    std::string request_to_tag;   // server, RFC 2543 matching: To tag of the request
    std::string response_to_tag;  // server, RFC 2543 matching: To tag of the final response
};

namespace {

constexpr char kSep = '\x1f';

constexpr std::uint16_t bit(TimerName t) noexcept {
    return static_cast<std::uint16_t>(1u << static_cast<unsigned>(t));
}

bool is_client(TxnKind k) noexcept {
    return k == TxnKind::kInviteClient || k == TxnKind::kNonInviteClient;
}

void append_lower(std::string& out, std::string_view s) {
    for (char c : s) out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
}

void append_number(std::string& out, std::uint32_t v) {
    char buf[10];
    int n = 0;
    do {
        buf[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n > 0) out.push_back(buf[--n]);
}

// Client key (17.1.3): branch of the top Via and CSeq method.
void client_key(std::string& out, std::string_view branch, std::string_view cseq_method) {
    out.clear();
    out.append(branch).push_back(kSep);
    out.append(cseq_method);
}

// Method as far as server matching goes: ACK matches the INVITE transaction (17.2.3).
std::string_view method_class(const SipMessageView& m) noexcept {
    return m.method() == Method::kAck ? std::string_view("INVITE") : m.method_text();
}

// Server key (17.2.3). RFC 3261 branch: branch, sent-by, method. Otherwise the RFC 2543 fallback:
// Request-URI, From tag, Call-ID, CSeq number, top Via, method (the To tag is compared apart,
// since the ACK's To tag is the one of the response). False when the message lacks what matching
// needs.
bool server_key(std::string& out, const SipMessageView& m, std::string_view method, bool& rfc2543) {
    auto via = m.top_via();
    auto cseq = m.cseq();
    if (!via || !cseq) return false;
    out.clear();
    if (via->has_rfc3261_branch()) {
        rfc2543 = false;
        out.push_back('3');
        out.append(via->branch()).push_back(kSep);
        append_lower(out, via->host);
        if (via->port) {
            out.push_back(':');
            append_number(out, *via->port);
        }
        out.push_back(kSep);
        out.append(method);
        return true;
    }
    auto from = m.from();
    auto call_id = m.call_id();
    if (!from || !call_id) return false;
    rfc2543 = true;
    out.push_back('2');
    out.append(m.request_uri_text()).push_back(kSep);
    out.append(from->tag()).push_back(kSep);
    out.append(*call_id).push_back(kSep);
    append_number(out, cseq->seq);
    out.push_back(kSep);
    out.append(*m.values(HeaderId::kVia).begin()).push_back(kSep);
    out.append(method);
    return true;
}

// Status code of a status line "SIP/2.0 NNN ...", 0 when the bytes do not start with one.
std::uint16_t status_of(std::string_view bytes) noexcept {
    constexpr std::string_view kPrefix = "SIP/2.0 ";
    if (bytes.size() < kPrefix.size() + 4 || !bytes.starts_with(kPrefix)) return 0;
    std::uint16_t status = 0;
    for (std::size_t i = kPrefix.size(); i < kPrefix.size() + 3; ++i) {
        if (bytes[i] < '0' || bytes[i] > '9') return 0;
        status = static_cast<std::uint16_t>(status * 10 + (bytes[i] - '0'));
    }
    if (bytes[kPrefix.size() + 3] != ' ' || status < 100 || status > 699) return 0;
    return status;
}

std::string_view to_tag_of(const SipMessageView& m) noexcept {
    auto to = m.to();
    return to ? to->tag() : std::string_view();
}

std::string_view to_tag_of(const SipMessage& m) noexcept {
    auto to = NameAddrView::parse(m.value(HeaderId::kTo));
    return to ? to->tag() : std::string_view();
}

}  // namespace

std::string_view to_string(TxnError e) noexcept {
    switch (e) {
        case TxnError::kNoTransaction: return "no such transaction";
        case TxnError::kWrongState: return "not allowed in this state";
        case TxnError::kBadMessage: return "message unusable for a transaction";
        case TxnError::kWrongKind: return "wrong transaction kind";
        case TxnError::kDuplicate: return "transaction already exists";
        case TxnError::kTableFull: return "transaction table full";
    }
    return "unknown";
}

std::string_view to_string(TxnDisposition d) noexcept {
    switch (d) {
        case TxnDisposition::kNewTransaction: return "new transaction";
        case TxnDisposition::kMatched: return "matched";
        case TxnDisposition::kAbsorbed: return "absorbed";
        case TxnDisposition::kStray: return "stray";
        case TxnDisposition::kDropped: return "dropped";
    }
    return "unknown";
}

TransactionLayer::TransactionLayer(const TransactionConfig& config)
    : config_(config),
      slots_(std::max<std::uint32_t>(config.capacity, 1)),
      clients_(slots_.size(), config.shards),
      servers_(slots_.size(), config.shards) {
    free_.reserve(slots_.size());
    for (std::size_t i = slots_.size(); i > 0; --i)
        free_.push_back(static_cast<std::uint32_t>(i - 1));
    pending_release_.reserve(64);
    scratch_key_.reserve(256);
}

TransactionLayer::~TransactionLayer() = default;

TransactionLayer::Txn* TransactionLayer::slot(TxnHandle h) noexcept {
    if (h.index >= slots_.size()) return nullptr;
    Txn& t = slots_[h.index];
    return t.in_use && t.generation == h.generation ? &t : nullptr;
}

const TransactionLayer::Txn* TransactionLayer::slot(TxnHandle h) const noexcept {
    return const_cast<TransactionLayer*>(this)->slot(h);
}

bool TransactionLayer::alive(TxnHandle txn) const noexcept {
    return slot(txn) != nullptr;
}

std::size_t TransactionLayer::capacity() const noexcept {
    return slots_.size();
}

TxnHandle TransactionLayer::handle_of(const Txn& t) const noexcept {
    return TxnHandle{static_cast<std::uint32_t>(&t - slots_.data()), t.generation};
}

tl::expected<TxnState, TxnError> TransactionLayer::state(TxnHandle txn) const noexcept {
    const Txn* t = slot(txn);
    if (t == nullptr) return tl::unexpected(TxnError::kNoTransaction);
    return t->state;
}

tl::expected<TxnKind, TxnError> TransactionLayer::kind(TxnHandle txn) const noexcept {
    const Txn* t = slot(txn);
    if (t == nullptr) return tl::unexpected(TxnError::kNoTransaction);
    return t->kind;
}

tl::expected<void, TxnError> TransactionLayer::set_user_data(TxnHandle txn,
                                                             std::uint64_t value) noexcept {
    Txn* t = slot(txn);
    if (t == nullptr) return tl::unexpected(TxnError::kNoTransaction);
    t->user = value;
    return {};
}

tl::expected<std::uint64_t, TxnError> TransactionLayer::user_data(TxnHandle txn) const noexcept {
    const Txn* t = slot(txn);
    if (t == nullptr) return tl::unexpected(TxnError::kNoTransaction);
    return t->user;
}

// --- pool ----------------------------------------------------------------------------------------

TransactionLayer::Txn* TransactionLayer::acquire() noexcept {
    if (free_.empty()) return nullptr;
    Txn& t = slots_[free_.back()];
    free_.pop_back();
    t.in_use = true;
    t.armed = 0;
    t.user = 0;
    t.rfc2543 = false;
    t.interval = TxnDuration{0};
    t.request.clear();
    t.response.clear();
    t.ack.clear();
    t.request_to_tag.clear();
    t.response_to_tag.clear();
    ++live_;
    return &t;
}

void TransactionLayer::release_pending() noexcept {
    for (std::uint32_t i : pending_release_) free_.push_back(i);
    pending_release_.clear();
}

void TransactionLayer::terminate(Txn& t, TxnActionSink& sink) noexcept {
    disarm_all(t, sink);
    (is_client(t.kind) ? clients_ : servers_)
        .erase(t.hash, static_cast<std::uint32_t>(&t - slots_.data()));
    t.state = TxnState::kTerminated;
    TxnAction a;
    a.kind = TxnActionKind::kTerminated;
    a.txn = handle_of(t);
    a.peer = t.peer;
    sink.emit(a);
    // The handle dies now; the slot (and the bytes of this call's kSend actions) lives until the
    // next call into the layer.
    t.in_use = false;
    if (++t.generation == 0) t.generation = 1;
    pending_release_.push_back(static_cast<std::uint32_t>(&t - slots_.data()));
    --live_;
    ++counters_.terminated;
}

// --- actions -------------------------------------------------------------------------------------

void TransactionLayer::arm(Txn& t, TimerName timer, TxnTime due, TxnActionSink& sink) noexcept {
    t.armed |= bit(timer);
    TxnAction a;
    a.kind = TxnActionKind::kArmTimer;
    a.timer = timer;
    a.txn = handle_of(t);
    a.due = due;
    sink.emit(a);
}

void TransactionLayer::disarm(Txn& t, TimerName timer, TxnActionSink& sink) noexcept {
    if ((t.armed & bit(timer)) == 0) return;
    t.armed = static_cast<std::uint16_t>(t.armed & ~bit(timer));
    TxnAction a;
    a.kind = TxnActionKind::kCancelTimer;
    a.timer = timer;
    a.txn = handle_of(t);
    sink.emit(a);
}

void TransactionLayer::disarm_all(Txn& t, TxnActionSink& sink) noexcept {
    for (std::size_t i = 0; i < kTimerNameCount; ++i) disarm(t, static_cast<TimerName>(i), sink);
}

void TransactionLayer::send(Txn& t, std::string_view bytes, TxnActionSink& sink,
                            bool retransmission) noexcept {
    if (retransmission) ++counters_.retransmissions;
    TxnAction a;
    a.kind = TxnActionKind::kSend;
    a.txn = handle_of(t);
    a.peer = t.peer;
    a.bytes = bytes;
    sink.emit(a);
}

void TransactionLayer::deliver(TxnActionKind kind, Txn& t, const SipMessageView* m,
                               TxnActionSink& sink) noexcept {
    TxnAction a;
    a.kind = kind;
    a.txn = handle_of(t);
    a.peer = t.peer;
    a.message = m;
    sink.emit(a);
}

// --- client transactions -------------------------------------------------------------------------

tl::expected<TxnHandle, TxnError> TransactionLayer::start_client(const SipMessage& request,
                                                                 const TxnPeer& peer, TxnTime now,
                                                                 TxnActionSink& sink) {
    release_pending();
    if (!request.is_request()) return tl::unexpected(TxnError::kWrongKind);
    // The owned message is the TU's own: its top Via and CSeq are read without a full parse.
    const SipHeader* via_field = request.find(HeaderId::kVia);
    const SipHeader* cseq_field = request.find(HeaderId::kCSeq);
    if (via_field == nullptr || cseq_field == nullptr) return tl::unexpected(TxnError::kBadMessage);
    auto via = ViaView::parse(*CommaList(via_field->value).begin());
    auto cseq = CSeqView::parse(cseq_field->value);
    if (!via || !cseq) return tl::unexpected(TxnError::kBadMessage);
    const Method method = lookup_method(request.method);
    auto handle = start_client_common(via->branch(), cseq->method_text, method, peer);
    if (!handle) return handle;
    Txn& t = *slot(*handle);
    request.serialize_to(t.request);
    send(t, t.request, sink, false);
    arm_first_timers(t, now, sink);
    return handle;
}

tl::expected<TxnHandle, TxnError> TransactionLayer::start_client(std::string_view request_bytes,
                                                                 const TxnPeer& peer, TxnTime now,
                                                                 TxnActionSink& sink) {
    release_pending();
    auto m = SipMessageView::parse(request_bytes);
    if (!m) return tl::unexpected(TxnError::kBadMessage);
    if (!m->is_request()) return tl::unexpected(TxnError::kWrongKind);
    auto via = m->top_via();
    auto cseq = m->cseq();
    if (!via || !cseq) return tl::unexpected(TxnError::kBadMessage);
    auto handle = start_client_common(via->branch(), cseq->method_text, m->method(), peer);
    if (!handle) return handle;
    Txn& t = *slot(*handle);
    t.request.assign(m->bytes());
    send(t, t.request, sink, false);
    arm_first_timers(t, now, sink);
    return handle;
}

// Checks and registers a client transaction; the caller stores the request bytes, sends them and
// arms the first timers.
tl::expected<TxnHandle, TxnError> TransactionLayer::start_client_common(
    std::string_view branch, std::string_view cseq_method, Method method, const TxnPeer& peer) {
    if (method == Method::kAck) return tl::unexpected(TxnError::kWrongKind);
    if (!branch.starts_with(kBranchCookie)) return tl::unexpected(TxnError::kBadMessage);
    client_key(scratch_key_, branch, cseq_method);
    const std::uint64_t hash = txn_key_hash(scratch_key_);
    const auto same = [&](std::uint32_t i) { return slots_[i].key == scratch_key_; };
    if (clients_.find(hash, same) != TransactionTable::kEmpty)
        return tl::unexpected(TxnError::kDuplicate);
    Txn* tp = acquire();
    if (tp == nullptr) {
        ++counters_.dropped_table_full;
        return tl::unexpected(TxnError::kTableFull);
    }
    Txn& t = *tp;
    const std::uint32_t index = static_cast<std::uint32_t>(&t - slots_.data());
    if (!clients_.insert(hash, index)) {
        t.in_use = false;
        free_.push_back(index);
        --live_;
        ++counters_.dropped_table_full;
        return tl::unexpected(TxnError::kTableFull);
    }
    t.key = scratch_key_;
    t.hash = hash;
    t.peer = peer;
    t.reliable = peer.reliable();
    ++counters_.client_created;
    if (method == Method::kInvite) {
        t.kind = TxnKind::kInviteClient;
        t.state = TxnState::kCalling;
    } else {
        t.kind = TxnKind::kNonInviteClient;
        t.state = TxnState::kTrying;
    }
    return handle_of(t);
}

// 17.1.1.2: A (unreliable only) and B; 17.1.2.2: E (unreliable only) and F.
void TransactionLayer::arm_first_timers(Txn& t, TxnTime now, TxnActionSink& sink) noexcept {
    const TxnTimers& tm = config_.timers;
    const bool invite = t.kind == TxnKind::kInviteClient;
    if (!t.reliable) {
        t.interval = tm.t1;
        arm(t, invite ? TimerName::kA : TimerName::kE, now + tm.t1, sink);
    }
    arm(t, invite ? TimerName::kB : TimerName::kF, now + 64 * tm.t1, sink);
}

void TransactionLayer::on_invite_client_response(Txn& t, const SipMessageView& m, TxnTime now,
                                                 TxnActionSink& sink) noexcept {
    const std::uint16_t status = m.status_code();
    const bool pending = t.state == TxnState::kCalling || t.state == TxnState::kProceeding;
    if (status < 200) {
        if (!pending) {
            ++counters_.responses_absorbed;
            return;
        }
        if (t.state == TxnState::kCalling) {
            disarm(t, TimerName::kA, sink);
            disarm(t, TimerName::kB, sink);
            t.state = TxnState::kProceeding;
        }
        deliver(TxnActionKind::kResponse, t, &m, sink);
        return;
    }
    if (status < 300) {
        // RFC 6026 7.2: 2xx goes to the TU, in Accepted too (the TU ACKs each 2xx).
        if (pending) {
            disarm(t, TimerName::kA, sink);
            disarm(t, TimerName::kB, sink);
            t.state = TxnState::kAccepted;
            deliver(TxnActionKind::kResponse, t, &m, sink);
            arm(t, TimerName::kM, now + 64 * config_.timers.t1, sink);
        } else if (t.state == TxnState::kAccepted) {
            deliver(TxnActionKind::kResponse, t, &m, sink);
        } else {
            ++counters_.responses_absorbed;
        }
        return;
    }
    if (t.state == TxnState::kCompleted) {
        // 17.1.1.2: a retransmitted final response is ACKed again and not passed up.
        ++counters_.responses_absorbed;
        if (!t.ack.empty()) send(t, t.ack, sink, true);
        return;
    }
    if (!pending) {
        ++counters_.responses_absorbed;
        return;
    }
    disarm(t, TimerName::kA, sink);
    disarm(t, TimerName::kB, sink);
    t.state = TxnState::kCompleted;
    if (auto invite = SipMessageView::parse(std::string_view(t.request))) {
        make_ack_for_non2xx(*invite, m).serialize_to(t.ack);
        send(t, t.ack, sink, false);
    }
    deliver(TxnActionKind::kResponse, t, &m, sink);
    if (t.reliable) {
        terminate(t, sink);  // Timer D = 0
    } else {
        arm(t, TimerName::kD, now + config_.timers.d, sink);
    }
}

void TransactionLayer::on_non_invite_client_response(Txn& t, const SipMessageView& m, TxnTime now,
                                                     TxnActionSink& sink) noexcept {
    if (t.state == TxnState::kCompleted) {
        ++counters_.responses_absorbed;
        return;
    }
    if (m.status_code() < 200) {
        t.state = TxnState::kProceeding;
        deliver(TxnActionKind::kResponse, t, &m, sink);
        return;
    }
    disarm(t, TimerName::kE, sink);
    disarm(t, TimerName::kF, sink);
    t.state = TxnState::kCompleted;
    deliver(TxnActionKind::kResponse, t, &m, sink);
    if (t.reliable) {
        terminate(t, sink);  // Timer K = 0
    } else {
        arm(t, TimerName::kK, now + config_.timers.t4, sink);
    }
}

TxnDisposition TransactionLayer::on_response(const SipMessageView& m, const TxnPeer& source,
                                             TxnTime now, TxnActionSink& sink) noexcept {
    auto via = m.top_via();
    auto cseq = m.cseq();
    if (!via || !cseq) {
        ++counters_.dropped_unmatchable;
        return TxnDisposition::kDropped;
    }
    client_key(scratch_key_, via->branch(), cseq->method_text);
    const std::uint64_t hash = txn_key_hash(scratch_key_);
    const std::uint32_t i =
        clients_.find(hash, [&](std::uint32_t v) { return slots_[v].key == scratch_key_; });
    if (i == TransactionTable::kEmpty) {
        // 17.1.3 / 18.1.2: no match, the core gets it (a retransmitted 2xx of an INVITE).
        ++counters_.stray_responses;
        TxnAction a;
        a.kind = TxnActionKind::kStrayResponse;
        a.peer = source;
        a.message = &m;
        sink.emit(a);
        return TxnDisposition::kStray;
    }
    Txn& t = slots_[i];
    const std::uint64_t absorbed_before = counters_.responses_absorbed;
    if (t.kind == TxnKind::kInviteClient) {
        on_invite_client_response(t, m, now, sink);
    } else {
        on_non_invite_client_response(t, m, now, sink);
    }
    return counters_.responses_absorbed != absorbed_before ? TxnDisposition::kAbsorbed
                                                           : TxnDisposition::kMatched;
}

// --- server transactions -------------------------------------------------------------------------

TxnDisposition TransactionLayer::on_request(const SipMessageView& m, const TxnPeer& source,
                                            TxnTime now, TxnActionSink& sink) noexcept {
    bool rfc2543 = false;
    if (!server_key(scratch_key_, m, method_class(m), rfc2543)) {
        ++counters_.dropped_unmatchable;
        return TxnDisposition::kDropped;
    }
    const bool is_ack = m.method() == Method::kAck;
    const std::string_view req_to_tag = rfc2543 ? to_tag_of(m) : std::string_view();
    // RFC 2543: the ACK carries the To tag of the response; every other request the one of the
    // request that created the transaction.
    const auto same = [&](std::uint32_t v) {
        const Txn& t = slots_[v];
        if (t.key != scratch_key_) return false;
        if (!rfc2543) return true;
        return (is_ack ? t.response_to_tag : t.request_to_tag) == req_to_tag;
    };
    std::uint64_t hash = txn_key_hash(scratch_key_);
    const std::uint32_t found = servers_.find(hash, same);
    if (found != TransactionTable::kEmpty) {
        Txn& t = slots_[found];
        if (t.kind == TxnKind::kInviteServer && is_ack) {
            switch (t.state) {
                case TxnState::kCompleted:
                    disarm(t, TimerName::kG, sink);
                    disarm(t, TimerName::kH, sink);
                    t.state = TxnState::kConfirmed;
                    if (t.reliable) {
                        terminate(t, sink);  // Timer I = 0
                    } else {
                        arm(t, TimerName::kI, now + config_.timers.t4, sink);
                    }
                    return TxnDisposition::kMatched;
                case TxnState::kAccepted: {
                    // RFC 6026 7.1: an ACK matching the transaction in Accepted goes to the TU.
                    TxnAction a;
                    a.kind = TxnActionKind::kStrayAck;
                    a.txn = handle_of(t);
                    a.peer = source;
                    a.message = &m;
                    sink.emit(a);
                    return TxnDisposition::kMatched;
                }
                default: ++counters_.requests_absorbed; return TxnDisposition::kAbsorbed;
            }
        }
        // A retransmitted request: the last response again, never the TU.
        ++counters_.requests_absorbed;
        if (t.kind == TxnKind::kInviteServer) {
            if (t.state == TxnState::kProceeding && (t.armed & bit(TimerName::kTrying100)) != 0) {
                disarm(t, TimerName::kTrying100, sink);  // the client retransmits: 100 now
                send(t, t.response, sink, false);
            } else if ((t.state == TxnState::kProceeding || t.state == TxnState::kCompleted) &&
                       !t.response.empty()) {
                send(t, t.response, sink, true);
            }
        } else if (t.state != TxnState::kTrying && !t.response.empty()) {
            send(t, t.response, sink, true);
        }
        return TxnDisposition::kAbsorbed;
    }
    if (is_ack) {
        ++counters_.stray_acks;
        TxnAction a;
        a.kind = TxnActionKind::kStrayAck;
        a.peer = source;
        a.message = &m;
        sink.emit(a);
        return TxnDisposition::kStray;
    }
    Txn* tp = acquire();
    if (tp == nullptr) {
        ++counters_.dropped_table_full;
        return TxnDisposition::kDropped;
    }
    Txn& t = *tp;
    const std::uint32_t index = static_cast<std::uint32_t>(&t - slots_.data());
    if (!servers_.insert(hash, index)) {
        t.in_use = false;
        free_.push_back(index);
        --live_;
        ++counters_.dropped_table_full;
        return TxnDisposition::kDropped;
    }
    ++counters_.server_created;
    t.key = scratch_key_;
    t.hash = hash;
    t.peer = source;
    t.reliable = source.reliable();
    t.rfc2543 = rfc2543;
    t.request_to_tag.assign(req_to_tag);
    TxnAction request;
    request.kind = TxnActionKind::kRequest;
    request.txn = handle_of(t);
    request.peer = source;
    request.message = &m;
    if (m.method() == Method::kCancel) {
        // 9.2: the INVITE server transaction this CANCEL cancels (same key, method INVITE).
        if (server_key(scratch_key_, m, "INVITE", rfc2543)) {
            hash = txn_key_hash(scratch_key_);
            const std::uint32_t inv = servers_.find(hash, same);
            if (inv != TransactionTable::kEmpty && slots_[inv].kind == TxnKind::kInviteServer) {
                request.related = handle_of(slots_[inv]);
            }
        }
    }
    if (m.method() == Method::kInvite) {
        t.kind = TxnKind::kInviteServer;
        t.state = TxnState::kProceeding;
        if (config_.trying != TryingPolicy::kNever) {
            make_response(m, 100).serialize_to(t.response);
            if (config_.trying == TryingPolicy::kImmediate) {
                send(t, t.response, sink, false);
            } else {
                arm(t, TimerName::kTrying100, now + config_.trying_delay, sink);
            }
        }
    } else {
        t.kind = TxnKind::kNonInviteServer;
        t.state = TxnState::kTrying;
    }
    sink.emit(request);
    return TxnDisposition::kNewTransaction;
}

tl::expected<void, TxnError> TransactionLayer::respond(TxnHandle txn, const SipMessage& response,
                                                       TxnTime now, TxnActionSink& sink) {
    release_pending();
    Txn* t = slot(txn);
    if (t == nullptr) return tl::unexpected(TxnError::kNoTransaction);
    if (is_client(t->kind) || !response.is_response()) return tl::unexpected(TxnError::kWrongKind);
    const std::uint16_t status = response.status;
    if (status < 100 || status > 699) return tl::unexpected(TxnError::kBadMessage);
    const bool open = t->state == TxnState::kProceeding || t->state == TxnState::kTrying;
    if (!open && !(t->state == TxnState::kAccepted && status >= 200 && status < 300)) {
        return tl::unexpected(TxnError::kWrongState);
    }
    t->response.clear();
    response.serialize_to(t->response);
    if (t->rfc2543 && status >= 200) t->response_to_tag.assign(to_tag_of(response));
    return respond_stored(*t, status, now, sink);
}

tl::expected<void, TxnError> TransactionLayer::respond(TxnHandle txn,
                                                       std::string_view response_bytes, TxnTime now,
                                                       TxnActionSink& sink) {
    release_pending();
    Txn* t = slot(txn);
    if (t == nullptr) return tl::unexpected(TxnError::kNoTransaction);
    if (is_client(t->kind)) return tl::unexpected(TxnError::kWrongKind);
    // Only the status line is read ("SIP/2.0 NNN "), and the To tag for RFC 2543 matching.
    const std::uint16_t status = status_of(response_bytes);
    if (status == 0) {
        // A request line ("METHOD URI SIP/2.0") is the wrong kind; anything else is malformed.
        const std::string_view line = response_bytes.substr(0, response_bytes.find("\r\n"));
        return tl::unexpected(line.ends_with(" SIP/2.0") ? TxnError::kWrongKind
                                                         : TxnError::kBadMessage);
    }
    const bool open = t->state == TxnState::kProceeding || t->state == TxnState::kTrying;
    if (!open && !(t->state == TxnState::kAccepted && status >= 200 && status < 300)) {
        return tl::unexpected(TxnError::kWrongState);
    }
    if (t->rfc2543 && status >= 200) {
        auto m = SipMessageView::parse(response_bytes);
        if (!m) return tl::unexpected(TxnError::kBadMessage);
        t->response_to_tag.assign(to_tag_of(*m));
    }
    t->response.assign(response_bytes);
    return respond_stored(*t, status, now, sink);
}

tl::expected<void, TxnError> TransactionLayer::respond_stored(Txn& t, std::uint16_t status,
                                                              TxnTime now, TxnActionSink& sink) {
    const TxnTimers& tm = config_.timers;
    disarm(t, TimerName::kTrying100, sink);
    if (t.kind == TxnKind::kInviteServer) {
        if (t.state == TxnState::kAccepted) {
            send(t, t.response, sink, false);  // the TU's own 2xx retransmission
            return {};
        }
        send(t, t.response, sink, false);
        if (status < 200) return {};
        if (status < 300) {
            t.state = TxnState::kAccepted;  // RFC 6026 8.5
            arm(t, TimerName::kL, now + 64 * tm.t1, sink);
            return {};
        }
        t.state = TxnState::kCompleted;
        if (!t.reliable) {
            t.interval = tm.t1;
            arm(t, TimerName::kG, now + tm.t1, sink);
        }
        arm(t, TimerName::kH, now + 64 * tm.t1, sink);
        return {};
    }
    send(t, t.response, sink, false);
    if (status < 200) {
        t.state = TxnState::kProceeding;
        return {};
    }
    t.state = TxnState::kCompleted;
    if (t.reliable) {
        terminate(t, sink);  // Timer J = 0
    } else {
        arm(t, TimerName::kJ, now + 64 * tm.t1, sink);
    }
    return {};
}

// --- events --------------------------------------------------------------------------------------

TxnDisposition TransactionLayer::on_message(const SipMessageView& message, const TxnPeer& source,
                                            TxnTime now, TxnActionSink& sink) noexcept {
    release_pending();
    return message.is_request() ? on_request(message, source, now, sink)
                                : on_response(message, source, now, sink);
}

void TransactionLayer::on_timer(TxnHandle txn, TimerName timer, TxnTime now,
                                TxnActionSink& sink) noexcept {
    release_pending();
    Txn* tp = slot(txn);
    if (tp == nullptr || (tp->armed & bit(timer)) == 0) {
        ++counters_.late_timers;
        return;
    }
    Txn& t = *tp;
    t.armed = static_cast<std::uint16_t>(t.armed & ~bit(timer));
    const TxnTimers& tm = config_.timers;
    switch (timer) {
        case TimerName::kA:  // 17.1.1.2: retransmit, double the interval (no cap; B ends it)
            send(t, t.request, sink, true);
            t.interval *= 2;
            arm(t, TimerName::kA, now + t.interval, sink);
            return;
        case TimerName::kE:  // 17.1.2.2: double up to T2 in Trying; T2 in Proceeding
            send(t, t.request, sink, true);
            t.interval = t.state == TxnState::kTrying ? std::min(2 * t.interval, tm.t2) : tm.t2;
            arm(t, TimerName::kE, now + t.interval, sink);
            return;
        case TimerName::kG:  // 17.2.1: retransmit the final response, double up to T2
            send(t, t.response, sink, true);
            t.interval = std::min(2 * t.interval, tm.t2);
            arm(t, TimerName::kG, now + t.interval, sink);
            return;
        case TimerName::kTrying100: send(t, t.response, sink, false); return;
        case TimerName::kB:
        case TimerName::kF:
        case TimerName::kH: {
            ++counters_.timeouts;
            TxnAction a;
            a.kind = TxnActionKind::kTimeout;
            a.timer = timer;
            a.txn = handle_of(t);
            a.peer = t.peer;
            sink.emit(a);
            terminate(t, sink);
            return;
        }
        case TimerName::kD:
        case TimerName::kI:
        case TimerName::kJ:
        case TimerName::kK:
        case TimerName::kL:
        case TimerName::kM: terminate(t, sink); return;
    }
}

void TransactionLayer::on_transport_error(TxnHandle txn, TxnTime /*now*/,
                                          TxnActionSink& sink) noexcept {
    release_pending();
    Txn* t = slot(txn);
    if (t == nullptr) return;
    ++counters_.transport_errors;
    deliver(TxnActionKind::kTransportError, *t, nullptr, sink);
    terminate(*t, sink);
}

}  // namespace rtpx::sip
