// Dialog-level timers, sans-IO: the caller passes `now` (any monotonic clock, milliseconds), arms
// a timer for next_deadline() and calls on_timer(now) when it fires.
//
//  - Retransmitter: a response the UAS core retransmits itself because no transaction does:
//      * a 2xx to INVITE until the ACK (RFC 3261 13.3.1.4): T1, doubling up to T2, give up after
//        64*T1 (the TU then sends BYE);
//      * a reliable provisional until its PRACK (RFC 3262 3): T1, doubling (no T2 cap), give up
//        after 64*T1 (the TU then rejects the INVITE with a 5xx).
//  - glare_retry_delay: the random wait before re-sending a re-INVITE that got 491 (14.1).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string_view>

namespace rtpx::sip {

struct DialogTimerConfig {
    std::chrono::milliseconds t1{500};   // RTT estimate (RFC 3261 17.1.1.1)
    std::chrono::milliseconds t2{4000};  // maximum retransmit interval for non-INVITE / 2xx
};

enum class RetransmitAction : std::uint8_t {
    kNone,        // not due yet, or already acknowledged
    kRetransmit,  // send the response again
    kGiveUp,      // 64*T1 elapsed without ACK/PRACK: 2xx -> send BYE; reliable 1xx -> 5xx
};

[[nodiscard]] std::string_view to_string(RetransmitAction a) noexcept;

class Retransmitter {
  public:
    // The first copy was sent at `now`.
    [[nodiscard]] static Retransmitter for_2xx(const DialogTimerConfig& cfg,
                                               std::chrono::milliseconds now) noexcept {
        return Retransmitter(cfg, now, /*cap_at_t2=*/true);
    }
    [[nodiscard]] static Retransmitter for_reliable_provisional(
        const DialogTimerConfig& cfg, std::chrono::milliseconds now) noexcept {
        return Retransmitter(cfg, now, /*cap_at_t2=*/false);
    }

    // When to call on_timer next; nullopt once acknowledged or given up.
    [[nodiscard]] std::optional<std::chrono::milliseconds> next_deadline() const noexcept;
    [[nodiscard]] RetransmitAction on_timer(std::chrono::milliseconds now) noexcept;
    // The ACK (2xx) or the matching PRACK (reliable 1xx) arrived.
    void acknowledge() noexcept { done_ = true; }
    [[nodiscard]] bool done() const noexcept { return done_; }
    [[nodiscard]] std::uint32_t retransmissions() const noexcept { return count_; }

  private:
    Retransmitter(const DialogTimerConfig& cfg, std::chrono::milliseconds now, bool cap) noexcept
        : interval_(cfg.t1),
          t2_(cfg.t2),
          next_(now + cfg.t1),
          give_up_(now + 64 * cfg.t1),
          cap_at_t2_(cap) {}

    std::chrono::milliseconds interval_;
    std::chrono::milliseconds t2_;
    std::chrono::milliseconds next_;
    std::chrono::milliseconds give_up_;
    std::uint32_t count_ = 0;
    bool cap_at_t2_;
    bool done_ = false;
};

// RFC 3261 14.1: after a 491 to its re-INVITE, a UAC waits T before trying again: 2.1-4 s in
// units of 10 ms when it owns the dialog's Call-ID (it sent the dialog-creating request), else
// 0-2 s in units of 10 ms. `random` is any uniformly distributed 32-bit value.
[[nodiscard]] constexpr std::chrono::milliseconds glare_retry_delay(bool owns_call_id,
                                                                    std::uint32_t random) noexcept {
    return owns_call_id ? std::chrono::milliseconds(2100 + 10 * (random % 191U))  // 2.10..4.00 s
                        : std::chrono::milliseconds(10 * (random % 201U));        // 0.00..2.00 s
}

template <class Rng>
[[nodiscard]] std::chrono::milliseconds glare_retry_delay(bool owns_call_id, Rng& rng) {
    return glare_retry_delay(
        owns_call_id,
        static_cast<std::uint32_t>(std::uniform_int_distribution<std::uint32_t>()(rng)));
}

}  // namespace rtpx::sip
