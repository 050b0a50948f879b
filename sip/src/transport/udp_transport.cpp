#include "rtpx/sip/transport/udp_transport.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "delivery.hpp"

namespace rtpx::sip {

UdpTransport::UdpTransport(EventLoop& loop, TransportUser& user, const UdpConfig& config)
    : loop_(loop), user_(user), config_(config) {}

tl::expected<std::unique_ptr<UdpTransport>, int> UdpTransport::open(EventLoop& loop,
                                                                    TransportUser& user,
                                                                    const UdpConfig& config) {
    std::unique_ptr<UdpTransport> t(new UdpTransport(loop, user, config));
    t->config_.batch = std::max<std::size_t>(1, config.batch);
    t->fd_ = ::socket(config.bind.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (t->fd_ < 0) return tl::unexpected(errno);
    if (config.bind.is_ipv6()) {
        int one = 1;
        setsockopt(t->fd_, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    }
    if (config.receive_buffer_bytes > 0) {
        setsockopt(t->fd_, SOL_SOCKET, SO_RCVBUF, &config.receive_buffer_bytes,
                   sizeof config.receive_buffer_bytes);
    }
    if (::bind(t->fd_, config.bind.sa(), config.bind.length()) != 0) return tl::unexpected(errno);
    sockaddr_storage bound{};
    socklen_t len = sizeof bound;
    getsockname(t->fd_, reinterpret_cast<sockaddr*>(&bound), &len);
    t->local_ = SockAddr::from_sockaddr(reinterpret_cast<sockaddr*>(&bound), len);
    t->delivery_ = std::make_unique<detail::Delivery>(user, t->counters_, config.max_message_bytes);
    t->buffers_.resize(t->config_.batch * (config.max_message_bytes + 1));
    t->sources_.resize(t->config_.batch);
    t->msgs_.resize(t->config_.batch);
    t->iovs_.resize(t->config_.batch);
    UdpTransport* self = t.get();
    if (auto r = loop.add_fd(t->fd_, EPOLLIN, [self](std::uint32_t) { self->on_readable(); }); !r) {
        return tl::unexpected(r.error());
    }
    return t;
}

UdpTransport::~UdpTransport() {
    if (fd_ >= 0) {
        loop_.remove_fd(fd_);
        ::close(fd_);
    }
}

tl::expected<void, TransportError> UdpTransport::send(
    const SockAddr& to, std::span<const std::uint8_t> bytes) noexcept {
    auto fail = [&](TransportErrc code, int err) {
        ++counters_.send_errors;
        return tl::unexpected(TransportError{code, TransportProto::kUdp, to, 0, err});
    };
    if (to.family() != local_.family()) return fail(TransportErrc::kNoRoute, EAFNOSUPPORT);
    if (bytes.size() > 65507) return fail(TransportErrc::kMessageTooLarge, EMSGSIZE);
    iovec iov{const_cast<std::uint8_t*>(bytes.data()), bytes.size()};
    msghdr msg{};
    msg.msg_name = const_cast<sockaddr*>(to.sa());
    msg.msg_namelen = to.length();
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    ssize_t n;
    do {
        n = ::sendmsg(fd_, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return fail(TransportErrc::kSendFailed, errno);
    ++counters_.sent_messages;
    return {};
}

namespace {

bool only_crlf(std::span<const std::uint8_t> b) noexcept {
    return std::all_of(b.begin(), b.end(), [](std::uint8_t c) { return c == '\r' || c == '\n'; });
}

}  // namespace

void UdpTransport::on_readable() {
    const std::size_t slot = config_.max_message_bytes + 1;  // +1: detect oversized datagrams
    auto& msgs = msgs_;
    auto& iovs = iovs_;
    for (int round = 0; round < 8; ++round) {  // bounded: let other fds run under a flood
        for (std::size_t i = 0; i < config_.batch; ++i) {
            iovs[i] = iovec{buffers_.data() + i * slot, slot};
            msgs[i] = mmsghdr{};
            msgs[i].msg_hdr.msg_iov = &iovs[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_hdr.msg_name = &sources_[i];
            msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
        }
        int n = ::recvmmsg(fd_, msgs.data(), static_cast<unsigned>(config_.batch), MSG_DONTWAIT,
                           nullptr);
        if (n <= 0) return;
        for (int k = 0; k < n; ++k) {
            auto i = static_cast<std::size_t>(k);
            std::span<const std::uint8_t> bytes(buffers_.data() + i * slot, msgs[i].msg_len);
            if (bytes.empty() || only_crlf(bytes)) continue;  // keep-alive
            SockAddr from = SockAddr::from_sockaddr(reinterpret_cast<sockaddr*>(&sources_[i]),
                                                    msgs[i].msg_hdr.msg_namelen);
            delivery_->deliver(bytes, TransportProto::kUdp, local_, from, 0,
                               [this, &from](std::string&& reply) { (void)send(from, reply); });
        }
        if (static_cast<std::size_t>(n) < config_.batch) return;
    }
}

}  // namespace rtpx::sip
