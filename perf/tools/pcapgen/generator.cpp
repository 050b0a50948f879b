// Plans the streams of rtpx-pcapgen and writes them, in arrival order, to a pcap.
//
// Model (what the truth file can be checked against):
// - Each stream sends one packet every 20 ms for the whole duration, starting at a random offset
//   within the first 20 ms after 2023-11-14T22:13:20Z (Unix 1700000000). Stream i uses codec
//   kProfiles[(i / 2) % 3]: streams 2k and 2k+1 are the two directions of one call (one codec)
//   between 10.0.0.(2k+1) and 10.0.0.(2k+2) (fd00::(2k+1), fd00::(2k+2) with --ipv6), RTP on ports
//   20000+2k / 30000+2k and RTCP one above.
// - Loss (RTP only): independent per packet with probability loss/100, or with --burst-loss a
//   Gilbert-Elliott chain: every packet in the bad state is lost, none in the good state; the bad
//   state lasts a mean of --burst-length packets (4) and is entered with the probability that makes
//   the long-run loss rate equal loss/100.
// - Delay: a fixed 40 ms plus an exponential variation with mean --jitter-ms. A packet never
//   overtakes the one sent before it (one path, FIFO): its arrival is pushed to just after the
//   previous arrival when the draw would put it earlier. For i.i.d. exponential delays the mean
//   |D(i-1,i)| equals the mean, so the RFC 3550 jitter lands near --jitter-ms, a bit below because
//   of the FIFO rule; the truth file has the exact RFC 3550 value for the arrivals written.
// - Reordering: with probability --reorder/100 a received packet is held back until just after the
//   next received packet of its stream (the two swap places).
// - RTCP: every 5 s of a stream's life, a compound of SR (sender info counting every packet sent,
//   lost or not, as the sender would) and SDES CNAME, sent from the RTP source address and port+1
//   to the destination's port+1, delayed like RTP, never lost.
// - Deterministic: everything derives from --seed through std::mt19937_64, with uniform and
//   exponential draws computed here (not by <random> distributions, whose results differ between
//   standard libraries).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <numbers>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pcapgen.hpp"
#include "rtpx/rtp/capture/pcap_file.hpp"
#include "rtpx/rtp/capture/udp_frame.hpp"

namespace rtpx::pcapgen {

namespace {

namespace capture = rtp::capture;
using capture::FrameEndpoints;
using capture::IpAddress;

constexpr std::int64_t kSecondNs = 1'000'000'000;
constexpr std::int64_t kPacketIntervalNs = 20'000'000;
constexpr std::int64_t kRtcpIntervalNs = 5 * kSecondNs;
constexpr std::int64_t kStartNs = 1'700'000'000 * kSecondNs;
constexpr std::uint32_t kNtpUnixOffset = 2'208'988'800u;  // seconds from 1900 to 1970
constexpr std::uint16_t kBasePortA = 20000;
constexpr std::uint16_t kBasePortB = 30000;
constexpr std::size_t kMaxFrame = 2048;
constexpr std::uint64_t kMaxTotalPackets = 5'000'000;

// splitmix64's finaliser: per-packet content (payload bytes, audio level) as a pure function of
// (seed, stream, packet), so it need not be stored between planning and writing.
std::uint64_t mix(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

std::uint64_t content_hash(std::uint64_t seed, int stream, std::uint64_t packet,
                           std::uint64_t salt) {
    return mix(mix(mix(seed ^ 0x70636170u) ^ static_cast<std::uint64_t>(stream)) ^ (packet << 8) ^
               salt);
}

class Random {
  public:
    explicit Random(std::uint64_t seed) : engine_(seed) {}
    std::uint64_t next() { return engine_(); }
    // Uniform in [0, 1).
    double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
    bool chance(double p) { return uniform() < p; }
    double exponential(double mean) { return mean <= 0 ? 0.0 : -mean * std::log1p(-uniform()); }

  private:
    std::mt19937_64 engine_;
};

// --- G.711 (ITU-T G.711): 16-bit linear PCM to 8-bit mu-law / A-law -----------------------------

std::uint8_t linear_to_ulaw(int sample) {
    constexpr int kBias = 0x84;
    constexpr int kClip = 32635;
    const int sign = sample < 0 ? 0x80 : 0x00;
    int magnitude = std::min(sample < 0 ? -sample : sample, kClip) + kBias;
    int exponent = 7;
    for (int mask = 0x4000; (magnitude & mask) == 0 && exponent > 0; mask >>= 1) {
        --exponent;
    }
    const int mantissa = (magnitude >> (exponent + 3)) & 0x0f;
    return static_cast<std::uint8_t>(~(sign | (exponent << 4) | mantissa));
}

std::uint8_t linear_to_alaw(int sample) {
    const int sign = sample >= 0 ? 0x80 : 0x00;
    const int magnitude = (sample >= 0 ? sample : -sample - 1) >> 3;  // 13-bit, 0..4095
    int segment = 0;
    int mantissa = magnitude >> 1;
    if (magnitude >= 32) {
        segment = 1;
        while (magnitude >= (32 << segment)) {
            ++segment;
        }
        mantissa = (magnitude >> segment) & 0x0f;
    }
    return static_cast<std::uint8_t>(((segment << 4) | mantissa | sign) ^ 0x55);
}

// --- Plans --------------------------------------------------------------------------------------

struct Arrival {
    std::int64_t arrival_ns;
    std::uint32_t packet;  // RTP packet number within its stream, or RTCP report number
};

struct Stream {
    int number = 0;
    const CodecProfile* profile = nullptr;
    std::uint32_t ssrc = 0;
    std::uint16_t first_sequence = 0;
    std::uint32_t first_timestamp = 0;
    std::uint16_t first_transport_sequence = 0;
    std::int64_t start_ns = 0;
    std::vector<std::uint8_t> tone;  // G.711 only: one second of the stream's tone
    FrameEndpoints rtp_ep;
    FrameEndpoints rtcp_ep;
    std::string cname;

    std::uint32_t sent = 0;
    std::uint32_t dropped = 0;
    std::uint32_t reordered = 0;
    std::vector<Arrival> rtp_arrivals;  // received packets, in arrival order
    std::vector<Arrival> rtcp_arrivals;
    std::vector<RtcpReportPlan> reports;
    double jitter_ts = 0;  // RFC 3550 interarrival jitter over rtp_arrivals, timestamp units

    [[nodiscard]] std::int64_t send_ns(std::uint32_t packet) const {
        return start_ns + static_cast<std::int64_t>(packet) * kPacketIntervalNs;
    }
};

std::size_t payload_size(const Options& options, const Stream& s, std::uint32_t packet) {
    if (s.profile->codec != Codec::kOpus) {
        return s.profile->samples_per_packet;  // one byte per sample
    }
    return 60 + content_hash(options.seed, s.number, packet, 1) % 41;  // 60..100, mean 80
}

// Fills `out` (payload_size bytes) for packet `packet` of stream `s`.
void fill_payload(const Options& options, const Stream& s, std::uint32_t packet,
                  std::span<std::uint8_t> out) {
    if (s.profile->codec == Codec::kOpus) {
        out[0] = 0x78;  // TOC: config 15 (hybrid, fullband, 20 ms), mono, one frame
        for (std::size_t i = 1; i < out.size(); ++i) {
            out[i] =
                static_cast<std::uint8_t>(content_hash(options.seed, s.number, packet, 16 + i));
        }
        return;
    }
    // A tone, so that Wireshark's RTP player has something to play: one second of it, encoded once
    // (a whole number of hertz repeats every second).
    const std::uint64_t first_sample = std::uint64_t{packet} * s.profile->samples_per_packet;
    for (std::size_t i = 0; i < out.size(); ++i) {
        out[i] = s.tone[(first_sample + i) % s.tone.size()];
    }
}

// One second of a sine tone at `hz` (a whole number), G.711-encoded.
std::vector<std::uint8_t> encode_tone(Codec codec, std::uint32_t clock_rate, int hz) {
    std::vector<std::uint8_t> tone(clock_rate);
    for (std::size_t k = 0; k < tone.size(); ++k) {
        const double t = static_cast<double>(k) / clock_rate;
        const int sample = static_cast<int>(6000.0 * std::sin(2 * std::numbers::pi * hz * t));
        tone[k] = codec == Codec::kPcmu ? linear_to_ulaw(sample) : linear_to_alaw(sample);
    }
    return tone;
}

IpAddress host_address(const Options& options, int host) {
    if (options.ipv6) {
        std::array<std::uint8_t, 16> b{0xfd};
        b[15] = static_cast<std::uint8_t>(host);
        return IpAddress::v6(b);
    }
    return IpAddress::v4(10, 0, 0, static_cast<std::uint8_t>(host));
}

std::vector<Stream> plan_streams(const Options& options) {
    Random master(options.seed);
    std::vector<Stream> streams(static_cast<std::size_t>(options.streams));
    const auto packets = static_cast<std::uint32_t>(options.duration_s * 1e9 /
                                                    static_cast<double>(kPacketIntervalNs));

    // Gilbert-Elliott: P(bad -> good) = 1 / burst_length; P(good -> bad) chosen so that the
    // stationary probability of "bad" is the loss rate: p / (p + r) = loss.
    const double loss = options.loss_percent / 100.0;
    const double to_good = 1.0 / options.burst_length;
    const double to_bad = loss >= 1.0 ? 1.0 : std::min(1.0, loss * to_good / (1.0 - loss));
    const double reorder = options.reorder_percent / 100.0;
    const double delay_ns = options.delay_ms * 1e6;
    const double jitter_ns = options.jitter_ms * 1e6;

    for (int i = 0; i < options.streams; ++i) {
        Stream& s = streams[static_cast<std::size_t>(i)];
        s.number = i;
        s.profile = &kProfiles[static_cast<std::size_t>(i / 2) % std::size(kProfiles)];
        do {
            s.ssrc = static_cast<std::uint32_t>(master.next());
        } while (s.ssrc == 0 || std::any_of(streams.begin(), streams.begin() + i,
                                            [&](const Stream& o) { return o.ssrc == s.ssrc; }));
        Random rng(master.next());
        s.first_sequence = static_cast<std::uint16_t>(rng.next());
        s.first_timestamp = static_cast<std::uint32_t>(rng.next());
        s.first_transport_sequence = static_cast<std::uint16_t>(rng.next());
        s.start_ns = kStartNs + static_cast<std::int64_t>(rng.uniform() * kPacketIntervalNs);
        if (s.profile->codec != Codec::kOpus) {
            s.tone = encode_tone(s.profile->codec, s.profile->clock_rate, 300 + 100 * i);
        }

        const int call = i / 2;
        const int host_a = 2 * call + 1;
        const int host_b = 2 * call + 2;
        const auto port_a = static_cast<std::uint16_t>(kBasePortA + 2 * call);
        const auto port_b = static_cast<std::uint16_t>(kBasePortB + 2 * call);
        const bool a_to_b = (i % 2) == 0;
        const int src_host = a_to_b ? host_a : host_b;
        const int dst_host = a_to_b ? host_b : host_a;
        s.rtp_ep.src_mac = {0x02, 0x00, 0x00, 0x00, 0x00, static_cast<std::uint8_t>(src_host)};
        s.rtp_ep.dst_mac = {0x02, 0x00, 0x00, 0x00, 0x00, static_cast<std::uint8_t>(dst_host)};
        s.rtp_ep.src = host_address(options, src_host);
        s.rtp_ep.dst = host_address(options, dst_host);
        s.rtp_ep.src_port = a_to_b ? port_a : port_b;
        s.rtp_ep.dst_port = a_to_b ? port_b : port_a;
        s.rtp_ep.dscp = 46;  // EF, as voice is usually marked
        s.rtcp_ep = s.rtp_ep;
        s.rtcp_ep.src_port = static_cast<std::uint16_t>(s.rtp_ep.src_port + 1);
        s.rtcp_ep.dst_port = static_cast<std::uint16_t>(s.rtp_ep.dst_port + 1);
        s.rtcp_ep.dscp = 0;
        s.cname = "user" + std::to_string(i) + "@" + s.rtp_ep.src.to_string();

        // RTP: loss, delay, FIFO.
        s.sent = packets;
        bool bad = false;
        std::int64_t last_arrival = 0;
        for (std::uint32_t n = 0; n < packets; ++n) {
            bool lost = false;
            if (options.burst_loss) {
                bad = bad ? !rng.chance(to_good) : rng.chance(to_bad);
                lost = bad;
            } else {
                lost = rng.chance(loss);
            }
            // Draw the delay even for lost packets, so that the loss setting does not shift the
            // delays of the packets that survive.
            const double delay = delay_ns + rng.exponential(jitter_ns);
            if (lost) {
                ++s.dropped;
                continue;
            }
            std::int64_t arrival = s.send_ns(n) + static_cast<std::int64_t>(delay);
            arrival = std::max(arrival, last_arrival + 1);
            last_arrival = arrival;
            s.rtp_arrivals.push_back({arrival, n});
        }
        // Reordering: hold a packet back until just after the next one (before the one after).
        for (std::size_t k = 0; k + 1 < s.rtp_arrivals.size(); ++k) {
            if (!rng.chance(reorder)) {
                continue;
            }
            const std::int64_t next = s.rtp_arrivals[k + 1].arrival_ns;
            std::int64_t gap = 1'000'000;  // 1 ms after the next packet
            if (k + 2 < s.rtp_arrivals.size()) {
                gap = std::min(gap, (s.rtp_arrivals[k + 2].arrival_ns - next) / 2);
            }
            s.rtp_arrivals[k].arrival_ns = next + std::max<std::int64_t>(gap, 1);
            std::swap(s.rtp_arrivals[k], s.rtp_arrivals[k + 1]);
            ++s.reordered;
            ++k;  // the pair is done; do not chain the held packet further
        }
        // RFC 3550 section 6.4.1 / A.8 interarrival jitter, over the arrivals as written.
        const double ts_per_ns = s.profile->clock_rate / 1e9;
        for (std::size_t k = 1; k < s.rtp_arrivals.size(); ++k) {
            const Arrival& a = s.rtp_arrivals[k - 1];
            const Arrival& b = s.rtp_arrivals[k];
            const double transit_diff =
                static_cast<double>(b.arrival_ns - a.arrival_ns) * ts_per_ns -
                (static_cast<double>(b.packet) - static_cast<double>(a.packet)) *
                    s.profile->samples_per_packet;
            s.jitter_ts += (std::abs(transit_diff) - s.jitter_ts) / 16.0;
        }

        // RTCP: SR + SDES every 5 s while the stream lives.
        std::uint64_t octets = 0;
        std::uint32_t counted = 0;
        const std::int64_t end_ns = s.send_ns(packets);
        for (std::int64_t t = s.start_ns + kRtcpIntervalNs; t < end_ns; t += kRtcpIntervalNs) {
            while (counted < packets && s.send_ns(counted) < t) {
                octets += payload_size(options, s, counted);
                ++counted;
            }
            RtcpReportPlan r;
            r.ssrc = s.ssrc;
            r.ntp_sec = static_cast<std::uint32_t>(t / kSecondNs) + kNtpUnixOffset;
            r.ntp_frac = static_cast<std::uint32_t>(
                (static_cast<std::uint64_t>(t % kSecondNs) << 32) / kSecondNs);
            r.rtp_timestamp = static_cast<std::uint32_t>(
                s.first_timestamp +
                static_cast<std::uint64_t>(t - s.start_ns) * s.profile->clock_rate / kSecondNs);
            r.packet_count = counted;
            r.octet_count = static_cast<std::uint32_t>(octets);
            const auto number = static_cast<std::uint32_t>(s.reports.size());
            s.reports.push_back(r);
            const std::int64_t arrival =
                t + static_cast<std::int64_t>(delay_ns + rng.exponential(jitter_ns));
            s.rtcp_arrivals.push_back({arrival, number});
        }
    }
    return streams;
}

struct Event {
    std::int64_t arrival_ns;
    std::uint32_t stream;
    std::uint8_t kind;  // 0 RTP, 1 RTCP
    std::uint32_t index;
    auto operator<=>(const Event&) const = default;
};

nlohmann::ordered_json truth_json(const Options& options, const std::vector<Stream>& streams,
                                  std::uint64_t frames) {
    nlohmann::ordered_json out;
    out["generator"] = "rtpx-pcapgen";
    out["seed"] = options.seed;
    out["duration_s"] = options.duration_s;
    out["loss_percent"] = options.loss_percent;
    out["burst_loss"] = options.burst_loss;
    out["delay_ms"] = options.delay_ms;
    out["jitter_ms"] = options.jitter_ms;
    out["reorder_percent"] = options.reorder_percent;
    out["ipv6"] = options.ipv6;
    out["frames"] = frames;
    out["link_type"] = "EN10MB";
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const Stream& s : streams) {
        nlohmann::ordered_json j;
        j["index"] = s.number;
        j["ssrc"] = s.ssrc;
        j["ssrc_hex"] = [&] {
            char buf[16];
            std::snprintf(buf, sizeof(buf), "0x%08x", s.ssrc);
            return std::string(buf);
        }();
        j["pt"] = s.profile->payload_type;
        j["codec"] = s.profile->name;
        j["clock_rate"] = s.profile->clock_rate;
        j["sent"] = s.sent;
        j["dropped"] = s.dropped;
        j["received"] = s.sent - s.dropped;
        j["reordered"] = s.reordered;
        j["first_seq"] = s.first_sequence;
        j["first_timestamp"] = s.first_timestamp;
        j["rfc3550_jitter_ms"] = s.jitter_ts / s.profile->clock_rate * 1000.0;
        j["rtcp_reports"] = s.reports.size();
        j["cname"] = s.cname;
        j["protocol"] = "udp";
        j["src"] = s.rtp_ep.src.to_string();
        j["src_port"] = s.rtp_ep.src_port;
        j["dst"] = s.rtp_ep.dst.to_string();
        j["dst_port"] = s.rtp_ep.dst_port;
        j["rtcp_src_port"] = s.rtcp_ep.src_port;
        j["rtcp_dst_port"] = s.rtcp_ep.dst_port;
        if (s.profile->header_extensions) {
            j["extensions"] = {
                {{"id", kAudioLevelId}, {"uri", "urn:ietf:params:rtp-hdrext:ssrc-audio-level"}},
                {{"id", kTransportWideCcId},
                 {"uri",
                  "http://www.ietf.org/id/"
                  "draft-holmer-rmcat-transport-wide-cc-extensions-01"}}};
        }
        list.push_back(std::move(j));
    }
    out["streams"] = std::move(list);
    return out;
}

}  // namespace

int run(const Options& options) {
    // Every packet is planned before the first is written (to sort by arrival), at about 40 bytes
    // of memory each: keep a run to a few hundred MB.
    const double total_packets = options.duration_s * 1e9 / static_cast<double>(kPacketIntervalNs) *
                                 static_cast<double>(options.streams);
    if (total_packets > static_cast<double>(kMaxTotalPackets)) {
        std::fprintf(stderr,
                     "rtpx-pcapgen: %.0f RTP packets is more than one run writes (%llu); lower "
                     "--streams or --duration\n",
                     total_packets, static_cast<unsigned long long>(kMaxTotalPackets));
        return 2;
    }
    std::vector<Stream> streams = plan_streams(options);

    std::vector<Event> events;
    for (const Stream& s : streams) {
        const auto n = static_cast<std::uint32_t>(s.number);
        for (const Arrival& a : s.rtp_arrivals) events.push_back({a.arrival_ns, n, 0, a.packet});
        for (const Arrival& a : s.rtcp_arrivals) events.push_back({a.arrival_ns, n, 1, a.packet});
    }
    std::sort(events.begin(), events.end());

    auto writer = capture::PcapWriter::create(options.out);
    if (!writer) {
        std::fprintf(stderr, "rtpx-pcapgen: %s\n", writer.error().c_str());
        return 1;
    }
    std::array<std::uint8_t, kMaxFrame> payload{};
    std::array<std::uint8_t, kMaxFrame> udp_payload{};
    std::array<std::uint8_t, kMaxFrame> frame{};
    std::uint64_t rtcp_written = 0;
    for (const Event& e : events) {
        Stream& s = streams[e.stream];
        std::size_t size = 0;
        FrameEndpoints ep;
        if (e.kind == 0) {
            const std::uint32_t n = e.index;
            const std::size_t payload_bytes = payload_size(options, s, n);
            fill_payload(options, s, n, std::span(payload).first(payload_bytes));
            RtpPacketPlan p;
            p.payload_type = s.profile->payload_type;
            p.marker = n == 0;
            p.sequence_number = static_cast<std::uint16_t>(s.first_sequence + n);
            p.timestamp = s.first_timestamp + n * s.profile->samples_per_packet;
            p.ssrc = s.ssrc;
            p.header_extensions = s.profile->header_extensions;
            // Talk spurts: 1.5 s of voice, 0.5 s of silence.
            p.voice_activity = (n % 100) < 75;
            const auto jiggle =
                static_cast<std::uint8_t>(content_hash(options.seed, s.number, n, 2) % 10);
            p.audio_level = static_cast<std::uint8_t>(p.voice_activity ? 25 + jiggle : 90 + jiggle);
            p.transport_sequence_number =
                static_cast<std::uint16_t>(s.first_transport_sequence + n);
            p.payload = std::span(payload).first(payload_bytes);
            size = write_rtp_packet(udp_payload, p);
            ep = s.rtp_ep;
            ep.ipv4_id = static_cast<std::uint16_t>(n);
        } else {
            RtcpReportPlan r = s.reports[e.index];
            r.cname = s.cname;
            size = write_rtcp_report(udp_payload, r);
            ep = s.rtcp_ep;
            ep.ipv4_id = static_cast<std::uint16_t>(0x8000 + e.index);
            ++rtcp_written;
        }
        if (size == 0) {
            std::fprintf(stderr, "rtpx-pcapgen: could not write %s packet %u of stream %u\n",
                         e.kind == 0 ? "RTP" : "RTCP", e.index, e.stream);
            return 1;
        }
        const auto frame_size =
            capture::build_udp_frame(frame, ep, std::span(udp_payload).first(size));
        if (!frame_size) {
            std::fprintf(stderr, "rtpx-pcapgen: could not build the frame of stream %u\n",
                         e.stream);
            return 1;
        }
        writer->write(e.arrival_ns, std::span(frame).first(*frame_size));
    }
    const std::uint64_t frames = writer->frames_written();
    if (auto closed = writer->close(); !closed) {
        std::fprintf(stderr, "rtpx-pcapgen: %s\n", closed.error().c_str());
        return 1;
    }

    if (!options.truth.empty()) {
        std::ofstream out(options.truth);
        out << truth_json(options, streams, frames).dump(2) << '\n';
        out.close();
        if (!out) {
            std::fprintf(stderr, "rtpx-pcapgen: %s: cannot write the truth file\n",
                         options.truth.c_str());
            return 1;
        }
    }

    std::uint64_t sent = 0;
    std::uint64_t dropped = 0;
    std::uint64_t reordered = 0;
    for (const Stream& s : streams) {
        sent += s.sent;
        dropped += s.dropped;
        reordered += s.reordered;
    }
    std::fprintf(
        stderr,
        "rtpx-pcapgen: wrote %s: %d streams (%s), %g s, %llu RTP sent, %llu dropped "
        "(%.2f%%), %llu reordered, %llu RTCP, %llu frames, seed %llu\n",
        options.out.c_str(), options.streams, options.ipv6 ? "IPv6" : "IPv4", options.duration_s,
        static_cast<unsigned long long>(sent), static_cast<unsigned long long>(dropped),
        sent > 0 ? 100.0 * static_cast<double>(dropped) / static_cast<double>(sent) : 0.0,
        static_cast<unsigned long long>(reordered), static_cast<unsigned long long>(rtcp_written),
        static_cast<unsigned long long>(frames), static_cast<unsigned long long>(options.seed));
    return 0;
}

}  // namespace rtpx::pcapgen
