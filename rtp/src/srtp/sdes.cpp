#include "rtpx/rtp/srtp/sdes.hpp"

#include <bit>
#include <charconv>

namespace rtpx::rtp::srtp {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int decode_char(char c) noexcept {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

tl::unexpected<SdesError> fail(SdesErrc code, std::size_t offset, const char* what) {
    return tl::unexpected(SdesError{code, offset, what});
}

// Decimal digits only, no sign, no leading '+'; nullopt-like false when empty or overflowing.
bool parse_decimal(std::string_view s, std::uint64_t& v) {
    if (s.empty()) return false;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
    }
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

tl::expected<std::size_t, SdesError> base64_decode(std::string_view text,
                                                   std::span<std::uint8_t> out) {
    if (text.size() % 4 != 0) {
        return fail(SdesErrc::kBadBase64, text.size(), "base64 length is not a multiple of 4");
    }
    std::size_t n = 0;
    for (std::size_t i = 0; i < text.size(); i += 4) {
        std::uint32_t acc = 0;
        int pad = 0;
        for (std::size_t j = 0; j < 4; ++j) {
            const char c = text[i + j];
            if (c == '=') {
                if (i + 4 != text.size() || j < 2) {
                    return fail(SdesErrc::kBadBase64, i + j, "base64 padding in the middle");
                }
                ++pad;
                acc <<= 6;
                continue;
            }
            const int v = decode_char(c);
            if (v < 0) return fail(SdesErrc::kBadBase64, i + j, "character outside base64");
            if (pad != 0) return fail(SdesErrc::kBadBase64, i + j, "base64 data after padding");
            acc = (acc << 6) | static_cast<std::uint32_t>(v);
        }
        const std::size_t octets = 3 - static_cast<std::size_t>(pad);
        // Non-canonical encodings (bits set in the padding) are refused.
        if ((pad == 1 && (acc & 0xff) != 0) || (pad == 2 && (acc & 0xffff) != 0)) {
            return fail(SdesErrc::kBadBase64, i + 3 - pad, "base64 has bits set in its padding");
        }
        if (n + octets > out.size()) {
            return fail(SdesErrc::kBadKeyLength, i, "key material longer than the suite's");
        }
        for (std::size_t k = 0; k < octets; ++k) {
            out[n++] = static_cast<std::uint8_t>(acc >> (16 - 8 * k));
        }
    }
    return n;
}

std::string base64_encode(std::span<const std::uint8_t> bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
        std::uint32_t acc = std::uint32_t{bytes[i]} << 16;
        if (n > 1) acc |= std::uint32_t{bytes[i + 1]} << 8;
        if (n > 2) acc |= bytes[i + 2];
        out += kAlphabet[(acc >> 18) & 63];
        out += kAlphabet[(acc >> 12) & 63];
        out += n > 1 ? kAlphabet[(acc >> 6) & 63] : '=';
        out += n > 2 ? kAlphabet[acc & 63] : '=';
    }
    return out;
}

tl::expected<SdesKeyParams, SdesError> parse_sdes_key_params(std::string_view text, Suite suite) {
    constexpr std::string_view kInline = "inline:";
    if (text.substr(0, kInline.size()) != kInline) {
        return fail(SdesErrc::kNotInline, 0, "key method must be \"inline:\"");
    }
    const SuiteInfo& info = suite_info(suite);
    SdesKeyParams out;
    std::size_t pos = kInline.size();
    std::size_t bar = text.find('|', pos);
    const std::string_view key = text.substr(pos, bar == std::string_view::npos ? bar : bar - pos);
    auto n = base64_decode(key, out.key_salt);
    if (!n) {
        SdesError e = n.error();
        e.offset += pos;
        return tl::unexpected(e);
    }
    if (*n != std::size_t{info.master_key_len} + info.master_salt_len) {
        return fail(SdesErrc::kBadKeyLength, pos,
                    "key||salt length does not match the suite (30 octets for AES_CM_128, 46 for "
                    "AES_256_CM, 28 for AEAD_AES_128_GCM, 44 for AEAD_AES_256_GCM)");
    }
    out.key_len = info.master_key_len;
    out.salt_len = info.master_salt_len;
    if (bar == std::string_view::npos) return out;

    pos = bar + 1;
    bar = text.find('|', pos);
    std::string_view field = text.substr(pos, bar == std::string_view::npos ? bar : bar - pos);
    if (field.find(':') == std::string_view::npos) {  // a lifetime (the MKI has a colon)
        std::uint64_t v = 0;
        if (field.substr(0, 2) == "2^") {
            std::uint64_t exp = 0;
            if (!parse_decimal(field.substr(2), exp) || exp > 48) {
                return fail(SdesErrc::kBadLifetime, pos, "lifetime 2^n needs n from 0 to 48");
            }
            v = std::uint64_t{1} << exp;
        } else if (!parse_decimal(field, v) || v == 0 || v > (std::uint64_t{1} << 48)) {
            return fail(SdesErrc::kBadLifetime, pos,
                        "lifetime must be a decimal number or 2^n, from 1 to 2^48");
        }
        out.lifetime = v;
        if (bar == std::string_view::npos) return out;
        pos = bar + 1;
        bar = text.find('|', pos);
        field = text.substr(pos, bar == std::string_view::npos ? bar : bar - pos);
    }
    const std::size_t colon = field.find(':');
    std::uint64_t value = 0;
    std::uint64_t length = 0;
    if (colon == std::string_view::npos || !parse_decimal(field.substr(0, colon), value) ||
        !parse_decimal(field.substr(colon + 1), length)) {
        return fail(SdesErrc::kBadMki, pos, "MKI must be <decimal value>:<length in octets>");
    }
    if (length < 1 || length > kMaxMkiLen) {
        return fail(SdesErrc::kBadMki, pos + colon + 1, "MKI length must be 1 to 4 octets");
    }
    if (length < 4 && value >= (std::uint64_t{1} << (8 * length))) {
        return fail(SdesErrc::kBadMki, pos, "MKI value does not fit its length");
    }
    if (value > 0xffffffffULL) return fail(SdesErrc::kBadMki, pos, "MKI value does not fit");
    out.mki_len = static_cast<std::uint8_t>(length);
    out.mki_value = static_cast<std::uint32_t>(value);
    for (std::size_t i = 0; i < length; ++i) {
        out.mki[i] = static_cast<std::uint8_t>(value >> (8 * (length - 1 - i)));
    }
    if (bar != std::string_view::npos) {
        return fail(SdesErrc::kTrailingData, bar, "unexpected data after the MKI");
    }
    return out;
}

std::string format_sdes_key_params(const SdesKeyParams& p) {
    std::string out = "inline:";
    out += base64_encode({p.key_salt.data(), std::size_t{p.key_len} + p.salt_len});
    if (p.lifetime != 0) {
        out += '|';
        if (std::has_single_bit(p.lifetime)) {
            out += "2^" + std::to_string(std::countr_zero(p.lifetime));
        } else {
            out += std::to_string(p.lifetime);
        }
    }
    if (p.mki_len != 0) {
        out += '|' + std::to_string(p.mki_value) + ':' + std::to_string(p.mki_len);
    }
    return out;
}

}  // namespace rtpx::rtp::srtp
