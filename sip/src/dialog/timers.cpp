#include "rtpx/sip/dialog/timers.hpp"

#include <algorithm>

namespace rtpx::sip {

std::string_view to_string(RetransmitAction a) noexcept {
    switch (a) {
        case RetransmitAction::kNone: return "none";
        case RetransmitAction::kRetransmit: return "retransmit";
        case RetransmitAction::kGiveUp: return "give-up";
    }
    return "unknown";
}

std::optional<std::chrono::milliseconds> Retransmitter::next_deadline() const noexcept {
    if (done_) return std::nullopt;
    return std::min(next_, give_up_);
}

RetransmitAction Retransmitter::on_timer(std::chrono::milliseconds now) noexcept {
    if (done_) return RetransmitAction::kNone;
    if (now >= give_up_) {
        done_ = true;
        return RetransmitAction::kGiveUp;
    }
    if (now < next_) return RetransmitAction::kNone;
    interval_ *= 2;
    if (cap_at_t2_) interval_ = std::min(interval_, t2_);
    next_ += interval_;
    ++count_;
    return RetransmitAction::kRetransmit;
}

}  // namespace rtpx::sip
