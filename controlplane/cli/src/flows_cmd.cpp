#include "flows_cmd.hpp"

#include <chrono>
#include <iostream>
#include <map>
#include <memory>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "input.hpp"
#include "rtpx/flowapi/client.hpp"
#include "rtpx/flowapi/json.hpp"

namespace rtpx::cli {

namespace {

int fail(std::ostream& err, const std::string& what) {
    err << "error: " << what << '\n';
    return 1;
}

std::uint64_t total_drops(const flowapi::FlowCounters& c) {
    std::uint64_t n = 0;
    for (auto d : c.drops) n += d;
    return n;
}

}  // namespace

int list_flows(const std::string& socket, bool json, std::ostream& out, std::ostream& err) {
    auto client = flowapi::Client::connect(socket, "rtpx flows");
    if (!client) return fail(err, client.error());
    auto specs = client->dump();
    if (!specs) return fail(err, specs.error());
    auto stats = client->stats();
    if (!stats) return fail(err, stats.error());
    std::map<std::string, const flowapi::FlowStats*> by_key;
    for (const auto& s : stats->flows) by_key[flowapi::to_string(s.key)] = &s;
    if (json) {
        nlohmann::json flows = nlohmann::json::array();
        for (const auto& spec : specs->flows) {
            nlohmann::json j = flowapi::to_json(spec);
            if (auto it = by_key.find(flowapi::to_string(spec.local)); it != by_key.end()) {
                j["stats"] = flowapi::to_json(*it->second);
            }
            flows.push_back(std::move(j));
        }
        out << nlohmann::json{{"flows", flows}}.dump() << '\n';
        return 0;
    }
    for (const auto& spec : specs->flows) {
        out << flowapi::to_string(spec.local) << " -> " << flowapi::to_string(spec.egress_source)
            << " => " << flowapi::to_string(spec.egress_destination)
            << " latching=" << flowapi::to_string(spec.latching);
        if (auto it = by_key.find(flowapi::to_string(spec.local)); it != by_key.end()) {
            const auto& c = it->second->counters;
            out << " packets=" << c.packets << " bytes=" << c.bytes << " drops=" << total_drops(c);
        }
        out << '\n';
    }
    return 0;
}

int change_flows(const std::string& socket, const std::string& file, bool del, std::ostream& out,
                 std::ostream& err) {
    auto text = read_file(file);
    if (!text) return fail(err, file + ": " + text.error().what);
    auto flows = flowapi::flows_from_json_text(*text, del);
    if (!flows) return fail(err, file + ": " + flows.error());
    flowapi::Batch batch;
    for (auto& f : *flows) {
        batch.ops.push_back({del ? flowapi::OpKind::kDelete : flowapi::OpKind::kAdd, std::move(f)});
    }
    auto client = flowapi::Client::connect(socket, "rtpx flow");
    if (!client) return fail(err, client.error());
    auto reply = client->apply(batch);
    if (!reply) return fail(err, reply.error());
    if (!reply->ok) return fail(err, "rejected, nothing applied: " + reply->error);
    out << (del ? "deleted " : "added ") << reply->applied
        << (reply->applied == 1 ? " flow\n" : " flows\n");
    return 0;
}

int show_stats(const std::string& socket, bool json, std::ostream& out, std::ostream& err) {
    auto client = flowapi::Client::connect(socket, "rtpx stats");
    if (!client) return fail(err, client.error());
    auto stats = client->stats({});
    if (!stats) return fail(err, stats.error());
    if (json) {
        nlohmann::json j = flowapi::to_json(stats->totals);
        j["flows"] = stats->flows.size();
        out << j.dump() << '\n';
        return 0;
    }
    out << "rx_packets " << stats->totals.rx_packets << '\n'
        << "tx_packets " << stats->totals.tx_packets << '\n'
        << "flows " << stats->flows.size() << '\n';
    for (std::size_t i = 0; i < flowapi::kDropReasonCount; ++i) {
        out << "drop." << flowapi::kDropReasons[i].name << ' ' << stats->totals.drops[i] << '\n';
    }
    return 0;
}

int watch_events(const std::string& socket, std::uint64_t count, double timeout_s,
                 std::ostream& out, std::ostream& err) {
    auto client = flowapi::Client::connect(socket, "rtpx events");
    if (!client) return fail(err, client.error());
    if (auto ok = client->subscribe(); !ok) return fail(err, ok.error());
    using Clock = std::chrono::steady_clock;
    const auto deadline =
        Clock::now() + std::chrono::milliseconds(static_cast<std::int64_t>(timeout_s * 1000));
    std::uint64_t seen = 0;
    while (count == 0 || seen < count) {
        auto wait = std::chrono::milliseconds(500);
        if (timeout_s > 0) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
            if (left.count() <= 0) break;
            wait = std::min(wait, left);
        }
        auto events = client->next_events(wait);
        if (!events) return fail(err, events.error());
        for (const auto& e : events->events) {
            out << flowapi::to_json(e).dump() << std::endl;
            if (count != 0 && ++seen == count) break;
        }
    }
    return 0;
}

void add_flow_commands(CLI::App& app, int& status) {
    struct Options {
        std::string socket = kDefaultDataplaneSocket;
        bool json = false;
        std::string file;
        std::uint64_t count = 0;
        double timeout_s = 0;
    };
    auto opts = std::make_shared<Options>();
    auto add_socket = [opts](CLI::App* cmd) {
        cmd->add_option("--dataplane", opts->socket, "the data plane's control socket")
            ->capture_default_str();
    };

    auto* flows = app.add_subcommand("flows", "list the flows of a running rtpx-dataplane");
    add_socket(flows);
    flows->add_flag("--json", opts->json, "JSON output");
    flows->final_callback(
        [opts, &status] { status = list_flows(opts->socket, opts->json, std::cout, std::cerr); });

    auto* flow =
        app.add_subcommand("flow", "add or delete flows (all or nothing) from a JSON file");
    flow->require_subcommand(1);
    for (const bool del : {false, true}) {
        auto* cmd = flow->add_subcommand(del ? "del" : "add",
                                         del ? "delete the flows a JSON file names (by \"local\")"
                                             : "add the flows of a JSON file");
        cmd->add_option("FILE.json", opts->file, "flows file (README: flow JSON format)")
            ->required();
        add_socket(cmd);
        cmd->final_callback([opts, &status, del] {
            status = change_flows(opts->socket, opts->file, del, std::cout, std::cerr);
        });
    }

    auto* stats = app.add_subcommand("stats", "data plane totals: packets and drops by reason");
    add_socket(stats);
    stats->add_flag("--json", opts->json, "JSON output");
    stats->final_callback(
        [opts, &status] { status = show_stats(opts->socket, opts->json, std::cout, std::cerr); });

    auto* events = app.add_subcommand(
        "events",
        "print the data plane's flow events as JSON lines (inactivity, ssrc_change, "
        "latched, srtp_failures)");
    add_socket(events);
    events->add_option("--count", opts->count, "stop after this many events (0: no limit)")
        ->capture_default_str();
    events->add_option("--timeout", opts->timeout_s, "stop after this many seconds (0: never)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    events->final_callback([opts, &status] {
        status = watch_events(opts->socket, opts->count, opts->timeout_s, std::cout, std::cerr);
    });
}

}  // namespace rtpx::cli
