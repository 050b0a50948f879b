// SRTP protection profiles ("crypto suites"): the parameters each one fixes.
//
// Names are spelled as in the IANA SDP Security Descriptions registry (RFC 4568 section 10.3.2.1,
// RFC 6188 section 7, RFC 7714 section 14.2), which is what SDES `a=crypto:` lines carry.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace rtpx::rtp::srtp {

enum class Suite : std::uint8_t {
    kAesCm128HmacSha1_80,  // RFC 4568: AES_CM_128_HMAC_SHA1_80
    kAesCm128HmacSha1_32,  // RFC 4568: AES_CM_128_HMAC_SHA1_32
    kAes256CmHmacSha1_80,  // RFC 6188: AES_256_CM_HMAC_SHA1_80
    kAes256CmHmacSha1_32,  // RFC 6188: AES_256_CM_HMAC_SHA1_32
    kAeadAes128Gcm,        // RFC 7714: AEAD_AES_128_GCM (16-octet tag)
    kAeadAes256Gcm,        // RFC 7714: AEAD_AES_256_GCM (16-octet tag)
    kNullHmacSha1_80,      // RFC 4568: NULL_HMAC_SHA1_80 (authentication only)
};

enum class CipherKind : std::uint8_t { kAesCm, kAesGcm, kNull };

struct SuiteInfo {
    Suite suite;
    std::string_view name;
    CipherKind cipher;
    std::uint8_t master_key_len;   // octets of master key (and of session encryption key)
    std::uint8_t master_salt_len;  // octets of master salt (and of session salt)
    std::uint8_t auth_key_len;     // HMAC-SHA1 session key octets (0 for AEAD)
    std::uint8_t rtp_tag_len;      // SRTP authentication tag octets
    std::uint8_t rtcp_tag_len;     // SRTCP tag octets: the _32 suites keep 80 bits for SRTCP
                                   // (RFC 4568 section 6.2.1, RFC 6188 section 7)
};

inline constexpr std::array<SuiteInfo, 7> kSuites = {{
    {Suite::kAesCm128HmacSha1_80, "AES_CM_128_HMAC_SHA1_80", CipherKind::kAesCm, 16, 14, 20, 10,
     10},
    {Suite::kAesCm128HmacSha1_32, "AES_CM_128_HMAC_SHA1_32", CipherKind::kAesCm, 16, 14, 20, 4, 10},
    {Suite::kAes256CmHmacSha1_80, "AES_256_CM_HMAC_SHA1_80", CipherKind::kAesCm, 32, 14, 20, 10,
     10},
    {Suite::kAes256CmHmacSha1_32, "AES_256_CM_HMAC_SHA1_32", CipherKind::kAesCm, 32, 14, 20, 4, 10},
    {Suite::kAeadAes128Gcm, "AEAD_AES_128_GCM", CipherKind::kAesGcm, 16, 12, 0, 16, 16},
    {Suite::kAeadAes256Gcm, "AEAD_AES_256_GCM", CipherKind::kAesGcm, 32, 12, 0, 16, 16},
    {Suite::kNullHmacSha1_80, "NULL_HMAC_SHA1_80", CipherKind::kNull, 16, 14, 20, 10, 10},
}};

inline constexpr std::size_t kMaxMasterKeyLen = 32;
inline constexpr std::size_t kMaxMasterSaltLen = 14;
inline constexpr std::size_t kMaxTagLen = 16;
inline constexpr std::size_t kMaxMkiLen = 4;

[[nodiscard]] constexpr const SuiteInfo& suite_info(Suite s) noexcept {
    return kSuites[static_cast<std::size_t>(s)];
}

[[nodiscard]] constexpr std::string_view to_string(Suite s) noexcept {
    return suite_info(s).name;
}

// Exact, case-sensitive registry spelling (SDP attribute values are case-sensitive).
[[nodiscard]] constexpr std::optional<Suite> suite_from_name(std::string_view name) noexcept {
    for (const auto& info : kSuites) {
        if (info.name == name) return info.suite;
    }
    return std::nullopt;
}

}  // namespace rtpx::rtp::srtp
