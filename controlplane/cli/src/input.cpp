#include "input.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace rtpx::cli {
namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

tl::expected<std::vector<std::uint8_t>, InputError> parse_hex(std::string_view text) {
    std::vector<std::uint8_t> out;
    out.reserve(text.size() / 2);
    std::size_t i = 0;
    while (i < text.size() && is_space(text[i])) ++i;
    if (text.size() - i >= 2 && text[i] == '0' && (text[i + 1] == 'x' || text[i + 1] == 'X'))
        i += 2;
    int high = -1;
    std::size_t high_at = 0;
    for (; i < text.size(); ++i) {
        const char c = text[i];
        if (is_space(c)) continue;
        const int v = hex_value(c);
        if (v < 0) return tl::unexpected(InputError{"invalid hex digit", i});
        if (high < 0) {
            high = v;
            high_at = i;
        } else {
            out.push_back(static_cast<std::uint8_t>((high << 4) | v));
            high = -1;
        }
    }
    if (high >= 0) return tl::unexpected(InputError{"odd number of hex digits", high_at});
    if (out.empty()) return tl::unexpected(InputError{"empty input", 0});
    return out;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const std::uint8_t b : bytes) {
        out.push_back(kDigits[b >> 4]);
        out.push_back(kDigits[b & 0x0F]);
    }
    return out;
}

tl::expected<std::vector<std::uint8_t>, InputError> hex_or_binary(std::string_view bytes) {
    bool texty = !bytes.empty();
    for (char c : bytes) {
        if (!is_space(c) && hex_value(c) < 0 && c != 'x' && c != 'X') {
            texty = false;
            break;
        }
    }
    if (texty) return parse_hex(bytes);
    if (bytes.empty()) return tl::unexpected(InputError{"empty input", 0});
    return std::vector<std::uint8_t>(bytes.begin(), bytes.end());
}

tl::expected<std::string, InputError> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return tl::unexpected(InputError{"cannot open " + path + ": " + std::strerror(errno), 0});
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string read_stdin() {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    return ss.str();
}

}  // namespace rtpx::cli
