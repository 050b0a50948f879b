// SipMessage: an owned, mutable SIP message (control-path form) and its serialiser.
//
// Start line, an ordered list of header fields kept as written (names and values verbatim, unknown
// headers included, compact names not expanded), and the body. serialize() writes
// "Name: value\r\n" per field and always emits a Content-Length equal to the body size: an existing
// Content-Length field keeps its position and name, otherwise one is appended after the last field.
// A message parsed from canonical bytes ("Name: value", correct Content-Length) serialises back to
// the same bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rtpx/sip/header_id.hpp"

namespace rtpx::sip {

class SipMessageView;

struct SipHeader {
    std::string name;
    std::string value;
};

struct SipMessage {
    // Start line. A request has status == 0.
    std::string method;        // requests: "INVITE"
    std::string request_uri;   // requests: "sip:bob@biloxi.com"
    std::uint16_t status = 0;  // responses: 100..699
    std::string reason;        // responses: "OK"
    std::string version = "SIP/2.0";
    std::vector<SipHeader> headers;
    std::string body;

    [[nodiscard]] bool is_request() const noexcept { return status == 0; }
    [[nodiscard]] bool is_response() const noexcept { return status != 0; }

    // Copies a parsed message (values verbatim, folding included).
    [[nodiscard]] static SipMessage from_view(const SipMessageView& view);

    [[nodiscard]] std::string serialize() const;
    void serialize_to(std::string& out) const;  // appends

    // Header access by id (long or compact names match) or by name (case-insensitive).
    [[nodiscard]] const SipHeader* find(HeaderId id) const noexcept;
    [[nodiscard]] SipHeader* find(HeaderId id) noexcept;
    [[nodiscard]] const SipHeader* find(std::string_view name) const noexcept;
    [[nodiscard]] std::size_t count(HeaderId id) const noexcept;
    // Value of the first field with this id, "" when absent.
    [[nodiscard]] std::string_view value(HeaderId id) const noexcept;

    // Appends a field with the canonical long name.
    void add(HeaderId id, std::string value);
    void add(std::string name, std::string value);
    // Inserts a field before every other field of the message (e.g. a new top Via).
    void add_front(HeaderId id, std::string value);
    // Replaces the first field with this id (keeping its position and name) and removes the
    // others; appends when absent.
    void set(HeaderId id, std::string value);
    // Removes every field with this id; returns how many.
    std::size_t remove(HeaderId id) noexcept;
};

}  // namespace rtpx::sip
