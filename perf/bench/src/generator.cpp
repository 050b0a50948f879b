#include <algorithm>
#include <cstring>

#include "rtpx/bench/traffic.hpp"
#include "rtpx/rtp/extensions/audio_level.hpp"
#include "rtpx/rtp/extensions/transport_wide_cc.hpp"
#include "rtpx/rtp/rtcp/sender_report.hpp"
#include "rtpx/rtp/rtp_packet.hpp"

namespace rtpx::bench {

namespace {

constexpr std::uint64_t splitmix64(std::uint64_t x) noexcept {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

constexpr std::size_t kChunk = 256;  // slots processed per internal burst

}  // namespace

std::optional<Profile> profile_from_name(std::string_view name) noexcept {
    for (const auto& p : kProfiles) {
        if (p.name == name) return p.profile;
    }
    return std::nullopt;
}

PacketShape video_frame_shape(std::uint32_t stream, std::uint64_t frame) noexcept {
    // A key frame every 2 s (60 frames, about 45 kB), delta frames of 3-9 kB: about 1.5 Mbit/s.
    const std::uint64_t h = splitmix64((std::uint64_t{stream} << 40) ^ frame);
    const std::size_t bytes = frame % 60 == 0 ? 45000 : 3000 + h % 6000;
    const auto packets =
        static_cast<std::uint16_t>((bytes + kVideoPacketPayload - 1) / kVideoPacketPayload);
    const std::size_t last = bytes - (packets - 1) * kVideoPacketPayload;
    return {static_cast<std::uint16_t>(std::max(last, kProbeSize)), true, packets};
}

std::uint16_t opus_payload_size(std::uint32_t stream, std::uint64_t packet) noexcept {
    // VBR wideband speech around 32 kbit/s: 40-160 octets per 20 ms frame.
    const std::uint64_t h = splitmix64((std::uint64_t{stream} << 40) ^ packet ^ 0x0905);
    return static_cast<std::uint16_t>(40 + h % 121);
}

SrtpKey derive_stream_key(rtp::srtp::Suite suite, std::uint32_t stream,
                          std::uint32_t leg) noexcept {
    SrtpKey k;
    k.suite = suite;
    std::uint64_t seed = (std::uint64_t{stream} << 8) ^ leg ^ 0x5254585f4b455900ULL;
    for (std::size_t i = 0; i < k.master_key.size(); ++i) {
        if (i % 8 == 0) seed = splitmix64(seed);
        k.master_key[i] = static_cast<std::uint8_t>(seed >> (8 * (i % 8)));
    }
    for (std::size_t i = 0; i < k.master_salt.size(); ++i) {
        if (i % 8 == 0) seed = splitmix64(seed);
        k.master_salt[i] = static_cast<std::uint8_t>(seed >> (8 * (i % 8)));
    }
    return k;
}

tl::expected<std::unique_ptr<rtp::srtp::SrtpContext>, rtp::srtp::ConfigError> make_srtp_context(
    const SrtpKey& key, std::uint32_t replay_window) {
    const auto& info = rtp::srtp::suite_info(key.suite);
    rtp::srtp::SrtpContextParams p;
    p.suite = key.suite;
    p.master_key = std::span(key.master_key.data(), info.master_key_len);
    p.master_salt = std::span(key.master_salt.data(), info.master_salt_len);
    p.replay_window = replay_window;
    return rtp::srtp::SrtpContext::create(p);
}

Generator::~Generator() = default;

tl::expected<std::unique_ptr<Generator>, GeneratorError> Generator::create(
    std::vector<StreamSpec> streams, rtp::srtp::BackendKind backend) {
    std::unique_ptr<Generator> g(new Generator());
    if (streams.empty()) return tl::unexpected(GeneratorError{"no streams"});
    g->streams_.resize(streams.size());
    bool any_srtp = false;
    for (std::size_t i = 0; i < streams.size(); ++i) {
        auto& s = g->streams_[i];
        s.spec = streams[i];
        if (s.spec.endpoints.src.family != s.spec.endpoints.dst.family) {
            return tl::unexpected(
                GeneratorError{"stream " + std::to_string(i) + ": address families differ"});
        }
        if (s.spec.twcc_id > 14 || s.spec.audio_level_id > 14 ||
            (s.spec.twcc_id != 0 && s.spec.twcc_id == s.spec.audio_level_id)) {
            return tl::unexpected(GeneratorError{"stream " + std::to_string(i) +
                                                 ": extension IDs must be distinct, 1-14"});
        }
        const std::uint64_t h = splitmix64(s.spec.ssrc);
        s.first_seq = static_cast<std::uint16_t>(h);
        s.first_ts = static_cast<std::uint32_t>(h >> 32);
        s.rtcp_due = s.spec.rtcp_every;
        auto tmpl = rtp::capture::build_udp_frame(s.header, s.spec.endpoints, {});
        if (!tmpl) {
            return tl::unexpected(
                GeneratorError{"stream " + std::to_string(i) + ": bad addresses or VLAN"});
        }
        s.header_len = static_cast<std::uint8_t>(*tmpl);
        if (s.spec.srtp) {
            auto ctx = make_srtp_context(*s.spec.srtp);
            if (!ctx) {
                return tl::unexpected(
                    GeneratorError{"stream " + std::to_string(i) + ": SRTP: " + ctx.error().what});
            }
            s.ctx = std::move(*ctx);
            any_srtp = true;
        }
    }
    if (any_srtp) {
        auto b = rtp::srtp::make_backend(backend);
        if (!b)
            return tl::unexpected(GeneratorError{std::string("SRTP backend: ") + b.error().what});
        g->backend_ = std::move(*b);
    }
    g->srtp_rtp_.resize(kChunk);
    g->srtp_rtcp_.resize(kChunk);
    g->statuses_.resize(kChunk);
    g->rtp_slot_.resize(kChunk);
    g->rtcp_slot_.resize(kChunk);
    g->slot_stream_.resize(kChunk);
    g->slot_hdr_.resize(kChunk);
    return g;
}

std::size_t Generator::write_rtp(StreamState& s, std::uint32_t id, FrameSlot& slot, std::size_t hdr,
                                 std::uint64_t tx_ns, bool& stream_done) noexcept {
    const ProfileInfo& info = profile_info(s.spec.profile);
    std::size_t payload = 0;
    bool marker = false;
    std::uint32_t ts = s.first_ts;
    switch (s.spec.profile) {
        case Profile::kG711:
            payload = 160;
            ts += static_cast<std::uint32_t>(s.packets * info.timestamp_step);
            stream_done = true;
            break;
        case Profile::kOpus:
            payload = opus_payload_size(id, s.packets);
            ts += static_cast<std::uint32_t>(s.packets * info.timestamp_step);
            stream_done = true;
            break;
        case Profile::kVideo: {
            if (s.in_frame == 0) ++s.frames;
            const std::uint64_t frame = s.frames - 1;
            const PacketShape shape = video_frame_shape(id, frame);
            ++s.in_frame;
            const bool last = s.in_frame == shape.frame_packets;
            payload = last ? shape.payload_size : kVideoPacketPayload;
            marker = last;
            ts += static_cast<std::uint32_t>(frame * info.timestamp_step);
            if (last) s.in_frame = 0;
            stream_done = last;
            break;
        }
    }
    const auto seq = static_cast<std::uint16_t>(s.first_seq + s.packets);
    std::uint8_t* rtp = slot.data + hdr;
    const MutableByteSpan out(rtp, slot.capacity - hdr);
    std::size_t header = rtp::kRtpHeaderSize;
    std::uint8_t* body = nullptr;
    if (s.spec.twcc_id == 0 && s.spec.audio_level_id == 0) {
        rtp[0] = 0x80;
        rtp[1] = static_cast<std::uint8_t>((marker ? 0x80 : 0) | info.payload_type);
        rtp::store_be16(rtp + 2, seq);
        rtp::store_be32(rtp + 4, ts);
        rtp::store_be32(rtp + 8, s.spec.ssrc);
        body = rtp + header;
    } else {
        rtp::RtpPacketWriter w(out);
        w.set_marker(marker);
        w.set_payload_type(info.payload_type);
        w.set_sequence_number(seq);
        w.set_timestamp(ts);
        w.set_ssrc(s.spec.ssrc);
        if (s.spec.audio_level_id != 0) {
            (void)w.add_extension<rtp::AudioLevel>(s.spec.audio_level_id,
                                                   rtp::AudioLevel::Value{true, 40});
        }
        if (s.spec.twcc_id != 0) {
            (void)w.add_extension<rtp::TransportWideCc>(s.spec.twcc_id,
                                                        rtp::TransportWideCc::Value{twcc_seq_++});
        }
        auto r = w.reserve_payload(payload);
        if (!r) return 0;
        body = r->data();
        auto len = w.finish();
        if (!len) return 0;
        header = *len - payload;
    }
    write_probe(body, Probe{id, s.packets, tx_ns});
    std::memset(body + kProbeSize, static_cast<int>(0xd5 ^ (id & 0xff)), payload - kProbeSize);
    ++s.packets;
    s.octets += payload;
    ++counters_.rtp_packets;
    return header + payload;
}

std::size_t Generator::write_rtcp(StreamState& s, FrameSlot& slot, std::size_t hdr,
                                  std::uint64_t tx_ns) noexcept {
    rtp::rtcp::SenderReportBuilder sr;
    sr.ssrc = s.spec.ssrc;
    // NTP time from the bench clock (seconds since 1900 offset does not matter to a relay).
    sr.sender_info.ntp_sec = static_cast<std::uint32_t>(tx_ns / 1000000000ULL) + 2208988800U;
    sr.sender_info.ntp_frac =
        static_cast<std::uint32_t>(((tx_ns % 1000000000ULL) << 32) / 1000000000ULL);
    sr.sender_info.rtp_ts = static_cast<std::uint32_t>(
        s.first_ts + s.packets * profile_info(s.spec.profile).timestamp_step);
    sr.sender_info.packet_count = static_cast<std::uint32_t>(s.packets);
    sr.sender_info.octet_count = static_cast<std::uint32_t>(s.octets);
    auto len = sr.write(MutableByteSpan(slot.data + hdr, slot.capacity - hdr));
    if (!len) return 0;
    ++counters_.rtcp_packets;
    return *len;
}

void Generator::write_headers(const StreamState& s, FrameSlot& slot,
                              std::size_t l4_payload) noexcept {
    // The stream's header template (built once by build_udp_frame for an empty payload), with the
    // lengths and checksums patched for this payload.
    const std::size_t hdr = s.header_len;
    std::uint8_t* f = slot.data;
    std::memcpy(f, s.header.data(), hdr);
    const auto& ep = s.spec.endpoints;
    const std::size_t ip =
        hdr - rtp::capture::kUdpHeaderSize -
        (ep.src.family == 6 ? rtp::capture::kIpv6HeaderSize : rtp::capture::kIpv4HeaderSize);
    std::uint8_t* udp = f + hdr - rtp::capture::kUdpHeaderSize;
    const auto udp_len = static_cast<std::uint16_t>(rtp::capture::kUdpHeaderSize + l4_payload);
    if (ep.src.family == 6) {
        rtp::store_be16(f + ip + 4, udp_len);
    } else {
        rtp::store_be16(f + ip + 2, static_cast<std::uint16_t>(udp_len + 20));
        rtp::store_be16(f + ip + 10, 0);
        rtp::store_be16(f + ip + 10, rtp::capture::internet_checksum(ByteSpan(f + ip, 20)));
    }
    rtp::store_be16(udp + 4, udp_len);
    rtp::store_be16(udp + 6, 0);
    if (s.spec.udp_checksum || ep.src.family == 6) {
        rtp::store_be16(udp + 6,
                        rtp::capture::udp_checksum(ep.src, ep.dst, ByteSpan(udp, udp_len)));
    }
    slot.len = static_cast<std::uint32_t>(hdr + l4_payload);
}

std::size_t Generator::fill(std::span<FrameSlot> slots, std::uint64_t tx_ns,
                            std::span<SentPacket> sent) noexcept {
    std::size_t done = 0;
    while (done < slots.size()) {
        const std::size_t n = std::min(kChunk, slots.size() - done);
        std::size_t n_rtp = 0;
        std::size_t n_rtcp = 0;
        for (std::size_t i = 0; i < n; ++i) {
            FrameSlot& slot = slots[done + i];
            const auto id = static_cast<std::uint32_t>(next_);
            StreamState& s = streams_[next_];
            const std::size_t hdr = l2_l4_size(s.spec.endpoints);
            slot_stream_[i] = id;
            slot_hdr_[i] = static_cast<std::uint16_t>(hdr);
            std::size_t len = 0;
            if (s.spec.rtcp_every != 0 && s.rtcp_due == 0 && s.in_frame == 0) {
                len = write_rtcp(s, slot, hdr, tx_ns);
                s.rtcp_due = s.spec.rtcp_every;
                if (!sent.empty()) sent[done + i] = SentPacket{id, s.packets, true};
                if (s.ctx) {
                    srtp_rtcp_[n_rtcp] = {s.ctx.get(), slot.data + hdr,
                                          static_cast<std::uint32_t>(len),
                                          static_cast<std::uint32_t>(slot.capacity - hdr)};
                    rtcp_slot_[n_rtcp++] = static_cast<std::uint32_t>(i);
                }
            } else {
                bool stream_done = true;
                if (!sent.empty()) sent[done + i] = SentPacket{id, s.packets, false};
                len = write_rtp(s, id, slot, hdr, tx_ns, stream_done);
                if (s.spec.rtcp_every != 0) --s.rtcp_due;
                if (s.ctx) {
                    srtp_rtp_[n_rtp] = {s.ctx.get(), slot.data + hdr,
                                        static_cast<std::uint32_t>(len),
                                        static_cast<std::uint32_t>(slot.capacity - hdr)};
                    rtp_slot_[n_rtp++] = static_cast<std::uint32_t>(i);
                }
                if (stream_done) next_ = next_ + 1 == streams_.size() ? 0 : next_ + 1;
            }
            slot.len = static_cast<std::uint32_t>(len);  // RTP/RTCP length until headers go on
        }
        // Protect in two bursts (RTP, then RTCP); a refused packet goes out unprotected and
        // counted.
        for (const bool rtcp : {false, true}) {
            const std::size_t m = rtcp ? n_rtcp : n_rtp;
            if (m == 0) continue;
            auto& packets = rtcp ? srtp_rtcp_ : srtp_rtp_;
            const auto& slot_of = rtcp ? rtcp_slot_ : rtp_slot_;
            const auto batch = std::span(packets.data(), m);
            const auto statuses = std::span(statuses_.data(), m);
            if (rtcp) {
                backend_->protect_rtcp(batch, statuses);
            } else {
                backend_->protect_rtp(batch, statuses);
            }
            for (std::size_t k = 0; k < m; ++k) {
                if (statuses_[k] != rtp::srtp::SrtpStatus::kOk) ++counters_.srtp_failures;
                slots[done + slot_of[k]].len = packets[k].len;
            }
        }
        for (std::size_t i = 0; i < n; ++i) {
            FrameSlot& slot = slots[done + i];
            write_headers(streams_[slot_stream_[i]], slot, slot.len);
            counters_.bytes += slot.len;
        }
        done += n;
    }
    return done;
}

}  // namespace rtpx::bench
