// SIP transport receive path: top-Via annotation (RFC 3581) alone, and whole UDP loopback round
// trips through UdpTransport (sendmsg, recvmmsg, parse, check_syntax, annotate, deliver).
#include <benchmark/benchmark.h>

#include <array>
#include <string>

#include "rtpx/sip/transport/udp_transport.hpp"

namespace {

using namespace rtpx::sip;

// A typical in-dialog request: the annotation only reads and rewrites the top Via.
const std::string kInvite =
    "BYE sip:bob@192.0.2.4:5060 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9;rport\r\n"
    "Via: SIP/2.0/UDP proxy.atlanta.example.com;branch=z9hG4bK4b43c2ff8.1;received=192.0.2.101\r\n"
    "Max-Forwards: 69\r\n"
    "Route: <sip:proxy.biloxi.example.com;lr>\r\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
    "To: Bob <sip:bob@biloxi.example.com>;tag=8321234356\r\n"
    "Call-ID: 3848276298220188511@atlanta.example.com\r\n"
    "CSeq: 2 BYE\r\n"
    "Content-Length: 0\r\n\r\n";

void BM_Transport_AnnotateTopVia(benchmark::State& state) {
    auto view = SipMessageView::parse(kInvite);
    SockAddr source = *SockAddr::parse("198.51.100.9:40123");
    std::array<std::uint8_t, 4096> out{};
    for (auto _ : state) {
        auto n = annotate_top_via(*view, source, out);
        benchmark::DoNotOptimize(n);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kInvite.size()));
}
BENCHMARK(BM_Transport_AnnotateTopVia);

class Counter : public TransportUser {
  public:
    void on_message(const ReceivedMessage& m) override {
        benchmark::DoNotOptimize(m.message.bytes().data());
        ++received;
    }
    void on_transport_error(const TransportError&) override {}
    std::size_t received = 0;
};

void BM_Transport_UdpLoopbackReceive(benchmark::State& state) {
    const auto burst = static_cast<std::size_t>(state.range(0));
    EventLoop loop;
    Counter sink, receiver;
    UdpConfig config;
    config.bind = SockAddr::ipv4_loopback(0);
    config.receive_buffer_bytes = 4 << 20;
    auto a = std::move(UdpTransport::open(loop, sink, config).value());
    auto b = std::move(UdpTransport::open(loop, receiver, config).value());
    for (auto _ : state) {
        std::size_t target = receiver.received + burst;
        for (std::size_t i = 0; i < burst; ++i) (void)a->send(b->local(), kInvite);
        while (receiver.received < target) {
            if (loop.poll(std::chrono::milliseconds(100)) == 0) break;  // a lost datagram: go on
        }
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(burst));
}
BENCHMARK(BM_Transport_UdpLoopbackReceive)->Arg(1)->Arg(16)->Arg(64);

}  // namespace
