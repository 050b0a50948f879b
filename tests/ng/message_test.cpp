// The ng message layer: framing, key folding, JSON bodies, the typed request and its flags.
// Keys, flags and the example offer are rtpengine's (docs/ng_control_protocol.md): the offer below
// is what Kamailio's rtpengine module sends for
//   rtpengine_offer("trust-address replace-origin replace-session-connection ICE=remove RTP/AVP")
#include "rtpx/ng/message.hpp"

#include <gtest/gtest.h>

namespace rtpx::ng {
namespace {

Value body(std::string_view text) {
    BodyFormat f{};
    auto v = decode_body(text, &f);
    EXPECT_TRUE(v) << (v ? "" : v.error().what);
    return v ? *v : Value{Dict{}};
}

TEST(NgFrame, SplitsCookieAndBody) {
    auto f = split_frame("5323_1 d7:command4:pinge");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->cookie, "5323_1");
    EXPECT_EQ(f->body, "d7:command4:pinge");
    EXPECT_FALSE(split_frame("nocookie"));
    EXPECT_FALSE(split_frame(" d7:command4:pinge"));
}

TEST(NgFrame, RepliesWithTheCookieInTheRequestsFormat) {
    Value pong{Dict{}};
    pong.set("result", "pong");
    EXPECT_EQ(frame_reply("5323_1", pong, BodyFormat::kBencode), "5323_1 d6:result4:ponge");
    EXPECT_EQ(frame_reply("7", pong, BodyFormat::kJson), R"(7 {"result":"pong"})");
}

TEST(NgKeys, SpacesHyphensUnderscoresAndCaseFoldAlike) {
    EXPECT_EQ(normalise_key("call id"), "call-id");
    EXPECT_EQ(normalise_key("Call-ID"), "call-id");
    EXPECT_EQ(normalise_key("transport_protocol"), "transport-protocol");
    const Value d = body("d7:call id1:x8:from-tag1:ae");
    ASSERT_NE(find_key(d, "call-id"), nullptr);
    EXPECT_EQ(find_key(d, "call-id")->as_string(), "x");
    EXPECT_EQ(find_key(d, "from-tag")->as_string(), "a");
}

TEST(NgBody, AcceptsJsonAsRtpengineDoes) {
    BodyFormat f = BodyFormat::kBencode;
    auto v = decode_body(
        R"({"command":"offer","call id":"c","from-tag":"f","sdp":"v=0","flags":["trust address"],"n":3,"b":true,"z":null})",
        &f);
    ASSERT_TRUE(v) << v.error().what;
    EXPECT_EQ(f, BodyFormat::kJson);
    EXPECT_EQ(find_key(*v, "n")->as_int(), 3);
    EXPECT_EQ(find_key(*v, "b")->as_int(), 1);
    EXPECT_EQ(find_key(*v, "z"), nullptr);
    auto r = parse_request(*v);
    ASSERT_TRUE(r) << r.error().reason;
    EXPECT_EQ(r->command, Command::kOffer);
    EXPECT_EQ(r->call_id, "c");
    EXPECT_TRUE(r->trust_address);
}

TEST(NgBody, RejectsBrokenBodiesWithAReason) {
    BodyFormat f{};
    auto b = decode_body("d7:command4:pinge1:x", &f);
    ASSERT_FALSE(b);
    EXPECT_EQ(b.error().what, "bencode: data after the top-level value at byte 17");
    auto l = decode_body("l4:pinge", &f);
    ASSERT_FALSE(l);
    EXPECT_EQ(l.error().what, "bencode: body is not a dictionary");
    auto j = decode_body(R"({"command":)", &f);
    ASSERT_FALSE(j);
    EXPECT_EQ(f, BodyFormat::kJson);
    EXPECT_NE(j.error().what.find("JSON"), std::string::npos);
    auto fl = decode_body(R"({"n":1.5})", &f);
    ASSERT_FALSE(fl);
    EXPECT_EQ(fl.error().what, "JSON: numbers must be integers");
    std::string deep = "{\"a\":";
    for (int i = 0; i < 100; ++i) deep += '[';
    for (int i = 0; i < 100; ++i) deep += ']';
    deep += '}';
    auto d = decode_body(deep, &f);
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().what, "JSON: nesting too deep");
}

TEST(NgRequest, ParsesAKamailioOffer) {
    const std::string sdp =
        "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
        "m=audio 10480 RTP/AVP 0 8\r\na=sendrecv\r\n";
    Value d{Dict{}};
    d.set("sdp", sdp);
    d.set("ICE", "remove");
    d.set("flags", List{Value("trust-address")});
    d.set("replace", List{Value("origin"), Value("session-connection")});
    d.set("transport-protocol", "RTP/AVP");
    d.set("rtcp-mux", List{Value("demux")});
    d.set("call-id", "7a37578a52ffa9431e00f11732e51b21@127.0.0.1");
    d.set("via-branch", "z9hG4bK776asdhds");
    d.set("received-from", List{Value("IP4"), Value("192.0.2.10")});
    d.set("from-tag", "as611038b8");
    d.set("direction", List{Value("alice-side"), Value("bob-side")});
    d.set("supports", List{Value("load limit")});
    d.set("command", "offer");
    auto r = parse_request(d);
    ASSERT_TRUE(r) << r.error().reason;
    EXPECT_EQ(r->command, Command::kOffer);
    EXPECT_EQ(r->sdp, sdp);
    EXPECT_EQ(r->call_id, "7a37578a52ffa9431e00f11732e51b21@127.0.0.1");
    EXPECT_EQ(r->from_tag, "as611038b8");
    EXPECT_EQ(r->via_branch, "z9hG4bK776asdhds");
    EXPECT_EQ(r->ice, IceMode::kRemove);
    EXPECT_TRUE(r->trust_address);
    EXPECT_TRUE(r->replace_origin);
    EXPECT_TRUE(r->replace_session_connection);
    EXPECT_EQ(r->transport, TransportProtocol::kRtpAvp);
    EXPECT_TRUE(r->rtcp_mux_demux);
    ASSERT_TRUE(r->received_from);
    EXPECT_EQ(*r->received_from, "192.0.2.10");
    EXPECT_EQ(r->direction, (std::vector<std::string>{"alice-side", "bob-side"}));
    EXPECT_TRUE(r->supports_load_limit());
    EXPECT_TRUE(r->unknown_flags.empty());
}

TEST(NgRequest, ParsesEveryFlag) {
    Value d{Dict{}};
    d.set("command", "offer");
    d.set("call-id", "c");
    d.set("from-tag", "f");
    d.set("sdp", "v=0");
    d.set("flags", List{Value("trust address"),
                        Value("SIP-source-address"),
                        Value("symmetric"),
                        Value("asymmetric"),
                        Value("strict-source"),
                        Value("port latching"),
                        Value("no-port-latching"),
                        Value("media-handover"),
                        Value("reset"),
                        Value("unidirectional"),
                        Value("loop-protect"),
                        Value("fatal"),
                        Value("SDES-off"),
                        Value("SDES-only-AES_CM_128_HMAC_SHA1_80"),
                        Value("SDES-no-AES_CM_128_HMAC_SHA1_32"),
                        Value("SDES-pad"),
                        Value("SDES-unencrypted_srtcp"),
                        Value("replace-origin"),
                        Value("rtcp-mux-offer"),
                        Value("ICE=force"),
                        Value("RTP/SAVP"),
                        Value("codec-strip-PCMA"),
                        Value("record-call")});
    auto r = parse_request(d);
    ASSERT_TRUE(r) << r.error().reason;
    EXPECT_TRUE(r->trust_address);
    EXPECT_TRUE(r->sip_source_address);
    EXPECT_TRUE(r->symmetric);
    EXPECT_TRUE(r->asymmetric);
    EXPECT_TRUE(r->strict_source);
    EXPECT_TRUE(r->port_latching);
    EXPECT_TRUE(r->no_port_latching);
    EXPECT_TRUE(r->media_handover);
    EXPECT_TRUE(r->reset);
    EXPECT_TRUE(r->unidirectional);
    EXPECT_TRUE(r->loop_protect);
    EXPECT_TRUE(r->fatal);
    EXPECT_TRUE(r->sdes.off);
    EXPECT_EQ(r->sdes.only, (std::vector<std::string>{"AES_CM_128_HMAC_SHA1_80"}));
    EXPECT_EQ(r->sdes.no, (std::vector<std::string>{"AES_CM_128_HMAC_SHA1_32"}));
    EXPECT_TRUE(r->sdes.pad);
    EXPECT_EQ(r->sdes.session_params, (std::vector<std::string>{"unencrypted_srtcp"}));
    EXPECT_TRUE(r->replace_origin);
    EXPECT_TRUE(r->rtcp_mux_offer);
    EXPECT_EQ(r->ice, IceMode::kForce);
    EXPECT_EQ(r->transport, TransportProtocol::kRtpSavp);
    // Unknown flags are kept (for counting) and otherwise ignored.
    EXPECT_EQ(r->unknown_flags,
              (std::vector<std::string>{"flags:codec-strip-PCMA", "flags:record-call"}));
}

TEST(NgRequest, ParsesSdesListAndRtcpMuxOptions) {
    const Value d = body(
        "d7:command5:offer7:call-id1:c8:from-tag1:f3:sdp3:v=04:SDESl8:no-NULL_5:nonew11:bogus-"
        "thinge"
        "8:rtcp-muxl6:accept7:require6:reject5:weirdee");
    auto r = parse_request(d);
    ASSERT_TRUE(r) << r.error().reason;
    EXPECT_EQ(r->sdes.no, (std::vector<std::string>{"NULL_"}));
    EXPECT_TRUE(r->sdes.nonew);
    EXPECT_TRUE(r->rtcp_mux_accept);
    EXPECT_TRUE(r->rtcp_mux_require);
    EXPECT_TRUE(r->rtcp_mux_reject);
    EXPECT_EQ(r->unknown_flags, (std::vector<std::string>{"sdes:bogus-thing", "rtcp-mux:weird"}));
    EXPECT_FALSE(r->sdes.suite_allowed("NULL_"));
    EXPECT_TRUE(r->sdes.suite_allowed("AES_CM_128_HMAC_SHA1_80"));
}

TEST(NgRequest, ChecksRequiredKeysPerCommand) {
    auto reason = [](std::string_view text) {
        BodyFormat f{};
        auto v = decode_body(text, &f);
        EXPECT_TRUE(v);
        auto r = parse_request(*v);
        return r ? std::string("ok") : r.error().reason;
    };
    EXPECT_EQ(reason("d3:sdp3:v=0e"), "no 'command' in message");
    EXPECT_EQ(reason("d7:command5:offer7:call-id1:c8:from-tag1:fe"), "no 'sdp' in message");
    EXPECT_EQ(reason("d7:command5:offer3:sdp3:v=08:from-tag1:fe"), "no 'call-id' in message");
    EXPECT_EQ(reason("d7:command5:offer3:sdp3:v=07:call-id1:ce"), "no 'from-tag' in message");
    EXPECT_EQ(reason("d7:command6:answer3:sdp3:v=07:call-id1:c8:from-tag1:fe"),
              "no 'to-tag' in message");
    EXPECT_EQ(reason("d7:command6:deletee"), "no 'call-id' in message");
    EXPECT_EQ(reason("d7:command5:querye"), "no 'call-id' in message");
    EXPECT_EQ(reason("d7:command4:list5:limiti0ee"), "'limit' must be greater than zero");
    EXPECT_EQ(reason("d7:command4:pinge"), "ok");
    EXPECT_EQ(reason("d7:command5:offer7:call-idli1ee8:from-tag1:f3:sdp1:xe"),
              "'call-id' must be a string");
    EXPECT_EQ(reason("d7:command5:offer7:call-id1:c8:from-tag1:f3:sdp1:x3:ICE5:boguse"),
              "unknown ICE option 'bogus'");
    EXPECT_EQ(
        reason("d7:command5:offer7:call-id1:c8:from-tag1:f3:sdp1:x18:transport-protocol7:UDP/TLSe"),
        "unsupported transport protocol 'UDP/TLS'");
    EXPECT_EQ(
        reason("d7:command5:offer7:call-id1:c8:from-tag1:f3:sdp1:x13:received-froml1:a1:b1:cee"),
        "'received-from' must be [ family, address ]");
    // Unsupported commands parse; the server answers them with an error.
    BodyFormat f{};
    auto v = decode_body("d7:command15:start recordinge", &f);
    ASSERT_TRUE(v);
    auto r = parse_request(*v);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->command, Command::kUnsupported);
    EXPECT_EQ(r->command_name, "start recording");
}

TEST(NgReply, ErrorAndLoadLimitShapes) {
    EXPECT_EQ(encode(make_error_reply("bad")), "d12:error-reason3:bad6:result5:errore");
    EXPECT_EQ(encode(make_load_limit_reply("full")), "d7:message4:full6:result10:load limite");
    EXPECT_EQ(encode(make_ok_reply()), "d6:result2:oke");
}

}  // namespace
}  // namespace rtpx::ng
