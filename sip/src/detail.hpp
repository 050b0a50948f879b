// Helpers shared by the sip/ parsers (private to the library).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "rtpx/sip/error.hpp"

namespace rtpx::sip::detail {

struct HostPort {
    std::string_view host;
    std::optional<std::uint16_t> port;
    bool ipv6 = false;
    std::size_t length = 0;  // bytes consumed
};

// host [":" port] at the start of `s` (hostname, IPv4address or IPv6reference; RFC 3261 25.1).
// Error offsets are relative to `s`.
[[nodiscard]] SipParseResult<HostPort> parse_hostport(std::string_view s) noexcept;

}  // namespace rtpx::sip::detail
