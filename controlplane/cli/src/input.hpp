// Reading packet bytes for the `rtpx decode` commands: hex text (case and whitespace ignored) or
// raw binary, from a command-line argument, a file or standard input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace rtpx::cli {

struct InputError {
    std::string what;
    std::size_t offset;  // byte of the input text (or file) where reading stopped
};

// Hex digits in either case; spaces, tabs and newlines are ignored anywhere, and a leading "0x" is
// accepted. Anything else, or an odd number of digits, is an error naming the offending byte.
[[nodiscard]] tl::expected<std::vector<std::uint8_t>, InputError> parse_hex(std::string_view text);

// Lower-case hex of the bytes, no separators (how the decode commands print raw bytes).
[[nodiscard]] std::string to_hex(std::span<const std::uint8_t> bytes);

// Bytes that are entirely hex digits and whitespace are read as hex; anything else is taken as the
// raw packet. An RTP or RTCP packet always starts with a byte >= 0x80, so it can never be mistaken
// for hex text.
[[nodiscard]] tl::expected<std::vector<std::uint8_t>, InputError> hex_or_binary(
    std::string_view bytes);

[[nodiscard]] tl::expected<std::string, InputError> read_file(const std::string& path);
[[nodiscard]] std::string read_stdin();

}  // namespace rtpx::cli
