#include "rtpx/sip/dialog/session_timer.hpp"

#include <algorithm>

#include "rtpx/sip/dialog/prack.hpp"
#include "rtpx/sip/text.hpp"

namespace rtpx::sip {
namespace {

// delta-seconds then parameters; returns the number and the parameter text.
SipParseResult<std::pair<std::uint32_t, std::string_view>> delta_and_params(
    std::string_view value) noexcept {
    std::size_t i = 0;
    while (i < value.size() && is_lws_char(value[i])) ++i;
    const std::size_t start = i;
    while (i < value.size() && is_digit(value[i])) ++i;
    auto v = parse_uint(value.substr(start, i - start), UINT32_MAX);
    if (!v) return sip_error(SipParseErrc::kBadValue, start, "expected delta-seconds");
    std::string_view rest = value.substr(i);
    if (auto bad = check_params(rest))
        return sip_error(SipParseErrc::kBadValue, i + *bad, "bad parameter");
    return std::pair{static_cast<std::uint32_t>(*v), rest};
}

}  // namespace

SipParseResult<SessionExpiresValue> SessionExpiresValue::parse(std::string_view value) noexcept {
    auto d = delta_and_params(value);
    if (!d) return tl::unexpected(d.error());
    SessionExpiresValue se;
    se.delta = d->first;
    if (auto r = ParamRange(d->second).get("refresher")) {
        if (ci_equal(*r, "uac")) {
            se.refresher = Refresher::kUac;
        } else if (ci_equal(*r, "uas")) {
            se.refresher = Refresher::kUas;
        } else {
            return sip_error(SipParseErrc::kBadValue,
                             static_cast<std::size_t>(r->data() - value.data()),
                             "refresher is neither uac nor uas");
        }
    }
    return se;
}

std::string SessionExpiresValue::to_string() const {
    std::string s = std::to_string(delta);
    if (refresher == Refresher::kUac) s += ";refresher=uac";
    if (refresher == Refresher::kUas) s += ";refresher=uas";
    return s;
}

SipParseResult<std::uint32_t> parse_min_se(std::string_view value) noexcept {
    auto d = delta_and_params(value);
    if (!d) return tl::unexpected(d.error());
    return d->first;
}

void add_session_timer_headers(SipMessage& request, std::uint32_t session_expires,
                               std::uint32_t min_se, Refresher refresher) {
    request.set(HeaderId::kSessionExpires,
                SessionExpiresValue{session_expires, refresher}.to_string());
    request.set(HeaderId::kMinSE, std::to_string(min_se));
    request.add(HeaderId::kSupported, std::string(kTimerOptionTag));
}

std::optional<std::uint32_t> session_expires_after_422(const SipMessageView& response_422,
                                                       std::uint32_t current) noexcept {
    auto f = response_422.find(HeaderId::kMinSE);
    if (!f) return std::nullopt;
    auto min_se = parse_min_se(f->value);
    if (!min_se) return std::nullopt;
    return std::max(*min_se, current);
}

void SessionTimerAnswer::apply_to(SipMessage& response) const {
    if (reject_status == 422) {
        response.set(HeaderId::kMinSE, std::to_string(min_se));
        return;
    }
    if (session_expires.delta == 0) return;
    response.set(HeaderId::kSessionExpires, session_expires.to_string());
    if (require_timer) response.add(HeaderId::kRequire, std::string(kTimerOptionTag));
}

SessionTimerAnswer negotiate_session_timer_uas(const SipMessageView& request,
                                               const SessionTimerConfig& cfg) {
    SessionTimerAnswer a;
    const bool uac_supports = has_option_tag(request, HeaderId::kSupported, kTimerOptionTag);
    const std::uint32_t local_min = std::max(cfg.min_se, kMinSessionExpires);
    std::uint32_t floor = local_min;
    if (auto f = request.find(HeaderId::kMinSE)) {
        if (auto m = parse_min_se(f->value)) floor = std::max(floor, *m);
    }
    std::uint32_t interval = cfg.session_expires;
    Refresher refresher = Refresher::kUnspecified;
    if (auto f = request.find(HeaderId::kSessionExpires)) {
        auto se = SessionExpiresValue::parse(f->value);
        if (se) {
            if (se->delta < local_min) {
                a.reject_status = 422;
                a.min_se = local_min;
                return a;
            }
            // The UAS may lower the interval, never below the Min-SE in force (RFC 4028 9).
            interval = std::max(std::min(se->delta, cfg.session_expires), floor);
            refresher = se->refresher;
        }
    }
    if (interval == 0) return a;
    if (refresher == Refresher::kUnspecified || !uac_supports) {
        // RFC 4028 9: the UAS chooses; a UAC without timer support cannot refresh.
        refresher = uac_supports ? Refresher::kUac : Refresher::kUas;
    }
    a.session_expires = SessionExpiresValue{interval, refresher};
    a.require_timer = uac_supports;
    a.agreement = SessionTimerAgreement{interval, refresher == Refresher::kUas};
    return a;
}

SessionTimerAgreement negotiate_session_timer_uac(const SipMessageView& response_2xx) {
    auto f = response_2xx.find(HeaderId::kSessionExpires);
    if (!f) return {};
    auto se = SessionExpiresValue::parse(f->value);
    if (!se || se->delta == 0) return {};
    // RFC 4028 7.2: a 2xx without refresher leaves the refreshing to the UAC.
    return SessionTimerAgreement{se->delta, se->refresher != Refresher::kUas};
}

std::string_view to_string(SessionTimerAction a) noexcept {
    switch (a) {
        case SessionTimerAction::kNone: return "none";
        case SessionTimerAction::kSendRefresh: return "send-refresh";
        case SessionTimerAction::kSendBye: return "send-bye";
    }
    return "unknown";
}

void SessionTimer::refreshed(std::chrono::milliseconds now,
                             const SessionTimerAgreement& agreement) noexcept {
    interval_ = std::chrono::seconds(agreement.interval);
    local_refresher_ = agreement.local_refresher;
    refresh_sent_ = false;
    refresh_at_ = now + interval_ / 2;
    const auto margin =
        std::min<std::chrono::milliseconds>(std::chrono::seconds(32), interval_ / 3);
    bye_at_ = now + interval_ - margin;
}

std::optional<std::chrono::milliseconds> SessionTimer::next_deadline() const noexcept {
    if (!running()) return std::nullopt;
    if (local_refresher_ && !refresh_sent_) return std::min(refresh_at_, bye_at_);
    return bye_at_;
}

SessionTimerAction SessionTimer::on_timer(std::chrono::milliseconds now) noexcept {
    if (!running()) return SessionTimerAction::kNone;
    if (now >= bye_at_) {
        stop();
        return SessionTimerAction::kSendBye;
    }
    if (local_refresher_ && !refresh_sent_ && now >= refresh_at_) {
        refresh_sent_ = true;
        return SessionTimerAction::kSendRefresh;
    }
    return SessionTimerAction::kNone;
}

Method session_refresh_method(const SipMessageView& peer_message,
                              const SessionTimerConfig& cfg) noexcept {
    if (cfg.prefer_update) {
        for (std::string_view m : peer_message.values(HeaderId::kAllow)) {
            if (trim(m) == "UPDATE") return Method::kUpdate;
        }
    }
    return Method::kInvite;
}

}  // namespace rtpx::sip
