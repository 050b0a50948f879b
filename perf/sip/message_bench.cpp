// SIP message micro-benchmarks: parse a typical INVITE with an SDP body (RFC 3665 3.1 F1 plus the
// headers a real UA sends), read the fields a transaction layer needs, run the full syntax check,
// build and serialise a response. BM_SipMessage_Parse is the same-run baseline; the goal
// is >= 1 million parses per second per core (<= 1 us per message).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include "rtpx/sip/builder.hpp"
#include "rtpx/sip/message.hpp"
#include "rtpx/sip/multipart.hpp"

namespace rtpx::sip {
namespace {

const std::string kInvite =
    "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9;rport\r\n"
    "Max-Forwards: 70\r\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
    "To: Bob <sip:bob@biloxi.example.com>\r\n"
    "Call-ID: 3848276298220188511@atlanta.example.com\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: <sip:alice@client.atlanta.example.com;transport=udp>\r\n"
    "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, PRACK, INFO, REFER, NOTIFY\r\n"
    "Supported: 100rel, timer, replaces\r\n"
    "Session-Expires: 1800;refresher=uac\r\n"
    "User-Agent: rtpx-bench/1.0\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 151\r\n"
    "\r\n"
    "v=0\r\n"
    "o=alice 2890844526 2890844526 IN IP4 client.atlanta.example.com\r\n"
    "s=-\r\n"
    "c=IN IP4 192.0.2.101\r\n"
    "t=0 0\r\n"
    "m=audio 49172 RTP/AVP 0\r\n"
    "a=rtpmap:0 PCMU/8000\r\n";

void BM_SipMessage_Parse(benchmark::State& state) {
    for (auto _ : state) {
        benchmark::DoNotOptimize(kInvite.data());
        auto m = SipMessageView::parse(kInvite);
        benchmark::DoNotOptimize(m);
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kInvite.size()));
}
BENCHMARK(BM_SipMessage_Parse);

// Parse, then what a transaction layer and a B2BUA read first: top Via (branch, sent-by), From/To
// tags, Call-ID, CSeq, Max-Forwards, Content-Type and the SDP body.
void BM_SipMessage_ParseAndReadCommonFields(benchmark::State& state) {
    std::uint64_t sum = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(kInvite.data());
        auto m = SipMessageView::parse(kInvite);
        if (!m) {
            state.SkipWithError("parse failed");
            break;
        }
        auto via = m->top_via();
        auto from = m->from();
        auto to = m->to();
        auto call_id = m->call_id();
        auto cseq = m->cseq();
        auto mf = m->max_forwards();
        auto sdp = find_sdp_body(*m);
        if (!via || !from || !to || !call_id || !cseq || !mf || !sdp) {
            state.SkipWithError("field missing");
            break;
        }
        sum += via->branch().size() + from->tag().size() + to->tag().size() + call_id->size() +
               cseq->seq + *mf + sdp->size();
    }
    benchmark::DoNotOptimize(sum);
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SipMessage_ParseAndReadCommonFields);

void BM_SipMessage_ParseAndCheckSyntax(benchmark::State& state) {
    for (auto _ : state) {
        benchmark::DoNotOptimize(kInvite.data());
        auto m = SipMessageView::parse(kInvite);
        auto ok = m ? m->check_syntax() : SipParseResult<void>{};
        benchmark::DoNotOptimize(ok);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SipMessage_ParseAndCheckSyntax);

// make_response (8.2.6) from the parsed INVITE, serialised into a reused buffer.
void BM_SipMessage_BuildAndSerializeResponse(benchmark::State& state) {
    auto m = SipMessageView::parse(kInvite);
    std::string out;
    for (auto _ : state) {
        SipMessage r = make_response(*m, 180, {}, "8321234356");
        out.clear();
        r.serialize_to(out);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SipMessage_BuildAndSerializeResponse);

}  // namespace
}  // namespace rtpx::sip
