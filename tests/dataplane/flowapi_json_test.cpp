// The JSON form of flows: the documented example parses to the expected spec, specs survive
// spec -> JSON -> spec, and every error names the element and key.
#include "rtpx/flowapi/json.hpp"

#include <gtest/gtest.h>

namespace rtpx::flowapi {
namespace {

constexpr const char* kExample = R"({
  "flows": [
    {
      "local": "192.0.2.1:30000",
      "remote": "198.51.100.7:4000",
      "latching": "strict",
      "egress_source": "203.0.113.1:30002",
      "egress_destination": "203.0.113.50:5004",
      "next_hop_mac": "02:00:00:00:00:01",
      "srtp_egress": {"suite": "AES_CM_128_HMAC_SHA1_80",
                      "master_key": "e1f97a0d3e018be0d64fa32c06de4139",
                      "master_salt": "0ec675ad498afeebb6960b3aabe6"},
      "pt_map": {"96": 101},
      "extension_map": {"1": 3, "5": 0},
      "rewrite_ssrc": 305419896,
      "seq_offset": 100,
      "rtcp_mode": "terminate",
      "transport_cc_feedback": true,
      "transport_cc_extension_id": 3,
      "clock_rate": 48000,
      "inactivity_timeout_ms": 30000,
      "cookie": 7
    },
    {"local": "[2001:db8::1]:30004", "egress_source": "[2001:db8::1]:30006",
     "egress_destination": "[2001:db8::9]:5006"}
  ]
})";

TEST(FlowapiJson, ParsesTheDocumentedExample) {
    auto flows = flows_from_json_text(kExample);
    ASSERT_TRUE(flows) << flows.error();
    ASSERT_EQ(flows->size(), 2u);
    const FlowSpec& f = (*flows)[0];
    EXPECT_EQ(to_string(f.local), "192.0.2.1:30000");
    EXPECT_EQ(f.latching, Latching::kStrict);
    EXPECT_EQ(to_string(*f.next_hop_mac), "02:00:00:00:00:01");
    EXPECT_EQ(f.srtp_egress.suite, SrtpSuite::kAesCm128HmacSha1_80);
    EXPECT_EQ(f.srtp_egress.master_key[0], 0xe1);
    EXPECT_EQ(f.srtp_egress.master_salt[13], 0xe6);
    EXPECT_EQ(f.srtp_ingress.suite, SrtpSuite::kNone);
    EXPECT_EQ(f.pt_map[96], 101);
    EXPECT_EQ(f.pt_map[97], 97);
    EXPECT_EQ(f.extension_map[1], 3);
    EXPECT_EQ(f.extension_map[5], 0);
    EXPECT_EQ(f.rewrite_ssrc, 305419896u);
    EXPECT_EQ(f.seq_offset, 100);
    EXPECT_FALSE(f.timestamp_offset);
    EXPECT_EQ(f.clock_rate, 48000u);
    EXPECT_EQ(f.cookie, 7u);
    EXPECT_EQ((*flows)[1].local.address.family, AddressFamily::kIpv6);
}

TEST(FlowapiJson, SpecsSurviveJsonRoundTrip) {
    auto flows = flows_from_json_text(kExample);
    ASSERT_TRUE(flows);
    for (const auto& f : *flows) {
        auto back = flow_from_json(to_json(f), "flow");
        ASSERT_TRUE(back) << back.error();
        EXPECT_EQ(*back, f);
    }
}

// write_json (text without a tree, the control plane's journal) says what to_json says.
TEST(FlowapiJson, WriterMatchesToJson) {
    auto flows = flows_from_json_text(kExample);
    ASSERT_TRUE(flows);
    FlowSpec limited = (*flows)[1];
    limited.rate_limit.packets_per_s = 50;
    limited.rate_limit.burst_packets = 10;
    limited.timestamp_offset = 160;
    flows->push_back(limited);
    for (const auto& f : *flows) {
        std::string text;
        JsonOut out(text);
        write_json(out, f);
        EXPECT_EQ(nlohmann::json::parse(text), to_json(f)) << text;
    }
}

// RFC 8259 section 7: quotation mark, reverse solidus and the control characters are escaped;
// commas separate members and elements at every depth.
TEST(FlowapiJson, JsonOutEscapesAndNests) {
    std::string text;
    JsonOut o(text);
    o.begin_object()
        .member("s", std::string_view("a\"b\\c\r\n\t\x01\x7f\xc3\xa9"))
        .key("list")
        .begin_array()
        .value(1)
        .begin_object()
        .end_object()
        .begin_array()
        .end_array()
        .null()
        .value(-2.5)
        .value(3.0)
        .end_array()
        .member("n", std::uint64_t{18446744073709551615u})
        .member("t", true)
        .end_object();
    EXPECT_EQ(text,
              "{\"s\":\"a\\\"b\\\\c\\r\\n\\t\\u0001\x7f\xc3\xa9\",\"list\":[1,{},[],null,-2.5,"
              "3.0],\"n\":18446744073709551615,\"t\":true}");
    auto j = nlohmann::json::parse(text);
    EXPECT_EQ(j["s"], "a\"b\\c\r\n\t\x01\x7f\u00e9");
    EXPECT_EQ(j["list"].size(), 6u);
}

TEST(FlowapiJson, ErrorsNameElementAndKey) {
    const std::pair<const char*, const char*> cases[] = {
        {R"({"flows":[{"local":"192.0.2.1:1","egress_source":"192.0.2.1:2","egress_destination":"x"}]})",
         "flows[0].egress_destination: not an address:port (IPv6 as [addr]:port)"},
        {R"({"flows":[{"local":"192.0.2.1:1","egress_source":"192.0.2.1:2"}]})",
         "flows[0].egress_destination: required"},
        {R"({"flows":[{"local":"192.0.2.1:1","egress_source":"192.0.2.1:2","egress_destination":"192.0.2.9:3","colour":1}]})",
         "flows[0].colour: unknown key"},
        {R"([{"local":"192.0.2.1:1","egress_source":"192.0.2.1:2","egress_destination":"192.0.2.9:3"},
            {"local":"192.0.2.1:1","egress_source":"192.0.2.1:2","egress_destination":"192.0.2.9:3",
             "srtp_ingress":{"suite":"AES_CM_128_HMAC_SHA1_80","master_key":"00","master_salt":"00"}}])",
         "flows[1].srtp_ingress.master_key: expected 32 hex digits"},
        {R"({"local":"192.0.2.1:1","egress_source":"192.0.2.1:2","egress_destination":"192.0.2.9:3","pt_map":{"128":1}})",
         "flow.pt_map.128: not a valid payload type"},
        {R"({"local":"192.0.2.1:1","egress_source":"192.0.2.1:2","egress_destination":"192.0.2.9:0"})",
         "flow.egress_destination.port: must not be 0"},
        {R"({"local":"192.0.2.1:1","egress_source":"192.0.2.1:2","egress_destination":"192.0.2.9:3","latching":"sometimes"})",
         "flow.latching: expected \"off\", \"learn-once\" or \"strict\""},
        {R"({"local":"192.0.2.1:1","egress_source":"192.0.2.1:2","egress_destination":"192.0.2.9:3","transport_cc_extension_id":256})",
         "flow.transport_cc_extension_id: expected an integer from 0 to 255"},
        {R"({"local":"192.0.2.1:1","egress_source":"192.0.2.1:2","egress_destination":"192.0.2.9:3","transport_cc_feedback":true})",
         "flow.transport_cc_extension_id: transport_cc_feedback needs the extension's ID"},
        {"{", "not valid JSON"},
    };
    for (const auto& [text, message] : cases) {
        auto r = flows_from_json_text(text);
        ASSERT_FALSE(r) << text;
        EXPECT_EQ(r.error(), message);
    }
}

TEST(FlowapiJson, ParsesTransportCcSettingsAndShowsTheEstimateInStats) {
    auto flows = flows_from_json_text(kExample);
    ASSERT_TRUE(flows) << flows.error();
    EXPECT_EQ((*flows)[0].rtcp_mode, RtcpMode::kTerminate);
    EXPECT_TRUE((*flows)[0].transport_cc_feedback);
    EXPECT_EQ((*flows)[0].transport_cc_extension_id, 3);
    EXPECT_EQ((*flows)[1].transport_cc_extension_id, 0);
    FlowStats stats;
    stats.estimated_bitrate_bps = 640'000;
    EXPECT_EQ(to_json(stats)["estimated_bitrate_bps"], 640'000u);
}

TEST(FlowapiJson, ParsesAndPrintsTheRateLimit) {
    const char* text = R"({"local":"192.0.2.1:30000","egress_source":"192.0.2.1:30002",
        "egress_destination":"203.0.113.9:5004",
        "rate_limit":{"packets_per_s":60,"burst_packets":10,"bytes_per_s":16000,"burst_bytes":3200}})";
    auto flows = flows_from_json_text(text);
    ASSERT_TRUE(flows) << flows.error();
    const RateLimit want{60, 10, 16000, 3200};
    EXPECT_EQ((*flows)[0].rate_limit, want);
    const auto j = to_json((*flows)[0]);
    EXPECT_EQ(j["rate_limit"]["packets_per_s"], 60u);
    EXPECT_EQ(j["rate_limit"]["burst_bytes"], 3200u);
    auto back = flows_from_json_text(j.dump());
    ASSERT_TRUE(back) << back.error();
    EXPECT_EQ((*back)[0], (*flows)[0]);
    // Without a limit, no key.
    (*flows)[0].rate_limit = {};
    EXPECT_FALSE(to_json((*flows)[0]).contains("rate_limit"));

    const std::pair<const char*, const char*> bad[] = {
        {R"({"local":"192.0.2.1:1","egress_source":"192.0.2.1:2","egress_destination":"192.0.2.9:3",
            "rate_limit":{"packets_per_s":5}})",
         "flow.rate_limit.burst_packets: a packet rate needs a non-zero burst"},
        {R"({"local":"192.0.2.1:1","egress_source":"192.0.2.1:2","egress_destination":"192.0.2.9:3",
            "rate_limit":{"pps":5}})",
         "flow.rate_limit.pps: unknown key"},
        {R"({"local":"192.0.2.1:1","egress_source":"192.0.2.1:2","egress_destination":"192.0.2.9:3",
            "rate_limit":{"bytes_per_s":-1}})",
         "flow.rate_limit.bytes_per_s: expected an integer from 0 to 18446744073709551615"},
    };
    for (const auto& [t, message] : bad) {
        auto r = flows_from_json_text(t);
        ASSERT_FALSE(r) << t;
        EXPECT_EQ(r.error(), message);
    }
}

TEST(FlowapiJson, KeysOnlyReadsJustTheLocalEndpoint) {
    auto r = flows_from_json_text(R"({"flows":[{"local":"192.0.2.1:30000"}]})", true);
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ(to_string((*r)[0].local), "192.0.2.1:30000");
}

}  // namespace
}  // namespace rtpx::flowapi
