#include "rtpx/flowapi/flow.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace rtpx::flowapi {

namespace {
// RFC 4568 section 6.2 (AES_CM_128_*), RFC 6188 (AES_192/256_CM_*), RFC 7714 section 14.2 (AEAD).
constexpr std::array<SrtpSuiteInfo, kSrtpSuiteCount> kSuites{{
    {"", 0, 0},
    {"AES_CM_128_HMAC_SHA1_80", 16, 14},
    {"AES_CM_128_HMAC_SHA1_32", 16, 14},
    {"AES_192_CM_HMAC_SHA1_80", 24, 14},
    {"AES_192_CM_HMAC_SHA1_32", 24, 14},
    {"AES_256_CM_HMAC_SHA1_80", 32, 14},
    {"AES_256_CM_HMAC_SHA1_32", 32, 14},
    {"AEAD_AES_128_GCM", 16, 12},
    {"AEAD_AES_256_GCM", 32, 12},
}};
}  // namespace

bool IpAddress::is_unspecified() const noexcept {
    return family == AddressFamily::kNone ||
           std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

const SrtpSuiteInfo& suite_info(SrtpSuite suite) noexcept {
    const auto i = static_cast<std::size_t>(suite);
    return kSuites[i < kSuites.size() ? i : 0];
}

std::optional<SrtpSuite> suite_from_name(std::string_view name) noexcept {
    if (name.empty() || name == "none") return SrtpSuite::kNone;
    for (std::size_t i = 1; i < kSuites.size(); ++i) {
        if (kSuites[i].name == name) return static_cast<SrtpSuite>(i);
    }
    return std::nullopt;
}

PayloadTypeMap identity_pt_map() noexcept {
    PayloadTypeMap map{};
    for (std::size_t i = 0; i < map.size(); ++i) map[i] = static_cast<std::uint8_t>(i);
    return map;
}

ExtensionIdMap identity_extension_map() noexcept {
    ExtensionIdMap map{};
    for (std::size_t i = 0; i < map.size(); ++i) map[i] = static_cast<std::uint8_t>(i);
    return map;
}

std::string_view to_string(EventKind kind) noexcept {
    switch (kind) {
        case EventKind::kInactivity: return "inactivity";
        case EventKind::kSsrcChange: return "ssrc_change";
        case EventKind::kLatched: return "latched";
        case EventKind::kSrtpFailures: return "srtp_failures";
    }
    return "unknown";
}

std::optional<IpAddress> parse_ip_address(std::string_view text) {
    if (text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
    char buf[INET6_ADDRSTRLEN] = {};
    text.copy(buf, text.size());
    IpAddress ip;
    if (::inet_pton(AF_INET, buf, ip.bytes.data()) == 1) {
        ip.family = AddressFamily::kIpv4;
        return ip;
    }
    if (::inet_pton(AF_INET6, buf, ip.bytes.data()) == 1) {
        ip.family = AddressFamily::kIpv6;
        return ip;
    }
    return std::nullopt;
}

std::optional<Endpoint> parse_endpoint(std::string_view text) {
    std::string_view host;
    std::string_view port;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find("]:");
        if (close == std::string_view::npos) return std::nullopt;
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos) return std::nullopt;
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        if (host.find(':') != std::string_view::npos) return std::nullopt;  // IPv6 needs [ ]
    }
    auto ip = parse_ip_address(host);
    if (!ip) return std::nullopt;
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || port.empty() || value > 65535) {
        return std::nullopt;
    }
    return Endpoint{*ip, static_cast<std::uint16_t>(value)};
}

std::optional<MacAddress> parse_mac(std::string_view text) {
    if (text.size() != 17) return std::nullopt;
    MacAddress mac{};
    for (std::size_t i = 0; i < 6; ++i) {
        if (i > 0 && text[3 * i - 1] != ':' && text[3 * i - 1] != '-') return std::nullopt;
        unsigned v = 0;
        const char* p = text.data() + 3 * i;
        const auto [end, ec] = std::from_chars(p, p + 2, v, 16);
        if (ec != std::errc() || end != p + 2) return std::nullopt;
        mac[i] = static_cast<std::uint8_t>(v);
    }
    return mac;
}

std::string to_string(const IpAddress& address) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (address.family == AddressFamily::kIpv4) {
        ::inet_ntop(AF_INET, address.bytes.data(), buf, sizeof(buf));
    } else if (address.family == AddressFamily::kIpv6) {
        ::inet_ntop(AF_INET6, address.bytes.data(), buf, sizeof(buf));
    } else {
        return "none";
    }
    return buf;
}

std::string to_string(const Endpoint& endpoint) {
    if (endpoint.address.family == AddressFamily::kIpv6) {
        return "[" + to_string(endpoint.address) + "]:" + std::to_string(endpoint.port);
    }
    return to_string(endpoint.address) + ":" + std::to_string(endpoint.port);
}

std::string to_string(const MacAddress& mac) {
    char buf[18];
    std::snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
                  mac[4], mac[5]);
    return buf;
}

std::string_view to_string(Latching latching) noexcept {
    switch (latching) {
        case Latching::kOff: return "off";
        case Latching::kLearnOnce: return "learn-once";
        case Latching::kStrict: return "strict";
    }
    return "off";
}

std::optional<Latching> latching_from_name(std::string_view name) noexcept {
    for (auto l : {Latching::kOff, Latching::kLearnOnce, Latching::kStrict}) {
        if (to_string(l) == name) return l;
    }
    return std::nullopt;
}

std::string_view to_string(RtcpMode mode) noexcept {
    return mode == RtcpMode::kTerminate ? "terminate" : "pass-through";
}

std::optional<RtcpMode> rtcp_mode_from_name(std::string_view name) noexcept {
    if (name == "pass-through") return RtcpMode::kPassThrough;
    if (name == "terminate") return RtcpMode::kTerminate;
    return std::nullopt;
}

}  // namespace rtpx::flowapi
