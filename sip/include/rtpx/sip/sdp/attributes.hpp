// Typed SDP attributes. Each parse_* takes the attribute value (what follows "a=<name>:") and
// returns a view whose string_views point into that value: keep the attribute alive while using it.
// Offsets in errors are relative to the value. to_value() writes a value back.
//
// Lookup helpers work on an AttributeList (session or media level). Attribute names compare
// case-insensitively.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rtpx/sip/sdp/error.hpp"
#include "rtpx/sip/sdp/session.hpp"

namespace rtpx::sip::sdp {

// --- lookup and edit ---------------------------------------------------------------------------
[[nodiscard]] const Attribute* find_attribute(const AttributeList& list,
                                              std::string_view name) noexcept;
[[nodiscard]] bool has_attribute(const AttributeList& list, std::string_view name) noexcept;
[[nodiscard]] std::size_t count_attributes(const AttributeList& list,
                                           std::string_view name) noexcept;
// Removes every attribute of that name; returns how many went.
std::size_t remove_attributes(AttributeList& list, std::string_view name);

// --- direction (RFC 8866 6.7, RFC 3264)
// -----------------------------------------------------------
enum class Direction : std::uint8_t { kSendRecv, kSendOnly, kRecvOnly, kInactive };
[[nodiscard]] std::string_view to_string(Direction d) noexcept;
[[nodiscard]] std::optional<Direction> direction_from_name(std::string_view name) noexcept;
// The direction attribute of the list, if any (the last one wins if a peer sends several).
[[nodiscard]] std::optional<Direction> find_direction(const AttributeList& list) noexcept;
// Media level, else session level, else sendrecv.
[[nodiscard]] Direction effective_direction(const SessionDescription& session,
                                            const MediaDescription& media) noexcept;
// Replaces the direction attribute where it stands, or appends one.
void set_direction(AttributeList& list, Direction d);
[[nodiscard]] constexpr bool sends(Direction d) noexcept {
    return d == Direction::kSendRecv || d == Direction::kSendOnly;
}
[[nodiscard]] constexpr bool receives(Direction d) noexcept {
    return d == Direction::kSendRecv || d == Direction::kRecvOnly;
}
[[nodiscard]] constexpr Direction make_direction(bool send, bool recv) noexcept {
    if (send && recv) return Direction::kSendRecv;
    if (send) return Direction::kSendOnly;
    if (recv) return Direction::kRecvOnly;
    return Direction::kInactive;
}
// The direction seen from the other side: sendonly <-> recvonly.
[[nodiscard]] constexpr Direction reverse(Direction d) noexcept {
    return make_direction(receives(d), sends(d));
}

// --- rtpmap, fmtp, ptime, maxptime (RFC 8866 6.6, 6.15, 6.4, 6.5)
// --------------------------------- a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding
// parameters>]
struct Rtpmap {
    std::uint8_t payload_type = 0;
    std::string_view encoding;
    std::uint32_t clock_rate = 0;
    std::optional<std::uint16_t> channels;  // the encoding parameters of audio
};
[[nodiscard]] SdpResult<Rtpmap> parse_rtpmap(std::string_view value) noexcept;
[[nodiscard]] std::string to_value(const Rtpmap& r);

// a=fmtp:<format> <format specific parameters>
struct Fmtp {
    std::string_view format;
    std::string_view parameters;
};
[[nodiscard]] SdpResult<Fmtp> parse_fmtp(std::string_view value) noexcept;
// The value of `name` in "k=v;k2=v2" parameters (names case-insensitive, spaces around ';'
// ignored); nullopt if absent. A parameter without '=' has an empty value.
[[nodiscard]] std::optional<std::string_view> fmtp_parameter(std::string_view parameters,
                                                             std::string_view name) noexcept;

// a=ptime / a=maxptime: milliseconds, decimal fractions allowed ("20", "22.5").
[[nodiscard]] SdpResult<double> parse_ptime(std::string_view value) noexcept;

// The rtpmap and fmtp of one payload type in a media section; the static RTP/AVP table (RFC 3551)
// supplies encoding and clock rate for static types without an rtpmap.
struct PayloadFormat {
    std::uint8_t payload_type = 0;
    std::string_view encoding;  // empty if unknown (dynamic type without rtpmap)
    std::uint32_t clock_rate = 0;
    std::uint16_t channels = 1;
    std::optional<std::string_view> fmtp;
    bool from_rtpmap = false;
};
[[nodiscard]] std::optional<PayloadFormat> payload_format(const MediaDescription& media,
                                                          std::uint8_t payload_type) noexcept;
// RFC 3551 table 4/5 static assignments (encoding, clock, channels); nullopt if unassigned.
struct StaticPayloadType {
    std::string_view encoding;
    std::uint32_t clock_rate;
    std::uint16_t channels;
};
[[nodiscard]] std::optional<StaticPayloadType> static_payload_type(std::uint8_t pt) noexcept;

// --- rtcp (RFC 3605), rtcp-fb (RFC 4585)
// ---------------------------------------------------------- a=rtcp:<port> [<nettype> <addrtype>
// <connection-address>]
struct Rtcp {
    std::uint16_t port = 0;
    std::optional<Connection> connection;
};
[[nodiscard]] SdpResult<Rtcp> parse_rtcp(std::string_view value) noexcept;
[[nodiscard]] std::string to_value(const Rtcp& r);

// a=rtcp-fb:<payload type | *> <type> [<parameters>]
struct RtcpFb {
    std::string_view payload_type;  // a number or "*"
    std::string_view type;          // ack, nack, trr-int, ccm, goog-remb, transport-cc...
    std::string_view parameters;    // "pli", "fir", "" ...
};
[[nodiscard]] SdpResult<RtcpFb> parse_rtcp_fb(std::string_view value) noexcept;

// --- extmap (RFC 8285)
// ----------------------------------------------------------------------------
// a=extmap:<id>[/<direction>] <URI> [<extension attributes>]
struct Extmap {
    std::uint16_t id = 0;  // 1-14 one-byte, 1-255 two-byte, 4096-4351 answerer-chosen
    std::optional<Direction> direction;
    std::string_view uri;
    std::string_view attributes;
};
[[nodiscard]] SdpResult<Extmap> parse_extmap(std::string_view value) noexcept;
[[nodiscard]] std::string to_value(const Extmap& e);

// --- crypto (RFC 4568)
// ---------------------------------------------------------------------------- a=crypto:<tag>
// <crypto-suite> <key-params> [<session-params>]. The key params ("inline:...") stay text: decoding
// keys is rtp/'s SDES code, which sip/ does not depend on.
struct Crypto {
    std::uint32_t tag = 0;  // 1-9 digits
    std::string_view suite;
    std::string_view key_params;      // one or more key-param, ';'-separated
    std::string_view session_params;  // the rest of the line, may be empty
};
[[nodiscard]] SdpResult<Crypto> parse_crypto(std::string_view value) noexcept;
[[nodiscard]] std::string to_value(const Crypto& c);

// --- ssrc, ssrc-group (RFC 5576)
// ------------------------------------------------------------------ a=ssrc:<ssrc-id>
// <attribute>[:<value>]
struct SsrcAttribute {
    std::uint32_t ssrc = 0;
    std::string_view attribute;  // cname, msid, ...
    std::optional<std::string_view> value;
};
[[nodiscard]] SdpResult<SsrcAttribute> parse_ssrc(std::string_view value) noexcept;

// a=ssrc-group:<semantics> <ssrc-id> ...
struct SsrcGroup {
    std::string_view semantics;  // FID, FEC, SIM...
    std::vector<std::uint32_t> ssrcs;
};
[[nodiscard]] SdpResult<SsrcGroup> parse_ssrc_group(std::string_view value) noexcept;

// --- mid, group (RFC 5888, RFC 8843)
// -------------------------------------------------------------- a=group:<semantics>
// <identification-tag> ... (BUNDLE, LS, FID...)
struct Group {
    std::string_view semantics;
    std::vector<std::string_view> mids;
};
[[nodiscard]] SdpResult<Group> parse_group(std::string_view value) noexcept;
// a=mid:<identification-tag> (RFC 5888 token)
[[nodiscard]] SdpResult<std::string_view> parse_mid(std::string_view value) noexcept;

// --- rid (RFC 8851), simulcast (RFC 8853)
// --------------------------------------------------------- a=rid:<rid-id> <send|recv>
// [pt=...;max-width=...]
struct Rid {
    std::string_view id;
    bool send = false;  // "send"; false for "recv"
    std::string_view restrictions;
};
[[nodiscard]] SdpResult<Rid> parse_rid(std::string_view value) noexcept;

// a=simulcast:<send|recv> <list> [<send|recv> <list>]; a list is ';'-separated alternatives of
// ','-separated rids, each maybe paused with '~'. The lists are kept as text.
struct Simulcast {
    std::string_view send;  // empty if absent
    std::string_view recv;
};
[[nodiscard]] SdpResult<Simulcast> parse_simulcast(std::string_view value) noexcept;

// --- DTLS (RFC 8122, RFC 4145)
// -------------------------------------------------------------------- a=fingerprint:<hash-func>
// <fingerprint>
struct Fingerprint {
    std::string_view hash_function;
    std::string_view value;
};
[[nodiscard]] SdpResult<Fingerprint> parse_fingerprint(std::string_view value) noexcept;

// Checks the value of an attribute this library knows (rtpmap, fmtp, ptime, crypto, ...). Unknown
// names and flag attributes are accepted. Used by `parse`.
[[nodiscard]] SdpResult<void> validate_attribute(std::string_view name,
                                                 std::optional<std::string_view> value) noexcept;

}  // namespace rtpx::sip::sdp
