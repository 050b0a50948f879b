// SIP transport receive path: top-Via annotation (RFC 3581) alone, and whole UDP loopback round
// trips through UdpTransport (sendmsg, recvmmsg, parse, check_syntax, annotate, deliver).
#include <benchmark/benchmark.h>

#include <array>
#include <string>

#include "rtpx/sip/transport/udp_transport.hpp"

namespace {

using namespace rtpx::sip;

const std::string kInvite =
    "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9;rport\r\n"
    "Max-Forwards: 70\r\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
    "To: Bob <sip:bob@biloxi.example.com>\r\n"
    "Call-ID: 3848276298220188511@atlanta.example.com\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: <sip:alice@client.atlanta.example.com;transport=udp>\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 151\r\n\r\n"
    "v=0\r\no=alice 2890844526 2890844526 IN IP4 client.atlanta.example.com\r\ns=-\r\n"
    "c=IN IP4 192.0.2.101\r\nt=0 0\r\nm=audio 49172 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

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
