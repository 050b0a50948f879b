#include "rtpx/rtp/extensions/sdes.hpp"

namespace rtpx::rtp::sdes_detail {
namespace {

constexpr bool is_alnum(std::uint8_t c) noexcept {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// RFC 4566 token-char: %x21 / %x23-27 / %x2A-2B / %x2D-2E / %x30-39 / %x41-5A / %x5E-7E.
constexpr bool is_token_char(std::uint8_t c) noexcept {
    return c == 0x21 || (c >= 0x23 && c <= 0x27) || c == 0x2A || c == 0x2B || c == 0x2D ||
           c == 0x2E || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) ||
           (c >= 0x5E && c <= 0x7E);
}

constexpr bool allowed(std::uint8_t c, Charset charset) noexcept {
    return charset == Charset::kToken ? is_token_char(c) : (is_alnum(c) || c == '-' || c == '_');
}

}  // namespace

ParseResult<std::string_view> parse_identifier(ByteSpan data, Charset charset,
                                               const char* bad_char_what) noexcept {
    std::size_t size = data.size();
    while (size > 0 && data[size - 1] == 0) --size;
    if (size == 0) return parse_error(ParseErrc::kBadLength, 0, "SDES identifier is empty");
    if (size > 255) {
        return parse_error(ParseErrc::kBadLength, 255, "SDES identifier longer than 255 bytes");
    }
    for (std::size_t i = 0; i < size; ++i) {
        if (!allowed(data[i], charset)) return parse_error(ParseErrc::kBadValue, i, bad_char_what);
    }
    return std::string_view(reinterpret_cast<const char*>(data.data()), size);
}

WriteResult<std::size_t> write_identifier(MutableByteSpan out, std::string_view id,
                                          Charset charset) noexcept {
    if (id.empty() || id.size() > 255) return tl::unexpected(WriteErrc::kBadValue);
    for (char c : id) {
        if (!allowed(static_cast<std::uint8_t>(c), charset)) {
            return tl::unexpected(WriteErrc::kBadValue);
        }
    }
    if (out.size() < id.size()) return tl::unexpected(WriteErrc::kNoRoom);
    for (std::size_t i = 0; i < id.size(); ++i) out[i] = static_cast<std::uint8_t>(id[i]);
    return id.size();
}

}  // namespace rtpx::rtp::sdes_detail
