#include "rtpx/sched/toeplitz.hpp"

namespace rtpx::sched {

std::uint32_t toeplitz_window(std::span<const std::uint8_t> key, std::size_t bit) noexcept {
    // Five key bytes cover any 32-bit window; bytes past the end of the key are zero.
    std::uint64_t bytes = 0;
    const std::size_t first = bit / 8;
    for (std::size_t i = 0; i < 5; ++i) {
        bytes = (bytes << 8) | (first + i < key.size() ? key[first + i] : 0u);
    }
    return static_cast<std::uint32_t>(bytes >> (8 - bit % 8));
}

std::uint32_t toeplitz_hash(std::span<const std::uint8_t> key,
                            std::span<const std::uint8_t> input) noexcept {
    std::uint32_t hash = 0;
    for (std::size_t byte = 0; byte < input.size(); ++byte) {
        for (unsigned b = 0; b < 8; ++b) {
            if (input[byte] & (0x80u >> b)) hash ^= toeplitz_window(key, byte * 8 + b);
        }
    }
    return hash;
}

ToeplitzByteTable::ToeplitzByteTable(std::span<const std::uint8_t> key,
                                     std::size_t byte_position) noexcept {
    std::array<std::uint32_t, 8> bit_windows{};
    for (unsigned b = 0; b < 8; ++b) bit_windows[b] = toeplitz_window(key, byte_position * 8 + b);
    for (unsigned v = 1; v < 256; ++v) {
        // v with its lowest set bit cleared was filled in already; XOR in that bit's window.
        const unsigned low = static_cast<unsigned>(__builtin_ctz(v));
        table_[v] = table_[v & (v - 1)] ^ bit_windows[7 - low];
    }
}

}  // namespace rtpx::sched
