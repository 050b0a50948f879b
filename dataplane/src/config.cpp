#include "rtpx/dataplane/config.hpp"

#include <fstream>
#include <sstream>

#define TOML_EXCEPTIONS 1
#include <toml++/toml.h>

namespace rtpx::dataplane {

namespace {

struct ConfigError {
    std::string message;
};

std::string where(const std::string& file, const toml::node& node, const std::string& key) {
    const auto& src = node.source();
    return file + ":" + std::to_string(src.begin.line) + ":" + std::to_string(src.begin.column) +
           ": " + key;
}

[[noreturn]] void fail(const std::string& file, const toml::node& node, const std::string& key,
                       const std::string& what) {
    throw ConfigError{where(file, node, key) + ": " + what};
}

void check_keys(const std::string& file, const toml::table& t, const std::string& prefix,
                std::initializer_list<std::string_view> allowed) {
    for (const auto& [k, v] : t) {
        bool ok = false;
        for (auto a : allowed) ok = ok || a == k.str();
        if (!ok) fail(file, v, prefix + std::string(k.str()), "unknown key");
    }
}

std::string get_string(const std::string& file, const toml::node& n, const std::string& key) {
    if (!n.is_string()) fail(file, n, key, "expected a string");
    return n.as_string()->get();
}

std::int64_t get_int(const std::string& file, const toml::node& n, const std::string& key,
                     std::int64_t min, std::int64_t max) {
    if (!n.is_integer()) fail(file, n, key, "expected an integer");
    const std::int64_t v = n.as_integer()->get();
    if (v < min || v > max) {
        fail(file, n, key, "must be from " + std::to_string(min) + " to " + std::to_string(max));
    }
    return v;
}

Config parse(const toml::table& root, const std::string& file) {
    Config c;
    check_keys(file, root, "", {"dataplane", "port"});
    if (const auto* dp = root.get("dataplane")) {
        if (!dp->is_table()) fail(file, *dp, "dataplane", "expected a table");
        const auto& t = *dp->as_table();
        check_keys(file, t, "dataplane.",
                   {"control_socket", "lcores", "max_flows", "mbufs", "idle_sleep_us", "eal",
                    "srtp_failure_threshold", "dispatch", "workers", "control_tcp"});
        if (const auto* n = t.get("control_tcp")) {
            auto ep = flowapi::parse_endpoint(get_string(file, *n, "dataplane.control_tcp"));
            if (!ep || ep->port == 0)
                fail(file, *n, "dataplane.control_tcp",
                     "expected ADDRESS:PORT, e.g. 127.0.0.1:7070");
            c.control_tcp = *ep;
        }
        if (const auto* n = t.get("workers")) {
            c.workers = static_cast<std::uint32_t>(get_int(file, *n, "dataplane.workers", 0, 255));
        }
        if (const auto* n = t.get("dispatch")) {
            if (!n->is_boolean()) fail(file, *n, "dataplane.dispatch", "expected true or false");
            c.dispatch = n->as_boolean()->get();
        }
        if (const auto* n = t.get("control_socket"))
            c.control_socket = get_string(file, *n, "dataplane.control_socket");
        if (const auto* n = t.get("lcores")) c.lcores = get_string(file, *n, "dataplane.lcores");
        if (const auto* n = t.get("max_flows")) {
            c.max_flows =
                static_cast<std::uint32_t>(get_int(file, *n, "dataplane.max_flows", 1, 16'000'000));
        }
        if (const auto* n = t.get("mbufs")) {
            c.mbufs =
                static_cast<std::uint32_t>(get_int(file, *n, "dataplane.mbufs", 1023, 16'000'000));
        }
        if (const auto* n = t.get("srtp_failure_threshold")) {
            c.srtp_failure_threshold = static_cast<std::uint32_t>(
                get_int(file, *n, "dataplane.srtp_failure_threshold", 0, 1'000'000'000));
        }
        if (const auto* n = t.get("idle_sleep_us")) {
            c.idle_sleep_us = static_cast<std::uint32_t>(
                get_int(file, *n, "dataplane.idle_sleep_us", 0, 100'000));
        }
        if (const auto* n = t.get("eal")) {
            if (!n->is_array()) fail(file, *n, "dataplane.eal", "expected an array of strings");
            std::size_t i = 0;
            for (const auto& e : *n->as_array()) {
                c.eal.push_back(get_string(file, e, "dataplane.eal[" + std::to_string(i++) + "]"));
            }
        }
    }
    const auto* ports = root.get("port");
    if (ports == nullptr) throw ConfigError{file + ": port: at least one [[port]] is required"};
    if (!ports->is_array_of_tables()) fail(file, *ports, "port", "expected [[port]] tables");
    std::size_t index = 0;
    for (const auto& node : *ports->as_array()) {
        const std::string key = "port[" + std::to_string(index++) + "]";
        const auto& t = *node.as_table();
        check_keys(file, t, key + ".",
                   {"vdev", "pci", "addresses", "gateway_mac", "vlan", "rx_descriptors",
                    "tx_descriptors", "exception", "exception_iface", "exception_rate_pps"});
        PortConfig p;
        if (const auto* n = t.get("vdev")) p.vdev = get_string(file, *n, key + ".vdev");
        if (const auto* n = t.get("pci")) p.pci = get_string(file, *n, key + ".pci");
        if (p.vdev.empty() == p.pci.empty())
            fail(file, node, key, "needs exactly one of vdev and pci");
        const auto* addresses = t.get("addresses");
        if (addresses == nullptr || !addresses->is_array() || addresses->as_array()->empty()) {
            fail(file, addresses ? *addresses : node, key + ".addresses",
                 "expected a non-empty array of IP addresses");
        }
        std::size_t ai = 0;
        for (const auto& a : *addresses->as_array()) {
            const std::string akey = key + ".addresses[" + std::to_string(ai++) + "]";
            auto ip = flowapi::parse_ip_address(get_string(file, a, akey));
            if (!ip) fail(file, a, akey, "not an IP address");
            p.addresses.push_back(*ip);
        }
        if (const auto* n = t.get("gateway_mac")) {
            auto mac = flowapi::parse_mac(get_string(file, *n, key + ".gateway_mac"));
            if (!mac) fail(file, *n, key + ".gateway_mac", "expected xx:xx:xx:xx:xx:xx");
            p.gateway_mac = *mac;
        }
        if (const auto* n = t.get("vlan"))
            p.vlan = static_cast<std::uint16_t>(get_int(file, *n, key + ".vlan", 0, 4094));
        if (const auto* n = t.get("rx_descriptors")) {
            p.rx_descriptors =
                static_cast<std::uint16_t>(get_int(file, *n, key + ".rx_descriptors", 32, 32768));
        }
        if (const auto* n = t.get("tx_descriptors")) {
            p.tx_descriptors =
                static_cast<std::uint16_t>(get_int(file, *n, key + ".tx_descriptors", 32, 32768));
        }
        if (const auto* n = t.get("exception")) {
            p.exception = get_string(file, *n, key + ".exception");
            if (p.exception == "none") p.exception.clear();
            if (!p.exception.empty() && p.exception != "tap")
                fail(file, *n, key + ".exception", "expected \"tap\" or \"none\"");
        }
        if (const auto* n = t.get("exception_iface")) {
            p.exception_iface = get_string(file, *n, key + ".exception_iface");
            if (p.exception_iface.empty() || p.exception_iface.size() > 15 ||
                p.exception_iface.find_first_of(",=/ ") != std::string::npos) {
                fail(file, *n, key + ".exception_iface",
                     "expected an interface name of 1 to 15 characters");
            }
        }
        if (const auto* n = t.get("exception_rate_pps")) {
            p.exception_rate_pps = static_cast<std::uint32_t>(
                get_int(file, *n, key + ".exception_rate_pps", 0, 100'000'000));
        }
        c.ports.push_back(std::move(p));
    }
    return c;
}

}  // namespace

std::string PortConfig::device_name() const {
    if (!pci.empty()) return pci;
    return vdev.substr(0, vdev.find(','));
}

tl::expected<Config, std::string> parse_config(std::string_view text,
                                               const std::string& source_name) {
    try {
        const toml::table root = toml::parse(text, source_name);
        return parse(root, source_name);
    } catch (const toml::parse_error& e) {
        const auto& src = e.source();
        return tl::unexpected(source_name + ":" + std::to_string(src.begin.line) + ":" +
                              std::to_string(src.begin.column) + ": " +
                              std::string(e.description()));
    } catch (const ConfigError& e) {
        return tl::unexpected(e.message);
    }
}

tl::expected<Config, std::string> load_config(const std::string& path) {
    std::ifstream in(path);
    if (!in) return tl::unexpected(path + ": cannot open");
    std::stringstream ss;
    ss << in.rdbuf();
    return parse_config(ss.str(), path);
}

}  // namespace rtpx::dataplane
