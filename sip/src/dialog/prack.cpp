#include "rtpx/sip/dialog/prack.hpp"

#include <random>

#include "rtpx/sip/text.hpp"

namespace rtpx::sip {

std::optional<std::uint32_t> parse_rseq(std::string_view value) noexcept {
    auto v = parse_uint(trim(value), kMaxRSeq);
    if (!v || *v == 0) return std::nullopt;
    return static_cast<std::uint32_t>(*v);
}

SipParseResult<RAckView> RAckView::parse(std::string_view value) noexcept {
    std::size_t i = 0;
    const auto skip_lws = [&] {
        while (i < value.size() && is_lws_char(value[i])) ++i;
    };
    const auto number = [&](std::uint64_t max) -> std::optional<std::uint32_t> {
        const std::size_t start = i;
        while (i < value.size() && is_digit(value[i])) ++i;
        auto v = parse_uint(value.substr(start, i - start), max);
        if (!v) return std::nullopt;
        return static_cast<std::uint32_t>(*v);
    };
    RAckView r;
    skip_lws();
    auto rseq = number(kMaxRSeq);
    if (!rseq || *rseq == 0) return sip_error(SipParseErrc::kBadValue, i, "RAck response-num");
    if (i >= value.size() || !is_lws_char(value[i]))
        return sip_error(SipParseErrc::kBadValue, i, "RAck: expected white space");
    skip_lws();
    auto cseq = number(kMaxRSeq);
    if (!cseq) return sip_error(SipParseErrc::kBadValue, i, "RAck CSeq-num");
    if (i >= value.size() || !is_lws_char(value[i]))
        return sip_error(SipParseErrc::kBadValue, i, "RAck: expected white space");
    skip_lws();
    const std::size_t m = i;
    while (i < value.size() && is_token_char(value[i])) ++i;
    if (i == m) return sip_error(SipParseErrc::kBadValue, i, "RAck method");
    r.method_text = value.substr(m, i - m);
    skip_lws();
    if (i != value.size())
        return sip_error(SipParseErrc::kBadValue, i, "RAck: trailing characters");
    r.rseq = *rseq;
    r.cseq = *cseq;
    r.method = lookup_method(r.method_text);
    return r;
}

bool has_option_tag(const SipMessageView& m, HeaderId id, std::string_view tag) noexcept {
    for (std::string_view v : m.values(id)) {
        if (ci_equal(trim(v), tag)) return true;
    }
    return false;
}

ReliabilityRequest reliability_requested(const SipMessageView& invite) noexcept {
    if (has_option_tag(invite, HeaderId::kRequire, k100rel)) return ReliabilityRequest::kRequired;
    if (has_option_tag(invite, HeaderId::kSupported, k100rel))
        return ReliabilityRequest::kSupported;
    return ReliabilityRequest::kNone;
}

std::uint32_t random_initial_rseq() {
    thread_local std::mt19937 gen{std::random_device{}()};
    // Leave room below 2**31 for the responses of one transaction.
    return std::uniform_int_distribution<std::uint32_t>(1, kMaxRSeq / 2)(gen);
}

bool ReliableProvisionalSender::send(SipMessage& provisional, std::chrono::milliseconds now) {
    if (pending_) return false;
    auto cseq = CSeqView::parse(provisional.value(HeaderId::kCSeq));
    pending_cseq_ = cseq ? cseq->seq : 0;
    pending_rseq_ = next_rseq_++;
    provisional.add(HeaderId::kRequire, std::string(k100rel));
    provisional.set(HeaderId::kRSeq, std::to_string(pending_rseq_));
    pending_ = provisional;
    retransmitter_ = Retransmitter::for_reliable_provisional(cfg_, now);
    return true;
}

std::uint16_t ReliableProvisionalSender::on_prack(const SipMessageView& prack) noexcept {
    auto rack_field = prack.find(HeaderId::kRAck);
    if (!rack_field || !pending_) return 481;
    auto rack = RAckView::parse(rack_field->value);
    if (!rack || rack->rseq != pending_rseq_ || rack->cseq != pending_cseq_ ||
        rack->method != Method::kInvite) {
        return 481;
    }
    pending_.reset();
    retransmitter_.reset();
    return 200;
}

std::optional<std::chrono::milliseconds> ReliableProvisionalSender::next_deadline() const noexcept {
    if (!pending_ || !retransmitter_) return std::nullopt;
    return retransmitter_->next_deadline();
}

RetransmitAction ReliableProvisionalSender::on_timer(std::chrono::milliseconds now) noexcept {
    if (!pending_ || !retransmitter_) return RetransmitAction::kNone;
    const RetransmitAction a = retransmitter_->on_timer(now);
    if (a == RetransmitAction::kGiveUp) {
        pending_.reset();
        retransmitter_.reset();
    }
    return a;
}

PrackResult PrackTracker::on_provisional(const SipMessageView& response) {
    PrackResult out;
    const std::uint16_t status = response.status_code();
    if (status <= 100 || status >= 200 || !has_option_tag(response, HeaderId::kRequire, k100rel)) {
        return out;
    }
    auto rseq_field = response.find(HeaderId::kRSeq);
    auto rseq = rseq_field ? parse_rseq(rseq_field->value) : std::nullopt;
    auto cseq = response.cseq();
    if (!rseq || !cseq) {
        out.decision = PrackDecision::kMalformed;
        return out;
    }
    if (last_rseq_ && *rseq != *last_rseq_ + 1) {
        out.decision = PrackDecision::kDiscard;
        return out;
    }
    last_rseq_ = *rseq;
    out.decision = PrackDecision::kPrack;
    out.rack = std::to_string(*rseq) + " " + std::to_string(cseq->seq) + " " +
               std::string(cseq->method_text);
    return out;
}

SipMessage make_prack(Dialog& dialog, const ViaSpec& via, std::string_view rack,
                      std::string_view content_type, std::string_view body) {
    SipMessage m = dialog.make_request("PRACK", via, content_type, body);
    m.add(HeaderId::kRAck, std::string(rack));
    return m;
}

}  // namespace rtpx::sip
