// Request validation (RFC 3261 8.2 at a UAS, 16.3 at a proxy/B2BUA) and the accounting of
// unparseable messages.
//
// validate_request() returns nullopt when the request may be processed, or the Rejection to send:
//   400 "Bad Request (<problem>)"   malformed or missing mandatory header (8.1.1, 8.2)
//   505 Version Not Supported       SIP-Version other than SIP/2.0 (7.1, 21.5.6)
//   416 Unsupported URI Scheme      Request-URI scheme not sip/sips (tel when allowed) (8.2.2.1)
//   501 Not Implemented             method not known to this element (8.2.1)
//   405 Method Not Allowed + Allow  known method this element does not allow (8.2.1)
//   483 Too Many Hops               Max-Forwards 0 when the element forwards (16.3 step 3)
//   420 Bad Extension + Unsupported Require option not supported (8.2.2.3; not for ACK/CANCEL)
// Order of the checks follows RFC 3261 8.2: syntax and version, method, URI scheme (8.2.2.1),
// merged requests (8.2.2.2, caller side: see detect_loop), Require (8.2.2.3), then Max-Forwards
// when forwarding.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "rtpx/sip/header_id.hpp"
#include "rtpx/sip/message.hpp"
#include "rtpx/sip/sip_message.hpp"

namespace rtpx::sip {

struct ValidationPolicy {
    std::span<const Method> allowed_methods;      // empty: every known method is allowed
    std::span<const std::string_view> supported;  // option-tags this element supports
    bool forwarding = false;     // a proxy/B2BUA forwarding the request: check Max-Forwards (483)
    bool accept_tel_uri = true;  // tel: Request-URIs (RFC 3966) accepted (else 416)
};

struct Rejection {
    std::uint16_t status = 400;
    std::string reason;                        // e.g. "Bad Request (missing Call-ID)"
    HeaderId extra_header = HeaderId::kOther;  // kUnsupported or kAllow, kOther for none
    std::string extra_value;                   // its value ("foo, bar" / "INVITE, ACK, ...")
};

[[nodiscard]] std::optional<Rejection> validate_request(const SipMessageView& request,
                                                        const ValidationPolicy& policy = {});

// The response for a Rejection (make_response + the extra header).
[[nodiscard]] SipMessage make_rejection_response(const SipMessageView& request,
                                                 const Rejection& rejection,
                                                 std::string_view to_tag = {});

// Merged-request / loop detection at a UAS (RFC 3261 8.2.2.2): a request WITHOUT a To-tag whose
// From-tag, Call-ID and CSeq (number and method) equal those of an ongoing server transaction, but
// whose top Via branch differs (so the transaction layer did not match it), arrived twice by
// different paths (forking loop): answer 482 Loop Detected.
//
// `lookup(call_id, from_tag, cseq_seq, cseq_method)` returns the top-Via branch of the ongoing
// server transaction with that key (std::optional<std::string_view>), or nullopt. Keep the lookup
// table in the transaction layer; this helper only applies the rule.
struct MergedRequestKey {
    std::string_view call_id;
    std::string_view from_tag;
    std::uint32_t cseq = 0;
    std::string_view cseq_method;
    std::string_view branch;  // of this request's top Via
};

// The key of a request that is subject to the check (no To-tag, well-formed); nullopt otherwise.
[[nodiscard]] std::optional<MergedRequestKey> merged_request_key(
    const SipMessageView& request) noexcept;

template <class Lookup>
[[nodiscard]] bool detect_loop(const SipMessageView& request, Lookup&& lookup) {
    auto key = merged_request_key(request);
    if (!key) return false;
    std::optional<std::string_view> known =
        lookup(key->call_id, key->from_tag, key->cseq, key->cseq_method);
    return known.has_value() && *known != key->branch;
}

// --- unparseable messages (counted by transports, never answered when they are responses) ------
enum class DropReason : std::uint8_t {
    kUnparseableRequest,   // looked like a request; answer 400 if the start line and Via allow
    kUnparseableResponse,  // starts with "SIP/": RFC 3261 18.1.2 says drop silently
    kNotSip,               // neither (binary garbage, STUN on a SIP port, ...)
    kCount_,
};

struct DropReasonInfo {
    std::string_view name;  // counter name: "dropped_unparseable_responses"
    std::string_view help;
};

[[nodiscard]] const DropReasonInfo& drop_reason_info(DropReason r) noexcept;

// Classifies bytes that SipMessageView::parse (or check_syntax) rejected.
[[nodiscard]] DropReason classify_unparseable(std::string_view bytes) noexcept;

}  // namespace rtpx::sip
