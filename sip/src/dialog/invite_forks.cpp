#include "rtpx/sip/dialog/invite_forks.hpp"

namespace rtpx::sip {

std::string_view to_string(ForkEvent e) noexcept {
    switch (e) {
        case ForkEvent::kIgnored: return "ignored";
        case ForkEvent::kEarlyCreated: return "early-created";
        case ForkEvent::kEarlyUpdated: return "early-updated";
        case ForkEvent::kConfirmed: return "confirmed";
        case ForkEvent::kRetransmitted2xx: return "retransmitted-2xx";
        case ForkEvent::kAdditional2xx: return "additional-2xx";
        case ForkEvent::kFailed: return "failed";
    }
    return "unknown";
}

Dialog* InviteForks::find(std::string_view to_tag) noexcept {
    for (Dialog& d : dialogs_) {
        if (d.id().remote_tag == to_tag) return &d;
    }
    return nullptr;
}

std::size_t InviteForks::early_count() const noexcept {
    std::size_t n = 0;
    for (const Dialog& d : dialogs_) n += d.state() == DialogState::kEarly ? 1U : 0U;
    return n;
}

void InviteForks::finish() noexcept {
    for (Dialog& d : dialogs_) {
        if (d.state() == DialogState::kEarly) d.terminate();
    }
}

ForkResult InviteForks::on_response(const SipMessageView& response) {
    const std::uint16_t status = response.status_code();
    auto cseq = response.cseq();
    auto call_id = response.call_id();
    if (!cseq || cseq->method != Method::kInvite || !call_id ||
        *call_id != invite_.value(HeaderId::kCallId)) {
        return {};
    }
    if (status >= 300) {
        finish();
        return {ForkEvent::kFailed, nullptr};
    }
    auto to = response.to();
    if (status == 100 || !to || to->tag().empty()) return {};
    Dialog* d = find(to->tag());
    if (status < 200) {
        if (d == nullptr) {
            auto created = Dialog::create_uac(invite_, response);
            if (!created) return {};
            dialogs_.push_back(std::move(*created));
            return {ForkEvent::kEarlyCreated, &dialogs_.back()};
        }
        if (d->state() != DialogState::kEarly) return {ForkEvent::kIgnored, d};
        (void)d->on_invite_response(response);
        return {ForkEvent::kEarlyUpdated, d};
    }
    // 2xx
    if (d != nullptr && d == confirmed_) return {ForkEvent::kRetransmitted2xx, d};
    if (d == nullptr) {
        auto created = Dialog::create_uac(invite_, response);
        if (!created) return {};
        dialogs_.push_back(std::move(*created));
        d = &dialogs_.back();
    } else if (d->state() == DialogState::kEarly) {
        (void)d->on_invite_response(response);
    } else if (d->state() == DialogState::kConfirmed) {
        return {ForkEvent::kRetransmitted2xx, d};  // an additional fork's 2xx again
    }
    if (confirmed_ == nullptr) {
        confirmed_ = d;
        return {ForkEvent::kConfirmed, d};
    }
    return {ForkEvent::kAdditional2xx, d};
}

}  // namespace rtpx::sip
