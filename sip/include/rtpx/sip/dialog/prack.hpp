// Reliable provisional responses (RFC 3262): RSeq and RAck, the UAS that sends a 1xx reliably
// and retransmits it until the PRACK, and the UAC that decides which 1xx to PRACK.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "rtpx/sip/dialog/dialog.hpp"
#include "rtpx/sip/dialog/timers.hpp"
#include "rtpx/sip/error.hpp"
#include "rtpx/sip/message.hpp"
#include "rtpx/sip/sip_message.hpp"

namespace rtpx::sip {

inline constexpr std::string_view k100rel = "100rel";
inline constexpr std::uint32_t kMaxRSeq = 0x7fffffffU;  // 2**31 - 1

// RSeq: 1*DIGIT, 1 .. 2**31-1 (RFC 3262 7.1).
[[nodiscard]] std::optional<std::uint32_t> parse_rseq(std::string_view value) noexcept;

// RAck: response-num LWS CSeq-num LWS Method (RFC 3262 7.2).
struct RAckView {
    std::uint32_t rseq = 0;
    std::uint32_t cseq = 0;
    std::string_view method_text;
    Method method = Method::kUnknown;
    [[nodiscard]] static SipParseResult<RAckView> parse(std::string_view value) noexcept;
};

// Whether `tag` is listed in every Require (or Supported, ...) field of `m` (case-insensitive).
[[nodiscard]] bool has_option_tag(const SipMessageView& m, HeaderId id,
                                  std::string_view tag) noexcept;

enum class ReliabilityRequest : std::uint8_t {
    kNone,       // the UAC does not support 100rel: provisional responses are unreliable
    kSupported,  // Supported: 100rel: the UAS may send them reliably
    kRequired,   // Require: 100rel: the UAS must (or reject with 420)
};
[[nodiscard]] ReliabilityRequest reliability_requested(const SipMessageView& invite) noexcept;

// --- UAS ---------------------------------------------------------------------------------------
// Sends 1xx reliably for one INVITE server transaction: only one unacknowledged at a time
// (RFC 3262 3), RSeq increasing by one from a random start.
class ReliableProvisionalSender {
  public:
    // `initial_rseq` 1 .. 2**31-1 (use random_initial_rseq()).
    ReliableProvisionalSender(DialogTimerConfig cfg, std::uint32_t initial_rseq) noexcept
        : cfg_(cfg), next_rseq_(initial_rseq == 0 ? 1 : initial_rseq) {}

    // Adds "Require: 100rel" and "RSeq: n" to `provisional` (101-199) and starts its
    // retransmission at `now`. False when the previous one is still unacknowledged (queue it).
    [[nodiscard]] bool send(SipMessage& provisional, std::chrono::milliseconds now);

    // A PRACK for this INVITE (same dialog). 200 when its RAck names the pending response (the
    // retransmissions stop), 481 otherwise (RFC 3262 3).
    [[nodiscard]] std::uint16_t on_prack(const SipMessageView& prack) noexcept;

    // The reliable 1xx to (re)send, while unacknowledged.
    [[nodiscard]] const SipMessage* pending() const noexcept {
        return pending_ ? &*pending_ : nullptr;
    }
    [[nodiscard]] std::optional<std::chrono::milliseconds> next_deadline() const noexcept;
    // kRetransmit: send *pending() again; kGiveUp: reject the INVITE with a 5xx (RFC 3262 3).
    [[nodiscard]] RetransmitAction on_timer(std::chrono::milliseconds now) noexcept;
    // A final response was sent: stop (RFC 3262 3 does not retransmit 1xx after the final).
    void stop() noexcept { pending_.reset(); }

  private:
    DialogTimerConfig cfg_;
    std::uint32_t next_rseq_;
    std::uint32_t pending_rseq_ = 0;
    std::uint32_t pending_cseq_ = 0;
    std::optional<SipMessage> pending_;
    std::optional<Retransmitter> retransmitter_;
};

[[nodiscard]] std::uint32_t random_initial_rseq();

// --- UAC ---------------------------------------------------------------------------------------
enum class PrackDecision : std::uint8_t {
    kUnreliable,  // no Require: 100rel: nothing to do
    kPrack,       // send a PRACK with `rack`
    kDiscard,     // a retransmission or out of order (RSeq not last+1): do not process (RFC 3262 4)
    kMalformed,   // Require: 100rel without a valid RSeq
};

struct PrackResult {
    PrackDecision decision = PrackDecision::kUnreliable;
    std::string rack;  // "<rseq> <cseq> INVITE"
};

// One per early dialog (To tag) of an INVITE.
class PrackTracker {
  public:
    [[nodiscard]] PrackResult on_provisional(const SipMessageView& response);
    [[nodiscard]] std::optional<std::uint32_t> last_rseq() const noexcept { return last_rseq_; }

  private:
    std::optional<std::uint32_t> last_rseq_;
};

// The PRACK for a reliable 1xx: an in-dialog request (the early dialog) with RAck.
[[nodiscard]] SipMessage make_prack(Dialog& dialog, const ViaSpec& via, std::string_view rack,
                                    std::string_view content_type = {}, std::string_view body = {});

}  // namespace rtpx::sip
