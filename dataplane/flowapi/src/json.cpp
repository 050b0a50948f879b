#include "rtpx/flowapi/json.hpp"

#include <charconv>
#include <set>
#include <span>

namespace rtpx::flowapi {

namespace {

using nlohmann::json;

std::string hex(const std::uint8_t* p, std::size_t n) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string s;
    for (std::size_t i = 0; i < n; ++i) {
        s += kDigits[p[i] >> 4];
        s += kDigits[p[i] & 15];
    }
    return s;
}

bool unhex(std::string_view text, std::uint8_t* out, std::size_t n) {
    if (text.size() != 2 * n) return false;
    for (std::size_t i = 0; i < n; ++i) {
        unsigned v = 0;
        const auto [end, ec] = std::from_chars(text.data() + 2 * i, text.data() + 2 * i + 2, v, 16);
        if (ec != std::errc() || end != text.data() + 2 * i + 2) return false;
        out[i] = static_cast<std::uint8_t>(v);
    }
    return true;
}

using Error = tl::unexpected<std::string>;

Error fail(const std::string& where, const char* key, const std::string& what) {
    return Error(where + "." + key + ": " + what);
}

tl::expected<Endpoint, std::string> endpoint_at(const json& j, const std::string& where,
                                                const char* key) {
    if (!j.is_string()) return fail(where, key, "expected \"address:port\"");
    auto e = parse_endpoint(j.get<std::string>());
    if (!e) return fail(where, key, "not an address:port (IPv6 as [addr]:port)");
    return *e;
}

template <class T>
tl::expected<T, std::string> uint_at(const json& j, const std::string& where, const char* key) {
    if (!j.is_number_unsigned() || j.get<std::uint64_t>() > std::numeric_limits<T>::max()) {
        return fail(
            where, key,
            "expected an integer from 0 to " + std::to_string(std::numeric_limits<T>::max()));
    }
    return static_cast<T>(j.get<std::uint64_t>());
}

tl::expected<SrtpParams, std::string> srtp_at(const json& j, const std::string& where,
                                              const char* key) {
    const std::string w = where + "." + key;
    if (!j.is_object()) return Error(w + ": expected an object");
    SrtpParams p;
    for (const auto& [k, v] : j.items()) {
        if (k != "suite" && k != "master_key" && k != "master_salt") {
            return Error(w + "." + k + ": unknown key");
        }
    }
    if (!j.contains("suite") || !j["suite"].is_string())
        return Error(w + ".suite: required string");
    auto suite = suite_from_name(j["suite"].get<std::string>());
    if (!suite)
        return Error(w + ".suite: unknown SRTP suite \"" + j["suite"].get<std::string>() + "\"");
    p.suite = *suite;
    const auto& info = suite_info(p.suite);
    if (info.key_size == 0) return p;
    const json master_key = j.value("master_key", json());
    if (!master_key.is_string() ||
        !unhex(master_key.get<std::string>(), p.master_key.data(), info.key_size)) {
        return Error(w + ".master_key: expected " + std::to_string(2 * info.key_size) +
                     " hex digits");
    }
    const json salt = j.value("master_salt", json());
    if (!salt.is_string() ||
        !unhex(salt.get<std::string>(), p.master_salt.data(), info.salt_size)) {
        return Error(w + ".master_salt: expected " + std::to_string(2 * info.salt_size) +
                     " hex digits");
    }
    return p;
}

json srtp_to_json(const SrtpParams& p) {
    const auto& info = suite_info(p.suite);
    if (p.suite == SrtpSuite::kNone) return json{{"suite", "none"}};
    return json{{"suite", info.name},
                {"master_key", hex(p.master_key.data(), info.key_size)},
                {"master_salt", hex(p.master_salt.data(), info.salt_size)}};
}

tl::expected<void, std::string> map_at(const json& j, const std::string& where, const char* key,
                                       std::span<std::uint8_t> map, unsigned max_value) {
    const std::size_t N = map.size();
    if (!j.is_object()) return fail(where, key, "expected an object {\"from\": to}");
    for (const auto& [k, v] : j.items()) {
        unsigned from = 0;
        const auto [end, ec] = std::from_chars(k.data(), k.data() + k.size(), from);
        if (ec != std::errc() || end != k.data() + k.size() || from >= N ||
            (N == 256 && from == 0)) {
            return Error(where + "." + key + "." + k + ": not a valid " +
                         (N == 128 ? "payload type" : "extension ID"));
        }
        if (!v.is_number_unsigned() || v.get<std::uint64_t>() > max_value) {
            return Error(where + "." + key + "." + k + ": expected 0.." +
                         std::to_string(max_value));
        }
        map[from] = static_cast<std::uint8_t>(v.get<std::uint64_t>());
    }
    return {};
}

const std::set<std::string, std::less<>> kKeys = {"local",
                                                  "remote",
                                                  "latching",
                                                  "egress_source",
                                                  "egress_destination",
                                                  "next_hop_mac",
                                                  "srtp_ingress",
                                                  "srtp_egress",
                                                  "pt_map",
                                                  "extension_map",
                                                  "rewrite_ssrc",
                                                  "seq_offset",
                                                  "timestamp_offset",
                                                  "rtcp_mode",
                                                  "rtcp_mux",
                                                  "transport_cc_feedback",
                                                  "transport_cc_extension_id",
                                                  "clock_rate",
                                                  "inactivity_timeout_ms",
                                                  "cookie",
                                                  "rate_limit"};

tl::expected<FlowSpec, std::string> parse_flow(const json& j, const std::string& where,
                                               bool keys_only) {
    if (!j.is_object()) return Error(where + ": expected an object");
    FlowSpec s;
    for (const auto& [k, v] : j.items()) {
        if (!kKeys.contains(k)) return Error(where + "." + k + ": unknown key");
    }
    if (!j.contains("local")) return Error(where + ".local: required");
    auto local = endpoint_at(j["local"], where, "local");
    if (!local) return Error(local.error());
    s.local = *local;
    if (keys_only) return s;
#define RTPX_TRY(target, expr)           \
    do {                                 \
        auto r = (expr);                 \
        if (!r) return Error(r.error()); \
        target = *r;                     \
    } while (0)
    for (const char* required : {"egress_source", "egress_destination"}) {
        if (!j.contains(required)) return Error(where + "." + required + ": required");
    }
    RTPX_TRY(s.egress_source, endpoint_at(j["egress_source"], where, "egress_source"));
    RTPX_TRY(s.egress_destination,
             endpoint_at(j["egress_destination"], where, "egress_destination"));
    if (j.contains("remote")) RTPX_TRY(s.remote, endpoint_at(j["remote"], where, "remote"));
    if (j.contains("latching")) {
        const auto& v = j["latching"];
        auto l = v.is_string() ? latching_from_name(v.get<std::string>()) : std::nullopt;
        if (!l) return fail(where, "latching", "expected \"off\", \"learn-once\" or \"strict\"");
        s.latching = *l;
    }
    if (j.contains("next_hop_mac")) {
        const auto& v = j["next_hop_mac"];
        auto mac = v.is_string() ? parse_mac(v.get<std::string>()) : std::nullopt;
        if (!mac) return fail(where, "next_hop_mac", "expected xx:xx:xx:xx:xx:xx");
        s.next_hop_mac = *mac;
    }
    if (j.contains("srtp_ingress"))
        RTPX_TRY(s.srtp_ingress, srtp_at(j["srtp_ingress"], where, "srtp_ingress"));
    if (j.contains("srtp_egress"))
        RTPX_TRY(s.srtp_egress, srtp_at(j["srtp_egress"], where, "srtp_egress"));
    if (j.contains("pt_map")) {
        if (auto r = map_at(j["pt_map"], where, "pt_map", s.pt_map, 127); !r)
            return Error(r.error());
    }
    if (j.contains("extension_map")) {
        if (auto r = map_at(j["extension_map"], where, "extension_map", s.extension_map, 255); !r) {
            return Error(r.error());
        }
    }
    if (j.contains("rewrite_ssrc"))
        RTPX_TRY(s.rewrite_ssrc, uint_at<std::uint32_t>(j["rewrite_ssrc"], where, "rewrite_ssrc"));
    if (j.contains("seq_offset"))
        RTPX_TRY(s.seq_offset, uint_at<std::uint16_t>(j["seq_offset"], where, "seq_offset"));
    if (j.contains("timestamp_offset"))
        RTPX_TRY(s.timestamp_offset,
                 uint_at<std::uint32_t>(j["timestamp_offset"], where, "timestamp_offset"));
    if (j.contains("rtcp_mode")) {
        const auto& v = j["rtcp_mode"];
        auto m = v.is_string() ? rtcp_mode_from_name(v.get<std::string>()) : std::nullopt;
        if (!m) return fail(where, "rtcp_mode", "expected \"pass-through\" or \"terminate\"");
        s.rtcp_mode = *m;
    }
    for (auto [key, target] : {std::pair{"rtcp_mux", &s.rtcp_mux},
                               std::pair{"transport_cc_feedback", &s.transport_cc_feedback}}) {
        if (!j.contains(key)) continue;
        if (!j[key].is_boolean()) return fail(where, key, "expected true or false");
        *target = j[key].get<bool>();
    }
    if (j.contains("transport_cc_extension_id")) {
        RTPX_TRY(s.transport_cc_extension_id,
                 uint_at<std::uint8_t>(j["transport_cc_extension_id"], where,
                                       "transport_cc_extension_id"));
    }
    if (j.contains("clock_rate"))
        RTPX_TRY(s.clock_rate, uint_at<std::uint32_t>(j["clock_rate"], where, "clock_rate"));
    if (j.contains("inactivity_timeout_ms"))
        RTPX_TRY(s.inactivity_timeout_ms, uint_at<std::uint32_t>(j["inactivity_timeout_ms"], where,
                                                                 "inactivity_timeout_ms"));
    if (j.contains("cookie"))
        RTPX_TRY(s.cookie, uint_at<std::uint64_t>(j["cookie"], where, "cookie"));
    if (j.contains("rate_limit")) {
        const json& limit = j["rate_limit"];
        const std::string w = where + ".rate_limit";
        if (!limit.is_object()) return fail(where, "rate_limit", "expected an object");
        for (const auto& [k, v] : limit.items()) {
            if (k != "packets_per_s" && k != "burst_packets" && k != "bytes_per_s" &&
                k != "burst_bytes") {
                return Error(w + "." + k + ": unknown key");
            }
        }
        if (limit.contains("packets_per_s"))
            RTPX_TRY(s.rate_limit.packets_per_s,
                     uint_at<std::uint32_t>(limit["packets_per_s"], w, "packets_per_s"));
        if (limit.contains("burst_packets"))
            RTPX_TRY(s.rate_limit.burst_packets,
                     uint_at<std::uint32_t>(limit["burst_packets"], w, "burst_packets"));
        if (limit.contains("bytes_per_s"))
            RTPX_TRY(s.rate_limit.bytes_per_s,
                     uint_at<std::uint64_t>(limit["bytes_per_s"], w, "bytes_per_s"));
        if (limit.contains("burst_bytes"))
            RTPX_TRY(s.rate_limit.burst_bytes,
                     uint_at<std::uint32_t>(limit["burst_bytes"], w, "burst_bytes"));
    }
#undef RTPX_TRY
    if (const auto problem = validate(s); problem.field != nullptr) {
        return Error(where + "." + problem.field + ": " + problem.what);
    }
    return s;
}

}  // namespace

tl::expected<FlowSpec, std::string> flow_from_json(const json& j, const std::string& where) {
    return parse_flow(j, where, false);
}

tl::expected<std::vector<FlowSpec>, std::string> flows_from_json_text(std::string_view text,
                                                                      bool keys_only) {
    json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded()) return Error("not valid JSON");
    const json* list = &doc;
    std::vector<FlowSpec> out;
    if (doc.is_object() && doc.contains("flows")) {
        for (const auto& [k, v] : doc.items()) {
            if (k != "flows") return Error(k + ": unknown key (expected \"flows\")");
        }
        list = &doc["flows"];
    } else if (doc.is_object()) {
        auto flow = parse_flow(doc, "flow", keys_only);
        if (!flow) return Error(flow.error());
        out.push_back(*flow);
        return out;
    }
    if (!list->is_array()) return Error("flows: expected an array");
    for (std::size_t i = 0; i < list->size(); ++i) {
        auto flow = parse_flow((*list)[i], "flows[" + std::to_string(i) + "]", keys_only);
        if (!flow) return Error(flow.error());
        out.push_back(*flow);
    }
    return out;
}

namespace {
void write_srtp(JsonOut& o, const SrtpParams& p) {
    const auto& info = suite_info(p.suite);
    o.begin_object();
    if (p.suite == SrtpSuite::kNone) {
        o.member("suite", "none");
    } else {
        o.member("suite", info.name)
            .member("master_key", hex(p.master_key.data(), info.key_size))
            .member("master_salt", hex(p.master_salt.data(), info.salt_size));
    }
    o.end_object();
}
}  // namespace

// The same members as to_json(FlowSpec) below (a test holds them equal).
void write_json(JsonOut& o, const FlowSpec& s) {
    o.begin_object()
        .member("local", to_string(s.local))
        .member("egress_source", to_string(s.egress_source))
        .member("egress_destination", to_string(s.egress_destination))
        .member("latching", to_string(s.latching));
    o.key("srtp_ingress");
    write_srtp(o, s.srtp_ingress);
    o.key("srtp_egress");
    write_srtp(o, s.srtp_egress);
    o.member("rtcp_mode", to_string(s.rtcp_mode))
        .member("rtcp_mux", s.rtcp_mux)
        .member("transport_cc_feedback", s.transport_cc_feedback)
        .member("transport_cc_extension_id", s.transport_cc_extension_id)
        .member("clock_rate", s.clock_rate)
        .member("inactivity_timeout_ms", s.inactivity_timeout_ms)
        .member("cookie", s.cookie);
    if (s.remote.address.family != AddressFamily::kNone) o.member("remote", to_string(s.remote));
    if (s.next_hop_mac) o.member("next_hop_mac", to_string(*s.next_hop_mac));
    auto identity_map = [&](const char* name, const auto& map, std::size_t first) {
        bool any = false;
        for (std::size_t i = first; i < map.size(); ++i) {
            if (map[i] == i) continue;
            if (!any) o.key(name).begin_object();
            any = true;
            o.member(std::to_string(i), map[i]);
        }
        if (any) o.end_object();
    };
    identity_map("pt_map", s.pt_map, 0);
    identity_map("extension_map", s.extension_map, 1);
    if (s.rewrite_ssrc) o.member("rewrite_ssrc", *s.rewrite_ssrc);
    if (s.seq_offset) o.member("seq_offset", *s.seq_offset);
    if (s.timestamp_offset) o.member("timestamp_offset", *s.timestamp_offset);
    if (s.rate_limit.enabled()) {
        o.key("rate_limit")
            .begin_object()
            .member("packets_per_s", s.rate_limit.packets_per_s)
            .member("burst_packets", s.rate_limit.burst_packets)
            .member("bytes_per_s", s.rate_limit.bytes_per_s)
            .member("burst_bytes", s.rate_limit.burst_bytes)
            .end_object();
    }
    o.end_object();
}

json to_json(const FlowSpec& s) {
    json j{{"local", to_string(s.local)},
           {"egress_source", to_string(s.egress_source)},
           {"egress_destination", to_string(s.egress_destination)},
           {"latching", to_string(s.latching)},
           {"srtp_ingress", srtp_to_json(s.srtp_ingress)},
           {"srtp_egress", srtp_to_json(s.srtp_egress)},
           {"rtcp_mode", to_string(s.rtcp_mode)},
           {"rtcp_mux", s.rtcp_mux},
           {"transport_cc_feedback", s.transport_cc_feedback},
           {"transport_cc_extension_id", s.transport_cc_extension_id},
           {"clock_rate", s.clock_rate},
           {"inactivity_timeout_ms", s.inactivity_timeout_ms},
           {"cookie", s.cookie}};
    if (s.remote.address.family != AddressFamily::kNone) j["remote"] = to_string(s.remote);
    if (s.next_hop_mac) j["next_hop_mac"] = to_string(*s.next_hop_mac);
    json pts = json::object();
    for (std::size_t i = 0; i < s.pt_map.size(); ++i) {
        if (s.pt_map[i] != i) pts[std::to_string(i)] = s.pt_map[i];
    }
    if (!pts.empty()) j["pt_map"] = pts;
    json ids = json::object();
    for (std::size_t i = 1; i < s.extension_map.size(); ++i) {
        if (s.extension_map[i] != i) ids[std::to_string(i)] = s.extension_map[i];
    }
    if (!ids.empty()) j["extension_map"] = ids;
    if (s.rewrite_ssrc) j["rewrite_ssrc"] = *s.rewrite_ssrc;
    if (s.seq_offset) j["seq_offset"] = *s.seq_offset;
    if (s.timestamp_offset) j["timestamp_offset"] = *s.timestamp_offset;
    if (s.rate_limit.enabled()) {
        j["rate_limit"] = {{"packets_per_s", s.rate_limit.packets_per_s},
                           {"burst_packets", s.rate_limit.burst_packets},
                           {"bytes_per_s", s.rate_limit.bytes_per_s},
                           {"burst_bytes", s.rate_limit.burst_bytes}};
    }
    return j;
}

namespace {
json drops_to_json(const std::array<std::uint64_t, kDropReasonCount>& drops) {
    json j = json::object();
    for (std::size_t i = 0; i < drops.size(); ++i) j[std::string(kDropReasons[i].name)] = drops[i];
    return j;
}
}  // namespace

json to_json(const FlowStats& s) {
    const auto& c = s.counters;
    json j{{"local", to_string(s.key)},
           {"cookie", s.cookie},
           {"packets", c.packets},
           {"bytes", c.bytes},
           {"rtcp_packets", c.rtcp_packets},
           {"drops", drops_to_json(c.drops)},
           {"srtp_auth_failures", c.srtp_auth_failures},
           {"last_packet_unix_ns", c.last_packet_unix_ns},
           {"rtp",
            {{"ssrc", s.rtp.ssrc},
             {"validated", s.rtp.validated},
             {"received", s.rtp.received},
             {"expected", s.rtp.expected},
             {"cumulative_lost", s.rtp.cumulative_lost},
             {"extended_highest_seq", s.rtp.extended_highest_seq},
             {"jitter", s.rtp.jitter},
             {"duplicates", s.rtp.duplicates},
             {"reordered", s.rtp.reordered},
             {"ssrc_changes", s.rtp.ssrc_changes}}},
           {"estimated_bitrate_bps", s.estimated_bitrate_bps}};
    if (s.latched.address.family != AddressFamily::kNone) j["latched"] = to_string(s.latched);
    return j;
}

json to_json(const DataplaneTotals& t) {
    return json{{"rx_packets", t.rx_packets},
                {"tx_packets", t.tx_packets},
                {"drops", drops_to_json(t.drops)}};
}

json to_json(const Event& e) {
    json j{{"event", to_string(e.kind)},
           {"local", to_string(e.key)},
           {"cookie", e.cookie},
           {"value", e.value},
           {"unix_ns", e.unix_ns}};
    if (e.address.address.family != AddressFamily::kNone) j["address"] = to_string(e.address);
    return j;
}

}  // namespace rtpx::flowapi
