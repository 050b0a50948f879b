#include "rtpx/sip/values.hpp"

#include <arpa/inet.h>

#include <array>
#include <cstring>

#include "rtpx/sip/text.hpp"

namespace rtpx::sip {
namespace {

constexpr bool ends_param_value(char c) noexcept {
    return c == ';' || c == ',' || c == '?' || c == '>' || is_lws_char(c);
}

// Length of the IPv6address (RFC 4291 2.2 text, RFC 3261 25.1) at the start of `s`, or 0.
std::size_t ipv6_address_length(std::string_view s) noexcept {
    std::size_t n = 0;
    while (n < s.size() && (is_hex_digit(s[n]) || s[n] == ':' || s[n] == '.')) ++n;
    std::array<char, INET6_ADDRSTRLEN + 1> text{};
    if (n == 0 || n >= text.size()) return 0;
    std::memcpy(text.data(), s.data(), n);
    in6_addr addr{};
    return ::inet_pton(AF_INET6, text.data(), &addr) == 1 ? n : 0;
}

std::size_t skip_lws(std::string_view s, std::size_t i) noexcept {
    while (i < s.size() && is_lws_char(s[i])) ++i;
    return i;
}

}  // namespace

std::optional<std::size_t> quoted_string_length(std::string_view s) noexcept {
    if (s.empty() || s[0] != '"') return std::nullopt;
    for (std::size_t i = 1; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '\\') {
            if (i + 1 >= s.size()) return std::nullopt;
            // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F): no CR or LF.
            const char n = s[i + 1];
            if (n == '\r' || n == '\n' || static_cast<unsigned char>(n) > 0x7f) return std::nullopt;
            ++i;
        } else if (c == '"') {
            return i + 1;
        }
    }
    return std::nullopt;
}

std::string unquote(std::string_view s) {
    if (s.size() < 2 || s.front() != '"' || s.back() != '"') return std::string(s);
    std::string out;
    out.reserve(s.size() - 2);
    for (std::size_t i = 1; i + 1 < s.size(); ++i) {
        if (s[i] == '\\' && i + 2 < s.size()) ++i;
        out.push_back(s[i]);
    }
    return out;
}

std::optional<std::size_t> unfold_into(std::string_view value, std::span<char> out) noexcept {
    std::size_t n = 0;
    for (std::size_t i = 0; i < value.size(); ++i) {
        const char c = value[i];
        if (c == '\r' || c == '\n') {
            while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\t')) --n;
            i = skip_lws(value, i) - 1;
            if (n >= out.size()) return std::nullopt;
            out[n++] = ' ';
            continue;
        }
        if (n >= out.size()) return std::nullopt;
        out[n++] = c;
    }
    return n;
}

std::string unfold(std::string_view value) {
    std::string out(value.size(), '\0');
    auto n = unfold_into(value, std::span<char>(out.data(), out.size()));
    out.resize(n.value_or(0));  // never longer than the input
    return out;
}

// --- ParamRange ---------------------------------------------------------------------------------

ParamRange::iterator::iterator(std::string_view rest) noexcept : rest_(rest), done_(false) {
    load();
}

void ParamRange::iterator::load() noexcept {
    const std::string_view s = rest_;
    std::size_t i = 0;
    for (;;) {
        i = skip_lws(s, i);
        if (i >= s.size() || s[i] != ';') {
            done_ = true;
            rest_ = s.substr(i);
            return;
        }
        i = skip_lws(s, i + 1);
        const std::size_t name_start = i;
        while (i < s.size() && s[i] != '=' && !ends_param_value(s[i])) ++i;
        current_ = Param{s.substr(name_start, i - name_start), {}, false};
        std::size_t j = skip_lws(s, i);
        if (j < s.size() && s[j] == '=') {
            j = skip_lws(s, j + 1);
            std::size_t v = j;
            if (v < s.size() && s[v] == '"') {
                auto len = quoted_string_length(s.substr(v));
                v = len ? v + *len : s.size();
            } else if (v < s.size() && s[v] == '[') {
                while (v < s.size() && s[v] != ']') ++v;
                if (v < s.size()) ++v;
                while (v < s.size() && !ends_param_value(s[v])) ++v;
            } else {
                while (v < s.size() && !ends_param_value(s[v])) ++v;
            }
            current_.value = s.substr(j, v - j);
            current_.has_value = true;
            i = v;
        }
        rest_ = s.substr(i);
        if (!current_.name.empty()) return;
        // ";;" or ";=x": skip the empty parameter.
    }
}

ParamRange::iterator& ParamRange::iterator::operator++() noexcept {
    load();
    return *this;
}

std::optional<Param> ParamRange::find(std::string_view name) const noexcept {
    for (const Param& p : *this) {
        if (ci_equal(p.name, name)) return p;
    }
    return std::nullopt;
}

std::optional<std::string_view> ParamRange::get(std::string_view name) const noexcept {
    auto p = find(name);
    if (!p) return std::nullopt;
    return p->value;
}

std::optional<std::size_t> check_params(std::string_view s) noexcept {
    std::size_t i = 0;
    for (;;) {
        i = skip_lws(s, i);
        if (i >= s.size()) return std::nullopt;
        if (s[i] != ';') return i;
        i = skip_lws(s, i + 1);
        const std::size_t name_start = i;
        while (i < s.size() && is_token_char(s[i])) ++i;
        if (i == name_start) return i;
        const std::size_t name_end = i;
        i = skip_lws(s, i);
        if (i < s.size() && s[i] == '=') {
            i = skip_lws(s, i + 1);
            if (i < s.size() && s[i] == '"') {
                auto len = quoted_string_length(s.substr(i));
                if (!len) return i;
                i += *len;
            } else if (i < s.size() && s[i] == '[') {
                const std::size_t open = i;
                while (i < s.size() &&
                       (is_hex_digit(s[i]) || s[i] == ':' || s[i] == '.' || s[i] == '[')) {
                    ++i;
                }
                if (i >= s.size() || s[i] != ']' || i == open + 1) return i;
                ++i;
            } else {
                const std::size_t v = i;
                // gen-value = token / host / quoted-string; host may hold ':' only inside [].
                while (i < s.size() && is_token_char(s[i])) ++i;
                if (i < s.size() && s[i] == ':' &&
                    ci_equal(s.substr(name_start, name_end - name_start), "received")) {
                    // via-received = "received" EQUAL (IPv4address / IPv6address): the bare
                    // IPv6 form (RFC 3261 25.1; RFC 5118 4.5 notes both forms in use).
                    const std::size_t len = ipv6_address_length(s.substr(v));
                    if (len == 0) return v;
                    i = v + len;
                }
                if (i == v) return i;
            }
        }
    }
}

// --- CommaList ----------------------------------------------------------------------------------

CommaList::iterator::iterator(std::string_view rest) noexcept : rest_(rest), done_(false) {
    load();
}

void CommaList::iterator::load() noexcept {
    for (;;) {
        if (rest_.empty()) {
            done_ = true;
            current_ = {};
            return;
        }
        std::size_t i = 0;
        bool in_angle = false;
        while (i < rest_.size()) {
            const char c = rest_[i];
            if (c == '"') {
                auto len = quoted_string_length(rest_.substr(i));
                i = len ? i + *len : rest_.size();
                continue;
            }
            if (c == '<')
                in_angle = true;
            else if (c == '>')
                in_angle = false;
            else if (c == ',' && !in_angle)
                break;
            ++i;
        }
        current_ = trim_lws(rest_.substr(0, i));
        rest_ = i < rest_.size() ? rest_.substr(i + 1) : std::string_view{};
        if (!current_.empty()) return;
    }
}

CommaList::iterator& CommaList::iterator::operator++() noexcept {
    load();
    return *this;
}

}  // namespace rtpx::sip
