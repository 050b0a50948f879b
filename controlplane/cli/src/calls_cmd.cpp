// `rtpx calls [--http ADDR] [--json]`: the active calls of a running rtpx-controlplane, from its
// HTTP endpoint GET /calls. A table by default; --json prints the endpoint's JSON array as is.
#include <httplib.h>

#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "rtpx/sip/transport/address.hpp"

namespace rtpx::cli {

namespace {

struct CallsOptions {
    std::string http = "127.0.0.1:9780";
    bool json = false;
};

int list_calls(const CallsOptions& o, std::ostream& out, std::ostream& err) {
    auto addr = sip::SockAddr::parse(o.http, 9780);
    if (!addr) {
        err << "error: --http " << o.http << ": not a numeric address[:port]\n";
        return 2;
    }
    std::string host = addr->host_string();
    int port = addr->port();
    httplib::Client client(host, port);
    client.set_connection_timeout(2);
    client.set_read_timeout(5);
    auto res = client.Get("/calls");
    if (!res) {
        err << "error: GET http://" << o.http << "/calls: " << httplib::to_string(res.error())
            << '\n';
        return 1;
    }
    if (res->status != 200) {
        err << "error: GET http://" << o.http << "/calls: HTTP " << res->status << '\n';
        return 1;
    }
    auto calls = nlohmann::json::parse(res->body, nullptr, false);
    if (calls.is_discarded() || !calls.is_array()) {
        err << "error: /calls did not return a JSON array\n";
        return 1;
    }
    if (o.json) {
        out << calls.dump() << '\n';
        return 0;
    }
    out << std::left << std::setw(6) << "ID" << std::setw(10) << "STATE" << std::setw(10)
        << "DURATION" << std::setw(12) << "ROUTE" << std::setw(36) << "CALL-ID"
        << "FROM -> TO\n";
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    for (const auto& c : calls) {
        std::int64_t since = c.value("answer_ms", std::int64_t{0});
        if (since == 0) since = c.value("start_ms", now_ms);
        std::ostringstream dur;
        dur << (now_ms - since) / 1000 << "s";
        out << std::left << std::setw(6) << c.value("id", 0) << std::setw(10)
            << c.value("state", "") << std::setw(10) << dur.str() << std::setw(12)
            << c.value("route", "") << std::setw(36) << c.value("call_id", "")
            << c.value("from", "") << " -> " << c.value("to", "") << '\n';
    }
    out << calls.size() << " active call" << (calls.size() == 1 ? "" : "s") << '\n';
    return 0;
}

}  // namespace

void add_calls_command(CLI::App& app, int& status) {
    auto opts = std::make_shared<CallsOptions>();
    auto* cmd = app.add_subcommand("calls", "list the active calls of a running rtpx-controlplane");
    cmd->add_option("--http", opts->http, "its HTTP address (config [http] listen)")
        ->capture_default_str();
    cmd->add_flag("--json", opts->json, "print GET /calls as JSON");
    cmd->final_callback([opts, &status] { status = list_calls(*opts, std::cout, std::cerr); });
}

}  // namespace rtpx::cli
