#include "rtpx/bench/scenario.hpp"

#include <fstream>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "rtpx/flowapi/json.hpp"

namespace rtpx::bench {

namespace {

using Error = tl::unexpected<std::string>;

flowapi::Endpoint to_endpoint(const IpAddress& a, std::uint16_t port) {
    flowapi::Endpoint e;
    e.address.family =
        a.family == 6 ? flowapi::AddressFamily::kIpv6 : flowapi::AddressFamily::kIpv4;
    e.address.bytes = a.bytes;
    e.port = port;
    return e;
}

IpAddress from_address(const flowapi::IpAddress& a) {
    IpAddress ip;
    ip.family = a.family == flowapi::AddressFamily::kIpv6 ? 6 : 4;
    ip.bytes = a.bytes;
    return ip;
}

const std::set<std::string, std::less<>> kAllowed = {"scenario.name",
                                                     "scenario.description",
                                                     "streams.flows",
                                                     "streams.profile",
                                                     "streams.ip_version",
                                                     "streams.srtp_in",
                                                     "streams.srtp_out",
                                                     "streams.transport_cc_id",
                                                     "streams.audio_level_id",
                                                     "streams.rtcp_every",
                                                     "streams.udp_checksum",
                                                     "network.bench_tx",
                                                     "network.dut_in",
                                                     "network.dut_out",
                                                     "network.bench_rx",
                                                     "network.bench_tx_port",
                                                     "network.dut_in_port",
                                                     "network.dut_out_port",
                                                     "network.bench_rx_port",
                                                     "network.ports_per_address",
                                                     "network.bench_mac",
                                                     "network.dut_mac",
                                                     "load.rate_pps",
                                                     "load.duration_s",
                                                     "load.drain_s",
                                                     "load.burst",
                                                     "load.search",
                                                     "load.pdr_loss",
                                                     "load.min_rate_pps",
                                                     "load.max_rate_pps",
                                                     "load.resolution_pps",
                                                     "load.latency_trials"};

}  // namespace

std::optional<IpAddress> address_plus(const IpAddress& base, std::uint32_t n) noexcept {
    IpAddress a = base;
    const std::size_t last = a.size() - 1;
    std::uint64_t carry = n;
    for (std::size_t i = last + 1; i-- > 0 && carry != 0;) {
        const std::uint64_t v = a.bytes[i] + (carry & 0xff);
        a.bytes[i] = static_cast<std::uint8_t>(v);
        carry = (carry >> 8) + (v >> 8);
    }
    if (carry != 0) return std::nullopt;
    return a;
}

tl::expected<Scenario, std::string> parse_scenario(std::string_view text) {
    toml::table t;
    try {
        t = toml::parse(text);
    } catch (const toml::parse_error& e) {
        return Error(std::string("TOML: ") + std::string(e.description()) + " at line " +
                     std::to_string(e.source().begin.line));
    }
    for (const auto& [section, node] : t) {
        const auto* tab = node.as_table();
        if (tab == nullptr) return Error(std::string(section.str()) + ": expected a table");
        for (const auto& [key, v] : *tab) {
            const std::string full = std::string(section.str()) + "." + std::string(key.str());
            if (!kAllowed.contains(full)) return Error(full + ": unknown key");
        }
    }
    Scenario s;
    s.bench_tx = IpAddress::v4(10, 98, 0, 1);
    s.dut_in = IpAddress::v4(10, 99, 0, 1);
    s.dut_out = IpAddress::v4(10, 100, 0, 1);
    s.bench_rx = IpAddress::v4(10, 101, 0, 1);
    s.name = t["scenario"]["name"].value_or(s.name);
    s.description = t["scenario"]["description"].value_or(std::string());
    const auto streams = t["streams"];
    if (auto v = streams["flows"].value<std::int64_t>()) {
        if (*v < 1 || *v > 10'000'000) return Error("streams.flows: expected 1..10000000");
        s.flows = static_cast<std::size_t>(*v);
    }
    if (auto v = streams["profile"].value<std::string>()) {
        if (*v == "g711")
            s.profile = ProfileMix::kG711;
        else if (*v == "opus")
            s.profile = ProfileMix::kOpus;
        else if (*v == "video")
            s.profile = ProfileMix::kVideo;
        else if (*v == "mix")
            s.profile = ProfileMix::kMix;
        else
            return Error("streams.profile: expected \"g711\", \"opus\", \"video\" or \"mix\"");
    }
    s.ip_version = static_cast<int>(streams["ip_version"].value_or(std::int64_t{4}));
    if (s.ip_version != 4 && s.ip_version != 6) return Error("streams.ip_version: expected 4 or 6");
    if (s.ip_version == 6) {
        s.bench_tx = *IpAddress::from_string("fd00:98::1");
        s.dut_in = *IpAddress::from_string("fd00:99::1");
        s.dut_out = *IpAddress::from_string("fd00:100::1");
        s.bench_rx = *IpAddress::from_string("fd00:101::1");
    }
    for (auto [key, target] :
         {std::pair{"srtp_in", &s.srtp_in}, std::pair{"srtp_out", &s.srtp_out}}) {
        if (auto v = streams[key].value<std::string>(); v && *v != "none") {
            auto suite = rtp::srtp::suite_from_name(*v);
            if (!suite)
                return Error(std::string("streams.") + key + ": unknown SRTP suite \"" + *v + "\"");
            *target = *suite;
        }
    }
    for (auto [key, target] : {std::pair{"transport_cc_id", &s.transport_cc_id},
                               std::pair{"audio_level_id", &s.audio_level_id}}) {
        const auto v = streams[key].value_or(std::int64_t{0});
        if (v < 0 || v > 14) return Error(std::string("streams.") + key + ": expected 0..14");
        *target = static_cast<std::uint8_t>(v);
    }
    if (s.transport_cc_id != 0 && s.transport_cc_id == s.audio_level_id) {
        return Error("streams.audio_level_id: must differ from transport_cc_id");
    }
    s.rtcp_every = static_cast<std::uint32_t>(streams["rtcp_every"].value_or(std::int64_t{0}));
    s.udp_checksum = streams["udp_checksum"].value_or(true);
    const auto net = t["network"];
    for (auto [key, target] :
         {std::pair{"bench_tx", &s.bench_tx}, std::pair{"dut_in", &s.dut_in},
          std::pair{"dut_out", &s.dut_out}, std::pair{"bench_rx", &s.bench_rx}}) {
        if (auto v = net[key].value<std::string>()) {
            auto a = IpAddress::from_string(*v);
            if (!a || a->family != s.ip_version) {
                return Error(std::string("network.") + key + ": expected an IPv" +
                             std::to_string(s.ip_version) + " address");
            }
            *target = *a;
        }
    }
    for (auto [key, target] :
         {std::pair{"bench_tx_port", &s.bench_tx_port}, std::pair{"dut_in_port", &s.dut_in_port},
          std::pair{"dut_out_port", &s.dut_out_port},
          std::pair{"bench_rx_port", &s.bench_rx_port}}) {
        const auto v = net[key].value_or(std::int64_t{*target});
        if (v < 1 || v > 65534) return Error(std::string("network.") + key + ": expected 1..65534");
        *target = static_cast<std::uint16_t>(v);
    }
    s.ports_per_address =
        static_cast<std::uint32_t>(net["ports_per_address"].value_or(std::int64_t{10000}));
    const std::uint32_t lowest =
        std::min({s.bench_tx_port, s.dut_in_port, s.dut_out_port, s.bench_rx_port});
    (void)lowest;
    const std::uint32_t highest =
        std::max({s.bench_tx_port, s.dut_in_port, s.dut_out_port, s.bench_rx_port});
    if (s.ports_per_address == 0 || highest + 2 * (s.ports_per_address - 1) > 65535) {
        return Error(
            "network.ports_per_address: base port + 2 x (ports_per_address - 1) exceeds 65535");
    }
    for (auto [key, target] :
         {std::pair{"bench_mac", &s.bench_mac}, std::pair{"dut_mac", &s.dut_mac}}) {
        if (auto v = net[key].value<std::string>()) {
            auto m = flowapi::parse_mac(*v);
            if (!m) return Error(std::string("network.") + key + ": expected xx:xx:xx:xx:xx:xx");
            *target = *m;
        }
    }
    const auto load = t["load"];
    s.rate_pps = load["rate_pps"].value_or(s.rate_pps);
    s.duration_s = load["duration_s"].value_or(s.duration_s);
    s.drain_s = load["drain_s"].value_or(s.drain_s);
    s.burst = static_cast<std::uint32_t>(load["burst"].value_or(std::int64_t{s.burst}));
    s.search = load["search"].value_or(s.search);
    if (s.search != "none" && s.search != "ndr" && s.search != "pdr" && s.search != "ndr+pdr") {
        return Error("load.search: expected \"none\", \"ndr\", \"pdr\" or \"ndr+pdr\"");
    }
    s.pdr_loss = load["pdr_loss"].value_or(s.pdr_loss);
    s.min_rate_pps = load["min_rate_pps"].value_or(s.min_rate_pps);
    s.max_rate_pps = load["max_rate_pps"].value_or(s.max_rate_pps);
    s.resolution_pps = load["resolution_pps"].value_or(s.resolution_pps);
    s.latency_trials =
        static_cast<unsigned>(load["latency_trials"].value_or(std::int64_t{s.latency_trials}));
    if (s.rate_pps <= 0 || s.duration_s <= 0 || s.drain_s < 0 || s.burst < 1 || s.burst > 64 ||
        s.pdr_loss < 0 || s.pdr_loss >= 1 || s.min_rate_pps <= 0 ||
        s.max_rate_pps < s.min_rate_pps || s.resolution_pps <= 0) {
        return Error(
            "load: rates and durations must be positive, burst 1..64, "
            "min_rate_pps <= max_rate_pps, 0 <= pdr_loss < 1");
    }
    return s;
}

tl::expected<Scenario, std::string> load_scenario(const std::string& path) {
    std::ifstream in(path);
    if (!in) return Error(path + ": cannot open");
    std::stringstream ss;
    ss << in.rdbuf();
    auto s = parse_scenario(ss.str());
    if (!s) return Error(path + ": " + s.error());
    return s;
}

Profile profile_of_flow(const Scenario& s, std::size_t i) noexcept {
    switch (s.profile) {
        case ProfileMix::kG711: return Profile::kG711;
        case ProfileMix::kOpus: return Profile::kOpus;
        case ProfileMix::kVideo: return Profile::kVideo;
        case ProfileMix::kMix: break;
    }
    const std::size_t k = i % 20;
    return k < 9 ? Profile::kG711 : k < 18 ? Profile::kOpus : Profile::kVideo;
}

namespace {
struct FlowAddresses {
    IpAddress bench_tx, dut_in, dut_out, bench_rx;
    std::uint16_t bench_tx_port, dut_in_port, dut_out_port, bench_rx_port;
};

tl::expected<FlowAddresses, std::string> flow_addresses(const Scenario& s, std::size_t i) {
    const auto block = static_cast<std::uint32_t>(i / s.ports_per_address);
    const auto slot = static_cast<std::uint16_t>(2 * (i % s.ports_per_address));
    FlowAddresses f{};
    for (auto [base, target] :
         {std::pair{&s.bench_tx, &f.bench_tx}, std::pair{&s.dut_in, &f.dut_in},
          std::pair{&s.dut_out, &f.dut_out}, std::pair{&s.bench_rx, &f.bench_rx}}) {
        auto a = address_plus(*base, block);
        if (!a) return Error("flow " + std::to_string(i) + ": address range overflows");
        *target = *a;
    }
    f.bench_tx_port = static_cast<std::uint16_t>(s.bench_tx_port + slot);
    f.dut_in_port = static_cast<std::uint16_t>(s.dut_in_port + slot);
    f.dut_out_port = static_cast<std::uint16_t>(s.dut_out_port + slot);
    f.bench_rx_port = static_cast<std::uint16_t>(s.bench_rx_port + slot);
    return f;
}
}  // namespace

tl::expected<std::vector<StreamSpec>, std::string> make_streams(const Scenario& s) {
    std::vector<StreamSpec> out(s.flows);
    for (std::size_t i = 0; i < s.flows; ++i) {
        auto f = flow_addresses(s, i);
        if (!f) return Error(f.error());
        StreamSpec& st = out[i];
        st.profile = profile_of_flow(s, i);
        st.ssrc = 0x10000000U + static_cast<std::uint32_t>(i);
        st.endpoints.src_mac = s.bench_mac;
        st.endpoints.dst_mac = s.dut_mac;
        st.endpoints.src = f->bench_tx;
        st.endpoints.dst = f->dut_in;
        st.endpoints.src_port = f->bench_tx_port;
        st.endpoints.dst_port = f->dut_in_port;
        st.endpoints.dscp = st.profile == Profile::kVideo ? 34 : 46;
        if (s.srtp_in) {
            st.srtp = derive_stream_key(*s.srtp_in, static_cast<std::uint32_t>(i), 0);
        }
        st.twcc_id = s.transport_cc_id;
        st.audio_level_id = st.profile == Profile::kVideo ? 0 : s.audio_level_id;
        st.rtcp_every = s.rtcp_every;
        st.udp_checksum = s.udp_checksum;
    }
    return out;
}

tl::expected<std::vector<ReturnSpec>, std::string> make_returns(const Scenario& s, bool loopback) {
    std::vector<ReturnSpec> out(s.flows);
    for (std::size_t i = 0; i < s.flows; ++i) {
        auto f = flow_addresses(s, i);
        if (!f) return Error(f.error());
        const auto id = static_cast<std::uint32_t>(i);
        if (loopback) {
            out[i].dst = f->dut_in;
            out[i].dst_port = f->dut_in_port;
            if (s.srtp_in) out[i].srtp = derive_stream_key(*s.srtp_in, id, 0);
        } else {
            out[i].dst = f->bench_rx;
            out[i].dst_port = f->bench_rx_port;
            if (s.srtp_out) out[i].srtp = derive_stream_key(*s.srtp_out, id, 1);
        }
    }
    return out;
}

nlohmann::json make_flows_json(const Scenario& s) {
    nlohmann::json flows = nlohmann::json::array();
    auto srtp = [](const std::optional<rtp::srtp::Suite>& suite, std::uint32_t id,
                   std::uint32_t leg) {
        flowapi::SrtpParams p;
        if (!suite) return p;
        const SrtpKey k = derive_stream_key(*suite, id, leg);
        p.suite = flowapi::suite_from_name(rtp::srtp::to_string(*suite))
                      .value_or(flowapi::SrtpSuite::kNone);
        std::copy_n(k.master_key.begin(), p.master_key.size(), p.master_key.begin());
        std::copy_n(k.master_salt.begin(), p.master_salt.size(), p.master_salt.begin());
        return p;
    };
    for (std::size_t i = 0; i < s.flows; ++i) {
        auto f = flow_addresses(s, i);
        if (!f) break;
        const auto id = static_cast<std::uint32_t>(i);
        flowapi::FlowSpec spec;
        spec.local = to_endpoint(f->dut_in, f->dut_in_port);
        spec.remote = to_endpoint(f->bench_tx, f->bench_tx_port);
        spec.latching = flowapi::Latching::kOff;
        spec.egress_source = to_endpoint(f->dut_out, f->dut_out_port);
        spec.egress_destination = to_endpoint(f->bench_rx, f->bench_rx_port);
        spec.next_hop_mac = s.bench_mac;
        spec.srtp_ingress = srtp(s.srtp_in, id, 0);
        spec.srtp_egress = srtp(s.srtp_out, id, 1);
        spec.rtcp_mux = true;
        spec.clock_rate = profile_info(profile_of_flow(s, i)).clock_rate;
        spec.cookie = i;
        flows.push_back(flowapi::to_json(spec));
    }
    return nlohmann::json{{"flows", std::move(flows)}};
}

tl::expected<void, std::string> apply_dut_flows(std::span<const flowapi::FlowSpec> flows,
                                                std::vector<StreamSpec>& streams,
                                                std::vector<ReturnSpec>& returns) {
    if (flows.size() != streams.size() || returns.size() != streams.size()) {
        return Error("the DUT flows file has " + std::to_string(flows.size()) + " flows for " +
                     std::to_string(streams.size()) + " streams");
    }
    for (std::size_t i = 0; i < flows.size(); ++i) {
        const flowapi::FlowSpec& f = flows[i];
        const std::string where = "flows[" + std::to_string(i) + "]";
        if (f.local.address.family == flowapi::AddressFamily::kNone || f.local.port == 0) {
            return Error(where + ".local: needs an address and a port");
        }
        StreamSpec& st = streams[i];
        st.endpoints.dst = from_address(f.local.address);
        st.endpoints.dst_port = f.local.port;
        if (f.remote.address.family != flowapi::AddressFamily::kNone && f.remote.port != 0) {
            st.endpoints.src = from_address(f.remote.address);
            st.endpoints.src_port = f.remote.port;
        }
        if (st.endpoints.src.family != st.endpoints.dst.family) {
            return Error(where + ".local: address family differs from the stream's source");
        }
        if (f.egress_destination.address.family != flowapi::AddressFamily::kNone) {
            returns[i].dst = from_address(f.egress_destination.address);
            returns[i].dst_port = f.egress_destination.port;
        }
    }
    return {};
}

}  // namespace rtpx::bench
