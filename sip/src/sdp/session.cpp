// SDP parser and serialiser (RFC 8866). See session.hpp for what is strict and what is lenient.
#include "rtpx/sip/sdp/session.hpp"

#include <algorithm>
#include <array>

#include "rtpx/sip/sdp/attributes.hpp"
#include "rtpx/sip/text.hpp"

namespace rtpx::sip::sdp {
namespace {

// A field of a line and its offset in the line's value.
struct Field {
    std::string_view text;
    std::size_t offset = 0;
};

// Splits `s` at runs of spaces into at most N fields; returns the count, or N + 1 if there are
// more.
template <std::size_t N>
std::size_t split_fields(std::string_view s, std::array<Field, N>& out) noexcept {
    std::size_t n = 0;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && s[i] == ' ') ++i;
        if (i == s.size()) break;
        std::size_t start = i;
        while (i < s.size() && s[i] != ' ') ++i;
        if (n == N) return N + 1;
        out[n++] = Field{s.substr(start, i - start), start};
    }
    return n;
}

bool is_visible(char c) noexcept {
    return c > 0x20 && c < 0x7f;
}

bool valid_address(std::string_view addrtype, std::string_view addr) noexcept {
    if (addr.empty()) return false;
    for (char c : addr) {
        if (!is_visible(c) || c == '/') return false;
        if (c == ':' && ci_equal(addrtype, "IP4")) return false;
    }
    return true;
}

// RFC 8866 typed-time: digits, optionally followed by d, h, m or s; negative allowed in z= offsets.
bool valid_typed_time(std::string_view s, bool allow_negative) noexcept {
    if (allow_negative && !s.empty() && s.front() == '-') s.remove_prefix(1);
    if (!s.empty() && (s.back() == 'd' || s.back() == 'h' || s.back() == 'm' || s.back() == 's')) {
        s.remove_suffix(1);
    }
    return parse_uint(s).has_value();
}

bool valid_proto(std::string_view s) noexcept {
    if (s.empty()) return false;
    for (char c : s) {
        if (!is_token_char(c) && c != '/') return false;
    }
    return true;
}

SdpResult<Origin> parse_origin(std::string_view v, std::size_t base) noexcept {
    std::array<Field, 6> f;
    if (split_fields(v, f) != 6)
        return sdp_error(SdpErrc::kBadValue, base, "o= line: expected 6 fields");
    Origin o;
    o.username = std::string(f[0].text);
    o.sess_id = std::string(f[1].text);
    auto version = parse_uint(f[2].text);
    if (!version)
        return sdp_error(SdpErrc::kBadValue, base + f[2].offset, "o= line: bad sess-version");
    o.sess_version = *version;
    if (!is_token(f[3].text))
        return sdp_error(SdpErrc::kBadValue, base + f[3].offset, "o= line: bad nettype");
    if (!is_token(f[4].text))
        return sdp_error(SdpErrc::kBadValue, base + f[4].offset, "o= line: bad addrtype");
    if (!valid_address(f[4].text, f[5].text)) {
        return sdp_error(SdpErrc::kBadValue, base + f[5].offset, "o= line: bad address");
    }
    o.nettype = std::string(f[3].text);
    o.addrtype = std::string(f[4].text);
    o.address = std::string(f[5].text);
    return o;
}

SdpResult<Bandwidth> parse_bandwidth(std::string_view v, std::size_t base) noexcept {
    auto colon = v.find(':');
    if (colon == std::string_view::npos || !is_token(v.substr(0, colon))) {
        return sdp_error(SdpErrc::kBadValue, base, "b= line: bad bandwidth type");
    }
    auto value = parse_uint(v.substr(colon + 1));
    if (!value) return sdp_error(SdpErrc::kBadValue, base + colon + 1, "b= line: bad bandwidth");
    return Bandwidth{std::string(v.substr(0, colon)), *value};
}

SdpResult<Timing> parse_timing(std::string_view v, std::size_t base) noexcept {
    std::array<Field, 2> f;
    if (split_fields(v, f) != 2)
        return sdp_error(SdpErrc::kBadValue, base, "t= line: expected start and stop times");
    auto start = parse_uint(f[0].text);
    if (!start) return sdp_error(SdpErrc::kBadValue, base + f[0].offset, "t= line: bad start time");
    auto stop = parse_uint(f[1].text);
    if (!stop) return sdp_error(SdpErrc::kBadValue, base + f[1].offset, "t= line: bad stop time");
    return Timing{*start, *stop, {}};
}

SdpResult<void> check_repeat(std::string_view v, std::size_t base) noexcept {
    std::array<Field, 64> f;
    auto n = split_fields(v, f);
    if (n < 3 || n > f.size())
        return sdp_error(SdpErrc::kBadValue, base,
                         "r= line: expected interval, duration and offsets");
    for (std::size_t i = 0; i < n; ++i) {
        if (!valid_typed_time(f[i].text, false)) {
            return sdp_error(SdpErrc::kBadValue, base + f[i].offset, "r= line: bad time");
        }
    }
    return {};
}

SdpResult<void> check_zone(std::string_view v, std::size_t base) noexcept {
    std::array<Field, 64> f;
    auto n = split_fields(v, f);
    if (n < 2 || n > f.size() || n % 2 != 0) {
        return sdp_error(SdpErrc::kBadValue, base,
                         "z= line: expected adjustment time and offset pairs");
    }
    for (std::size_t i = 0; i < n; ++i) {
        bool ok =
            i % 2 == 0 ? parse_uint(f[i].text).has_value() : valid_typed_time(f[i].text, true);
        if (!ok) return sdp_error(SdpErrc::kBadValue, base + f[i].offset, "z= line: bad time");
    }
    return {};
}

SdpResult<MediaDescription> parse_media_line(std::string_view v, std::size_t base) noexcept {
    MediaDescription m;
    m.formats.reserve(8);
    m.attributes.reserve(16);  // typical sections carry 5-30 attributes: few regrowths
    std::size_t i = 0;
    auto next = [&]() -> Field {
        while (i < v.size() && v[i] == ' ') ++i;
        std::size_t start = i;
        while (i < v.size() && v[i] != ' ') ++i;
        return Field{v.substr(start, i - start), start};
    };
    Field media = next();
    if (!is_token(media.text))
        return sdp_error(SdpErrc::kBadValue, base + media.offset, "m= line: bad media type");
    Field port = next();
    auto slash = port.text.find('/');
    auto number = parse_uint(port.text.substr(0, slash), 65535);
    if (!number) return sdp_error(SdpErrc::kBadValue, base + port.offset, "m= line: bad port");
    if (slash != std::string_view::npos) {
        auto count = parse_uint(port.text.substr(slash + 1), UINT32_MAX);
        if (!count || *count == 0) {
            return sdp_error(SdpErrc::kBadValue, base + port.offset + slash + 1,
                             "m= line: bad number of ports");
        }
        m.port_count = static_cast<std::uint32_t>(*count);
    }
    m.port = static_cast<std::uint16_t>(*number);
    Field proto = next();
    if (!valid_proto(proto.text))
        return sdp_error(SdpErrc::kBadValue, base + proto.offset, "m= line: bad proto");
    m.media = std::string(media.text);
    m.proto = std::string(proto.text);
    const bool rtp = m.rtp_proto();
    for (Field f = next(); !f.text.empty(); f = next()) {
        if (rtp ? !parse_uint(f.text, 127) : !is_token(f.text)) {
            return sdp_error(SdpErrc::kBadValue, base + f.offset, "m= line: bad format");
        }
        m.formats.emplace_back(f.text);
    }
    if (m.formats.empty() && m.port != 0) {
        return sdp_error(SdpErrc::kBadValue, base + v.size(), "m= line: no formats");
    }
    return m;
}

// <nettype> <addrtype> <address>[/<ttl>][/<count>]
void append_connection(std::string& out, const Connection& c) {
    out.append(c.nettype).append(" ").append(c.addrtype).append(" ").append(c.address);
    if (c.ttl) out.append("/").append(std::to_string(*c.ttl));
    if (c.count) out.append("/").append(std::to_string(*c.count));
}

constexpr std::string_view kKnownTypes = "vosiuepcbtrzkam";

}  // namespace

bool MediaDescription::rtp_proto() const noexcept {
    for (std::size_t i = 0; i + 4 <= proto.size(); ++i) {
        if (ci_equal(std::string_view(proto).substr(i, 4), "RTP/")) return true;
    }
    return false;
}

SdpResult<Connection> parse_connection(std::string_view v) noexcept {
    std::array<Field, 3> f;
    if (split_fields(v, f) != 3)
        return sdp_error(SdpErrc::kBadValue, 0, "c= line: expected 3 fields");
    if (!is_token(f[0].text))
        return sdp_error(SdpErrc::kBadValue, f[0].offset, "c= line: bad nettype");
    if (!is_token(f[1].text))
        return sdp_error(SdpErrc::kBadValue, f[1].offset, "c= line: bad addrtype");
    Connection c;
    c.nettype = std::string(f[0].text);
    c.addrtype = std::string(f[1].text);
    std::string_view addr = f[2].text;
    auto slash = addr.find('/');
    std::string_view rest;
    if (slash != std::string_view::npos) {
        rest = addr.substr(slash + 1);
        addr = addr.substr(0, slash);
    }
    if (!valid_address(c.addrtype, addr)) {
        return sdp_error(SdpErrc::kBadValue, f[2].offset, "c= line: bad address");
    }
    c.address = std::string(addr);
    if (slash != std::string_view::npos) {
        const std::size_t at = f[2].offset + slash + 1;
        auto second = rest.find('/');
        auto first = parse_uint(rest.substr(0, second), UINT32_MAX);
        if (!first) return sdp_error(SdpErrc::kBadValue, at, "c= line: bad TTL or address count");
        if (ci_equal(c.addrtype, "IP6")) {
            // IP6 multicast has no TTL: the only suffix is the number of addresses.
            if (second != std::string_view::npos) {
                return sdp_error(SdpErrc::kBadValue, at + second,
                                 "c= line: IP6 address with a TTL");
            }
            c.count = static_cast<std::uint32_t>(*first);
        } else {
            if (*first > 255) return sdp_error(SdpErrc::kBadValue, at, "c= line: TTL above 255");
            c.ttl = static_cast<std::uint32_t>(*first);
            if (second != std::string_view::npos) {
                auto count = parse_uint(rest.substr(second + 1), UINT32_MAX);
                if (!count)
                    return sdp_error(SdpErrc::kBadValue, at + second + 1,
                                     "c= line: bad address count");
                c.count = static_cast<std::uint32_t>(*count);
            }
        }
    }
    return c;
}

std::string to_string(const Connection& c) {
    std::string out;
    out.reserve(c.nettype.size() + c.addrtype.size() + c.address.size() + 16);
    append_connection(out, c);
    return out;
}

Connection connection_for(std::string_view address) {
    Connection c;
    c.addrtype = address.find(':') != std::string_view::npos ? "IP6" : "IP4";
    c.address = std::string(address);
    return c;
}

SdpResult<SessionDescription> parse(std::string_view text) noexcept {
    if (text.size() > kMaxSdpSize)
        return sdp_error(SdpErrc::kTooLarge, kMaxSdpSize, "SDP larger than 256 KiB");
    SessionDescription s;
    s.session_name.clear();
    s.media.reserve(4);
    bool seen_v = false, seen_o = false, seen_s = false;
    std::size_t media_line_offset = 0;  // of the current m= line
    std::vector<std::size_t> media_offsets;
    std::size_t lines = 0;

    auto check_media_connection = [&]() -> SdpResult<void> {
        if (s.media.empty()) return {};
        const auto& m = s.media.back();
        if (m.connections.empty() && !s.connection && m.port != 0) {
            return sdp_error(SdpErrc::kMissingLine, media_line_offset,
                             "m= line: no c= line in the media section or the session");
        }
        return {};
    };

    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t start = pos;
        auto nl = text.find('\n', pos);
        std::size_t end = nl == std::string_view::npos ? text.size() : nl;
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
        std::string_view line = text.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) continue;  // lenient: blank lines (usually trailing) are skipped
        if (++lines > kMaxLines)
            return sdp_error(SdpErrc::kTooLarge, start, "SDP has more than 8192 lines");
        bool stray = false;  // branch-free so the compiler vectorises the scan
        for (char c : line) stray |= (c == '\r') | (c == '\0');
        if (stray) {
            const auto bad = std::min(line.find('\r'), line.find('\0'));
            return sdp_error(SdpErrc::kBadLine, start + bad, "stray CR or NUL inside a line");
        }
        if (line.size() < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z') {
            return sdp_error(SdpErrc::kBadLine, start, "line is not <type>=<value>");
        }
        const char type = line[0];
        const std::string_view value = line.substr(2);
        const std::size_t base = start + 2;
        if (kKnownTypes.find(type) == std::string_view::npos) {
            return sdp_error(SdpErrc::kBadLine, start, "unknown line type");
        }
        if (!seen_v) {
            if (type != 'v')
                return sdp_error(SdpErrc::kBadOrder, start, "v= line: must be the first line");
            if (value != "0")
                return sdp_error(SdpErrc::kBadValue, base, "v= line: version is not 0");
            seen_v = true;
            continue;
        }
        if (type == 'v') return sdp_error(SdpErrc::kBadOrder, start, "v= line: repeated");

        if (type == 'm') {
            if (auto ok = check_media_connection(); !ok) return tl::unexpected(ok.error());
            if (s.media.size() == kMaxMediaSections) {
                return sdp_error(SdpErrc::kTooLarge, start, "SDP has more than 256 media sections");
            }
            auto m = parse_media_line(value, base);
            if (!m) return tl::unexpected(m.error());
            s.media.push_back(std::move(*m));
            media_line_offset = start;
            continue;
        }

        if (!s.media.empty()) {  // inside a media section: i, c, b, k, a
            auto& m = s.media.back();
            switch (type) {
                case 'i':
                    if (m.information)
                        return sdp_error(SdpErrc::kBadOrder, start,
                                         "i= line: repeated in a media section");
                    m.information = std::string(value);
                    break;
                case 'c': {
                    auto c = parse_connection(value);
                    if (!c)
                        return sdp_error(c.error().code, base + c.error().offset, c.error().what);
                    m.connections.push_back(std::move(*c));
                    break;
                }
                case 'b': {
                    auto b = parse_bandwidth(value, base);
                    if (!b) return tl::unexpected(b.error());
                    m.bandwidths.push_back(std::move(*b));
                    break;
                }
                case 'k':
                    if (m.key)
                        return sdp_error(SdpErrc::kBadOrder, start,
                                         "k= line: repeated in a media section");
                    m.key = std::string(value);
                    break;
                case 'a': break;  // below
                default:
                    return sdp_error(SdpErrc::kBadOrder, start,
                                     "line type not allowed in a media section");
            }
            if (type != 'a') continue;
        }

        switch (type) {
            case 'o': {
                if (seen_o) return sdp_error(SdpErrc::kBadOrder, start, "o= line: repeated");
                auto o = parse_origin(value, base);
                if (!o) return tl::unexpected(o.error());
                s.origin = std::move(*o);
                seen_o = true;
                break;
            }
            case 's':
                if (seen_s) return sdp_error(SdpErrc::kBadOrder, start, "s= line: repeated");
                s.session_name = std::string(value);
                seen_s = true;
                break;
            case 'i':
                if (s.information) return sdp_error(SdpErrc::kBadOrder, start, "i= line: repeated");
                s.information = std::string(value);
                break;
            case 'u':
                if (s.uri) return sdp_error(SdpErrc::kBadOrder, start, "u= line: repeated");
                s.uri = std::string(value);
                break;
            case 'e': s.emails.emplace_back(value); break;
            case 'p': s.phones.emplace_back(value); break;
            case 'c': {
                if (s.connection)
                    return sdp_error(SdpErrc::kBadOrder, start,
                                     "c= line: repeated at session level");
                auto c = parse_connection(value);
                if (!c) return sdp_error(c.error().code, base + c.error().offset, c.error().what);
                s.connection = std::move(*c);
                break;
            }
            case 'b': {
                auto b = parse_bandwidth(value, base);
                if (!b) return tl::unexpected(b.error());
                s.bandwidths.push_back(std::move(*b));
                break;
            }
            case 't': {
                auto t = parse_timing(value, base);
                if (!t) return tl::unexpected(t.error());
                s.timings.push_back(std::move(*t));
                break;
            }
            case 'r': {
                if (s.timings.empty())
                    return sdp_error(SdpErrc::kBadOrder, start, "r= line: not after a t= line");
                if (auto ok = check_repeat(value, base); !ok) return tl::unexpected(ok.error());
                s.timings.back().repeats.emplace_back(value);
                break;
            }
            case 'z':
                if (s.zone_adjustments)
                    return sdp_error(SdpErrc::kBadOrder, start, "z= line: repeated");
                if (auto ok = check_zone(value, base); !ok) return tl::unexpected(ok.error());
                s.zone_adjustments = std::string(value);
                break;
            case 'k':
                if (s.key) return sdp_error(SdpErrc::kBadOrder, start, "k= line: repeated");
                s.key = std::string(value);
                break;
            case 'a': {
                auto colon = value.find(':');
                std::string_view name = value.substr(0, colon);
                if (!is_token(name))
                    return sdp_error(SdpErrc::kBadValue, base, "a= line: bad attribute name");
                std::optional<std::string_view> attr_value;
                if (colon != std::string_view::npos) attr_value = value.substr(colon + 1);
                if (auto ok = validate_attribute(name, attr_value); !ok) {
                    return sdp_error(ok.error().code, base + colon + 1 + ok.error().offset,
                                     ok.error().what);
                }
                auto& list = s.media.empty() ? s.attributes : s.media.back().attributes;
                Attribute a;
                a.name = std::string(name);
                if (attr_value) a.value = std::string(*attr_value);
                list.push_back(std::move(a));
                break;
            }
            default: break;
        }
    }
    if (!seen_v) return sdp_error(SdpErrc::kMissingLine, text.size(), "v= line missing");
    if (!seen_o) return sdp_error(SdpErrc::kMissingLine, text.size(), "o= line missing");
    if (!seen_s) return sdp_error(SdpErrc::kMissingLine, text.size(), "s= line missing");
    if (auto ok = check_media_connection(); !ok) return tl::unexpected(ok.error());
    return s;
}

namespace {

void put_line(std::string& out, char type, std::string_view value) {
    out.push_back(type);
    out.push_back('=');
    out.append(value);
    out.append("\r\n");
}

void put_connection(std::string& out, const Connection& c) {
    out.append("c=");
    append_connection(out, c);
    out.append("\r\n");
}

void put_bandwidths(std::string& out, const std::vector<Bandwidth>& bws) {
    for (const auto& b : bws) {
        out.append("b=").append(b.type).append(":").append(std::to_string(b.value)).append("\r\n");
    }
}

void put_attributes(std::string& out, const AttributeList& list) {
    for (const auto& a : list) {
        out.append("a=").append(a.name);
        if (a.value) out.append(":").append(*a.value);
        out.append("\r\n");
    }
}

}  // namespace

void serialise_to(const SessionDescription& s, std::string& out) {
    out.append("v=0\r\n");
    const auto& o = s.origin;
    out.append("o=").append(o.username).append(" ").append(o.sess_id).append(" ");
    out.append(std::to_string(o.sess_version)).append(" ").append(o.nettype).append(" ");
    out.append(o.addrtype).append(" ").append(o.address).append("\r\n");
    put_line(out, 's', s.session_name);
    if (s.information) put_line(out, 'i', *s.information);
    if (s.uri) put_line(out, 'u', *s.uri);
    for (const auto& e : s.emails) put_line(out, 'e', e);
    for (const auto& p : s.phones) put_line(out, 'p', p);
    if (s.connection) put_connection(out, *s.connection);
    put_bandwidths(out, s.bandwidths);
    for (const auto& t : s.timings) {
        out.append("t=").append(std::to_string(t.start)).append(" ").append(std::to_string(t.stop));
        out.append("\r\n");
        for (const auto& r : t.repeats) put_line(out, 'r', r);
    }
    if (s.zone_adjustments) put_line(out, 'z', *s.zone_adjustments);
    if (s.key) put_line(out, 'k', *s.key);
    put_attributes(out, s.attributes);
    for (const auto& m : s.media) {
        out.append("m=").append(m.media).append(" ").append(std::to_string(m.port));
        if (m.port_count) out.append("/").append(std::to_string(*m.port_count));
        out.append(" ").append(m.proto);
        for (const auto& f : m.formats) out.append(" ").append(f);
        out.append("\r\n");
        if (m.information) put_line(out, 'i', *m.information);
        for (const auto& c : m.connections) put_connection(out, c);
        put_bandwidths(out, m.bandwidths);
        if (m.key) put_line(out, 'k', *m.key);
        put_attributes(out, m.attributes);
    }
}

std::string serialise(const SessionDescription& session) {
    std::string out;
    out.reserve(512);
    serialise_to(session, out);
    return out;
}

}  // namespace rtpx::sip::sdp
