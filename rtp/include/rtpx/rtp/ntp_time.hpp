// Conversions between int64 nanoseconds and the NTP timestamp formats RTCP uses (RFC 3550 section
// 4): the 64-bit format (32.32 fixed point seconds since 1900-01-01) and the 32-bit "compact"
// format (16.16, the middle 32 bits of the 64-bit one) used by LSR, DLSR and RTT arithmetic.
//
// Nothing here reads a clock: callers pass times in. "unix_ns" means nanoseconds since 1970-01-01.
#pragma once

#include <cstdint>

namespace rtpx::rtp {

inline constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
inline constexpr std::uint64_t kNtpUnixEpochOffsetSeconds = 2'208'988'800;  // 1900 -> 1970

// 64-bit NTP timestamp for a Unix time. Times before 1970 map to 0.
[[nodiscard]] constexpr std::uint64_t ntp_from_unix_ns(std::int64_t unix_ns) noexcept {
    if (unix_ns < 0) return 0;
    const auto ns = static_cast<std::uint64_t>(unix_ns);
    const std::uint64_t seconds = ns / kNanosPerSecond + kNtpUnixEpochOffsetSeconds;
    const std::uint64_t frac_ns = ns % kNanosPerSecond;
    // frac_ns < 1e9 < 2^30, so frac_ns << 32 fits in 64 bits.
    const std::uint64_t fraction = ((frac_ns << 32) + kNanosPerSecond / 2) / kNanosPerSecond;
    return (seconds << 32) + fraction;  // a rounding carry moves into the seconds, as it should
}

// Unix nanoseconds for a 64-bit NTP timestamp (NTP era 0).
[[nodiscard]] constexpr std::int64_t unix_ns_from_ntp(std::uint64_t ntp) noexcept {
    const std::uint64_t seconds = ntp >> 32;
    const std::uint64_t fraction = ntp & 0xFFFFFFFFu;
    const std::int64_t frac_ns =
        static_cast<std::int64_t>((fraction * kNanosPerSecond + (1ull << 31)) >> 32);
    return (static_cast<std::int64_t>(seconds) -
            static_cast<std::int64_t>(kNtpUnixEpochOffsetSeconds)) *
               kNanosPerSecond +
           frac_ns;
}

// The middle 32 bits of a 64-bit NTP timestamp (what SR "LSR" echoes).
[[nodiscard]] constexpr std::uint32_t compact_ntp(std::uint64_t ntp) noexcept {
    return static_cast<std::uint32_t>(ntp >> 16);
}

// A non-negative duration in 1/65536 s units (DLSR, RTT). Saturates at 0xFFFFFFFF (~18.2 hours);
// negative durations give 0.
[[nodiscard]] constexpr std::uint32_t compact_ntp_from_ns(std::int64_t duration_ns) noexcept {
    if (duration_ns <= 0) return 0;
    const auto ns = static_cast<std::uint64_t>(duration_ns);
    const std::uint64_t whole = ns / kNanosPerSecond;
    if (whole >= 0x10000) return 0xFFFFFFFFu;
    const std::uint64_t frac =
        ((ns % kNanosPerSecond) * 65536 + kNanosPerSecond / 2) / kNanosPerSecond;
    const std::uint64_t v = (whole << 16) + frac;
    return v > 0xFFFFFFFFu ? 0xFFFFFFFFu : static_cast<std::uint32_t>(v);
}

// Nanoseconds for a compact-NTP duration.
[[nodiscard]] constexpr std::int64_t ns_from_compact_ntp(std::uint32_t compact) noexcept {
    return static_cast<std::int64_t>((std::uint64_t{compact} * kNanosPerSecond + 32768) >> 16);
}

}  // namespace rtpx::rtp
