// The flow data model shared by the control plane and the data plane (no DPDK here).
//
// A flow is one direction of one media stream through the relay: packets arrive at `local` (a media
// address and port of the data plane), are checked against the source policy, unprotected with the
// ingress SRTP parameters, counted, rewritten, protected with the egress SRTP parameters and sent
// from `egress_source` to `egress_destination`. A call leg pair is two flows. Flows are named by
// their local endpoint (FlowKey): one flow per local address and port.
//
// Everything here is plain data: SRTP parameters are the suite and the key bytes, not contexts.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rtpx::flowapi {

enum class AddressFamily : std::uint8_t { kNone = 0, kIpv4 = 4, kIpv6 = 6 };

// An IPv4 or IPv6 address in network byte order (IPv4 in the first 4 bytes, the rest zero).
struct IpAddress {
    AddressFamily family = AddressFamily::kNone;
    std::array<std::uint8_t, 16> bytes{};

    [[nodiscard]] static IpAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c,
                                      std::uint8_t d) noexcept {
        IpAddress ip;
        ip.family = AddressFamily::kIpv4;
        ip.bytes = {a, b, c, d};
        return ip;
    }
    [[nodiscard]] bool is_unspecified() const noexcept;
    [[nodiscard]] std::size_t size() const noexcept {
        return family == AddressFamily::kIpv4 ? 4 : family == AddressFamily::kIpv6 ? 16 : 0;
    }
    friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

struct Endpoint {
    IpAddress address;
    std::uint16_t port = 0;
    friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

// A flow's name: the local media address and port its packets arrive at.
using FlowKey = Endpoint;

using MacAddress = std::array<std::uint8_t, 6>;

// Source policy for ingress packets (rtpengine's terms in brackets).
enum class Latching : std::uint8_t {
    kOff,        // accept any source; nothing learned
    kLearnOnce,  // accept any source; the first one is learned and reported (a "latched" event)
    kStrict,     // accept only `remote` (learned from the first packet when it is unspecified);
                 // others are dropped as strict_source [strict-source]
};

enum class RtcpMode : std::uint8_t {
    kPassThrough,  // RTCP relayed with address rewriting
    kTerminate,    // RTCP consumed here (counted as rtcp_terminated); SR/RR generated per leg
};

// SRTP crypto suites by their SDES names (RFC 4568 section 6.2, RFC 6188, RFC 7714).
enum class SrtpSuite : std::uint8_t {
    kNone,  // plain RTP
    kAesCm128HmacSha1_80,
    kAesCm128HmacSha1_32,
    kAes192CmHmacSha1_80,
    kAes192CmHmacSha1_32,
    kAes256CmHmacSha1_80,
    kAes256CmHmacSha1_32,
    kAeadAes128Gcm,
    kAeadAes256Gcm,
};
inline constexpr std::size_t kSrtpSuiteCount = 9;

struct SrtpSuiteInfo {
    std::string_view name;  // "" for kNone
    std::uint8_t key_size;
    std::uint8_t salt_size;
};
[[nodiscard]] const SrtpSuiteInfo& suite_info(SrtpSuite suite) noexcept;
// nullopt for an unknown name; "" and "none" are kNone.
[[nodiscard]] std::optional<SrtpSuite> suite_from_name(std::string_view name) noexcept;

inline constexpr std::size_t kMaxMasterKeySize = 32;
inline constexpr std::size_t kMaxMasterSaltSize = 14;

// SRTP parameters of one direction as data: the suite and master key and salt (sizes from the
// suite). The data plane builds its contexts from these.
struct SrtpParams {
    SrtpSuite suite = SrtpSuite::kNone;
    std::array<std::uint8_t, kMaxMasterKeySize> master_key{};
    std::array<std::uint8_t, kMaxMasterSaltSize> master_salt{};
    friend bool operator==(const SrtpParams&, const SrtpParams&) = default;
};

// Payload-type map: pt_map[ingress PT] = egress PT. Identity by default.
using PayloadTypeMap = std::array<std::uint8_t, 128>;
// RFC 8285 ID map, as rtp::remap_extension_ids takes it: ext_map[ingress ID] = egress ID, 0 drops
// the element. Identity by default.
using ExtensionIdMap = std::array<std::uint8_t, 256>;

[[nodiscard]] PayloadTypeMap identity_pt_map() noexcept;
[[nodiscard]] ExtensionIdMap identity_extension_map() noexcept;

// A per-flow rate limit (the data plane meters with rte_meter's srTCM, RFC 2697, colour-blind, as
// a token bucket: committed rate and burst, no excess burst). Packets over either limit are dropped
// as rate_limited. Each limit is off while its rate is 0; a rate needs a non-zero burst.
struct RateLimit {
    std::uint32_t packets_per_s = 0;  // packets per second (0: no packet limit)
    std::uint32_t burst_packets = 0;  // bucket size in packets
    std::uint64_t bytes_per_s = 0;    // UDP payload bytes per second (0: no byte limit)
    std::uint32_t burst_bytes = 0;    // bucket size in bytes
    [[nodiscard]] bool enabled() const noexcept { return packets_per_s != 0 || bytes_per_s != 0; }
    friend bool operator==(const RateLimit&, const RateLimit&) = default;
};

struct FlowSpec {
    Endpoint local;   // where packets arrive (a media address of the data plane)
    Endpoint remote;  // the expected source (see latching); may be unspecified
    Latching latching = Latching::kOff;
    Endpoint egress_source;                  // the media address and port packets leave from
    Endpoint egress_destination;             // where they go
    std::optional<MacAddress> next_hop_mac;  // nullopt: the port's gateway or neighbour resolution
    SrtpParams srtp_ingress;
    SrtpParams srtp_egress;
    PayloadTypeMap pt_map = identity_pt_map();
    ExtensionIdMap extension_map = identity_extension_map();
    std::optional<std::uint32_t> rewrite_ssrc;      // egress SSRC
    std::optional<std::uint16_t> seq_offset;        // added to every sequence number
    std::optional<std::uint32_t> timestamp_offset;  // added to every RTP timestamp
    RtcpMode rtcp_mode = RtcpMode::kPassThrough;
    bool rtcp_mux = true;                // RTCP shares the port (RFC 5761)
    bool transport_cc_feedback = false;  // generate transport-cc feedback (RTPFB FMT 15)
    // RFC 8285 ID of the transport-wide-cc extension in ingress RTP (0: none); required by
    // transport_cc_feedback.
    std::uint8_t transport_cc_extension_id = 0;
    std::uint32_t clock_rate = 8000;          // RTP clock of the stream, for RFC 3550 jitter
    std::uint32_t inactivity_timeout_ms = 0;  // 0: never
    std::uint64_t cookie = 0;                 // opaque to the data plane (the control plane's tag)
    // Ingress packets over this are dropped as rate_limited (after SRTP authentication and the
    // source policy, so forged or foreign packets never spend the flow's budget).
    RateLimit rate_limit;
    friend bool operator==(const FlowSpec&, const FlowSpec&) = default;
};

// Every reason the data plane drops a packet: one table, indexing per-lcore counters and the
// per-flow drop counters alike. Append only (the wire format carries the index).
enum class DropReason : std::uint8_t {
    kMalformed,
    kNotForUs,
    kUnsupportedL3,
    kIpFragment,
    kNoFlow,
    kStrictSource,
    kUnhandledClass,
    kRtpInvalid,
    kSrtpAuth,
    kRtcpTerminated,
    kNeighbourUnresolved,
    kNoEgressPort,
    kTooBig,
    kTxFailed,
    kExceptionIgnored,
    kNoMbuf,
    kRateLimited,
    kExceptionLimited,
    kDispatchRingFull,
};
inline constexpr std::size_t kDropReasonCount = 19;

struct DropReasonInfo {
    std::string_view name;
    std::string_view help;
};
inline constexpr std::array<DropReasonInfo, kDropReasonCount> kDropReasons{{
    {"malformed", "Ethernet, IP or UDP header truncated or inconsistent"},
    {"not_for_us", "destination MAC or IP address is not the port's"},
    {"unsupported_l3", "neither IPv4, IPv6 nor ARP"},
    {"ip_fragment", "IP fragments are not reassembled"},
    {"no_flow", "UDP to a local address and port without a flow"},
    {"strict_source", "source differs from the flow's remote under strict latching"},
    {"unhandled_class", "STUN, DTLS, ZRTP, TURN or unknown first byte on a media port"},
    {"rtp_invalid", "RTP header failed validation (RFC 3550 section 5.1)"},
    {"srtp_auth", "SRTP/SRTCP authentication or replay check failed"},
    {"rtcp_terminated", "RTCP consumed by a flow in terminate mode"},
    {"neighbour_unresolved", "no MAC address known for the next hop yet"},
    {"no_egress_port", "the flow's egress port is gone"},
    {"too_big", "the rewritten packet does not fit the mbuf"},
    {"tx_failed", "the egress queue was full"},
    {"exception_ignored", "ARP, ICMP or ND that needs no answer"},
    {"no_mbuf", "no mbuf for a reply"},
    {"rate_limited", "over the flow's rate limit (packets or bytes per second)"},
    {"exception_limited",
     "for the kernel, but over the exception port's rate or its queue was full"},
    {"dispatch_ring_full", "the dispatcher's ring to the flow's worker was full"},
}};
[[nodiscard]] constexpr const DropReasonInfo& info(DropReason r) noexcept {
    return kDropReasons[static_cast<std::size_t>(r)];
}

// Counters of one flow direction.
struct FlowCounters {
    std::uint64_t packets = 0;  // forwarded
    std::uint64_t bytes = 0;    // UDP payload bytes forwarded
    std::uint64_t rtcp_packets = 0;
    std::array<std::uint64_t, kDropReasonCount> drops{};
    std::uint64_t srtp_auth_failures = 0;
    std::int64_t last_packet_unix_ns = 0;  // 0: never
    friend bool operator==(const FlowCounters&, const FlowCounters&) = default;
};

// RFC 3550 receiver statistics of the flow's current ingress SSRC (Appendix A.3, A.8).
struct RtpStatsSnapshot {
    std::uint32_t ssrc = 0;
    bool validated = false;
    std::uint64_t received = 0;
    std::int64_t expected = 0;
    std::int32_t cumulative_lost = 0;
    std::uint32_t extended_highest_seq = 0;
    std::uint32_t jitter = 0;  // RTP timestamp units
    std::uint64_t duplicates = 0;
    std::uint64_t reordered = 0;
    std::uint64_t ssrc_changes = 0;
    friend bool operator==(const RtpStatsSnapshot&, const RtpStatsSnapshot&) = default;
};

struct FlowStats {
    FlowKey key;
    std::uint64_t cookie = 0;
    Endpoint latched;  // the learned source (unspecified before the first packet)
    FlowCounters counters;
    RtpStatsSnapshot rtp;
    // GCC (draft-ietf-rmcat-gcc-02) estimate of the path from the media sender to us, from the
    // transport-cc arrivals of a transport_cc_feedback flow; 0 otherwise.
    std::uint64_t estimated_bitrate_bps = 0;
    friend bool operator==(const FlowStats&, const FlowStats&) = default;
};

enum class EventKind : std::uint8_t {
    kInactivity,    // no packet for inactivity_timeout_ms (value: ms since the last one)
    kSsrcChange,    // a new ingress SSRC (value: the new SSRC)
    kLatched,       // a source was learned (address: it)
    kSrtpFailures,  // SRTP failures crossed the threshold (value: the count)
};
inline constexpr std::size_t kEventKindCount = 4;
[[nodiscard]] std::string_view to_string(EventKind kind) noexcept;

// Text forms: "192.0.2.1", "2001:db8::1"; endpoints "192.0.2.1:5004", "[2001:db8::1]:5004";
// MACs "02:00:00:00:00:01". Parsers return nullopt for anything else.
[[nodiscard]] std::optional<IpAddress> parse_ip_address(std::string_view text);
[[nodiscard]] std::optional<Endpoint> parse_endpoint(std::string_view text);
[[nodiscard]] std::optional<MacAddress> parse_mac(std::string_view text);
[[nodiscard]] std::string to_string(const IpAddress& address);
[[nodiscard]] std::string to_string(const Endpoint& endpoint);
[[nodiscard]] std::string to_string(const MacAddress& mac);
[[nodiscard]] std::string_view to_string(Latching latching) noexcept;
[[nodiscard]] std::optional<Latching> latching_from_name(std::string_view name) noexcept;
[[nodiscard]] std::string_view to_string(RtcpMode mode) noexcept;
[[nodiscard]] std::optional<RtcpMode> rtcp_mode_from_name(std::string_view name) noexcept;

struct Event {
    EventKind kind = EventKind::kInactivity;
    FlowKey key;
    std::uint64_t cookie = 0;
    std::uint64_t value = 0;
    Endpoint address;
    std::int64_t unix_ns = 0;
    friend bool operator==(const Event&, const Event&) = default;
};

}  // namespace rtpx::flowapi
