// VirtualTimers: a timer driver in virtual time for tests and benchmarks.
//
// It sits between the layer and the caller's sink: it records every kArmTimer (replacing an earlier
// arming of the same timer of the same transaction) and kCancelTimer, forwards every action
// unchanged, and run_until() fires the armed timers in due order (ties in arming order), calling
// TransactionLayer::on_timer with `now` equal to each timer's due time.
#pragma once

#include <cstdint>
#include <optional>
#include <queue>
#include <unordered_map>
#include <vector>

#include "rtpx/sip/transaction/layer.hpp"
#include "rtpx/sip/transaction/types.hpp"

namespace rtpx::sip {

class VirtualTimers final : public TxnActionSink {
  public:
    explicit VirtualTimers(TxnActionSink& downstream, TxnTime start = TxnTime{}) noexcept
        : downstream_(&downstream), now_(start) {}

    void emit(const TxnAction& action) noexcept override;

    // Fires every timer due at or before `until`; afterwards now() == until. Returns how many
    // fired.
    std::size_t run_until(TransactionLayer& layer, TxnTime until) noexcept;
    // Fires only the next due timer (if any), advancing now() to it. Returns whether one fired.
    bool run_next(TransactionLayer& layer) noexcept;

    [[nodiscard]] TxnTime now() const noexcept { return now_; }
    [[nodiscard]] std::optional<TxnTime> next_due() noexcept;
    [[nodiscard]] std::size_t armed() const noexcept { return current_.size(); }

  private:
    struct Due {
        TxnTime due;
        std::uint64_t seq;
        TxnHandle txn;
        TimerName timer;
        bool operator>(const Due& o) const noexcept {
            return due != o.due ? due > o.due : seq > o.seq;
        }
    };
    static std::uint64_t key(TxnHandle h, TimerName t) noexcept {
        return (static_cast<std::uint64_t>(h.index) << 4) | static_cast<std::uint64_t>(t);
    }
    void drop_stale() noexcept;

    TxnActionSink* downstream_;
    TxnTime now_;
    std::uint64_t seq_ = 0;
    std::priority_queue<Due, std::vector<Due>, std::greater<>> heap_;
    // Timer (by slot index and name) -> the sequence number of its live arming and generation.
    struct Live {
        std::uint64_t seq;
        std::uint32_t generation;
    };
    std::unordered_map<std::uint64_t, Live> current_;
};

}  // namespace rtpx::sip
