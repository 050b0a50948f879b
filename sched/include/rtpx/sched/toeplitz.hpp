// The Toeplitz hash NICs use for RSS (Microsoft's "Receive Side Scaling" specification): for each
// set bit i of the input (most significant bit of the first byte is bit 0), XOR in the 32 bits of
// the key that start at key bit i. Input fields are in network byte order, in the order the NIC
// hashes them: source address, destination address, source port, destination port.
//
// Toeplitz is linear over XOR: hash(a ^ b) = hash(a) ^ hash(b). Steering relies on it: the hash
// of (fixed part, port) is hash(fixed part) ^ hash(port alone at its offset).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace rtpx::sched {

// The key of Microsoft's RSS verification suite (also DPDK's default RSS key in several PMDs).
inline constexpr std::array<std::uint8_t, 40> kMicrosoftRssKey = {
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
    0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
    0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa};

// Bit by bit, as the specification describes it. Key bits past the end of `key` count as zero
// (a key must be at least input.size() + 4 bytes long to hash every input bit as a NIC would).
[[nodiscard]] std::uint32_t toeplitz_hash(std::span<const std::uint8_t> key,
                                          std::span<const std::uint8_t> input) noexcept;

// The 32-bit key window starting at key bit `bit` (zeros past the end of the key).
[[nodiscard]] std::uint32_t toeplitz_window(std::span<const std::uint8_t> key,
                                            std::size_t bit) noexcept;

// Hash contribution of one input byte at a fixed position, for all 256 values: a table lookup per
// byte instead of a loop per bit. Two of them hash a 16-bit port.
class ToeplitzByteTable {
  public:
    ToeplitzByteTable(std::span<const std::uint8_t> key, std::size_t byte_position) noexcept;
    [[nodiscard]] std::uint32_t operator[](std::uint8_t value) const noexcept {
        return table_[value];
    }

  private:
    std::array<std::uint32_t, 256> table_{};
};

}  // namespace rtpx::sched
