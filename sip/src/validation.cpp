#include "rtpx/sip/validation.hpp"

#include <array>

#include "rtpx/sip/builder.hpp"
#include "rtpx/sip/text.hpp"

namespace rtpx::sip {
namespace {

Rejection bad_request(std::string_view problem) {
    Rejection r;
    r.status = 400;
    r.reason = "Bad Request (";
    r.reason.append(problem).append(1, ')');
    return r;
}

Rejection simple(std::uint16_t status) {
    Rejection r;
    r.status = status;
    r.reason = std::string(reason_phrase(status));
    return r;
}

constexpr std::array<Method, 14> kKnownMethods{
    Method::kInvite,   Method::kAck,   Method::kBye,       Method::kCancel, Method::kOptions,
    Method::kRegister, Method::kPrack, Method::kSubscribe, Method::kNotify, Method::kPublish,
    Method::kInfo,     Method::kRefer, Method::kMessage,   Method::kUpdate};

constexpr std::array<DropReasonInfo, static_cast<std::size_t>(DropReason::kCount_)> kDropReasons{{
    {"dropped_unparseable_requests",
     "requests that could not be parsed well enough to answer (no usable Via)"},
    {"dropped_unparseable_responses",
     "responses that could not be parsed; dropped silently (RFC 3261 18.1.2)"},
    {"dropped_not_sip", "datagrams or stream data that are not SIP at all"},
}};

}  // namespace

std::optional<Rejection> validate_request(const SipMessageView& req,
                                          const ValidationPolicy& policy) {
    if (!req.is_request()) return bad_request("not a request");
    // 505 first: a different version may mean a different grammar (RFC 3261 8.2, 21.5.6).
    if (!req.is_sip_2_0()) return simple(505);

    // Mandatory headers (8.1.1). Max-Forwards is not required of the sender here: RFC 2543
    // clients omit it and RFC 4475 3.4.1 asks elements to accept such requests.
    static constexpr std::array<std::pair<HeaderId, std::string_view>, 5> kRequired{{
        {HeaderId::kVia, "missing Via"},
        {HeaderId::kFrom, "missing From"},
        {HeaderId::kTo, "missing To"},
        {HeaderId::kCallId, "missing Call-ID"},
        {HeaderId::kCSeq, "missing CSeq"},
    }};
    for (const auto& [id, problem] : kRequired) {
        if (!req.has(id)) return bad_request(problem);
    }
    // Headers that may appear once (RFC 4475 3.3.8).
    static constexpr std::array<std::pair<HeaderId, std::string_view>, 6> kSingle{{
        {HeaderId::kFrom, "multiple From"},
        {HeaderId::kTo, "multiple To"},
        {HeaderId::kCallId, "multiple Call-ID"},
        {HeaderId::kCSeq, "multiple CSeq"},
        {HeaderId::kMaxForwards, "multiple Max-Forwards"},
        {HeaderId::kContentType, "multiple Content-Type"},
    }};
    for (const auto& [id, problem] : kSingle) {
        if (req.count(id) > 1) return bad_request(problem);
    }
    if (req.count(HeaderId::kContentLength) > 1) return bad_request("multiple Content-Length");
    if (auto ok = req.check_syntax(); !ok) return bad_request(ok.error().what);

    // 8.2.1: method inspection. An unknown method gets 501 even when its CSeq method differs
    // (RFC 4475 3.1.2.18 prefers 501 to 400).
    if (req.method() == Method::kUnknown) return simple(501);
    auto cseq = req.cseq();
    if (!cseq) return bad_request(cseq.error().what);
    if (cseq->method_text != req.method_text()) return bad_request("CSeq method does not match");
    if (!policy.allowed_methods.empty() && req.method() != Method::kAck &&
        req.method() != Method::kCancel) {
        bool allowed = false;
        for (Method m : policy.allowed_methods) allowed = allowed || m == req.method();
        if (!allowed) {
            Rejection r = simple(405);
            r.extra_header = HeaderId::kAllow;
            for (Method m : policy.allowed_methods) {
                if (!r.extra_value.empty()) r.extra_value.append(", ");
                r.extra_value.append(method_name(m));
            }
            return r;
        }
    }

    // 8.2.2.1: Request-URI scheme.
    auto uri = req.request_uri();
    if (!uri) return bad_request(uri.error().what);
    if (uri->scheme == UriScheme::kOther ||
        (uri->scheme == UriScheme::kTel && !policy.accept_tel_uri)) {
        return simple(416);
    }

    // 8.2.2.3: Require (not for ACK; CANCEL's Require is ignored).
    if (req.method() != Method::kAck && req.method() != Method::kCancel) {
        Rejection r = simple(420);
        r.extra_header = HeaderId::kUnsupported;
        for (std::string_view option : req.values(HeaderId::kRequire)) {
            bool known = false;
            for (std::string_view s : policy.supported) known = known || ci_equal(s, option);
            if (!known) {
                if (!r.extra_value.empty()) r.extra_value.append(", ");
                r.extra_value.append(option);
            }
        }
        if (!r.extra_value.empty()) return r;
    }

    // 16.3 step 3 (and a B2BUA forwarding): Max-Forwards.
    if (policy.forwarding && req.has(HeaderId::kMaxForwards)) {
        auto mf = req.max_forwards();
        if (!mf) return bad_request(mf.error().what);
        if (*mf == 0) return simple(483);
    }
    return std::nullopt;
}

SipMessage make_rejection_response(const SipMessageView& request, const Rejection& rejection,
                                   std::string_view to_tag) {
    SipMessage r = make_response(request, rejection.status, rejection.reason, to_tag);
    if (rejection.extra_header != HeaderId::kOther) {
        r.add(rejection.extra_header, rejection.extra_value);
    }
    return r;
}

std::optional<MergedRequestKey> merged_request_key(const SipMessageView& request) noexcept {
    if (!request.is_request()) return std::nullopt;
    auto to = request.to();
    if (!to || !to->tag().empty()) return std::nullopt;
    auto from = request.from();
    auto call_id = request.call_id();
    auto cseq = request.cseq();
    auto via = request.top_via();
    if (!from || !call_id || !cseq || !via) return std::nullopt;
    return MergedRequestKey{*call_id, from->tag(), cseq->seq, cseq->method_text, via->branch()};
}

const DropReasonInfo& drop_reason_info(DropReason r) noexcept {
    auto i = static_cast<std::size_t>(r);
    return kDropReasons[i < kDropReasons.size() ? i : kDropReasons.size() - 1];
}

DropReason classify_unparseable(std::string_view bytes) noexcept {
    std::size_t i = 0;
    while (i < bytes.size() && (bytes[i] == '\r' || bytes[i] == '\n')) ++i;
    bytes.remove_prefix(i);
    if (bytes.size() >= 4 && ci_equal(bytes.substr(0, 4), "SIP/")) {
        return DropReason::kUnparseableResponse;
    }
    std::size_t t = 0;
    while (t < bytes.size() && is_token_char(bytes[t])) ++t;
    if (t > 0 && t < bytes.size() && bytes[t] == ' ') return DropReason::kUnparseableRequest;
    return DropReason::kNotSip;
}

}  // namespace rtpx::sip
