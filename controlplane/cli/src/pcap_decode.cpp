#include "pcap_decode.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ostream>

#include "input.hpp"
#include "rtcp_json.hpp"
#include "rtp_json.hpp"
#include "rtpx/rtp/capture/pcap_file.hpp"
#include "rtpx/rtp/demux.hpp"
#include "rtpx/rtp/quality.hpp"
#include "rtpx/rtp/receive_statistics.hpp"
#include "rtpx/rtp/rtcp/common.hpp"
#include "rtpx/rtp/rtcp/compound.hpp"
#include "rtpx/rtp/rtp_packet.hpp"

namespace rtpx::cli {
namespace {

std::string endpoint(const rtp::capture::IpAddress& ip, std::uint16_t port) {
    if (ip.family == 6) return "[" + ip.to_string() + "]:" + std::to_string(port);
    return ip.to_string() + ":" + std::to_string(port);
}

double seconds(std::int64_t ns) {
    return static_cast<double>(ns) / 1e9;
}

// A clock rate for a stream whose payload type the registry does not know: the RTP timestamp
// advance over the capture's duration, snapped to the nearest common media clock when within 10%.

std::uint32_t snap_clock_rate(double measured) {
    static constexpr std::array<std::uint32_t, 8> kClocks = {8000,  12000, 16000, 24000,
                                                             32000, 44100, 48000, 90000};
    std::uint32_t best = 0;
    double best_error = 0.1;
    for (auto c : kClocks) {
        const double error = std::abs(measured - c) / c;
        if (error < best_error) {
            best_error = error;
            best = c;
        }
    }
    return best != 0 ? best : static_cast<std::uint32_t>(std::lround(measured));
}

}  // namespace

tl::expected<void, std::string> PcapDecoder::add_rtpmap(std::string_view arg) {
    const auto eq = arg.find('=');
    if (eq == std::string_view::npos) {
        return tl::unexpected("--rtpmap '" + std::string(arg) +
                              "': expected PT=encoding/clock[/channels]");
    }
    unsigned pt = 0;
    const auto pt_text = arg.substr(0, eq);
    auto [end, ec] = std::from_chars(pt_text.data(), pt_text.data() + pt_text.size(), pt);
    if (ec != std::errc{} || end != pt_text.data() + pt_text.size() || pt > 127) {
        return tl::unexpected("--rtpmap '" + std::string(arg) + "': payload type must be 0-127");
    }
    auto added = payload_types_.add_rtpmap(static_cast<std::uint8_t>(pt), arg.substr(eq + 1));
    if (!added) return tl::unexpected("--rtpmap '" + std::string(arg) + "': " + added.error().what);
    return {};
}

int PcapDecoder::run(const std::string& file, bool summary, std::ostream& out, std::ostream& err) {
    auto reader = rtp::capture::PcapReader::open_file(file);
    if (!reader) {
        err << "error: " << reader.error() << " at byte 0\n";
        return 1;
    }
    const int link_type = reader->link_type();
    while (true) {
        auto frame = reader->next();
        if (!frame) {
            err << "error: " << frame.error() << '\n';
            return 1;
        }
        if (!frame->has_value()) break;
        const auto& f = **frame;
        auto dgram = rtp::capture::parse_udp_frame(link_type, f.data);
        if (!dgram) continue;  // not UDP, or not a datagram we can read: not ours to list
        on_datagram(f.index, f.timestamp_ns, *dgram, summary, out);
    }
    if (summary) {
        for (const auto& [key, stream] : streams_) out << summarise(key, stream).dump() << '\n';
        if (malformed_ != 0) {
            err << "note: " << malformed_ << " malformed RTP/RTCP datagrams were skipped\n";
        }
    }
    return 0;
}

void PcapDecoder::on_datagram(std::uint64_t frame, std::int64_t ts_ns,
                              const rtp::capture::UdpDatagram& dgram, bool summary,
                              std::ostream& out) {
    const rtp::ByteSpan payload = dgram.payload;
    nlohmann::ordered_json line;
    auto head = [&] {
        line["frame"] = frame;
        line["time"] = seconds(ts_ns);
        line["src"] = endpoint(dgram.src, dgram.src_port);
        line["dst"] = endpoint(dgram.dst, dgram.dst_port);
    };
    switch (rtp::classify(payload)) {
        case rtp::PacketClass::kRtp: {
            auto view = rtp::RtpView::parse_strict(payload);
            if (!view) {
                ++malformed_;
                if (summary) return;
                head();
                line["kind"] = "rtp";
                line["error"] = view.error().what;
                line["error_offset"] = view.error().offset;
                break;
            }
            if (summary) {
                StreamKey key{view->ssrc(), dgram.src, dgram.dst, dgram.src_port, dgram.dst_port};
                auto [it, inserted] = streams_.try_emplace(key);
                if (inserted) {
                    it->second.first_frame = frame;
                    it->second.pt = view->payload_type();
                }
                it->second.bytes += payload.size();
                it->second.packets.push_back({view->sequence_number(), view->timestamp(), ts_ns});
                return;
            }
            head();
            line.update(rtp_to_json(*view, extmap_));
            break;
        }
        case rtp::PacketClass::kRtcp: {
            auto json = rtcp_to_json(payload);
            if (!json) {
                ++malformed_;
                if (summary) return;
                head();
                line["kind"] = "rtcp";
                line["error"] = json.error().what;
                line["error_offset"] = json.error().offset;
                break;
            }
            if (summary) {
                // Attribute each RTCP packet to the SSRC that sent it (the first word after the
                // header).
                for (const auto& packet : *json) {
                    if (packet.contains("ssrc")) {
                        ++rtcp_by_ssrc_[packet["ssrc"].get<std::uint32_t>()];
                    } else if (packet.contains("sender_ssrc")) {
                        ++rtcp_by_ssrc_[packet["sender_ssrc"].get<std::uint32_t>()];
                    }
                }
                return;
            }
            head();
            line["kind"] = "rtcp";
            line["packets"] = std::move(*json);
            break;
        }
        case rtp::PacketClass::kStun:
            if (summary) return;
            head();
            line.update(stun_to_json(payload));
            break;
        case rtp::PacketClass::kDtls:
            if (summary) return;
            head();
            line.update(dtls_to_json(payload));
            break;
        default: return;
    }
    out << line.dump() << '\n';
}

nlohmann::ordered_json PcapDecoder::summarise(const StreamKey& key, const Stream& stream) const {
    nlohmann::ordered_json s;
    s["ssrc"] = key.ssrc;
    s["src_ip"] = key.src.to_string();
    s["src_port"] = key.src_port;
    s["dst_ip"] = key.dst.to_string();
    s["dst_port"] = key.dst_port;
    s["proto"] = "udp";
    s["pt"] = stream.pt;

    const auto& pkts = stream.packets;
    const double duration =
        pkts.size() > 1 ? seconds(pkts.back().arrival_ns - pkts.front().arrival_ns) : 0.0;

    // The clock rate: from the payload type (static table or --rtpmap), else measured.
    std::uint32_t clock_rate = 0;
    std::string codec;
    if (const auto* type = payload_types_.find(stream.pt)) {
        clock_rate = type->clock_rate;
        codec = std::string(type->encoding());
    }
    bool clock_inferred = false;
    if (clock_rate == 0 && pkts.size() > 1 && duration > 0) {
        // Unwrap the timestamp span from the first packet to the last.
        const std::uint32_t advance = pkts.back().ts - pkts.front().ts;
        clock_rate = snap_clock_rate(static_cast<double>(advance) / duration);
        clock_inferred = true;
    }
    s["codec"] = codec.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(codec);
    s["clock_rate"] = clock_rate;
    if (clock_inferred) s["clock_rate_inferred"] = true;

    rtp::RtpSourceStatistics stats(clock_rate == 0 ? 8000 : clock_rate);
    double max_jitter_ms = 0;
    double jitter_sum_ms = 0;
    for (const auto& p : pkts) {
        (void)stats.on_packet(p.seq, p.ts, p.arrival_ns);
        const double j = stats.jitter_ms();
        max_jitter_ms = std::max(max_jitter_ms, j);
        jitter_sum_ms += j;
    }

    // Loss pattern for the E-model's burst ratio: walk the received sequence numbers in order.
    std::vector<std::int64_t> seqs;
    seqs.reserve(pkts.size());
    std::int64_t ext = 0;
    for (std::size_t i = 0; i < pkts.size(); ++i) {
        if (i == 0) {
            ext = pkts[i].seq;
        } else {
            const auto delta = static_cast<std::int16_t>(pkts[i].seq - pkts[i - 1].seq);
            ext += delta;
        }
        seqs.push_back(ext);
    }
    std::sort(seqs.begin(), seqs.end());
    seqs.erase(std::unique(seqs.begin(), seqs.end()), seqs.end());
    rtp::LossRunTracker runs;
    for (std::size_t i = 0; i < seqs.size(); ++i) {
        if (i > 0 && seqs[i] - seqs[i - 1] > 1) {
            runs.on_lost(static_cast<std::uint64_t>(seqs[i] - seqs[i - 1] - 1));
        }
        runs.on_received();
    }
    const double burst_ratio = runs.burst_ratio();

    // Expected and lost as RFC 3550 A.3 counts them (from the sequence number that ended
    // probation).
    const std::int64_t expected = stats.expected();
    const std::int64_t lost = stats.cumulative_lost();
    const double loss_percent =
        expected > 0 ? 100.0 * static_cast<double>(lost) / static_cast<double>(expected) : 0.0;

    s["packets"] = pkts.size();
    s["bytes"] = stream.bytes;
    s["expected"] = expected;
    s["lost"] = lost;
    s["loss_percent"] = std::round(loss_percent * 1000) / 1000;
    s["jitter_ms"] = std::round(stats.jitter_ms() * 1000) / 1000;
    s["max_jitter_ms"] = std::round(max_jitter_ms * 1000) / 1000;
    s["mean_jitter_ms"] =
        pkts.empty() ? 0.0
                     : std::round(jitter_sum_ms / static_cast<double>(pkts.size()) * 1000) / 1000;
    s["duration_s"] = std::round(duration * 1000) / 1000;

    rtp::QualityInput q{};
    q.packet_loss_percent = loss_percent;
    q.burst_ratio = burst_ratio;
    q.one_way_delay_ms = 0;  // one capture point cannot see the network delay
    q.jitter_ms = stats.jitter_ms();
    q.codec = rtp::codec_from_encoding(codec);
    const auto quality = rtp::estimate_quality(q);
    s["burst_ratio"] = std::round(burst_ratio * 1000) / 1000;
    s["r_factor"] = std::round(quality.r_factor * 100) / 100;
    s["mos"] = std::round(quality.mos * 100) / 100;

    const auto rtcp = rtcp_by_ssrc_.find(key.ssrc);
    s["rtcp_packets"] = rtcp == rtcp_by_ssrc_.end() ? 0 : rtcp->second;
    return s;
}

nlohmann::ordered_json stun_to_json(rtp::ByteSpan p) {
    nlohmann::ordered_json j;
    j["kind"] = "stun";
    if (p.size() < 20) {
        j["error"] = "STUN header truncated";
        return j;
    }
    const std::uint16_t type = rtp::load_be16(p.data());
    // RFC 8489 section 5: class bits C1 (0x0100) and C0 (0x0010) are interleaved with the method.
    const unsigned cls = ((type >> 7) & 0x2) | ((type >> 4) & 0x1);
    const unsigned method = (type & 0x000F) | ((type >> 1) & 0x0070) | ((type >> 2) & 0x0F80);
    static constexpr const char* kClasses[] = {"request", "indication", "success_response",
                                               "error_response"};
    j["message_type"] = type;
    j["method"] = method;
    j["class"] = kClasses[cls];
    j["length"] = rtp::load_be16(p.data() + 2);
    j["magic_cookie"] = rtp::load_be32(p.data() + 4) == 0x2112A442U;
    j["transaction_id"] = to_hex(p.subspan(8, 12));
    return j;
}

nlohmann::ordered_json dtls_to_json(rtp::ByteSpan p) {
    nlohmann::ordered_json j;
    j["kind"] = "dtls";
    nlohmann::ordered_json records = nlohmann::ordered_json::array();
    std::size_t off = 0;
    // RFC 6347 section 4.1: content type, version, epoch, 48-bit sequence number, length.
    while (p.size() - off >= 13) {
        const std::uint16_t len = rtp::load_be16(p.data() + off + 11);
        nlohmann::ordered_json r;
        r["content_type"] = p[off];
        r["version"] = rtp::load_be16(p.data() + off + 1);
        r["epoch"] = rtp::load_be16(p.data() + off + 3);
        r["sequence"] = rtp::load_be48(p.data() + off + 5);
        r["length"] = len;
        records.push_back(std::move(r));
        off += 13 + len;
        if (off > p.size()) {
            j["error"] = "DTLS record longer than datagram";
            break;
        }
    }
    j["records"] = std::move(records);
    return j;
}

}  // namespace rtpx::cli
