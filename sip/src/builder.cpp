#include "rtpx/sip/builder.hpp"

#include <openssl/rand.h>

#include <array>
#include <random>

#include "rtpx/sip/text.hpp"

namespace rtpx::sip {
namespace {

// Per-thread generator seeded once from the OpenSSL CSPRNG (falls back to std::random_device):
// tokens must be unique in space and time, not secret.
std::mt19937_64& rng() {
    thread_local std::mt19937_64 gen = [] {
        std::array<std::uint32_t, 8> seed{};
        if (RAND_bytes(reinterpret_cast<unsigned char*>(seed.data()),
                       static_cast<int>(seed.size() * sizeof(seed[0]))) != 1) {
            std::random_device rd;
            for (auto& s : seed) s = rd();
        }
        std::seed_seq seq(seed.begin(), seed.end());
        return std::mt19937_64(seq);
    }();
    return gen;
}

void append_random(std::string& out, std::size_t n) {
    static constexpr std::string_view kAlphabet =
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    auto& g = rng();
    std::uint64_t bits = 0;
    int left = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (left < 6) {
            bits = g();
            left = 64;
        }
        // 62 symbols: take 6 bits, reject the two values above 61 (no modulo bias).
        std::size_t v = bits & 63U;
        bits >>= 6;
        left -= 6;
        if (v >= kAlphabet.size()) {
            --i;
            continue;
        }
        out.push_back(kAlphabet[v]);
    }
}

struct Reason {
    std::uint16_t code;
    std::string_view text;
};

// RFC 3261 21 and the IANA "Response Codes" registry.
constexpr std::array<Reason, 75> kReasons{{
    {100, "Trying"},
    {180, "Ringing"},
    {181, "Call Is Being Forwarded"},
    {182, "Queued"},
    {183, "Session Progress"},
    {199, "Early Dialog Terminated"},
    {200, "OK"},
    {202, "Accepted"},
    {204, "No Notification"},
    {300, "Multiple Choices"},
    {301, "Moved Permanently"},
    {302, "Moved Temporarily"},
    {305, "Use Proxy"},
    {380, "Alternative Service"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {402, "Payment Required"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {406, "Not Acceptable"},
    {407, "Proxy Authentication Required"},
    {408, "Request Timeout"},
    {410, "Gone"},
    {412, "Conditional Request Failed"},
    {413, "Request Entity Too Large"},
    {414, "Request-URI Too Long"},
    {415, "Unsupported Media Type"},
    {416, "Unsupported URI Scheme"},
    {417, "Unknown Resource-Priority"},
    {420, "Bad Extension"},
    {421, "Extension Required"},
    {422, "Session Interval Too Small"},
    {423, "Interval Too Brief"},
    {424, "Bad Location Information"},
    {425, "Bad Alert Message"},
    {428, "Use Identity Header"},
    {429, "Provide Referrer Identity"},
    {430, "Flow Failed"},
    {433, "Anonymity Disallowed"},
    {436, "Bad Identity Info"},
    {437, "Unsupported Credential"},
    {438, "Invalid Identity Header"},
    {439, "First Hop Lacks Outbound Support"},
    {440, "Max-Breadth Exceeded"},
    {469, "Bad Info Package"},
    {470, "Consent Needed"},
    {480, "Temporarily Unavailable"},
    {481, "Call/Transaction Does Not Exist"},
    {482, "Loop Detected"},
    {483, "Too Many Hops"},
    {484, "Address Incomplete"},
    {485, "Ambiguous"},
    {486, "Busy Here"},
    {487, "Request Terminated"},
    {488, "Not Acceptable Here"},
    {489, "Bad Event"},
    {491, "Request Pending"},
    {493, "Undecipherable"},
    {494, "Security Agreement Required"},
    {500, "Server Internal Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Server Time-out"},
    {505, "Version Not Supported"},
    {513, "Message Too Large"},
    {555, "Push Notification Service Not Supported"},
    {580, "Precondition Failure"},
    {600, "Busy Everywhere"},
    {603, "Decline"},
    {604, "Does Not Exist Anywhere"},
    {606, "Not Acceptable"},
    {607, "Unwanted"},
    {608, "Rejected"},
}};

// Read access to a request, parsed or owned, for the builders below.
struct ViewSource {
    const SipMessageView& m;
    [[nodiscard]] std::string_view method() const { return m.method_text(); }
    [[nodiscard]] std::string_view request_uri() const { return m.request_uri_text(); }
    [[nodiscard]] std::string_view first(HeaderId id) const {
        auto h = m.find(id);
        return h ? h->value : std::string_view{};
    }
    template <class F>
    void each_field(HeaderId id, F&& f) const {
        for (std::size_t i = 0; i < m.header_count(); ++i) {
            const HeaderField h = m.header(i);
            if (h.id == id) f(h.value);
        }
    }
};

struct OwnedSource {
    const SipMessage& m;
    [[nodiscard]] std::string_view method() const { return m.method; }
    [[nodiscard]] std::string_view request_uri() const { return m.request_uri; }
    [[nodiscard]] std::string_view first(HeaderId id) const { return m.value(id); }
    template <class F>
    void each_field(HeaderId id, F&& f) const {
        for (const auto& h : m.headers) {
            if (lookup_header(h.name) == id) f(std::string_view(h.value));
        }
    }
};

template <class Src>
std::string_view top_via(const Src& src) {
    std::string_view top;
    src.each_field(HeaderId::kVia, [&](std::string_view v) {
        if (top.empty()) {
            auto it = CommaList(v).begin();
            if (it != CommaList::iterator()) top = *it;
        }
    });
    return top;
}

std::string cseq_number(std::string_view cseq) {
    auto c = CSeqView::parse(cseq);
    return std::to_string(c ? c->seq : 0U);
}

bool is_dialog_creating(std::string_view method) {
    return method == "INVITE" || method == "SUBSCRIBE" || method == "REFER";
}

template <class Src>
SipMessage response_from(const Src& src, std::uint16_t status, std::string_view reason,
                         std::string_view to_tag) {
    SipMessage r;
    r.status = status;
    r.reason = std::string(reason.empty() ? reason_phrase_or_class(status) : reason);
    src.each_field(HeaderId::kVia,
                   [&](std::string_view v) { r.add(HeaderId::kVia, std::string(v)); });
    if (status >= 101 && status < 300 && is_dialog_creating(src.method())) {
        src.each_field(HeaderId::kRecordRoute,
                       [&](std::string_view v) { r.add(HeaderId::kRecordRoute, std::string(v)); });
    }
    r.add(HeaderId::kFrom, std::string(src.first(HeaderId::kFrom)));
    std::string to(src.first(HeaderId::kTo));
    if (status > 100) {
        auto parsed = NameAddrView::parse(to);
        const bool has_tag =
            parsed ? !parsed->tag().empty() : to.find(";tag=") != std::string::npos;
        if (!has_tag) to.append(";tag=").append(to_tag.empty() ? make_tag() : std::string(to_tag));
    }
    r.add(HeaderId::kTo, std::move(to));
    r.add(HeaderId::kCallId, std::string(src.first(HeaderId::kCallId)));
    r.add(HeaderId::kCSeq, std::string(src.first(HeaderId::kCSeq)));
    // RFC 3261 8.2.6.1: a 100 Trying echoes the request's Timestamp.
    if (status == 100 && !src.first(HeaderId::kTimestamp).empty()) {
        r.add(HeaderId::kTimestamp, std::string(src.first(HeaderId::kTimestamp)));
    }
    return r;
}

// ACK (17.1.1.3) and CANCEL (9.1) share their shape: the request's URI, top Via, From, Call-ID,
// CSeq number and Route set; only To and the CSeq method differ.
template <class Src>
SipMessage in_transaction_request(const Src& src, std::string_view method, std::string_view to) {
    SipMessage r;
    r.method = std::string(method);
    r.request_uri = std::string(src.request_uri());
    r.add(HeaderId::kVia, std::string(top_via(src)));
    r.add(HeaderId::kMaxForwards, "70");
    r.add(HeaderId::kTo, std::string(to));
    r.add(HeaderId::kFrom, std::string(src.first(HeaderId::kFrom)));
    r.add(HeaderId::kCallId, std::string(src.first(HeaderId::kCallId)));
    r.add(HeaderId::kCSeq, cseq_number(src.first(HeaderId::kCSeq)) + " " + std::string(method));
    src.each_field(HeaderId::kRoute,
                   [&](std::string_view v) { r.add(HeaderId::kRoute, std::string(v)); });
    return r;
}

}  // namespace

std::string make_branch() {
    std::string b(kBranchCookie);
    append_random(b, 22);
    return b;
}

std::string make_tag() {
    std::string t;
    append_random(t, 16);
    return t;
}

std::string make_call_id(std::string_view host) {
    std::string c;
    append_random(c, 24);
    if (!host.empty()) c.append(1, '@').append(host);
    return c;
}

std::string_view reason_phrase(std::uint16_t status) noexcept {
    for (const Reason& r : kReasons) {
        if (r.code == status) return r.text;
        if (r.code > status) break;
    }
    return {};
}

std::string_view reason_phrase_or_class(std::uint16_t status) noexcept {
    std::string_view r = reason_phrase(status);
    if (!r.empty()) return r;
    // RFC 3261 8.1.3.2: an unknown code is treated as the x00 code of its class.
    r = reason_phrase(static_cast<std::uint16_t>(status / 100 * 100));
    return r.empty() ? std::string_view("Unknown") : r;
}

SipMessage make_request(const RequestSpec& spec) {
    SipMessage m;
    m.method = std::string(spec.method);
    m.request_uri = std::string(spec.request_uri);
    std::string via = "SIP/2.0/";
    via.append(spec.via_transport).append(1, ' ').append(spec.via_sent_by).append(";branch=");
    via.append(spec.branch.empty() ? make_branch() : std::string(spec.branch));
    if (spec.via_rport) via.append(";rport");
    m.add(HeaderId::kVia, std::move(via));
    m.add(HeaderId::kMaxForwards, std::to_string(spec.max_forwards));
    m.add(HeaderId::kTo, std::string(spec.to));
    std::string from(spec.from);
    from.append(";tag=").append(spec.from_tag.empty() ? make_tag() : std::string(spec.from_tag));
    m.add(HeaderId::kFrom, std::move(from));
    m.add(HeaderId::kCallId, spec.call_id.empty() ? make_call_id() : std::string(spec.call_id));
    m.add(HeaderId::kCSeq, std::to_string(spec.cseq) + " " + std::string(spec.method));
    if (!spec.contact.empty()) m.add(HeaderId::kContact, std::string(spec.contact));
    if (!spec.content_type.empty()) m.add(HeaderId::kContentType, std::string(spec.content_type));
    m.body = std::string(spec.body);
    return m;
}

SipMessage make_response(const SipMessageView& request, std::uint16_t status,
                         std::string_view reason, std::string_view to_tag) {
    return response_from(ViewSource{request}, status, reason, to_tag);
}

SipMessage make_response(const SipMessage& request, std::uint16_t status, std::string_view reason,
                         std::string_view to_tag) {
    return response_from(OwnedSource{request}, status, reason, to_tag);
}

SipMessage make_ack_for_non2xx(const SipMessageView& invite, const SipMessageView& response) {
    auto to = response.find(HeaderId::kTo);
    return in_transaction_request(ViewSource{invite}, "ACK", to ? to->value : std::string_view{});
}

SipMessage make_ack_for_non2xx(const SipMessage& invite, const SipMessageView& response) {
    auto to = response.find(HeaderId::kTo);
    return in_transaction_request(OwnedSource{invite}, "ACK", to ? to->value : std::string_view{});
}

SipMessage make_cancel(const SipMessageView& request) {
    ViewSource src{request};
    return in_transaction_request(src, "CANCEL", src.first(HeaderId::kTo));
}

SipMessage make_cancel(const SipMessage& request) {
    OwnedSource src{request};
    return in_transaction_request(src, "CANCEL", src.first(HeaderId::kTo));
}

}  // namespace rtpx::sip
