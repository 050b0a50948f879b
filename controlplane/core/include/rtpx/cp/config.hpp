// rtpx-controlplane configuration (TOML, toml++): SIP listeners, routes, data planes, limits,
// timers, HTTP, logging, call records, journal and the optional ng server.
//
// load_config() checks the whole file against the schema below: an unknown key, a value of the
// wrong type or out of range, a duplicate name or a dangling reference is an error that names the
// file, line, column and dotted key ("cp.toml:12:1: route[0].srtp: 'maybe' is not one of
// pass-through, force-srtp, force-rtp"). Nothing is started from a config that has an error.
// Every key is documented in deploy/controlplane.example.toml.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "rtpx/sip/transport/address.hpp"
#include "rtpx/sip/transport/transport.hpp"

namespace rtpx::cp {

struct ListenerConfig {
    std::string name;  // referenced by routes ("" in the file: "<transport>:<address>")
    sip::TransportProto proto = sip::TransportProto::kUdp;
    sip::SockAddr address;
    std::string advertised;  // host[:port] written in Via/Contact ("" = the bound address)
    std::string tls_certificate;
    std::string tls_private_key;
    std::string tls_ca;  // verify peers with these CAs (TLS only; "" = no verification)
};

// SRTP policy of a route, applied to the SDP sent towards the far (B) leg.
enum class SrtpPolicy : std::uint8_t {
    kPassThrough,  // the B leg gets the profile the A leg offered (re-keyed when it is SRTP)
    kForceSrtp,    // the B leg gets RTP/SAVP with fresh SDES keys whatever A offered
    kForceRtp,     // the B leg gets plain RTP/AVP
};
[[nodiscard]] std::string_view to_string(SrtpPolicy p) noexcept;

struct RouteConfig {
    std::string name;
    // Match (every given condition must hold; none given: matches every request).
    std::string user_prefix;  // request-URI user starts with this
    std::string domain;       // request-URI host equals this (case-insensitive)
    // Where the B leg goes. next_hop empty: the request-URI's own host and port.
    std::optional<sip::SockAddr> next_hop;
    sip::TransportProto proto = sip::TransportProto::kUdp;
    std::string listener;     // the listener the B leg leaves from (its name)
    std::string request_uri;  // "" = keep the A leg's request-URI
    SrtpPolicy srtp = SrtpPolicy::kPassThrough;
    std::string a_interface;  // media interface the A leg sees ("" = the data plane's first)
    std::string b_interface;  // media interface the B leg sees
};

struct InterfaceConfig {
    std::string name;
    std::string address;  // numeric IPv4/IPv6
    std::uint16_t port_min = 30000;
    std::uint16_t port_max = 39999;
};

struct DataplaneConfigEntry {
    std::string name;
    std::string socket;
    std::vector<InterfaceConfig> interfaces;
};

struct LimitsConfig {
    std::uint32_t max_calls = 10000;        // concurrent calls (0: no limit)
    std::uint32_t max_cps = 0;              // new calls per second (0: no limit)
    std::uint32_t max_duration_s = 0;       // a call longer than this is ended (0: no limit)
    std::uint32_t media_timeout_s = 0;      // data-plane inactivity ends the call (0: never)
    std::uint32_t retry_after_s = 5;        // Retry-After of the 503 when over a limit
    std::uint32_t no_answer_timeout_s = 0;  // ring time after which the call is given up (0: none)
};

struct TimersConfig {
    std::chrono::milliseconds t1{500};
    std::chrono::milliseconds t2{4000};
    std::chrono::milliseconds t4{5000};
};

struct Config {
    std::string path;  // the file it came from
    std::vector<ListenerConfig> listeners;
    std::vector<RouteConfig> routes;
    std::vector<DataplaneConfigEntry> dataplanes;
    LimitsConfig limits;
    TimersConfig timers;
    std::string user_agent = "rtpx";
    std::string http_listen;  // "" = no HTTP server
    std::string log_level = "info";
    std::string records_path;  // "" = no call records
    std::string journal_path;  // "" = no journal
    std::string ng_listen;     // [ng] listen (cp-ng's server; "" = off)

    [[nodiscard]] const ListenerConfig* listener(std::string_view name) const noexcept;
};

struct ConfigError {
    std::string message;  // "file:line:col: key: what"
};

[[nodiscard]] tl::expected<Config, ConfigError> load_config(const std::string& path);
// The same from text (`origin` names it in messages).
[[nodiscard]] tl::expected<Config, ConfigError> parse_config(std::string_view text,
                                                             const std::string& origin);

}  // namespace rtpx::cp
