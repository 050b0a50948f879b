// SockAddr: an IPv4 or IPv6 socket address (address + port) for the SIP transports.
//
// A value type around sockaddr_storage with parsing from SIP's textual forms ("192.0.2.1",
// "[2001:db8::1]", "2001:db8::1", each with an optional ":port"), printing, equality and a hash so
// it can key connection tables. No name resolution here: hosts are numeric (DNS, RFC 3263, is the
// caller's business).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rtpx::sip {

class SockAddr {
  public:
    SockAddr() noexcept;

    // Numeric host with an optional port ("[::1]:5060", "127.0.0.1", "::1"); `default_port` when
    // the text has none. nullopt when the host is not a numeric IPv4/IPv6 address.
    [[nodiscard]] static std::optional<SockAddr> parse(std::string_view text,
                                                       std::uint16_t default_port = 5060) noexcept;
    // Numeric host alone (brackets allowed for IPv6) and a port.
    [[nodiscard]] static std::optional<SockAddr> from_host(std::string_view host,
                                                           std::uint16_t port) noexcept;
    [[nodiscard]] static SockAddr from_sockaddr(const sockaddr* sa, socklen_t len) noexcept;
    [[nodiscard]] static SockAddr ipv4_loopback(std::uint16_t port) noexcept;
    [[nodiscard]] static SockAddr ipv6_loopback(std::uint16_t port) noexcept;

    [[nodiscard]] int family() const noexcept { return storage_.ss_family; }
    [[nodiscard]] bool is_ipv6() const noexcept { return storage_.ss_family == AF_INET6; }
    [[nodiscard]] bool valid() const noexcept {
        return storage_.ss_family == AF_INET || storage_.ss_family == AF_INET6;
    }
    [[nodiscard]] std::uint16_t port() const noexcept;
    void set_port(std::uint16_t port) noexcept;

    [[nodiscard]] const sockaddr* sa() const noexcept {
        return reinterpret_cast<const sockaddr*>(&storage_);
    }
    [[nodiscard]] sockaddr* sa() noexcept { return reinterpret_cast<sockaddr*>(&storage_); }
    [[nodiscard]] socklen_t length() const noexcept;

    // "192.0.2.1" / "2001:db8::1" (no brackets): the form of a Via received= parameter.
    [[nodiscard]] std::string host_string() const;
    // Writes host_string() into `out` (at least INET6_ADDRSTRLEN bytes); returns its length.
    [[nodiscard]] std::size_t host_into(char* out, std::size_t size) const noexcept;
    // "192.0.2.1:5060" / "[2001:db8::1]:5060".
    [[nodiscard]] std::string to_string() const;

    // Same address (ignoring the port).
    [[nodiscard]] bool same_host(const SockAddr& other) const noexcept;
    [[nodiscard]] bool operator==(const SockAddr& other) const noexcept;
    [[nodiscard]] std::size_t hash() const noexcept;

  private:
    sockaddr_storage storage_;
};

struct SockAddrHash {
    std::size_t operator()(const SockAddr& a) const noexcept { return a.hash(); }
};

}  // namespace rtpx::sip
