// Fuzz target for RTCP: walks the compound, parses every packet as its type, and for every parse
// that succeeds re-serialises it with the matching builder and checks the result parses again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "rtpx/rtp/rtcp/rtcp.hpp"

namespace {

using namespace rtpx::rtp;
using namespace rtpx::rtp::rtcp;

std::vector<std::uint8_t> g_out(256 * 1024);

// Writes with `b`; if it succeeds, parses the result with View and aborts if that fails.
template <class View, class B>
void rewrite(const B& b) {
    auto n = b.write(g_out);
    if (!n) return;
    if (*n != b.size()) std::abort();
    if (!View::parse(ByteSpan(g_out.data(), *n))) std::abort();
}

void fuzz_packet(const PacketView& p) {
    switch (classify(p)) {
        case PacketKind::kSr: {
            auto v = SenderReportView::parse(p);
            if (!v) return;
            std::vector<ReportBlock> blocks;
            for (std::size_t i = 0; i < v->report_block_count(); ++i)
                blocks.push_back(v->report_block(i));
            rewrite<SenderReportView>(SenderReportBuilder{v->ssrc(), v->sender_info(), blocks,
                                                          v->profile_extensions(), 0});
            return;
        }
        case PacketKind::kRr: {
            auto v = ReceiverReportView::parse(p);
            if (!v) return;
            std::vector<ReportBlock> blocks;
            for (std::size_t i = 0; i < v->report_block_count(); ++i)
                blocks.push_back(v->report_block(i));
            rewrite<ReceiverReportView>(
                ReceiverReportBuilder{v->ssrc(), blocks, v->profile_extensions(), 0});
            return;
        }
        case PacketKind::kSdes: {
            auto v = SdesView::parse(p);
            if (!v) return;
            std::vector<std::vector<SdesItem>> items;
            std::vector<SdesChunk> chunks;
            items.reserve(v->chunk_count());
            v->for_each_chunk([&](const SdesChunkView& c) {
                items.emplace_back();
                c.for_each_item([&](const SdesItem& it) { items.back().push_back(it); });
                chunks.push_back({c.ssrc(), items.back()});
            });
            rewrite<SdesView>(SdesBuilder{chunks, 0});
            return;
        }
        case PacketKind::kBye: {
            auto v = ByeView::parse(p);
            if (!v) return;
            std::vector<std::uint32_t> ssrcs;
            for (std::size_t i = 0; i < v->ssrc_count(); ++i) ssrcs.push_back(v->ssrc(i));
            rewrite<ByeView>(ByeBuilder{ssrcs, v->reason(), 0});
            return;
        }
        case PacketKind::kApp: {
            auto v = AppView::parse(p);
            if (!v) return;
            AppBuilder b{v->subtype(), v->ssrc(), {}, v->data(), 0};
            for (int i = 0; i < 4; ++i) b.name[i] = v->name()[i];
            rewrite<AppView>(b);
            return;
        }
        case PacketKind::kXr: {
            auto v = XrView::parse(p);
            if (!v) return;
            std::vector<std::uint8_t> blocks(v->blocks().size() + 64);
            std::size_t n = 0;
            v->for_each_block([&](const XrBlockView& b) {
                MutableByteSpan out(blocks.data() + n, blocks.size() - n);
                WriteResult<std::size_t> w = tl::unexpected(WriteErrc::kBadValue);
                switch (static_cast<XrBlockType>(b.block_type)) {
                    case XrBlockType::kLossRle:
                    case XrBlockType::kDuplicateRle: w = write_xr_block(out, decode_rle(b)); break;
                    case XrBlockType::kPacketReceiptTimes:
                        w = write_xr_block(out, decode_packet_receipt_times(b));
                        break;
                    case XrBlockType::kReceiverReferenceTime:
                        w = write_xr_block(out, decode_receiver_reference_time(b));
                        break;
                    case XrBlockType::kDlrr: {
                        const auto d = decode_dlrr(b);
                        std::vector<XrDlrrSubBlock> subs;
                        for (std::size_t i = 0; i < d.count(); ++i) subs.push_back(d.sub_block(i));
                        w = write_xr_block(out, std::span<const XrDlrrSubBlock>(subs));
                        break;
                    }
                    case XrBlockType::kStatisticsSummary:
                        w = write_xr_block(out, decode_statistics_summary(b));
                        break;
                    case XrBlockType::kVoipMetrics:
                        w = write_xr_block(out, decode_voip_metrics(b));
                        break;
                    default:
                        w = write_xr_block(out, b.block_type, b.type_specific, b.contents);
                        break;
                }
                if (!w) std::abort();  // every validated block can be rewritten
                n += *w;
            });
            rewrite<XrView>(XrBuilder{v->ssrc(), ByteSpan(blocks.data(), n), 0});
            return;
        }
        case PacketKind::kNack: {
            auto v = NackView::parse(p);
            if (!v) return;
            std::vector<NackItem> items;
            for (std::size_t i = 0; i < v->item_count(); ++i) items.push_back(v->item(i));
            rewrite<NackView>(NackBuilder{v->sender_ssrc(), v->media_ssrc(), items, 0});
            std::vector<std::uint16_t> lost;
            v->for_each_lost([&](std::uint16_t s) { lost.push_back(s); });
            std::vector<NackItem> packed(lost.size());
            if (!pack_nack_items(lost, packed)) std::abort();
            return;
        }
        case PacketKind::kTmmbr:
        case PacketKind::kTmmbn: {
            auto v = TmmbView::parse(p);
            if (!v) return;
            std::vector<TmmbItem> items;
            for (std::size_t i = 0; i < v->item_count(); ++i) items.push_back(v->item(i));
            if (v->is_notification()) {
                rewrite<TmmbView>(TmmbnBuilder{v->sender_ssrc(), items, 0});
            } else {
                rewrite<TmmbView>(TmmbrBuilder{v->sender_ssrc(), items, 0});
            }
            return;
        }
        case PacketKind::kTransportFeedback: {
            auto v = TransportFeedbackView::parse(p);
            if (!v) return;
            TransportFeedbackBuilder b(v->sender_ssrc(), v->media_ssrc(),
                                       v->feedback_packet_count());
            std::size_t entries = 0;
            bool adding = true;  // stop at the first packet the builder refuses (capacity, delta)
            for (const auto& pkt : *v) {
                ++entries;
                if (adding && pkt.received) adding = b.add_received(pkt.sequence, pkt.arrival_us);
            }
            if (entries != v->packet_status_count()) std::abort();
            if (b.packet_count() > 0) rewrite<TransportFeedbackView>(b);
            return;
        }
        case PacketKind::kCcfb: {
            auto v = CcfbView::parse(p);
            if (!v) return;
            std::vector<std::vector<CcfbMetric>> metrics;
            std::vector<CcfbReportBlock> blocks;
            metrics.reserve(v->report_block_count());
            v->for_each_report_block([&](const CcfbReportBlockView& rb) {
                metrics.emplace_back();
                for (std::size_t i = 0; i < rb.num_reports(); ++i)
                    metrics.back().push_back(rb.metric(i));
                blocks.push_back({rb.ssrc(), rb.begin_seq(), metrics.back()});
            });
            rewrite<CcfbView>(CcfbBuilder{v->sender_ssrc(), blocks, v->report_timestamp(), 0});
            return;
        }
        case PacketKind::kPli: {
            auto v = PliView::parse(p);
            if (!v) return;
            rewrite<PliView>(PliBuilder{v->sender_ssrc(), v->media_ssrc(), 0});
            return;
        }
        case PacketKind::kSli: {
            auto v = SliView::parse(p);
            if (!v) return;
            std::vector<SliItem> items;
            for (std::size_t i = 0; i < v->item_count(); ++i) items.push_back(v->item(i));
            rewrite<SliView>(SliBuilder{v->sender_ssrc(), v->media_ssrc(), items, 0});
            return;
        }
        case PacketKind::kRpsi: {
            auto v = RpsiView::parse(p);
            if (!v) return;
            rewrite<RpsiView>(RpsiBuilder{v->sender_ssrc(), v->media_ssrc(), v->payload_type(),
                                          v->native_rpsi(), v->unused_bits(), 0});
            return;
        }
        case PacketKind::kFir: {
            auto v = FirView::parse(p);
            if (!v) return;
            std::vector<FirItem> items;
            for (std::size_t i = 0; i < v->item_count(); ++i) items.push_back(v->item(i));
            rewrite<FirView>(FirBuilder{v->sender_ssrc(), items, 0});
            return;
        }
        case PacketKind::kTstr:
        case PacketKind::kTstn: {
            auto v = TstView::parse(p);
            if (!v) return;
            std::vector<TstItem> items;
            for (std::size_t i = 0; i < v->item_count(); ++i) items.push_back(v->item(i));
            if (v->is_notification()) {
                rewrite<TstView>(TstnBuilder{v->sender_ssrc(), items, 0});
            } else {
                rewrite<TstView>(TstrBuilder{v->sender_ssrc(), items, 0});
            }
            return;
        }
        case PacketKind::kRemb: {
            auto v = RembView::parse(p);
            if (!v) return;
            std::vector<std::uint32_t> ssrcs;
            for (std::size_t i = 0; i < v->ssrc_count(); ++i) ssrcs.push_back(v->ssrc(i));
            rewrite<RembView>(
                RembBuilder{v->sender_ssrc(), v->exponent(), v->mantissa(), ssrcs, 0});
            return;
        }
        case PacketKind::kRtpfbOther:
        case PacketKind::kPsfbOther:
        case PacketKind::kUnknown: return;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ByteSpan input(data, size);
    (void)validate_compound(input, false);
    (void)validate_compound(input, true);
    auto n = for_each_packet(input, [](const PacketView& p, std::size_t) { fuzz_packet(p); });
    auto c = CompoundView::parse(input);
    if (n.has_value() != c.has_value()) std::abort();
    if (c) {
        std::size_t count = 0;
        for (const PacketView& p : *c) count += p.size() > 0 ? 1 : 0;
        if (count != c->packet_count()) std::abort();
    }
    return 0;
}
