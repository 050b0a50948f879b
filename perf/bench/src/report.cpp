#include "rtpx/bench/report.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace rtpx::bench {

nlohmann::json latency_json(const LatencyHistogram& h) {
    return nlohmann::json{{"count", h.count()},
                          {"min", h.min()},
                          {"p50", h.percentile(0.5)},
                          {"p90", h.percentile(0.9)},
                          {"p99", h.percentile(0.99)},
                          {"p999", h.percentile(0.999)},
                          {"max", h.max()},
                          {"mean", h.mean()}};
}

nlohmann::json trial_json(const TrialStats& t, const std::string& phase, std::size_t flows,
                          bool pass) {
    nlohmann::json drops = nlohmann::json::object();
    for (std::size_t i = 0; i < t.rx_drops.size(); ++i)
        drops[std::string(kRxDropNames[i])] = t.rx_drops[i];
    const std::uint64_t lost =
        t.outcome.sent > t.outcome.received ? t.outcome.sent - t.outcome.received : 0;
    return nlohmann::json{{"type", "trial"},
                          {"phase", phase},
                          {"flows", flows},
                          {"offered_pps", t.offered_pps},
                          {"duration_s", t.duration_s},
                          {"target_frames", t.target_frames},
                          {"sent", t.outcome.sent},
                          {"received", t.outcome.received},
                          {"lost", lost},
                          {"loss_ratio", t.outcome.loss_ratio()},
                          {"pass", pass},
                          {"tx_pps", t.tx_pps},
                          {"rx_pps", t.rx_pps},
                          {"rx_mbps", t.rx_mbps},
                          {"latency_ns", latency_json(t.latency)},
                          {"jitter_ns", {{"mean", t.jitter_mean_ns}, {"max", t.jitter_max_ns}}},
                          {"reordered", t.reordered},
                          {"duplicates", t.duplicates},
                          {"rtcp_sent", t.rtcp_sent},
                          {"rtcp_received", t.rtcp_received},
                          {"stale", t.stale},
                          {"tx_backpressure", t.tx_backpressure},
                          {"rx_drops", drops}};
}

std::vector<std::pair<double, double>> latency_cdf(const LatencyHistogram& h) {
    std::vector<std::pair<double, double>> out;
    if (h.count() == 0) return out;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < LatencyHistogram::kBuckets; ++i) {
        const std::uint64_t c = h.bucket_count(i);
        if (c == 0) continue;
        seen += c;
        out.emplace_back(static_cast<double>(LatencyHistogram::bucket_high(i)),
                         static_cast<double>(seen) / static_cast<double>(h.count()));
    }
    return out;
}

tl::expected<void, std::string> write_plots(
    const std::string& dir, const std::vector<FlowsPoint>& points,
    const std::vector<std::pair<std::size_t, LatencyHistogram>>& latencies) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return tl::unexpected(dir + ": " + ec.message());
    const fs::path d(dir);
    {
        std::ofstream dat(d / "throughput_vs_flows.dat");
        dat << "# flows ndr_mpps pdr_mpps\n";
        for (const auto& p : points) {
            dat << p.flows << ' ' << (p.ndr_pps >= 0 ? p.ndr_pps / 1e6 : 0) << ' '
                << (p.pdr_pps >= 0 ? p.pdr_pps / 1e6 : 0) << '\n';
        }
        std::ofstream gp(d / "throughput_vs_flows.gp");
        gp << "set terminal pngcairo size 900,540 noenhanced\n"
              "set output '"
           << (d / "throughput_vs_flows.png").string()
           << "'\nset title 'rtpx-bench: throughput vs flows (RFC 2544 binary search)'\n"
              "set xlabel 'flows'\nset ylabel 'Mpps'\nset logscale x\nset grid\nset key top right\n"
              "set yrange [0:*]\n"
              "plot '"
           << (d / "throughput_vs_flows.dat").string()
           << "' using 1:2 with linespoints title 'NDR', '' using 1:3 with linespoints title "
              "'PDR'\n";
    }
    {
        std::ofstream dat(d / "latency_cdf.dat");
        std::ofstream gp(d / "latency_cdf.gp");
        gp << "set terminal pngcairo size 900,540 noenhanced\nset output '"
           << (d / "latency_cdf.png").string()
           << "'\nset title 'rtpx-bench: one-way latency CDF at the NDR rate'\n"
              "set xlabel 'latency (us)'\nset ylabel 'fraction of packets'\nset logscale x\n"
              "set grid\nset key bottom right\nset yrange [0:1]\nplot ";
        for (std::size_t k = 0; k < latencies.size(); ++k) {
            dat << "# flows " << latencies[k].first << "\n";
            for (const auto& [v, f] : latency_cdf(latencies[k].second)) {
                dat << v / 1000.0 << ' ' << f << '\n';
            }
            dat << "\n\n";
            gp << (k ? ", " : "") << "'" << (d / "latency_cdf.dat").string() << "' index " << k
               << " using 1:2 with steps title '" << latencies[k].first << " flows'";
        }
        if (latencies.empty()) gp << "0 notitle";
        gp << '\n';
    }
    for (const char* name : {"throughput_vs_flows.gp", "latency_cdf.gp"}) {
        const std::string cmd = "gnuplot '" + (d / name).string() + "' 2>&1";
        if (std::system(cmd.c_str()) != 0) {
            return tl::unexpected("gnuplot failed on " + (d / name).string());
        }
    }
    return {};
}

std::string table_header() {
    char b[256];
    std::snprintf(b, sizeof b, "%-9s %8s %12s %12s %12s %10s %9s %9s %9s %9s %8s %6s", "phase",
                  "flows", "offered_pps", "sent", "received", "loss_%", "p50_us", "p99_us",
                  "p99.9_us", "jit_us", "reorder", "pass");
    return b;
}

std::string table_row(const TrialStats& t, const std::string& phase, std::size_t flows, bool pass) {
    char b[256];
    std::snprintf(
        b, sizeof b, "%-9s %8zu %12.0f %12llu %12llu %10.4f %9.1f %9.1f %9.1f %9.2f %8llu %6s",
        phase.c_str(), flows, t.offered_pps, static_cast<unsigned long long>(t.outcome.sent),
        static_cast<unsigned long long>(t.outcome.received), 100.0 * t.outcome.loss_ratio(),
        static_cast<double>(t.latency.percentile(0.5)) / 1000.0,
        static_cast<double>(t.latency.percentile(0.99)) / 1000.0,
        static_cast<double>(t.latency.percentile(0.999)) / 1000.0, t.jitter_mean_ns / 1000.0,
        static_cast<unsigned long long>(t.reordered), pass ? "yes" : "no");
    return b;
}

}  // namespace rtpx::bench
