// rtpx-bench scenarios: a TOML file that says what to send, where, and how to search (format in
// perf/scenarios/README.md). A scenario expands into the generator's streams, the receiver's return
// legs and, for rtpx-dataplane as the device under test, the matching static flows file.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "rtpx/bench/receiver.hpp"
#include "rtpx/bench/traffic.hpp"
#include "rtpx/flowapi/flow.hpp"

namespace rtpx::bench {

enum class ProfileMix : std::uint8_t {
    kG711,
    kOpus,
    kVideo,
    kMix
};  // kMix: 45% G.711,
    // 45% Opus, 10% video

struct Scenario {
    std::string name = "adhoc";
    std::string description;
    // [streams]
    std::size_t flows = 1000;
    ProfileMix profile = ProfileMix::kG711;
    int ip_version = 4;
    std::optional<rtp::srtp::Suite> srtp_in;   // bench → DUT
    std::optional<rtp::srtp::Suite> srtp_out;  // DUT → bench
    std::uint8_t transport_cc_id = 0;          // 0: no transport-wide-cc extension
    std::uint8_t audio_level_id = 0;           // 0: no ssrc-audio-level extension
    std::uint32_t rtcp_every = 0;              // an SR every N RTP packets per stream; 0: none
    bool udp_checksum = true;
    // [network]: first addresses; flow i uses port base + 2 * (i mod P) and address base + i / P
    // (P = ports per address).
    IpAddress bench_tx;  // generator source
    IpAddress dut_in;    // DUT ingress (flow "local")
    IpAddress dut_out;   // DUT egress source
    IpAddress bench_rx;  // where the DUT sends (flow "egress_destination")
    std::uint16_t bench_tx_port = 10000;
    std::uint16_t dut_in_port = 20000;
    std::uint16_t dut_out_port = 20000;
    std::uint16_t bench_rx_port = 30000;
    std::uint32_t ports_per_address = 10000;
    std::array<std::uint8_t, 6> bench_mac{0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
    std::array<std::uint8_t, 6> dut_mac{0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
    // [load]
    double rate_pps = 100000;  // fixed-rate trial (search = "none")
    double duration_s = 2;     // trial length
    double drain_s = 0.2;      // receive-only time after each trial
    std::uint32_t burst = 32;
    std::string search = "none";  // "none" | "ndr" | "pdr" | "ndr+pdr"
    double pdr_loss = 0.005;      // PDR loss tolerance (fraction)
    double min_rate_pps = 1000;
    double max_rate_pps = 1e6;
    double resolution_pps = 5000;
    unsigned latency_trials = 1;  // RFC 8219 latency trials at the NDR rate
};

[[nodiscard]] std::optional<IpAddress> address_plus(const IpAddress& base,
                                                    std::uint32_t n) noexcept;

// Parses TOML text (errors name the key). Unknown keys are errors.
[[nodiscard]] tl::expected<Scenario, std::string> parse_scenario(std::string_view toml_text);
[[nodiscard]] tl::expected<Scenario, std::string> load_scenario(const std::string& path);

[[nodiscard]] Profile profile_of_flow(const Scenario& s, std::size_t i) noexcept;
[[nodiscard]] tl::expected<std::vector<StreamSpec>, std::string> make_streams(const Scenario& s);
// `loopback`: frames come back as sent (net_ring self-test): return legs = what was sent.
[[nodiscard]] tl::expected<std::vector<ReturnSpec>, std::string> make_returns(const Scenario& s,
                                                                              bool loopback);
// {"flows": [...]} for `rtpx-dataplane --flows` (dataplane/flowapi/include/rtpx/flowapi/json.hpp).
[[nodiscard]] nlohmann::json make_flows_json(const Scenario& s);

// For a device under test that allocates its own addresses (e.g. rtpengine through its ng
// protocol): `flows` is the DUT's view of the streams, in the form make_flows_json writes, one per
// stream. Stream i is sent to flows[i].local, from flows[i].remote when that is set; its return
// leg (SRTP look-up) is flows[i].egress_destination when set. Errors name the flow.
[[nodiscard]] tl::expected<void, std::string> apply_dut_flows(
    std::span<const flowapi::FlowSpec> flows, std::vector<StreamSpec>& streams,
    std::vector<ReturnSpec>& returns);

}  // namespace rtpx::bench
