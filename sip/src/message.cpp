#include "rtpx/sip/message.hpp"

#include <cstring>

#include "rtpx/sip/text.hpp"

namespace rtpx::sip {

class ParserImpl {
  public:
    static SipParseResult<void> run(SipMessageView& m, std::string_view text,
                                    const SipParseOptions& options) noexcept;

  private:
    static SipParseResult<void> start_line(SipMessageView& m, std::size_t begin,
                                           std::size_t end) noexcept;
};

namespace {

using Errc = SipParseErrc;

// "SIP/" 1*DIGIT "." 1*DIGIT ("SIP" case-insensitive, RFC 3261 7.1).
bool is_sip_version(std::string_view v) noexcept {
    if (v.size() < 7 || !ci_equal(v.substr(0, 4), "SIP/")) return false;
    std::size_t dot = v.find('.', 4);
    if (dot == std::string_view::npos || dot == 4 || dot + 1 == v.size()) return false;
    for (std::size_t i = 4; i < v.size(); ++i) {
        if (i != dot && !is_digit(v[i])) return false;
    }
    return true;
}

}  // namespace

SipParseResult<void> ParserImpl::start_line(SipMessageView& m, std::size_t begin,
                                            std::size_t end) noexcept {
    const char* b = m.base_;
    const std::string_view line(b + begin, end - begin);
    auto span = [&](std::size_t off, std::size_t len) {
        return SipMessageView::Span{static_cast<std::uint32_t>(begin + off),
                                    static_cast<std::uint32_t>(len)};
    };
    if (line.size() >= 4 && ci_equal(line.substr(0, 4), "SIP/")) {
        // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
        std::size_t sp = line.find(' ');
        if (sp == std::string_view::npos) {
            return sip_error(Errc::kBadStartLine, end, "status line without status code");
        }
        if (!is_sip_version(line.substr(0, sp))) {
            return sip_error(Errc::kBadVersion, begin, "bad SIP version");
        }
        m.version_ = span(0, sp);
        std::string_view rest = line.substr(sp + 1);
        if (rest.size() < 3 || !is_digit(rest[0]) || !is_digit(rest[1]) || !is_digit(rest[2]) ||
            (rest.size() > 3 && rest[3] != ' ')) {
            return sip_error(Errc::kBadStartLine, begin + sp + 1, "bad status code");
        }
        const int code = (rest[0] - '0') * 100 + (rest[1] - '0') * 10 + (rest[2] - '0');
        if (code < 100 || code > 699) {
            return sip_error(Errc::kBadStartLine, begin + sp + 1, "status code out of range");
        }
        m.status_ = static_cast<std::uint16_t>(code);
        if (rest.size() > 4) {
            for (std::size_t i = 4; i < rest.size(); ++i) {
                const auto c = static_cast<unsigned char>(rest[i]);
                if (c < 0x20 && c != '\t') {
                    return sip_error(Errc::kBadStartLine, begin + sp + 1 + i,
                                     "control character in reason phrase");
                }
            }
            m.reason_ = span(sp + 5, rest.size() - 4);
        } else {
            m.reason_ = span(line.size(), 0);
        }
        return {};
    }
    // Request-Line = Method SP Request-URI SP SIP-Version (single SPs, RFC 3261 7.1, 25.1)
    std::size_t i = 0;
    while (i < line.size() && is_token_char(line[i])) ++i;
    if (i == 0) return sip_error(Errc::kBadStartLine, begin, "request line without method");
    if (i >= line.size() || line[i] != ' ') {
        return sip_error(Errc::kBadStartLine, begin + i, "bad character after method");
    }
    m.method_text_ = span(0, i);
    m.method_ = lookup_method(line.substr(0, i));
    const std::size_t uri_start = i + 1;
    std::size_t sp2 = line.find(' ', uri_start);
    if (sp2 == std::string_view::npos) {
        return sip_error(Errc::kBadStartLine, end, "request line without SIP version");
    }
    if (sp2 == uri_start) {
        return sip_error(Errc::kBadStartLine, begin + uri_start,
                         "empty Request-URI or extra space");
    }
    for (std::size_t k = uri_start; k < sp2; ++k) {
        const auto c = static_cast<unsigned char>(line[k]);
        if (c <= 0x20 || c >= 0x7f) {
            return sip_error(Errc::kBadStartLine, begin + k, "bad character in Request-URI");
        }
    }
    m.uri_ = span(uri_start, sp2 - uri_start);
    std::string_view version = line.substr(sp2 + 1);
    if (version.find(' ') != std::string_view::npos ||
        version.find('\t') != std::string_view::npos) {
        return sip_error(Errc::kBadStartLine, begin + sp2 + 1 + version.find_first_of(" \t"),
                         "white space in SIP version (extra SP in request line)");
    }
    if (!is_sip_version(version))
        return sip_error(Errc::kBadVersion, begin + sp2 + 1, "bad SIP version");
    m.version_ = span(sp2 + 1, version.size());
    return {};
}

SipParseResult<void> ParserImpl::run(SipMessageView& m, std::string_view text,
                                     const SipParseOptions& options) noexcept {
    if (text.size() > options.max_message_bytes || text.size() > UINT32_MAX / 2) {
        return sip_error(Errc::kTooLarge, options.max_message_bytes,
                         "message larger than the limit");
    }
    m.base_ = text.data();
    m.first_.fill(SipMessageView::kNone);
    const char* b = text.data();
    const std::size_t n = text.size();
    std::size_t pos = 0;
    // RFC 3261 7.5: CRLFs before the start line are ignored.
    while (pos < n && (b[pos] == '\r' || b[pos] == '\n')) ++pos;
    m.start_ = static_cast<std::uint32_t>(pos);
    if (pos >= n) return sip_error(Errc::kIncomplete, pos, "empty message");

    auto line_end = [&](std::size_t from, std::size_t& next) -> std::size_t {
        const void* nl = std::memchr(b + from, '\n', n - from);
        if (nl == nullptr) return SIZE_MAX;
        std::size_t e = static_cast<std::size_t>(static_cast<const char*>(nl) - b);
        next = e + 1;
        if (e > from && b[e - 1] == '\r') --e;
        return e;
    };

    std::size_t next = 0;
    std::size_t e = line_end(pos, next);
    if (e == SIZE_MAX) return sip_error(Errc::kIncomplete, n, "no end of start line");
    if (auto ok = start_line(m, pos, e); !ok) return ok;
    pos = next;

    std::size_t count = 0;
    std::size_t header_end = SIZE_MAX;
    while (pos < n) {
        e = line_end(pos, next);
        if (e == SIZE_MAX) break;
        if (e == pos) {
            header_end = next;
            break;
        }
        if (b[pos] == ' ' || b[pos] == '\t') {
            // Folded continuation of the previous header value (RFC 3261 7.3.1).
            if (count == 0)
                return sip_error(Errc::kBadHeader, pos, "continuation line before first header");
            auto& prev = m.entries_[count - 1];
            prev.value_len = static_cast<std::uint32_t>(e - prev.value_off);
            pos = next;
            continue;
        }
        std::size_t i = pos;
        while (i < e && is_token_char(b[i])) ++i;
        if (i == pos) return sip_error(Errc::kBadHeader, pos, "bad header name");
        const std::size_t name_len = i - pos;
        if (name_len > UINT16_MAX) return sip_error(Errc::kBadHeader, pos, "header name too long");
        while (i < e && (b[i] == ' ' || b[i] == '\t')) ++i;
        if (i >= e || b[i] != ':') return sip_error(Errc::kBadHeader, i, "header without colon");
        ++i;
        if (count >= SipMessageView::kMaxHeaders) {
            return sip_error(Errc::kTooManyHeaders, pos, "too many header fields");
        }
        const HeaderId id = lookup_header(std::string_view(b + pos, name_len));
        m.entries_[count] = SipMessageView::Entry{
            static_cast<std::uint32_t>(pos), static_cast<std::uint32_t>(i),
            static_cast<std::uint32_t>(e - i), static_cast<std::uint16_t>(name_len), id};
        auto& first = m.first_[SipMessageView::idx(id)];
        if (first == SipMessageView::kNone) first = static_cast<std::uint8_t>(count);
        ++count;
        pos = next;
    }
    if (header_end == SIZE_MAX) return sip_error(Errc::kIncomplete, n, "no end of header section");
    m.count_ = static_cast<std::uint8_t>(count);

    // Trim values; check Content-Length fields (all must agree).
    for (std::size_t k = 0; k < count; ++k) {
        auto& en = m.entries_[k];
        while (en.value_len > 0 && is_lws_char(b[en.value_off])) {
            ++en.value_off;
            --en.value_len;
        }
        while (en.value_len > 0 && is_lws_char(b[en.value_off + en.value_len - 1])) --en.value_len;
        if (en.id == HeaderId::kContentLength) {
            auto cl = parse_decimal_value(std::string_view(b + en.value_off, en.value_len));
            if (!cl) return sip_error(Errc::kBadContentLength, en.value_off, "bad Content-Length");
            if (m.content_length_ && *m.content_length_ != *cl) {
                return sip_error(Errc::kBadContentLength, en.value_off,
                                 "Content-Length fields disagree");
            }
            m.content_length_ = *cl;
        }
    }

    const std::size_t available = n - header_end;
    std::size_t body_len = available;
    if (m.content_length_) {
        if (*m.content_length_ > available) {
            return sip_error(Errc::kBodyTruncated, n, "body shorter than Content-Length");
        }
        body_len = *m.content_length_;  // RFC 3261 18.3: excess datagram bytes are discarded
    } else if (options.transport == SipTransportKind::kStream) {
        return sip_error(Errc::kBadContentLength, header_end,
                         "missing Content-Length on a stream transport");
    }
    m.body_ = SipMessageView::Span{static_cast<std::uint32_t>(header_end),
                                   static_cast<std::uint32_t>(body_len)};
    m.size_ = static_cast<std::uint32_t>(header_end + body_len);
    return {};
}

SipParseResult<SipMessageView> SipMessageView::parse(std::string_view text,
                                                     const SipParseOptions& options) noexcept {
    SipParseResult<SipMessageView> result{tl::in_place};
    if (auto ok = ParserImpl::run(*result, text, options); !ok) return tl::unexpected(ok.error());
    return result;
}

SipParseResult<SipMessageView> SipMessageView::parse(std::span<const std::uint8_t> bytes,
                                                     const SipParseOptions& options) noexcept {
    return parse(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                 options);
}

bool SipMessageView::is_sip_2_0() const noexcept {
    return ci_equal(version(), "SIP/2.0");
}

SipParseResult<UriView> SipMessageView::request_uri() const noexcept {
    auto u = UriView::parse(request_uri_text());
    if (!u) return tl::unexpected(rebase(u.error(), uri_.off));
    return u;
}

HeaderField SipMessageView::header(std::size_t i) const noexcept {
    const Entry& e = entries_[i];
    return HeaderField{e.id, {base_ + e.name_off, e.name_len}, {base_ + e.value_off, e.value_len}};
}

std::optional<HeaderField> SipMessageView::find(HeaderId id) const noexcept {
    const std::uint8_t f = first_[idx(id)];
    if (f == kNone) return std::nullopt;
    return header(f);
}

std::optional<HeaderField> SipMessageView::find(std::string_view name) const noexcept {
    const HeaderId id = lookup_header(name);
    if (id != HeaderId::kOther) return find(id);
    for (std::size_t i = 0; i < count_; ++i) {
        if (entries_[i].id == HeaderId::kOther) {
            HeaderField h = header(i);
            if (ci_equal(h.name, name)) return h;
        }
    }
    return std::nullopt;
}

std::size_t SipMessageView::count(HeaderId id) const noexcept {
    std::size_t c = 0;
    const std::uint8_t f = first_[idx(id)];
    if (f == kNone) return 0;
    for (std::size_t i = f; i < count_; ++i) c += entries_[i].id == id ? 1 : 0;
    return c;
}

// --- ValueRange ---------------------------------------------------------------------------------

SipMessageView::ValueRange::iterator::iterator(const SipMessageView* m, HeaderId id,
                                               std::size_t field) noexcept
    : m_(m), id_(id), field_(field), list_(is_list_header(id)) {
    settle();
}

// Loads the field at field_ (or later ones) until one yields an element.
void SipMessageView::ValueRange::iterator::settle() noexcept {
    while (field_ < m_->count_) {
        if (m_->entries_[field_].id == id_) {
            const std::string_view v = m_->header(field_).value;
            if (!list_) {
                single_ = v;
                return;
            }
            inner_ = CommaList::iterator(v);
            if (inner_ != CommaList::iterator()) return;
        }
        ++field_;
    }
    field_ = kEnd;
}

void SipMessageView::ValueRange::iterator::next_field() noexcept {
    ++field_;
    settle();
}

SipMessageView::ValueRange::iterator& SipMessageView::ValueRange::iterator::operator++() noexcept {
    if (field_ == kEnd) return *this;
    if (list_) {
        ++inner_;
        if (inner_ != CommaList::iterator()) return *this;
    }
    next_field();
    return *this;
}

SipMessageView::ValueRange::iterator SipMessageView::ValueRange::begin() const noexcept {
    const std::uint8_t f = m_->first_[idx(id_)];
    if (f == kNone) return iterator();
    return iterator(m_, id_, f);
}

// --- typed accessors ----------------------------------------------------------------------------

SipParseResult<HeaderField> SipMessageView::required(HeaderId id,
                                                     const char* missing) const noexcept {
    auto h = find(id);
    if (!h) return sip_error(SipParseErrc::kMissingHeader, body_.off, missing);
    return *h;
}

SipParseResult<ViaView> SipMessageView::parse_via(std::string_view value) const noexcept {
    auto v = ViaView::parse(value);
    if (!v) return tl::unexpected(rebase(v.error(), offset_of(value)));
    return v;
}

SipParseResult<NameAddrView> SipMessageView::parse_name_addr(std::string_view value,
                                                             bool star_allowed) const noexcept {
    auto v = NameAddrView::parse(value, star_allowed);
    if (!v) return tl::unexpected(rebase(v.error(), offset_of(value)));
    return v;
}

SipParseResult<ViaView> SipMessageView::top_via() const noexcept {
    auto it = values(HeaderId::kVia).begin();
    if (it == ValueRange::iterator()) {
        return sip_error(SipParseErrc::kMissingHeader, body_.off, "missing Via");
    }
    return parse_via(*it);
}

std::size_t SipMessageView::via_count() const noexcept {
    std::size_t c = 0;
    for (auto it = values(HeaderId::kVia).begin(); it != ValueRange::iterator(); ++it) ++c;
    return c;
}

SipParseResult<NameAddrView> SipMessageView::from() const noexcept {
    auto h = required(HeaderId::kFrom, "missing From");
    if (!h) return tl::unexpected(h.error());
    return parse_name_addr(h->value);
}

SipParseResult<NameAddrView> SipMessageView::to() const noexcept {
    auto h = required(HeaderId::kTo, "missing To");
    if (!h) return tl::unexpected(h.error());
    return parse_name_addr(h->value);
}

SipParseResult<std::string_view> SipMessageView::call_id() const noexcept {
    auto h = required(HeaderId::kCallId, "missing Call-ID");
    if (!h) return tl::unexpected(h.error());
    if (!is_valid_call_id(h->value)) {
        return sip_error(SipParseErrc::kBadValue, offset_of(h->value), "bad Call-ID");
    }
    return h->value;
}

SipParseResult<CSeqView> SipMessageView::cseq() const noexcept {
    auto h = required(HeaderId::kCSeq, "missing CSeq");
    if (!h) return tl::unexpected(h.error());
    auto c = CSeqView::parse(h->value);
    if (!c) return tl::unexpected(rebase(c.error(), offset_of(h->value)));
    return c;
}

SipParseResult<std::uint32_t> SipMessageView::max_forwards() const noexcept {
    auto h = required(HeaderId::kMaxForwards, "missing Max-Forwards");
    if (!h) return tl::unexpected(h.error());
    auto v = parse_decimal_value(h->value, 255);
    if (!v) return sip_error(SipParseErrc::kBadValue, offset_of(h->value), "bad Max-Forwards");
    return *v;
}

SipParseResult<ContentTypeView> SipMessageView::content_type() const noexcept {
    auto h = required(HeaderId::kContentType, "missing Content-Type");
    if (!h) return tl::unexpected(h.error());
    auto c = ContentTypeView::parse(h->value);
    if (!c) return tl::unexpected(rebase(c.error(), offset_of(h->value)));
    return c;
}

SipParseResult<std::uint32_t> SipMessageView::expires() const noexcept {
    auto h = required(HeaderId::kExpires, "missing Expires");
    if (!h) return tl::unexpected(h.error());
    auto v = parse_decimal_value(h->value);
    if (!v) return sip_error(SipParseErrc::kBadValue, offset_of(h->value), "bad Expires");
    return *v;
}

SipParseResult<void> SipMessageView::check_syntax() const noexcept {
    if (is_request()) {
        auto u = request_uri();
        if (!u) return tl::unexpected(u.error());
        if (!u->headers.empty()) {
            return sip_error(SipParseErrc::kBadValue, offset_of(u->headers),
                             "headers in Request-URI");
        }
    }
    bool contact_star = false;
    std::size_t contacts = 0;
    for (std::size_t i = 0; i < count_; ++i) {
        const HeaderField h = header(i);
        switch (h.id) {
            case HeaderId::kVia:
                for (std::string_view v : CommaList(h.value)) {
                    if (auto r = parse_via(v); !r) return tl::unexpected(r.error());
                }
                break;
            case HeaderId::kFrom:
            case HeaderId::kTo:
            case HeaderId::kReplyTo:
            case HeaderId::kReferTo:
            case HeaderId::kReferredBy:
                if (auto r = parse_name_addr(h.value); !r) return tl::unexpected(r.error());
                break;
            case HeaderId::kContact:
                for (std::string_view v : CommaList(h.value)) {
                    auto r = parse_name_addr(v, true);
                    if (!r) return tl::unexpected(r.error());
                    contact_star = contact_star || r->star;
                    ++contacts;
                    if (r->expires() == std::nullopt && r->param("expires")) {
                        return sip_error(SipParseErrc::kBadValue, offset_of(*r->param("expires")),
                                         "bad Contact expires");
                    }
                    if (r->q() == std::nullopt && r->param("q")) {
                        return sip_error(SipParseErrc::kBadValue, offset_of(*r->param("q")),
                                         "bad Contact q");
                    }
                }
                break;
            case HeaderId::kRoute:
            case HeaderId::kRecordRoute:
            case HeaderId::kPath:
            case HeaderId::kServiceRoute:
            case HeaderId::kPAssertedIdentity:
            case HeaderId::kPPreferredIdentity:
                for (std::string_view v : CommaList(h.value)) {
                    auto r = parse_name_addr(v);
                    if (!r) return tl::unexpected(r.error());
                    if (!r->angle_brackets && h.id != HeaderId::kPAssertedIdentity &&
                        h.id != HeaderId::kPPreferredIdentity) {
                        return sip_error(SipParseErrc::kBadValue, offset_of(v),
                                         "route without angle brackets");
                    }
                }
                break;
            case HeaderId::kCallId:
                if (!is_valid_call_id(h.value)) {
                    return sip_error(SipParseErrc::kBadValue, offset_of(h.value), "bad Call-ID");
                }
                break;
            case HeaderId::kCSeq:
                if (auto r = CSeqView::parse(h.value); !r) {
                    return tl::unexpected(rebase(r.error(), offset_of(h.value)));
                }
                break;
            case HeaderId::kMaxForwards:
                if (!parse_decimal_value(h.value, 255)) {
                    return sip_error(SipParseErrc::kBadValue, offset_of(h.value),
                                     "bad Max-Forwards");
                }
                break;
            case HeaderId::kExpires:
            case HeaderId::kMinExpires:
                if (!parse_decimal_value(h.value)) {
                    return sip_error(
                        SipParseErrc::kBadValue, offset_of(h.value),
                        h.id == HeaderId::kExpires ? "bad Expires" : "bad Min-Expires");
                }
                break;
            case HeaderId::kRSeq:
                if (!parse_decimal_value(h.value, 0x7fffffffU)) {
                    return sip_error(SipParseErrc::kBadValue, offset_of(h.value), "bad RSeq");
                }
                break;
            case HeaderId::kDate:
                // sip-date = rfc1123-date, always in GMT (RFC 3261 20.17; RFC 4475 3.1.2.12).
                if (!h.value.ends_with(" GMT")) {
                    return sip_error(SipParseErrc::kBadValue, offset_of(h.value),
                                     "Date not in GMT");
                }
                break;
            case HeaderId::kContentType:
                if (auto r = ContentTypeView::parse(h.value); !r) {
                    return tl::unexpected(rebase(r.error(), offset_of(h.value)));
                }
                break;
            case HeaderId::kRequire:
            case HeaderId::kProxyRequire:
            case HeaderId::kSupported:
            case HeaderId::kUnsupported:
            case HeaderId::kAllow:
                for (std::string_view v : CommaList(h.value)) {
                    if (!is_token(v)) {
                        return sip_error(SipParseErrc::kBadValue, offset_of(v),
                                         "list element is not a token");
                    }
                }
                break;
            default: break;
        }
    }
    if (contact_star && contacts > 1) {
        return sip_error(SipParseErrc::kBadValue, offset_of(find(HeaderId::kContact)->value),
                         "Contact '*' with other contacts");
    }
    return {};
}

}  // namespace rtpx::sip
