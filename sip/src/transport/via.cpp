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
    if (top_via.received()) return out;  // already there: keep the sender's hop intact
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
    std::size_t via_end = static_cast<std::size_t>(text->data() + text->size() - base);
    std::size_t rport_at = via_end;
    if (a.fill_rport) {
        auto p = via->param_range().find("rport");
        if (!p || p->has_value) {
            a.fill_rport = false;  // "rport=" with an empty value: leave it
        } else {
            rport_at = static_cast<std::size_t>(p->name.data() + p->name.size() - base);
        }
    }
    std::array<char, 8> port_text{};
    auto port_len = static_cast<std::size_t>(
        std::to_chars(port_text.data(), port_text.data() + port_text.size(), source.port()).ptr -
        port_text.data());
    // IPv6 is written as a reference ("[2001:db8::1]"): RFC 5118 4.5 shows both forms in use, and
    // the message layer's Via parser accepts only the bracketed one (RFC 3261's ABNF has the bare
    // IPv6address; see the report of this branch).
    std::array<char, 64> host{};
    std::size_t host_len = 0;
    if (a.add_received) {
        if (source.is_ipv6()) {
            host[0] = '[';
            host_len = 1 + source.host_into(host.data() + 1, host.size() - 2);
            host[host_len++] = ']';
        } else {
            host_len = source.host_into(host.data(), host.size());
        }
    }

    std::size_t extra = (a.fill_rport ? 1 + port_len : 0) + (a.add_received ? 10 + host_len : 0);
    if (all.size() + extra > out.size()) return std::nullopt;
    auto* w = reinterpret_cast<char*>(out.data());
    auto put = [&w](const char* p, std::size_t n) {
        std::memcpy(w, p, n);
        w += n;
    };
    put(base, rport_at);
    if (a.fill_rport) {
        put("=", 1);
        put(port_text.data(), port_len);
    }
    put(base + rport_at, via_end - rport_at);
    if (a.add_received) {
        put(";received=", 10);
        put(host.data(), host_len);
    }
    put(base + via_end, all.size() - via_end);
    return all.size() + extra;
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
