// RTP and RTCP bytes for rtpx-pcapgen, through the project's writers only.
#include <array>
#include <cstring>

#include "pcapgen.hpp"
#include "rtpx/rtp/extensions/audio_level.hpp"
#include "rtpx/rtp/extensions/transport_wide_cc.hpp"
#include "rtpx/rtp/rtcp/compound.hpp"
#include "rtpx/rtp/rtcp/sdes.hpp"
#include "rtpx/rtp/rtcp/sender_report.hpp"
#include "rtpx/rtp/rtp_packet.hpp"

namespace rtpx::pcapgen {

std::size_t write_rtp_packet(rtp::MutableByteSpan out, const RtpPacketPlan& plan) {
    rtp::RtpPacketWriter writer(out);
    writer.set_marker(plan.marker);
    writer.set_payload_type(plan.payload_type);
    writer.set_sequence_number(plan.sequence_number);
    writer.set_timestamp(plan.timestamp);
    writer.set_ssrc(plan.ssrc);
    if (plan.header_extensions) {
        if (!writer
                 .add_extension<rtp::AudioLevel>(
                     kAudioLevelId, rtp::AudioLevel::Value{plan.voice_activity, plan.audio_level})
                 .has_value()) {
            return 0;
        }
        if (!writer
                 .add_extension<rtp::TransportWideCc>(
                     kTransportWideCcId,
                     rtp::TransportWideCc::Value{plan.transport_sequence_number})
                 .has_value()) {
            return 0;
        }
    }
    if (!writer.set_payload(plan.payload).has_value()) {
        return 0;
    }
    const auto size = writer.finish();
    return size ? *size : 0;
}

std::size_t write_rtcp_report(rtp::MutableByteSpan out, const RtcpReportPlan& plan) {
    rtp::rtcp::SenderReportBuilder sr;
    sr.ssrc = plan.ssrc;
    sr.sender_info.ntp_sec = plan.ntp_sec;
    sr.sender_info.ntp_frac = plan.ntp_frac;
    sr.sender_info.rtp_ts = plan.rtp_timestamp;
    sr.sender_info.packet_count = plan.packet_count;
    sr.sender_info.octet_count = plan.octet_count;

    const std::array<rtp::rtcp::SdesItem, 1> items = {rtp::rtcp::SdesItem{
        rtp::rtcp::SdesItemType::kCname,
        rtp::ByteSpan(reinterpret_cast<const std::uint8_t*>(plan.cname.data()), plan.cname.size()),
        {}}};
    const std::array<rtp::rtcp::SdesChunk, 1> chunks = {rtp::rtcp::SdesChunk{plan.ssrc, items}};
    rtp::rtcp::SdesBuilder sdes;
    sdes.chunks = chunks;

    rtp::rtcp::CompoundBuilder compound(out);
    if (!compound.append(sr).has_value() || !compound.append(sdes).has_value()) {
        return 0;
    }
    return compound.size();
}

}  // namespace rtpx::pcapgen
