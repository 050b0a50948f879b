// SIP, SIPS (RFC 3261 19.1, 25.1) and tel (RFC 3966) URIs as views into the text they came from.
//
//   sip:alice:secret@[2001:db8::1]:5061;transport=tcp;lr?subject=project%20x&priority=urgent
//   tel:+1-201-555-0123;phone-context=example.com
//
// Fields are raw (percent-escapes are not decoded): `user`, `password`, `host` (for an IPv6
// reference: with its brackets, see host_is_ipv6), `port`, `params` (the ";..." text) and
// `headers` (the text after '?'). Other absolute URIs ("http:", "urn:", "mailto:") parse with
// scheme kOther and `opaque` holding everything after the colon, so that callers can answer
// 416 Unsupported URI Scheme.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "rtpx/sip/error.hpp"
#include "rtpx/sip/values.hpp"

namespace rtpx::sip {

enum class UriScheme : std::uint8_t { kSip, kSips, kTel, kOther };

[[nodiscard]] std::string_view to_string(UriScheme s) noexcept;  // "sip", "sips", "tel", "other"

// One "?hname=hvalue&..." URI header.
struct UriHeader {
    std::string_view name;
    std::string_view value;
};

class UriHeaderRange {
  public:
    constexpr UriHeaderRange() noexcept = default;
    explicit constexpr UriHeaderRange(std::string_view text) noexcept : text_(text) {}
    class iterator {
      public:
        using value_type = UriHeader;
        using difference_type = std::ptrdiff_t;
        iterator() noexcept = default;
        explicit iterator(std::string_view rest) noexcept;
        const UriHeader& operator*() const noexcept { return current_; }
        const UriHeader* operator->() const noexcept { return &current_; }
        iterator& operator++() noexcept;
        bool operator==(const iterator& o) const noexcept {
            return done_ == o.done_ && (done_ || rest_.data() == o.rest_.data());
        }

      private:
        void load() noexcept;
        std::string_view rest_;
        std::string_view next_;
        UriHeader current_;
        bool done_ = true;
    };
    [[nodiscard]] iterator begin() const noexcept { return iterator(text_); }
    [[nodiscard]] iterator end() const noexcept { return iterator(); }

  private:
    std::string_view text_;
};

struct UriView {
    UriScheme scheme = UriScheme::kSip;
    std::string_view text;         // the whole URI
    std::string_view scheme_text;  // as written ("SIP", "sips", "tel", "http")
    std::string_view user;         // sip/sips userinfo user part; tel: the number
    std::string_view password;     // after ':' in userinfo (deprecated but legal)
    std::string_view host;         // hostname, IPv4 address, or "[IPv6]" with brackets
    std::optional<std::uint16_t> port;
    std::string_view params;   // ";..." (starting with ';'), empty when none
    std::string_view headers;  // text after '?', empty when none
    std::string_view opaque;   // kOther: everything after "scheme:"
    bool has_user = false;     // userinfo present ("@" seen); user may still be empty for tel
    bool host_is_ipv6 = false;

    // Parses the whole of `text` (no surrounding white space or angle brackets). Error offsets are
    // relative to `text`.
    [[nodiscard]] static SipParseResult<UriView> parse(std::string_view text) noexcept;

    [[nodiscard]] ParamRange param_range() const noexcept { return ParamRange(params); }
    [[nodiscard]] std::optional<std::string_view> param(std::string_view name) const noexcept {
        return param_range().get(name);
    }
    [[nodiscard]] UriHeaderRange header_range() const noexcept { return UriHeaderRange(headers); }

    // Host without IPv6 brackets.
    [[nodiscard]] std::string_view host_bare() const noexcept {
        return host_is_ipv6 ? host.substr(1, host.size() - 2) : host;
    }
    [[nodiscard]] bool is_sip_or_sips() const noexcept {
        return scheme == UriScheme::kSip || scheme == UriScheme::kSips;
    }
    // The "lr" parameter (loose routing, RFC 3261 19.1.1).
    [[nodiscard]] bool lr() const noexcept { return param_range().has("lr"); }
    // transport= parameter, or "" when absent.
    [[nodiscard]] std::string_view transport() const noexcept {
        return param("transport").value_or("");
    }
};

}  // namespace rtpx::sip
