#include "rtpx/dataplane/exception.hpp"

#include <cstring>

#include <rte_cycles.h>
#include <rte_ether.h>

#include "rtpx/rtp/bytes.hpp"

namespace rtpx::dataplane {

bool for_kernel(const std::uint8_t* f, std::size_t size, const PortIdentity& port) noexcept {
    if (size < kEthHeaderSize) return false;
    // Unicast to the port, or broadcast/multicast; on the port's VLAN.
    if ((f[0] & 1) == 0 && std::memcmp(f, port.mac.data(), 6) != 0) return false;
    std::size_t l3 = kEthHeaderSize;
    std::uint16_t type = rtp::load_be16(f + 12);
    std::uint16_t vlan = 0;
    if (type == kEtherTypeVlan) {
        if (size < kEthHeaderSize + kVlanTagSize) return false;
        vlan = rtp::load_be16(f + 14) & 0x0FFF;
        type = rtp::load_be16(f + 16);
        l3 += kVlanTagSize;
    }
    if (vlan != port.vlan) return false;
    if (type == kEtherTypeArp) return true;  // the kernel's own resolution needs the replies
    if (type == kEtherTypeIpv4) {
        if (size < l3 + kIpv4HeaderSize || (f[l3] >> 4) != 4) return false;
        return port.owns(flowapi::AddressFamily::kIpv4, f + l3 + 16);
    }
    if (type == kEtherTypeIpv6) {
        if (size < l3 + kIpv6HeaderSize || (f[l3] >> 4) != 6) return false;
        const std::uint8_t* dst = f + l3 + 24;
        return dst[0] == 0xFF || port.owns(flowapi::AddressFamily::kIpv6, dst);
    }
    return false;
}

ExceptionPath::ExceptionPath(const PortContext* ports, std::uint16_t port_count,
                             std::uint16_t queue, LcoreCounters* lcore)
    : ports_(ports), port_count_(port_count), queue_(queue), lcore_(lcore) {
    for (std::uint16_t p = 0; p < port_count && p < kMaxPorts; ++p) {
        const std::uint32_t rate = ports[p].exception_rate_pps;
        if (rate == 0) continue;
        const flowapi::RateLimit limit{rate, rate / 10 == 0 ? 1 : rate / 10, 0, 0};
        if (auto meter = RateMeter::make(limit, rte_get_tsc_hz())) meters_[p] = *meter;
    }
}

void ExceptionPath::limited(rte_mbuf* m) noexcept {
    if (lcore_ != nullptr)
        lcore_->drops[static_cast<std::size_t>(DropReason::kExceptionLimited)].add(1);
    rte_pktmbuf_free(m);
}

bool ExceptionPath::offer(std::uint16_t port, rte_mbuf* m, std::int64_t now_ns,
                          DropReason& why) noexcept {
    if (port >= port_count_ || !ports_[port].has_exception) return false;
    if (why != DropReason::kUnsupportedL3 && why != DropReason::kIpFragment &&
        why != DropReason::kNoFlow && why != DropReason::kExceptionIgnored) {
        return false;
    }
    const PortIdentity& id = ports_[port].identity;
    if (!for_kernel(rte_pktmbuf_mtod(m, const std::uint8_t*), rte_pktmbuf_data_len(m), id))
        return false;
    RateMeter& meter = meters_[port];
    if (meter.enabled() && !meter.conform(1, now_ns)) {
        why = DropReason::kExceptionLimited;
        return false;
    }
    // The kernel's interface is untagged.
    if (rte_pktmbuf_data_len(m) >= kEthHeaderSize + kVlanTagSize &&
        rtp::load_be16(rte_pktmbuf_mtod(m, const std::uint8_t*) + 12) == kEtherTypeVlan &&
        rte_vlan_strip(m) != 0) {
        why = DropReason::kMalformed;
        return false;
    }
    m->ol_flags = 0;
    tx_[port][tx_count_[port]++] = m;
    counters_.to_kernel.add(1);
    if (tx_count_[port] == kBurstSize) flush();
    return true;
}

void ExceptionPath::flush() noexcept {
    for (std::uint16_t port = 0; port < port_count_; ++port) {
        auto& count = tx_count_[port];
        if (count == 0) continue;
        const std::uint16_t sent =
            rte_eth_tx_burst(ports_[port].exception_port_id, queue_, tx_[port].data(), count);
        for (std::uint16_t i = sent; i < count; ++i) limited(tx_[port][i]);
        count = 0;
    }
}

bool ExceptionPath::prepare_for_port(std::uint16_t port, rte_mbuf*& m) noexcept {
    const std::uint16_t vlan = ports_[port].identity.vlan;
    m->ol_flags = 0;
    if (vlan != 0) {
        m->vlan_tci = vlan;
        if (rte_vlan_insert(&m) != 0) {
            limited(m);
            return false;
        }
    }
    return true;
}

}  // namespace rtpx::dataplane
