// Interfaces and their port pools: even ports handed out round-robin, P + 1 reserved with P.
#include <algorithm>
#include <string>

#include "rtpx/media/media.hpp"

namespace rtpx::media {

std::string_view to_string(MediaError::Code code) noexcept {
    switch (code) {
        case MediaError::Code::kBadSdp: return "bad SDP";
        case MediaError::Code::kNoPorts: return "no free ports";
        case MediaError::Code::kNoInterface: return "no such interface";
        case MediaError::Code::kNoCommonCrypto: return "no common crypto suite";
        case MediaError::Code::kDataplane: return "data plane error";
        case MediaError::Code::kState: return "wrong state";
        case MediaError::Code::kNotFound: return "not found";
    }
    return "unknown";
}

PortPools::PortPools(const std::vector<DataplaneConfig>& dataplanes) {
    for (std::size_t d = 0; d < dataplanes.size(); ++d) {
        for (const auto& iface : dataplanes[d].interfaces) {
            Pool pool;
            // Even ports P with P + 1 <= port_max.
            const std::uint32_t first = (iface.port_min + 1u) & ~1u;
            pool.first = static_cast<std::uint16_t>(first);
            if (first < 65535 && first + 1 <= iface.port_max) {
                pool.used.assign((iface.port_max - first - 1) / 2 + 1, false);
            }
            interfaces_.push_back(iface);
            dataplane_.push_back(d);
            pools_.push_back(std::move(pool));
        }
    }
}

const Interface* PortPools::find(std::string_view name) const noexcept {
    if (interfaces_.empty()) return nullptr;
    if (name.empty()) return &interfaces_.front();
    for (const auto& i : interfaces_) {
        if (i.name == name) return &i;
    }
    return nullptr;
}

const Interface* PortPools::find(const flowapi::IpAddress& address) const noexcept {
    for (const auto& i : interfaces_) {
        if (i.address == address) return &i;
    }
    return nullptr;
}

std::size_t PortPools::dataplane_of(const Interface& iface) const noexcept {
    return dataplane_[static_cast<std::size_t>(&iface - interfaces_.data())];
}

std::optional<std::size_t> PortPools::dataplane_of(const flowapi::IpAddress& address) const noexcept {
    const Interface* i = find(address);
    if (i == nullptr) return std::nullopt;
    return dataplane_of(*i);
}

tl::expected<std::uint16_t, MediaError> PortPools::allocate(const Interface& iface) {
    auto& pool = pools_[static_cast<std::size_t>(&iface - interfaces_.data())];
    const std::size_t n = pool.used.size();
    for (std::size_t k = 0; k < n; ++k) {
        const std::size_t i = (pool.next + k) % n;
        if (pool.used[i]) continue;
        pool.used[i] = true;
        pool.next = (i + 1) % n;
        ++pool.count;
        return static_cast<std::uint16_t>(pool.first + 2 * i);
    }
    return tl::unexpected(MediaError{MediaError::Code::kNoPorts,
                                     "no free port pair on interface " + iface.name + " (" +
                                         std::to_string(iface.port_min) + "-" +
                                         std::to_string(iface.port_max) + ")"});
}

namespace {
// The pair index of `port` in `pool`, or nullopt when outside.
template <class Pool>
std::optional<std::size_t> pair_index(const Pool& pool, std::uint16_t port) noexcept {
    if (port < pool.first) return std::nullopt;
    const std::size_t i = static_cast<std::size_t>(port - pool.first) / 2;
    if (i >= pool.used.size()) return std::nullopt;
    return i;
}
}  // namespace

bool PortPools::reserve(const flowapi::IpAddress& address, std::uint16_t port) {
    const Interface* iface = find(address);
    if (iface == nullptr) return false;
    auto& pool = pools_[static_cast<std::size_t>(iface - interfaces_.data())];
    auto i = pair_index(pool, port);
    if (!i || pool.used[*i]) return false;
    pool.used[*i] = true;
    ++pool.count;
    return true;
}

void PortPools::release(const flowapi::IpAddress& address, std::uint16_t port) {
    const Interface* iface = find(address);
    if (iface == nullptr) return;
    auto& pool = pools_[static_cast<std::size_t>(iface - interfaces_.data())];
    auto i = pair_index(pool, port);
    if (!i || !pool.used[*i]) return;
    pool.used[*i] = false;
    --pool.count;
}

bool PortPools::in_use(const flowapi::IpAddress& address, std::uint16_t port) const noexcept {
    const Interface* iface = find(address);
    if (iface == nullptr) return false;
    const auto& pool = pools_[static_cast<std::size_t>(iface - interfaces_.data())];
    auto i = pair_index(pool, port);
    return i && pool.used[*i];
}

std::size_t PortPools::used(std::string_view interface) const noexcept {
    const Interface* iface = find(interface);
    if (iface == nullptr) return 0;
    return pools_[static_cast<std::size_t>(iface - interfaces_.data())].count;
}

}  // namespace rtpx::media
