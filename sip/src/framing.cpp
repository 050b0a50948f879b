#include "rtpx/sip/framing.hpp"

#include <cstring>
#include <optional>
#include <string_view>

#include "rtpx/sip/header_id.hpp"
#include "rtpx/sip/headers.hpp"
#include "rtpx/sip/text.hpp"

namespace rtpx::sip {

SipParseResult<Frame> frame_stream(std::span<const std::uint8_t> received,
                                   const FramingLimits& limits) noexcept {
    const std::string_view s(reinterpret_cast<const char*>(received.data()), received.size());
    Frame f;
    std::size_t pos = 0;
    while (pos < s.size() && (s[pos] == '\r' || s[pos] == '\n')) ++pos;
    f.skip = pos;

    // Walk the header lines up to the blank line, noting Content-Length.
    std::optional<std::uint32_t> content_length;
    std::size_t line = pos;
    std::size_t header_end = 0;
    bool first_line = true;
    for (;;) {
        const void* nl =
            line < s.size() ? std::memchr(s.data() + line, '\n', s.size() - line) : nullptr;
        if (nl == nullptr) {
            if (s.size() - pos > limits.max_header_bytes) {
                return sip_error(SipParseErrc::kTooLarge, pos + limits.max_header_bytes,
                                 "header section larger than the limit");
            }
            f.status = FrameStatus::kNeedMore;
            return f;
        }
        const std::size_t next =
            static_cast<std::size_t>(static_cast<const char*>(nl) - s.data()) + 1;
        std::size_t end = next - 1;
        if (end > line && s[end - 1] == '\r') --end;
        if (next - pos > limits.max_header_bytes) {
            return sip_error(SipParseErrc::kTooLarge, pos + limits.max_header_bytes,
                             "header section larger than the limit");
        }
        if (end == line) {
            header_end = next;
            break;
        }
        if (!first_line && s[line] != ' ' && s[line] != '\t') {
            std::size_t i = line;
            while (i < end && is_token_char(s[i])) ++i;
            const std::string_view name = s.substr(line, i - line);
            while (i < end && (s[i] == ' ' || s[i] == '\t')) ++i;
            if (i < end && s[i] == ':' && lookup_header(name) == HeaderId::kContentLength) {
                auto cl = parse_decimal_value(s.substr(i + 1, end - i - 1));
                if (!cl)
                    return sip_error(SipParseErrc::kBadContentLength, i + 1, "bad Content-Length");
                if (content_length && *content_length != *cl) {
                    return sip_error(SipParseErrc::kBadContentLength, i + 1,
                                     "Content-Length fields disagree");
                }
                content_length = *cl;
            }
        }
        first_line = false;
        line = next;
    }
    if (!content_length) {
        return sip_error(SipParseErrc::kBadContentLength, header_end,
                         "missing Content-Length on a stream transport");
    }
    if (*content_length > limits.max_body_bytes) {
        return sip_error(SipParseErrc::kTooLarge, header_end, "body larger than the limit");
    }
    f.header_length = header_end - pos;
    f.length = f.header_length + *content_length;
    f.status = s.size() - pos >= f.length ? FrameStatus::kComplete : FrameStatus::kNeedMore;
    if (f.status == FrameStatus::kNeedMore) {
        f.length = 0;
        f.header_length = 0;
    }
    return f;
}

}  // namespace rtpx::sip
