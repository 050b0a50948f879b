// The dialog layer (RFC 3261 12, 13.2.2.4, 14; RFC 3311): dialog state, identified by Call-ID,
// local tag and remote tag, with its route set, remote target, local and remote CSeq and secure
// flag. Sans-IO: the TU (the B2BUA) feeds it the requests and responses its transactions deliver
// and sends the requests it builds; no sockets, no clocks (timers: dialog/timers.hpp).
//
//   UAC: Dialog::create_uac(invite_sent, response)   from a 1xx with To-tag (early) or a 2xx
//   UAS: Dialog::create_uas(invite_received, tag, contact, state)  when sending 1xx/2xx
//   in-dialog requests: make_request("BYE", via), make_ack(invite_cseq, via)
//   received in-dialog requests: on_request(req) -> accepted, or the status to answer (500 ...)
//
// Several early dialogs from one INVITE (forking) are tracked by InviteForks
// (dialog/invite_forks.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "rtpx/sip/message.hpp"
#include "rtpx/sip/sip_message.hpp"

namespace rtpx::sip {

struct DialogId {
    std::string call_id;
    std::string local_tag;
    std::string remote_tag;
    friend bool operator==(const DialogId&, const DialogId&) = default;
};

enum class DialogState : std::uint8_t { kEarly, kConfirmed, kTerminated };
enum class DialogRole : std::uint8_t { kUac, kUas };

[[nodiscard]] std::string_view to_string(DialogState s) noexcept;

enum class DialogErrc : std::uint8_t {
    kBadMessage,         // a header the dialog needs is missing or malformed
    kNotDialogCreating,  // status not 101-299, or method that creates no dialog
    kMissingTag,         // response without To tag (UAC) / request without From tag (UAS)
    kWrongDialog,        // Call-ID or tags do not match this dialog
    kTerminated,         // the dialog is over
};

struct DialogError {
    DialogErrc code;
    const char* what;
};

template <class T>
using DialogResult = tl::expected<T, DialogError>;

// How this UA writes its Via (sent-by, transport) on requests it originates.
struct ViaSpec {
    std::string transport = "UDP";
    std::string sent_by;  // "host[:port]"
    bool rport = false;
};

// A request received inside the dialog: accept, or answer with this status (RFC 3261 12.2.2,
// 14.2).
struct InDialogCheck {
    std::uint16_t status = 0;       // 0: accepted
    std::string_view reason;        // reason phrase for status
    std::uint32_t retry_after = 0;  // seconds, for 500 on overlapping re-INVITE (14.2)
    [[nodiscard]] bool accepted() const noexcept { return status == 0; }
};

class Dialog {
  public:
    // RFC 3261 12.1.2: the UAC side, from the dialog-creating request as sent and a 101-299
    // response with a To tag. 1xx -> kEarly, 2xx -> kConfirmed.
    [[nodiscard]] static DialogResult<Dialog> create_uac(const SipMessage& request,
                                                         const SipMessageView& response);
    // RFC 3261 12.1.1: the UAS side, from the received request, the To tag of the response this
    // UA sends, and its Contact (the URI, without angle brackets). `state` is kEarly when the
    // response is a 1xx, kConfirmed for a 2xx.
    [[nodiscard]] static DialogResult<Dialog> create_uas(const SipMessageView& request,
                                                         std::string_view local_tag,
                                                         std::string_view local_contact,
                                                         DialogState state);

    [[nodiscard]] const DialogId& id() const noexcept { return id_; }
    [[nodiscard]] DialogState state() const noexcept { return state_; }
    [[nodiscard]] DialogRole role() const noexcept { return role_; }
    [[nodiscard]] bool secure() const noexcept { return secure_; }
    // Whether this UA chose the Call-ID (it sent the dialog-creating request): selects the glare
    // back-off range (RFC 3261 14.1, glare_retry_delay in dialog/timers.hpp).
    [[nodiscard]] bool owns_call_id() const noexcept { return role_ == DialogRole::kUac; }
    // From/To values without their tag ("Alice <sip:alice@atlanta.example.com>").
    [[nodiscard]] const std::string& local_uri() const noexcept { return local_uri_; }
    [[nodiscard]] const std::string& remote_uri() const noexcept { return remote_uri_; }
    [[nodiscard]] const std::string& remote_target() const noexcept { return remote_target_; }
    [[nodiscard]] const std::string& local_contact() const noexcept { return local_contact_; }
    // Route set values in the order requests carry them ("<sip:p1.example.com;lr>").
    [[nodiscard]] const std::vector<std::string>& route_set() const noexcept { return route_set_; }
    [[nodiscard]] std::optional<std::uint32_t> local_cseq() const noexcept { return local_cseq_; }
    [[nodiscard]] std::optional<std::uint32_t> remote_cseq() const noexcept { return remote_cseq_; }

    // Whether a message belongs to this dialog (Call-ID and both tags; RFC 3261 12.2.2 / 12.2.1.2).
    [[nodiscard]] bool matches_request(const SipMessageView& request) const noexcept;
    [[nodiscard]] bool matches_response(const SipMessageView& response) const noexcept;

    // UAC: a further response to the dialog-creating INVITE from the same UAS (same To tag). A 1xx
    // refreshes the remote target; a 2xx confirms the dialog and recomputes the route set from
    // its Record-Route (13.2.2.4). A non-2xx final terminates an early dialog.
    [[nodiscard]] DialogResult<void> on_invite_response(const SipMessageView& response);
    // UAS: the 2xx to the dialog-creating request was sent.
    void confirm() noexcept;

    // RFC 3261 12.2.1.1: a request inside the dialog. The local CSeq goes up by one (ACK and
    // CANCEL are not built here). INVITE and UPDATE carry the local Contact. Loose routing: the
    // Request-URI is the remote target and Route the route set; strict routing (first route
    // without lr): Request-URI the first route, Route the rest plus the remote target last.
    [[nodiscard]] SipMessage make_request(std::string_view method, const ViaSpec& via,
                                          std::string_view content_type = {},
                                          std::string_view body = {});
    // RFC 3261 13.2.2.4: ACK for a 2xx, a new request (new branch) with the INVITE's CSeq number
    // and the dialog's route set and remote target. The local CSeq does not change.
    [[nodiscard]] SipMessage make_ack(std::uint32_t invite_cseq, const ViaSpec& via,
                                      std::string_view content_type = {},
                                      std::string_view body = {}) const;

    // RFC 3261 12.2.2: checks a received in-dialog request (not ACK/CANCEL, which share the
    // CSeq of their INVITE): a CSeq lower than (or, for a new request, equal to) the remote CSeq
    // gets 500; otherwise the remote CSeq is updated. A target refresh (INVITE, UPDATE) with a
    // Contact replaces the remote target. An INVITE while this UA's re-INVITE is pending gets 491
    // (14.2), while another received re-INVITE is unanswered 500 with Retry-After (14.2).
    [[nodiscard]] InDialogCheck on_request(const SipMessageView& request);

    // UAC: the final response to this UA's re-INVITE or UPDATE (RFC 3261 12.2.1.2, RFC 3311 5.1):
    // a 2xx with a Contact refreshes the remote target; 481/408 terminate the dialog (12.2.1.2).
    void on_refresh_response(const SipMessageView& response);

    // re-INVITE bookkeeping for glare (14.1/14.2): the TU calls these around its own and the
    // peer's re-INVITE transactions.
    void local_invite_started() noexcept { local_invite_pending_ = true; }
    void local_invite_finished() noexcept { local_invite_pending_ = false; }
    void remote_invite_finished() noexcept { remote_invite_pending_ = false; }
    [[nodiscard]] bool local_invite_pending() const noexcept { return local_invite_pending_; }
    [[nodiscard]] bool remote_invite_pending() const noexcept { return remote_invite_pending_; }

    void terminate() noexcept { state_ = DialogState::kTerminated; }

  private:
    Dialog() = default;
    void set_route_set(const SipMessageView& m, bool reverse);
    void set_remote_target(const SipMessageView& m);

    DialogId id_;
    DialogState state_ = DialogState::kEarly;
    DialogRole role_ = DialogRole::kUac;
    bool secure_ = false;
    bool local_invite_pending_ = false;
    bool remote_invite_pending_ = false;
    std::string local_uri_;
    std::string remote_uri_;
    std::string remote_target_;
    std::string local_contact_;
    std::vector<std::string> route_set_;
    std::optional<std::uint32_t> local_cseq_;
    std::optional<std::uint32_t> remote_cseq_;
};

// A header value (From/To) without its tag parameter, other parameters kept.
[[nodiscard]] std::string without_tag(std::string_view name_addr);

}  // namespace rtpx::sip
