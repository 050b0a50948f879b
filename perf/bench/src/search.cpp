#include "rtpx/bench/search.hpp"

namespace rtpx::bench {

bool trial_passes(const TrialOutcome& o, double loss_tolerance) noexcept {
    if (o.sent == 0) return false;
    if (loss_tolerance <= 0.0) return o.received >= o.sent;
    return o.loss_ratio() <= loss_tolerance;
}

SearchResult binary_search(const SearchParams& params,
                           const std::function<TrialOutcome(double)>& trial) {
    SearchResult r;
    auto run = [&](double rate) {
        const TrialOutcome o = trial(rate);
        const bool pass = trial_passes(o, params.loss_tolerance);
        r.steps.push_back({rate, o, pass});
        return pass;
    };
    if (params.max_trials == 0 || params.max_rate_pps <= 0) return r;
    if (run(params.max_rate_pps)) {
        r.found = true;
        r.rate_pps = params.max_rate_pps;
        return r;
    }
    double hi = params.max_rate_pps;  // fails
    double lo = params.min_rate_pps;
    if (r.steps.size() >= params.max_trials || !run(lo)) {
        r.failed_pps = r.steps.size() >= 2 ? lo : hi;
        return r;
    }
    r.found = true;
    while (hi - lo > params.resolution_pps && r.steps.size() < params.max_trials) {
        const double mid = lo + (hi - lo) / 2;
        if (run(mid)) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    r.rate_pps = lo;
    r.failed_pps = hi;
    return r;
}

}  // namespace rtpx::bench
