// Known-answer tests: RFC 3711 appendix B, RFC 6188 section 7, RFC 7714 sections 16-17, and
// libsrtp2's own srtp_validate vectors (which derive from the RFC 3711 B.3 master key).
#include <array>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "rtpx/rtp/srtp/backend.hpp"
#include "srtp_test_util.hpp"

namespace rtpx::rtp::srtp {
namespace {

using test::hex;
using test::Op;

std::vector<std::uint8_t> bytes_of(std::span<const std::uint8_t> s, std::size_t n) {
    return {s.begin(), s.begin() + static_cast<std::ptrdiff_t>(n)};
}

// RFC 3711 B.3 "Key Derivation Test Vectors" (key derivation rate 0):
//   master key  E1F97A0D3E018BE0D64FA32C06DE4139
//   master salt 0EC675AD498AFEEBB6960B3AABE6
//   cipher key  C61E7A93744F39EE10734AFE3FF7A087
//   cipher salt 30CBBC08863D8C85D49DB34A9AE1
//   auth key    CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4 (first 160 bits of the 94-octet output)
const auto kB3Key = hex("E1F97A0D3E018BE0D64FA32C06DE4139");
const auto kB3Salt = hex("0EC675AD498AFEEBB6960B3AABE6");

TEST(SrtpKeyDerivation, MatchesRfc3711AppendixB3) {
    auto c = test::context(Suite::kAesCm128HmacSha1_80, kB3Key, kB3Salt);
    ASSERT_TRUE(c);
    EXPECT_EQ(bytes_of(c->rtp_keys().key, 16), hex("C61E7A93744F39EE10734AFE3FF7A087"));
    EXPECT_EQ(bytes_of(c->rtp_keys().salt, 14), hex("30CBBC08863D8C85D49DB34A9AE1"));
    EXPECT_EQ(bytes_of(c->rtp_keys().auth_key, 20),
              hex("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4"));
    // SRTCP keys use labels 3-5 and so differ.
    EXPECT_NE(bytes_of(c->rtcp_keys().key, 16), bytes_of(c->rtp_keys().key, 16));
}

// RFC 6188 section 7.2, AES-256 PRF key derivation with KDR 0:
//   master key  F0F04914B513F2763A1B1FA130F10E2998F6F6E43E4309D1E622A0E332B9F1B6
//   master salt 3B04803DE51EE7C96423AB5B78D2
//   cipher key  5BA1064E30EC51613CAD926C5A28EF731EC7FB397F70A960653CAF06554CD8C4
//   cipher salt FA31791685CA444A9E07C6C64E93
TEST(SrtpKeyDerivation, MatchesRfc6188Aes256Vector) {
    const auto key = hex("F0F04914B513F2763A1B1FA130F10E2998F6F6E43E4309D1E622A0E332B9F1B6");
    const auto salt = hex("3B04803DE51EE7C96423AB5B78D2");
    auto c = test::context(Suite::kAes256CmHmacSha1_80, key, salt);
    ASSERT_TRUE(c);
    EXPECT_EQ(bytes_of(c->rtp_keys().key, 32),
              hex("5BA1064E30EC51613CAD926C5A28EF731EC7FB397F70A960653CAF06554CD8C4"));
    EXPECT_EQ(bytes_of(c->rtp_keys().salt, 14), hex("FA31791685CA444A9E07C6C64E93"));
}

TEST(SrtpKeyDerivation, RefusesKeyDerivationRatesOtherThanZero) {
    SrtpContextParams p;
    p.suite = Suite::kAesCm128HmacSha1_80;
    p.master_key = kB3Key;
    p.master_salt = kB3Salt;
    p.key_derivation_rate = 1 << 16;
    auto c = SrtpContext::create(p);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().code, ConfigErrc::kUnsupportedKeyDerivationRate);
}

TEST(SrtpKeyDerivation, RefusesWrongKeyAndSaltLengths) {
    SrtpContextParams p;
    p.suite = Suite::kAeadAes128Gcm;
    p.master_key = kB3Key;
    p.master_salt = kB3Salt;  // 14 octets: GCM wants 12
    auto c = SrtpContext::create(p);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().code, ConfigErrc::kBadSaltLength);
    p.suite = Suite::kAes256CmHmacSha1_80;  // 32-octet key wanted
    c = SrtpContext::create(p);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().code, ConfigErrc::kBadKeyLength);
}

// RFC 3711 B.2 "AES-CM Test Vectors": session key 2B7E151628AED2A6ABF7158809CF4F3C, session salt
// F0F1F2F3F4F5F6F7F8F9FAFBFCFD; with SSRC 0 and index 0 the IV is F0F1...FCFD0000 and the
// keystream starts
//   E03EAD0935C95E80E166B16DD92B4EB4
//   D23513162B02D0F72A43A2FE4A5F97AB
//   41E95B3BB0A2E8DD477901E4FCA894C0
// Encrypting a zero payload of an SRTP packet with SSRC 0, SEQ 0, ROC 0 yields that keystream.
TEST(SrtpAesCm, KeystreamMatchesRfc3711AppendixB2) {
    const auto key = hex("2B7E151628AED2A6ABF7158809CF4F3C");
    const auto salt = hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD");
    const std::vector<std::uint8_t> auth(20, 0);
    SrtpContextParams p;
    p.suite = Suite::kAesCm128HmacSha1_80;
    auto c = SrtpContext::create_with_session_keys(p, {key, salt, auth}, {key, salt, auth});
    ASSERT_TRUE(c);
    auto b = test::backend(BackendKind::kIpsecMb);
    std::vector<std::uint8_t> pkt = hex("80000000 00000000 00000000");
    pkt.resize(12 + 48, 0);
    ASSERT_EQ(test::run(*b, Op::kProtectRtp, **c, pkt), SrtpStatus::kOk);
    ASSERT_EQ(pkt.size(), 12u + 48 + 10);
    EXPECT_EQ(std::vector<std::uint8_t>(pkt.begin() + 12, pkt.begin() + 60),
              hex("E03EAD0935C95E80E166B16DD92B4EB4 D23513162B02D0F72A43A2FE4A5F97AB"
                  "41E95B3BB0A2E8DD477901E4FCA894C0"));
}

class SrtpBothBackends : public ::testing::TestWithParam<BackendKind> {};

// libsrtp2's srtp_validate() known answers (AES_CM_128_HMAC_SHA1_80 with the RFC 3711 B.3 master
// key and salt): SSRC 0xcafebabe, SEQ 0x1234, ROC 0; SRTCP with index 1.
TEST_P(SrtpBothBackends, ProtectsTheLibsrtpValidateVectors) {
    auto b = test::backend(GetParam());
    auto tx = test::context(Suite::kAesCm128HmacSha1_80, kB3Key, kB3Salt);
    auto rx = test::context(Suite::kAesCm128HmacSha1_80, kB3Key, kB3Salt);
    const auto plain = hex("800f1234 decafbad cafebabe abababab abababab abababab abababab");
    const auto srtp = hex(
        "800f1234 decafbad cafebabe 4e55dc4c e79978d8 8ca4d215 949d2402 b78d6acc 99ea179b 8dbb");
    auto pkt = plain;
    ASSERT_EQ(test::run(*b, Op::kProtectRtp, *tx, pkt), SrtpStatus::kOk);
    EXPECT_EQ(pkt, srtp);
    ASSERT_EQ(test::run(*b, Op::kUnprotectRtp, *rx, pkt), SrtpStatus::kOk);
    EXPECT_EQ(pkt, plain);
    pkt = srtp;
    EXPECT_EQ(test::run(*b, Op::kUnprotectRtp, *rx, pkt), SrtpStatus::kReplayed);

    const auto rtcp = hex("81c8000b cafebabe abababab abababab abababab abababab");
    const auto srtcp = hex(
        "81c8000b cafebabe 7128035b e487b9bd bef89041 f977a5a8 80000001 993e08cd 54d6c123 0798");
    pkt = rtcp;
    ASSERT_EQ(test::run(*b, Op::kProtectRtcp, *tx, pkt), SrtpStatus::kOk);
    EXPECT_EQ(pkt, srtcp);
    ASSERT_EQ(test::run(*b, Op::kUnprotectRtcp, *rx, pkt), SrtpStatus::kOk);
    EXPECT_EQ(pkt, rtcp);
    pkt = srtcp;
    EXPECT_EQ(test::run(*b, Op::kUnprotectRtcp, *rx, pkt), SrtpStatus::kReplayed);
}

INSTANTIATE_TEST_SUITE_P(Backends, SrtpBothBackends,
                         ::testing::Values(BackendKind::kIpsecMb, BackendKind::kLibSrtp2),
                         [](const auto& p) { return std::string(to_string(p.param)); });

// RFC 7714 sections 16 and 17: the vectors start from session keys (no KDF):
//   key  000102030405060708090a0b0c0d0e0f (AEAD_AES_128_GCM)
//        000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f (AEAD_AES_256_GCM)
//   salt 517569642070726f2071756f ("Quid pro quo")
// RTP packet: SSRC 0x5501a0b2, SEQ 0xf17b, ROC 0, payload "Gallia est omnis divisa in partes tres".
// RTCP packet: an SR from SSRC "Mars", SRTCP index 0x5d4.
const auto kGcmKey128 = hex("000102030405060708090a0b0c0d0e0f");
const auto kGcmKey256 = hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
const auto kGcmSalt = hex("517569642070726f2071756f");
const auto kGcmRtp =
    hex("8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f 6d6e6973 20646976 69736120 696e2070"
        "61727465 73207472 6573");
const auto kGcmRtcp =
    hex("81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61 deadbeef deadbeef"
        "deadbeef deadbeef deadbeef");

std::unique_ptr<SrtpContext> gcm_context(Suite suite, std::uint32_t srtcp_index = 1) {
    const auto& key = suite == Suite::kAeadAes128Gcm ? kGcmKey128 : kGcmKey256;
    SrtpContextParams p;
    p.suite = suite;
    p.srtcp_index = srtcp_index;
    auto c = SrtpContext::create_with_session_keys(p, {key, kGcmSalt, {}}, {key, kGcmSalt, {}});
    EXPECT_TRUE(c);
    return c ? std::move(*c) : nullptr;
}

struct GcmRtpVector {
    const char* section;
    Suite suite;
    std::vector<std::uint8_t> srtp;
};

class SrtpGcmRtp : public ::testing::TestWithParam<GcmRtpVector> {};

TEST_P(SrtpGcmRtp, EncryptsAndDecryptsTheRfc7714Vector) {
    const auto& v = GetParam();
    auto b = test::backend(BackendKind::kIpsecMb);
    auto tx = gcm_context(v.suite);
    auto rx = gcm_context(v.suite);
    auto pkt = kGcmRtp;
    ASSERT_EQ(test::run(*b, Op::kProtectRtp, *tx, pkt), SrtpStatus::kOk) << v.section;
    EXPECT_EQ(pkt, v.srtp) << v.section;
    ASSERT_EQ(test::run(*b, Op::kUnprotectRtp, *rx, pkt), SrtpStatus::kOk) << v.section;
    EXPECT_EQ(pkt, kGcmRtp) << v.section;
}

INSTANTIATE_TEST_SUITE_P(
    Rfc7714, SrtpGcmRtp,
    ::testing::Values(
        // 16.1.1 "Encryption" (AEAD_AES_128_GCM): header || ciphertext || 16-octet tag.
        GcmRtpVector{"16.1", Suite::kAeadAes128Gcm,
                     hex("8040f17b 8041f8d3 5501a0b2 f24de3a3 fb34de6c acba861c 9d7e4bca be633bd5"
                         "0d294e6f 42a5f47a 51c7d19b 36de3adf 8833899d 7f27beb1 6a9152cf 765ee439"
                         "0cce")},
        // 16.2.1 (AEAD_AES_256_GCM).
        GcmRtpVector{"16.2", Suite::kAeadAes256Gcm,
                     hex("8040f17b 8041f8d3 5501a0b2 32b1de78 a822fe12 ef9f78fa 332e33aa b1801238"
                         "9a58e2f3 b50b2a02 76ffae0f 1ba63799 b87b7aa3 db36dfff d6b0f9bb 7878d7a7"
                         "6c13")}),
    [](const auto& p) { return p.param.suite == Suite::kAeadAes128Gcm ? "Aes128" : "Aes256"; });

// 17.1: SRTCP AEAD_AES_128_GCM, encrypted (E = 1), index 0x5d4.
TEST(SrtpGcmRtcp, EncryptsTheRfc7714Section17_1Vector) {
    auto b = test::backend(BackendKind::kIpsecMb);
    auto tx = gcm_context(Suite::kAeadAes128Gcm, 0x5d4);
    auto rx = gcm_context(Suite::kAeadAes128Gcm);
    const auto srtcp = hex(
        "81c8000d 4d617273 63e94885 dcdab67c a727d766 2f6b7e99 7ff5c0f7 6c06f32d c676a5f1 730d6fda"
        "4ce09b46 86303ded 0bb9275b c84aa458 96cf4d2f c5abf872 45d9eade 800005d4");
    auto pkt = kGcmRtcp;
    ASSERT_EQ(test::run(*b, Op::kProtectRtcp, *tx, pkt), SrtpStatus::kOk);
    EXPECT_EQ(pkt, srtcp);
    EXPECT_EQ(tx->next_srtcp_index(), 0x5d5u);
    ASSERT_EQ(test::run(*b, Op::kUnprotectRtcp, *rx, pkt), SrtpStatus::kOk);
    EXPECT_EQ(pkt, kGcmRtcp);
}

struct GcmRtcpVector {
    const char* section;
    Suite suite;
    std::vector<std::uint8_t> srtcp;
};

class SrtpGcmRtcpDecrypt : public ::testing::TestWithParam<GcmRtcpVector> {};

TEST_P(SrtpGcmRtcpDecrypt, VerifiesTheRfc7714Vector) {
    const auto& v = GetParam();
    auto b = test::backend(BackendKind::kIpsecMb);
    auto rx = gcm_context(v.suite);
    auto pkt = v.srtcp;
    ASSERT_EQ(test::run(*b, Op::kUnprotectRtcp, *rx, pkt), SrtpStatus::kOk) << v.section;
    EXPECT_EQ(pkt, kGcmRtcp) << v.section;
    // Flip one bit of the tag: rejected, bytes untouched.
    auto bad = v.srtcp;
    bad[bad.size() - 5] ^= 1;
    auto copy = bad;
    auto rx2 = gcm_context(v.suite);
    EXPECT_EQ(test::run(*b, Op::kUnprotectRtcp, *rx2, bad), SrtpStatus::kAuthFailed) << v.section;
    EXPECT_EQ(bad, copy) << v.section;
}

INSTANTIATE_TEST_SUITE_P(
    Rfc7714, SrtpGcmRtcpDecrypt,
    ::testing::Values(
        // 17.2: AEAD_AES_256_GCM, encrypted.
        GcmRtcpVector{"17.2", Suite::kAeadAes256Gcm,
                      hex("81c8000d 4d617273 d50ae4d1 f5ce5d30 4ba297e4 7d470c28 2c3ece5d bffe0a50"
                          "a2eaa5c1 110555be 8415f658 c61de047 6f1b6fad 1d1eb30c 4446839f 57ff6f6c"
                          "b26ac3be 800005d4")},
        // 17.3: AEAD_AES_128_GCM, authentication only (E = 0): AAD is the whole packet.
        GcmRtcpVector{"17.3", Suite::kAeadAes128Gcm,
                      hex("81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61"
                          "deadbeef deadbeef deadbeef deadbeef deadbeef 841dd968 3dd78ec9 2ae58790"
                          "125f62b3 000005d4")},
        // 17.4: AEAD_AES_256_GCM, authentication only.
        GcmRtcpVector{"17.4", Suite::kAeadAes256Gcm,
                      hex("81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61"
                          "deadbeef deadbeef deadbeef deadbeef deadbeef 91db4afb feee5a97 8fab4393"
                          "ed2615fe 000005d4")}),
    [](const auto& p) {
        std::string s = p.param.section;
        return "Section" + s.replace(s.find('.'), 1, "_");
    });

}  // namespace
}  // namespace rtpx::rtp::srtp
