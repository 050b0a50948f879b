// Building requests and responses (RFC 3261 8.1.1, 8.2.6, 9.1, 17.1.1.3) and the random tokens they
// need (branch, tag, Call-ID).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "rtpx/sip/message.hpp"
#include "rtpx/sip/sip_message.hpp"

namespace rtpx::sip {

// The RFC 3261 branch magic cookie.
inline constexpr std::string_view kBranchCookie = "z9hG4bK";

// "z9hG4bK" + 22 random characters (unique in space and time, RFC 3261 8.1.1.7).
[[nodiscard]] std::string make_branch();
// A random tag (RFC 3261 19.3: at least 32 bits of randomness): 16 characters.
[[nodiscard]] std::string make_tag();
// A random Call-ID, "<24 random characters>@<host>" (or without "@host" when host is empty).
[[nodiscard]] std::string make_call_id(std::string_view host = {});

// Default reason phrase of a status code (RFC 3261 21 and later RFCs); "" for unknown codes
// (the caller may then use the class: see reason_phrase_or_class).
[[nodiscard]] std::string_view reason_phrase(std::uint16_t status) noexcept;
// reason_phrase(), falling back to the class default ("Unknown Failure" style) for unlisted codes.
[[nodiscard]] std::string_view reason_phrase_or_class(std::uint16_t status) noexcept;

struct RequestSpec {
    std::string_view method;       // "INVITE"
    std::string_view request_uri;  // "sip:bob@biloxi.com"
    std::string_view from;         // name-addr or addr-spec without tag: "Alice <sip:alice@a.com>"
    std::string_view from_tag;     // "" -> fresh make_tag()
    std::string_view to;           // name-addr or addr-spec (a to-tag goes in `to` for in-dialog)
    std::string_view call_id;      // "" -> fresh make_call_id()
    std::uint32_t cseq = 1;
    std::string_view via_transport = "UDP";
    std::string_view via_sent_by;  // "host[:port]"
    std::string_view branch;       // "" -> fresh make_branch()
    bool via_rport = false;        // add ";rport" (RFC 3581)
    std::uint32_t max_forwards = 70;
    std::string_view contact;       // "" -> no Contact
    std::string_view content_type;  // "" -> no Content-Type (body must then be empty)
    std::string_view body;
};

// Via, Max-Forwards, To, From, Call-ID, CSeq, [Contact], [Content-Type], Content-Length, in the
// order RFC 3261's examples use.
[[nodiscard]] SipMessage make_request(const RequestSpec& spec);

// A response to `request` (RFC 3261 8.2.6): copies every Via (in order), From, To, Call-ID and
// CSeq; adds `to_tag` to To when To has no tag and status > 100 (100 Trying never gets one; an
// empty to_tag with a tag-less To and status > 100 generates one with make_tag()). `reason` ""
// takes reason_phrase_or_class(status). Record-Route is copied for 18x/2xx to dialog-creating
// requests (12.1.1). Content-Length: 0 is added by serialize().
[[nodiscard]] SipMessage make_response(const SipMessageView& request, std::uint16_t status,
                                       std::string_view reason = {}, std::string_view to_tag = {});
[[nodiscard]] SipMessage make_response(const SipMessage& request, std::uint16_t status,
                                       std::string_view reason = {}, std::string_view to_tag = {});

// ACK for a non-2xx final response to an INVITE (RFC 3261 17.1.1.3): Request-URI, Call-ID, From,
// CSeq number and the top Via (same branch) of the original INVITE; To of the response (with its
// tag); the INVITE's Route headers; CSeq method ACK; Max-Forwards 70.
[[nodiscard]] SipMessage make_ack_for_non2xx(const SipMessageView& invite,
                                             const SipMessageView& response);
[[nodiscard]] SipMessage make_ack_for_non2xx(const SipMessage& invite,
                                             const SipMessageView& response);

// CANCEL for a pending request (RFC 3261 9.1): Request-URI, Call-ID, To, From, CSeq number and the
// top Via (same branch) of the request; its Route headers; CSeq method CANCEL; Max-Forwards 70.
[[nodiscard]] SipMessage make_cancel(const SipMessageView& request);
[[nodiscard]] SipMessage make_cancel(const SipMessage& request);

}  // namespace rtpx::sip
