// UdpTransport: SIP over UDP (RFC 3261 18) on one bound socket, IPv4 or IPv6.
//
// Receives in batches with recvmmsg (buffers sized at open, none per datagram), parses each
// datagram as SipTransportKind::kDatagram and delivers it through the TransportUser (requests with
// their top Via annotated: see transport.hpp). A datagram of CRLFs only (a keep-alive) is ignored.
// Unparseable datagrams are counted; requests that can still be answered get a 400 sent back to
// the source address.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include <tl/expected.hpp>

#include "rtpx/sip/transport/event_loop.hpp"
#include "rtpx/sip/transport/transport.hpp"

namespace rtpx::sip {

namespace detail {
class Delivery;
}

struct UdpConfig {
    SockAddr bind;  // port 0: an ephemeral port (see local())
    std::size_t max_message_bytes = 65535;
    std::size_t batch = 16;        // datagrams per recvmmsg
    int receive_buffer_bytes = 0;  // SO_RCVBUF when > 0
};

class UdpTransport {
  public:
    // errno on failure (socket, bind, epoll registration).
    [[nodiscard]] static tl::expected<std::unique_ptr<UdpTransport>, int> open(
        EventLoop& loop, TransportUser& user, const UdpConfig& config);
    ~UdpTransport();
    UdpTransport(const UdpTransport&) = delete;
    UdpTransport& operator=(const UdpTransport&) = delete;

    [[nodiscard]] const SockAddr& local() const noexcept { return local_; }

    // One datagram to `to` (sendmsg). Errors are returned, not reported through the user.
    [[nodiscard]] tl::expected<void, TransportError> send(
        const SockAddr& to, std::span<const std::uint8_t> bytes) noexcept;
    [[nodiscard]] tl::expected<void, TransportError> send(const SockAddr& to,
                                                          std::string_view bytes) noexcept {
        return send(to,
                    std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
    }

    [[nodiscard]] const TransportCounters& counters() const noexcept { return counters_; }

  private:
    UdpTransport(EventLoop& loop, TransportUser& user, const UdpConfig& config);
    void on_readable();

    EventLoop& loop_;
    TransportUser& user_;
    UdpConfig config_;
    int fd_ = -1;
    SockAddr local_;
    TransportCounters counters_;
    std::unique_ptr<detail::Delivery> delivery_;
    std::vector<std::uint8_t> buffers_;  // batch * (max_message_bytes + 1)
    std::vector<sockaddr_storage> sources_;
    std::vector<mmsghdr> msgs_;
    std::vector<iovec> iovs_;
};

}  // namespace rtpx::sip
