// Text helpers shared by the SIP message parser and the SDP parser: RFC 3261/5234 character
// classes, case-insensitive comparison (SIP header names, tokens and many parameters are
// case-insensitive; RFC 3261 7.3.1), whitespace trimming and bounded unsigned integer parsing.
// All views, no allocation.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace rtpx::sip {

[[nodiscard]] constexpr char ascii_lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

[[nodiscard]] constexpr bool ci_equal(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    }
    return true;
}

[[nodiscard]] constexpr bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}
[[nodiscard]] constexpr bool is_alpha(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
[[nodiscard]] constexpr bool is_hex_digit(char c) noexcept {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
// SP / HTAB (RFC 5234 WSP).
[[nodiscard]] constexpr bool is_wsp(char c) noexcept {
    return c == ' ' || c == '\t';
}

// RFC 3261 25.1 token: alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~".
[[nodiscard]] constexpr bool is_token_char(char c) noexcept {
    if (is_alpha(c) || is_digit(c)) return true;
    switch (c) {
        case '-':
        case '.':
        case '!':
        case '%':
        case '*':
        case '_':
        case '+':
        case '`':
        case '\'':
        case '~': return true;
        default: return false;
    }
}

[[nodiscard]] constexpr bool is_token(std::string_view s) noexcept {
    if (s.empty()) return false;
    for (char c : s) {
        if (!is_token_char(c)) return false;
    }
    return true;
}

// Strips SP, HTAB, CR and LF at both ends (what is left of folded LWS once a header is unfolded).
[[nodiscard]] constexpr std::string_view trim(std::string_view s) noexcept {
    constexpr auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!s.empty() && ws(s.front())) s.remove_prefix(1);
    while (!s.empty() && ws(s.back())) s.remove_suffix(1);
    return s;
}

// Parses all of `s` as a decimal unsigned integer no greater than `max`; no sign, no spaces.
[[nodiscard]] inline std::optional<std::uint64_t> parse_uint(
    std::string_view s, std::uint64_t max = UINT64_MAX) noexcept {
    if (s.empty()) return std::nullopt;
    std::uint64_t v = 0;
    const auto* end = s.data() + s.size();
    auto [p, ec] = std::from_chars(s.data(), end, v);
    if (ec != std::errc{} || p != end || v > max) return std::nullopt;
    return v;
}

}  // namespace rtpx::sip
