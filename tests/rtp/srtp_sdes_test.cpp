// SDES key parameters (RFC 4568 section 6.1) and the base64 they carry (RFC 4648).
#include "rtpx/rtp/srtp/sdes.hpp"

#include <array>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace rtpx::rtp::srtp {
namespace {

std::vector<std::uint8_t> bytes(std::string_view s) {
    return {s.begin(), s.end()};
}

// RFC 4648 section 10 test vectors.
TEST(Base64, EncodesAndDecodesTheRfc4648Vectors) {
    const std::array<std::pair<std::string_view, std::string_view>, 7> v = {{
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
    }};
    for (const auto& [plain, enc] : v) {
        EXPECT_EQ(base64_encode(bytes(plain)), enc);
        std::array<std::uint8_t, 16> out{};
        auto n = base64_decode(enc, out);
        ASSERT_TRUE(n) << enc;
        EXPECT_EQ(std::string(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*n)), plain);
    }
}

TEST(Base64, RefusesWhatIsNotStrictBase64) {
    std::array<std::uint8_t, 16> out{};
    EXPECT_EQ(base64_decode("Zm9", out).error().code, SdesErrc::kBadBase64);       // length
    EXPECT_EQ(base64_decode("Zm9*", out).error().offset, 3u);                      // alphabet
    EXPECT_EQ(base64_decode("Zg==Zg==", out).error().code, SdesErrc::kBadBase64);  // inner pad
    EXPECT_EQ(base64_decode("Zh==", out).error().code, SdesErrc::kBadBase64);      // non-canonical
    EXPECT_EQ(base64_decode("Z===", out).error().code, SdesErrc::kBadBase64);
}

// RFC 4568 section 4's example key: inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32
constexpr std::string_view kRfcKey = "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR";

TEST(SdesKeyParams, ParsesKeyLifetimeAndMki) {
    auto p = parse_sdes_key_params("inline:" + std::string(kRfcKey) + "|2^20|1:4",
                                   Suite::kAesCm128HmacSha1_80);
    ASSERT_TRUE(p) << p.error().what;
    EXPECT_EQ(p->master_key().size(), 16u);
    EXPECT_EQ(p->master_salt().size(), 14u);
    EXPECT_EQ(p->master_key()[0], 0x3d);  // 'PS1u' -> 3d 2d 6e
    EXPECT_EQ(p->lifetime, std::uint64_t{1} << 20);
    ASSERT_EQ(p->mki_len, 4);
    EXPECT_EQ(p->mki, (std::array<std::uint8_t, 4>{0, 0, 0, 1}));
    EXPECT_EQ(format_sdes_key_params(*p), "inline:" + std::string(kRfcKey) + "|2^20|1:4");
}

TEST(SdesKeyParams, LifetimeAndMkiAreOptional) {
    auto p = parse_sdes_key_params("inline:" + std::string(kRfcKey), Suite::kAesCm128HmacSha1_32);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->lifetime, 0u);
    EXPECT_EQ(p->mki_len, 0);
    p = parse_sdes_key_params("inline:" + std::string(kRfcKey) + "|1000", Suite::kNullHmacSha1_80);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->lifetime, 1000u);
    EXPECT_EQ(format_sdes_key_params(*p), "inline:" + std::string(kRfcKey) + "|1000");
    p = parse_sdes_key_params("inline:" + std::string(kRfcKey) + "|7:1",
                              Suite::kAesCm128HmacSha1_80);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->lifetime, 0u);
    EXPECT_EQ(p->mki_len, 1);
    EXPECT_EQ(p->mki[0], 7);
}

TEST(SdesKeyParams, SaysWhatIsWrongAndWhere) {
    const std::string k = "inline:" + std::string(kRfcKey);
    struct Case {
        std::string text;
        Suite suite;
        SdesErrc code;
        std::size_t offset;
    };
    const std::vector<Case> cases = {
        {"uri:x", Suite::kAesCm128HmacSha1_80, SdesErrc::kNotInline, 0},
        {"inline:PS1u!CVe", Suite::kAesCm128HmacSha1_80, SdesErrc::kBadBase64, 11},
        {k, Suite::kAeadAes128Gcm, SdesErrc::kBadKeyLength, 7},  // 30 octets, GCM-128 wants 28
        {k, Suite::kAes256CmHmacSha1_80, SdesErrc::kBadKeyLength, 7},
        {k + "|2^49", Suite::kAesCm128HmacSha1_80, SdesErrc::kBadLifetime, 48},
        {k + "|0", Suite::kAesCm128HmacSha1_80, SdesErrc::kBadLifetime, 48},
        {k + "|12x", Suite::kAesCm128HmacSha1_80, SdesErrc::kBadLifetime, 48},
        {k + "|2^20|1:32", Suite::kAesCm128HmacSha1_80, SdesErrc::kBadMki, 55},  // > 4 octets
        {k + "|1:0", Suite::kAesCm128HmacSha1_80, SdesErrc::kBadMki, 50},
        {k + "|256:1", Suite::kAesCm128HmacSha1_80, SdesErrc::kBadMki, 48},
        {k + "|1:1|x", Suite::kAesCm128HmacSha1_80, SdesErrc::kTrailingData, 51},
    };
    for (const auto& c : cases) {
        auto p = parse_sdes_key_params(c.text, c.suite);
        ASSERT_FALSE(p) << c.text;
        EXPECT_EQ(p.error().code, c.code) << c.text << ": " << p.error().what;
        EXPECT_EQ(p.error().offset, c.offset) << c.text << ": " << p.error().what;
    }
}

}  // namespace
}  // namespace rtpx::rtp::srtp
