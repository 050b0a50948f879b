// Fuzz target: SipMessageView::parse (datagram and stream modes), stream framing, every typed
// accessor and check_syntax, find_sdp_body, validate_request, and the properties an accepted
// message must keep:
//  - the body lies inside the buffer and its length equals Content-Length when present;
//  - SipMessage::from_view -> serialize -> parse gives the same start line, header names and
//    values, and body;
//  - building a response (8.2.6), an ACK and a CANCEL from it never fails to parse again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "rtpx/sip/builder.hpp"
#include "rtpx/sip/framing.hpp"
#include "rtpx/sip/message.hpp"
#include "rtpx/sip/multipart.hpp"
#include "rtpx/sip/validation.hpp"

using namespace rtpx::sip;

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

void touch_accessors(const SipMessageView& m) {
    (void)m.request_uri();
    (void)m.top_via();
    (void)m.via_count();
    (void)m.from();
    (void)m.to();
    (void)m.call_id();
    (void)m.cseq();
    (void)m.max_forwards();
    (void)m.content_type();
    (void)m.expires();
    (void)find_sdp_body(m);
    for (auto v : m.values(HeaderId::kContact)) {
        if (auto c = m.parse_name_addr(v, true)) {
            (void)c->q();
            (void)c->expires();
            (void)c->display_name_unquoted();
        }
    }
    for (std::size_t i = 0; i < m.header_count(); ++i) (void)unfold(m.header(i).value);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto frame = frame_stream({data, size});
    if (frame && frame->status == FrameStatus::kComplete) {
        check(frame->skip + frame->length <= size);
        SipParseOptions stream;
        stream.transport = SipTransportKind::kStream;
        (void)SipMessageView::parse(text.substr(frame->skip, frame->length), stream);
    }
    auto m = SipMessageView::parse(text);
    if (!m) {
        check(m.error().offset <= size);
        (void)classify_unparseable(text);
        return 0;
    }
    check(m->body().data() >= text.data() &&
          m->body().data() + m->body().size() <= text.data() + size);
    if (m->content_length()) check(m->body().size() == *m->content_length());
    touch_accessors(*m);
    auto syntax = m->check_syntax();
    if (!syntax) check(syntax.error().offset <= size);
    if (m->is_request()) (void)validate_request(*m);

    const SipMessage owned = SipMessage::from_view(*m);
    const std::string again = owned.serialize();
    auto m2 = SipMessageView::parse(again);
    check(m2.has_value());
    check(m2->is_request() == m->is_request());
    check(m2->status_code() == m->status_code());
    check(m2->method_text() == m->method_text());
    // The serialiser writes exactly one Content-Length (the body's) and keeps every other field.
    check(m2->count(HeaderId::kContentLength) == 1);
    check(m2->content_length() == m->body().size());
    std::size_t j = 0;
    for (std::size_t i = 0; i < m->header_count(); ++i) {
        if (m->header(i).id == HeaderId::kContentLength) continue;
        while (j < m2->header_count() && m2->header(j).id == HeaderId::kContentLength) ++j;
        check(j < m2->header_count());
        check(m2->header(j).name == m->header(i).name);
        check(m2->header(j).value == m->header(i).value);
        ++j;
    }
    check(m2->body() == m->body());

    if (m->is_request() && syntax) {
        const std::string response = make_response(*m, 486, {}, "tag").serialize();
        check(SipMessageView::parse(response).has_value());
        const std::string cancel = make_cancel(*m).serialize();
        check(SipMessageView::parse(cancel).has_value());
        auto r = SipMessageView::parse(response);
        const std::string ack = make_ack_for_non2xx(*m, *r).serialize();
        check(SipMessageView::parse(ack).has_value());
    }
    return 0;
}
