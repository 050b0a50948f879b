// rtpx-dataplane --config FILE [--flows FLOWS.json] [-- EAL args]
//
// Exit status: 0 after a clean shutdown (SIGTERM/SIGINT), 1 when the configuration, the flows file
// or the EAL/ports fail, 2 for usage errors.
#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "rtpx/dataplane/config.hpp"
#include "rtpx/dataplane/dataplane.hpp"
#include "rtpx/flowapi/json.hpp"

namespace {

std::atomic<bool> g_stop{false};

void on_signal(int) {
    g_stop.store(true);
}

int usage(const char* what) {
    std::cerr << "error: " << what << "\n"
              << "usage: rtpx-dataplane --config FILE [--flows FLOWS.json] [-- EAL args]\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::string config_path;
    std::string flows_path;
    std::vector<std::string> eal;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--") {
            for (++i; i < argc; ++i) eal.emplace_back(argv[i]);
            break;
        }
        if (a == "-h" || a == "--help") {
            std::cout << "usage: rtpx-dataplane --config FILE [--flows FLOWS.json] [-- EAL args]\n";
            return 0;
        }
        if ((a == "--config" || a == "--flows") && i + 1 < argc) {
            (a == "--config" ? config_path : flows_path) = argv[++i];
            continue;
        }
        return usage(("unknown or incomplete argument: " + a).c_str());
    }
    if (config_path.empty()) return usage("--config is required");

    auto config = rtpx::dataplane::load_config(config_path);
    if (!config) {
        std::cerr << "error: " << config.error() << '\n';
        return 1;
    }
    rtpx::flowapi::Batch flows;
    if (!flows_path.empty()) {
        std::ifstream in(flows_path);
        if (!in) {
            std::cerr << "error: " << flows_path << ": cannot open\n";
            return 1;
        }
        std::stringstream text;
        text << in.rdbuf();
        auto parsed = rtpx::flowapi::flows_from_json_text(text.str());
        if (!parsed) {
            std::cerr << "error: " << flows_path << ": " << parsed.error() << '\n';
            return 1;
        }
        for (auto& f : *parsed) flows.ops.push_back({rtpx::flowapi::OpKind::kAdd, std::move(f)});
    }

    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);
    auto dp = rtpx::dataplane::Dataplane::start(*config, eal, argv[0], flows);
    if (!dp) {
        std::cerr << "error: " << dp.error() << '\n';
        return 1;
    }
    std::cerr << "rtpx-dataplane: " << (*dp)->placement() << '\n';
    if (!flows.ops.empty()) {
        std::cerr << "rtpx-dataplane: " << flows.ops.size() << " static flows from " << flows_path
                  << '\n';
    }
    std::cerr << "rtpx-dataplane: serving the flow API on " << config->control_socket << '\n';
    auto served = (*dp)->run(g_stop);
    dp->reset();  // workers, ports, EAL cleanup
    if (!served) {
        std::cerr << "error: " << served.error() << '\n';
        return 1;
    }
    std::cerr << "rtpx-dataplane: stopped\n";
    return 0;
}
