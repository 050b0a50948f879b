// SDP Security Descriptions (RFC 4568) key parameters: `inline:<key||salt
// base64>[|lifetime][|MKI:length]`, parsed and formatted, and the strict base64 (RFC 4648 section
// 4, with padding) they use.
//
// Errors name what is wrong and the offset (in the text given) where it was found.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "rtpx/rtp/srtp/suite.hpp"

namespace rtpx::rtp::srtp {

enum class SdesErrc : std::uint8_t {
    kNotInline,     // key method is not "inline:"
    kBadBase64,     // not strict base64 (alphabet, padding, length)
    kBadKeyLength,  // decoded key||salt length is not the suite's
    kBadLifetime,   // lifetime is not a decimal number or 2^n, or is zero or too large
    kBadMki,        // MKI is not value:length, or length outside 1..4, or value does not fit
    kTrailingData,  // something follows the MKI
};

struct SdesError {
    SdesErrc code;
    std::size_t offset;
    const char* what;
};

struct SdesKeyParams {
    std::array<std::uint8_t, kMaxMasterKeyLen + kMaxMasterSaltLen> key_salt{};
    std::uint8_t key_len = 0;
    std::uint8_t salt_len = 0;
    std::uint64_t lifetime = 0;  // packets; 0 when absent (the suite's default applies)
    std::array<std::uint8_t, kMaxMkiLen> mki{};
    std::uint8_t mki_len = 0;  // 0 when absent
    std::uint32_t mki_value = 0;

    [[nodiscard]] std::span<const std::uint8_t> master_key() const noexcept {
        return {key_salt.data(), key_len};
    }
    [[nodiscard]] std::span<const std::uint8_t> master_salt() const noexcept {
        return {key_salt.data() + key_len, salt_len};
    }
    [[nodiscard]] std::span<const std::uint8_t> mki_bytes() const noexcept {
        return {mki.data(), mki_len};
    }
};

// Decodes strict base64 into `out`; returns the number of octets written.
[[nodiscard]] tl::expected<std::size_t, SdesError> base64_decode(std::string_view text,
                                                                 std::span<std::uint8_t> out);
[[nodiscard]] std::string base64_encode(std::span<const std::uint8_t> bytes);

// Parses one key-params value ("inline:..."), checking the key length against the suite.
[[nodiscard]] tl::expected<SdesKeyParams, SdesError> parse_sdes_key_params(std::string_view text,
                                                                           Suite suite);

// Formats key-params: "inline:" base64(key||salt), then "|2^n" (when lifetime is a power of two)
// or "|n", then "|value:length" when an MKI is set.
[[nodiscard]] std::string format_sdes_key_params(const SdesKeyParams& params);

}  // namespace rtpx::rtp::srtp
