// Typed views of the structured header values (RFC 3261 20 and 25.1). Each parses ONE value (one
// element of a comma-separated list; see CommaList and SipMessageView::values) and keeps views into
// it. Error offsets are relative to the value handed in; SipMessageView's accessors rebase them to
// the message.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "rtpx/sip/error.hpp"
#include "rtpx/sip/header_id.hpp"
#include "rtpx/sip/uri.hpp"
#include "rtpx/sip/values.hpp"

namespace rtpx::sip {

// Via: sent-protocol LWS sent-by *( SEMI via-params )  (RFC 3261 20.42, 25.1)
//   SIP/2.0/UDP [2001:db8::9]:5060;branch=z9hG4bK776asdhds;received=192.0.2.1;rport=5060
struct ViaView {
    std::string_view protocol_name;     // "SIP"
    std::string_view protocol_version;  // "2.0"
    std::string_view transport;         // "UDP", "TCP", "TLS", "SCTP", "WS", "WSS", other token
    std::string_view host;              // as written; IPv6 with brackets
    std::optional<std::uint16_t> port;
    std::string_view params;  // ";..." text
    bool host_is_ipv6 = false;

    [[nodiscard]] static SipParseResult<ViaView> parse(std::string_view value) noexcept;

    [[nodiscard]] ParamRange param_range() const noexcept { return ParamRange(params); }
    [[nodiscard]] std::optional<std::string_view> param(std::string_view name) const noexcept {
        return param_range().get(name);
    }
    [[nodiscard]] std::string_view branch() const noexcept { return param("branch").value_or(""); }
    [[nodiscard]] std::optional<std::string_view> received() const noexcept {
        return param("received");
    }
    [[nodiscard]] std::optional<std::string_view> maddr() const noexcept { return param("maddr"); }
    // rport (RFC 3581): nullopt when absent; an empty view when present without a value.
    [[nodiscard]] std::optional<std::string_view> rport() const noexcept { return param("rport"); }
    [[nodiscard]] std::optional<std::uint8_t> ttl() const noexcept;
    // RFC 3261 branch: starts with the magic cookie "z9hG4bK" (8.1.1.7).
    [[nodiscard]] bool has_rfc3261_branch() const noexcept {
        return branch().starts_with("z9hG4bK");
    }
};

// name-addr / addr-spec with header parameters, as in From, To, Contact, Route, Record-Route,
// Reply-To, Refer-To, P-Asserted-Identity (RFC 3261 20.10, 25.1):
//   "Bob \"B\"" <sips:bob@biloxi.com>;tag=a48s
//   sip:alice@atlanta.com;tag=88sja8x            (addr-spec: ;params belong to the header)
//   *                                            (Contact only: see `star`)
struct NameAddrView {
    std::string_view display_name;  // raw: quotes and escapes kept; empty when absent
    std::string_view uri_text;      // between < and >, or the addr-spec
    UriView uri;
    std::string_view params;      // header params after the URI (";tag=..." ...)
    bool angle_brackets = false;  // name-addr form
    bool star = false;            // Contact: "*"

    // Parses one value; `star_allowed` for Contact. Error offsets are relative to `value`.
    [[nodiscard]] static SipParseResult<NameAddrView> parse(std::string_view value,
                                                            bool star_allowed = false) noexcept;

    [[nodiscard]] ParamRange param_range() const noexcept { return ParamRange(params); }
    [[nodiscard]] std::optional<std::string_view> param(std::string_view name) const noexcept {
        return param_range().get(name);
    }
    [[nodiscard]] std::string_view tag() const noexcept { return param("tag").value_or(""); }
    // Contact expires parameter (delta-seconds), nullopt when absent or not a number.
    [[nodiscard]] std::optional<std::uint32_t> expires() const noexcept;
    // Contact q parameter in thousandths (q=0.5 -> 500), nullopt when absent or invalid.
    [[nodiscard]] std::optional<std::uint16_t> q() const noexcept;
    // Display name without quotes, escapes resolved.
    [[nodiscard]] std::string display_name_unquoted() const { return unquote(display_name); }
};

// CSeq: 1*DIGIT LWS Method (RFC 3261 20.16); the number is below 2**31 (8.1.1.5).
struct CSeqView {
    std::uint32_t seq = 0;
    std::string_view method_text;
    Method method = Method::kUnknown;

    [[nodiscard]] static SipParseResult<CSeqView> parse(std::string_view value) noexcept;
};

// Content-Type: m-type "/" m-subtype *( ";" m-parameter )  (RFC 3261 20.15)
struct ContentTypeView {
    std::string_view type;     // "application"
    std::string_view subtype;  // "sdp"
    std::string_view params;   // ";boundary=..." text

    [[nodiscard]] static SipParseResult<ContentTypeView> parse(std::string_view value) noexcept;

    [[nodiscard]] bool is(std::string_view t,
                          std::string_view s) const noexcept;  // case-insensitive
    [[nodiscard]] std::optional<std::string_view> param(std::string_view name) const noexcept {
        return ParamRange(params).get(name);
    }
    // boundary= without quotes (multipart), "" when absent.
    [[nodiscard]] std::string_view boundary() const noexcept;
};

// A value that is a single unsigned decimal (Content-Length, Max-Forwards, Expires, RSeq, Min-SE
// without params...). Leading and trailing white space allowed. nullopt when not a number or
// greater than `max`.
[[nodiscard]] std::optional<std::uint32_t> parse_decimal_value(
    std::string_view value, std::uint32_t max = UINT32_MAX) noexcept;

// Whether `value` is a well-formed Call-ID: word [ "@" word ] (RFC 3261 25.1).
[[nodiscard]] bool is_valid_call_id(std::string_view value) noexcept;

}  // namespace rtpx::sip
