// B2bua: the back-to-back user agent of rtpx-controlplane. Two dialogs per call (A: the caller's,
// where this process is the UAS; B: towards the route's next hop, where it is the UAC), the
// call's media anchored on the data plane through MediaControl.
//
//   INVITE (A)      -> 100 Trying (transaction layer), limits (503 + Retry-After), route (404),
//                      media offer A->B, INVITE on B (fresh Call-ID, tags, CSeq, Supported: 100rel)
//   1xx (B)         -> relayed to A; a 18x with SDP: media answer, flows committed (early media).
//                      100rel (RFC 3262) hop by hop: B's reliable 1xx are PRACKed here; towards an
//                      A that supports or requires 100rel every 1xx is sent reliably (RSeq,
//                      retransmitted until A's PRACK, answered here; 504 + CANCEL after 64*T1)
//   2xx (B)         -> media answer; every flow of the call committed in ONE batch; ACK on B; then
//                      200 to A (retransmitted until A's ACK, RFC 3261 13.3.1.4)
//   late offer      -> an INVITE without a body: INVITE on B without SDP; B's 2xx offer is
//                      rewritten into the 200 to A; A's ACK answer is rewritten, the flows
//                      programmed, then B is ACKed with the answer (B's 2xx retransmissions wait)
//   later 2xx (B)   -> from another fork: ACK + BYE (RFC 3261 13.2.2.4)
//   3xx-6xx (B)     -> the same status to A (408 on timeout, 503 on transport failure)
//   CANCEL (A)      -> 200, 487 on the INVITE, CANCEL on B (once B has sent a provisional)
//   BYE (either)    -> 200, BYE on the other leg, flows torn down, call record written
//   re-INVITE/UPDATE/INFO (either leg, in dialog) -> relayed to the other leg; an SDP offer is
//                      rewritten through the media session and the answer reprograms the flows;
//                      the 2xx of a re-INVITE is retransmitted to its sender until the ACK
//   after the end   -> at the end of the loop pass, for every call ended in it together: one
//                      stats query (the records), one delete batch (MediaControl::end_call,
//                      flush_ended). With set_media_linger(d > 0) the flows are deleted d later
//                      instead (those due within 50 ms in one batch), RTP in flight still relayed
//   max duration, media inactivity (data-plane events) -> BYE on both legs
//
// Journal ([journal] path): one JSON line when a call is answered (and again when a re-INVITE or
// UPDATE changes its media: the last line wins), one when it ends. At start the calls answered and
// not ended are rebuilt (both dialogs from the messages that created them, the media session from
// its JSON form), the data planes' flows re-attached, and the file compacted; a BYE after the
// restart then tears the call down as usual.
//
// Single-threaded: everything runs on the EventLoop's thread. snapshot() is how other threads see
// the state (the caller publishes it).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <tl/expected.hpp>

#include "rtpx/cp/config.hpp"
#include "rtpx/cp/media_control.hpp"
#include "rtpx/cp/sip_stack.hpp"
#include "rtpx/sip/dialog/dialog.hpp"

namespace rtpx::cp {

enum class CallState : std::uint8_t {
    kInviting,   // INVITE sent on B, nothing back yet
    kEarly,      // a provisional from B relayed
    kAnswered,   // 200 sent to A, waiting for its ACK
    kConfirmed,  // both dialogs confirmed
    kEnded,      // record written; lingering to absorb retransmissions
};
[[nodiscard]] std::string_view to_string(CallState s) noexcept;

struct CallInfo {
    std::uint64_t id = 0;
    std::string a_call_id, b_call_id;
    std::string from, to;
    CallState state = CallState::kInviting;
    std::int64_t start_unix_ms = 0, answer_unix_ms = 0;
    std::string route;
};

struct B2buaCounters {
    std::uint64_t calls_total = 0;      // INVITEs that became calls
    std::uint64_t calls_answered = 0;   // 200 sent to A
    std::uint64_t calls_failed = 0;     // ended without an answer (any reason but CANCEL)
    std::uint64_t calls_cancelled = 0;  // CANCEL from A
    std::uint64_t calls_rejected_overload = 0;
    std::uint64_t calls_rejected_no_route = 0;
    std::uint64_t calls_rejected_media = 0;
    std::uint64_t calls_ended_timeout = 0;  // max duration or media inactivity
    std::uint64_t requests_rejected = 0;    // validation failures (4xx/5xx by validation.hpp)
    std::uint64_t records_written = 0;
    std::uint64_t calls_restored = 0;  // from the journal at start
};

// The state other threads may read (copied on the loop thread).
struct B2buaSnapshot {
    std::vector<CallInfo> calls;  // active (not ended)
    B2buaCounters counters;
    StackCounters sip;
    sip::TransportCounters transport;
    double calls_per_second = 0;  // new calls over the last full second
};

class B2bua final : public StackUser {
  public:
    B2bua(const Config& config, sip::EventLoop& loop, MediaControl& media);
    ~B2bua();
    B2bua(const B2bua&) = delete;
    B2bua& operator=(const B2bua&) = delete;

    // Opens the listeners (bind = false: none, for tests with a tap), the records file and the
    // media event fd.
    [[nodiscard]] tl::expected<void, std::string> start(bool bind = true);

    [[nodiscard]] SipStack& stack() noexcept { return stack_; }
    [[nodiscard]] std::size_t active_calls() const noexcept { return active_; }
    [[nodiscard]] const B2buaCounters& counters() const noexcept { return counters_; }
    [[nodiscard]] B2buaSnapshot snapshot() const;
    // Call records go here too (tests); the [records] file gets them anyway.
    void set_record_hook(std::function<void(const std::string&)> hook) {
        record_hook_ = std::move(hook);
    }
    // Ends every call with BYE on both legs (shutdown).
    void end_all(std::string_view reason);
    // Processes pending media events now (the loop does it when the event fd is readable).
    void poll_media_events();
    // How long a finished call's flows stay programmed (0, the default: deleted at the end of the
    // loop pass that ended the call).
    void set_media_linger(std::chrono::milliseconds d) noexcept { media_linger_ = d; }

    void on_sip(const sip::TxnAction& action) override;

    struct Call;

  private:
    enum class Role : std::uint8_t {
        kAInvite,
        kBInvite,
        kCancelB,
        kByeOut,
        kRelayServer,
        kRelayClient,
        kOther
    };
    struct TxnRef {
        std::uint64_t call = 0;
        Role role = Role::kOther;
    };

    void on_request(const sip::TxnAction& a);
    void on_new_invite(const sip::TxnAction& a);
    void on_cancel(const sip::TxnAction& a);
    void on_in_dialog(const sip::TxnAction& a, Call& call, CallLeg leg);
    void on_bye(const sip::TxnAction& a, Call& call, CallLeg leg);
    void on_relay_request(const sip::TxnAction& a, Call& call, CallLeg leg);
    void relay_request(const sip::TxnAction& a, Call& call, CallLeg leg);
    void on_ack(const sip::TxnAction& a);
    void on_response(const sip::TxnAction& a);
    void on_b_invite_response(Call& call, const sip::SipMessageView& r);
    void on_relay_response(Call& call, sip::TxnHandle client, const sip::SipMessageView& r);
    void on_stray_response(const sip::TxnAction& a);
    void on_failure(const sip::TxnAction& a);

    void respond_simple(sip::TxnHandle txn, const sip::SipMessageView& request,
                        std::uint16_t status, std::string_view reason = {},
                        std::uint32_t retry_after = 0);
    void respond_a(Call& call, std::uint16_t status, std::string_view reason = {},
                   std::string_view sdp = {});
    void answer_a(Call& call, const std::string& sdp);
    void retransmit_2xx(std::uint64_t id);
    void ack_and_bye(Call& call, sip::Dialog& dialog);
    void send_b_cancel(Call& call);
    void send_bye(Call& call, CallLeg leg);
    void end_both(Call& call, std::string_view reason);
    void finish(Call& call, std::string_view reason);
    void write_record(const Call& call, const std::optional<std::array<LegMediaStats, 2>>& stats);
    [[nodiscard]] sip::TxnPeer dialog_peer(const Call& call, CallLeg leg) const;
    [[nodiscard]] sip::TxnPeer peer_of(const sip::Dialog* d, const sip::TxnPeer& fallback) const;
    void on_prack(const sip::TxnAction& a, Call& call, CallLeg leg);
    void send_reliable_1xx(Call& call, sip::SipMessage response);
    void retransmit_1xx(std::uint64_t id);
    void send_b_ack(Call& call, sip::Dialog& dialog, std::string_view sdp);
    void settle_b_ack(Call& call);
    void complete_late_offer(Call& call, const sip::SipMessageView& ack);
    void stop_re2xx(Call& call, CallLeg leg);
    void retransmit_re2xx(std::uint64_t id, CallLeg leg);
    void release_media(Call& call);
    void on_releases_due();
    void flush_releases();
    [[nodiscard]] sip::ViaSpec via_for(std::size_t listener) const;
    [[nodiscard]] std::string contact_for(std::size_t listener) const;
    [[nodiscard]] MediaPolicy policy(const Call& call) const;
    void track(sip::TxnHandle h, std::uint64_t call, Role role);
    [[nodiscard]] Call* find_by_txn(sip::TxnHandle h, Role* role = nullptr);
    [[nodiscard]] Call* find_by_call_id(std::string_view call_id, CallLeg* leg);
    [[nodiscard]] bool over_limits();
    void arm(Call& call, sip::EventLoop::TimerId& slot, std::chrono::milliseconds delay,
             void (B2bua::*fn)(std::uint64_t));
    void on_duration(std::uint64_t id);
    void on_no_answer(std::uint64_t id);
    void on_linger(std::uint64_t id);

    const Config& config_;
    sip::EventLoop& loop_;
    MediaControl& media_;
    SipStack stack_;
    std::uint64_t next_call_ = 1;
    std::unordered_map<std::uint64_t, std::unique_ptr<Call>> calls_;
    std::unordered_map<std::string, std::uint64_t> by_call_id_;  // A and B Call-IDs
    std::unordered_map<std::uint64_t, TxnRef> txns_;             // by index << 32 | generation
    std::size_t active_ = 0;
    std::chrono::milliseconds media_linger_{0};
    struct PendingRelease {
        sip::EventLoop::Clock::time_point due;
        std::uint64_t call = 0;
    };
    std::deque<PendingRelease> releases_;  // by due time (one linger for all)
    sip::EventLoop::TimerId t_releases_ = 0;
    B2buaCounters counters_;
    // calls per second: new calls in the current and the previous second
    std::int64_t cps_second_ = 0;
    std::uint32_t cps_current_ = 0, cps_previous_ = 0;
    void journal_call(Call& call);
    void journal_end(const Call& call);
    void schedule_flush();
    void flush_files();
    sip::EventLoop::TimerId t_flush_ = 0;
    void restore_journal();

    std::ofstream records_;
    std::ofstream journal_;
    std::function<void(const std::string&)> record_hook_;
    int media_fd_ = -1;
};

}  // namespace rtpx::cp
