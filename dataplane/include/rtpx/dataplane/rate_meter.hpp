// The per-flow rate limit (flowapi::RateLimit) on rte_meter: a colour-blind srTCM (RFC 2697) per
// limit with the committed rate and burst of the flow spec and no excess bucket, so a plain token
// bucket: a packet conforms while the bucket holds its size (1 for the packet limit, its UDP
// payload bytes for the byte limit), and the drop reason of the rest is rate_limited.
//
// Time is the worker's burst clock (Unix ns) turned into TSC cycles, which is what rte_meter's
// profiles count in; the first packet starts the clock with full buckets. Made on the control
// thread (FlowTable::apply) into a new FlowConfig, so a modify starts with full buckets; written
// by the flow's worker only. No heap, lock or log in conform().
#pragma once

#include <cstdint>
#include <string>

#include <rte_meter.h>

#include <tl/expected.hpp>

#include "rtpx/flowapi/flow.hpp"

namespace rtpx::dataplane {

class RateMeter {
  public:
    // `tsc_hz`: rte_get_tsc_hz(). Errors name the field ("rate_limit.packets_per_s: ...").
    [[nodiscard]] static tl::expected<RateMeter, std::string> make(const flowapi::RateLimit& limit,
                                                                   std::uint64_t tsc_hz);

    // Takes one packet of `bytes` UDP payload bytes at `now_ns` from the buckets; false when it
    // is over a limit (a packet over the byte limit still spends its packet token).
    [[nodiscard]] bool conform(std::uint32_t bytes, std::int64_t now_ns) noexcept {
        const auto cycles = static_cast<std::uint64_t>(
            (static_cast<unsigned __int128>(static_cast<std::uint64_t>(now_ns)) *
             tsc_per_ns_q32_) >>
            32);
        if (!started_) {
            started_ = true;
            packet_meter_.time = cycles;
            byte_meter_.time = cycles;
        }
        if (packets_ && rte_meter_srtcm_color_blind_check(&packet_meter_, &packet_profile_, cycles,
                                                          1) != RTE_COLOR_GREEN) {
            return false;
        }
        return !bytes_ || rte_meter_srtcm_color_blind_check(&byte_meter_, &byte_profile_, cycles,
                                                            bytes) == RTE_COLOR_GREEN;
    }
    [[nodiscard]] bool enabled() const noexcept { return packets_ || bytes_; }

  private:
    rte_meter_srtcm_profile packet_profile_{};
    rte_meter_srtcm_profile byte_profile_{};
    rte_meter_srtcm packet_meter_{};
    rte_meter_srtcm byte_meter_{};
    std::uint64_t tsc_per_ns_q32_ = 0;
    bool packets_ = false;
    bool bytes_ = false;
    bool started_ = false;
};

}  // namespace rtpx::dataplane
