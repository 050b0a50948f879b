// Hex/binary input handling of the `rtpx decode` commands.
#include "input.hpp"

#include <gtest/gtest.h>

namespace rtpx::cli {
namespace {

TEST(HexInput, IgnoresCaseAndWhitespace) {
    auto bytes = parse_hex(" 80 0a\n\tBE ef\r\n");
    ASSERT_TRUE(bytes);
    EXPECT_EQ(*bytes, (std::vector<std::uint8_t>{0x80, 0x0a, 0xbe, 0xef}));
}

TEST(HexInput, AcceptsLeadingZeroX) {
    auto bytes = parse_hex("0x8000");
    ASSERT_TRUE(bytes);
    EXPECT_EQ(bytes->size(), 2u);
}

TEST(HexInput, NamesTheOffsetOfAnInvalidDigit) {
    auto bytes = parse_hex("80 0g");
    ASSERT_FALSE(bytes);
    EXPECT_EQ(bytes.error().what, "invalid hex digit");
    EXPECT_EQ(bytes.error().offset, 4u);
}

TEST(HexInput, RejectsAnOddNumberOfDigitsAtTheDanglingDigit) {
    auto bytes = parse_hex("80 0");
    ASSERT_FALSE(bytes);
    EXPECT_EQ(bytes.error().what, "odd number of hex digits");
    EXPECT_EQ(bytes.error().offset, 3u);
}

TEST(HexInput, RejectsEmptyInput) {
    EXPECT_FALSE(parse_hex(" \n"));
    EXPECT_FALSE(hex_or_binary(""));
}

TEST(HexOrBinary, TakesNonHexBytesAsTheRawPacket) {
    const std::string raw("\x80\x00\x00\x01", 4);
    auto bytes = hex_or_binary(raw);
    ASSERT_TRUE(bytes);
    EXPECT_EQ(*bytes, (std::vector<std::uint8_t>{0x80, 0x00, 0x00, 0x01}));
}

TEST(HexOrBinary, TakesHexTextAsHex) {
    auto bytes = hex_or_binary("8000 0001\n");
    ASSERT_TRUE(bytes);
    EXPECT_EQ(*bytes, (std::vector<std::uint8_t>{0x80, 0x00, 0x00, 0x01}));
}

}  // namespace
}  // namespace rtpx::cli
