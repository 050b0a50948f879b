// Compile-time checks of the byte-order helpers (the header is constexpr; this unit keeps it
// honest).
#include "rtpx/rtp/bytes.hpp"

#include <array>

namespace rtpx::rtp {
namespace {

constexpr bool round_trips() {
    std::array<std::uint8_t, 8> b{};
    store_be64(b.data(), 0x0102030405060708ULL);
    if (load_be64(b.data()) != 0x0102030405060708ULL || b[0] != 1 || b[7] != 8) return false;
    store_be24(b.data(), 0xABCDEF);
    if (load_be24(b.data()) != 0xABCDEF) return false;
    store_be48(b.data(), 0x0000123456789ABCULL);
    return load_be48(b.data()) == 0x123456789ABCULL && load_be16(b.data() + 4) == 0x9ABC;
}
static_assert(round_trips());

}  // namespace
}  // namespace rtpx::rtp
