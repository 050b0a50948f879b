// RFC 2544 section 26.1 throughput, as a binary search over the offered rate: the highest rate at
// which a trial loses no more than `loss_tolerance` of what it sent. With tolerance 0 the result is
// the NDR (no-drop rate); with a small tolerance (e.g. 0.005 = 0.5%) the PDR (partial-drop rate,
// as FD.io CSIT names it). The search is a pure function of the trial callback, so tests run it
// against synthetic devices with known capacities.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace rtpx::bench {

struct TrialOutcome {
    std::uint64_t sent = 0;
    std::uint64_t received = 0;  // unique packets back (duplicates are not "received" twice)
    [[nodiscard]] double loss_ratio() const noexcept {
        if (sent == 0) return 0.0;
        return received >= sent ? 0.0
                                : static_cast<double>(sent - received) / static_cast<double>(sent);
    }
};

struct SearchParams {
    double min_rate_pps = 1000;    // lowest rate tried; if it fails, nothing is found
    double max_rate_pps = 1e6;     // tried first (RFC 2544: start at the maximum)
    double resolution_pps = 1000;  // stop when the pass/fail bracket is this narrow
    double loss_tolerance = 0.0;   // fraction of sent packets a passing trial may lose
    unsigned max_trials = 40;
};

struct SearchStep {
    double rate_pps;
    TrialOutcome outcome;
    bool pass;
};

struct SearchResult {
    bool found = false;     // some tried rate passed
    double rate_pps = 0;    // the highest passing rate (0 when none passed)
    double failed_pps = 0;  // the lowest failing rate (0 when max passed)
    std::vector<SearchStep> steps;
};

[[nodiscard]] bool trial_passes(const TrialOutcome& o, double loss_tolerance) noexcept;

// `trial(rate)` runs one trial at `rate` packets/s and returns what was sent and received.
[[nodiscard]] SearchResult binary_search(const SearchParams& params,
                                         const std::function<TrialOutcome(double)>& trial);

}  // namespace rtpx::bench
