#include "rtpx/sip/dialog/dialog.hpp"

#include <algorithm>
#include <random>

#include "rtpx/sip/builder.hpp"
#include "rtpx/sip/text.hpp"

namespace rtpx::sip {
namespace {

tl::unexpected<DialogError> dialog_error(DialogErrc code, const char* what) {
    return tl::unexpected<DialogError>(DialogError{code, what});
}

std::string_view tag_of(std::string_view name_addr) {
    auto v = NameAddrView::parse(name_addr);
    return v ? v->tag() : std::string_view{};
}

bool carries_contact(std::string_view method) {
    return method == "INVITE" || method == "UPDATE" || method == "SUBSCRIBE" ||
           method == "NOTIFY" || method == "REFER";
}

std::uint32_t retry_after_seconds() {
    thread_local std::minstd_rand gen{std::random_device{}()};
    return static_cast<std::uint32_t>(gen() % 11U);  // 0..10 s (RFC 3261 14.2)
}

}  // namespace

std::string_view to_string(DialogState s) noexcept {
    switch (s) {
        case DialogState::kEarly: return "early";
        case DialogState::kConfirmed: return "confirmed";
        case DialogState::kTerminated: return "terminated";
    }
    return "unknown";
}

std::string without_tag(std::string_view name_addr) {
    auto v = NameAddrView::parse(name_addr);
    if (!v) return std::string(trim(name_addr));
    std::string out;
    if (v->params.empty()) return std::string(trim(name_addr));
    out.assign(name_addr.substr(0, static_cast<std::size_t>(v->params.data() - name_addr.data())));
    while (!out.empty() && is_lws_char(out.back())) out.pop_back();
    for (const Param& p : v->param_range()) {
        if (ci_equal(p.name, "tag")) continue;
        out.append(1, ';').append(p.name);
        if (p.has_value) out.append(1, '=').append(p.value);
    }
    return out;
}

void Dialog::set_route_set(const SipMessageView& m, bool reverse) {
    route_set_.clear();
    for (std::string_view rr : m.values(HeaderId::kRecordRoute)) route_set_.emplace_back(rr);
    if (reverse) std::reverse(route_set_.begin(), route_set_.end());
}

void Dialog::set_remote_target(const SipMessageView& m) {
    auto contact = m.find(HeaderId::kContact);
    if (!contact) return;
    auto first = CommaList(contact->value).begin();
    if (first == CommaList::iterator()) return;
    auto parsed = NameAddrView::parse(*first);
    if (parsed && !parsed->star) remote_target_ = std::string(parsed->uri_text);
}

DialogResult<Dialog> Dialog::create_uac(const SipMessage& request, const SipMessageView& response) {
    const std::uint16_t status = response.status_code();
    if (status <= 100 || status >= 300) {
        return dialog_error(DialogErrc::kNotDialogCreating,
                            "only 101-299 responses create dialogs");
    }
    auto to = response.to();
    auto call_id = response.call_id();
    if (!to || !call_id)
        return dialog_error(DialogErrc::kBadMessage, "response without To or Call-ID");
    if (to->tag().empty()) return dialog_error(DialogErrc::kMissingTag, "response without To tag");
    const std::string_view local_tag = tag_of(request.value(HeaderId::kFrom));
    if (local_tag.empty()) return dialog_error(DialogErrc::kMissingTag, "request without From tag");
    if (*call_id != request.value(HeaderId::kCallId)) {
        return dialog_error(DialogErrc::kWrongDialog, "response Call-ID differs from the request");
    }
    auto cseq = CSeqView::parse(request.value(HeaderId::kCSeq));
    if (!cseq) return dialog_error(DialogErrc::kBadMessage, "request CSeq malformed");

    Dialog d;
    d.role_ = DialogRole::kUac;
    d.state_ = status < 200 ? DialogState::kEarly : DialogState::kConfirmed;
    d.id_ = DialogId{std::string(*call_id), std::string(local_tag), std::string(to->tag())};
    auto ruri = UriView::parse(request.request_uri);
    d.secure_ = ruri && ruri->scheme == UriScheme::kSips;
    d.local_uri_ = without_tag(request.value(HeaderId::kFrom));
    d.remote_uri_ = without_tag(request.value(HeaderId::kTo));
    d.local_cseq_ = cseq->seq;
    if (auto c = NameAddrView::parse(request.value(HeaderId::kContact)); c && !c->star) {
        d.local_contact_ = std::string(c->uri_text);
    }
    d.set_route_set(response, /*reverse=*/true);
    d.set_remote_target(response);
    if (d.remote_target_.empty()) d.remote_target_ = request.request_uri;
    if (cseq->method == Method::kInvite) d.local_invite_pending_ = status < 200;
    return d;
}

DialogResult<Dialog> Dialog::create_uas(const SipMessageView& request, std::string_view local_tag,
                                        std::string_view local_contact, DialogState state) {
    auto from = request.from();
    auto to = request.to();
    auto call_id = request.call_id();
    auto cseq = request.cseq();
    if (!from || !to || !call_id || !cseq) {
        return dialog_error(DialogErrc::kBadMessage, "request without From, To, Call-ID or CSeq");
    }
    if (local_tag.empty()) return dialog_error(DialogErrc::kMissingTag, "no local tag");
    Dialog d;
    d.role_ = DialogRole::kUas;
    d.state_ = state;
    // RFC 3261 12.1.1: an empty remote tag is allowed (RFC 2543 peers).
    d.id_ = DialogId{std::string(*call_id), std::string(local_tag), std::string(from->tag())};
    auto ruri = request.request_uri();
    d.secure_ = ruri && ruri->scheme == UriScheme::kSips;
    d.local_uri_ = without_tag(request.find(HeaderId::kTo)->value);
    d.remote_uri_ = without_tag(request.find(HeaderId::kFrom)->value);
    d.remote_cseq_ = cseq->seq;
    d.local_contact_ = std::string(local_contact);
    d.set_route_set(request, /*reverse=*/false);
    d.set_remote_target(request);
    d.remote_invite_pending_ = cseq->method == Method::kInvite && state == DialogState::kEarly;
    return d;
}

bool Dialog::matches_request(const SipMessageView& request) const noexcept {
    auto call_id = request.call_id();
    auto from = request.from();
    auto to = request.to();
    return call_id && from && to && *call_id == id_.call_id && from->tag() == id_.remote_tag &&
           to->tag() == id_.local_tag;
}

bool Dialog::matches_response(const SipMessageView& response) const noexcept {
    auto call_id = response.call_id();
    auto from = response.from();
    auto to = response.to();
    return call_id && from && to && *call_id == id_.call_id && from->tag() == id_.local_tag &&
           to->tag() == id_.remote_tag;
}

DialogResult<void> Dialog::on_invite_response(const SipMessageView& response) {
    if (state_ == DialogState::kTerminated)
        return dialog_error(DialogErrc::kTerminated, "dialog terminated");
    if (!matches_response(response))
        return dialog_error(DialogErrc::kWrongDialog, "response of another dialog");
    const std::uint16_t status = response.status_code();
    if (status < 200) {
        if (state_ == DialogState::kEarly) set_remote_target(response);
        return {};
    }
    local_invite_pending_ = false;
    if (status < 300) {
        if (state_ == DialogState::kEarly) {
            state_ = DialogState::kConfirmed;
            set_route_set(response, /*reverse=*/true);
        }
        set_remote_target(response);
        return {};
    }
    if (state_ == DialogState::kEarly) state_ = DialogState::kTerminated;
    return {};
}

void Dialog::confirm() noexcept {
    if (state_ == DialogState::kEarly) state_ = DialogState::kConfirmed;
}

SipMessage Dialog::make_request(std::string_view method, const ViaSpec& via,
                                std::string_view content_type, std::string_view body) {
    local_cseq_ = local_cseq_ ? *local_cseq_ + 1 : 1U;
    SipMessage m = make_ack(*local_cseq_, via, content_type, body);
    m.method = std::string(method);
    if (SipHeader* cseq = m.find(HeaderId::kCSeq)) {
        cseq->value = std::to_string(*local_cseq_) + " " + std::string(method);
    }
    if (carries_contact(method) && !local_contact_.empty()) {
        // Before Content-Type (builder order), i.e. after CSeq.
        auto it = std::find_if(m.headers.begin(), m.headers.end(), [](const SipHeader& h) {
            return lookup_header(h.name) == HeaderId::kCSeq;
        });
        m.headers.insert(
            it == m.headers.end() ? it : it + 1,
            SipHeader{std::string(header_name(HeaderId::kContact)), "<" + local_contact_ + ">"});
    }
    return m;
}

SipMessage Dialog::make_ack(std::uint32_t invite_cseq, const ViaSpec& via,
                            std::string_view content_type, std::string_view body) const {
    std::string request_uri = remote_target_;
    std::vector<std::string> routes = route_set_;
    if (!routes.empty()) {
        auto first = NameAddrView::parse(routes.front());
        if (first && !first->uri.lr()) {
            // Strict routing (12.2.1.1): the first route becomes the Request-URI and the remote
            // target goes last in Route.
            request_uri = std::string(first->uri_text);
            routes.erase(routes.begin());
            routes.push_back("<" + remote_target_ + ">");
        }
    }
    const std::string to =
        id_.remote_tag.empty() ? remote_uri_ : remote_uri_ + ";tag=" + id_.remote_tag;
    RequestSpec spec;
    spec.method = "ACK";
    spec.request_uri = request_uri;
    spec.from = local_uri_;
    spec.from_tag = id_.local_tag;
    spec.to = to;
    spec.call_id = id_.call_id;
    spec.cseq = invite_cseq;
    spec.via_transport = via.transport;
    spec.via_sent_by = via.sent_by;
    spec.via_rport = via.rport;
    spec.content_type = content_type;
    spec.body = body;
    SipMessage m = sip::make_request(spec);
    // Route after Via and Max-Forwards, as RFC 3261's examples place it.
    std::vector<SipHeader> route_fields;
    route_fields.reserve(routes.size());
    for (auto& r : routes)
        route_fields.push_back(SipHeader{std::string(header_name(HeaderId::kRoute)), std::move(r)});
    m.headers.insert(m.headers.begin() + std::min<std::size_t>(2, m.headers.size()),
                     route_fields.begin(), route_fields.end());
    return m;
}

InDialogCheck Dialog::on_request(const SipMessageView& request) {
    InDialogCheck out;
    const Method method = request.method();
    if (method == Method::kAck || method == Method::kCancel) return out;
    auto cseq = request.cseq();
    if (!cseq) {
        out.status = 400;
        out.reason = "Bad Request (malformed CSeq)";
        return out;
    }
    if (state_ == DialogState::kTerminated) {
        out.status = 481;
        out.reason = reason_phrase(481);
        return out;
    }
    if (remote_cseq_ && cseq->seq <= *remote_cseq_) {
        out.status = 500;
        out.reason = "Server Internal Error (CSeq out of order)";
        return out;
    }
    remote_cseq_ = cseq->seq;
    if (method == Method::kInvite) {
        if (local_invite_pending_) {
            out.status = 491;
            out.reason = reason_phrase(491);
            return out;
        }
        if (remote_invite_pending_) {
            out.status = 500;
            out.reason = "Server Internal Error (re-INVITE pending)";
            out.retry_after = retry_after_seconds();
            return out;
        }
        remote_invite_pending_ = true;
    }
    if (method == Method::kInvite || method == Method::kUpdate) set_remote_target(request);
    if (method == Method::kBye) state_ = DialogState::kTerminated;
    return out;
}

void Dialog::on_refresh_response(const SipMessageView& response) {
    const std::uint16_t status = response.status_code();
    auto cseq = response.cseq();
    if (cseq && cseq->method == Method::kInvite && status >= 200) local_invite_pending_ = false;
    if (status >= 200 && status < 300) {
        set_remote_target(response);
    } else if (status == 481 || status == 408) {
        state_ = DialogState::kTerminated;
    }
}

}  // namespace rtpx::sip
