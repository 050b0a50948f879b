// The dialogs of one INVITE sent by this UA (RFC 3261 12.1.2, 13.2.2.4): a forking proxy may
// return provisional responses with different To tags (one early dialog each) and several 2xx.
// The first 2xx confirms its dialog; each later 2xx from another fork also creates a (confirmed)
// dialog, reported as kAdditional2xx so that the TU ACKs it and sends BYE (13.2.2.4). A non-2xx
// final response terminates every early dialog.
#pragma once

#include <cstdint>
#include <deque>
#include <string_view>

#include "rtpx/sip/dialog/dialog.hpp"

namespace rtpx::sip {

enum class ForkEvent : std::uint8_t {
    kIgnored,           // 100, a response without To tag, or a response to another request
    kEarlyCreated,      // first 1xx with this To tag: a new early dialog
    kEarlyUpdated,      // another 1xx on an existing early dialog
    kConfirmed,         // the first 2xx: its dialog is confirmed (created if new)
    kRetransmitted2xx,  // a 2xx again on the confirmed dialog: ACK it again
    kAdditional2xx,     // a 2xx from another fork after the first: ACK it, then BYE it
    kFailed,            // a non-2xx final: every early dialog terminated
};

[[nodiscard]] std::string_view to_string(ForkEvent e) noexcept;

struct ForkResult {
    ForkEvent event = ForkEvent::kIgnored;
    Dialog* dialog = nullptr;  // the dialog the response belongs to (not for kIgnored/kFailed)
};

class InviteForks {
  public:
    explicit InviteForks(SipMessage invite) : invite_(std::move(invite)) {}

    [[nodiscard]] const SipMessage& invite() const noexcept { return invite_; }
    [[nodiscard]] ForkResult on_response(const SipMessageView& response);
    // The INVITE client transaction is over (timer or final response delivered): early dialogs
    // that never got a final response are terminated.
    void finish() noexcept;

    [[nodiscard]] Dialog* find(std::string_view to_tag) noexcept;
    [[nodiscard]] Dialog* confirmed() noexcept { return confirmed_; }
    [[nodiscard]] std::deque<Dialog>& dialogs() noexcept { return dialogs_; }
    [[nodiscard]] std::size_t early_count() const noexcept;

  private:
    SipMessage invite_;
    std::deque<Dialog> dialogs_;  // stable addresses
    Dialog* confirmed_ = nullptr;
};

}  // namespace rtpx::sip
