#include "rtpx/rtp/rtcp_interval.hpp"

#include <cmath>

namespace rtpx::rtp {

double rtcp_deterministic_interval(int members, int senders, double rtcp_bw, bool we_sent,
                                   double avg_rtcp_size, bool initial, double min_time) noexcept {
    double rtcp_min_time = min_time;
    if (initial) rtcp_min_time /= 2;
    if (members < 1) members = 1;
    if (senders < 0) senders = 0;
    // "Dedicate a fraction of the RTCP bandwidth to senders unless the number of senders is large
    // enough that their share is more than that fraction."
    int n = members;
    if (senders <= members * kRtcpSenderBwFraction) {
        if (we_sent) {
            rtcp_bw *= kRtcpSenderBwFraction;
            n = senders;
        } else {
            rtcp_bw *= kRtcpReceiverBwFraction;
            n -= senders;
        }
    }
    double t = rtcp_bw > 0 ? avg_rtcp_size * n / rtcp_bw : rtcp_min_time;
    if (t < rtcp_min_time) t = rtcp_min_time;
    return t;
}

double rtcp_interval(int members, int senders, double rtcp_bw, bool we_sent, double avg_rtcp_size,
                     bool initial, double random01, double min_time) noexcept {
    double t = rtcp_deterministic_interval(members, senders, rtcp_bw, we_sent, avg_rtcp_size,
                                           initial, min_time);
    if (!(random01 >= 0.0)) random01 = 0.0;  // also catches NaN
    if (random01 >= 1.0) random01 = std::nextafter(1.0, 0.0);
    t = t * (random01 + 0.5);
    return t / kRtcpCompensation;
}

namespace {
std::int64_t seconds_to_ns(double s) noexcept {
    return std::llround(s * 1e9);
}
}  // namespace

RtcpScheduler::RtcpScheduler(double rtcp_bw, double initial_avg_rtcp_size, std::int64_t now_ns,
                             double random01, double min_time) noexcept
    : rtcp_bw_(rtcp_bw),
      avg_rtcp_size_(initial_avg_rtcp_size),
      min_time_(min_time),
      tp_ns_(now_ns) {
    tn_ns_ = now_ns + interval_ns(random01);
}

std::int64_t RtcpScheduler::interval_ns(double random01) const noexcept {
    return seconds_to_ns(rtcp_interval(members_, senders_, rtcp_bw_, we_sent_, avg_rtcp_size_,
                                       initial_, random01, min_time_));
}

std::int64_t RtcpScheduler::member_timeout_ns() const noexcept {
    return kRtcpMemberTimeoutMultiplier *
           seconds_to_ns(rtcp_deterministic_interval(members_, senders_, rtcp_bw_, false,
                                                     avg_rtcp_size_, false, min_time_));
}

RtcpScheduler::Decision RtcpScheduler::on_expire(std::int64_t now_ns, std::size_t packet_size,
                                                 double random_check,
                                                 double random_redraw) noexcept {
    Decision d;
    // Timer reconsideration (6.3.6): recompute T with the current state and compare tp + T to tc.
    const std::int64_t tn = tp_ns_ + interval_ns(random_check);
    pmembers_ = members_;
    if (tn > now_ns) {
        tn_ns_ = tn;
        d.next_ns = tn;
        return d;
    }
    d.send = true;
    if (leaving_) {
        d.finished = true;
        return d;
    }
    avg_rtcp_size_ = (1. / 16.) * static_cast<double>(packet_size) + (15. / 16.) * avg_rtcp_size_;
    tp_ns_ = now_ns;
    tn_ns_ = now_ns + interval_ns(random_redraw);
    initial_ = false;
    d.next_ns = tn_ns_;
    return d;
}

void RtcpScheduler::on_rtcp_received(std::size_t packet_size, bool is_bye) noexcept {
    if (leaving_) {
        if (!is_bye) return;  // 6.3.7: only BYEs count while leaving
        members_++;
    }
    avg_rtcp_size_ = (1. / 16.) * static_cast<double>(packet_size) + (15. / 16.) * avg_rtcp_size_;
}

void RtcpScheduler::on_membership_changed(std::int64_t now_ns, int members, int senders) noexcept {
    if (leaving_) return;
    members_ = members < 1 ? 1 : members;
    senders_ = senders < 0 ? 0 : senders;
    if (members_ < pmembers_) {
        // 6.3.4 reverse reconsideration.
        const double ratio = static_cast<double>(members_) / static_cast<double>(pmembers_);
        tn_ns_ = now_ns + std::llround(ratio * static_cast<double>(tn_ns_ - now_ns));
        tp_ns_ = now_ns - std::llround(ratio * static_cast<double>(now_ns - tp_ns_));
        pmembers_ = members_;
    }
}

RtcpScheduler::Decision RtcpScheduler::start_bye(std::int64_t now_ns, std::size_t bye_size,
                                                 double random01) noexcept {
    Decision d;
    leaving_ = true;
    if (members_ < kRtcpByeImmediateMembers) {
        d.send = true;
        d.finished = true;
        return d;
    }
    tp_ns_ = now_ns;
    members_ = 1;
    pmembers_ = 1;
    initial_ = true;
    we_sent_ = false;
    senders_ = 0;
    avg_rtcp_size_ = static_cast<double>(bye_size);
    tn_ns_ = now_ns + interval_ns(random01);
    d.next_ns = tn_ns_;
    return d;
}

}  // namespace rtpx::rtp
