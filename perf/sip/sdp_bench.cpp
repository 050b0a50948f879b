// SDP micro-benchmarks: parse a typical two-media SIP offer (audio with SDES-SRTP and
// telephone-event, video with H264), answer it (RFC 3264), serialise the answer; and the whole
// B2BUA step (parse, rewrite address/port/crypto, bump version, serialise). BM_Sdp_CopyText (copy
// the offer into a std::string) is the same-run baseline.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "rtpx/sip/sdp/offer_answer.hpp"
#include "rtpx/sip/sdp/session.hpp"

namespace rtpx::sip::sdp {
namespace {

// 607 bytes, 24 lines: what a SIP phone or SBC typically offers.
const std::string kOffer =
    "v=0\r\n"
    "o=alice 2890844526 2890844526 IN IP4 192.0.2.10\r\n"
    "s=-\r\n"
    "c=IN IP4 192.0.2.10\r\n"
    "t=0 0\r\n"
    "m=audio 49170 RTP/SAVP 0 8 9 101\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:9 G722/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-16\r\n"
    "a=ptime:20\r\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
    "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32\r\n"
    "a=rtcp:49171 IN IP4 192.0.2.10\r\n"
    "a=sendrecv\r\n"
    "m=video 51372 RTP/AVPF 96 97\r\n"
    "b=AS:2000\r\n"
    "a=rtpmap:96 H264/90000\r\n"
    "a=fmtp:96 profile-level-id=42e01f;packetization-mode=1\r\n"
    "a=rtpmap:97 VP8/90000\r\n"
    "a=rtcp-fb:* nack\r\n"
    "a=rtcp-fb:* nack pli\r\n"
    "a=rtcp-fb:96 ccm fir\r\n"
    "a=sendrecv\r\n";

LocalCapabilities local() {
    LocalCapabilities l;
    MediaCapabilities audio;
    audio.protos = {"RTP/AVP", "RTP/SAVP"};
    audio.codecs = {{"PCMA", 8000, 1, {}}, {"PCMU", 8000, 1, {}}};
    l.media.push_back(audio);
    MediaCapabilities video;
    video.media = "video";
    video.protos = {"RTP/AVPF"};
    video.codecs = {{"H264", 90000, 1, {{"packetization-mode", "1", "0"}}}};
    l.media.push_back(video);
    return l;
}

AnswerTransport transport() {
    AnswerTransport t;
    t.origin = Origin{"rtpx", "1", 1, "IN", "IP4", "198.51.100.1"};
    t.connection = connection_for("198.51.100.1");
    t.media = {
        LocalMedia{30000,
                   {},
                   {{"AES_CM_128_HMAC_SHA1_80", "inline:bG9jYWwta2V5LWZvci1iZW5jaG1hcmtzLTEy"}},
                   {}},
        LocalMedia{30002, {}, {}, {}}};
    return t;
}

void BM_Sdp_CopyText(benchmark::State& state) {
    for (auto _ : state) {
        std::string copy = kOffer;
        benchmark::DoNotOptimize(copy.data());
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kOffer.size()));
}
BENCHMARK(BM_Sdp_CopyText);

// Parses the offer afresh every iteration, then runs then(description, out) on it.
template <class Then>
void parse_then(benchmark::State& state, Then then) {
    std::string out;
    for (auto _ : state) {
        benchmark::DoNotOptimize(kOffer.data());  // clobbers memory: parse afresh
        auto s = parse(kOffer);
        if (!s) {
            state.SkipWithError("parse failed");
            break;
        }
        out.clear();
        then(*s, out);
        benchmark::DoNotOptimize(s->media.data());
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kOffer.size()));
}

void BM_Sdp_Parse(benchmark::State& state) {
    parse_then(state, [](SessionDescription&, std::string&) {});
}
BENCHMARK(BM_Sdp_Parse);

void BM_Sdp_Serialise(benchmark::State& state) {
    const auto s = *parse(kOffer);
    std::string out;
    for (auto _ : state) {
        out.clear();
        serialise_to(s, out);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Sdp_Serialise);

void BM_Sdp_MakeAnswer(benchmark::State& state) {
    const auto offer = *parse(kOffer);
    const auto l = local();
    const auto t = transport();
    for (auto _ : state) {
        auto answer = make_answer(offer, l, t);
        benchmark::DoNotOptimize(answer.media.data());
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Sdp_MakeAnswer);

// The answerer's whole step: parse the offer, answer it, serialise the answer.
void BM_Sdp_ParseAnswerSerialise(benchmark::State& state) {
    const auto l = local();
    const auto t = transport();
    parse_then(state, [&](SessionDescription& offer, std::string& out) {
        serialise_to(make_answer(offer, l, t), out);
    });
}
BENCHMARK(BM_Sdp_ParseAnswerSerialise);

// A B2BUA relaying the offer: parse, new address/ports, new crypto, version + 1, serialise.
void BM_Sdp_B2buaRewrite(benchmark::State& state) {
    const std::vector<std::string> crypto = {
        "1 AES_CM_128_HMAC_SHA1_80 inline:bG9jYWwta2V5LWZvci1iZW5jaG1hcmtzLTEy|2^31"};
    parse_then(state, [&](SessionDescription& s, std::string& out) {
        set_session_address(s, "203.0.113.7");
        set_media_address(s.media[0], "203.0.113.7", 40000);
        set_media_address(s.media[1], "203.0.113.7", 40002);
        replace_crypto(s.media[0], crypto);
        bump_version(s);
        serialise_to(s, out);
    });
}
BENCHMARK(BM_Sdp_B2buaRewrite);

}  // namespace
}  // namespace rtpx::sip::sdp
