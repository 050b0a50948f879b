// Stream framing (RFC 3261 18.3) and multipart bodies (RFC 2046 5.1, RFC 5621).
#include "rtpx/sip/framing.hpp"

#include <gtest/gtest.h>

#include <span>
#include <string>
#include <vector>

#include "fixtures.hpp"
#include "rtpx/sip/message.hpp"
#include "rtpx/sip/multipart.hpp"

namespace rtpx::sip {
namespace {

using test::crlf;

std::span<const std::uint8_t> bytes(const std::string& s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

TEST(SipFraming, CompleteMessageAndTheStartOfTheNext) {
    const std::string one = test::fixture("rfc3665/3.1_f1_invite.sip");
    const std::string two = one + "BYE sip:a@b SIP/2.0\r\n";
    auto f = frame_stream(bytes(two));
    ASSERT_TRUE(f);
    EXPECT_EQ(f->status, FrameStatus::kComplete);
    EXPECT_EQ(f->skip, 0U);
    EXPECT_EQ(f->length, one.size());
    EXPECT_EQ(f->header_length, one.size() - 151);
    SipParseOptions opts;
    opts.transport = SipTransportKind::kStream;
    auto m = SipMessageView::parse(std::string_view(two).substr(0, f->length), opts);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->body().size(), 151U);
}

TEST(SipFraming, NeedsMoreUntilHeadersAndBodyAreIn) {
    const std::string msg = test::fixture("rfc3665/3.1_f1_invite.sip");
    for (std::size_t n : {std::size_t{0}, std::size_t{10}, msg.size() - 152, msg.size() - 1}) {
        auto f = frame_stream(bytes(msg.substr(0, n)));
        ASSERT_TRUE(f) << n;
        EXPECT_EQ(f->status, FrameStatus::kNeedMore) << n;
    }
}

TEST(SipFraming, SkipsKeepAliveCrlfs) {
    const std::string msg = crlf("OPTIONS sip:a@b SIP/2.0", "l: 0", "");
    auto ping = frame_stream(bytes("\r\n\r\n"));
    ASSERT_TRUE(ping);
    EXPECT_EQ(ping->status, FrameStatus::kNeedMore);
    EXPECT_EQ(ping->skip, 4U);
    auto f = frame_stream(bytes("\r\n\r\n" + msg));
    ASSERT_TRUE(f);
    EXPECT_EQ(f->status, FrameStatus::kComplete);
    EXPECT_EQ(f->skip, 4U);
    EXPECT_EQ(f->length, msg.size());
}

TEST(SipFraming, Errors) {
    FramingLimits limits;
    limits.max_header_bytes = 64;
    limits.max_body_bytes = 10;
    auto missing = frame_stream(bytes(crlf("OPTIONS sip:a@b SIP/2.0", "")));
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, SipParseErrc::kBadContentLength);
    auto bad = frame_stream(bytes(crlf("OPTIONS sip:a@b SIP/2.0", "Content-Length: x", "")));
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, SipParseErrc::kBadContentLength);
    EXPECT_EQ(bad.error().offset, 40U);
    auto disagree = frame_stream(bytes(crlf("OPTIONS sip:a@b SIP/2.0", "l: 1", "l: 2", "")));
    ASSERT_FALSE(disagree);
    EXPECT_EQ(disagree.error().code, SipParseErrc::kBadContentLength);
    auto big_body = frame_stream(bytes(crlf("OPTIONS sip:a@b SIP/2.0", "l: 11", "")), limits);
    ASSERT_FALSE(big_body);
    EXPECT_EQ(big_body.error().code, SipParseErrc::kTooLarge);
    auto big_head =
        frame_stream(bytes("OPTIONS sip:a@b SIP/2.0\r\nX: " + std::string(80, 'x')), limits);
    ASSERT_FALSE(big_head);
    EXPECT_EQ(big_head.error().code, SipParseErrc::kTooLarge);
    auto big_done = frame_stream(
        bytes(crlf("OPTIONS sip:a@b SIP/2.0", "X: " + std::string(60, 'x'), "l: 0", "")), limits);
    ASSERT_FALSE(big_done);
    EXPECT_EQ(big_done.error().code, SipParseErrc::kTooLarge);
}

// RFC 5621-style offer with an SDP and an ISUP-like part (multipart/mixed).
const std::string kMixed =
    "preamble\r\n"
    "--boundary42\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "hello\r\n"
    "--boundary42\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Disposition: session\r\n"
    "\r\n"
    "v=0\r\n"
    "o=- 1 1 IN IP4 192.0.2.1\r\n"
    "\r\n"
    "--boundary42--\r\n"
    "epilogue";

TEST(SipMultipart, IteratesPartsAndFindsSdp) {
    std::vector<std::string> types;
    std::vector<std::string> bodies;
    auto ok = for_each_part(kMixed, "boundary42", [&](const MimePart& p) {
        types.emplace_back(p.content_type);
        bodies.emplace_back(p.body);
        return true;
    });
    ASSERT_TRUE(ok) << ok.error().what;
    EXPECT_EQ(types, (std::vector<std::string>{"text/plain", "application/sdp"}));
    EXPECT_EQ(bodies[0], "hello");
    EXPECT_EQ(bodies[1], "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n");
    auto sdp = find_part(kMixed, "boundary42", "application", "sdp");
    ASSERT_TRUE(sdp);
    EXPECT_EQ(sdp->body, bodies[1]);
    EXPECT_FALSE(find_part(kMixed, "boundary42", "application", "isup"));
}

TEST(SipMultipart, FindsSdpInAMessageAndInNestedMultipart) {
    const std::string nested_body =
        "--outer\r\n"
        "Content-Type: multipart/alternative; boundary=\"inner\"\r\n"
        "\r\n"
        "--inner\r\n"
        "Content-Type: application/sdp\r\n"
        "\r\n"
        "v=0\r\n"
        "--inner--\r\n"
        "--outer--\r\n";
    const std::string msg =
        crlf("INVITE sip:a@b SIP/2.0", "Content-Type: multipart/mixed;boundary=outer",
             "Content-Length: " + std::to_string(nested_body.size()), "") +
        nested_body;
    auto m = SipMessageView::parse(msg);
    ASSERT_TRUE(m);
    auto sdp = find_sdp_body(*m);
    ASSERT_TRUE(sdp);
    EXPECT_EQ(*sdp, "v=0");

    const std::string plain = crlf("INVITE sip:a@b SIP/2.0", "c: text/plain", "l: 2", "") + "hi";
    auto p = SipMessageView::parse(plain);
    ASSERT_TRUE(p);
    EXPECT_FALSE(find_sdp_body(*p));
}

TEST(SipMultipart, MalformedBodies) {
    auto never = [](const MimePart&) { return true; };
    auto no_delim = for_each_part("no delimiter here", "b", never);
    ASSERT_FALSE(no_delim);
    EXPECT_STREQ(no_delim.error().what, "multipart body without delimiter");
    auto no_close = for_each_part("--b\r\n\r\npart\r\n", "b", never);
    ASSERT_FALSE(no_close);
    EXPECT_STREQ(no_close.error().what, "multipart body without close delimiter");
    auto empty_boundary = for_each_part("--\r\n", "", never);
    ASSERT_FALSE(empty_boundary);
    EXPECT_STREQ(empty_boundary.error().what, "bad multipart boundary");
    // A boundary string inside a part's text does not split it (must start a line after "--").
    std::size_t parts = 0;
    auto ok = for_each_part("--b\r\n\r\nx--b y\r\n--b--", "b", [&](const MimePart& p) {
        EXPECT_EQ(p.body, "x--b y");
        ++parts;
        return true;
    });
    EXPECT_TRUE(ok);
    EXPECT_EQ(parts, 1U);
}

}  // namespace
}  // namespace rtpx::sip
