#include "rtpx/dataplane/dispatcher.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_hash_crc.h>
#include <rte_prefetch.h>

#include "rtpx/dataplane/packet.hpp"

namespace rtpx::dataplane {

std::uint16_t dispatch_worker(const std::uint8_t* frame, std::size_t size,
                              std::uint16_t workers) noexcept {
    if (workers <= 1) return 0;
    const auto p = parse_frame(frame, size);
    if (!p || p->kind != FrameKind::kUdp) return 0;
    // rte_hash_crc reads 4 and 8 bytes at a time: an aligned copy of the address.
    alignas(8) std::array<std::uint8_t, 16> ip;
    std::memcpy(ip.data(), frame + p->dst_ip_offset(), p->ip_size());
    const std::uint32_t h =
        rte_hash_crc(ip.data(), static_cast<std::uint32_t>(p->ip_size()), p->dst_port);
    return static_cast<std::uint16_t>(h % workers);
}

Dispatcher::Dispatcher(DispatcherContext context)
    : ctx_(std::move(context)),
      workers_(static_cast<std::uint16_t>(std::min(ctx_.rings.size(), kMaxDispatchWorkers))) {
    if (ctx_.rx_ports.empty()) {
        for (std::uint16_t p = 0; p < ctx_.port_count; ++p) ctx_.rx_ports.push_back(p);
    }
}

std::uint32_t Dispatcher::poll_once() noexcept {
    std::array<rte_mbuf*, kBurstSize> pkts;
    std::uint32_t handled = 0;
    for (const std::uint16_t port : ctx_.rx_ports) {
        const std::uint16_t queues = std::max<std::uint16_t>(ctx_.rx_queues[port], 1);
        for (std::uint16_t q = 0; q < queues; ++q) {
            const std::uint16_t n = rte_eth_rx_burst(ctx_.ports[port].port_id,
                                                     static_cast<std::uint16_t>(ctx_.queue + q),
                                                     pkts.data(), kBurstSize);
            if (n == 0) continue;
            handled += n;
            for (std::uint16_t i = 0; i < n; ++i) rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void*));
            for (std::uint16_t i = 0; i < n; ++i) {
                const std::uint16_t w =
                    dispatch_worker(rte_pktmbuf_mtod(pkts[i], const std::uint8_t*),
                                    rte_pktmbuf_data_len(pkts[i]), workers_);
                out_[w][out_count_[w]++] = pkts[i];
            }
            for (std::uint16_t w = 0; w < workers_; ++w) {
                const unsigned count = out_count_[w];
                if (count == 0) continue;
                out_count_[w] = 0;
                const unsigned sent = rte_ring_sp_enqueue_burst(
                    ctx_.rings[w][port], reinterpret_cast<void* const*>(out_[w].data()), count,
                    nullptr);
                if (sent == count) continue;
                ctx_.counters->drops[static_cast<std::size_t>(DropReason::kDispatchRingFull)].add(
                    count - sent);
                rte_pktmbuf_free_bulk(out_[w].data() + sent, count - sent);
            }
        }
    }
    return handled;
}

int Dispatcher::run() noexcept {
    IdleBackoff backoff(ctx_.idle_sleep_us);
    while (!ctx_.stop->load(std::memory_order_relaxed)) {
        const std::uint32_t handled = poll_once();
        const std::uint32_t sleep_us = backoff.after_poll(handled != 0);
        if (sleep_us != 0) {
            rte_delay_us_sleep(sleep_us);
            ctx_.counters->idle_sleeps.add(1);
        }
    }
    return 0;
}

}  // namespace rtpx::dataplane
