// SIP header names: the HeaderId enum, canonical long names, compact forms and methods.
//
// Header names are case-insensitive (RFC 3261 7.3.1). Compact forms (RFC 3261 7.3.3 and the IANA
// "Header Fields" registry): a Accept-Contact (RFC 3841), b Referred-By (RFC 3892), c Content-Type,
// d Request-Disposition (RFC 3841), e Content-Encoding, f From, i Call-ID, j Reject-Contact
// (RFC 3841), k Supported, l Content-Length, m Contact, n Identity-Info (RFC 4474), o Event
// (RFC 6665), r Refer-To (RFC 3515), s Subject, t To, u Allow-Events (RFC 6665), v Via,
// x Session-Expires (RFC 4028), y Identity (RFC 8224).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace rtpx::sip {

enum class HeaderId : std::uint8_t {
    kOther,  // not in the table: use the name as written
    kAccept,
    kAcceptContact,
    kAcceptEncoding,
    kAcceptLanguage,
    kAlertInfo,
    kAllow,
    kAllowEvents,
    kAuthenticationInfo,
    kAuthorization,
    kCallId,
    kCallInfo,
    kContact,
    kContentDisposition,
    kContentEncoding,
    kContentLanguage,
    kContentLength,
    kContentType,
    kCSeq,
    kDate,
    kErrorInfo,
    kEvent,
    kExpires,
    kFrom,
    kIdentity,
    kIdentityInfo,
    kInReplyTo,
    kMaxForwards,
    kMimeVersion,
    kMinExpires,
    kMinSE,
    kOrganization,
    kPAssertedIdentity,
    kPPreferredIdentity,
    kPath,
    kPriority,
    kPrivacy,
    kProxyAuthenticate,
    kProxyAuthorization,
    kProxyRequire,
    kRAck,
    kReason,
    kRecordRoute,
    kReferTo,
    kReferredBy,
    kRejectContact,
    kReplaces,
    kReplyTo,
    kRequestDisposition,
    kRequire,
    kRetryAfter,
    kRoute,
    kRSeq,
    kServer,
    kServiceRoute,
    kSessionExpires,
    kSipETag,
    kSipIfMatch,
    kSubject,
    kSubscriptionState,
    kSupported,
    kTimestamp,
    kTo,
    kUnsupported,
    kUserAgent,
    kVia,
    kWarning,
    kWwwAuthenticate,
    kCount_,  // number of ids; not a header
};

inline constexpr std::size_t kHeaderIdCount = static_cast<std::size_t>(HeaderId::kCount_);

// Canonical long name ("Call-ID", "CSeq", "WWW-Authenticate"); "" for kOther.
[[nodiscard]] std::string_view header_name(HeaderId id) noexcept;

// Compact form letter, or '\0' when the header has none.
[[nodiscard]] char compact_form(HeaderId id) noexcept;

// Case-insensitive lookup of a long or compact name; kOther when unknown.
[[nodiscard]] HeaderId lookup_header(std::string_view name) noexcept;

// Whether the header's grammar is a comma-separated list (RFC 3261 7.3.1), so that several
// values may share one line: Via, Contact, Route, Record-Route, Allow, Supported, Require, ...
// Headers whose values may contain unquoted commas (WWW-Authenticate, Authorization, Date, ...)
// are not lists.
[[nodiscard]] bool is_list_header(HeaderId id) noexcept;

// Request methods (RFC 3261 7.1 and the extensions). Method names are case-sensitive.
enum class Method : std::uint8_t {
    kUnknown,  // an extension-method token not in this list
    kInvite,
    kAck,
    kBye,
    kCancel,
    kOptions,
    kRegister,
    kPrack,      // RFC 3262
    kSubscribe,  // RFC 6665
    kNotify,     // RFC 6665
    kPublish,    // RFC 3903
    kInfo,       // RFC 6086
    kRefer,      // RFC 3515
    kMessage,    // RFC 3428
    kUpdate,     // RFC 3311
};

[[nodiscard]] std::string_view method_name(Method m) noexcept;  // "" for kUnknown
[[nodiscard]] Method lookup_method(std::string_view token) noexcept;

}  // namespace rtpx::sip
