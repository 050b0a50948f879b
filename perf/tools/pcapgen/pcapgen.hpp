// rtpx-pcapgen: synthetic RTP/RTCP traffic with loss, jitter and reordering, written as a pcap.
//
// The generator is split in three:
//   generator.cpp      plans every stream (SSRC, addresses, send times, impairments), writes the
//                      frames in arrival order and the truth file;
//   media_packets.cpp  turns one planned RTP packet or RTCP report into bytes, through the
//   project's
//                      writers (RtpPacketWriter and the extension traits; the RTCP builders);
//   main.cpp           the command line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "rtpx/rtp/bytes.hpp"

namespace rtpx::pcapgen {

struct Options {
    std::string out;
    int streams = 3;
    double duration_s = 10.0;
    double loss_percent = 2.0;
    bool burst_loss = false;
    double burst_length = 4.0;  // mean length of a Gilbert-Elliott loss burst, in packets
    double delay_ms = 40.0;     // fixed one-way network delay
    double jitter_ms = 8.0;     // mean of the exponential delay variation
    double reorder_percent = 0.5;
    std::uint64_t seed = 1;
    bool ipv6 = false;
    std::string truth;
};

enum class Codec : std::uint8_t { kPcmu, kPcma, kOpus };

struct CodecProfile {
    Codec codec;
    std::string_view name;  // as in SDP rtpmap: "PCMU", "PCMA", "opus"
    std::uint8_t payload_type;
    std::uint32_t clock_rate;
    std::uint32_t samples_per_packet;  // RTP timestamp step per 20 ms packet
    bool header_extensions;            // ssrc-audio-level (ID 1) and transport-wide-cc (ID 3)
};

// Stream i uses kProfiles[i % 3].
inline constexpr CodecProfile kProfiles[] = {
    {Codec::kPcmu, "PCMU", 0, 8000, 160, false},
    {Codec::kPcma, "PCMA", 8, 8000, 160, false},
    {Codec::kOpus, "opus", 111, 48000, 960, true},
};

inline constexpr std::uint8_t kAudioLevelId = 1;
inline constexpr std::uint8_t kTransportWideCcId = 3;

// One RTP packet as the sender emits it.
struct RtpPacketPlan {
    std::uint8_t payload_type = 0;
    bool marker = false;
    std::uint16_t sequence_number = 0;
    std::uint32_t timestamp = 0;
    std::uint32_t ssrc = 0;
    bool header_extensions = false;
    bool voice_activity = false;
    std::uint8_t audio_level = 127;  // -dBov
    std::uint16_t transport_sequence_number = 0;
    rtp::ByteSpan payload;
};

// One RTCP compound: SR (no report blocks) + SDES CNAME.
struct RtcpReportPlan {
    std::uint32_t ssrc = 0;
    std::uint32_t ntp_sec = 0;
    std::uint32_t ntp_frac = 0;
    std::uint32_t rtp_timestamp = 0;
    std::uint32_t packet_count = 0;
    std::uint32_t octet_count = 0;
    std::string_view cname;
};

// Writes the packet into `out`; returns its size, or 0 when it does not fit or a writer refuses.
[[nodiscard]] std::size_t write_rtp_packet(rtp::MutableByteSpan out, const RtpPacketPlan& plan);
[[nodiscard]] std::size_t write_rtcp_report(rtp::MutableByteSpan out, const RtcpReportPlan& plan);

// Writes the capture (and the truth file when asked). Returns the process exit code; prints the
// one-line summary, or the error, to stderr.
int run(const Options& options);

}  // namespace rtpx::pcapgen
