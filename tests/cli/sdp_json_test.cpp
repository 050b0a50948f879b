// sdp_to_json: the keys `rtpx decode sdp` (and the SDP body of `rtpx decode sip`) print, checked in
// process on cases the black-box script does not reach: absent values as null, a dynamic payload
// type without rtpmap, rtcp-fb for every type ("*"), a rejected section, multicast TTL and count.
#include "sdp_json.hpp"

#include <gtest/gtest.h>

#include "rtpx/sip/sdp/session.hpp"

namespace rtpx::cli {
namespace {

nlohmann::ordered_json decode(const std::string& text) {
    auto s = sip::sdp::parse(text);
    EXPECT_TRUE(s) << (s ? "" : s.error().what);
    return s ? sdp_to_json(*s) : nlohmann::ordered_json{};
}

TEST(SdpJson, NullsPayloadsWithoutRtpmapAndWildcardFeedback) {
    const auto j = decode(
        "v=0\r\no=- 5 6 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 233.252.0.1/64/2\r\nt=0 0\r\n"
        "a=inactive\r\n"
        "m=video 5000 RTP/AVPF 96 31\r\na=rtcp-fb:* nack\r\na=rtcp-fb:96 ccm fir\r\n"
        "m=audio 0 RTP/AVP 0\r\n"
        "m=application 5002 UDP/DTLS/SCTP webrtc-datachannel\r\na=sctp-port:5000\r\n");
    EXPECT_EQ(j["connection"]["ttl"], 64);
    EXPECT_EQ(j["connection"]["count"], 2);
    EXPECT_TRUE(j["information"].is_null());
    EXPECT_EQ(j["direction"], "inactive");
    const auto& video = j["media"][0];
    EXPECT_EQ(video["direction"], "inactive");                // session level applies
    EXPECT_TRUE(video["payloads"][0]["encoding"].is_null());  // 96 has no rtpmap
    EXPECT_EQ(video["payloads"][0]["rtcp_fb"], (nlohmann::ordered_json{"nack", "ccm fir"}));
    EXPECT_EQ(video["payloads"][1]["encoding"], "H261");  // static type 31
    EXPECT_EQ(video["payloads"][1]["rtcp_fb"], (nlohmann::ordered_json{"nack"}));
    EXPECT_TRUE(video["mid"].is_null());
    EXPECT_TRUE(video["rtcp"].is_null());
    EXPECT_EQ(video["candidates"], 0);
    EXPECT_EQ(j["media"][1]["rejected"], true);
    const auto& data = j["media"][2];
    EXPECT_EQ(data["formats"], (nlohmann::ordered_json{"webrtc-datachannel"}));
    EXPECT_TRUE(data["payloads"].empty());  // not an RTP proto
    EXPECT_EQ(data["attributes"][0]["name"], "sctp-port");
    EXPECT_EQ(data["attributes"][0]["value"], "5000");
}

}  // namespace
}  // namespace rtpx::cli
