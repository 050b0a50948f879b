// The offer/answer model (RFC 3264) and the rewrites a B2BUA applies to descriptions it relays.
//
// make_answer builds an answer from an offer, what this side can do (LocalCapabilities) and where
// it receives (AnswerTransport):
//   - one m= line per offered m= line, same order (RFC 3264 6); a section is rejected (port 0, the
//     offer's first format and its rtpmap kept) when its port is 0, its media type or proto is not
//     supported, no codec matches, there is no local transport for it, or it is SRTP (SDES) and no
//     offered crypto suite has a local key;
//   - codecs are intersected by encoding name (case-insensitive), clock rate, channels and the
//     codec's fmtp constraints, in the offerer's order or the local preference; dynamic payload
//     type numbers are the offer's (RFC 3264 6.1 lets the answerer keep them; B2BUAs do);
//   - telephone-event (RFC 4733) is answered when supported, with the clock rate of the first
//     chosen codec; a section offering only telephone-event (RFC 4317 2.4) is answered with it;
//   - direction: the reverse of the offered one (sendonly -> recvonly, recvonly -> sendonly,
//     inactive -> inactive), intersected with the local direction; written when it is not
//     sendrecv or the offer wrote one. c=0.0.0.0 (RFC 2543 hold, RFC 3264 8.4) is accepted and
//     answered normally, as RFC 4317 5.2 shows; is_on_hold() reports it;
//   - rtcp-mux is answered when offered and locally supported (RFC 5761); a=mid is echoed and each
//     a=group (BUNDLE) is answered with the accepted sections' tags (RFC 5888, RFC 8843);
//   - t= is the offer's (RFC 3264 6).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rtpx/sip/sdp/attributes.hpp"
#include "rtpx/sip/sdp/session.hpp"

namespace rtpx::sip::sdp {

// An fmtp parameter an offered format must carry for the codec to match, e.g. H264
// packetization-mode=1 (default 0), AMR octet-align=1 (default 0). Values compare
// case-insensitively; an absent parameter counts as `default_value`.
struct FmtpConstraint {
    std::string name;
    std::string value;
    std::string default_value;
};

struct Codec {
    std::string encoding;  // PCMU, opus, H264...
    std::uint32_t clock_rate = 8000;
    std::uint16_t channels = 1;
    std::vector<FmtpConstraint> fmtp_constraints;
};

enum class CodecOrder : std::uint8_t {
    kOfferer,  // the answer lists matches in the offer's order (RFC 3264 6.1 default)
    kLocal,    // the answer lists matches in the order of MediaCapabilities::codecs
};

struct MediaCapabilities {
    std::string media = "audio";                    // m= media type this entry answers
    std::vector<std::string> protos = {"RTP/AVP"};  // accepted protos (case-insensitive)
    std::vector<Codec> codecs;                      // in local preference order
    bool telephone_event = true;
    Direction direction = Direction::kSendRecv;  // what this side is willing to do
    bool rtcp_mux = true;
};

struct LocalCapabilities {
    std::vector<MediaCapabilities> media;  // the first entry whose media type matches is used
    CodecOrder codec_order = CodecOrder::kOfferer;
    bool single_codec = false;  // answer with the first match only (plus telephone-event)
};

// Where this side receives, per offered m= line (by index).
struct LocalMedia {
    std::uint16_t port = 0;
    std::optional<Connection> connection;  // a media-level c= when it differs from the session's
    // SDES keys this side can use, by suite: {suite, key-params}, e.g. {"AES_CM_128_HMAC_SHA1_80",
    // "inline:..."}. The first offered a=crypto whose suite has a key here is answered.
    std::vector<std::pair<std::string, std::string>> crypto_keys;
    AttributeList extra_attributes;  // appended verbatim (ptime, ICE, DTLS...)
};

struct AnswerTransport {
    Origin origin;
    std::string session_name = "-";
    Connection connection;          // session-level c=
    std::vector<LocalMedia> media;  // index i answers the offer's m= line i; missing -> rejected
};

[[nodiscard]] SessionDescription make_answer(const SessionDescription& offer,
                                             const LocalCapabilities& local,
                                             const AnswerTransport& transport);

// The media section's first c=, else the session's; nullptr if neither.
[[nodiscard]] const Connection* effective_connection(const SessionDescription& session,
                                                     const MediaDescription& media) noexcept;

// True when the media is held by the other side: a=sendonly or a=inactive (media or session
// level), or an RFC 2543 connection address 0.0.0.0 (or :: for IPv6).
[[nodiscard]] bool is_on_hold(const SessionDescription& session,
                              const MediaDescription& media) noexcept;

enum class HoldStyle : std::uint8_t {
    kDirection,    // RFC 3264 8.4: sendrecv -> sendonly, recvonly -> inactive
    kZeroAddress,  // RFC 2543: c=IN IP4 0.0.0.0 on every active media section (legacy peers)
};
// Turns a description into a hold offer (active media sections only) and bumps the version.
void put_on_hold(SessionDescription& session, HoldStyle style);

// --- B2BUA rewrites
// ------------------------------------------------------------------------------- Sets the media
// section's port and its own c= line (replacing any c= lines it had). An a=rtcp line, when present,
// gets rtcp_port (default port + 1) and, if it carried an address, the new one. A rejected section
// (port 0) is relayed as it is: giving it a port would re-enable it.
void set_media_address(MediaDescription& media, std::string_view address, std::uint16_t port,
                       std::optional<std::uint16_t> rtcp_port = std::nullopt);
// Sets the session-level c= and the o= address.
void set_session_address(SessionDescription& session, std::string_view address);
// Replaces all a=crypto lines with these values, where the first one stood (else at the end).
void replace_crypto(MediaDescription& media, std::span<const std::string> crypto_values);
// Changes the transport protocol (e.g. RTP/AVP <-> RTP/SAVP); formats and attributes stay.
void set_proto(MediaDescription& media, std::string_view proto);
// Removes the ICE attributes (RFC 8839: candidate, remote-candidates, end-of-candidates, ice-ufrag,
// ice-pwd, ice-options, ice-lite, ice-mismatch, ice-pacing) from the session and every media
// section, as a relay that anchors the media does towards a leg (rtpengine's ICE=remove); returns
// how many lines went.
std::size_t remove_ice(SessionDescription& session);
// o= sess-version + 1: every new offer of the same session must carry a higher version
// (RFC 3264 8).
void bump_version(SessionDescription& session) noexcept;

}  // namespace rtpx::sip::sdp
