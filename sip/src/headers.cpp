#include "rtpx/sip/headers.hpp"

#include "detail.hpp"
#include "rtpx/sip/text.hpp"

namespace rtpx::sip {
namespace {

std::size_t skip_lws(std::string_view s, std::size_t i) noexcept {
    while (i < s.size() && is_lws_char(s[i])) ++i;
    return i;
}

std::size_t scan_token(std::string_view s, std::size_t i) noexcept {
    while (i < s.size() && is_token_char(s[i])) ++i;
    return i;
}

// Offset of the first non-LWS character of `value` (values handed in may carry white space).
std::size_t lead(std::string_view value) noexcept {
    return skip_lws(value, 0);
}

}  // namespace

// --- Via ----------------------------------------------------------------------------------------

SipParseResult<ViaView> ViaView::parse(std::string_view s) noexcept {
    ViaView v;
    std::size_t i = lead(s);
    std::size_t t = scan_token(s, i);
    if (t == i) return sip_error(SipParseErrc::kBadValue, i, "Via without protocol name");
    v.protocol_name = s.substr(i, t - i);
    i = skip_lws(s, t);
    if (i >= s.size() || s[i] != '/')
        return sip_error(SipParseErrc::kBadValue, i, "Via without '/'");
    i = skip_lws(s, i + 1);
    t = scan_token(s, i);
    if (t == i) return sip_error(SipParseErrc::kBadValue, i, "Via without protocol version");
    v.protocol_version = s.substr(i, t - i);
    i = skip_lws(s, t);
    if (i >= s.size() || s[i] != '/')
        return sip_error(SipParseErrc::kBadValue, i, "Via without '/'");
    i = skip_lws(s, i + 1);
    t = scan_token(s, i);
    if (t == i) return sip_error(SipParseErrc::kBadValue, i, "Via without transport");
    v.transport = s.substr(i, t - i);
    const std::size_t after = t;
    i = skip_lws(s, t);
    if (i == after || i >= s.size()) {
        return sip_error(SipParseErrc::kBadValue, i, "Via without sent-by");
    }
    auto hp = detail::parse_hostport(s.substr(i));
    if (!hp) return tl::unexpected(rebase(hp.error(), i));
    v.host = hp->host;
    v.port = hp->port;
    v.host_is_ipv6 = hp->ipv6;
    i += hp->length;
    v.params = s.substr(i);
    while (!v.params.empty() && is_lws_char(v.params.back())) v.params.remove_suffix(1);
    if (auto bad = check_params(v.params)) {
        return sip_error(SipParseErrc::kBadValue, i + *bad, "bad Via parameter");
    }
    for (const Param& p : v.param_range()) {
        if (ci_equal(p.name, "ttl") && !parse_uint(p.value, 255)) {
            return sip_error(SipParseErrc::kBadValue,
                             static_cast<std::size_t>(p.value.data() - s.data()), "bad Via ttl");
        }
        if ((ci_equal(p.name, "branch") || ci_equal(p.name, "received") ||
             ci_equal(p.name, "maddr")) &&
            p.value.empty()) {
            return sip_error(SipParseErrc::kBadValue,
                             static_cast<std::size_t>(p.name.data() - s.data()),
                             "Via parameter without value");
        }
        if (ci_equal(p.name, "rport") && p.has_value && !parse_uint(p.value, 65535)) {
            return sip_error(SipParseErrc::kBadValue,
                             static_cast<std::size_t>(p.value.data() - s.data()), "bad Via rport");
        }
    }
    return v;
}

std::optional<std::uint8_t> ViaView::ttl() const noexcept {
    auto v = param("ttl");
    if (!v) return std::nullopt;
    auto n = parse_uint(*v, 255);
    if (!n) return std::nullopt;
    return static_cast<std::uint8_t>(*n);
}

// --- name-addr / addr-spec ----------------------------------------------------------------------

SipParseResult<NameAddrView> NameAddrView::parse(std::string_view s, bool star_allowed) noexcept {
    NameAddrView n;
    std::size_t i = lead(s);
    std::size_t end = s.size();
    while (end > i && is_lws_char(s[end - 1])) --end;
    if (i >= end) return sip_error(SipParseErrc::kBadValue, i, "empty address");
    if (star_allowed && end - i == 1 && s[i] == '*') {
        n.star = true;
        return n;
    }
    std::size_t uri_start = 0;
    std::size_t uri_end = 0;
    if (s[i] == '"') {
        auto len = quoted_string_length(s.substr(i));
        if (!len) return sip_error(SipParseErrc::kBadValue, i, "unterminated quoted display name");
        n.display_name = s.substr(i, *len);
        i = skip_lws(s, i + *len);
        if (i >= end || s[i] != '<') {
            return sip_error(SipParseErrc::kBadValue, i, "display name not followed by '<'");
        }
    } else {
        // Display name tokens (separated by LWS) before '<', or an addr-spec.
        std::size_t k = i;
        while (k < end && s[k] != '<' && s[k] != ';' && s[k] != '"') ++k;
        if (k < end && s[k] == '<') {
            std::size_t d_end = k;
            while (d_end > i && is_lws_char(s[d_end - 1])) --d_end;
            for (std::size_t c = i; c < d_end; ++c) {
                if (!is_token_char(s[c]) && !is_lws_char(s[c])) {
                    return sip_error(SipParseErrc::kBadValue, c, "bad character in display name");
                }
            }
            n.display_name = s.substr(i, d_end - i);
            i = k;
        }
    }
    std::size_t p = 0;
    if (i < end && s[i] == '<') {
        n.angle_brackets = true;
        uri_start = i + 1;
        uri_end = s.find('>', uri_start);
        if (uri_end == std::string_view::npos || uri_end >= end) {
            return sip_error(SipParseErrc::kBadValue, i, "'<' without '>'");
        }
        p = uri_end + 1;
    } else {
        uri_start = i;
        uri_end = i;
        while (uri_end < end && s[uri_end] != ';' && !is_lws_char(s[uri_end])) {
            if (s[uri_end] == ',' || s[uri_end] == '?' || s[uri_end] == '>') {
                return sip_error(SipParseErrc::kBadValue, uri_end,
                                 "addr-spec with reserved character (use <>)");
            }
            ++uri_end;
        }
        p = uri_end;
    }
    n.uri_text = s.substr(uri_start, uri_end - uri_start);
    auto uri = UriView::parse(n.uri_text);
    if (!uri) return tl::unexpected(rebase(uri.error(), uri_start));
    n.uri = *uri;
    n.params = s.substr(p, end - p);
    if (auto bad = check_params(n.params)) {
        return sip_error(SipParseErrc::kBadValue, p + *bad, "bad header parameter");
    }
    return n;
}

std::optional<std::uint32_t> NameAddrView::expires() const noexcept {
    auto v = param("expires");
    if (!v) return std::nullopt;
    auto n = parse_uint(*v, UINT32_MAX);
    if (!n) return std::nullopt;
    return static_cast<std::uint32_t>(*n);
}

std::optional<std::uint16_t> NameAddrView::q() const noexcept {
    auto v = param("q");
    if (!v || v->empty()) return std::nullopt;
    std::string_view s = *v;
    if (s[0] != '0' && s[0] != '1') return std::nullopt;
    std::uint32_t value = static_cast<std::uint32_t>(s[0] - '0') * 1000;
    if (s.size() > 1) {
        if (s[1] != '.' || s.size() > 5) return std::nullopt;
        std::uint32_t scale = 100;
        for (std::size_t i = 2; i < s.size(); ++i, scale /= 10) {
            if (!is_digit(s[i])) return std::nullopt;
            value += static_cast<std::uint32_t>(s[i] - '0') * scale;
        }
    }
    if (value > 1000) return std::nullopt;
    return static_cast<std::uint16_t>(value);
}

// --- CSeq ---------------------------------------------------------------------------------------

SipParseResult<CSeqView> CSeqView::parse(std::string_view s) noexcept {
    CSeqView c;
    std::size_t i = lead(s);
    std::size_t d = i;
    while (d < s.size() && is_digit(s[d])) ++d;
    if (d == i) return sip_error(SipParseErrc::kBadValue, i, "CSeq without number");
    // RFC 3261 8.1.1.5: less than 2**31.
    auto seq = parse_uint(s.substr(i, d - i), 0x7fffffffU);
    if (!seq) return sip_error(SipParseErrc::kBadValue, i, "CSeq number out of range");
    c.seq = static_cast<std::uint32_t>(*seq);
    i = skip_lws(s, d);
    if (i == d) return sip_error(SipParseErrc::kBadValue, i, "CSeq without method");
    std::size_t t = scan_token(s, i);
    if (t == i) return sip_error(SipParseErrc::kBadValue, i, "CSeq without method");
    c.method_text = s.substr(i, t - i);
    c.method = lookup_method(c.method_text);
    if (skip_lws(s, t) != s.size()) {
        return sip_error(SipParseErrc::kBadValue, t, "trailing characters after CSeq method");
    }
    return c;
}

// --- Content-Type -------------------------------------------------------------------------------

SipParseResult<ContentTypeView> ContentTypeView::parse(std::string_view s) noexcept {
    ContentTypeView ct;
    std::size_t i = lead(s);
    std::size_t t = scan_token(s, i);
    if (t == i) return sip_error(SipParseErrc::kBadValue, i, "Content-Type without type");
    ct.type = s.substr(i, t - i);
    i = skip_lws(s, t);
    if (i >= s.size() || s[i] != '/') {
        return sip_error(SipParseErrc::kBadValue, i, "Content-Type without '/'");
    }
    i = skip_lws(s, i + 1);
    t = scan_token(s, i);
    if (t == i) return sip_error(SipParseErrc::kBadValue, i, "Content-Type without subtype");
    ct.subtype = s.substr(i, t - i);
    ct.params = s.substr(t);
    while (!ct.params.empty() && is_lws_char(ct.params.back())) ct.params.remove_suffix(1);
    if (auto bad = check_params(ct.params)) {
        return sip_error(SipParseErrc::kBadValue, t + *bad, "bad Content-Type parameter");
    }
    return ct;
}

bool ContentTypeView::is(std::string_view t, std::string_view s) const noexcept {
    return ci_equal(type, t) && ci_equal(subtype, s);
}

std::string_view ContentTypeView::boundary() const noexcept {
    auto b = param("boundary");
    if (!b) return {};
    std::string_view v = *b;
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    return v;
}

// --- simple values ------------------------------------------------------------------------------

std::optional<std::uint32_t> parse_decimal_value(std::string_view value,
                                                 std::uint32_t max) noexcept {
    auto n = parse_uint(trim_lws(value), max);
    if (!n) return std::nullopt;
    return static_cast<std::uint32_t>(*n);
}

bool is_valid_call_id(std::string_view value) noexcept {
    // word = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" / "(" / ")" /
    //           "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" / "{" / "}")
    constexpr auto word_char = [](char c) {
        if (is_token_char(c)) return true;
        switch (c) {
            case '(':
            case ')':
            case '<':
            case '>':
            case ':':
            case '\\':
            case '"':
            case '/':
            case '[':
            case ']':
            case '?':
            case '{':
            case '}': return true;
            default: return false;
        }
    };
    if (value.empty()) return false;
    std::size_t at = value.find('@');
    std::string_view left = value.substr(0, at);
    std::string_view right =
        at == std::string_view::npos ? std::string_view{} : value.substr(at + 1);
    if (left.empty() || (at != std::string_view::npos && right.empty())) return false;
    for (char c : left) {
        if (!word_char(c)) return false;
    }
    for (char c : right) {
        if (!word_char(c)) return false;
    }
    return true;
}

}  // namespace rtpx::sip
