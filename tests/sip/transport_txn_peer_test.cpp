// TxnPeer <-> SockAddr/TransportProto: what a UA core converts between its transports and the
// transaction layer.
#include <gtest/gtest.h>

#include "rtpx/sip/transport/txn_peer.hpp"

namespace rtpx::sip {
namespace {

TEST(TxnPeerConversion, RoundTripsIpv4AndIpv6WithTheConnection) {
    for (const char* text : {"192.0.2.7:5070", "[2001:db8::9]:40000", "[::ffff:192.0.2.1]:5060"}) {
        auto a = SockAddr::parse(text);
        ASSERT_TRUE(a) << text;
        TxnPeer p = txn_peer(*a, TransportProto::kTcp, 42);
        EXPECT_EQ(p.transport, TxnTransport::kTcp);
        EXPECT_TRUE(p.reliable());
        EXPECT_EQ(p.connection, 42u);
        EXPECT_EQ(p.port, a->port());
        EXPECT_EQ(p.ipv6, a->is_ipv6());
        EXPECT_EQ(peer_address(p), *a) << text;
        EXPECT_EQ(peer_address(p).to_string(), a->to_string());
    }
}

TEST(TxnPeerConversion, MapsTransportsBothWays) {
    for (auto proto : {TransportProto::kUdp, TransportProto::kTcp, TransportProto::kTls})
        EXPECT_EQ(transport_proto(txn_transport(proto)), proto);
    EXPECT_FALSE(transport_proto(TxnTransport::kWs));
    EXPECT_FALSE(transport_proto(TxnTransport::kSctp));
    EXPECT_FALSE(txn_peer(SockAddr::ipv4_loopback(5060), TransportProto::kUdp).reliable());
}

TEST(TxnPeerConversion, DistinctAddressesGiveDistinctPeers) {
    // The layer compares peers (RFC 3261 17.2.3 sent-by checks are the TU's): same address and
    // port, same peer; another port or family, another peer.
    auto a = txn_peer(*SockAddr::parse("192.0.2.7:5070"), TransportProto::kUdp);
    EXPECT_EQ(a, txn_peer(*SockAddr::parse("192.0.2.7:5070"), TransportProto::kUdp));
    EXPECT_NE(a, txn_peer(*SockAddr::parse("192.0.2.7:5071"), TransportProto::kUdp));
    EXPECT_NE(a, txn_peer(*SockAddr::parse("[::ffff:192.0.2.7]:5070"), TransportProto::kUdp));
}

}  // namespace
}  // namespace rtpx::sip
