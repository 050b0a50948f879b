// Building blocks for header values: generic parameters (";name=value"), comma-separated lists
// that respect quoted strings and angle brackets, quoted strings, and line folding.
//
// Header values handed out by SipMessageView are views into the received buffer and may still
// contain folded line breaks (CRLF followed by SP/HTAB; RFC 3261 7.3.1). Every parser in sip/
// treats CR and LF inside a value as linear white space, so folded values parse without copying;
// `unfold` produces the single-line form when one is needed (JSON output, logs).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace rtpx::sip {

// SP, HTAB, CR, LF: white space inside a (possibly folded) header value.
[[nodiscard]] constexpr bool is_lws_char(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// One generic-param: `name` and `value` are views, `value` is raw (quotes kept when quoted).
struct Param {
    std::string_view name;
    std::string_view value;
    bool has_value = false;  // "name=value" (possibly empty quoted "") versus a bare "name"
};

// Iterates ";name[=value]" parameters. Construct with the text that starts at (or before) the first
// ';' (leading white space and the first ';' are skipped); iteration stops at the end of the text,
// or at the first character that cannot start a parameter (e.g. ',' or '?'), see `rest()`.
// Quoted values (`"..."` with backslash escapes) and IPv6 references (`[...]`) are kept whole.
class ParamRange {
  public:
    constexpr ParamRange() noexcept = default;
    explicit constexpr ParamRange(std::string_view text) noexcept : text_(text) {}

    class iterator {
      public:
        using value_type = Param;
        using difference_type = std::ptrdiff_t;
        iterator() noexcept = default;
        explicit iterator(std::string_view rest) noexcept;
        const Param& operator*() const noexcept { return current_; }
        const Param* operator->() const noexcept { return &current_; }
        iterator& operator++() noexcept;
        iterator operator++(int) noexcept {
            auto copy = *this;
            ++*this;
            return copy;
        }
        bool operator==(const iterator& o) const noexcept {
            return done_ == o.done_ && (done_ || rest_.data() == o.rest_.data());
        }

      private:
        void load() noexcept;
        std::string_view rest_;
        std::string_view next_;
        Param current_;
        bool done_ = true;
    };

    [[nodiscard]] iterator begin() const noexcept { return iterator(text_); }
    [[nodiscard]] iterator end() const noexcept { return iterator(); }
    [[nodiscard]] bool empty() const noexcept { return begin() == end(); }

    // First parameter whose name matches case-insensitively.
    [[nodiscard]] std::optional<Param> find(std::string_view name) const noexcept;
    // Value of the first matching parameter (empty for a bare flag); nullopt when absent.
    [[nodiscard]] std::optional<std::string_view> get(std::string_view name) const noexcept;
    [[nodiscard]] bool has(std::string_view name) const noexcept { return find(name).has_value(); }

    [[nodiscard]] constexpr std::string_view text() const noexcept { return text_; }

  private:
    std::string_view text_;
};

// Checks the parameter syntax of `text` (";" generic-param *(";" generic-param)) and returns the
// offset in `text` of the first error, or nullopt when it is well-formed.
[[nodiscard]] std::optional<std::size_t> check_params(std::string_view text) noexcept;

// Splits a list header value at top-level commas (not inside "..." or <...>). Each element is
// trimmed of white space; empty elements (",,") are skipped as RFC 7230 allows for robustness.
class CommaList {
  public:
    explicit constexpr CommaList(std::string_view value) noexcept : value_(value) {}

    class iterator {
      public:
        using value_type = std::string_view;
        using difference_type = std::ptrdiff_t;
        iterator() noexcept = default;
        explicit iterator(std::string_view rest) noexcept;
        std::string_view operator*() const noexcept { return current_; }
        iterator& operator++() noexcept;
        bool operator==(const iterator& o) const noexcept {
            return done_ == o.done_ && (done_ || current_.data() == o.current_.data());
        }

      private:
        void load() noexcept;
        std::string_view rest_;
        std::string_view current_;
        bool done_ = true;
    };

    [[nodiscard]] iterator begin() const noexcept { return iterator(value_); }
    [[nodiscard]] iterator end() const noexcept { return iterator(); }

  private:
    std::string_view value_;
};

// Length of the quoted-string at the start of `s` (including both quotes), or nullopt when `s` does
// not start with a well-formed quoted-string. Backslash escapes one character (RFC 3261 25.1).
[[nodiscard]] std::optional<std::size_t> quoted_string_length(std::string_view s) noexcept;

// Strips the quotes of a quoted-string and resolves its escapes; text without quotes is returned
// unchanged.
[[nodiscard]] std::string unquote(std::string_view s);

// Whether `value` contains a folded line break.
[[nodiscard]] constexpr bool is_folded(std::string_view value) noexcept {
    for (char c : value) {
        if (c == '\r' || c == '\n') return true;
    }
    return false;
}

// Replaces each folded line break together with the white space around it by one SP.
[[nodiscard]] std::string unfold(std::string_view value);

// The same into caller storage: returns the unfolded length, or nullopt when `out` is too small.
[[nodiscard]] std::optional<std::size_t> unfold_into(std::string_view value,
                                                     std::span<char> out) noexcept;

// Trims SP, HTAB, CR, LF at both ends.
[[nodiscard]] constexpr std::string_view trim_lws(std::string_view s) noexcept {
    while (!s.empty() && is_lws_char(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_lws_char(s.back())) s.remove_suffix(1);
    return s;
}

}  // namespace rtpx::sip
