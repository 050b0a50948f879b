#include "rtpx/bench/engine.hpp"

#include <algorithm>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

namespace rtpx::bench {

Engine::Engine(Generator& gen, Receiver& rx, const EngineConfig& config) noexcept
    : gen_(gen), rx_(rx), config_(config) {
    config_.burst = std::clamp<std::uint32_t>(config_.burst, 1, kMaxBurst);
    config_.min_burst = std::clamp<std::uint32_t>(config_.min_burst, 1, config_.burst);
    tsc0_ = rte_rdtsc();
    ns_per_tsc_ = 1e9 / static_cast<double>(rte_get_tsc_hz());
}

Engine::~Engine() {
    if (pending_n_ != 0) {
        rte_pktmbuf_free_bulk(&pending_[pending_first_], static_cast<unsigned>(pending_n_));
    }
}

std::uint64_t Engine::now_ns() const noexcept {
    return static_cast<std::uint64_t>(static_cast<double>(rte_rdtsc() - tsc0_) * ns_per_tsc_);
}

std::size_t Engine::push_pending() noexcept {
    if (pending_n_ == 0) return 0;
    const std::uint16_t sent =
        rte_eth_tx_burst(config_.tx_port, config_.tx_queue, &pending_[pending_first_],
                         static_cast<std::uint16_t>(pending_n_));
    for (std::size_t i = 0; i < sent; ++i) {
        if (pending_info_[pending_first_ + i].rtcp) {
            ++counters_.tx_rtcp;
        } else {
            ++counters_.tx_rtp;
        }
    }
    counters_.tx_frames += sent;
    pending_first_ += sent;
    pending_n_ -= sent;
    if (pending_n_ != 0) {
        ++counters_.tx_backpressure;
    } else {
        pending_first_ = 0;
    }
    return sent;
}

std::size_t Engine::tx(std::uint64_t now_ns, std::size_t n) noexcept {
    std::size_t sent = push_pending();
    if (pending_n_ != 0) return sent;  // the port is full: generate nothing new
    n = std::min<std::size_t>(n, config_.burst);
    if (n == 0) return sent;
    if (rte_pktmbuf_alloc_bulk(config_.pool, pending_.data(), static_cast<unsigned>(n)) != 0) {
        ++counters_.mbuf_exhausted;
        return sent;
    }
    std::array<FrameSlot, kMaxBurst> slots;
    for (std::size_t i = 0; i < n; ++i) {
        rte_mbuf* m = pending_[i];
        slots[i] = {rte_pktmbuf_mtod(m, std::uint8_t*),
                    static_cast<std::uint32_t>(rte_pktmbuf_tailroom(m)), 0};
    }
    gen_.fill(std::span(slots.data(), n), now_ns, std::span(pending_info_.data(), n));
    counters_.generated += n;
    ++counters_.tx_bursts;
    for (std::size_t i = 0; i < n; ++i) {
        rte_mbuf* m = pending_[i];
        m->data_len = static_cast<std::uint16_t>(slots[i].len);
        m->pkt_len = slots[i].len;
    }
    pending_first_ = 0;
    pending_n_ = n;
    return sent + push_pending();
}

std::size_t Engine::rx(std::uint64_t now_ns) noexcept {
    std::array<rte_mbuf*, kMaxBurst> mbufs;
    const std::uint16_t n =
        rte_eth_rx_burst(config_.rx_port, config_.rx_queue, mbufs.data(), kMaxBurst);
    if (n == 0) return 0;
    std::array<RxFrame, kMaxBurst> frames;
    std::size_t k = 0;
    for (std::uint16_t i = 0; i < n; ++i) {
        rte_mbuf* m = mbufs[i];
        if (m->nb_segs != 1) {
            ++counters_.rx_multiseg;
            continue;
        }
        frames[k++] = {rte_pktmbuf_mtod(m, std::uint8_t*), m->data_len, now_ns};
    }
    rx_.on_frames(std::span(frames.data(), k));
    counters_.rx_frames += n;
    rte_pktmbuf_free_bulk(mbufs.data(), n);
    return n;
}

TrialStats Engine::collect(const EngineCounters& base, double offered_pps,
                           double duration_s) const noexcept {
    TrialStats t;
    const RxTotals& r = rx_.totals();
    t.offered_pps = offered_pps;
    t.duration_s = duration_s;
    t.outcome.sent = counters_.tx_rtp - base.tx_rtp;
    t.outcome.received = r.received;
    t.rtcp_sent = counters_.tx_rtcp - base.tx_rtcp;
    t.rtcp_received = r.rtcp;
    t.stale = r.stale;
    t.duplicates = r.duplicates;
    t.reordered = r.reordered;
    t.tx_backpressure = counters_.tx_backpressure - base.tx_backpressure;
    t.rx_drops = r.drops;
    t.jitter_mean_ns = rx_.mean_jitter_ns();
    t.jitter_max_ns = rx_.max_jitter_ns();
    t.latency = rx_.latency();
    if (duration_s > 0) {
        t.tx_pps = static_cast<double>(t.outcome.sent + t.rtcp_sent) / duration_s;
        t.rx_pps = static_cast<double>(r.received) / duration_s;
        t.rx_mbps = static_cast<double>(r.bytes) * 8 / duration_s / 1e6;
    }
    return t;
}

TrialStats Engine::run_trial(double rate_pps, double duration_s, double drain_s) noexcept {
    rx_.reset_counts();
    rx_.set_epoch(now_ns());
    const EngineCounters base = counters_;
    const std::uint64_t hz = rte_get_tsc_hz();
    const std::uint64_t start = rte_rdtsc();
    const auto tx_end = start + static_cast<std::uint64_t>(duration_s * static_cast<double>(hz));
    // The trial offers exactly rate x duration frames. A generator that fell behind (preempted on
    // a shared host) may catch up for a quarter of the duration more; after that the trial ends
    // and counts as generator-limited.
    const auto target = static_cast<std::uint64_t>(rate_pps * duration_s);
    const auto grace_end = tx_end + (tx_end - start) / 4;
    const double per_tsc = rate_pps / static_cast<double>(hz);
    std::uint64_t now = start;
    for (;;) {
        const std::uint64_t generated = counters_.generated - base.generated;
        if (generated >= target && pending_n_ == 0) break;
        if (now >= grace_end) break;
        const auto due = std::min(
            target, static_cast<std::uint64_t>(static_cast<double>(now - start) * per_tsc));
        // A train goes out once min_burst frames are due, or the trial's last frames are.
        if (due > generated && (due - generated >= config_.min_burst || due == target)) {
            tx(now_ns(),
               static_cast<std::size_t>(std::min<std::uint64_t>(due - generated, config_.burst)));
        } else if (pending_n_ != 0) {
            push_pending();
        }
        rx(now_ns());
        now = rte_rdtsc();
    }
    // Keep receiving until the nominal end (a fast finish must not shorten the drain).
    while (now < tx_end) {
        rx(now_ns());
        now = rte_rdtsc();
    }
    const double tx_time = static_cast<double>(now - start) / static_cast<double>(hz);
    const auto drain_end = now + static_cast<std::uint64_t>(drain_s * static_cast<double>(hz));
    while (rte_rdtsc() < drain_end) {
        push_pending();
        rx(now_ns());
    }
    TrialStats t = collect(base, rate_pps, tx_time);
    t.target_frames = target;
    return t;
}

tl::expected<void, std::string> setup_port(std::uint16_t port, rte_mempool* pool,
                                           std::uint16_t rx_desc, std::uint16_t tx_desc) {
    rte_eth_conf conf{};
    if (int rc = rte_eth_dev_configure(port, 1, 1, &conf); rc != 0) {
        return tl::unexpected("port " + std::to_string(port) + ": configure failed (" +
                              std::to_string(rc) + ")");
    }
    if (rte_eth_dev_adjust_nb_rx_tx_desc(port, &rx_desc, &tx_desc) != 0) {
        return tl::unexpected("port " + std::to_string(port) + ": descriptor counts refused");
    }
    const int socket = rte_eth_dev_socket_id(port);
    const unsigned s = socket < 0 ? 0U : static_cast<unsigned>(socket);
    if (rte_eth_rx_queue_setup(port, 0, rx_desc, s, nullptr, pool) != 0 ||
        rte_eth_tx_queue_setup(port, 0, tx_desc, s, nullptr) != 0) {
        return tl::unexpected("port " + std::to_string(port) + ": queue setup failed");
    }
    if (rte_eth_dev_start(port) != 0) {
        return tl::unexpected("port " + std::to_string(port) + ": start failed");
    }
    (void)rte_eth_promiscuous_enable(port);
    return {};
}

}  // namespace rtpx::bench
