// Helpers shared by the RTCP tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/error.hpp"

namespace rtpx::rtp::rtcp::test {

// Writes `builder` into a buffer of exactly size() bytes and returns the bytes; also checks that
// every smaller buffer is refused with kNoRoom and left untouched past its end.
template <class B>
std::vector<std::uint8_t> build(const B& builder) {
    const std::size_t size = builder.size();
    std::vector<std::uint8_t> small(size + 8, 0xEE);
    for (std::size_t room = 0; room < size; room += (size > 64 ? 7 : 1)) {
        auto n = builder.write(MutableByteSpan(small).first(room));
        EXPECT_FALSE(n) << "room " << room;
        if (!n) {
            EXPECT_EQ(n.error(), WriteErrc::kNoRoom);
        }
        for (std::size_t i = room; i < small.size(); ++i) {
            EXPECT_EQ(small[i], 0xEE) << "wrote past " << room;
        }
    }
    std::vector<std::uint8_t> out(size + 4, 0xEE);
    auto n = builder.write(out);
    EXPECT_TRUE(n);
    if (!n) return {};
    EXPECT_EQ(*n, size);
    out.resize(*n);
    return out;
}

template <std::size_t N>
std::vector<std::uint8_t> bytes_of(const std::uint8_t (&a)[N]) {
    return std::vector<std::uint8_t>(a, a + N);
}

}  // namespace rtpx::rtp::rtcp::test
