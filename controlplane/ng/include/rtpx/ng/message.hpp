// The rtpengine "ng" message layer: framing, body decoding (bencode or JSON), key normalisation,
// the typed request, and replies.
//
// On the wire (rtpengine docs/ng_control_protocol.md): `<cookie> <dictionary>`, one message per UDP
// datagram, the reply carrying the request's cookie. The dictionary is bencode, or JSON when it
// starts with '{' (the reply then is JSON too). Keys and flags may be spelled with spaces or
// hyphens
// ("call-id" == "call id", "trust address" == "trust-address"); we also fold '_' and letter case,
// which no client relies on but costs nothing. The reply dictionary holds `result` ("ok", "pong",
// "error" with `error-reason`, or "load limit") and the command's own keys.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "rtpx/ng/bencode.hpp"

namespace rtpx::ng {

enum class Command : std::uint8_t {
    kPing,
    kOffer,
    kAnswer,
    kDelete,
    kQuery,
    kList,
    kStatistics,
    kUnsupported,  // a command rtpengine defines that rtpx does not implement
};
[[nodiscard]] std::string_view to_string(Command command) noexcept;

enum class BodyFormat : std::uint8_t { kBencode, kJson };

// A datagram split at its first space. The views point into the datagram.
struct Frame {
    std::string_view cookie;
    std::string_view body;
};
// nullopt when there is no space or the cookie is empty: nothing can be replied to.
[[nodiscard]] std::optional<Frame> split_frame(std::string_view datagram) noexcept;

// A key or flag folded for comparison: lower case, ' ' and '_' as '-'.
[[nodiscard]] std::string normalise_key(std::string_view key);

// Looks `key` (already normalised, e.g. "call-id") up in a dictionary, comparing normalised keys.
[[nodiscard]] const Value* find_key(const Value& dict, std::string_view normalised_key);

struct BodyError {
    std::string what;  // "bencode: duplicate dictionary key at byte 31", "JSON: ..."
};
// Decodes a body in either format into a dictionary Value. JSON numbers must be integers;
// true/false become 1/0; null values are dropped.
[[nodiscard]] tl::expected<Value, BodyError> decode_body(std::string_view body, BodyFormat* format,
                                                         const DecodeLimits& limits = {});
// JSON form of a Value (strings as UTF-8 text; invalid UTF-8 replaced).
[[nodiscard]] std::string to_json(const Value& value);
// `cookie` + ' ' + the reply in `format`.
[[nodiscard]] std::string frame_reply(std::string_view cookie, const Value& reply,
                                      BodyFormat format);

enum class IceMode : std::uint8_t { kDefault, kRemove, kForce, kForceRelay, kOptional };
enum class TransportProtocol : std::uint8_t {
    kKeep,
    kRtpAvp,
    kRtpSavp,
    kRtpAvpf,
    kRtpSavpf,
    kAccept
};

// SDES options (key `SDES` list, or `SDES-<option>` in `flags`).
struct SdesOptions {
    bool off = false;               // SDES-off / no / disable
    std::vector<std::string> only;  // SDES-only-<SUITE>: offer only these suites
    std::vector<std::string> no;    // SDES-no-<SUITE>: never offer these
    bool pad = false, lifetime = false, nonew = false, is_static = false;
    std::vector<std::string> session_params;  // unencrypted_srtp, ... (as given, lower case)
    [[nodiscard]] bool suite_allowed(std::string_view suite) const;
};

struct Request {
    Command command = Command::kUnsupported;
    std::string command_name;  // as received
    std::string call_id, from_tag, to_tag, via_branch, sdp;
    std::optional<std::string> received_from;  // the SIP source address (received-from list)
    std::optional<std::string> media_address;
    std::optional<std::string> address_family;  // "IP4" / "IP6"
    IceMode ice = IceMode::kDefault;
    TransportProtocol transport = TransportProtocol::kKeep;
    // rtcp-mux list
    bool rtcp_mux_offer = false, rtcp_mux_demux = false, rtcp_mux_accept = false,
         rtcp_mux_require = false, rtcp_mux_reject = false;
    // replace list
    bool replace_origin = false, replace_session_connection = false, replace_sdp_version = false,
         replace_session_name = false, replace_username = false, replace_zero_address = false;
    std::vector<std::string> direction;  // interface names: [from side, to side]
    // flags list
    bool trust_address = false, sip_source_address = false, symmetric = false, asymmetric = false,
         strict_source = false, port_latching = false, no_port_latching = false,
         media_handover = false, reset = false, fatal = false, unidirectional = false,
         loop_protect = false;
    SdesOptions sdes;
    std::vector<std::string> supports;  // e.g. "load limit"
    std::optional<std::int64_t> limit;  // list
    std::optional<std::int64_t> delete_delay;
    std::vector<std::string> unknown_flags;  // flags and list values not understood (ignored)
    std::vector<std::string> unknown_keys;   // dictionary keys not understood (ignored)

    [[nodiscard]] bool supports_load_limit() const;
};

struct RequestError {
    std::string reason;  // goes into error-reason
};

// Builds the typed request from a decoded dictionary; checks the keys each command requires
// (offer: sdp, call-id, from-tag; answer: + to-tag; delete: call-id, from-tag; query: call-id).
[[nodiscard]] tl::expected<Request, RequestError> parse_request(const Value& dict);

// Reply dictionaries.
[[nodiscard]] Value make_error_reply(std::string_view reason);
[[nodiscard]] Value make_ok_reply();
[[nodiscard]] Value make_load_limit_reply(std::string_view message);

}  // namespace rtpx::ng
