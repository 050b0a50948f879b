#include "rtcp_json.hpp"

#include <cstdint>
#include <string>
#include <string_view>

#include "input.hpp"
#include "rtpx/rtp/rtcp/rtcp.hpp"

namespace rtpx::cli {
namespace {

namespace rtcp = rtp::rtcp;
using json = nlohmann::ordered_json;

// Strict UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF), as nlohmann::ordered_json's
// dump requires.
bool valid_utf8(rtp::ByteSpan s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const std::uint8_t c = s[i];
        std::size_t n = 0;
        std::uint8_t lo = 0x80;
        std::uint8_t hi = 0xBF;
        if (c < 0x80) {
            ++i;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            if (c == 0xE0) lo = 0xA0;
            if (c == 0xED) hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            if (c == 0xF0) lo = 0x90;
            if (c == 0xF4) hi = 0x8F;
        } else {
            return false;
        }
        if (i + n >= s.size()) return false;
        if (s[i + 1] < lo || s[i + 1] > hi) return false;
        for (std::size_t k = 2; k <= n; ++k) {
            if ((s[i + k] & 0xC0) != 0x80) return false;
        }
        i += n + 1;
    }
    return true;
}

// Text fields (SDES items, BYE reason) are UTF-8 by the RFC; anything else is shown with '.' for
// the bytes that are not printable ASCII, plus the raw bytes in hex under `<key>_hex`.
void put_text(json& j, const char* key, rtp::ByteSpan bytes) {
    if (valid_utf8(bytes)) {
        j[key] = std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        return;
    }
    std::string s;
    for (const std::uint8_t b : bytes)
        s.push_back(b >= 0x20 && b < 0x7F ? static_cast<char>(b) : '.');
    j[key] = s;
    j[std::string(key) + "_hex"] = to_hex(bytes);
}

json report_block_json(const rtcp::ReportBlock& b) {
    return json{{"ssrc", b.ssrc},
                {"fraction_lost", b.fraction_lost},
                {"cumulative_lost", b.cumulative_lost},
                {"highest_seq", b.highest_seq},
                {"jitter", b.jitter},
                {"lsr", b.lsr},
                {"dlsr", b.dlsr}};
}

template <class View>
json report_blocks_json(const View& v) {
    json blocks = json::array();
    for (std::size_t i = 0; i < v.report_block_count(); ++i) {
        blocks.push_back(report_block_json(v.report_block(i)));
    }
    return blocks;
}

void sr_json(const rtcp::SenderReportView& v, json& j) {
    j["ssrc"] = v.ssrc();
    j["ntp_sec"] = v.ntp_sec();
    j["ntp_frac"] = v.ntp_frac();
    j["rtp_ts"] = v.rtp_ts();
    j["packet_count"] = v.packet_count();
    j["octet_count"] = v.octet_count();
    j["report_blocks"] = report_blocks_json(v);
    if (!v.profile_extensions().empty()) j["profile_extensions"] = to_hex(v.profile_extensions());
}

void rr_json(const rtcp::ReceiverReportView& v, json& j) {
    j["ssrc"] = v.ssrc();
    j["report_blocks"] = report_blocks_json(v);
    if (!v.profile_extensions().empty()) j["profile_extensions"] = to_hex(v.profile_extensions());
}

void sdes_json(const rtcp::SdesView& v, json& j) {
    json chunks = json::array();
    v.for_each_chunk([&](const rtcp::SdesChunkView& c) {
        json items = json::array();
        c.for_each_item([&](const rtcp::SdesItem& item) {
            json it;
            const std::string_view name = rtcp::to_string(item.type);
            it["type"] = std::string(name);
            if (name == "UNKNOWN") it["item_type"] = static_cast<unsigned>(item.type);
            if (item.type == rtcp::SdesItemType::kPriv) put_text(it, "prefix", item.prefix);
            put_text(it, "value", item.value);
            items.push_back(std::move(it));
        });
        chunks.push_back(json{{"ssrc", c.ssrc()}, {"items", std::move(items)}});
    });
    j["chunks"] = std::move(chunks);
}

void bye_json(const rtcp::ByeView& v, json& j) {
    json ssrcs = json::array();
    for (std::size_t i = 0; i < v.ssrc_count(); ++i) ssrcs.push_back(v.ssrc(i));
    j["ssrcs"] = std::move(ssrcs);
    if (v.has_reason()) put_text(j, "reason", v.reason());
}

void app_json(const rtcp::AppView& v, json& j) {
    j["subtype"] = v.subtype();
    j["ssrc"] = v.ssrc();
    put_text(j, "name", rtp::ByteSpan(reinterpret_cast<const std::uint8_t*>(v.name().data()), 4));
    j["data"] = to_hex(v.data());
}

json xr_block_json(const rtcp::XrBlockView& b) {
    json j;
    j["bt"] = b.block_type;
    switch (static_cast<rtcp::XrBlockType>(b.block_type)) {
        case rtcp::XrBlockType::kLossRle:
        case rtcp::XrBlockType::kDuplicateRle: {
            const auto r = rtcp::decode_rle(b);
            j["block_type"] = r.type == rtcp::XrBlockType::kLossRle ? "loss_rle" : "duplicate_rle";
            j["thinning"] = r.thinning;
            j["ssrc"] = r.ssrc;
            j["begin_seq"] = r.begin_seq;
            j["end_seq"] = r.end_seq;
            json chunks = json::array();
            for (std::size_t i = 0; i < r.chunk_count(); ++i) chunks.push_back(r.chunk(i));
            j["chunks"] = std::move(chunks);
            return j;
        }
        case rtcp::XrBlockType::kPacketReceiptTimes: {
            const auto r = rtcp::decode_packet_receipt_times(b);
            j["block_type"] = "packet_receipt_times";
            j["thinning"] = r.thinning;
            j["ssrc"] = r.ssrc;
            j["begin_seq"] = r.begin_seq;
            j["end_seq"] = r.end_seq;
            json times = json::array();
            for (std::size_t i = 0; i < r.count(); ++i) times.push_back(r.receipt_time(i));
            j["receipt_times"] = std::move(times);
            return j;
        }
        case rtcp::XrBlockType::kReceiverReferenceTime: {
            const auto r = rtcp::decode_receiver_reference_time(b);
            j["block_type"] = "receiver_reference_time";
            j["ntp_sec"] = r.ntp_sec;
            j["ntp_frac"] = r.ntp_frac;
            return j;
        }
        case rtcp::XrBlockType::kDlrr: {
            const auto r = rtcp::decode_dlrr(b);
            j["block_type"] = "dlrr";
            json subs = json::array();
            for (std::size_t i = 0; i < r.count(); ++i) {
                const auto s = r.sub_block(i);
                subs.push_back(json{{"ssrc", s.ssrc}, {"lrr", s.lrr}, {"dlrr", s.dlrr}});
            }
            j["sub_blocks"] = std::move(subs);
            return j;
        }
        case rtcp::XrBlockType::kStatisticsSummary: {
            const auto r = rtcp::decode_statistics_summary(b);
            j["block_type"] = "statistics_summary";
            j["loss_report"] = r.loss_report;
            j["duplicate_report"] = r.duplicate_report;
            j["jitter_flag"] = r.jitter_flag;
            j["ttl_or_hl"] = r.ttl_or_hl;
            j["ssrc"] = r.ssrc;
            j["begin_seq"] = r.begin_seq;
            j["end_seq"] = r.end_seq;
            j["lost_packets"] = r.lost_packets;
            j["dup_packets"] = r.dup_packets;
            j["min_jitter"] = r.min_jitter;
            j["max_jitter"] = r.max_jitter;
            j["mean_jitter"] = r.mean_jitter;
            j["dev_jitter"] = r.dev_jitter;
            j["min_ttl_or_hl"] = r.min_ttl_or_hl;
            j["max_ttl_or_hl"] = r.max_ttl_or_hl;
            j["mean_ttl_or_hl"] = r.mean_ttl_or_hl;
            j["dev_ttl_or_hl"] = r.dev_ttl_or_hl;
            return j;
        }
        case rtcp::XrBlockType::kVoipMetrics: {
            const auto r = rtcp::decode_voip_metrics(b);
            j["block_type"] = "voip_metrics";
            j["ssrc"] = r.ssrc;
            j["loss_rate"] = r.loss_rate;
            j["discard_rate"] = r.discard_rate;
            j["burst_density"] = r.burst_density;
            j["gap_density"] = r.gap_density;
            j["burst_duration"] = r.burst_duration;
            j["gap_duration"] = r.gap_duration;
            j["round_trip_delay"] = r.round_trip_delay;
            j["end_system_delay"] = r.end_system_delay;
            j["signal_level"] = r.signal_level;
            j["noise_level"] = r.noise_level;
            j["rerl"] = r.rerl;
            j["gmin"] = r.gmin;
            j["r_factor"] = r.r_factor;
            j["ext_r_factor"] = r.ext_r_factor;
            j["mos_lq"] = r.mos_lq;
            j["mos_cq"] = r.mos_cq;
            j["rx_config"] = r.rx_config;
            j["jb_nominal"] = r.jb_nominal;
            j["jb_maximum"] = r.jb_maximum;
            j["jb_abs_max"] = r.jb_abs_max;
            return j;
        }
    }
    j["block_type"] = "unknown";
    j["type_specific"] = b.type_specific;
    j["contents"] = to_hex(b.contents);
    return j;
}

void xr_json(const rtcp::XrView& v, json& j) {
    j["ssrc"] = v.ssrc();
    json blocks = json::array();
    v.for_each_block([&](const rtcp::XrBlockView& b) { blocks.push_back(xr_block_json(b)); });
    j["blocks"] = std::move(blocks);
}

template <class View>
void feedback_ssrcs(const View& v, json& j) {
    j["sender_ssrc"] = v.sender_ssrc();
    j["media_ssrc"] = v.media_ssrc();
}

void nack_json(const rtcp::NackView& v, json& j) {
    feedback_ssrcs(v, j);
    json items = json::array();
    for (std::size_t i = 0; i < v.item_count(); ++i) {
        items.push_back(json{{"pid", v.item(i).pid}, {"blp", v.item(i).blp}});
    }
    j["items"] = std::move(items);
    json lost = json::array();
    v.for_each_lost([&](std::uint16_t seq) { lost.push_back(seq); });
    j["lost"] = std::move(lost);
}

void tmmb_json(const rtcp::TmmbView& v, json& j) {
    feedback_ssrcs(v, j);
    json items = json::array();
    for (std::size_t i = 0; i < v.item_count(); ++i) {
        const auto it = v.item(i);
        items.push_back(json{{"ssrc", it.ssrc},
                             {"exponent", it.exponent},
                             {"mantissa", it.mantissa},
                             {"bitrate", it.bitrate()},
                             {"overhead", it.packet_overhead}});
    }
    j["items"] = std::move(items);
}

void twcc_json(const rtcp::TransportFeedbackView& v, json& j) {
    feedback_ssrcs(v, j);
    j["base_seq"] = v.base_sequence();
    j["status_count"] = v.packet_status_count();
    j["reference_time"] = v.reference_time();
    j["fb_pkt_count"] = v.feedback_packet_count();
    json packets = json::array();
    for (const auto& p : v) {
        packets.push_back(
            json{{"seq", p.sequence}, {"received", p.received}, {"delta_us", p.delta_us}});
    }
    j["packets"] = std::move(packets);
}

void ccfb_json(const rtcp::CcfbView& v, json& j) {
    j["sender_ssrc"] = v.sender_ssrc();
    json blocks = json::array();
    v.for_each_report_block([&](const rtcp::CcfbReportBlockView& b) {
        json packets = json::array();
        for (std::size_t i = 0; i < b.num_reports(); ++i) {
            const auto m = b.metric(i);
            packets.push_back(json{{"seq", static_cast<std::uint16_t>(b.begin_seq() + i)},
                                   {"received", m.received},
                                   {"ecn", m.ecn},
                                   {"ato", m.arrival_time_offset}});
        }
        blocks.push_back(json{{"ssrc", b.ssrc()},
                              {"begin_seq", b.begin_seq()},
                              {"num_reports", b.num_reports()},
                              {"packets", std::move(packets)}});
    });
    j["report_blocks"] = std::move(blocks);
    j["report_timestamp"] = v.report_timestamp();
}

void sli_json(const rtcp::SliView& v, json& j) {
    feedback_ssrcs(v, j);
    json items = json::array();
    for (std::size_t i = 0; i < v.item_count(); ++i) {
        const auto it = v.item(i);
        items.push_back(
            json{{"first", it.first}, {"number", it.number}, {"picture_id", it.picture_id}});
    }
    j["items"] = std::move(items);
}

void rpsi_json(const rtcp::RpsiView& v, json& j) {
    feedback_ssrcs(v, j);
    j["padding_bits"] = v.padding_bits();
    j["payload_type"] = v.payload_type();
    j["bit_string"] = to_hex(v.bit_string());
}

void fir_json(const rtcp::FirView& v, json& j) {
    feedback_ssrcs(v, j);
    json items = json::array();
    for (std::size_t i = 0; i < v.item_count(); ++i) {
        items.push_back(json{{"ssrc", v.item(i).ssrc}, {"seq_nr", v.item(i).seq_nr}});
    }
    j["items"] = std::move(items);
}

void tst_json(const rtcp::TstView& v, json& j) {
    feedback_ssrcs(v, j);
    json items = json::array();
    for (std::size_t i = 0; i < v.item_count(); ++i) {
        const auto it = v.item(i);
        items.push_back(json{{"ssrc", it.ssrc}, {"seq_nr", it.seq_nr}, {"index", it.index}});
    }
    j["items"] = std::move(items);
}

void remb_json(const rtcp::RembView& v, json& j) {
    feedback_ssrcs(v, j);
    j["bitrate"] = v.bitrate();
    j["exponent"] = v.exponent();
    j["mantissa"] = v.mantissa();
    json ssrcs = json::array();
    for (std::size_t i = 0; i < v.ssrc_count(); ++i) ssrcs.push_back(v.ssrc(i));
    j["ssrcs"] = std::move(ssrcs);
}

// Parses with View and fills `j` with fill(view, j), or returns the parse error.
template <class View, class Fill>
rtp::ParseResult<void> with(const rtcp::PacketView& packet, json& j, Fill fill) {
    auto v = View::parse(packet);
    if (!v) return tl::unexpected(v.error());
    fill(*v, j);
    return {};
}

}  // namespace

rtp::ParseResult<json> rtcp_packet_to_json(const rtcp::PacketView& packet) {
    json j;
    const rtcp::PacketKind kind = rtcp::classify(packet);
    j["type"] = std::string(rtcp::to_string(kind));
    if (packet.padding()) j["padding"] = packet.padding_size();
    rtp::ParseResult<void> r;
    switch (kind) {
        case rtcp::PacketKind::kSr: r = with<rtcp::SenderReportView>(packet, j, sr_json); break;
        case rtcp::PacketKind::kRr: r = with<rtcp::ReceiverReportView>(packet, j, rr_json); break;
        case rtcp::PacketKind::kSdes: r = with<rtcp::SdesView>(packet, j, sdes_json); break;
        case rtcp::PacketKind::kBye: r = with<rtcp::ByeView>(packet, j, bye_json); break;
        case rtcp::PacketKind::kApp: r = with<rtcp::AppView>(packet, j, app_json); break;
        case rtcp::PacketKind::kXr: r = with<rtcp::XrView>(packet, j, xr_json); break;
        case rtcp::PacketKind::kNack: r = with<rtcp::NackView>(packet, j, nack_json); break;
        case rtcp::PacketKind::kTmmbr:
        case rtcp::PacketKind::kTmmbn: r = with<rtcp::TmmbView>(packet, j, tmmb_json); break;
        case rtcp::PacketKind::kTransportFeedback:
            r = with<rtcp::TransportFeedbackView>(packet, j, twcc_json);
            break;
        case rtcp::PacketKind::kCcfb: r = with<rtcp::CcfbView>(packet, j, ccfb_json); break;
        case rtcp::PacketKind::kPli:
            r = with<rtcp::PliView>(packet, j,
                                    [](const rtcp::PliView& v, json& o) { feedback_ssrcs(v, o); });
            break;
        case rtcp::PacketKind::kSli: r = with<rtcp::SliView>(packet, j, sli_json); break;
        case rtcp::PacketKind::kRpsi: r = with<rtcp::RpsiView>(packet, j, rpsi_json); break;
        case rtcp::PacketKind::kFir: r = with<rtcp::FirView>(packet, j, fir_json); break;
        case rtcp::PacketKind::kTstr:
        case rtcp::PacketKind::kTstn: r = with<rtcp::TstView>(packet, j, tst_json); break;
        case rtcp::PacketKind::kRemb: r = with<rtcp::RembView>(packet, j, remb_json); break;
        case rtcp::PacketKind::kRtpfbOther:
        case rtcp::PacketKind::kPsfbOther: {
            const rtp::ByteSpan body = packet.body();
            j["fmt"] = packet.fmt();
            if (body.size() < 8) {
                return rtp::parse_error(rtp::ParseErrc::kTruncated, 2,
                                        "RTCP feedback shorter than its two SSRCs");
            }
            j["sender_ssrc"] = rtp::load_be32(&body[0]);
            j["media_ssrc"] = rtp::load_be32(&body[4]);
            j["fci"] = to_hex(body.subspan(8));
            break;
        }
        case rtcp::PacketKind::kUnknown:
            j["pt"] = packet.packet_type_raw();
            j["count"] = packet.count();
            j["body"] = to_hex(packet.body());
            break;
    }
    if (!r) return tl::unexpected(r.error());
    return j;
}

rtp::ParseResult<json> rtcp_to_json(rtp::ByteSpan compound) {
    json out = json::array();
    rtp::ParseResult<void> inner;
    auto count =
        rtcp::for_each_packet(compound, [&](const rtcp::PacketView& p, std::size_t offset) {
            if (!inner) return;
            auto j = rtcp_packet_to_json(p);
            if (!j) {
                inner = tl::unexpected(rtp::rebase(j.error(), offset));
                return;
            }
            out.push_back(std::move(*j));
        });
    if (!inner) return tl::unexpected(inner.error());
    if (!count) return tl::unexpected(count.error());
    return out;
}

}  // namespace rtpx::cli
