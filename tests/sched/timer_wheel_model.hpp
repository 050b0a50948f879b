// A reference model of TimerWheel's firing rule (std::multimap ordered by due slot) and a harness
// that drives the wheel and the model with the same operations, decoded from bytes, checking them
// against each other after every step. Shared by the property test (random bytes) and the fuzzer.
//
// The rule being checked (timer_wheel.hpp): a timer armed for tick e is due in slot
// max(e >> shift, first unprocessed slot); advance(now) fires, in slot order, everything due in
// a slot below now >> shift; a timer armed from a callback fired in slot k is due no earlier than
// slot k + 1.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "rtpx/sched/timer_wheel.hpp"

namespace rtpx::sched::test {

class TimerWheelHarness {
  public:
    static constexpr unsigned kShift = 4;
    static constexpr std::uint32_t kCapacity = 64;

    explicit TimerWheelHarness(std::uint64_t start)
        : wheel_(TimerWheelConfig{kCapacity, kShift, start}),
          now_(start),
          next_slot_(start >> kShift) {}

    // Runs the operations encoded in `bytes`; returns the first disagreement, if any.
    std::optional<std::string> run(std::span<const std::uint8_t> bytes) {
        std::size_t at = 0;
        auto byte = [&]() -> std::uint8_t { return at < bytes.size() ? bytes[at++] : 0; };
        auto word = [&]() -> std::uint32_t {
            std::uint32_t v = 0;
            for (int i = 0; i < 4; ++i) v = v << 8 | byte();
            return v;
        };
        // A span of ticks on one of four scales: within a slot or two, milliseconds-like,
        // minutes-like, and far enough to need the overflow list (> 2^32 slots).
        auto span = [&](std::uint8_t scale) -> std::uint64_t {
            const std::uint64_t v = word();
            switch (scale & 3) {
                case 0: return v % (4u << kShift);
                case 1: return v % (1u << 16);
                case 2: return v << 4;
                default: return v << 12;
            }
        };
        while (at < bytes.size() && !error_) {
            const std::uint8_t op = byte();
            switch (op % 6) {
                case 0:
                case 1: {  // arm, sometimes in the past
                    const std::uint64_t d = span(byte());
                    const std::uint64_t e = op & 0x80 ? (now_ > d ? now_ - d : 0) : now_ + d;
                    arm(e, next_slot_);
                    break;
                }
                case 2: {  // cancel any handle ever issued (stale ones too)
                    if (issued_.empty()) break;
                    const auto& [cookie, handle] = issued_[byte() % issued_.size()];
                    const bool expected = slot_of_.count(cookie) != 0;
                    if (wheel_.pending(handle) != expected) fail("pending() disagrees");
                    if (wheel_.cancel(handle) != expected) fail("cancel() disagrees");
                    if (expected) forget(cookie);
                    break;
                }
                case 3: {  // reschedule
                    if (issued_.empty()) break;
                    const auto [cookie, handle] = issued_[byte() % issued_.size()];
                    const std::uint64_t e = now_ + span(byte());
                    const bool expected = slot_of_.count(cookie) != 0;
                    if (wheel_.reschedule(handle, e) != expected) fail("reschedule() disagrees");
                    if (expected) {
                        forget(cookie);
                        remember(cookie, e, next_slot_);
                    }
                    break;
                }
                default: {  // advance (time may also stand still or go backwards)
                    const std::uint8_t how = byte();
                    const std::uint64_t d = span(how);
                    advance(how & 0x80 ? (now_ > d ? now_ - d : 0) : now_ + d, how & 0x40);
                    break;
                }
            }
            if (wheel_.armed() != slot_of_.size()) fail("armed() disagrees with the model");
        }
        // Drain: everything left fires once time has passed its slot.
        if (!error_ && !due_.empty()) advance((due_.rbegin()->first + 1) << kShift, false);
        if (!error_ && !due_.empty()) fail("timers left after draining");
        return error_;
    }

    [[nodiscard]] std::size_t fired() const noexcept { return fired_; }

  private:
    void fail(std::string what) {
        if (!error_) error_ = std::move(what) + " (now " + std::to_string(now_) + ")";
    }

    void remember(std::uint64_t cookie, std::uint64_t expires, std::uint64_t floor) {
        const std::uint64_t slot = std::max(expires >> kShift, floor);
        slot_of_[cookie] = slot;
        expires_of_[cookie] = expires;
        due_.emplace(slot, cookie);
    }

    void forget(std::uint64_t cookie) {
        const std::uint64_t slot = slot_of_.at(cookie);
        for (auto [it, end] = due_.equal_range(slot); it != end; ++it) {
            if (it->second == cookie) {
                due_.erase(it);
                break;
            }
        }
        slot_of_.erase(cookie);
        expires_of_.erase(cookie);
    }

    void arm(std::uint64_t expires, std::uint64_t floor) {
        const std::uint64_t cookie = next_cookie_++;
        auto handle = wheel_.arm(expires, cookie);
        if (slot_of_.size() == kCapacity) {
            if (handle || handle.error() != TimerErrc::kPoolExhausted)
                fail("full pool not refused");
            return;
        }
        if (!handle) return fail("arm() refused with room left");
        remember(cookie, expires, floor);
        if (issued_.size() < 256)
            issued_.emplace_back(cookie, *handle);
        else
            issued_[cookie % 256] = {cookie, *handle};
    }

    void advance(std::uint64_t now, bool rearm_from_callbacks) {
        const std::uint64_t target = now >> kShift;
        std::uint64_t last_slot = 0;
        wheel_.advance(now, [&](TimerHandle handle, std::uint64_t cookie) {
            ++fired_;
            auto it = slot_of_.find(cookie);
            if (it == slot_of_.end()) return fail("fired a timer the model does not hold");
            const std::uint64_t slot = it->second;
            if (slot >= target) return fail("fired a timer before its slot");
            if (expires_of_.at(cookie) > now) return fail("fired early");
            if (slot < last_slot) return fail("fired out of slot order");
            if (due_.begin()->first < slot) return fail("skipped an earlier due timer");
            if (wheel_.pending(handle)) return fail("handle of a fired timer still pending");
            last_slot = slot;
            forget(cookie);
            // Callbacks re-arm (an RTCP timer does), sometimes already due.
            if (rearm_from_callbacks && cookie % 3 == 0) arm(now_ + (cookie % 5) * 7, slot + 1);
        });
        if (!due_.empty() && due_.begin()->first < target) fail("a due timer did not fire");
        now_ = now;
        next_slot_ = std::max(next_slot_, target);
        if (wheel_.next_slot() != next_slot_) fail("next_slot() disagrees");
    }

    TimerWheel wheel_;
    std::uint64_t now_;
    std::uint64_t next_slot_;
    std::uint64_t next_cookie_ = 1;
    std::multimap<std::uint64_t, std::uint64_t> due_;  // slot -> cookie
    std::map<std::uint64_t, std::uint64_t> slot_of_;   // cookie -> due slot
    std::map<std::uint64_t, std::uint64_t> expires_of_;
    std::vector<std::pair<std::uint64_t, TimerHandle>> issued_;
    std::optional<std::string> error_;
    std::size_t fired_ = 0;
};

}  // namespace rtpx::sched::test
