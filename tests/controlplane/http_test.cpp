// /metrics and /calls: the Prometheus text carries the families the issue names; /calls is a JSON
// array of the published snapshot; the server answers from its own thread.
#include <httplib.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "rtpx/cp/http_server.hpp"

namespace rtpx::cp {
namespace {

B2buaSnapshot sample() {
    B2buaSnapshot s;
    s.counters.calls_total = 12;
    s.counters.calls_rejected_overload = 3;
    s.sip.responses_sent[2] = 20;
    s.sip.responses_sent[5] = 3;
    s.calls_per_second = 4;
    CallInfo c;
    c.id = 7;
    c.a_call_id = "abc@alice";
    c.b_call_id = "def@rtpx";
    c.from = "<sip:alice@a>;tag=1";
    c.to = "<sip:bob@b>";
    c.state = CallState::kConfirmed;
    c.route = "to-bob";
    s.calls.push_back(c);
    return s;
}

TEST(Metrics, PrometheusTextHasEveryFamily) {
    MediaTotals m;
    m.ok = true;
    m.flows = 4;
    m.rx_packets = 1000;
    m.drops[static_cast<std::size_t>(flowapi::DropReason::kNoFlow)] = 5;
    m.srtp_failures = 2;
    std::string t = metrics_text(sample(), m);
    for (const char* line :
         {"rtpx_calls_active 1\n", "rtpx_calls_total 12\n", "rtpx_calls_per_second 4\n",
          "rtpx_sip_responses_sent_total{class=\"2xx\"} 20\n",
          "rtpx_sip_responses_sent_total{class=\"5xx\"} 3\n",
          "rtpx_calls_rejected_total{reason=\"overload\"} 3\n", "rtpx_flows 4\n",
          "rtpx_dataplane_packets_total{direction=\"rx\"} 1000\n",
          "rtpx_dataplane_drops_total{reason=\"no_flow\"} 5\n", "rtpx_srtp_failures_total 2\n",
          "# TYPE rtpx_calls_total counter\n", "# TYPE rtpx_calls_active gauge\n",
          "rtpx_dataplane_up 1\n"}) {
        EXPECT_NE(t.find(line), std::string::npos) << line;
    }
}

TEST(Metrics, CallsJsonListsActiveCalls) {
    auto j = nlohmann::json::parse(calls_json(sample()));
    ASSERT_TRUE(j.is_array());
    ASSERT_EQ(j.size(), 1u);
    EXPECT_EQ(j[0]["call_id"], "abc@alice");
    EXPECT_EQ(j[0]["b_call_id"], "def@rtpx");
    EXPECT_EQ(j[0]["state"], "confirmed");
    EXPECT_EQ(j[0]["route"], "to-bob");
}

TEST(HttpServer, ServesThePublishedSnapshot) {
    HttpServer server("127.0.0.1:0", {});
    ASSERT_TRUE(server.start());
    server.publish(sample());
    httplib::Client client("127.0.0.1", server.port());
    auto calls = client.Get("/calls");
    ASSERT_TRUE(calls);
    EXPECT_EQ(calls->status, 200);
    EXPECT_EQ(nlohmann::json::parse(calls->body).size(), 1u);
    auto metrics = client.Get("/metrics");
    ASSERT_TRUE(metrics);
    EXPECT_NE(metrics->body.find("rtpx_calls_total 12"), std::string::npos);
    EXPECT_NE(metrics->body.find("rtpx_dataplane_up 0"), std::string::npos);  // none configured
    EXPECT_EQ(client.Get("/nope")->status, 404);
    server.stop();
}

}  // namespace
}  // namespace rtpx::cp
