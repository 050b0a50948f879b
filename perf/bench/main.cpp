// rtpx-bench: RTP/SRTP load through a device under test over DPDK ports, RFC 2544 NDR/PDR binary
// searches and RFC 8219-style latency. See perf/README.md.
//
//   rtpx-bench [--scenario FILE] [overrides...] [--loopback] [--json] [--plot DIR] [-- EAL args]
//   rtpx-bench --scenario FILE --write-flows FLOWS.json     (the DUT's static flows; no DPDK)
//   rtpx-bench --dut-flows FLOWS.json ... -- EAL args       (send where the DUT allocated)
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <CLI/CLI.hpp>

#include "rtpx/bench/engine.hpp"
#include "rtpx/bench/report.hpp"
#include "rtpx/bench/scenario.hpp"
#include "rtpx/bench/search.hpp"
#include "rtpx/flowapi/json.hpp"

using namespace rtpx::bench;

namespace {

struct Options {
    std::string scenario_file;
    std::string write_flows;
    std::string dut_flows;
    std::string plot_dir;
    std::string flows_sweep;
    std::string tx_port = "0";
    std::string rx_port;
    std::uint16_t descriptors = 1024;  // per RX and TX queue
    bool loopback = false;
    bool json = false;
    std::string backend = "ipsecmb";
    std::vector<std::string> eal;
};

std::vector<std::size_t> parse_sweep(const std::string& text, std::size_t fallback) {
    std::vector<std::size_t> out;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) {
        if (!item.empty()) out.push_back(std::stoul(item));
    }
    if (out.empty()) out.push_back(fallback);
    return out;
}

std::uint16_t port_by_name_or_id(const std::string& s) {
    std::uint16_t id = 0;
    if (rte_eth_dev_get_port_by_name(s.c_str(), &id) == 0) return id;
    return static_cast<std::uint16_t>(std::stoul(s));
}

void emit(const Options& o, const nlohmann::json& j, const std::string& row) {
    if (o.json) {
        if (!j.is_null()) std::cout << j.dump() << '\n' << std::flush;
        if (!row.empty()) std::cerr << row << '\n';
    } else if (!row.empty()) {
        std::cout << row << '\n' << std::flush;
    }
}

}  // namespace

int main(int argc, char** argv) {
    // Split at "--": what follows goes to the EAL.
    std::vector<char*> own(argv, argv + argc);
    Options o;
    for (int i = 1; i < argc; ++i) {
        if (std::string(argv[i]) == "--") {
            own.assign(argv, argv + i);
            for (int k = i + 1; k < argc; ++k) o.eal.emplace_back(argv[k]);
            break;
        }
    }
    Scenario cli;  // overrides
    CLI::App app{
        "rtpx-bench: RTP/SRTP load generator, RFC 2544 NDR/PDR search, latency (RFC 8219)"};
    app.add_option("--scenario", o.scenario_file, "scenario TOML (perf/scenarios/)");
    app.add_option("--write-flows", o.write_flows,
                   "write the DUT's flows file (rtpx-dataplane --flows) and exit");
    app.add_option("--dut-flows", o.dut_flows,
                   "send stream i to flow i's \"local\" of this flows file (a DUT that allocates "
                   "its own ports, e.g. rtpengine); sets the stream count");
    std::size_t flows = 0;
    app.add_option("--flows", flows, "number of streams (overrides the scenario)");
    app.add_option("--flows-sweep", o.flows_sweep, "comma-separated flow counts, one search each");
    std::string profile, search, srtp_in, srtp_out;
    app.add_option("--profile", profile, "g711 | opus | video | mix");
    app.add_option("--search", search, "none | ndr | pdr | ndr+pdr");
    app.add_option("--srtp-in", srtp_in, "SRTP suite bench->DUT (or none)");
    app.add_option("--srtp-out", srtp_out, "SRTP suite DUT->bench (or none)");
    double rate = 0, duration = 0, max_rate = 0, min_rate = 0, resolution = 0, pdr_loss = -1;
    app.add_option("--rate", rate, "offered packets/s for search none");
    app.add_option("--duration", duration, "trial length, s");
    app.add_option("--max-rate", max_rate, "search: highest rate, packets/s");
    app.add_option("--min-rate", min_rate, "search: lowest rate, packets/s");
    app.add_option("--resolution", resolution, "search: stop when the bracket is this narrow, pps");
    app.add_option("--pdr-loss", pdr_loss, "PDR loss tolerance (fraction)");
    unsigned burst = 0;
    app.add_option("--burst", burst, "TX burst, 1..64");
    unsigned min_burst = 1;
    app.add_option("--min-burst", min_burst,
                   "paced trials send once this many frames are due (trains of N, same average "
                   "rate), 1..--burst")
        ->check(CLI::Range(1U, 64U));
    int twcc = -1, rtcp_every = -1;
    app.add_option("--twcc-id", twcc, "transport-wide-cc extension ID (0: none)");
    app.add_option("--rtcp-every", rtcp_every, "an RTCP SR per N RTP packets per stream");
    bool ipv6 = false, no_csum = false;
    app.add_flag("--ipv6", ipv6, "IPv6 (default addresses fd00:99::/32)");
    app.add_flag("--no-udp-checksum", no_csum, "IPv4: leave the UDP checksum 0");
    app.add_flag("--loopback", o.loopback,
                 "frames come back unchanged (net_ring self-test: measures the generator itself)");
    app.add_option("--tx-port", o.tx_port, "DPDK port (id or name) to send on");
    app.add_option("--descriptors", o.descriptors,
                   "RX and TX descriptors per queue (net_af_xdp: its ring sizes), 64..16384")
        ->check(CLI::Range(64, 16384));
    app.add_option("--rx-port", o.rx_port, "DPDK port to receive on (default: the TX port)");
    app.add_option("--backend", o.backend, "SRTP backend: ipsecmb | libsrtp2");
    app.add_flag("--json", o.json, "JSON lines on stdout (the table goes to stderr)");
    app.add_option("--plot", o.plot_dir, "write gnuplot PNGs (throughput vs flows, latency CDF)");
    try {
        app.parse(static_cast<int>(own.size()), own.data());
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }

    Scenario sc;
    if (!o.scenario_file.empty()) {
        auto s = load_scenario(o.scenario_file);
        if (!s) {
            std::cerr << "error: " << s.error() << '\n';
            return 1;
        }
        sc = *s;
    } else {
        auto s = parse_scenario(ipv6 ? "[streams]\nip_version = 6\n" : "");
        sc = *s;
    }
    if (flows) sc.flows = flows;
    if (!profile.empty()) {
        auto s = parse_scenario("[streams]\nprofile = \"" + profile + "\"\n");
        if (!s) {
            std::cerr << "error: " << s.error() << '\n';
            return 2;
        }
        sc.profile = s->profile;
    }
    if (!search.empty()) sc.search = search;
    for (auto [text, target] :
         {std::pair{&srtp_in, &sc.srtp_in}, std::pair{&srtp_out, &sc.srtp_out}}) {
        if (text->empty()) continue;
        if (*text == "none") {
            target->reset();
            continue;
        }
        auto suite = rtpx::rtp::srtp::suite_from_name(*text);
        if (!suite) {
            std::cerr << "error: unknown SRTP suite " << *text << '\n';
            return 2;
        }
        *target = *suite;
    }
    if (rate > 0) sc.rate_pps = rate;
    if (duration > 0) sc.duration_s = duration;
    if (max_rate > 0) sc.max_rate_pps = max_rate;
    if (min_rate > 0) sc.min_rate_pps = min_rate;
    if (resolution > 0) sc.resolution_pps = resolution;
    if (pdr_loss >= 0) sc.pdr_loss = pdr_loss;
    if (burst > 0) sc.burst = std::min(burst, 64U);
    if (twcc >= 0) sc.transport_cc_id = static_cast<std::uint8_t>(twcc);
    if (rtcp_every >= 0) sc.rtcp_every = static_cast<std::uint32_t>(rtcp_every);
    if (no_csum) sc.udp_checksum = false;

    std::vector<rtpx::flowapi::FlowSpec> dut_flows;
    if (!o.dut_flows.empty()) {
        std::ifstream in(o.dut_flows);
        std::stringstream text;
        text << in.rdbuf();
        auto parsed = rtpx::flowapi::flows_from_json_text(text.str());
        if (!in || !parsed) {
            std::cerr << "error: " << o.dut_flows << ": "
                      << (parsed ? std::string("cannot read") : parsed.error()) << '\n';
            return 1;
        }
        dut_flows = std::move(*parsed);
        if (!o.flows_sweep.empty() || (flows != 0 && flows != dut_flows.size())) {
            std::cerr << "error: --dut-flows sets the stream count (" << dut_flows.size()
                      << "): no --flows-sweep, and --flows must agree\n";
            return 2;
        }
        sc.flows = dut_flows.size();
    }

    if (!o.write_flows.empty()) {
        std::ofstream out(o.write_flows);
        out << make_flows_json(sc).dump(1) << '\n';
        if (!out) {
            std::cerr << "error: cannot write " << o.write_flows << '\n';
            return 1;
        }
        std::cerr << "wrote " << sc.flows << " flows to " << o.write_flows << '\n';
        return 0;
    }

    // EAL: defaults for a self-test on one net_ring vdev without hugepages.
    std::vector<std::string> eal = {"rtpx-bench"};
    if (o.eal.empty()) {
        o.loopback = true;
        eal.insert(eal.end(), {"--no-huge", "--no-shconf", "-m", "1024", "--no-pci", "-l", "0",
                               "--log-level", "error", "--no-telemetry", "--vdev", "net_ring0",
                               "--file-prefix=rtpx-bench-" + std::to_string(::getpid())});
    } else {
        eal.insert(eal.end(), o.eal.begin(), o.eal.end());
    }
    std::vector<char*> eal_argv;
    for (auto& a : eal) eal_argv.push_back(a.data());
    if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0) {
        std::cerr << "error: EAL init failed\n";
        return 1;
    }
    int status = 0;
    {
        rte_mempool* pool =
            rte_pktmbuf_pool_create("bench_pool", 16383, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                    static_cast<int>(rte_socket_id()));
        if (pool == nullptr) {
            std::cerr << "error: mbuf pool\n";
            rte_eal_cleanup();
            return 1;
        }
        const std::uint16_t tx_port = port_by_name_or_id(o.tx_port);
        const std::uint16_t rx_port = o.rx_port.empty() ? tx_port : port_by_name_or_id(o.rx_port);
        auto r = setup_port(tx_port, pool, o.descriptors, o.descriptors);
        if (r && rx_port != tx_port) r = setup_port(rx_port, pool, o.descriptors, o.descriptors);
        if (!r) {
            std::cerr << "error: " << r.error() << '\n';
            rte_eal_cleanup();
            return 1;
        }
        const auto backend = o.backend == "libsrtp2" ? rtpx::rtp::srtp::BackendKind::kLibSrtp2
                                                     : rtpx::rtp::srtp::BackendKind::kIpsecMb;
        std::vector<FlowsPoint> points;
        std::vector<std::pair<std::size_t, LatencyHistogram>> cdfs;
        nlohmann::json summaries = nlohmann::json::array();
        bool header_done = false;
        for (std::size_t n_flows : parse_sweep(o.flows_sweep, sc.flows)) {
            Scenario s = sc;
            s.flows = n_flows;
            auto streams = make_streams(s);
            auto returns = make_returns(s, o.loopback);
            if (!streams || !returns) {
                std::cerr << "error: " << (streams ? returns.error() : streams.error()) << '\n';
                status = 1;
                break;
            }
            if (!dut_flows.empty()) {
                if (auto applied = apply_dut_flows(dut_flows, *streams, *returns); !applied) {
                    std::cerr << "error: " << o.dut_flows << ": " << applied.error() << '\n';
                    status = 1;
                    break;
                }
                if (o.loopback) {  // frames come back as sent: to where they were sent
                    for (std::size_t i = 0; i < n_flows; ++i) {
                        (*returns)[i].dst = (*streams)[i].endpoints.dst;
                        (*returns)[i].dst_port = (*streams)[i].endpoints.dst_port;
                    }
                }
            }
            auto gen = Generator::create(std::move(*streams), backend);
            if (!gen) {
                std::cerr << "error: " << gen.error().what << '\n';
                status = 1;
                break;
            }
            auto rx = Receiver::create(n_flows, *returns, backend);
            if (!rx) {
                std::cerr << "error: " << rx.error().what << '\n';
                status = 1;
                break;
            }
            Engine engine(**gen, **rx,
                          EngineConfig{tx_port, rx_port, 0, 0, pool, s.burst, min_burst});
            if (!header_done) {
                emit(o, nullptr, table_header());
                header_done = true;
            }
            // Warm-up: a short trial at a low rate primes SRTP contexts and ARP-free paths.
            (void)engine.run_trial(std::min(s.min_rate_pps, 10000.0), 0.05, 0.05);
            bool any_limited = false;
            auto trial = [&](const std::string& phase, double tolerance) {
                return [&, phase, tolerance](double pps) {
                    TrialStats t = engine.run_trial(pps, s.duration_s, s.drain_s);
                    // A trial in which the generator could not offer the rate measures the
                    // generator, not the DUT: it fails, and the summary says so.
                    const bool limited = generator_limited(t);
                    if (limited) any_limited = true;
                    const bool pass = !limited && trial_passes(t.outcome, tolerance);
                    auto j = trial_json(t, phase, n_flows, pass);
                    j["generator_limited"] = limited;
                    emit(o, j, table_row(t, phase, n_flows, pass));
                    TrialOutcome out = t.outcome;
                    if (limited) out.received = 0;
                    return out;
                };
            };
            nlohmann::json summary{{"type", "summary"}, {"scenario", s.name}, {"flows", n_flows}};
            double ndr = -1, pdr = -1;
            if (s.search == "none") {
                TrialStats t = engine.run_trial(s.rate_pps, s.duration_s, s.drain_s);
                const bool limited = generator_limited(t);
                any_limited = limited;
                const bool pass = !limited && trial_passes(t.outcome, 0);
                auto j = trial_json(t, "fixed", n_flows, pass);
                j["generator_limited"] = limited;
                emit(o, j, table_row(t, "fixed", n_flows, pass));
                summary["offered_pps"] = s.rate_pps;
                summary["tx_pps"] = t.tx_pps;
                summary["rx_pps"] = t.rx_pps;
                summary["loss_ratio"] = t.outcome.loss_ratio();
                summary["latency_ns"] = latency_json(t.latency);
                summary["jitter_ns"] = {{"mean", t.jitter_mean_ns}, {"max", t.jitter_max_ns}};
                cdfs.emplace_back(n_flows, t.latency);
            } else {
                SearchParams p{s.min_rate_pps, s.max_rate_pps, s.resolution_pps, 0.0, 40};
                if (s.search == "ndr" || s.search == "ndr+pdr") {
                    auto res = binary_search(p, trial("ndr", 0.0));
                    ndr = res.found ? res.rate_pps : 0;
                    summary["ndr_pps"] = ndr;
                    summary["ndr_trials"] = res.steps.size();
                }
                if (s.search == "pdr" || s.search == "ndr+pdr") {
                    p.loss_tolerance = s.pdr_loss;
                    if (ndr > 0) p.min_rate_pps = std::max(p.min_rate_pps, ndr);
                    auto res = binary_search(p, trial("pdr", s.pdr_loss));
                    pdr = res.found ? res.rate_pps : 0;
                    summary["pdr_pps"] = pdr;
                    summary["pdr_loss"] = s.pdr_loss;
                    summary["pdr_trials"] = res.steps.size();
                }
                // RFC 8219 section 7.2/7.3: latency at the throughput rate; typical latency is the
                // median, worst case the 99.9th percentile, PDV the 99.9th percentile minus the
                // minimum. Over several trials, the median of each.
                const double at = ndr > 0 ? ndr : pdr;
                if (at > 0 && s.latency_trials > 0) {
                    std::vector<double> tl, wcl, pdv;
                    LatencyHistogram all;
                    for (unsigned k = 0; k < s.latency_trials; ++k) {
                        TrialStats t = engine.run_trial(at, s.duration_s, s.drain_s);
                        emit(o, trial_json(t, "latency", n_flows, trial_passes(t.outcome, 0)),
                             table_row(t, "latency", n_flows, trial_passes(t.outcome, 0)));
                        tl.push_back(static_cast<double>(t.latency.percentile(0.5)));
                        wcl.push_back(static_cast<double>(t.latency.percentile(0.999)));
                        pdv.push_back(
                            static_cast<double>(t.latency.percentile(0.999) - t.latency.min()));
                        all.merge(t.latency);
                    }
                    auto median = [](std::vector<double> v) {
                        std::sort(v.begin(), v.end());
                        return v[v.size() / 2];
                    };
                    summary["latency_at_rate_pps"] = at;
                    summary["typical_latency_ns"] = median(tl);
                    summary["worst_case_latency_ns"] = median(wcl);
                    summary["pdv_ns"] = median(pdv);
                    summary["latency_ns"] = latency_json(all);
                    cdfs.emplace_back(n_flows, all);
                }
            }
            summary["generator_limited"] = any_limited;
            summary["generator_rtp_packets"] = (*gen)->counters().rtp_packets;
            summary["srtp_protect_failures"] = (*gen)->counters().srtp_failures;
            summary["mbuf_exhausted"] = engine.counters().mbuf_exhausted;
            points.push_back({n_flows, ndr, pdr});
            summaries.push_back(summary);
            if (o.json) {
                std::cout << summary.dump() << '\n' << std::flush;
            } else {
                std::cout << "summary: " << summary.dump() << '\n' << std::flush;
            }
        }
        if (status == 0 && !o.plot_dir.empty()) {
            if (auto pr = write_plots(o.plot_dir, points, cdfs); !pr) {
                std::cerr << "error: " << pr.error() << '\n';
                status = 1;
            } else {
                std::cerr << "plots written to " << o.plot_dir << '\n';
            }
        }
        (void)rte_eth_dev_stop(tx_port);
        if (rx_port != tx_port) (void)rte_eth_dev_stop(rx_port);
        rte_mempool_free(pool);
    }
    const std::string runtime_dir = rte_eal_get_runtime_dir();
    rte_eal_cleanup();
    (void)::rmdir(runtime_dir.c_str());
    return status;
}
