#include "rtpx/sip/uri.hpp"

#include "detail.hpp"
#include "rtpx/sip/text.hpp"

namespace rtpx::sip {
namespace {

constexpr bool is_mark(char c) noexcept {
    switch (c) {
        case '-':
        case '_':
        case '.':
        case '!':
        case '~':
        case '*':
        case '\'':
        case '(':
        case ')': return true;
        default: return false;
    }
}
constexpr bool is_unreserved(char c) noexcept {
    return is_alpha(c) || is_digit(c) || is_mark(c);
}

constexpr bool is_user_char(char c) noexcept {  // unreserved / user-unreserved (escaped apart)
    switch (c) {
        case '&':
        case '=':
        case '+':
        case '$':
        case ',':
        case ';':
        case '?':
        case '/': return true;
        default: return is_unreserved(c);
    }
}
constexpr bool is_password_char(char c) noexcept {
    switch (c) {
        case '&':
        case '=':
        case '+':
        case '$':
        case ',': return true;
        default: return is_unreserved(c);
    }
}
constexpr bool is_param_char(char c) noexcept {  // paramchar without escaped
    switch (c) {
        case '[':
        case ']':
        case '/':
        case ':':
        case '&':
        case '+':
        case '$': return true;
        default: return is_unreserved(c);
    }
}
constexpr bool is_hnv_char(char c) noexcept {  // hname / hvalue chars without escaped
    switch (c) {
        case '[':
        case ']':
        case '/':
        case '?':
        case ':':
        case '+':
        case '$': return true;
        default: return is_unreserved(c);
    }
}

// Checks that every character of s satisfies pred or is a valid %HH escape; returns the offset of
// the first bad character or nullopt.
template <class Pred>
std::optional<std::size_t> check_escaped(std::string_view s, Pred pred) noexcept {
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%') {
            if (i + 2 >= s.size() || !is_hex_digit(s[i + 1]) || !is_hex_digit(s[i + 2])) {
                return i;
            }
            i += 2;
        } else if (!pred(s[i])) {
            return i;
        }
    }
    return std::nullopt;
}

// ";param=value..." up to '?' or the end. Returns the length consumed.
SipParseResult<std::size_t> parse_uri_params(std::string_view s) noexcept {
    std::size_t i = 0;
    while (i < s.size() && s[i] == ';') {
        const std::size_t name_start = ++i;
        while (i < s.size() && s[i] != ';' && s[i] != '?' && s[i] != '=') ++i;
        if (i == name_start) return sip_error(SipParseErrc::kBadValue, i, "empty URI parameter");
        if (auto bad = check_escaped(s.substr(name_start, i - name_start), is_param_char)) {
            return sip_error(SipParseErrc::kBadValue, name_start + *bad,
                             "bad character in URI parameter");
        }
        if (i < s.size() && s[i] == '=') {
            const std::size_t v = ++i;
            while (i < s.size() && s[i] != ';' && s[i] != '?') ++i;
            if (i == v) return sip_error(SipParseErrc::kBadValue, i, "empty URI parameter value");
            if (auto bad = check_escaped(s.substr(v, i - v), is_param_char)) {
                return sip_error(SipParseErrc::kBadValue, v + *bad,
                                 "bad character in URI parameter");
            }
        }
    }
    return i;
}

SipParseResult<void> check_uri_headers(std::string_view s) noexcept {
    // hname "=" hvalue *( "&" hname "=" hvalue ); hvalue may be empty.
    std::size_t i = 0;
    while (true) {
        const std::size_t name_start = i;
        while (i < s.size() && s[i] != '=' && s[i] != '&') ++i;
        if (i == name_start) return sip_error(SipParseErrc::kBadValue, i, "empty URI header name");
        if (auto bad = check_escaped(s.substr(name_start, i - name_start), is_hnv_char)) {
            return sip_error(SipParseErrc::kBadValue, name_start + *bad,
                             "bad character in URI header");
        }
        if (i >= s.size() || s[i] != '=') {
            return sip_error(SipParseErrc::kBadValue, i, "URI header without '='");
        }
        const std::size_t v = ++i;
        while (i < s.size() && s[i] != '&') ++i;
        if (auto bad = check_escaped(s.substr(v, i - v), is_hnv_char)) {
            return sip_error(SipParseErrc::kBadValue, v + *bad, "bad character in URI header");
        }
        if (i >= s.size()) return {};
        ++i;
    }
}

SipParseResult<void> parse_sip_rest(std::string_view s, std::size_t base, UriView& u) noexcept {
    // userinfo: up to the first '@' (no '@' in user, password, params or headers).
    std::size_t at = s.find('@');
    std::size_t i = 0;
    if (at != std::string_view::npos) {
        u.has_user = true;
        std::string_view userinfo = s.substr(0, at);
        std::size_t colon = userinfo.find(':');
        u.user = userinfo.substr(0, colon);
        if (u.user.empty()) return sip_error(SipParseErrc::kBadValue, base, "empty user in URI");
        if (auto bad = check_escaped(u.user, is_user_char)) {
            return sip_error(SipParseErrc::kBadValue, base + *bad, "bad character in URI user");
        }
        if (colon != std::string_view::npos) {
            u.password = userinfo.substr(colon + 1);
            if (auto bad = check_escaped(u.password, is_password_char)) {
                return sip_error(SipParseErrc::kBadValue, base + colon + 1 + *bad,
                                 "bad character in URI password");
            }
        }
        i = at + 1;
    }
    auto hp = detail::parse_hostport(s.substr(i));
    if (!hp) return tl::unexpected(rebase(hp.error(), base + i));
    u.host = hp->host;
    u.port = hp->port;
    u.host_is_ipv6 = hp->ipv6;
    i += hp->length;
    auto params = parse_uri_params(s.substr(i));
    if (!params) return tl::unexpected(rebase(params.error(), base + i));
    u.params = s.substr(i, *params);
    i += *params;
    if (i < s.size()) {
        if (s[i] != '?')
            return sip_error(SipParseErrc::kBadValue, base + i, "bad character in URI");
        u.headers = s.substr(i + 1);
        if (auto ok = check_uri_headers(u.headers); !ok) {
            return tl::unexpected(rebase(ok.error(), base + i + 1));
        }
    }
    return {};
}

constexpr bool is_visual_separator(char c) noexcept {
    return c == '-' || c == '.' || c == '(' || c == ')';
}

SipParseResult<void> parse_tel_rest(std::string_view s, std::size_t base, UriView& u) noexcept {
    std::size_t i = 0;
    bool global = !s.empty() && s[0] == '+';
    if (global) ++i;
    bool digit = false;
    while (i < s.size() && s[i] != ';') {
        const char c = s[i];
        if (is_digit(c) || (!global && (is_hex_digit(c) || c == '*' || c == '#'))) {
            digit = true;
        } else if (!is_visual_separator(c)) {
            return sip_error(SipParseErrc::kBadValue, base + i, "bad character in tel number");
        }
        ++i;
    }
    if (!digit) return sip_error(SipParseErrc::kBadValue, base + i, "tel URI without digits");
    u.user = s.substr(0, i);
    u.has_user = true;
    auto params = parse_uri_params(s.substr(i));
    if (!params) return tl::unexpected(rebase(params.error(), base + i));
    if (i + *params != s.size()) {
        return sip_error(SipParseErrc::kBadValue, base + i + *params, "bad character in tel URI");
    }
    u.params = s.substr(i);
    // RFC 3966 5.1.5: a local number needs a phone-context.
    if (!global && !u.param_range().has("phone-context")) {
        return sip_error(SipParseErrc::kBadValue, base, "local tel number without phone-context");
    }
    return {};
}

}  // namespace

namespace detail {

SipParseResult<HostPort> parse_hostport(std::string_view s) noexcept {
    HostPort hp;
    std::size_t i = 0;
    if (!s.empty() && s[0] == '[') {
        while (i < s.size() && s[i] != ']') ++i;
        if (i >= s.size())
            return sip_error(SipParseErrc::kBadValue, 0, "IPv6 reference without ']'");
        for (std::size_t k = 1; k < i; ++k) {
            if (!is_hex_digit(s[k]) && s[k] != ':' && s[k] != '.') {
                return sip_error(SipParseErrc::kBadValue, k, "bad character in IPv6 reference");
            }
        }
        if (i < 3) return sip_error(SipParseErrc::kBadValue, i, "empty IPv6 reference");
        ++i;
        hp.ipv6 = true;
    } else {
        // hostname / IPv4address; '_' tolerated (seen in the field, not in the grammar).
        while (i < s.size() &&
               (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '-' || s[i] == '.' || s[i] == '_')) {
            ++i;
        }
        if (i == 0) return sip_error(SipParseErrc::kBadValue, 0, "missing host");
    }
    hp.host = s.substr(0, i);
    if (i < s.size() && s[i] == ':') {
        const std::size_t start = ++i;
        while (i < s.size() && is_digit(s[i])) ++i;
        auto port = parse_uint(s.substr(start, i - start), 65535);
        if (!port) return sip_error(SipParseErrc::kBadValue, start, "bad port");
        hp.port = static_cast<std::uint16_t>(*port);
    }
    hp.length = i;
    return hp;
}

}  // namespace detail

std::string_view to_string(UriScheme s) noexcept {
    switch (s) {
        case UriScheme::kSip: return "sip";
        case UriScheme::kSips: return "sips";
        case UriScheme::kTel: return "tel";
        case UriScheme::kOther: return "other";
    }
    return "other";
}

SipParseResult<UriView> UriView::parse(std::string_view text) noexcept {
    UriView u;
    u.text = text;
    std::size_t i = 0;
    if (text.empty() || !is_alpha(text[0])) {
        return sip_error(SipParseErrc::kBadValue, 0, "URI without scheme");
    }
    while (i < text.size() && (is_alpha(text[i]) || is_digit(text[i]) || text[i] == '+' ||
                               text[i] == '-' || text[i] == '.')) {
        ++i;
    }
    if (i >= text.size() || text[i] != ':') {
        return sip_error(SipParseErrc::kBadValue, i, "URI without scheme");
    }
    u.scheme_text = text.substr(0, i);
    const std::string_view rest = text.substr(i + 1);
    const std::size_t base = i + 1;
    if (ci_equal(u.scheme_text, "sip"))
        u.scheme = UriScheme::kSip;
    else if (ci_equal(u.scheme_text, "sips"))
        u.scheme = UriScheme::kSips;
    else if (ci_equal(u.scheme_text, "tel"))
        u.scheme = UriScheme::kTel;
    else
        u.scheme = UriScheme::kOther;

    if (u.scheme == UriScheme::kOther) {
        if (rest.empty()) return sip_error(SipParseErrc::kBadValue, base, "empty URI");
        for (std::size_t k = 0; k < rest.size(); ++k) {
            const auto c = static_cast<unsigned char>(rest[k]);
            if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '"') {
                return sip_error(SipParseErrc::kBadValue, base + k, "bad character in URI");
            }
        }
        u.opaque = rest;
        return u;
    }
    if (u.scheme == UriScheme::kTel) {
        if (auto ok = parse_tel_rest(rest, base, u); !ok) return tl::unexpected(ok.error());
        return u;
    }
    if (auto ok = parse_sip_rest(rest, base, u); !ok) return tl::unexpected(ok.error());
    return u;
}

// --- UriHeaderRange -----------------------------------------------------------------------------

UriHeaderRange::iterator::iterator(std::string_view rest) noexcept : rest_(rest), done_(false) {
    load();
}

void UriHeaderRange::iterator::load() noexcept {
    if (rest_.empty()) {
        done_ = true;
        return;
    }
    std::size_t amp = rest_.find('&');
    std::string_view item = rest_.substr(0, amp);
    std::size_t eq = item.find('=');
    current_.name = item.substr(0, eq);
    current_.value = eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1);
    rest_ = amp == std::string_view::npos ? rest_.substr(rest_.size()) : rest_.substr(amp + 1);
}

UriHeaderRange::iterator& UriHeaderRange::iterator::operator++() noexcept {
    load();
    return *this;
}

}  // namespace rtpx::sip
