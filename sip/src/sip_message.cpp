#include "rtpx/sip/sip_message.hpp"

#include <charconv>

#include "rtpx/sip/message.hpp"
#include "rtpx/sip/text.hpp"

namespace rtpx::sip {

SipMessage SipMessage::from_view(const SipMessageView& view) {
    SipMessage m;
    if (view.is_request()) {
        m.method = std::string(view.method_text());
        m.request_uri = std::string(view.request_uri_text());
    } else {
        m.status = view.status_code();
        m.reason = std::string(view.reason());
    }
    m.version = std::string(view.version());
    m.headers.reserve(view.header_count());
    for (std::size_t i = 0; i < view.header_count(); ++i) {
        const HeaderField h = view.header(i);
        m.headers.push_back(SipHeader{std::string(h.name), std::string(h.value)});
    }
    m.body = std::string(view.body());
    return m;
}

void SipMessage::serialize_to(std::string& out) const {
    std::size_t estimate = 64 + body.size();
    for (const auto& h : headers) estimate += h.name.size() + h.value.size() + 4;
    out.reserve(out.size() + estimate);
    if (is_request()) {
        out.append(method).append(1, ' ').append(request_uri).append(1, ' ').append(version);
    } else {
        char code[8];
        auto [p, ec] = std::to_chars(code, code + sizeof code, status);
        (void)ec;
        out.append(version).append(1, ' ').append(code, p).append(1, ' ').append(reason);
    }
    out.append("\r\n");
    char len[24];
    auto [lp, lec] = std::to_chars(len, len + sizeof len, body.size());
    (void)lec;
    const std::string_view length(len, static_cast<std::size_t>(lp - len));
    bool wrote_length = false;
    for (const auto& h : headers) {
        if (lookup_header(h.name) == HeaderId::kContentLength) {
            if (wrote_length) continue;  // one Content-Length, always the true one
            out.append(h.name).append(": ").append(length).append("\r\n");
            wrote_length = true;
            continue;
        }
        out.append(h.name).append(": ").append(h.value).append("\r\n");
    }
    if (!wrote_length) out.append("Content-Length: ").append(length).append("\r\n");
    out.append("\r\n").append(body);
}

std::string SipMessage::serialize() const {
    std::string out;
    serialize_to(out);
    return out;
}

const SipHeader* SipMessage::find(HeaderId id) const noexcept {
    for (const auto& h : headers) {
        if (lookup_header(h.name) == id) return &h;
    }
    return nullptr;
}

SipHeader* SipMessage::find(HeaderId id) noexcept {
    for (auto& h : headers) {
        if (lookup_header(h.name) == id) return &h;
    }
    return nullptr;
}

const SipHeader* SipMessage::find(std::string_view name) const noexcept {
    const HeaderId id = lookup_header(name);
    if (id != HeaderId::kOther) return find(id);
    for (const auto& h : headers) {
        if (ci_equal(h.name, name)) return &h;
    }
    return nullptr;
}

std::size_t SipMessage::count(HeaderId id) const noexcept {
    std::size_t n = 0;
    for (const auto& h : headers) n += lookup_header(h.name) == id ? 1 : 0;
    return n;
}

std::string_view SipMessage::value(HeaderId id) const noexcept {
    const SipHeader* h = find(id);
    return h != nullptr ? std::string_view(h->value) : std::string_view{};
}

void SipMessage::add(HeaderId id, std::string v) {
    headers.push_back(SipHeader{std::string(header_name(id)), std::move(v)});
}

void SipMessage::add(std::string name, std::string v) {
    headers.push_back(SipHeader{std::move(name), std::move(v)});
}

void SipMessage::add_front(HeaderId id, std::string v) {
    headers.insert(headers.begin(), SipHeader{std::string(header_name(id)), std::move(v)});
}

void SipMessage::set(HeaderId id, std::string v) {
    bool seen = false;
    for (auto it = headers.begin(); it != headers.end();) {
        if (lookup_header(it->name) != id) {
            ++it;
        } else if (!seen) {
            it->value = std::move(v);
            seen = true;
            ++it;
        } else {
            it = headers.erase(it);
        }
    }
    if (!seen) add(id, std::move(v));
}

std::size_t SipMessage::remove(HeaderId id) noexcept {
    std::size_t before = headers.size();
    std::erase_if(headers, [id](const SipHeader& h) { return lookup_header(h.name) == id; });
    return before - headers.size();
}

}  // namespace rtpx::sip
