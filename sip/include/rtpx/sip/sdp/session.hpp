// SDP session descriptions (RFC 8866): the model, the parser and the serialiser.
//
// The model owns its text (std::string), so a parsed description outlives the buffer it came from
// and can be rewritten (B2BUA) and serialised again. Attributes are kept verbatim and in order
// (name and value as received); the typed views of attributes.hpp parse a value on demand, and
// `parse` checks every attribute it knows so a malformed rtpmap, crypto, extmap... is an error with
// the byte offset where it stops.
//
// Round trip: serialise(parse(x)) == x, byte for byte, for well-formed input with CRLF line ends.
//
// Strict where RFC 8866 is strict:
//   - v=0 is the first line; o= and s= are required, at most once each; z=, k=, i=, u=, c= at most
//     once per section (c= may repeat inside a media section, for layered multicast);
//   - every media section with a non-zero port has a c= line, or the session has one;
//   - a type letter RFC 8866 does not define is an error (section 5: the description is ignored);
//   - fields follow their grammar (ports 0-65535, RTP payload types 0-127, numbers are digits...).
// Lenient where real peers are sloppy:
//   - bare LF line ends (the serialiser writes CRLF), a last line without a line end, and empty
//     lines (ignored);
//   - runs of spaces between fields (normalised to one on output);
//   - session-level lines in any order after v= (written back in RFC order), t= missing;
//   - an empty s= value (RFC 8866 wants "s= " or "s=-");
//   - a media section with port 0 (rejected) and no c= line, or with no formats;
//   - an o= sess-id that is not all digits (kept as text; sess-version must be a number, since
//     bump_version increments it);
//   - values after a flag attribute (a=sendrecv:x) are kept but do not change its meaning.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rtpx/sip/sdp/error.hpp"

namespace rtpx::sip::sdp {

// Parser limits: beyond these the description is refused (kTooLarge), not truncated.
inline constexpr std::size_t kMaxSdpSize = std::size_t{256} * 1024;
inline constexpr std::size_t kMaxMediaSections = 256;
inline constexpr std::size_t kMaxLines = 8192;

// o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>
struct Origin {
    std::string username = "-";
    std::string sess_id = "0";
    std::uint64_t sess_version = 0;
    std::string nettype = "IN";
    std::string addrtype = "IP4";
    std::string address;
    friend bool operator==(const Origin&, const Origin&) = default;
};

// c=<nettype> <addrtype> <connection-address>, the address split from its /ttl and /count.
// IP4 multicast: address/ttl[/count]; IP6 multicast: address[/count] (no TTL).
struct Connection {
    std::string nettype = "IN";
    std::string addrtype = "IP4";
    std::string address;
    std::optional<std::uint32_t> ttl;    // IP4 multicast only
    std::optional<std::uint32_t> count;  // number of addresses (multicast)
    friend bool operator==(const Connection&, const Connection&) = default;
};

// b=<bwtype>:<bandwidth> (AS, CT in kbit/s; TIAS in bit/s; RR, RS in bit/s; X-... kept).
struct Bandwidth {
    std::string type;
    std::uint64_t value = 0;
    friend bool operator==(const Bandwidth&, const Bandwidth&) = default;
};

// t=<start-time> <stop-time> and the r= lines that follow it (verbatim, validated).
struct Timing {
    std::uint64_t start = 0;
    std::uint64_t stop = 0;
    std::vector<std::string> repeats;
    friend bool operator==(const Timing&, const Timing&) = default;
};

// a=<name> or a=<name>:<value>. A flag attribute (a=rtcp-mux) has no value; "a=x:" has an empty
// one.
struct Attribute {
    std::string name;
    std::optional<std::string> value;
    friend bool operator==(const Attribute&, const Attribute&) = default;
};
using AttributeList = std::vector<Attribute>;

// m=<media> <port>[/<number of ports>] <proto> <fmt> ... and its i=, c=, b=, k=, a= lines.
struct MediaDescription {
    std::string media;  // audio, video, text, application, message, image...
    std::uint16_t port = 0;
    std::optional<std::uint32_t> port_count;
    std::string proto;                 // RTP/AVP, RTP/SAVP, RTP/AVPF, UDP/TLS/RTP/SAVPF, udp...
    std::vector<std::string> formats;  // payload type numbers for RTP protos
    std::optional<std::string> information;  // i=
    std::vector<Connection> connections;     // c= (usually zero or one)
    std::vector<Bandwidth> bandwidths;
    std::optional<std::string> key;  // k= (obsolete, kept)
    AttributeList attributes;
    friend bool operator==(const MediaDescription&, const MediaDescription&) = default;

    [[nodiscard]] bool rejected() const noexcept { return port == 0; }
    // True when the proto is RTP-based (formats are payload types).
    [[nodiscard]] bool rtp_proto() const noexcept;
};

struct SessionDescription {
    Origin origin;
    std::string session_name = "-";
    std::optional<std::string> information;  // i=
    std::optional<std::string> uri;          // u=
    std::vector<std::string> emails;         // e=
    std::vector<std::string> phones;         // p=
    std::optional<Connection> connection;    // session-level c=
    std::vector<Bandwidth> bandwidths;
    std::vector<Timing> timings;                  // t= (+ r=); usually exactly one "t=0 0"
    std::optional<std::string> zone_adjustments;  // z=
    std::optional<std::string> key;               // k=
    AttributeList attributes;
    std::vector<MediaDescription> media;
    friend bool operator==(const SessionDescription&, const SessionDescription&) = default;
};

// Parses a whole description. noexcept: allocation failure terminates.
[[nodiscard]] SdpResult<SessionDescription> parse(std::string_view text) noexcept;

// Writes the description with CRLF line ends, in RFC 8866 line order.
[[nodiscard]] std::string serialise(const SessionDescription& session);
void serialise_to(const SessionDescription& session, std::string& out);

// Individual field grammars, exposed for the rewrite helpers and tests. Offsets in errors are
// relative to the value passed in.
[[nodiscard]] SdpResult<Connection> parse_connection(std::string_view value) noexcept;
[[nodiscard]] std::string to_string(const Connection& c);

// A connection for a literal address: IP6 when it holds a ':', IP4 otherwise.
[[nodiscard]] Connection connection_for(std::string_view address);

}  // namespace rtpx::sip::sdp
