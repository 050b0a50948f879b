// Digest authentication: RFC 2617 3.5 and RFC 7616 3.9.1 vectors, header parsing (positive and
// negative), the UAC retry and the UAS challenge/verify round trip with stateless nonces.
#include <gtest/gtest.h>

#include <string>

#include "rtpx/sip/auth/digest.hpp"
#include "rtpx/sip/message.hpp"

namespace rtpx::sip {
namespace {

using std::chrono::seconds;

// RFC 2617 3.5 (the Authorization header of the example, method GET).
constexpr std::string_view kRfc2617Authorization =
    "Digest username=\"Mufasa\",\r\n"
    "                 realm=\"testrealm@host.com\",\r\n"
    "                 nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\",\r\n"
    "                 uri=\"/dir/index.html\",\r\n"
    "                 qop=auth,\r\n"
    "                 nc=00000001,\r\n"
    "                 cnonce=\"0a4f113b\",\r\n"
    "                 response=\"6629fae49393a05397450978507c4ef1\",\r\n"
    "                 opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";

TEST(DigestVectors, Rfc2617Section35) {
    auto c = DigestCredentials::parse(kRfc2617Authorization);
    ASSERT_TRUE(c) << c.error().what;
    EXPECT_EQ(c->username, "Mufasa");
    EXPECT_EQ(c->realm, "testrealm@host.com");
    EXPECT_EQ(c->nc, 1U);
    EXPECT_EQ(c->qop, "auth");
    EXPECT_EQ(c->opaque, "5ccc069c403ebaf9f0171e9517f40e41");
    DigestInput in;
    in.algorithm = DigestAlgorithm::kMd5;
    in.username = "Mufasa";
    in.realm = c->realm;
    in.password = "Circle Of Life";
    in.method = "GET";
    in.uri = c->uri;
    in.nonce = c->nonce;
    in.cnonce = c->cnonce;
    in.qop = c->qop;
    in.nc = c->nc;
    EXPECT_EQ(digest_response(in), "6629fae49393a05397450978507c4ef1");
    EXPECT_EQ(digest_response(in), c->response);
}

// RFC 7616 3.9.1: the same request answered with SHA-256 and with MD5.
DigestInput rfc7616_input(DigestAlgorithm a) {
    DigestInput in;
    in.algorithm = a;
    in.username = "Mufasa";
    in.realm = "http-auth@example.org";
    in.password = "Circle of Life";
    in.method = "GET";
    in.uri = "/dir/index.html";
    in.nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
    in.cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
    in.qop = "auth";
    in.nc = 1;
    return in;
}

TEST(DigestVectors, Rfc7616Section391Sha256) {
    EXPECT_EQ(digest_response(rfc7616_input(DigestAlgorithm::kSha256)),
              "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
}

TEST(DigestVectors, Rfc7616Section391Md5) {
    EXPECT_EQ(digest_response(rfc7616_input(DigestAlgorithm::kMd5)),
              "8ca523f5e9506fed4657c9700eebdbec");
}

TEST(DigestVectors, ResponseFromStoredHa1EqualsResponseFromPassword) {
    for (auto a : {DigestAlgorithm::kMd5, DigestAlgorithm::kSha256, DigestAlgorithm::kSha256Sess,
                   DigestAlgorithm::kMd5Sess, DigestAlgorithm::kSha512_256}) {
        DigestInput in = rfc7616_input(a);
        EXPECT_EQ(digest_response_from_ha1(in, digest_ha1(a, in.username, in.realm, in.password)),
                  digest_response(in));
    }
    // -sess hashes differently from the plain algorithm.
    EXPECT_NE(digest_response(rfc7616_input(DigestAlgorithm::kSha256Sess)),
              digest_response(rfc7616_input(DigestAlgorithm::kSha256)));
}

TEST(DigestChallengeParse, Rfc7616Section391Challenges) {
    auto sha = DigestChallenge::parse(
        "Digest\r\n realm=\"http-auth@example.org\",\r\n qop=\"auth, auth-int\",\r\n"
        " algorithm=SHA-256,\r\n nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\",\r\n"
        " opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"");
    ASSERT_TRUE(sha) << sha.error().what;
    EXPECT_EQ(sha->realm, "http-auth@example.org");
    EXPECT_EQ(sha->algorithm, DigestAlgorithm::kSha256);
    EXPECT_TRUE(sha->qop_auth);
    EXPECT_TRUE(sha->qop_auth_int);
    EXPECT_EQ(sha->opaque, "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS");
    EXPECT_FALSE(sha->stale);
}

TEST(DigestChallengeParse, RoundTripsThroughToString) {
    DigestChallenge c;
    c.realm = "atlanta.com";
    c.nonce = "84a4cc6f3082121f32b42a2187831a9e";
    c.opaque = "with \"quote\" and \\";
    c.algorithm = DigestAlgorithm::kSha256;
    c.qop_auth = true;
    c.stale = true;
    const std::string text = c.to_string();
    EXPECT_EQ(
        text,
        "Digest realm=\"atlanta.com\", nonce=\"84a4cc6f3082121f32b42a2187831a9e\", "
        "opaque=\"with \\\"quote\\\" and \\\\\", stale=TRUE, algorithm=SHA-256, qop=\"auth\"");
    auto back = DigestChallenge::parse(text);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->opaque, c.opaque);
    EXPECT_TRUE(back->stale);
    EXPECT_EQ(back->algorithm, DigestAlgorithm::kSha256);
}

TEST(DigestChallengeParse, DefaultsToMd5WithoutQop) {
    auto c = DigestChallenge::parse("digest realm=\"a\",nonce=abc");  // scheme case-insensitive
    ASSERT_TRUE(c);
    EXPECT_EQ(c->algorithm, DigestAlgorithm::kMd5);
    EXPECT_FALSE(c->qop_auth);
    EXPECT_EQ(c->nonce, "abc");
}

struct BadHeader {
    std::string_view value;
    AuthErrc code;
    std::uint32_t offset;
};

TEST(DigestChallengeParse, RejectsMalformedHeaders) {
    const BadHeader cases[] = {
        {"Basic realm=\"x\"", AuthErrc::kNotDigest, 0},
        {"", AuthErrc::kBadSyntax, 0},
        {"Digest", AuthErrc::kBadSyntax, 6},                            // no params
        {"Digestrealm=\"x\"", AuthErrc::kNotDigest, 0},                 // scheme runs on
        {"Digest realm", AuthErrc::kBadSyntax, 12},                     // no '='
        {"Digest realm=", AuthErrc::kBadSyntax, 13},                    // no value
        {"Digest realm=\"abc, nonce=\"x\"", AuthErrc::kBadSyntax, 26},  // quote closes late
        {"Digest realm=\"abc", AuthErrc::kBadSyntax, 13},               // unterminated
        {"Digest realm=\"a\" nonce=\"b\"", AuthErrc::kBadSyntax, 17},   // missing comma
        {"Digest realm=\"a\", realm=\"b\", nonce=x", AuthErrc::kDuplicateParam, 18},
        {"Digest nonce=\"b\"", AuthErrc::kMissingParam, 0},
        {"Digest realm=\"a\"", AuthErrc::kMissingParam, 0},
        {"Digest realm=\"a\", nonce=b, algorithm=SHA-1", AuthErrc::kUnsupportedAlgorithm, 0},
        {"Digest realm=\"a\", nonce=b, qop=\"auth-conf\"", AuthErrc::kUnsupportedQop, 0},
        {"Digest =x", AuthErrc::kBadSyntax, 7},
    };
    for (const auto& c : cases) {
        auto r = DigestChallenge::parse(c.value);
        ASSERT_FALSE(r) << c.value;
        EXPECT_EQ(r.error().code, c.code) << c.value << ": " << r.error().what;
        EXPECT_EQ(r.error().offset, c.offset) << c.value << ": " << r.error().what;
    }
}

TEST(DigestCredentialsParse, RejectsMalformedCredentials) {
    const BadHeader cases[] = {
        {"Digest realm=\"a\", nonce=\"n\", uri=\"u\", response=\"r\"", AuthErrc::kMissingParam, 0},
        {"Digest username=\"x\", realm=\"a\", nonce=\"n\", uri=\"u\"", AuthErrc::kMissingParam, 0},
        {"Digest username=\"x\", realm=\"a\", nonce=\"n\", uri=\"u\", response=\"r\", qop=auth",
         AuthErrc::kMissingParam, 0},  // qop without cnonce/nc
        {"Digest username=\"x\", realm=\"a\", nonce=\"n\", uri=\"u\", response=\"r\", qop=auth, "
         "cnonce=\"c\", nc=1",
         AuthErrc::kBadNonceCount, 0},
        {"Digest username=\"x\", realm=\"a\", nonce=\"n\", uri=\"u\", response=\"r\", qop=auth, "
         "cnonce=\"c\", nc=0000000g",
         AuthErrc::kBadNonceCount, 0},
        {"Digest username=\"x\", realm=\"a\", nonce=\"n\", uri=\"u\", response=\"r\", qop=other",
         AuthErrc::kUnsupportedQop, 0},
    };
    for (const auto& c : cases) {
        auto r = DigestCredentials::parse(c.value);
        ASSERT_FALSE(r) << c.value;
        EXPECT_EQ(r.error().code, c.code) << c.value << ": " << r.error().what;
    }
}

TEST(DigestCredentialsParse, RoundTripsThroughToString) {
    auto c = DigestCredentials::parse(kRfc2617Authorization);
    ASSERT_TRUE(c);
    const std::string text = c->to_string();
    EXPECT_EQ(text,
              "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
              "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", "
              "response=\"6629fae49393a05397450978507c4ef1\", cnonce=\"0a4f113b\", "
              "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", qop=auth, nc=00000001");
    auto back = DigestCredentials::parse(text);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->to_string(), text);
}

// --- UAC retry and UAS verification ------------------------------------------------------------

constexpr std::string_view kInvite =
    "INVITE sip:bob@biloxi.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@biloxi.com>\r\n"
    "From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:alice@pc33.atlanta.com>\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

DigestServerConfig server_config() {
    DigestServerConfig cfg;
    cfg.realm = "biloxi.com";
    for (std::size_t i = 0; i < cfg.secret.size(); ++i)
        cfg.secret[i] = static_cast<std::uint8_t>(i * 7 + 1);
    cfg.nonce_lifetime = seconds(30);
    return cfg;
}

struct Users {
    DigestAlgorithm algorithm_seen = DigestAlgorithm::kMd5;
    std::optional<std::string> operator()(std::string_view user, DigestAlgorithm a) {
        algorithm_seen = a;
        if (user != "alice") return std::nullopt;
        return digest_ha1(a, "alice", "biloxi.com", "secret");
    }
};

TEST(DigestRoundTrip, UacAnswersUasChallengeAndUasAccepts) {
    auto invite = SipMessageView::parse(kInvite);
    ASSERT_TRUE(invite);
    DigestServer server(server_config());
    Users users;
    EXPECT_EQ(server.verify(*invite, seconds(1000), users).verdict, DigestVerdict::kMissing);

    const SipMessage challenge =
        server.make_challenge_response(*invite, seconds(1000), false, false, "totag");
    const std::string challenge_bytes = challenge.serialize();
    ASSERT_EQ(challenge.count(HeaderId::kWwwAuthenticate), 2U);  // SHA-256 first, then MD5
    auto response = SipMessageView::parse(challenge_bytes);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status_code(), 401);

    const SipMessage original = SipMessage::from_view(*invite);
    auto retry = retry_with_credentials(original, *response, {"alice", "secret"}, "0a4f113b");
    ASSERT_TRUE(retry) << retry.error().what;
    EXPECT_EQ(retry->value(HeaderId::kCSeq), "314160 INVITE");
    EXPECT_EQ(retry->value(HeaderId::kCallId), "a84b4c76e66710@pc33.atlanta.com");
    EXPECT_EQ(retry->value(HeaderId::kFrom), "Alice <sip:alice@atlanta.com>;tag=1928301774");
    EXPECT_EQ(retry->value(HeaderId::kVia).find("z9hG4bK776asdhds"), std::string::npos);
    auto creds = DigestCredentials::parse(retry->value(HeaderId::kAuthorization));
    ASSERT_TRUE(creds);
    EXPECT_EQ(creds->algorithm, DigestAlgorithm::kSha256);  // strongest offered
    EXPECT_EQ(creds->uri, "sip:bob@biloxi.com");
    EXPECT_EQ(creds->nc, 1U);
    EXPECT_EQ(creds->cnonce, "0a4f113b");

    const std::string retry_bytes = retry->serialize();
    auto retried = SipMessageView::parse(retry_bytes);
    ASSERT_TRUE(retried);
    auto verdict = server.verify(*retried, seconds(1010), users);
    EXPECT_EQ(verdict.verdict, DigestVerdict::kOk);
    EXPECT_EQ(verdict.username, "alice");
    EXPECT_EQ(users.algorithm_seen, DigestAlgorithm::kSha256);

    // Expired nonce: stale (the UAC retries without asking the user again).
    EXPECT_EQ(server.verify(*retried, seconds(1031), users).verdict, DigestVerdict::kStale);
    const SipMessage stale =
        server.make_challenge_response(*retried, seconds(1031), false, true, "t");
    auto stale_challenge = DigestChallenge::parse(stale.value(HeaderId::kWwwAuthenticate));
    ASSERT_TRUE(stale_challenge);
    EXPECT_TRUE(stale_challenge->stale);
}

TEST(DigestRoundTrip, ProxyChallengeUsesProxyHeaders) {
    auto invite = SipMessageView::parse(kInvite);
    ASSERT_TRUE(invite);
    DigestServer server(server_config());
    const std::string bytes = server.make_challenge_response(*invite, seconds(5), true).serialize();
    auto response = SipMessageView::parse(bytes);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status_code(), 407);
    auto retry =
        retry_with_credentials(SipMessage::from_view(*invite), *response, {"alice", "secret"});
    ASSERT_TRUE(retry);
    EXPECT_EQ(retry->count(HeaderId::kAuthorization), 0U);
    ASSERT_EQ(retry->count(HeaderId::kProxyAuthorization), 1U);
    const std::string retry_bytes = retry->serialize();
    auto retried = SipMessageView::parse(retry_bytes);
    ASSERT_TRUE(retried);
    EXPECT_EQ(server.verify(*retried, seconds(6), Users{}, true).verdict, DigestVerdict::kOk);
    EXPECT_EQ(server.verify(*retried, seconds(6), Users{}, false).verdict, DigestVerdict::kMissing);
}

SipMessage authorized_invite(const DigestServer& server, seconds now, std::string_view password,
                             std::string_view user = "alice") {
    DigestChallenge c = server.challenges(now).front();
    SipMessage m = SipMessage::from_view(*SipMessageView::parse(kInvite));
    m.add(HeaderId::kAuthorization,
          answer_challenge(c, {std::string(user), std::string(password)}, "INVITE", m.request_uri)
              .to_string());
    return m;
}

DigestVerdict verify_bytes(const DigestServer& server, const SipMessage& m, seconds now) {
    const std::string bytes = m.serialize();
    auto view = SipMessageView::parse(bytes);
    return view ? server.verify(*view, now, Users{}).verdict : DigestVerdict::kMalformed;
}

TEST(DigestServerVerify, RejectsWrongPasswordUnknownUserForgedNonceAndOtherRealm) {
    DigestServer server(server_config());
    EXPECT_EQ(verify_bytes(server, authorized_invite(server, seconds(100), "secret"), seconds(100)),
              DigestVerdict::kOk);
    EXPECT_EQ(verify_bytes(server, authorized_invite(server, seconds(100), "wrong"), seconds(100)),
              DigestVerdict::kWrongResponse);
    EXPECT_EQ(verify_bytes(server, authorized_invite(server, seconds(100), "secret", "mallory"),
                           seconds(100)),
              DigestVerdict::kUnknownUser);

    // A nonce minted under another secret (or re-dated by hand) is not ours.
    DigestServerConfig other_cfg = server_config();
    other_cfg.secret[0] ^= 1;
    DigestServer other(other_cfg);
    EXPECT_EQ(verify_bytes(server, authorized_invite(other, seconds(100), "secret"), seconds(100)),
              DigestVerdict::kBadNonce);
    std::string nonce = server.make_nonce(seconds(100));
    nonce[15] = nonce[15] == '0' ? '1' : '0';  // change the time, keep the MAC
    EXPECT_EQ(server.check_nonce(nonce, seconds(100)), DigestVerdict::kBadNonce);
    EXPECT_EQ(server.check_nonce("xyz", seconds(100)), DigestVerdict::kBadNonce);
    EXPECT_EQ(server.check_nonce(server.make_nonce(seconds(100)), seconds(130)),
              DigestVerdict::kOk);
    EXPECT_EQ(server.check_nonce(server.make_nonce(seconds(100)), seconds(131)),
              DigestVerdict::kStale);

    DigestServerConfig realm_cfg = server_config();
    realm_cfg.realm = "atlanta.com";
    DigestServer atlanta(realm_cfg);
    EXPECT_EQ(
        verify_bytes(server, authorized_invite(atlanta, seconds(100), "secret"), seconds(100)),
        DigestVerdict::kRealmMismatch);

    SipMessage garbage = SipMessage::from_view(*SipMessageView::parse(kInvite));
    garbage.add(HeaderId::kAuthorization, "Digest username=\"alice\", realm=");
    EXPECT_EQ(verify_bytes(server, garbage, seconds(100)), DigestVerdict::kMalformed);
}

TEST(DigestServerVerify, RejectsUriOtherThanRequestUri) {
    DigestServer server(server_config());
    DigestChallenge c = server.challenges(seconds(1)).front();
    SipMessage m = SipMessage::from_view(*SipMessageView::parse(kInvite));
    m.add(HeaderId::kAuthorization,
          answer_challenge(c, {"alice", "secret"}, "INVITE", "sip:carol@chicago.com").to_string());
    EXPECT_EQ(verify_bytes(server, m, seconds(1)), DigestVerdict::kUriMismatch);
}

TEST(DigestUac, SelectChallengeReportsMissingAndMalformedHeaders) {
    auto none = SipMessageView::parse(
        "SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: "
        "<sip:a@b>;tag=1\r\n"
        "To: <sip:a@b>;tag=2\r\nCall-ID: x\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n");
    ASSERT_TRUE(none);
    auto r = select_challenge(*none);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, AuthErrc::kMissingParam);

    const std::string bad =
        "SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: "
        "<sip:a@b>;tag=1\r\n"
        "To: <sip:a@b>;tag=2\r\nCall-ID: x\r\nCSeq: 1 REGISTER\r\n"
        "WWW-Authenticate: Digest realm=\"a\" nonce=\"b\"\r\nContent-Length: 0\r\n\r\n";
    auto malformed = SipMessageView::parse(bad);
    ASSERT_TRUE(malformed);
    r = select_challenge(*malformed);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, AuthErrc::kBadSyntax);
    EXPECT_EQ(r.error().offset, bad.find("nonce=\"b\""));  // offset in the message
}

}  // namespace
}  // namespace rtpx::sip
