#include "rtpx/sip/transport/txn_peer.hpp"

#include <netinet/in.h>

#include <cstring>

namespace rtpx::sip {

TxnTransport txn_transport(TransportProto proto) noexcept {
    switch (proto) {
        case TransportProto::kUdp: return TxnTransport::kUdp;
        case TransportProto::kTcp: return TxnTransport::kTcp;
        case TransportProto::kTls: return TxnTransport::kTls;
    }
    return TxnTransport::kUdp;
}

std::optional<TransportProto> transport_proto(TxnTransport transport) noexcept {
    switch (transport) {
        case TxnTransport::kUdp: return TransportProto::kUdp;
        case TxnTransport::kTcp: return TransportProto::kTcp;
        case TxnTransport::kTls: return TransportProto::kTls;
        case TxnTransport::kSctp:
        case TxnTransport::kWs:
        case TxnTransport::kWss: return std::nullopt;
    }
    return std::nullopt;
}

TxnPeer txn_peer(const SockAddr& address, TransportProto proto, ConnectionId connection) noexcept {
    TxnPeer p;
    p.transport = txn_transport(proto);
    p.port = address.port();
    p.ipv6 = address.is_ipv6();
    if (p.ipv6) {
        const auto* sa = reinterpret_cast<const sockaddr_in6*>(address.sa());
        std::memcpy(p.address.data(), &sa->sin6_addr, 16);
    } else {
        const auto* sa = reinterpret_cast<const sockaddr_in*>(address.sa());
        std::memcpy(p.address.data(), &sa->sin_addr, 4);
    }
    p.connection = connection;
    return p;
}

SockAddr peer_address(const TxnPeer& peer) noexcept {
    sockaddr_storage ss{};
    if (peer.ipv6) {
        auto* sa = reinterpret_cast<sockaddr_in6*>(&ss);
        sa->sin6_family = AF_INET6;
        std::memcpy(&sa->sin6_addr, peer.address.data(), 16);
        sa->sin6_port = htons(peer.port);
        return SockAddr::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), sizeof(sockaddr_in6));
    }
    auto* sa = reinterpret_cast<sockaddr_in*>(&ss);
    sa->sin_family = AF_INET;
    std::memcpy(&sa->sin_addr, peer.address.data(), 4);
    sa->sin_port = htons(peer.port);
    return SockAddr::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), sizeof(sockaddr_in));
}

}  // namespace rtpx::sip
