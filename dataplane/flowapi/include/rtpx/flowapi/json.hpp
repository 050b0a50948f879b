// The JSON form of flows, for `rtpx-dataplane --flows FLOWS.json`, `rtpx flow add|del FILE.json`
// and `rtpx flows --json`. A separate library (rtpx_flowapi_json): the wire codec has no JSON in
// it.
//
// A file is {"flows": [FLOW, ...]} (a bare array or a single FLOW object are accepted too). FLOW:
//   "local"                  "192.0.2.1:30000" or "[2001:db8::1]:30000"   required
//   "egress_source"          endpoint                                      required
//   "egress_destination"     endpoint                                      required
//   "remote"                 endpoint                                      optional
//   "latching"               "off" | "learn-once" | "strict"               default "off"
//   "next_hop_mac"           "02:00:00:00:00:01"                           default: port's gateway
//                                                                          or neighbour resolution
//   "srtp_ingress", "srtp_egress"  {"suite": "AES_CM_128_HMAC_SHA1_80",
//                                   "master_key": hex, "master_salt": hex} default: plain RTP
//   "pt_map"                 {"96": 101, ...}                              default: identity
//   "extension_map"          {"1": 3, "5": 0 (drop), ...}                  default: identity
//   "rewrite_ssrc"           uint32;  "seq_offset" uint16;  "timestamp_offset" uint32
//   "rtcp_mode"              "pass-through" | "terminate"                  default "pass-through"
//   "rtcp_mux"               bool (default true);  "transport_cc_feedback" bool (default false)
//   "transport_cc_extension_id"  0-255, the RFC 8285 ID of transport-wide-cc (default 0: none;
//                            required by transport_cc_feedback)
//   "clock_rate"             Hz (default 8000);  "inactivity_timeout_ms" (default 0: never)
//   "cookie"                 uint64, opaque to the data plane
// Unknown keys are errors. For deletion only "local" is read.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "rtpx/flowapi/flow.hpp"
#include "rtpx/flowapi/json_out.hpp"
#include "rtpx/flowapi/wire.hpp"

namespace rtpx::flowapi {

// Errors name the element and key: "flows[2].srtp_ingress.master_key: expected 32 hex digits".
[[nodiscard]] tl::expected<FlowSpec, std::string> flow_from_json(const nlohmann::json& j,
                                                                 const std::string& where);
// Parses a whole file's text. `keys_only` reads just "local" of each flow (for deletion).
[[nodiscard]] tl::expected<std::vector<FlowSpec>, std::string> flows_from_json_text(
    std::string_view text, bool keys_only = false);

[[nodiscard]] nlohmann::json to_json(const FlowSpec& spec);
// The same JSON as to_json(spec), written as text without building a tree (the journal).
void write_json(JsonOut& out, const FlowSpec& spec);
[[nodiscard]] nlohmann::json to_json(const FlowStats& stats);
[[nodiscard]] nlohmann::json to_json(const DataplaneTotals& totals);
[[nodiscard]] nlohmann::json to_json(const Event& event);

}  // namespace rtpx::flowapi
