// Config loading: toml++ parses, this file checks the schema and says where a problem is.
#include "rtpx/cp/config.hpp"

#include <algorithm>
#include <fstream>
#include <initializer_list>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "rtpx/flowapi/flow.hpp"

namespace rtpx::cp {

std::string_view to_string(SrtpPolicy p) noexcept {
    switch (p) {
        case SrtpPolicy::kPassThrough: return "pass-through";
        case SrtpPolicy::kForceSrtp: return "force-srtp";
        case SrtpPolicy::kForceRtp: return "force-rtp";
    }
    return "?";
}

const ListenerConfig* Config::listener(std::string_view name) const noexcept {
    for (const auto& l : listeners)
        if (l.name == name) return &l;
    return nullptr;
}

namespace {

// Init path only: a schema problem unwinds to parse_config as this exception.
struct SchemaError {
    std::string message;
};

class Reader {
  public:
    explicit Reader(std::string origin) : origin_(std::move(origin)) {}

    [[noreturn]] void fail(const toml::source_region& where, std::string_view key,
                           std::string_view what) const {
        std::ostringstream os;
        os << origin_ << ":" << where.begin.line << ":" << where.begin.column << ": " << key << ": "
           << what;
        throw SchemaError{os.str()};
    }

    void check_keys(const toml::table& t, const std::string& path,
                    std::initializer_list<std::string_view> allowed) const {
        for (const auto& [k, node] : t) {
            if (std::find(allowed.begin(), allowed.end(), k.str()) == allowed.end()) {
                std::string known;
                for (auto a : allowed) {
                    if (!known.empty()) known += ", ";
                    known += a;
                }
                fail(k.source().begin.line ? k.source() : node.source(), join(path, k.str()),
                     "unknown key (known here: " + known + ")");
            }
        }
    }

    static std::string join(const std::string& path, std::string_view key) {
        return path.empty() ? std::string(key) : path + "." + std::string(key);
    }

    const toml::table* table(const toml::table& t, const std::string& path,
                             std::string_view key) const {
        const toml::node* n = t.get(key);
        if (n == nullptr) return nullptr;
        if (!n->is_table()) fail(n->source(), join(path, key), "must be a table");
        return n->as_table();
    }

    const toml::array* array_of_tables(const toml::table& t, const std::string& path,
                                       std::string_view key) const {
        const toml::node* n = t.get(key);
        if (n == nullptr) return nullptr;
        if (!n->is_array_of_tables())
            fail(n->source(), join(path, key),
                 "must be an array of tables ([[" + join(path, key) + "]])");
        return n->as_array();
    }

    std::optional<std::string> string(const toml::table& t, const std::string& path,
                                      std::string_view key, bool required = false) const {
        const toml::node* n = t.get(key);
        if (n == nullptr) {
            if (required) fail(t.source(), join(path, key), "missing (required)");
            return std::nullopt;
        }
        if (!n->is_string()) fail(n->source(), join(path, key), "must be a string");
        return n->value<std::string>();
    }

    std::optional<std::int64_t> integer(const toml::table& t, const std::string& path,
                                        std::string_view key, std::int64_t min,
                                        std::int64_t max) const {
        const toml::node* n = t.get(key);
        if (n == nullptr) return std::nullopt;
        if (!n->is_integer()) fail(n->source(), join(path, key), "must be an integer");
        std::int64_t v = *n->value<std::int64_t>();
        if (v < min || v > max)
            fail(n->source(), join(path, key),
                 std::to_string(v) + " is out of range [" + std::to_string(min) + ", " +
                     std::to_string(max) + "]");
        return v;
    }

    const toml::source_region& where(const toml::table& t, std::string_view key) const {
        const toml::node* n = t.get(key);
        return n != nullptr ? n->source() : t.source();
    }

  private:
    std::string origin_;
};

sip::TransportProto parse_proto(const Reader& r, const toml::table& t, const std::string& path,
                                std::string_view key, std::string_view value) {
    if (value == "udp") return sip::TransportProto::kUdp;
    if (value == "tcp") return sip::TransportProto::kTcp;
    if (value == "tls") return sip::TransportProto::kTls;
    r.fail(r.where(t, key), Reader::join(path, key),
           "'" + std::string(value) + "' is not one of udp, tcp, tls");
}

std::string indexed(std::string_view name, std::size_t i) {
    return std::string(name) + "[" + std::to_string(i) + "]";
}

void read_sip(const Reader& r, const toml::table& root, Config& c) {
    const toml::table* sip = r.table(root, "", "sip");
    if (sip == nullptr) return;
    r.check_keys(*sip, "sip", {"listener", "user_agent"});
    if (auto ua = r.string(*sip, "sip", "user_agent")) c.user_agent = *ua;
    const toml::array* ls = r.array_of_tables(*sip, "sip", "listener");
    if (ls == nullptr) return;
    std::size_t i = 0;
    for (const auto& node : *ls) {
        const toml::table& t = *node.as_table();
        std::string path = indexed("sip.listener", i++);
        r.check_keys(
            t, path,
            {"name", "transport", "address", "advertise", "certificate", "private_key", "ca"});
        ListenerConfig l;
        l.proto =
            parse_proto(r, t, path, "transport", r.string(t, path, "transport").value_or("udp"));
        std::string addr = *r.string(t, path, "address", true);
        auto sa = sip::SockAddr::parse(addr, l.proto == sip::TransportProto::kTls ? 5061 : 5060);
        if (!sa)
            r.fail(r.where(t, "address"), path + ".address",
                   "'" + addr + "' is not a numeric IPv4/IPv6 address[:port]");
        l.address = *sa;
        l.name = r.string(t, path, "name")
                     .value_or(std::string(to_string(l.proto)) + ":" + sa->to_string());
        l.advertised = r.string(t, path, "advertise").value_or("");
        l.tls_certificate = r.string(t, path, "certificate").value_or("");
        l.tls_private_key = r.string(t, path, "private_key").value_or("");
        l.tls_ca = r.string(t, path, "ca").value_or("");
        if (l.proto == sip::TransportProto::kTls &&
            (l.tls_certificate.empty() || l.tls_private_key.empty()))
            r.fail(t.source(), path, "a tls listener needs certificate and private_key");
        if (c.listener(l.name) != nullptr)
            r.fail(r.where(t, "name"), path + ".name", "duplicate listener name '" + l.name + "'");
        c.listeners.push_back(std::move(l));
    }
}

void read_dataplanes(const Reader& r, const toml::table& root, Config& c) {
    const toml::array* dps = r.array_of_tables(root, "", "dataplane");
    if (dps == nullptr) return;
    std::set<std::string> interface_names;
    std::size_t i = 0;
    for (const auto& node : *dps) {
        const toml::table& t = *node.as_table();
        std::string path = indexed("dataplane", i++);
        r.check_keys(t, path, {"name", "socket", "interface"});
        DataplaneConfigEntry d;
        d.name = r.string(t, path, "name").value_or("dp" + std::to_string(i - 1));
        d.socket = *r.string(t, path, "socket", true);
        const toml::array* ifs = r.array_of_tables(t, path, "interface");
        if (ifs == nullptr || ifs->empty())
            r.fail(t.source(), path + ".interface", "at least one [[dataplane.interface]]");
        std::size_t j = 0;
        for (const auto& in : *ifs) {
            const toml::table& it = *in.as_table();
            std::string ipath = path + "." + indexed("interface", j++);
            r.check_keys(it, ipath, {"name", "address", "port_min", "port_max"});
            InterfaceConfig ic;
            ic.name = *r.string(it, ipath, "name", true);
            ic.address = *r.string(it, ipath, "address", true);
            if (!flowapi::parse_ip_address(ic.address))
                r.fail(r.where(it, "address"), ipath + ".address",
                       "'" + ic.address + "' is not a numeric IPv4/IPv6 address");
            ic.port_min = static_cast<std::uint16_t>(
                r.integer(it, ipath, "port_min", 1024, 65534).value_or(30000));
            ic.port_max = static_cast<std::uint16_t>(
                r.integer(it, ipath, "port_max", 1025, 65535).value_or(39999));
            if (ic.port_max <= ic.port_min)
                r.fail(r.where(it, "port_max"), ipath + ".port_max", "must be above port_min");
            if (!interface_names.insert(ic.name).second)
                r.fail(r.where(it, "name"), ipath + ".name",
                       "duplicate interface name '" + ic.name + "'");
            d.interfaces.push_back(std::move(ic));
        }
        c.dataplanes.push_back(std::move(d));
    }
}

bool has_interface(const Config& c, const std::string& name) {
    for (const auto& d : c.dataplanes)
        for (const auto& i : d.interfaces)
            if (i.name == name) return true;
    return false;
}

void read_routes(const Reader& r, const toml::table& root, Config& c) {
    const toml::array* rs = r.array_of_tables(root, "", "route");
    if (rs == nullptr) return;
    std::size_t i = 0;
    for (const auto& node : *rs) {
        const toml::table& t = *node.as_table();
        std::string path = indexed("route", i++);
        r.check_keys(t, path,
                     {"name", "user_prefix", "domain", "next_hop", "transport", "listener",
                      "request_uri", "srtp", "a_interface", "b_interface"});
        RouteConfig rc;
        rc.name = r.string(t, path, "name").value_or(path);
        rc.user_prefix = r.string(t, path, "user_prefix").value_or("");
        rc.domain = r.string(t, path, "domain").value_or("");
        rc.proto =
            parse_proto(r, t, path, "transport", r.string(t, path, "transport").value_or("udp"));
        if (auto nh = r.string(t, path, "next_hop")) {
            auto sa =
                sip::SockAddr::parse(*nh, rc.proto == sip::TransportProto::kTls ? 5061 : 5060);
            if (!sa)
                r.fail(r.where(t, "next_hop"), path + ".next_hop",
                       "'" + *nh + "' is not a numeric IPv4/IPv6 address[:port]");
            rc.next_hop = *sa;
        }
        rc.listener = r.string(t, path, "listener").value_or("");
        if (!rc.listener.empty()) {
            const ListenerConfig* l = c.listener(rc.listener);
            if (l == nullptr)
                r.fail(r.where(t, "listener"), path + ".listener",
                       "no [[sip.listener]] named '" + rc.listener + "'");
            if (l->proto != rc.proto)
                r.fail(r.where(t, "listener"), path + ".listener",
                       "listener '" + rc.listener + "' is " + std::string(to_string(l->proto)) +
                           " but the route's transport is " + std::string(to_string(rc.proto)));
        }
        rc.request_uri = r.string(t, path, "request_uri").value_or("");
        std::string srtp = r.string(t, path, "srtp").value_or("pass-through");
        if (srtp == "pass-through")
            rc.srtp = SrtpPolicy::kPassThrough;
        else if (srtp == "force-srtp")
            rc.srtp = SrtpPolicy::kForceSrtp;
        else if (srtp == "force-rtp")
            rc.srtp = SrtpPolicy::kForceRtp;
        else
            r.fail(r.where(t, "srtp"), path + ".srtp",
                   "'" + srtp + "' is not one of pass-through, force-srtp, force-rtp");
        for (auto [key, field] : {std::pair{"a_interface", &rc.a_interface},
                                  std::pair{"b_interface", &rc.b_interface}}) {
            *field = r.string(t, path, key).value_or("");
            if (!field->empty() && !has_interface(c, *field))
                r.fail(r.where(t, key), path + "." + key,
                       "no [[dataplane.interface]] named '" + *field + "'");
        }
        c.routes.push_back(std::move(rc));
    }
}

void read_rest(const Reader& r, const toml::table& root, Config& c) {
    if (const toml::table* t = r.table(root, "", "limits")) {
        r.check_keys(*t, "limits",
                     {"max_calls", "max_cps", "max_duration_s", "media_timeout_s", "retry_after_s",
                      "no_answer_timeout_s"});
        auto u32 = [&](std::string_view key, std::uint32_t& out, std::int64_t min) {
            if (auto v = r.integer(*t, "limits", key, min, 10'000'000))
                out = static_cast<std::uint32_t>(*v);
        };
        u32("max_calls", c.limits.max_calls, 0);
        u32("max_cps", c.limits.max_cps, 0);
        u32("max_duration_s", c.limits.max_duration_s, 0);
        u32("media_timeout_s", c.limits.media_timeout_s, 0);
        u32("retry_after_s", c.limits.retry_after_s, 1);
        u32("no_answer_timeout_s", c.limits.no_answer_timeout_s, 0);
    }
    if (const toml::table* t = r.table(root, "", "timers")) {
        r.check_keys(*t, "timers", {"t1_ms", "t2_ms", "t4_ms"});
        if (auto v = r.integer(*t, "timers", "t1_ms", 10, 60'000))
            c.timers.t1 = std::chrono::milliseconds(*v);
        if (auto v = r.integer(*t, "timers", "t2_ms", 100, 600'000))
            c.timers.t2 = std::chrono::milliseconds(*v);
        if (auto v = r.integer(*t, "timers", "t4_ms", 100, 600'000))
            c.timers.t4 = std::chrono::milliseconds(*v);
        if (c.timers.t2 < c.timers.t1)
            r.fail(r.where(*t, "t2_ms"), "timers.t2_ms", "must not be below t1_ms");
    }
    if (const toml::table* t = r.table(root, "", "http")) {
        r.check_keys(*t, "http", {"listen"});
        c.http_listen = r.string(*t, "http", "listen").value_or("");
        if (!c.http_listen.empty() && !sip::SockAddr::parse(c.http_listen, 0))
            r.fail(r.where(*t, "listen"), "http.listen",
                   "'" + c.http_listen + "' is not a numeric address:port");
    }
    if (const toml::table* t = r.table(root, "", "log")) {
        r.check_keys(*t, "log", {"level"});
        c.log_level = r.string(*t, "log", "level").value_or("info");
        static constexpr std::string_view kLevels[] = {"trace", "debug",    "info", "warn",
                                                       "error", "critical", "off"};
        if (std::find(std::begin(kLevels), std::end(kLevels), c.log_level) == std::end(kLevels))
            r.fail(r.where(*t, "level"), "log.level",
                   "'" + c.log_level +
                       "' is not one of trace, debug, info, warn, error, critical, off");
    }
    if (const toml::table* t = r.table(root, "", "records")) {
        r.check_keys(*t, "records", {"path"});
        c.records_path = *r.string(*t, "records", "path", true);
    }
    if (const toml::table* t = r.table(root, "", "journal")) {
        r.check_keys(*t, "journal", {"path"});
        c.journal_path = *r.string(*t, "journal", "path", true);
    }
    // [ng]: the rtpengine ng protocol server (controlplane/ng, started by main.cpp).
    if (const toml::table* t = r.table(root, "", "ng")) {
        r.check_keys(*t, "ng", {"listen"});
        c.ng_listen = *r.string(*t, "ng", "listen", true);
        if (!sip::SockAddr::parse(c.ng_listen, 2223))
            r.fail(r.where(*t, "listen"), "ng.listen",
                   "'" + c.ng_listen + "' is not a numeric address[:port]");
    }
}

}  // namespace

tl::expected<Config, ConfigError> parse_config(std::string_view text, const std::string& origin) {
    toml::table root;
    try {
        root = toml::parse(text, origin);
    } catch (const toml::parse_error& e) {
        std::ostringstream os;
        os << origin << ":" << e.source().begin.line << ":" << e.source().begin.column << ": "
           << e.description();
        return tl::unexpected(ConfigError{os.str()});
    }
    Reader r(origin);
    Config c;
    c.path = origin;
    try {
        r.check_keys(root, "",
                     {"sip", "route", "dataplane", "limits", "timers", "http", "log", "records",
                      "journal", "ng"});
        read_sip(r, root, c);
        read_dataplanes(r, root, c);
        read_routes(r, root, c);
        read_rest(r, root, c);
        // An ng-only control plane (Kamailio/OpenSIPS do the SIP, rtpx the media) needs no
        // SIP listener; otherwise there must be one.
        if (c.listeners.empty() && c.ng_listen.empty())
            r.fail(root.source(), "sip.listener",
                   "at least one [[sip.listener]] (or an [ng] listen) is required");
    } catch (const SchemaError& e) {
        return tl::unexpected(ConfigError{e.message});
    }
    return c;
}

tl::expected<Config, ConfigError> load_config(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return tl::unexpected(ConfigError{path + ": cannot open the file"});
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse_config(ss.str(), path);
}

}  // namespace rtpx::cp
