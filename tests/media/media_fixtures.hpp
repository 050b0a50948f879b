// Shared helpers of the media tests: RFC 4317 examples with their host names replaced by
// documentation addresses (RFC 5737: the relay needs address literals), interfaces and options.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../sip/sdp_fixtures.hpp"
#include "rtpx/media/media.hpp"
#include "rtpx/sip/sdp/session.hpp"

namespace rtpx::media::testing {

inline constexpr const char* kAlice = "192.0.2.1";        // host.atlanta.example.com
inline constexpr const char* kBob = "192.0.2.2";          // host.biloxi.example.com
inline constexpr const char* kBobOther = "192.0.2.3";     // placeholder.biloxi.example.com
inline constexpr const char* kAliceSide = "198.51.100.1";  // relay address towards alice
inline constexpr const char* kBobSide = "203.0.113.1";     // relay address towards bob

inline std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) {
        s.replace(p, from.size(), to);
    }
    return s;
}

// RFC 4317 {section, label} with IP literals.
inline std::string rfc4317(const std::string& section, const std::string& label) {
    static const auto all = sip::sdp::testing::load_rfc4317();
    auto it = all.find({section, label});
    EXPECT_NE(it, all.end()) << section << " " << label;
    if (it == all.end()) return {};
    std::string s = it->second;
    s = replace_all(s, "placeholder.biloxi.example.com", kBobOther);
    s = replace_all(s, "host.atlanta.example.com", kAlice);
    s = replace_all(s, "host.biloxi.example.com", kBob);
    return s;
}

inline flowapi::IpAddress ip(const char* text) { return *flowapi::parse_ip_address(text); }
inline flowapi::Endpoint ep(const char* text, std::uint16_t port) { return {ip(text), port}; }

inline std::vector<DataplaneConfig> two_sided(std::uint16_t port_min = 30000,
                                              std::uint16_t port_max = 39999,
                                              std::string socket = "") {
    DataplaneConfig d;
    d.name = "dp0";
    d.socket = std::move(socket);
    d.interfaces.push_back({"alice-side", ip(kAliceSide), port_min, port_max});
    d.interfaces.push_back({"bob-side", ip(kBobSide), port_min, port_max});
    return {d};
}

inline LegOptions towards(const char* interface) {
    LegOptions o;
    o.interface = interface;
    return o;
}

inline sip::sdp::SessionDescription parsed(const std::string& text) {
    return sip::sdp::testing::parse_ok(text);
}

}  // namespace rtpx::media::testing
