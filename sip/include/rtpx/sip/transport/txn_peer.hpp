// The seam between the transports' addresses (SockAddr, TransportProto, ConnectionId) and the
// sans-IO transaction layer's TxnPeer, which holds plain bytes so the layer stays independent of
// socket types. A UA core converts a received message's source with txn_peer() before
// TransactionLayer::on_message, and a kSend action's peer back with peer_address() (and
// transport_proto()) before handing the bytes to a transport.
#pragma once

#include "rtpx/sip/transaction/types.hpp"
#include "rtpx/sip/transport/address.hpp"
#include "rtpx/sip/transport/transport.hpp"

namespace rtpx::sip {

[[nodiscard]] TxnTransport txn_transport(TransportProto proto) noexcept;
// kUdp, kTcp, kTls; nullopt for the transports that have no adapter here (SCTP, WS, WSS).
[[nodiscard]] std::optional<TransportProto> transport_proto(TxnTransport transport) noexcept;

// `connection`: the stream connection the message came on (0 for UDP), kept in TxnPeer.connection.
[[nodiscard]] TxnPeer txn_peer(const SockAddr& address, TransportProto proto,
                               ConnectionId connection = 0) noexcept;
// The address and port of `peer` (IPv4 or IPv6).
[[nodiscard]] SockAddr peer_address(const TxnPeer& peer) noexcept;

}  // namespace rtpx::sip
