// Fuzz target: RtpView::parse and parse_strict, then the properties every accepted packet must
// keep:
//  - rewriting it element by element with RtpPacketWriter gives a packet that parses to the same
//    header fields, CSRCs, elements and payload;
//  - remap_extension_ids and strip_header_extensions leave a packet that still parses, with the
//    same payload.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "rtpx/rtp/rtp_packet.hpp"

using namespace rtpx::rtp;

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

bool same_bytes(ByteSpan a, ByteSpan b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

bool same_elements(const RtpView& a, const RtpView& b) {
    auto ia = a.extensions().begin();
    auto ib = b.extensions().begin();
    const auto ea = a.extensions().end();
    const auto eb = b.extensions().end();
    for (; ia != ea && ib != eb; ++ia, ++ib) {
        if (ia->id != ib->id || !same_bytes(ia->data, ib->data)) return false;
    }
    return ia == ea && ib == eb;
}

void check_rewrite(const RtpView& view) {
    if (view.extension_form() == ExtensionForm::kOther) return;  // opaque blocks are not rebuilt
    std::vector<std::uint8_t> out(2 * view.size() + 64);
    RtpPacketWriter w(out);
    w.set_marker(view.marker());
    w.set_payload_type(view.payload_type());
    w.set_sequence_number(view.sequence_number());
    w.set_timestamp(view.timestamp());
    w.set_ssrc(view.ssrc());
    for (std::size_t i = 0; i < view.csrc_count(); ++i) check(w.add_csrc(view.csrc(i)).has_value());
    for (const auto& e : view.extensions()) check(w.add_extension(e.id, e.data).has_value());
    check(w.set_payload(view.payload()).has_value());
    if (view.has_padding()) check(w.set_padding(view.padding_size()).has_value());
    auto n = w.finish();
    check(n.has_value());
    auto again = RtpView::parse_strict(ByteSpan(out.data(), *n));
    check(again.has_value());
    check(again->marker() == view.marker() && again->payload_type() == view.payload_type() &&
          again->sequence_number() == view.sequence_number() &&
          again->timestamp() == view.timestamp() && again->ssrc() == view.ssrc() &&
          again->csrc_count() == view.csrc_count() && again->padding_size() == view.padding_size());
    for (std::size_t i = 0; i < view.csrc_count(); ++i) check(again->csrc(i) == view.csrc(i));
    check(same_elements(view, *again));
    check(same_bytes(view.payload(), again->payload()));
}

void check_mutators(const RtpView& view, const std::uint8_t* data, std::size_t size) {
    std::vector<std::uint8_t> copy(data, data + size);
    std::array<std::uint8_t, 256> id_map{};
    for (std::size_t i = 0; i < id_map.size(); ++i) {
        id_map[i] = static_cast<std::uint8_t>((i * 37 + data[size - 1]) & 0xFF);
    }
    set_sequence_number(copy, 1);
    set_marker(copy, true);
    const RemapResult r = remap_extension_ids(copy, id_map);
    auto remapped = RtpView::parse(copy);
    check(remapped.has_value());
    std::size_t count = 0;
    for (const auto& e : remapped->extensions()) {
        (void)e;
        ++count;
    }
    check(count == r.rewritten);
    check(same_bytes(remapped->payload(), view.payload()));

    std::vector<std::uint8_t> stripped(data, data + size);
    const std::size_t n = strip_header_extensions(stripped);
    auto after = RtpView::parse(ByteSpan(stripped.data(), n));
    check(after.has_value());
    check(!after->has_extension());
    check(same_bytes(after->payload(), view.payload()));
    check(after->padding_size() == view.padding_size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto view = RtpView::parse(ByteSpan(data, size));
    auto strict = RtpView::parse_strict(ByteSpan(data, size));
    check(!strict || view);  // strict acceptance implies lenient acceptance
    if (!view) return 0;
    check(strict.has_value() == view->validate_extensions().has_value());
    volatile std::size_t sink = view->header_size() + view->payload_size();
    for (const auto& e : view->extensions()) sink = sink + e.id + e.data.size();
    (void)sink;
    check_rewrite(*view);
    check_mutators(*view, data, size);
    return 0;
}
