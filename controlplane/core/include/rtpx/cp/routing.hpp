// Static routing of new calls: the first [[route]] whose conditions all hold for the request-URI
// (user prefix, domain/host) gives the B leg's next hop, transport, listener, SRTP policy and
// media interfaces. A route without next_hop sends the call to the request-URI's own host:port.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "rtpx/cp/config.hpp"
#include "rtpx/sip/transport/address.hpp"

namespace rtpx::cp {

struct RouteDecision {
    const RouteConfig* route = nullptr;
    sip::SockAddr next_hop;
    sip::TransportProto proto = sip::TransportProto::kUdp;
    std::string request_uri;  // of the B leg's INVITE
};

// nullopt: no route matches (404), or the matching route needs the request-URI's host and it is
// not numeric (DNS is not done here: 404 too).
[[nodiscard]] std::optional<RouteDecision> select_route(const Config& config,
                                                        std::string_view request_uri);

}  // namespace rtpx::cp
