#include "delivery.hpp"

#include "rtpx/sip/validation.hpp"

namespace rtpx::sip::detail {

bool Delivery::usable(const SipMessageView& view) noexcept {
    if (!view.check_syntax()) return false;
    return view.top_via() && view.from() && view.to() && view.call_id() && view.cseq();
}

void Delivery::count_unparseable(std::span<const std::uint8_t> bytes) noexcept {
    std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    switch (classify_unparseable(text)) {
        case DropReason::kUnparseableRequest: ++counters_.dropped_unparseable_requests; break;
        case DropReason::kUnparseableResponse: ++counters_.dropped_unparseable_responses; break;
        default: ++counters_.dropped_not_sip; break;
    }
}

std::string Delivery::rejection_bytes(const SipMessageView& view) {
    // A response needs a parseable top Via to be routed back, and CSeq/Call-ID/From/To to be
    // matched by the client; without them the request is only counted (RFC 3261 18.1.2 spirit).
    if (!view.top_via() || !view.cseq() || !view.call_id() || !view.from() || !view.to()) return {};
    if (view.method() == Method::kAck) return {};  // never answer an ACK
    auto rejection = validate_request(view);
    if (!rejection) rejection = Rejection{400, "Bad Request", HeaderId::kOther, {}};
    SipMessage response = make_rejection_response(view, *rejection);
    return response.serialize();
}

}  // namespace rtpx::sip::detail
