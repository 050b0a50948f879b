// The SRTP replay window (RFC 3711 section 3.3.2) against a plain model: the set of accepted
// indices, the highest one and the window size. Random walks with reordering, duplicates and gaps
// of every length (1 to beyond the window), so jumps that clear part of a word, whole words and
// the whole ring are all exercised. Deterministic (fixed seeds).
#include <algorithm>
#include <cstdint>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "rtpx/rtp/srtp/replay_window.hpp"

namespace rtpx::rtp::srtp {
namespace {

struct Model {
    std::uint32_t size;
    bool started = false;
    std::uint64_t highest = 0;
    std::set<std::uint64_t> accepted;

    [[nodiscard]] ReplayCheck check(std::uint64_t i) const {
        if (!started || i > highest) return ReplayCheck::kFresh;
        if (highest - i >= size) return ReplayCheck::kTooOld;
        return accepted.count(i) != 0 ? ReplayCheck::kReplayed : ReplayCheck::kFresh;
    }
    void accept(std::uint64_t i) {
        if (!started || i > highest) highest = i;
        started = true;
        accepted.insert(i);
    }
};

template <std::uint32_t Bits>
void walk(std::uint32_t size, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    ReplayWindow<Bits> window(size);
    Model model{size};
    std::uint64_t next = rng() % 100'000;
    for (int step = 0; step < 20'000; ++step) {
        std::uint64_t index = next;
        switch (rng() % 8) {
            case 0:  // a gap: a few, up to a word, up to the ring, beyond it
                next += 1 + rng() % (std::uint64_t{1} << (rng() % 12));
                index = next;
                break;
            case 1:  // late, maybe inside the window, maybe behind it
                index = next - std::min<std::uint64_t>(next, rng() % (2 * Bits));
                break;
            case 2:  // a duplicate of the highest
                break;
            default: index = ++next; break;
        }
        const ReplayCheck want = model.check(index);
        ASSERT_EQ(window.check(index), want) << "seed " << seed << " step " << step << " index "
                                             << index << " highest " << model.highest;
        if (want == ReplayCheck::kFresh) {
            window.accept(index);
            model.accept(index);
        }
        ASSERT_EQ(window.highest(), model.highest);
        next = model.highest;
    }
}

TEST(SrtpReplayWindow, MatchesTheModelOverRandomWalks128) {
    for (std::uint64_t seed = 1; seed <= 8; ++seed) walk<128>(128, seed);
}

TEST(SrtpReplayWindow, MatchesTheModelWithASmallerSizeThanTheRing) {
    for (std::uint64_t seed = 11; seed <= 14; ++seed) walk<1024>(200, seed);
    for (std::uint64_t seed = 21; seed <= 24; ++seed) walk<1024>(1024, seed);
}

TEST(SrtpReplayWindow, AJumpClearsExactlyTheSkippedIndices) {
    // Accept 0..127, then jump by 70: 128..197 were never seen (fresh); 70..127 still replays.
    ReplayWindow<128> w;
    for (std::uint64_t i = 0; i < 128; ++i) {
        ASSERT_EQ(w.check(i), ReplayCheck::kFresh);
        w.accept(i);
    }
    w.accept(197);
    for (std::uint64_t i = 128; i < 197; ++i) EXPECT_EQ(w.check(i), ReplayCheck::kFresh) << i;
    for (std::uint64_t i = 70; i < 128; ++i) EXPECT_EQ(w.check(i), ReplayCheck::kReplayed) << i;
    EXPECT_EQ(w.check(69), ReplayCheck::kTooOld);
    EXPECT_EQ(w.check(197), ReplayCheck::kReplayed);
}

}  // namespace
}  // namespace rtpx::rtp::srtp
