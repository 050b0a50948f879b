#include "rtpx/rtp/feedback_policy.hpp"

namespace rtpx::rtp {

void NackGenerator::clear() noexcept {
    head_ = 0;
    count_ = 0;
    live_ = 0;
}

void NackGenerator::pop_dead_front() noexcept {
    while (count_ > 0 && !at(0).live) {
        head_ = (head_ + 1) % kCapacity;
        --count_;
    }
    if (count_ == 0) head_ = 0;
}

void NackGenerator::compact() noexcept {
    std::size_t w = 0;
    for (std::size_t r = 0; r < count_; ++r) {
        if (at(r).live) {
            if (w != r) at(w) = at(r);
            ++w;
        }
    }
    count_ = w;
}

std::size_t NackGenerator::find(std::int64_t ext_seq) const noexcept {
    std::size_t lo = 0;
    std::size_t hi = count_;
    while (lo < hi) {
        const std::size_t mid = lo + (hi - lo) / 2;
        if (at(mid).ext_seq < ext_seq) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return (lo < count_ && at(lo).ext_seq == ext_seq) ? lo : count_;
}

bool NackGenerator::on_packet(std::uint16_t seq, std::int64_t now_ns) noexcept {
    if (!started_) {
        started_ = true;
        highest_ = seq;
        return false;
    }
    const auto delta = static_cast<std::int16_t>(seq - static_cast<std::uint16_t>(highest_));
    const std::int64_t ext = highest_ + delta;
    if (delta <= 0) {
        if (delta == 0) return false;  // duplicate of the highest
        if (-static_cast<std::int32_t>(delta) > config_.max_reorder_distance) {
            clear();
            ++restarts_;
            highest_ = ext;
            return false;
        }
        const std::size_t i = find(ext);
        if (i != count_ && at(i).live) {
            at(i).live = false;
            --live_;
            ++recovered_;
            pop_dead_front();
        }
        return false;
    }
    const std::int64_t missing = delta - 1;
    highest_ = ext;
    if (missing == 0) return false;
    if (live_ + static_cast<std::size_t>(missing) > kCapacity) {
        // Cannot track all holes: give up on all of them and ask for a keyframe.
        clear();
        ++overflows_;
        return true;
    }
    if (count_ + static_cast<std::size_t>(missing) > kCapacity) compact();
    for (std::int64_t s = ext - missing; s < ext; ++s) {
        at(count_) = Entry{s, now_ns, 0, 0, true};
        ++count_;
        ++live_;
    }
    return false;
}

bool NackGenerator::contains(std::uint16_t seq) const noexcept {
    for (std::size_t i = 0; i < count_; ++i) {
        const Entry& e = at(i);
        if (e.live && static_cast<std::uint16_t>(e.ext_seq) == seq) return true;
    }
    return false;
}

std::size_t NackGenerator::collect(std::int64_t now_ns, std::int64_t rtt_ns,
                                   std::span<std::uint16_t> out) noexcept {
    if (rtt_ns <= 0) rtt_ns = config_.default_rtt_ns;
    const std::int64_t resend_interval =
        rtt_ns > config_.min_resend_interval_ns ? rtt_ns : config_.min_resend_interval_ns;
    std::size_t n = 0;
    for (std::size_t i = 0; i < count_; ++i) {
        Entry& e = at(i);
        if (!e.live) continue;
        if (now_ns - e.found_ns > config_.max_age_ns) {
            e.live = false;
            --live_;
            ++dropped_age_;
            continue;
        }
        if (e.retries >= config_.max_retries) {
            e.live = false;
            --live_;
            ++dropped_retries_;
            continue;
        }
        if (n == out.size()) continue;  // keep walking only to expire entries
        const bool due = e.retries == 0 ? now_ns - e.found_ns >= config_.first_nack_delay_ns
                                        : now_ns - e.last_sent_ns >= resend_interval;
        if (!due) continue;
        out[n++] = static_cast<std::uint16_t>(e.ext_seq);
        e.retries++;
        e.last_sent_ns = now_ns;
    }
    nacks_sent_ += n;
    pop_dead_front();
    return n;
}

KeyframeDecision KeyframeRequestPolicy::should_request(std::int64_t now_ns,
                                                       KeyframeReason reason) noexcept {
    KeyframeDecision d;
    if (ever_sent_ && now_ns - last_sent_ns_ < interval_ns()) {
        suppressed_[static_cast<std::size_t>(reason)]++;
        d.fir_sequence_number = fir_seq_;
        return d;
    }
    if (pending_) {
        d.repetition = true;  // keyframe still outstanding: repeat the same FIR
    } else if (ever_sent_) {
        ++fir_seq_;  // a new request (uint8 wraps, as the FIR field does)
    }
    pending_ = true;
    ever_sent_ = true;
    last_sent_ns_ = now_ns;
    ++sent_;
    d.send = true;
    d.fir_sequence_number = fir_seq_;
    return d;
}

}  // namespace rtpx::rtp
