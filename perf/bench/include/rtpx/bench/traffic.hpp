// rtpx-bench traffic: stream profiles, the per-packet probe, and the packet generator.
//
// Every generated RTP packet carries a 24-byte probe at the start of its payload (inside SRTP's
// encryption, so a relay that rewrites SSRC, sequence number, timestamp or addresses does not break
// matching):
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +---------------------------------------------------------------+
//  |                    magic 0x52545842 ("RTXB")                  |
//  |                      stream id (0..N-1)                       |
//  |             probe sequence (64-bit, from 0, per stream)       |
//  |             TX timestamp (64-bit, nanoseconds, bench clock)   |
//  +---------------------------------------------------------------+
//
// The generator is plain C++ (no DPDK): it writes whole Ethernet frames into caller buffers, a
// burst at a time, so the DPDK engine, the tests and tools share it. SRTP goes through rtp/srtp's
// burst backend (IPsec-MB by default).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/capture/udp_frame.hpp"
#include "rtpx/rtp/srtp/backend.hpp"
#include "rtpx/rtp/srtp/context.hpp"
#include "rtpx/rtp/srtp/suite.hpp"

namespace rtpx::bench {

using rtp::ByteSpan;
using rtp::MutableByteSpan;
using rtp::capture::IpAddress;

// ---- Probe -----------------------------------------------------------------------------------

inline constexpr std::uint32_t kProbeMagic = 0x52545842;  // "RTXB"
inline constexpr std::size_t kProbeSize = 24;

struct Probe {
    std::uint32_t stream = 0;
    std::uint64_t sequence = 0;
    std::uint64_t tx_ns = 0;
    friend bool operator==(const Probe&, const Probe&) = default;
};

inline void write_probe(std::uint8_t* p, const Probe& probe) noexcept {
    rtp::store_be32(p, kProbeMagic);
    rtp::store_be32(p + 4, probe.stream);
    rtp::store_be32(p + 8, static_cast<std::uint32_t>(probe.sequence >> 32));
    rtp::store_be32(p + 12, static_cast<std::uint32_t>(probe.sequence));
    rtp::store_be32(p + 16, static_cast<std::uint32_t>(probe.tx_ns >> 32));
    rtp::store_be32(p + 20, static_cast<std::uint32_t>(probe.tx_ns));
}

// nullopt when the payload is too short or does not start with the magic.
[[nodiscard]] inline std::optional<Probe> read_probe(ByteSpan payload) noexcept {
    if (payload.size() < kProbeSize || rtp::load_be32(payload.data()) != kProbeMagic) {
        return std::nullopt;
    }
    const std::uint8_t* p = payload.data();
    return Probe{rtp::load_be32(p + 4), rtp::load_be64(p + 8), rtp::load_be64(p + 16)};
}

// ---- Profiles --------------------------------------------------------------------------------

enum class Profile : std::uint8_t {
    kG711,   // PCMU, 8 kHz, 20 ms: 160-byte payload, 172-byte RTP packets, 50 packets/s
    kOpus,   // Opus, 48 kHz, 20 ms, VBR: 40-160-byte payloads (deterministic per stream)
    kVideo,  // 90 kHz, 30 frames/s: each frame is a burst of 1200-byte packets, marker on the last
};

struct ProfileInfo {
    Profile profile;
    std::string_view name;
    std::uint8_t payload_type;
    std::uint32_t clock_rate;
    std::uint32_t timestamp_step;  // per packet (audio) or per frame (video)
    std::uint32_t interval_us;     // packet (audio) or frame (video) interval
};

inline constexpr std::array<ProfileInfo, 3> kProfiles = {{
    {Profile::kG711, "g711", 0, 8000, 160, 20000},
    {Profile::kOpus, "opus", 111, 48000, 960, 20000},
    {Profile::kVideo, "video", 96, 90000, 3000, 33333},
}};

[[nodiscard]] constexpr const ProfileInfo& profile_info(Profile p) noexcept {
    return kProfiles[static_cast<std::size_t>(p)];
}
[[nodiscard]] std::optional<Profile> profile_from_name(std::string_view name) noexcept;

inline constexpr std::size_t kVideoPacketPayload = 1200 - 12;  // 1200-byte RTP packets

// The RTP payload size of packet `index` (0-based, per stream) of a stream, and for video whether
// it ends its frame. Pure and deterministic, so tests and receivers can recompute it.
struct PacketShape {
    std::uint16_t payload_size;
    bool frame_end;               // marker bit (video); always true for audio
    std::uint16_t frame_packets;  // packets in this packet's frame (1 for audio)
};
[[nodiscard]] PacketShape video_frame_shape(std::uint32_t stream, std::uint64_t frame) noexcept;
[[nodiscard]] std::uint16_t opus_payload_size(std::uint32_t stream, std::uint64_t packet) noexcept;

// ---- Streams ---------------------------------------------------------------------------------

struct SrtpKey {
    rtp::srtp::Suite suite = rtp::srtp::Suite::kAesCm128HmacSha1_80;
    std::array<std::uint8_t, rtp::srtp::kMaxMasterKeyLen> master_key{};
    std::array<std::uint8_t, rtp::srtp::kMaxMasterSaltLen> master_salt{};
};

// The key of stream `stream` in direction `leg` (0: bench→DUT, 1: DUT→bench): deterministic, so
// the flows file for the DUT and the bench agree without exchanging keys.
[[nodiscard]] SrtpKey derive_stream_key(rtp::srtp::Suite suite, std::uint32_t stream,
                                        std::uint32_t leg) noexcept;

// A context for one direction of a stream with this key.
[[nodiscard]] tl::expected<std::unique_ptr<rtp::srtp::SrtpContext>, rtp::srtp::ConfigError>
make_srtp_context(const SrtpKey& key,
                  std::uint32_t replay_window = rtp::srtp::kDefaultReplayWindow);

struct StreamSpec {
    Profile profile = Profile::kG711;
    std::uint32_t ssrc = 0;
    rtp::capture::FrameEndpoints endpoints;  // bench TX address:port → DUT address:port
    std::optional<SrtpKey> srtp;             // protect what is sent
    std::uint8_t twcc_id = 0;                // transport-wide-cc extension ID (0: none)
    std::uint8_t audio_level_id = 0;         // ssrc-audio-level extension ID (0: none)
    std::uint32_t rtcp_every = 0;            // an RTCP SR (rtcp-mux) every N RTP packets; 0: none
    bool udp_checksum = true;                // IPv4: compute it (IPv6 always does)
};

// What the generator did with one packet; the engine keeps it per slot (tests check continuity).
struct SentPacket {
    std::uint32_t stream;
    std::uint64_t sequence;  // probe sequence; RTCP packets carry the stream's RTP count
    bool rtcp;
};

struct FrameSlot {
    std::uint8_t* data = nullptr;  // frame bytes are written here
    std::uint32_t capacity = 0;
    std::uint32_t len = 0;  // set by the generator
};

struct GeneratorError {
    std::string what;
};

struct GeneratorCounters {
    std::uint64_t rtp_packets = 0;
    std::uint64_t rtcp_packets = 0;
    std::uint64_t bytes = 0;          // frame bytes
    std::uint64_t srtp_failures = 0;  // protect refused (never expected)
};

// Largest frame the generator writes: Ethernet + VLAN + IPv6 + UDP + RTP with extensions +
// 1200-byte payload + SRTP trailer.
inline constexpr std::size_t kMaxFrameSize = 14 + 4 + 40 + 8 + 12 + 16 + kVideoPacketPayload + 20;

class Generator {
  public:
    // Streams are visited round-robin: an audio stream gives one packet per visit, a video stream
    // its whole frame (a burst of back-to-back packets), so a burst may end inside a frame and the
    // next call continues it. Stream sequence numbers start at `first_seq` (default: from the
    // SSRC), timestamps at a value derived from the SSRC.
    [[nodiscard]] static tl::expected<std::unique_ptr<Generator>, GeneratorError> create(
        std::vector<StreamSpec> streams,
        rtp::srtp::BackendKind backend = rtp::srtp::BackendKind::kIpsecMb);

    // Fills slots[0..n) with the next n frames, all stamped `tx_ns`. Returns n (every slot is
    // filled: the capacity of each slot must be >= kMaxFrameSize). `sent` (optional, same size)
    // receives what each slot holds.
    std::size_t fill(std::span<FrameSlot> slots, std::uint64_t tx_ns,
                     std::span<SentPacket> sent = {}) noexcept;

    [[nodiscard]] std::size_t stream_count() const noexcept { return streams_.size(); }
    [[nodiscard]] const StreamSpec& stream(std::size_t i) const noexcept {
        return streams_[i].spec;
    }
    // Probe sequences handed out so far for stream i (= RTP packets generated).
    [[nodiscard]] std::uint64_t sent_of(std::size_t i) const noexcept {
        return streams_[i].packets;
    }
    [[nodiscard]] const GeneratorCounters& counters() const noexcept { return counters_; }

    ~Generator();

  private:
    struct StreamState {
        StreamSpec spec;
        std::unique_ptr<rtp::srtp::SrtpContext> ctx;
        std::uint64_t packets = 0;   // RTP packets so far (the next probe sequence)
        std::uint64_t frames = 0;    // video frames begun
        std::uint64_t octets = 0;    // RTP payload octets (for the SR)
        std::uint16_t in_frame = 0;  // video: packets of the current frame already sent
        std::uint16_t first_seq = 0;
        std::uint32_t first_ts = 0;
        std::uint32_t rtcp_due = 0;             // RTP packets until the next SR
        std::uint8_t header_len = 0;            // Ethernet..UDP
        std::array<std::uint8_t, 64> header{};  // template for an empty payload
    };
    Generator() = default;
    std::size_t write_rtp(StreamState& s, std::uint32_t id, FrameSlot& slot, std::size_t hdr,
                          std::uint64_t tx_ns, bool& stream_done) noexcept;
    std::size_t write_rtcp(StreamState& s, FrameSlot& slot, std::size_t hdr,
                           std::uint64_t tx_ns) noexcept;
    void write_headers(const StreamState& s, FrameSlot& slot, std::size_t l4_payload) noexcept;

    std::vector<StreamState> streams_;
    std::unique_ptr<rtp::srtp::SrtpBackend> backend_;
    std::size_t next_ = 0;  // the stream visited next
    std::uint16_t twcc_seq_ = 0;
    GeneratorCounters counters_;
    // Per-burst scratch, sized at creation (no allocation per burst).
    std::vector<rtp::srtp::SrtpPacket> srtp_rtp_;
    std::vector<rtp::srtp::SrtpPacket> srtp_rtcp_;
    std::vector<rtp::srtp::SrtpStatus> statuses_;
    std::vector<std::uint32_t> rtp_slot_, rtcp_slot_;
    std::vector<std::uint32_t> slot_stream_;
    std::vector<std::uint16_t> slot_hdr_;
};

// Header bytes (Ethernet [+VLAN] + IP + UDP) in front of the RTP packet for these endpoints.
[[nodiscard]] inline std::size_t l2_l4_size(const rtp::capture::FrameEndpoints& ep) noexcept {
    return rtp::capture::udp_frame_size(ep, 0);
}

}  // namespace rtpx::bench
