// RTCP transmission interval (RFC 3550 section 6.3 and Appendix A.7), sans-IO.
//
// Units, chosen once for the whole unit:
// - rtcp_interval() works in double seconds, like the RFC's C code, because it is a formula.
// - RtcpScheduler takes and returns times as int64 nanoseconds on the caller's monotonic clock
//   (the same clock as every other rtp/ state machine); it never reads a clock.
// - Bandwidths are octets per second; packet sizes are octets including UDP and IP headers
//   (RFC 3550 section 6.2: "the average compound RTCP packet size ... including lower-layer
//   transport and network protocol headers (e.g., UDP and IP)").
// - Randomness is passed in: every call that draws takes `random01`, a number in [0, 1), so tests
//   are exact. The interval is multiplied by (random01 + 0.5), i.e. uniformly in [0.5, 1.5).
#pragma once

#include <cstddef>
#include <cstdint>

namespace rtpx::rtp {

inline constexpr double kRtcpMinTimeSeconds = 5.0;          // RTCP_MIN_TIME
inline constexpr double kRtcpSenderBwFraction = 0.25;       // RTCP_SENDER_BW_FRACTION
inline constexpr double kRtcpReceiverBwFraction = 0.75;     // RTCP_RCVR_BW_FRACTION
inline constexpr double kRtcpCompensation = 2.71828 - 1.5;  // e - 3/2, RFC 3550 A.7 literal
inline constexpr int kRtcpByeImmediateMembers = 50;         // section 6.3.7 "fewer than 50"

inline constexpr int kRtcpMemberTimeoutMultiplier = 5;  // M in section 6.3.5

// Section 6.3.1 step 2: the deterministic calculated interval Td = max(Tmin, n * C), before the
// randomisation and the e - 3/2 compensation, in seconds. Same parameters as rtcp_interval().
[[nodiscard]] double rtcp_deterministic_interval(int members, int senders, double rtcp_bw,
                                                 bool we_sent, double avg_rtcp_size, bool initial,
                                                 double min_time = kRtcpMinTimeSeconds) noexcept;

// A.7 rtcp_interval(): the randomised, compensated deterministic interval, in seconds.
//   members, senders: current estimates (members includes ourselves, >= 1)
//   rtcp_bw: the RTCP share of the session bandwidth, octets/s (normally 5%); > 0
//   we_sent: we sent RTP since the second-previous report
//   avg_rtcp_size: average compound RTCP packet size, octets
//   initial: no RTCP sent yet (the minimum is halved to 2.5 s)
//   min_time: RTCP_MIN_TIME; RFC 3550 6.2 allows a smaller value for high bandwidth sessions
[[nodiscard]] double rtcp_interval(int members, int senders, double rtcp_bw, bool we_sent,
                                   double avg_rtcp_size, bool initial, double random01,
                                   double min_time = kRtcpMinTimeSeconds) noexcept;

// RFC 3550 6.3 state (tp, tn, pmembers, members, senders, avg_rtcp_size, initial, we_sent) with
// timer reconsideration (6.3.6), reverse reconsideration (6.3.4) and BYE reconsideration (6.3.7).
//
// Usage: arm a timer at next_ns(); when it fires call on_expire(); if it says send, transmit the
// compound packet whose size you passed in; in every case re-arm at the returned next time.
class RtcpScheduler {
  public:
    struct Decision {
        bool send = false;         // transmit now (a report, or the BYE after start_bye())
        bool finished = false;     // the BYE has been sent: stop the timer, the session is left
        std::int64_t next_ns = 0;  // when to call on_expire() again (unset if finished)
    };

    // Section 6.3.2 initialisation at now_ns: tp = tc, members = pmembers = 1, senders = 0,
    // we_sent = false, initial = true; tn = tc + T with T drawn from random01.
    RtcpScheduler(double rtcp_bw, double initial_avg_rtcp_size, std::int64_t now_ns,
                  double random01, double min_time = kRtcpMinTimeSeconds) noexcept;

    // A.7 OnExpire. packet_size: size of the compound packet (report or BYE) that would be sent
    // now. random_check draws the reconsidered interval; random_redraw draws the next interval
    // after a send (the RFC redraws rather than reusing a value conditioned on being small).
    [[nodiscard]] Decision on_expire(std::int64_t now_ns, std::size_t packet_size,
                                     double random_check, double random_redraw) noexcept;

    // A compound RTCP packet from someone else arrived: avg_rtcp_size = 1/16 size + 15/16 avg.
    // While leaving (after start_bye()), only BYE packets count, and each one increments members.
    void on_rtcp_received(std::size_t packet_size, bool is_bye = false) noexcept;

    // The caller's member table changed (new member, sender, BYE, timeout). When members fell
    // below pmembers, applies reverse reconsideration (6.3.4) and returns the new next time; re-arm
    // the timer with next_ns(). Ignored while leaving.
    void on_membership_changed(std::int64_t now_ns, int members, int senders) noexcept;

    // We sent RTP since the second-previous report (maintained by the caller, 6.3.8).
    void set_we_sent(bool we_sent) noexcept { we_sent_ = we_sent; }

    // Section 6.3.7: decide to leave. Fewer than 50 members: send the BYE now (send = true,
    // finished = true). Otherwise BYE reconsideration starts: tp = now, members = pmembers = 1,
    // initial = true, we_sent = false, senders = 0, avg_rtcp_size = bye_size; next as returned.
    [[nodiscard]] Decision start_bye(std::int64_t now_ns, std::size_t bye_size,
                                     double random01) noexcept;

    // Section 6.3.5: a member with no RTP or RTCP for M * Td (Td for a receiver: we_sent false,
    // initial false) has timed out; a sender with no RTP for 2 T (T = the current transmission
    // interval, tn - tp) is no longer a sender. The caller's member table applies these and then
    // reports the new counts through on_membership_changed().
    [[nodiscard]] std::int64_t member_timeout_ns() const noexcept;
    [[nodiscard]] std::int64_t sender_timeout_ns() const noexcept { return 2 * (tn_ns_ - tp_ns_); }

    [[nodiscard]] std::int64_t next_ns() const noexcept { return tn_ns_; }
    [[nodiscard]] std::int64_t last_sent_ns() const noexcept { return tp_ns_; }
    [[nodiscard]] int members() const noexcept { return members_; }
    [[nodiscard]] int pmembers() const noexcept { return pmembers_; }
    [[nodiscard]] int senders() const noexcept { return senders_; }
    [[nodiscard]] double avg_rtcp_size() const noexcept { return avg_rtcp_size_; }
    [[nodiscard]] bool initial() const noexcept { return initial_; }
    [[nodiscard]] bool leaving() const noexcept { return leaving_; }

  private:
    [[nodiscard]] std::int64_t interval_ns(double random01) const noexcept;

    double rtcp_bw_;
    double avg_rtcp_size_;
    double min_time_;
    std::int64_t tp_ns_;
    std::int64_t tn_ns_ = 0;
    int members_ = 1;
    int pmembers_ = 1;
    int senders_ = 0;
    bool we_sent_ = false;
    bool initial_ = true;
    bool leaving_ = false;
};

}  // namespace rtpx::rtp
