// rtpx-bench output: one JSON object per trial, a final summary object, a human table, and gnuplot
// figures (throughput vs flows, latency CDF). Field meanings are in perf/README.md.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "rtpx/bench/engine.hpp"
#include "rtpx/bench/histogram.hpp"

namespace rtpx::bench {

// {"type":"trial", "phase", "flows", "offered_pps", "sent", "received", "lost", "loss_ratio", ...}
[[nodiscard]] nlohmann::json trial_json(const TrialStats& t, const std::string& phase,
                                        std::size_t flows, bool pass);
[[nodiscard]] nlohmann::json latency_json(const LatencyHistogram& h);

// Cumulative distribution of a histogram: one (value_ns, fraction <= value) per non-empty bucket.
[[nodiscard]] std::vector<std::pair<double, double>> latency_cdf(const LatencyHistogram& h);

struct FlowsPoint {
    std::size_t flows;
    double ndr_pps;  // <0: not measured
    double pdr_pps;
};

// Writes DIR/throughput_vs_flows.{dat,gp,png} and DIR/latency_cdf.{dat,gp,png} (one curve per
// flow count) and runs gnuplot. An error names what failed.
[[nodiscard]] tl::expected<void, std::string> write_plots(
    const std::string& dir, const std::vector<FlowsPoint>& points,
    const std::vector<std::pair<std::size_t, LatencyHistogram>>& latencies);

[[nodiscard]] std::string table_header();
[[nodiscard]] std::string table_row(const TrialStats& t, const std::string& phase,
                                    std::size_t flows, bool pass);

}  // namespace rtpx::bench
