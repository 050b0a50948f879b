#include "rtpx/dataplane/rate_meter.hpp"

namespace rtpx::dataplane {

namespace {

tl::expected<void, std::string> configure(rte_meter_srtcm_profile& profile, rte_meter_srtcm& meter,
                                          std::uint64_t rate, std::uint64_t burst,
                                          const char* field) {
    rte_meter_srtcm_params params{rate, burst, 0};
    if (rte_meter_srtcm_profile_config(&profile, &params) != 0 ||
        rte_meter_srtcm_config(&meter, &profile) != 0) {
        return tl::unexpected(std::string(field) + ": rte_meter refuses this rate and burst");
    }
    return {};
}

}  // namespace

tl::expected<RateMeter, std::string> RateMeter::make(const flowapi::RateLimit& limit,
                                                     std::uint64_t tsc_hz) {
    RateMeter m;
    if (tsc_hz == 0) return tl::unexpected(std::string("rate_limit: no TSC frequency"));
    m.tsc_per_ns_q32_ =
        static_cast<std::uint64_t>((static_cast<unsigned __int128>(tsc_hz) << 32) / 1'000'000'000u);
    if (limit.packets_per_s != 0) {
        if (auto ok = configure(m.packet_profile_, m.packet_meter_, limit.packets_per_s,
                                limit.burst_packets, "rate_limit.packets_per_s");
            !ok) {
            return tl::unexpected(ok.error());
        }
        m.packets_ = true;
    }
    if (limit.bytes_per_s != 0) {
        if (auto ok = configure(m.byte_profile_, m.byte_meter_, limit.bytes_per_s,
                                limit.burst_bytes, "rate_limit.bytes_per_s");
            !ok) {
            return tl::unexpected(ok.error());
        }
        m.bytes_ = true;
    }
    return m;
}

}  // namespace rtpx::dataplane
