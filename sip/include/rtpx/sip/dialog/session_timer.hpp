// Session timers (RFC 4028): Session-Expires and Min-SE, negotiation at the UAS and the UAC, 422
// handling, and the sans-IO timer that asks for a refresh (re-INVITE or UPDATE) at half the
// interval and for a BYE when the session expires unrefreshed.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "rtpx/sip/error.hpp"
#include "rtpx/sip/message.hpp"
#include "rtpx/sip/sip_message.hpp"

namespace rtpx::sip {

inline constexpr std::string_view kTimerOptionTag = "timer";
inline constexpr std::uint32_t kMinSessionExpires = 90;  // RFC 4028 4: Min-SE floor, seconds

enum class Refresher : std::uint8_t { kUnspecified, kUac, kUas };

// Session-Expires: delta-seconds *(SEMI se-params), se-params = refresher-param / generic-param.
struct SessionExpiresValue {
    std::uint32_t delta = 0;  // seconds
    Refresher refresher = Refresher::kUnspecified;
    [[nodiscard]] static SipParseResult<SessionExpiresValue> parse(std::string_view value) noexcept;
    [[nodiscard]] std::string to_string() const;  // "1800;refresher=uac"
};

// Min-SE: delta-seconds *(SEMI generic-param).
[[nodiscard]] SipParseResult<std::uint32_t> parse_min_se(std::string_view value) noexcept;

struct SessionTimerConfig {
    std::uint32_t session_expires = 1800;       // what this UA asks for / accepts at most (seconds)
    std::uint32_t min_se = kMinSessionExpires;  // the smallest interval this UA accepts
    bool prefer_update = true;  // refresh with UPDATE when the peer allows it (RFC 4028 9)
};

// UAC: Session-Expires, Min-SE and Supported: timer on an INVITE or UPDATE (RFC 4028 7.1).
void add_session_timer_headers(SipMessage& request, std::uint32_t session_expires,
                               std::uint32_t min_se, Refresher refresher = Refresher::kUnspecified);

// UAC: the interval to retry with after a 422 (RFC 4028 7.4): the 422's Min-SE (when it is above
// ours); nullopt when the 422 carries no usable Min-SE.
[[nodiscard]] std::optional<std::uint32_t> session_expires_after_422(
    const SipMessageView& response_422, std::uint32_t current) noexcept;

// The outcome of negotiation for one side.
struct SessionTimerAgreement {
    std::uint32_t interval = 0;    // seconds; 0: no session timer
    bool local_refresher = false;  // this UA sends the refreshes
};

// UAS (RFC 4028 9): the answer to a session-refresh request (INVITE/UPDATE).
struct SessionTimerAnswer {
    std::uint16_t reject_status = 0;      // 422 when the request's interval is below our Min-SE
    std::uint32_t min_se = 0;             // for the 422's Min-SE header
    SessionExpiresValue session_expires;  // for the 2xx (delta 0: none)
    bool require_timer = false;           // the UAC supports timers: "Require: timer" in the 2xx
    SessionTimerAgreement agreement;      // for the UAS itself

    // Adds Session-Expires / Require: timer (2xx), or Min-SE (422), to `response`.
    void apply_to(SipMessage& response) const;
};

[[nodiscard]] SessionTimerAnswer negotiate_session_timer_uas(const SipMessageView& request,
                                                             const SessionTimerConfig& cfg);

// UAC (RFC 4028 7.2): the agreement from the 2xx to its refresh request.
[[nodiscard]] SessionTimerAgreement negotiate_session_timer_uac(const SipMessageView& response_2xx);

enum class SessionTimerAction : std::uint8_t {
    kNone,
    kSendRefresh,  // send a re-INVITE or UPDATE now (this UA is the refresher)
    kSendBye,      // the session expired without a refresh (RFC 4028 10)
};

[[nodiscard]] std::string_view to_string(SessionTimerAction a) noexcept;

class SessionTimer {
  public:
    // A session refresh succeeded at `now` (the 2xx was sent or received) with this agreement.
    void refreshed(std::chrono::milliseconds now, const SessionTimerAgreement& agreement) noexcept;
    void stop() noexcept { interval_ = {}; }
    [[nodiscard]] bool running() const noexcept { return interval_.count() > 0; }

    // Refresh due at half the interval (refresher); BYE at the interval minus min(32 s, SE/3)
    // (either side, when no refresh succeeded by then).
    [[nodiscard]] std::optional<std::chrono::milliseconds> next_deadline() const noexcept;
    [[nodiscard]] SessionTimerAction on_timer(std::chrono::milliseconds now) noexcept;
    [[nodiscard]] std::chrono::milliseconds refresh_at() const noexcept { return refresh_at_; }
    [[nodiscard]] std::chrono::milliseconds expires_at() const noexcept { return bye_at_; }

  private:
    std::chrono::milliseconds interval_{0};
    std::chrono::milliseconds refresh_at_{0};
    std::chrono::milliseconds bye_at_{0};
    bool local_refresher_ = false;
    bool refresh_sent_ = false;
};

// Which method refreshes the session: UPDATE when preferred and the peer lists it in Allow.
[[nodiscard]] Method session_refresh_method(const SipMessageView& peer_message,
                                            const SessionTimerConfig& cfg) noexcept;

}  // namespace rtpx::sip
