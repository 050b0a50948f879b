#include "rtpx/cp/http_server.hpp"

#include <httplib.h>

#include <sstream>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "rtpx/flowapi/client.hpp"
#include "rtpx/sip/transport/address.hpp"

namespace rtpx::cp {

namespace {

void metric(std::ostringstream& os, std::string_view name, std::string_view type,
            std::string_view help) {
    os << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
}

}  // namespace

std::string metrics_text(const B2buaSnapshot& s, const MediaTotals& m) {
    std::ostringstream os;
    metric(os, "rtpx_calls_active", "gauge", "Calls in progress (ringing or answered).");
    os << "rtpx_calls_active " << s.calls.size() << '\n';
    metric(os, "rtpx_calls_total", "counter", "Calls set up (INVITEs that became calls).");
    os << "rtpx_calls_total " << s.counters.calls_total << '\n';
    metric(os, "rtpx_calls_answered_total", "counter",
           "Calls answered (200 OK sent to the caller).");
    os << "rtpx_calls_answered_total " << s.counters.calls_answered << '\n';
    metric(os, "rtpx_calls_failed_total", "counter",
           "Calls that ended unanswered (not cancelled).");
    os << "rtpx_calls_failed_total " << s.counters.calls_failed << '\n';
    metric(os, "rtpx_calls_cancelled_total", "counter", "Calls cancelled by the caller.");
    os << "rtpx_calls_cancelled_total " << s.counters.calls_cancelled << '\n';
    metric(os, "rtpx_calls_rejected_total", "counter", "New calls refused, by reason.");
    os << "rtpx_calls_rejected_total{reason=\"overload\"} " << s.counters.calls_rejected_overload
       << "\nrtpx_calls_rejected_total{reason=\"no_route\"} " << s.counters.calls_rejected_no_route
       << "\nrtpx_calls_rejected_total{reason=\"media\"} " << s.counters.calls_rejected_media
       << '\n';
    metric(os, "rtpx_calls_per_second", "gauge", "New calls in the last full second.");
    os << "rtpx_calls_per_second " << s.calls_per_second << '\n';
    metric(os, "rtpx_sip_responses_sent_total", "counter", "SIP responses sent, by class.");
    for (int c = 1; c <= 6; ++c)
        os << "rtpx_sip_responses_sent_total{class=\"" << c << "xx\"} " << s.sip.responses_sent[c]
           << '\n';
    metric(os, "rtpx_sip_requests_sent_total", "counter", "SIP requests sent.");
    os << "rtpx_sip_requests_sent_total " << s.sip.requests_sent << '\n';
    metric(os, "rtpx_sip_messages_received_total", "counter", "SIP messages received, by kind.");
    os << "rtpx_sip_messages_received_total{kind=\"request\"} " << s.sip.requests_received
       << "\nrtpx_sip_messages_received_total{kind=\"response\"} " << s.sip.responses_received
       << '\n';
    metric(os, "rtpx_sip_dropped_total", "counter",
           "SIP input dropped by the transports, by reason.");
    os << "rtpx_sip_dropped_total{reason=\"unparseable_request\"} "
       << s.transport.dropped_unparseable_requests
       << "\nrtpx_sip_dropped_total{reason=\"unparseable_response\"} "
       << s.transport.dropped_unparseable_responses
       << "\nrtpx_sip_dropped_total{reason=\"not_sip\"} " << s.transport.dropped_not_sip << '\n';
    metric(os, "rtpx_sip_requests_rejected_total", "counter",
           "Requests answered with a validation error (400, 416, 420, 483, 501, 505...).");
    os << "rtpx_sip_requests_rejected_total " << s.counters.requests_rejected << '\n';
    metric(os, "rtpx_sip_send_failures_total", "counter", "SIP sends that failed.");
    os << "rtpx_sip_send_failures_total " << s.sip.send_failures << '\n';
    metric(os, "rtpx_dataplane_up", "gauge", "1 when every data plane answered the last query.");
    os << "rtpx_dataplane_up " << (m.ok ? 1 : 0) << '\n';
    metric(os, "rtpx_flows", "gauge", "Flows (one direction of one stream) on the data planes.");
    os << "rtpx_flows " << m.flows << '\n';
    metric(os, "rtpx_dataplane_packets_total", "counter", "Data-plane packets, by direction.");
    os << "rtpx_dataplane_packets_total{direction=\"rx\"} " << m.rx_packets
       << "\nrtpx_dataplane_packets_total{direction=\"tx\"} " << m.tx_packets << '\n';
    metric(os, "rtpx_dataplane_drops_total", "counter", "Data-plane packets dropped, by reason.");
    for (std::size_t i = 0; i < flowapi::kDropReasonCount; ++i)
        os << "rtpx_dataplane_drops_total{reason=\"" << flowapi::kDropReasons[i].name << "\"} "
           << m.drops[i] << '\n';
    metric(os, "rtpx_srtp_failures_total", "counter",
           "SRTP/SRTCP authentication or replay failures on the data planes.");
    os << "rtpx_srtp_failures_total " << m.srtp_failures << '\n';
    return os.str();
}

std::string calls_json(const B2buaSnapshot& s) {
    nlohmann::json arr = nlohmann::json::array();
    for (const CallInfo& c : s.calls) {
        arr.push_back({{"id", c.id},
                       {"call_id", c.a_call_id},
                       {"b_call_id", c.b_call_id},
                       {"from", c.from},
                       {"to", c.to},
                       {"state", std::string(to_string(c.state))},
                       {"route", c.route},
                       {"start_ms", c.start_unix_ms},
                       {"answer_ms", c.answer_unix_ms}});
    }
    return arr.dump();
}

HttpServer::HttpServer(std::string listen, std::vector<std::string> dataplane_sockets)
    : listen_(std::move(listen)), sockets_(std::move(dataplane_sockets)) {}

HttpServer::~HttpServer() {
    stop();
}

MediaTotals HttpServer::query_dataplanes() {
    std::lock_guard lock(dp_mutex_);
    MediaTotals t;
    t.ok = !sockets_.empty();
    for (const auto& socket : sockets_) {
        auto client = flowapi::Client::connect(socket, "rtpx-controlplane-http",
                                               std::chrono::milliseconds(500));
        if (!client) {
            t.ok = false;
            continue;
        }
        auto st = client->stats();
        if (!st) {
            t.ok = false;
            continue;
        }
        t.flows += st->flows.size();
        t.rx_packets += st->totals.rx_packets;
        t.tx_packets += st->totals.tx_packets;
        for (std::size_t i = 0; i < flowapi::kDropReasonCount; ++i)
            t.drops[i] += st->totals.drops[i];
        t.srtp_failures +=
            st->totals.drops[static_cast<std::size_t>(flowapi::DropReason::kSrtpAuth)];
    }
    return t;
}

tl::expected<void, std::string> HttpServer::start() {
    auto addr = sip::SockAddr::parse(listen_, 9780);
    if (!addr) return tl::unexpected("http: bad listen address " + listen_);
    server_ = std::make_unique<httplib::Server>();
    server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
        B2buaSnapshot s;
        {
            std::lock_guard lock(mutex_);
            s = snapshot_;
        }
        res.set_content(metrics_text(s, query_dataplanes()), "text/plain; version=0.0.4");
    });
    server_->Get("/calls", [this](const httplib::Request&, httplib::Response& res) {
        std::lock_guard lock(mutex_);
        res.set_content(calls_json(snapshot_), "application/json");
    });
    if (addr->port() == 0) {
        port_ = server_->bind_to_any_port(addr->host_string());
        if (port_ <= 0) return tl::unexpected("http: cannot listen on " + listen_);
    } else {
        if (!server_->bind_to_port(addr->host_string(), addr->port()))
            return tl::unexpected("http: cannot listen on " + listen_);
        port_ = addr->port();
    }
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    spdlog::info("http: listening on {} (/metrics, /calls)", listen_);
    return {};
}

void HttpServer::stop() {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
}

void HttpServer::publish(B2buaSnapshot snapshot) {
    std::lock_guard lock(mutex_);
    snapshot_ = std::move(snapshot);
}

}  // namespace rtpx::cp
