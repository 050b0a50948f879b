#include "rtpx/bench/receiver.hpp"

#include <algorithm>

#include "rtpx/rtp/rtp_packet.hpp"

namespace rtpx::bench {

namespace {
constexpr std::size_t kBatch = 256;

bool is_rtcp(const std::uint8_t* p, std::size_t len) noexcept {
    // RFC 5761 section 4: RTCP packet types 192-223 in the second octet.
    return len >= 8 && (p[0] >> 6) == 2 && p[1] >= 192 && p[1] <= 223;
}
}  // namespace

std::uint64_t destination_key(const IpAddress& a, std::uint16_t port) noexcept {
    std::uint64_t h = 0;
    if (a.family == 4) {
        h = rtp::load_be32(a.bytes.data());
    } else {
        h = 0xcbf29ce484222325ULL;  // FNV-1a over the 16 octets, folded to 48 bits
        for (auto b : a.bytes) h = (h ^ b) * 0x100000001b3ULL;
        h = (h ^ (h >> 48)) & 0xffffffffffffULL;
        h |= std::uint64_t{1} << 47;  // keep IPv6 keys apart from IPv4 ones
    }
    return (h << 16) | port;
}

Receiver::~Receiver() = default;

tl::expected<std::unique_ptr<Receiver>, GeneratorError> Receiver::create(
    std::size_t streams, std::span<const ReturnSpec> returns, rtp::srtp::BackendKind backend) {
    std::unique_ptr<Receiver> r(new Receiver());
    r->streams_.resize(streams);
    r->latency_ = std::make_unique<LatencyHistogram>();
    if (!returns.empty() && returns.size() != streams) {
        return tl::unexpected(GeneratorError{"one return spec per stream expected"});
    }
    bool any_srtp = false;
    for (const auto& ret : returns) any_srtp = any_srtp || ret.srtp.has_value();
    if (any_srtp) {
        auto b = rtp::srtp::make_backend(backend);
        if (!b)
            return tl::unexpected(GeneratorError{std::string("SRTP backend: ") + b.error().what});
        r->backend_ = std::move(*b);
        r->rx_ctx_.resize(streams);
        r->by_destination_.reserve(streams);
        for (std::size_t i = 0; i < streams; ++i) {
            const auto& ret = returns[i];
            const auto key = destination_key(ret.dst, ret.dst_port);
            if (!r->by_destination_.emplace(key, static_cast<std::uint32_t>(i)).second) {
                return tl::unexpected(GeneratorError{"stream " + std::to_string(i) +
                                                     ": return address:port used twice"});
            }
            if (!ret.srtp) continue;
            auto ctx = make_srtp_context(*ret.srtp, rtp::srtp::kMaxReplayWindow);
            if (!ctx) {
                return tl::unexpected(
                    GeneratorError{"stream " + std::to_string(i) + ": SRTP: " + ctx.error().what});
            }
            r->rx_ctx_[i] = std::move(*ctx);
        }
        r->batch_.resize(kBatch);
        r->statuses_.resize(kBatch);
        r->batch_stream_.resize(kBatch);
        r->batch_frame_len_.resize(kBatch);
        r->batch_rx_ns_.resize(kBatch);
        r->batch_rtcp_.resize(kBatch);
    }
    return r;
}

void Receiver::reset_counts() noexcept {
    for (auto& s : streams_) {
        const std::int64_t highest = s.highest;
        const std::uint64_t window = s.window;
        s = StreamRx{};
        // Keep the sequence state: a new trial continues the streams.
        s.highest = highest;
        s.window = window;
    }
    latency_->reset();
    totals_ = RxTotals{};
}

void Receiver::account(const std::uint8_t* rtp, std::size_t len, std::uint32_t frame_len,
                       std::uint64_t rx_ns, std::int64_t expect_stream) noexcept {
    if (is_rtcp(rtp, len)) {
        ++totals_.rtcp;
        if (expect_stream >= 0) ++streams_[static_cast<std::size_t>(expect_stream)].rtcp;
        return;
    }
    auto view = rtp::RtpView::parse(ByteSpan(rtp, len));
    std::optional<Probe> probe;
    if (view) probe = read_probe(view->payload());
    if (!probe || probe->stream >= streams_.size() ||
        (expect_stream >= 0 && probe->stream != static_cast<std::uint64_t>(expect_stream))) {
        ++totals_.drops[static_cast<std::size_t>(RxDrop::kNoProbe)];
        return;
    }
    if (probe->tx_ns < epoch_ns_) {
        ++totals_.stale;
        return;
    }
    StreamRx& st = streams_[probe->stream];
    const auto seq = static_cast<std::int64_t>(probe->sequence);
    if (seq > st.highest) {
        const auto shift = static_cast<std::uint64_t>(seq - st.highest);
        st.window = shift >= 64 ? 0 : st.window << shift;
        st.window |= 1;
        st.highest = seq;
    } else {
        const auto back = static_cast<std::uint64_t>(st.highest - seq);
        if (back < 64) {
            if ((st.window >> back) & 1) {
                ++st.duplicates;
                ++totals_.duplicates;
                return;
            }
            st.window |= std::uint64_t{1} << back;
        }
        ++st.reordered;  // below the next expected sequence (RFC 4737 3.3)
        ++totals_.reordered;
    }
    ++st.received;
    ++totals_.received;
    totals_.bytes += frame_len;
    const std::uint64_t latency = rx_ns > probe->tx_ns ? rx_ns - probe->tx_ns : 0;
    latency_->record(latency);
    const auto transit = static_cast<std::int64_t>(rx_ns) - static_cast<std::int64_t>(probe->tx_ns);
    if (st.has_transit) {
        const std::int64_t d =
            transit > st.last_transit ? transit - st.last_transit : st.last_transit - transit;
        // RFC 3550 A.8: jitter += d - ((jitter + 8) >> 4), jitter kept scaled by 16.
        const std::uint64_t j = st.jitter_ns16;
        st.jitter_ns16 = j + static_cast<std::uint64_t>(d) - ((j + 8) >> 4);
    }
    st.last_transit = transit;
    st.has_transit = true;
}

void Receiver::unprotect_batch(std::size_t n) noexcept {
    // RTP and RTCP go to different calls; arrival order is kept within each.
    std::array<rtp::srtp::SrtpPacket, kBatch> pk{};
    std::array<std::uint32_t, kBatch> order{};
    for (const std::uint8_t rtcp : {0, 1}) {
        std::size_t m = 0;
        for (std::size_t i = 0; i < n; ++i) {
            if (batch_rtcp_[i] != rtcp) continue;
            order[m] = static_cast<std::uint32_t>(i);
            pk[m++] = batch_[i];
        }
        if (m == 0) continue;
        const auto packets = std::span(pk.data(), m);
        const auto statuses = std::span(statuses_.data(), m);
        if (rtcp) {
            backend_->unprotect_rtcp(packets, statuses);
        } else {
            backend_->unprotect_rtp(packets, statuses);
        }
        for (std::size_t k = 0; k < m; ++k) {
            const std::uint32_t i = order[k];
            if (statuses_[k] != rtp::srtp::SrtpStatus::kOk) {
                ++totals_.drops[static_cast<std::size_t>(RxDrop::kSrtpFailed)];
                continue;
            }
            account(pk[k].data, pk[k].len, batch_frame_len_[i], batch_rx_ns_[i], batch_stream_[i]);
        }
    }
}

void Receiver::on_frames(std::span<RxFrame> frames) noexcept {
    std::size_t n = 0;
    for (auto& f : frames) {
        ++totals_.frames;
        auto udp =
            rtp::capture::parse_udp_frame(rtp::capture::kLinkTypeEthernet, ByteSpan(f.data, f.len));
        if (!udp) {
            ++totals_.drops[static_cast<std::size_t>(RxDrop::kNotUdp)];
            continue;
        }
        auto* payload = f.data + udp->payload_offset;
        const std::size_t len = udp->payload.size();
        if (!backend_) {
            account(payload, len, f.len, f.rx_ns, -1);
            continue;
        }
        const auto it = by_destination_.find(destination_key(udp->dst, udp->dst_port));
        if (it == by_destination_.end()) {
            ++totals_.drops[static_cast<std::size_t>(RxDrop::kUnknownFlow)];
            continue;
        }
        const std::uint32_t id = it->second;
        auto* ctx = rx_ctx_[id].get();
        if (ctx == nullptr) {
            account(payload, len, f.len, f.rx_ns, id);
            continue;
        }
        batch_[n] = {ctx, payload, static_cast<std::uint32_t>(len),
                     static_cast<std::uint32_t>(len)};
        batch_stream_[n] = id;
        batch_frame_len_[n] = f.len;
        batch_rx_ns_[n] = f.rx_ns;
        batch_rtcp_[n] = is_rtcp(payload, len);
        if (++n == kBatch) {
            unprotect_batch(n);
            n = 0;
        }
    }
    if (n != 0) unprotect_batch(n);
}

double Receiver::mean_jitter_ns() const noexcept {
    double sum = 0;
    std::size_t k = 0;
    for (const auto& s : streams_) {
        if (s.received < 2) continue;
        sum += static_cast<double>(s.jitter_ns16) / 16.0;
        ++k;
    }
    return k ? sum / static_cast<double>(k) : 0.0;
}

double Receiver::max_jitter_ns() const noexcept {
    double m = 0;
    for (const auto& s : streams_) {
        if (s.received >= 2) m = std::max(m, static_cast<double>(s.jitter_ns16) / 16.0);
    }
    return m;
}

}  // namespace rtpx::bench
