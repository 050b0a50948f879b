#include "rtpx/sip/multipart.hpp"

#include <algorithm>

#include "rtpx/sip/message.hpp"
#include "rtpx/sip/text.hpp"

namespace rtpx::sip {
namespace {

// Position of the next delimiter line "--boundary" at or after `from` that starts a line (at the
// very start of the body, or after LF). npos when none.
std::size_t find_delimiter(std::string_view body, std::string_view boundary,
                           std::size_t from) noexcept {
    while (from < body.size()) {
        std::size_t at = body.find(boundary, from);
        if (at == std::string_view::npos || at < 2) {
            if (at == std::string_view::npos) return at;
            from = at + 1;
            continue;
        }
        const std::size_t dash = at - 2;
        if (body[dash] == '-' && body[dash + 1] == '-' && (dash == 0 || body[dash - 1] == '\n')) {
            return dash;
        }
        from = at + 1;
    }
    return std::string_view::npos;
}

// After "--boundary" at `dash`: returns the offset after the delimiter line, sets `close` for
// "--boundary--".
std::size_t after_delimiter(std::string_view body, std::size_t dash, std::size_t boundary_len,
                            bool& close) noexcept {
    std::size_t i = dash + 2 + boundary_len;
    close = body.substr(std::min(i, body.size()), 2) == "--";
    if (close) i += 2;
    while (i < body.size() && (body[i] == ' ' || body[i] == '\t')) ++i;  // transport padding
    if (i < body.size() && body[i] == '\r') ++i;
    if (i < body.size() && body[i] == '\n') ++i;
    return i;
}

std::string_view part_content_type(std::string_view headers) noexcept {
    std::size_t line = 0;
    while (line < headers.size()) {
        std::size_t nl = headers.find('\n', line);
        std::string_view l = headers.substr(line, nl == std::string_view::npos ? nl : nl - line);
        std::size_t colon = l.find(':');
        if (colon != std::string_view::npos) {
            std::string_view name = trim(l.substr(0, colon));
            if (ci_equal(name, "Content-Type") || ci_equal(name, "c"))
                return trim(l.substr(colon + 1));
        }
        if (nl == std::string_view::npos) break;
        line = nl + 1;
    }
    return "text/plain";  // RFC 2046 5.1: the default in a multipart body
}

}  // namespace

bool detail::MultipartCursor::next(MimePart& part) noexcept {
    if (done) return false;
    if (boundary.empty() || boundary.size() > 70) {
        err = SipParseError{SipParseErrc::kBadValue, 0, "bad multipart boundary"};
        done = true;
        return false;
    }
    bool close = false;
    if (!started) {
        std::size_t first = find_delimiter(body, boundary, 0);
        if (first == std::string_view::npos) {
            err = SipParseError{SipParseErrc::kBadValue, 0, "multipart body without delimiter"};
            done = true;
            return false;
        }
        pos = after_delimiter(body, first, boundary.size(), close);
        started = true;
        if (close) {
            done = true;
            return false;
        }
    }
    std::size_t next_delim = find_delimiter(body, boundary, pos);
    if (next_delim == std::string_view::npos) {
        err = SipParseError{SipParseErrc::kBadValue, static_cast<std::uint32_t>(body.size()),
                            "multipart body without close delimiter"};
        done = true;
        return false;
    }
    // The CRLF before the delimiter belongs to the delimiter (RFC 2046 5.1.1).
    std::size_t content_end = next_delim;
    if (content_end > pos && body[content_end - 1] == '\n') --content_end;
    if (content_end > pos && body[content_end - 1] == '\r') --content_end;
    std::string_view content = body.substr(pos, content_end - pos);
    pos = after_delimiter(body, next_delim, boundary.size(), close);
    if (close) done = true;

    // Part headers, a blank line, the part body. No headers: the part starts with the blank line.
    std::size_t body_start = 0;
    std::string_view headers;
    if (content.starts_with("\r\n")) {
        body_start = 2;
    } else if (content.starts_with("\n")) {
        body_start = 1;
    } else {
        std::size_t blank = content.find("\r\n\r\n");
        std::size_t blank_lf = content.find("\n\n");
        if (blank != std::string_view::npos &&
            (blank_lf == std::string_view::npos || blank < blank_lf)) {
            headers = content.substr(0, blank);
            body_start = blank + 4;
        } else if (blank_lf != std::string_view::npos) {
            headers = content.substr(0, blank_lf);
            body_start = blank_lf + 2;
        } else {
            headers = content;
            body_start = content.size();
        }
    }
    part.headers = headers;
    part.content_type = part_content_type(headers);
    part.body = content.substr(body_start);
    return true;
}

namespace {

std::optional<MimePart> find_part_depth(std::string_view body, std::string_view boundary,
                                        std::string_view type, std::string_view subtype,
                                        int depth) noexcept {
    std::optional<MimePart> found;
    auto ok = for_each_part(body, boundary, [&](const MimePart& p) {
        auto ct = ContentTypeView::parse(p.content_type);
        if (!ct) return true;
        if (ct->is(type, subtype)) {
            found = p;
            return false;
        }
        if (depth > 0 && ci_equal(ct->type, "multipart")) {
            found = find_part_depth(p.body, ct->boundary(), type, subtype, depth - 1);
            return !found.has_value();
        }
        return true;
    });
    (void)ok;  // a malformed tail does not hide a part found before it
    return found;
}

}  // namespace

std::optional<MimePart> find_part(std::string_view body, std::string_view boundary,
                                  std::string_view type, std::string_view subtype) noexcept {
    return find_part_depth(body, boundary, type, subtype, 4);
}

std::optional<std::string_view> find_sdp_body(const SipMessageView& message) noexcept {
    if (message.body().empty()) return std::nullopt;
    auto ct = message.content_type();
    if (!ct) return std::nullopt;
    if (ct->is("application", "sdp")) return message.body();
    if (ci_equal(ct->type, "multipart")) {
        auto part = find_part(message.body(), ct->boundary(), "application", "sdp");
        if (part) return part->body;
    }
    return std::nullopt;
}

}  // namespace rtpx::sip
