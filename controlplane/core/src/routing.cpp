#include "rtpx/cp/routing.hpp"

#include <algorithm>
#include <cctype>

#include "rtpx/sip/uri.hpp"

namespace rtpx::cp {

namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

}  // namespace

std::optional<RouteDecision> select_route(const Config& config, std::string_view request_uri) {
    auto uri = sip::UriView::parse(request_uri);
    if (!uri) return std::nullopt;
    for (const RouteConfig& r : config.routes) {
        if (!r.user_prefix.empty() && !uri->user.starts_with(r.user_prefix)) continue;
        if (!r.domain.empty() && !iequals(uri->host_bare(), r.domain) &&
            !iequals(uri->host, r.domain))
            continue;
        RouteDecision d;
        d.route = &r;
        d.proto = r.proto;
        d.request_uri = r.request_uri.empty() ? std::string(request_uri) : r.request_uri;
        if (r.next_hop) {
            d.next_hop = *r.next_hop;
        } else {
            std::uint16_t port =
                uri->port.value_or(r.proto == sip::TransportProto::kTls ? 5061 : 5060);
            auto sa = sip::SockAddr::from_host(uri->host, port);
            if (!sa) return std::nullopt;
            d.next_hop = *sa;
        }
        return d;
    }
    return std::nullopt;
}

}  // namespace rtpx::cp
