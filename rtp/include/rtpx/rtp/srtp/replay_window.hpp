// Replay protection (RFC 3711 section 3.3.2): a sliding window of the packet indices accepted
// below the highest one.
//
// The window is a ring of `Bits` bits: index i lives at bit i mod Bits, so advancing the highest
// index by one clears and sets one bit (no shifting of the whole map). `size` (<= Bits) is how far
// back an index may lie and still be accepted, as libsrtp2's `window_size`: an index is fresh when
// it is above the highest, or at most size - 1 below it and not yet accepted.
#pragma once

#include <array>
#include <cstdint>

namespace rtpx::rtp::srtp {

enum class ReplayCheck : std::uint8_t { kFresh, kReplayed, kTooOld };

template <std::uint32_t Bits>
class ReplayWindow {
    static_assert(Bits % 64 == 0 && Bits >= 64);

  public:
    static constexpr std::uint32_t kMaxSize = Bits;

    constexpr explicit ReplayWindow(std::uint32_t size = Bits) noexcept : size_(size) {}

    [[nodiscard]] constexpr std::uint32_t size() const noexcept { return size_; }
    [[nodiscard]] constexpr bool empty() const noexcept { return !started_; }
    [[nodiscard]] constexpr std::uint64_t highest() const noexcept { return highest_; }
    // The bitmap word index i lives in (for prefetching).
    [[nodiscard]] constexpr const std::uint64_t* word(std::uint64_t i) const noexcept {
        return &bits_[(i % Bits) / 64];
    }

    [[nodiscard]] constexpr ReplayCheck check(std::uint64_t index) const noexcept {
        if (!started_ || index > highest_) return ReplayCheck::kFresh;
        if (highest_ - index >= size_) return ReplayCheck::kTooOld;
        return test(index) ? ReplayCheck::kReplayed : ReplayCheck::kFresh;
    }

    // Records an index that check() found fresh and that authenticated.
    constexpr void accept(std::uint64_t index) noexcept {
        if (!started_) {
            started_ = true;
            highest_ = index;
        } else if (index > highest_) {
            const std::uint64_t delta = index - highest_;
            if (delta >= Bits) {
                bits_.fill(0);
            } else {
                clear_range(highest_ + 1, delta);
            }
            highest_ = index;
        }
        set(index);
    }

  private:
    [[nodiscard]] constexpr bool test(std::uint64_t i) const noexcept {
        return (bits_[(i % Bits) / 64] >> (i % 64)) & 1U;
    }
    constexpr void set(std::uint64_t i) noexcept {
        bits_[(i % Bits) / 64] |= std::uint64_t{1} << (i % 64);
    }
    // Clears `count` (< Bits) indices from `first` on, a word at a time: a jump of a few hundred
    // indices (a burst of loss) costs a few word stores, not one per index.
    constexpr void clear_range(std::uint64_t first, std::uint64_t count) noexcept {
        while (count != 0) {
            const std::uint64_t bit = first % 64;
            const std::uint64_t n = count < 64 - bit ? count : 64 - bit;
            const std::uint64_t mask = (n == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1)
                                       << bit;
            bits_[(first % Bits) / 64] &= ~mask;
            first += n;
            count -= n;
        }
    }

    std::uint64_t highest_ = 0;
    std::uint32_t size_;
    bool started_ = false;
    std::array<std::uint64_t, Bits / 64> bits_{};
};

}  // namespace rtpx::rtp::srtp
