// RFC 3261 18.2.1 / 18.2.2 and RFC 3581 4: received/rport on requests, response destinations.
#include <strings.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

#include "rtpx/sip/transport/transport.hpp"

namespace rtpx::sip {

std::string_view to_string(TransportErrc e) noexcept {
    switch (e) {
        case TransportErrc::kConnectFailed: return "connect failed";
        case TransportErrc::kConnectTimeout: return "connect timeout";
        case TransportErrc::kTlsHandshakeFailed: return "TLS handshake failed";
        case TransportErrc::kConnectionClosed: return "connection closed";
        case TransportErrc::kIdleTimeout: return "idle timeout";
        case TransportErrc::kTooManyConnections: return "too many connections";
        case TransportErrc::kBackpressure: return "send queue full";
        case TransportErrc::kFramingError: return "framing error";
        case TransportErrc::kSendFailed: return "send failed";
        case TransportErrc::kNoRoute: return "no route";
        case TransportErrc::kMessageTooLarge: return "message too large";
    }
    return "unknown";
}

std::optional<TransportProto> proto_from_via(std::string_view token) noexcept {
    auto eq = [token](const char* s) {
        return token.size() == std::strlen(s) && strncasecmp(token.data(), s, token.size()) == 0;
    };
    if (eq("UDP")) return TransportProto::kUdp;
    if (eq("TCP")) return TransportProto::kTcp;
    if (eq("TLS")) return TransportProto::kTls;
    return std::nullopt;
}

ViaAnnotation via_annotation(const ViaView& top_via, const SockAddr& source) noexcept {
    ViaAnnotation out;
    auto rport = top_via.rport();
    out.fill_rport = rport.has_value() && rport->empty();
    if (auto received = top_via.received()) {
        // Already there (a request sent back to us, or a client that wrote it): keep it when it
        // names the source, replace it otherwise.
        // (annotate_top_via then rewrites its value rather than adding a second one).
        auto named = SockAddr::from_host(*received, source.port());
        out.add_received = !named || !named->same_host(source);
        return out;
    }
    auto sent_by = SockAddr::from_host(top_via.host, source.port());
    // RFC 3581 4: with rport, received is added even when equal to sent-by.
    out.add_received = rport.has_value() || !sent_by || !sent_by->same_host(source);
    return out;
}

namespace {

// The first element of the first Via field (the top Via value), a view into the message.
std::optional<std::string_view> top_via_text(const SipMessageView& message) noexcept {
    auto values = message.values(HeaderId::kVia);
    auto it = values.begin();
    if (it == values.end()) return std::nullopt;
    return *it;
}

}  // namespace

std::optional<std::size_t> annotate_top_via(const SipMessageView& message, const SockAddr& source,
                                            std::span<std::uint8_t> out) noexcept {
    auto text = top_via_text(message);
    if (!text) return std::nullopt;
    auto via = message.parse_via(*text);
    if (!via) return std::nullopt;
    ViaAnnotation a = via_annotation(*via, source);

    std::string_view all = message.bytes();
    const char* base = all.data();
    const auto at = [base](std::string_view part) {
        return static_cast<std::size_t>(part.data() - base);
    };
    const std::size_t via_end = at(*text) + text->size();

    // At most three edits, applied in byte order: "=port" after an empty rport, a replaced
    // received value, ";received=IP" at the end of the top Via.
    struct Edit {
        std::size_t pos = 0;
        std::size_t erase = 0;
        std::string_view insert;
    };
    std::array<Edit, 3> edits{};
    std::size_t edit_count = 0;

    std::array<char, 8> port_text{'='};
    auto port_end =
        std::to_chars(port_text.data() + 1, port_text.data() + port_text.size(), source.port()).ptr;
    if (a.fill_rport) {
        auto p = via->param_range().find("rport");
        if (p && !p->has_value) {  // "rport=" with an empty value is left alone
            edits[edit_count++] =
                Edit{at(p->name) + p->name.size(), 0,
                     std::string_view(port_text.data(),
                                      static_cast<std::size_t>(port_end - port_text.data()))};
        }
    }
    // IPv6 is written as a reference ("[2001:db8::1]"): RFC 5118 4.5 shows both forms in use;
    // the parser reads both.
    std::array<char, 80> host{};
    std::size_t host_len = 0;
    auto write_host = [&](std::size_t from) {
        std::size_t n = from;
        if (source.is_ipv6()) {
            host[n++] = '[';
            n += source.host_into(host.data() + n, host.size() - n - 1);
            host[n++] = ']';
        } else {
            n += source.host_into(host.data() + n, host.size() - n);
        }
        return n;
    };
    auto existing = via->param_range().find("received");
    if (a.add_received && existing && existing->has_value && !existing->value.empty()) {
        host_len = write_host(0);  // replaces a received that does not name the source
        edits[edit_count++] = Edit{at(existing->value), existing->value.size(),
                                   std::string_view(host.data(), host_len)};
    } else if (a.add_received) {
        std::memcpy(host.data(), ";received=", 10);
        host_len = write_host(10);
        edits[edit_count++] = Edit{via_end, 0, std::string_view(host.data(), host_len)};
    }
    std::sort(edits.begin(), edits.begin() + static_cast<std::ptrdiff_t>(edit_count),
              [](const Edit& x, const Edit& y) { return x.pos < y.pos; });

    std::size_t size = all.size();
    for (std::size_t i = 0; i < edit_count; ++i) size += edits[i].insert.size() - edits[i].erase;
    if (size > out.size()) return std::nullopt;
    auto* w = reinterpret_cast<char*>(out.data());
    std::size_t from = 0;
    for (std::size_t i = 0; i < edit_count; ++i) {
        std::memcpy(w, base + from, edits[i].pos - from);
        w += edits[i].pos - from;
        std::memcpy(w, edits[i].insert.data(), edits[i].insert.size());
        w += edits[i].insert.size();
        from = edits[i].pos + edits[i].erase;
    }
    std::memcpy(w, base + from, all.size() - from);
    return size;
}

std::optional<SendTarget> response_target(const SipMessageView& response,
                                          ConnectionId request_connection) noexcept {
    auto text = top_via_text(response);
    if (!text) return std::nullopt;
    auto via = response.parse_via(*text);
    if (!via) return std::nullopt;
    auto proto = proto_from_via(via->transport);
    if (!proto) return std::nullopt;
    std::string_view host = via->received().value_or(via->host);
    std::uint16_t port = via->port.value_or(*proto == TransportProto::kTls ? 5061 : 5060);
    if (*proto == TransportProto::kUdp) {
        if (auto rport = via->rport(); rport && !rport->empty()) {
            std::uint16_t value = 0;
            auto [ptr, ec] = std::from_chars(rport->data(), rport->data() + rport->size(), value);
            if (ec == std::errc() && ptr == rport->data() + rport->size() && value != 0)
                port = value;
        }
    }
    auto addr = SockAddr::from_host(host, port);
    if (!addr) return std::nullopt;
    SendTarget target;
    target.proto = *proto;
    target.remote = *addr;
    target.connection = is_stream(*proto) ? request_connection : 0;
    return target;
}

}  // namespace rtpx::sip
