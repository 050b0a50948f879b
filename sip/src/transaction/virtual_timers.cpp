#include "rtpx/sip/transaction/virtual_timers.hpp"

namespace rtpx::sip {

void VirtualTimers::emit(const TxnAction& action) noexcept {
    if (action.kind == TxnActionKind::kArmTimer) {
        const std::uint64_t s = ++seq_;
        current_[key(action.txn, action.timer)] = Live{s, action.txn.generation};
        heap_.push(Due{action.due, s, action.txn, action.timer});
    } else if (action.kind == TxnActionKind::kCancelTimer) {
        auto it = current_.find(key(action.txn, action.timer));
        if (it != current_.end() && it->second.generation == action.txn.generation)
            current_.erase(it);
    }
    downstream_->emit(action);
}

void VirtualTimers::drop_stale() noexcept {
    while (!heap_.empty()) {
        const Due& d = heap_.top();
        auto it = current_.find(key(d.txn, d.timer));
        if (it != current_.end() && it->second.seq == d.seq) return;
        heap_.pop();
    }
}

std::optional<TxnTime> VirtualTimers::next_due() noexcept {
    drop_stale();
    if (heap_.empty()) return std::nullopt;
    return heap_.top().due;
}

bool VirtualTimers::run_next(TransactionLayer& layer) noexcept {
    drop_stale();
    if (heap_.empty()) return false;
    const Due d = heap_.top();
    heap_.pop();
    current_.erase(key(d.txn, d.timer));
    if (d.due > now_) now_ = d.due;
    layer.on_timer(d.txn, d.timer, d.due, *this);
    return true;
}

std::size_t VirtualTimers::run_until(TransactionLayer& layer, TxnTime until) noexcept {
    std::size_t fired = 0;
    for (;;) {
        auto due = next_due();
        if (!due || *due > until) break;
        run_next(layer);
        ++fired;
    }
    if (until > now_) now_ = until;
    return fired;
}

}  // namespace rtpx::sip
