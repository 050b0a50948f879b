#include "rtpx/sip/transport/address.hpp"

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <cstring>

namespace rtpx::sip {

SockAddr::SockAddr() noexcept {
    std::memset(&storage_, 0, sizeof storage_);
}

std::optional<SockAddr> SockAddr::from_host(std::string_view host, std::uint16_t port) noexcept {
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    std::array<char, INET6_ADDRSTRLEN + 1> text{};
    if (host.empty() || host.size() >= text.size()) return std::nullopt;
    std::memcpy(text.data(), host.data(), host.size());
    SockAddr out;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&out.storage_);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&out.storage_);
    if (inet_pton(AF_INET, text.data(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        return out;
    }
    std::memset(&out.storage_, 0, sizeof out.storage_);
    if (inet_pton(AF_INET6, text.data(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        return out;
    }
    return std::nullopt;
}

std::optional<SockAddr> SockAddr::parse(std::string_view text,
                                        std::uint16_t default_port) noexcept {
    std::string_view host = text;
    std::string_view port_text;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        host = text.substr(0, close + 1);
        auto rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return std::nullopt;
            port_text = rest.substr(1);
        }
    } else if (text.find(':') == text.rfind(':') && text.find(':') != std::string_view::npos) {
        auto colon = text.find(':');  // IPv4 or name with a port; bare IPv6 has several colons
        host = text.substr(0, colon);
        port_text = text.substr(colon + 1);
    }
    std::uint16_t port = default_port;
    if (!port_text.empty() || (host.size() != text.size() && port_text.empty())) {
        auto [ptr, ec] =
            std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
        if (ec != std::errc() || ptr != port_text.data() + port_text.size()) return std::nullopt;
    }
    return from_host(host, port);
}

SockAddr SockAddr::from_sockaddr(const sockaddr* sa, socklen_t len) noexcept {
    SockAddr out;
    std::memcpy(&out.storage_, sa, std::min<std::size_t>(len, sizeof out.storage_));
    return out;
}

SockAddr SockAddr::ipv4_loopback(std::uint16_t port) noexcept {
    return *from_host("127.0.0.1", port);
}

SockAddr SockAddr::ipv6_loopback(std::uint16_t port) noexcept {
    return *from_host("::1", port);
}

std::uint16_t SockAddr::port() const noexcept {
    if (storage_.ss_family == AF_INET) {
        return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
    }
    if (storage_.ss_family == AF_INET6) {
        return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
    }
    return 0;
}

void SockAddr::set_port(std::uint16_t port) noexcept {
    if (storage_.ss_family == AF_INET) {
        reinterpret_cast<sockaddr_in*>(&storage_)->sin_port = htons(port);
    } else if (storage_.ss_family == AF_INET6) {
        reinterpret_cast<sockaddr_in6*>(&storage_)->sin6_port = htons(port);
    }
}

socklen_t SockAddr::length() const noexcept {
    if (storage_.ss_family == AF_INET) return sizeof(sockaddr_in);
    if (storage_.ss_family == AF_INET6) return sizeof(sockaddr_in6);
    return sizeof storage_;
}

std::size_t SockAddr::host_into(char* out, std::size_t size) const noexcept {
    const void* addr = nullptr;
    if (storage_.ss_family == AF_INET) {
        addr = &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr;
    } else if (storage_.ss_family == AF_INET6) {
        addr = &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr;
    }
    if (addr == nullptr ||
        inet_ntop(storage_.ss_family, addr, out, static_cast<socklen_t>(size)) == nullptr) {
        if (size > 0) out[0] = '\0';
        return 0;
    }
    return std::strlen(out);
}

std::string SockAddr::host_string() const {
    std::array<char, INET6_ADDRSTRLEN> buf{};
    return std::string(buf.data(), host_into(buf.data(), buf.size()));
}

std::string SockAddr::to_string() const {
    std::string host = host_string();
    std::string out = is_ipv6() ? "[" + host + "]" : host;
    out += ':';
    out += std::to_string(port());
    return out;
}

bool SockAddr::same_host(const SockAddr& other) const noexcept {
    if (storage_.ss_family != other.storage_.ss_family) return false;
    if (storage_.ss_family == AF_INET) {
        return reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr.s_addr ==
               reinterpret_cast<const sockaddr_in*>(&other.storage_)->sin_addr.s_addr;
    }
    if (storage_.ss_family == AF_INET6) {
        return std::memcmp(&reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr,
                           &reinterpret_cast<const sockaddr_in6*>(&other.storage_)->sin6_addr,
                           sizeof(in6_addr)) == 0;
    }
    return false;
}

bool SockAddr::operator==(const SockAddr& other) const noexcept {
    return same_host(other) && port() == other.port();
}

std::size_t SockAddr::hash() const noexcept {
    std::size_t h = 1469598103934665603ULL;
    auto mix = [&h](const void* p, std::size_t n) {
        const auto* b = static_cast<const unsigned char*>(p);
        for (std::size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ULL;
    };
    std::uint16_t p = port();
    mix(&p, sizeof p);
    if (storage_.ss_family == AF_INET) {
        mix(&reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, sizeof(in_addr));
    } else if (storage_.ss_family == AF_INET6) {
        mix(&reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, sizeof(in6_addr));
    }
    return h;
}

}  // namespace rtpx::sip
