// Typed SDP attribute parsers and the attribute list helpers (attributes.hpp).
#include "rtpx/sip/sdp/attributes.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "rtpx/sip/text.hpp"

namespace rtpx::sip::sdp {
namespace {

// Splits "head rest" at the first space; rest has its leading spaces removed. `rest_offset` is
// where rest starts in s (s.size() when there is none).
struct Split {
    std::string_view head;
    std::string_view rest;
    std::size_t rest_offset;
};
Split split_space(std::string_view s) noexcept {
    auto sp = s.find(' ');
    if (sp == std::string_view::npos) return {s, {}, s.size()};
    std::size_t r = sp;
    while (r < s.size() && s[r] == ' ') ++r;
    return {s.substr(0, sp), s.substr(r), r};
}

// Calls take(word) for each space-separated word of `rest`, which starts at offset `at` of the
// value; returns the offset of the first word take() refuses, or nullopt when it takes them all.
template <class Take>
std::optional<std::size_t> take_words(std::string_view rest, std::size_t at, Take take) {
    while (!rest.empty()) {
        auto [word, more, next] = split_space(rest);
        if (!take(word)) return at;
        rest = more;
        at += next;
    }
    return std::nullopt;
}

bool is_visible_text(std::string_view s) noexcept {
    if (s.empty()) return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

// RFC 8851 rid-id, RFC 4568 suite: letters, digits, '-' and '_'.
bool is_word(std::string_view s) noexcept {
    if (s.empty()) return false;
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return is_alpha(c) || is_digit(c) || c == '-' || c == '_'; });
}

std::string uint_text(std::uint64_t v) {
    return std::to_string(v);
}

}  // namespace

// --- lookup and edit ---------------------------------------------------------------------------
const Attribute* find_attribute(const AttributeList& list, std::string_view name) noexcept {
    for (const auto& a : list) {
        if (ci_equal(a.name, name)) return &a;
    }
    return nullptr;
}

bool has_attribute(const AttributeList& list, std::string_view name) noexcept {
    return find_attribute(list, name) != nullptr;
}

std::size_t count_attributes(const AttributeList& list, std::string_view name) noexcept {
    return static_cast<std::size_t>(std::count_if(
        list.begin(), list.end(), [&](const Attribute& a) { return ci_equal(a.name, name); }));
}

std::size_t remove_attributes(AttributeList& list, std::string_view name) {
    return std::erase_if(list, [&](const Attribute& a) { return ci_equal(a.name, name); });
}

// --- direction
// ------------------------------------------------------------------------------------
std::string_view to_string(Direction d) noexcept {
    switch (d) {
        case Direction::kSendRecv: return "sendrecv";
        case Direction::kSendOnly: return "sendonly";
        case Direction::kRecvOnly: return "recvonly";
        case Direction::kInactive: return "inactive";
    }
    return "sendrecv";
}

std::optional<Direction> direction_from_name(std::string_view name) noexcept {
    for (auto d :
         {Direction::kSendRecv, Direction::kSendOnly, Direction::kRecvOnly, Direction::kInactive}) {
        if (ci_equal(name, to_string(d))) return d;
    }
    return std::nullopt;
}

std::optional<Direction> find_direction(const AttributeList& list) noexcept {
    std::optional<Direction> found;
    for (const auto& a : list) {
        if (auto d = direction_from_name(a.name)) found = d;
    }
    return found;
}

Direction effective_direction(const SessionDescription& session,
                              const MediaDescription& media) noexcept {
    if (auto d = find_direction(media.attributes)) return *d;
    if (auto d = find_direction(session.attributes)) return *d;
    return Direction::kSendRecv;
}

void set_direction(AttributeList& list, Direction d) {
    bool placed = false;
    std::erase_if(list, [&](Attribute& a) {
        if (!direction_from_name(a.name)) return false;
        if (placed) return true;
        a = Attribute{std::string(to_string(d)), std::nullopt};
        placed = true;
        return false;
    });
    if (!placed) list.push_back(Attribute{std::string(to_string(d)), std::nullopt});
}

// --- rtpmap, fmtp, ptime
// --------------------------------------------------------------------------
SdpResult<Rtpmap> parse_rtpmap(std::string_view v) noexcept {
    auto [pt_text, rest, at] = split_space(v);
    auto pt = parse_uint(pt_text, 127);
    if (!pt) return sdp_error(SdpErrc::kBadValue, 0, "a=rtpmap: bad payload type");
    Rtpmap r;
    r.payload_type = static_cast<std::uint8_t>(*pt);
    auto slash = rest.find('/');
    r.encoding = rest.substr(0, slash);
    if (!is_visible_text(r.encoding) || slash == std::string_view::npos) {
        return sdp_error(SdpErrc::kBadValue, at, "a=rtpmap: bad encoding name");
    }
    auto clock_text = rest.substr(slash + 1);
    auto slash2 = clock_text.find('/');
    auto clock = parse_uint(clock_text.substr(0, slash2), UINT32_MAX);
    if (!clock || *clock == 0)
        return sdp_error(SdpErrc::kBadValue, at + slash + 1, "a=rtpmap: bad clock rate");
    r.clock_rate = static_cast<std::uint32_t>(*clock);
    if (slash2 != std::string_view::npos) {
        auto channels = parse_uint(clock_text.substr(slash2 + 1), 65535);
        if (!channels || *channels == 0) {
            return sdp_error(SdpErrc::kBadValue, at + slash + 2 + slash2,
                             "a=rtpmap: bad encoding parameters");
        }
        r.channels = static_cast<std::uint16_t>(*channels);
    }
    return r;
}

std::string to_value(const Rtpmap& r) {
    std::string out = uint_text(r.payload_type);
    out.append(" ").append(r.encoding).append("/").append(uint_text(r.clock_rate));
    if (r.channels) out.append("/").append(uint_text(*r.channels));
    return out;
}

SdpResult<Fmtp> parse_fmtp(std::string_view v) noexcept {
    auto [format, rest, at] = split_space(v);
    (void)at;
    if (!is_visible_text(format)) return sdp_error(SdpErrc::kBadValue, 0, "a=fmtp: bad format");
    return Fmtp{format, rest};
}

std::optional<std::string_view> fmtp_parameter(std::string_view parameters,
                                               std::string_view name) noexcept {
    while (!parameters.empty()) {
        auto semi = parameters.find(';');
        std::string_view item = trim(parameters.substr(0, semi));
        parameters =
            semi == std::string_view::npos ? std::string_view{} : parameters.substr(semi + 1);
        auto eq = item.find('=');
        if (ci_equal(trim(item.substr(0, eq)), name)) {
            return eq == std::string_view::npos ? std::string_view{} : trim(item.substr(eq + 1));
        }
    }
    return std::nullopt;
}

SdpResult<double> parse_ptime(std::string_view v) noexcept {
    auto dot = v.find('.');
    auto whole = parse_uint(v.substr(0, dot), 1'000'000);
    if (!whole) return sdp_error(SdpErrc::kBadValue, 0, "a=ptime: bad packet time");
    double ms = static_cast<double>(*whole);
    if (dot != std::string_view::npos) {
        auto frac = v.substr(dot + 1);
        if (frac.empty() || frac.size() > 6 || !parse_uint(frac)) {
            return sdp_error(SdpErrc::kBadValue, dot + 1, "a=ptime: bad packet time fraction");
        }
        double scale = 0.1;
        for (char c : frac) {
            ms += (c - '0') * scale;
            scale /= 10;
        }
    }
    return ms;
}

std::optional<StaticPayloadType> static_payload_type(std::uint8_t pt) noexcept {
    // RFC 3551 tables 4 and 5 (and the later-assigned 33 MP2T, 34 H263).
    static constexpr std::array<StaticPayloadType, 35> kTable = {{
        {"PCMU", 8000, 1},
        {},
        {},
        {"GSM", 8000, 1},
        {"G723", 8000, 1},
        {"DVI4", 8000, 1},
        {"DVI4", 16000, 1},
        {"LPC", 8000, 1},
        {"PCMA", 8000, 1},
        {"G722", 8000, 1},
        {"L16", 44100, 2},
        {"L16", 44100, 1},
        {"QCELP", 8000, 1},
        {"CN", 8000, 1},
        {"MPA", 90000, 1},
        {"G728", 8000, 1},
        {"DVI4", 11025, 1},
        {"DVI4", 22050, 1},
        {"G729", 8000, 1},
        {},
        {},
        {},
        {},
        {},
        {},
        {"CelB", 90000, 1},
        {"JPEG", 90000, 1},
        {},
        {"nv", 90000, 1},
        {},
        {},
        {"H261", 90000, 1},
        {"MPV", 90000, 1},
        {"MP2T", 90000, 1},
        {"H263", 90000, 1},
    }};
    if (pt >= kTable.size() || kTable[pt].encoding.empty()) return std::nullopt;
    return kTable[pt];
}

std::optional<PayloadFormat> payload_format(const MediaDescription& media,
                                            std::uint8_t payload_type) noexcept {
    PayloadFormat f;
    f.payload_type = payload_type;
    std::array<char, 4> pt_text{};
    auto [end, ec] = std::to_chars(pt_text.data(), pt_text.data() + pt_text.size(), payload_type);
    (void)ec;
    const std::string_view pt_view(pt_text.data(), static_cast<std::size_t>(end - pt_text.data()));
    for (const auto& a : media.attributes) {
        if (!a.value) continue;
        if (!f.from_rtpmap && ci_equal(a.name, "rtpmap")) {
            auto r = parse_rtpmap(*a.value);
            if (r && r->payload_type == payload_type) {
                f.encoding = r->encoding;
                f.clock_rate = r->clock_rate;
                f.channels = r->channels.value_or(1);
                f.from_rtpmap = true;
            }
        } else if (!f.fmtp && ci_equal(a.name, "fmtp")) {
            auto p = parse_fmtp(*a.value);
            if (p && p->format == pt_view) f.fmtp = p->parameters;
        }
    }
    if (!f.from_rtpmap) {
        if (auto s = static_payload_type(payload_type)) {
            f.encoding = s->encoding;
            f.clock_rate = s->clock_rate;
            f.channels = s->channels;
        } else if (!f.fmtp) {
            return std::nullopt;
        }
    }
    return f;
}

// --- rtcp, rtcp-fb
// --------------------------------------------------------------------------------
SdpResult<Rtcp> parse_rtcp(std::string_view v) noexcept {
    auto [port_text, rest, at] = split_space(v);
    auto port = parse_uint(port_text, 65535);
    if (!port) return sdp_error(SdpErrc::kBadValue, 0, "a=rtcp: bad port");
    Rtcp r;
    r.port = static_cast<std::uint16_t>(*port);
    if (!rest.empty()) {
        auto c = parse_connection(rest);
        if (!c)
            return sdp_error(SdpErrc::kBadValue, at + c.error().offset,
                             "a=rtcp: bad connection address");
        r.connection = std::move(*c);
    }
    return r;
}

std::string to_value(const Rtcp& r) {
    std::string out = uint_text(r.port);
    if (r.connection) out.append(" ").append(to_string(*r.connection));
    return out;
}

SdpResult<RtcpFb> parse_rtcp_fb(std::string_view v) noexcept {
    auto [pt, rest, at] = split_space(v);
    if (pt != "*" && !parse_uint(pt, 127))
        return sdp_error(SdpErrc::kBadValue, 0, "a=rtcp-fb: bad payload type");
    auto [type, params, at2] = split_space(rest);
    (void)at2;
    if (!is_token(type)) return sdp_error(SdpErrc::kBadValue, at, "a=rtcp-fb: bad feedback type");
    return RtcpFb{pt, type, params};
}

// --- extmap
// ---------------------------------------------------------------------------------------
SdpResult<Extmap> parse_extmap(std::string_view v) noexcept {
    auto [id_text, rest, at] = split_space(v);
    auto slash = id_text.find('/');
    auto id = parse_uint(id_text.substr(0, slash), 4351);
    if (!id || *id == 0 || (*id > 255 && *id < 4096)) {
        return sdp_error(SdpErrc::kBadValue, 0, "a=extmap: bad ID");
    }
    Extmap e;
    e.id = static_cast<std::uint16_t>(*id);
    if (slash != std::string_view::npos) {
        e.direction = direction_from_name(id_text.substr(slash + 1));
        if (!e.direction)
            return sdp_error(SdpErrc::kBadValue, slash + 1, "a=extmap: bad direction");
    }
    auto [uri, attrs, at2] = split_space(rest);
    (void)at2;
    if (!is_visible_text(uri)) return sdp_error(SdpErrc::kBadValue, at, "a=extmap: bad URI");
    e.uri = uri;
    e.attributes = attrs;
    return e;
}

std::string to_value(const Extmap& e) {
    std::string out = uint_text(e.id);
    if (e.direction) out.append("/").append(to_string(*e.direction));
    out.append(" ").append(e.uri);
    if (!e.attributes.empty()) out.append(" ").append(e.attributes);
    return out;
}

// --- crypto
// ---------------------------------------------------------------------------------------
SdpResult<Crypto> parse_crypto(std::string_view v) noexcept {
    auto [tag_text, rest, at] = split_space(v);
    auto tag = tag_text.size() <= 9 ? parse_uint(tag_text) : std::nullopt;
    if (!tag) return sdp_error(SdpErrc::kBadValue, 0, "a=crypto: bad tag");
    auto [suite, rest2, at2] = split_space(rest);
    if (!is_word(suite)) return sdp_error(SdpErrc::kBadValue, at, "a=crypto: bad crypto suite");
    auto [key_params, session_params, at3] = split_space(rest2);
    (void)at3;
    // key-param = key-method ":" key-info, e.g. "inline:<base64>|2^20|1:32"
    auto colon = key_params.find(':');
    if (!is_visible_text(key_params) || colon == 0 || colon == std::string_view::npos) {
        return sdp_error(SdpErrc::kBadValue, at + at2, "a=crypto: bad key params");
    }
    return Crypto{static_cast<std::uint32_t>(*tag), suite, key_params, session_params};
}

std::string to_value(const Crypto& c) {
    std::string out = uint_text(c.tag);
    out.append(" ").append(c.suite).append(" ").append(c.key_params);
    if (!c.session_params.empty()) out.append(" ").append(c.session_params);
    return out;
}

// --- ssrc, ssrc-group
// -----------------------------------------------------------------------------
SdpResult<SsrcAttribute> parse_ssrc(std::string_view v) noexcept {
    auto [id_text, rest, at] = split_space(v);
    auto id = parse_uint(id_text, UINT32_MAX);
    if (!id) return sdp_error(SdpErrc::kBadValue, 0, "a=ssrc: bad SSRC");
    SsrcAttribute s;
    s.ssrc = static_cast<std::uint32_t>(*id);
    auto colon = rest.find(':');
    s.attribute = rest.substr(0, colon);
    if (!is_token(s.attribute)) return sdp_error(SdpErrc::kBadValue, at, "a=ssrc: bad attribute");
    if (colon != std::string_view::npos) s.value = rest.substr(colon + 1);
    return s;
}

SdpResult<SsrcGroup> parse_ssrc_group(std::string_view v) noexcept {
    auto [semantics, rest, at] = split_space(v);
    if (!is_token(semantics))
        return sdp_error(SdpErrc::kBadValue, 0, "a=ssrc-group: bad semantics");
    SsrcGroup g;
    g.semantics = semantics;
    auto bad = take_words(rest, at, [&](std::string_view word) {
        auto id = parse_uint(word, UINT32_MAX);
        if (id) g.ssrcs.push_back(static_cast<std::uint32_t>(*id));
        return id.has_value();
    });
    if (bad) return sdp_error(SdpErrc::kBadValue, *bad, "a=ssrc-group: bad SSRC");
    if (g.ssrcs.empty()) return sdp_error(SdpErrc::kBadValue, v.size(), "a=ssrc-group: no SSRC");
    return g;
}

// --- group, mid
// -----------------------------------------------------------------------------------
SdpResult<Group> parse_group(std::string_view v) noexcept {
    auto [semantics, rest, at] = split_space(v);
    if (!is_token(semantics)) return sdp_error(SdpErrc::kBadValue, 0, "a=group: bad semantics");
    Group g;
    g.semantics = semantics;
    auto bad = take_words(rest, at, [&](std::string_view mid) {
        if (is_token(mid)) g.mids.push_back(mid);
        return is_token(mid);
    });
    if (bad) return sdp_error(SdpErrc::kBadValue, *bad, "a=group: bad identification tag");
    return g;
}

SdpResult<std::string_view> parse_mid(std::string_view v) noexcept {
    if (!is_token(v)) return sdp_error(SdpErrc::kBadValue, 0, "a=mid: bad identification tag");
    return v;
}

// --- rid, simulcast
// -------------------------------------------------------------------------------
SdpResult<Rid> parse_rid(std::string_view v) noexcept {
    auto [id, rest, at] = split_space(v);
    if (!is_word(id)) return sdp_error(SdpErrc::kBadValue, 0, "a=rid: bad rid-id");
    auto [dir, restrictions, at2] = split_space(rest);
    (void)at2;
    Rid r;
    r.id = id;
    if (dir == "send") {
        r.send = true;
    } else if (dir != "recv") {
        return sdp_error(SdpErrc::kBadValue, at, "a=rid: direction is not send or recv");
    }
    r.restrictions = restrictions;
    return r;
}

SdpResult<Simulcast> parse_simulcast(std::string_view v) noexcept {
    Simulcast s;
    std::size_t at = 0;
    std::string_view rest = v;
    bool any = false;
    while (!rest.empty()) {
        auto [dir, after, list_at] = split_space(rest);
        auto [list, more, next] = split_space(after);
        std::string_view* slot = dir == "send" ? &s.send : dir == "recv" ? &s.recv : nullptr;
        if (slot == nullptr || !slot->empty()) {
            return sdp_error(SdpErrc::kBadValue, at, "a=simulcast: direction is not send or recv");
        }
        if (!is_visible_text(list))
            return sdp_error(SdpErrc::kBadValue, at + list_at, "a=simulcast: bad stream list");
        *slot = list;
        any = true;
        at += list_at + next;
        rest = more;
    }
    if (!any) return sdp_error(SdpErrc::kBadValue, 0, "a=simulcast: empty");
    return s;
}

// --- fingerprint
// ----------------------------------------------------------------------------------
SdpResult<Fingerprint> parse_fingerprint(std::string_view v) noexcept {
    auto [hash, value, at] = split_space(v);
    if (!is_token(hash))
        return sdp_error(SdpErrc::kBadValue, 0, "a=fingerprint: bad hash function");
    if (!is_visible_text(value))
        return sdp_error(SdpErrc::kBadValue, at, "a=fingerprint: bad fingerprint");
    return Fingerprint{hash, value};
}

// --- validation
// -----------------------------------------------------------------------------------
namespace {

template <class R>
SdpResult<void> check(const R& r) noexcept {
    if (!r) return tl::unexpected(r.error());
    return {};
}

}  // namespace

SdpResult<void> validate_attribute(std::string_view name,
                                   std::optional<std::string_view> value) noexcept {
    if (!value) {
        // Attributes that need a value.
        for (std::string_view n :
             {"rtpmap", "fmtp", "ptime", "maxptime", "rtcp", "rtcp-fb", "extmap", "crypto", "ssrc",
              "ssrc-group", "group", "mid", "rid", "simulcast", "fingerprint", "setup"}) {
            if (ci_equal(name, n))
                return sdp_error(SdpErrc::kBadValue, 0, "a= line: attribute needs a value");
        }
        return {};
    }
    const std::string_view v = *value;
    if (ci_equal(name, "rtpmap")) return check(parse_rtpmap(v));
    if (ci_equal(name, "fmtp")) return check(parse_fmtp(v));
    if (ci_equal(name, "ptime") || ci_equal(name, "maxptime")) return check(parse_ptime(v));
    if (ci_equal(name, "rtcp")) return check(parse_rtcp(v));
    if (ci_equal(name, "rtcp-fb")) return check(parse_rtcp_fb(v));
    if (ci_equal(name, "extmap")) return check(parse_extmap(v));
    if (ci_equal(name, "crypto")) return check(parse_crypto(v));
    if (ci_equal(name, "ssrc")) return check(parse_ssrc(v));
    if (ci_equal(name, "ssrc-group")) return check(parse_ssrc_group(v));
    if (ci_equal(name, "group")) return check(parse_group(v));
    if (ci_equal(name, "mid")) return check(parse_mid(v));
    if (ci_equal(name, "rid")) return check(parse_rid(v));
    if (ci_equal(name, "simulcast")) return check(parse_simulcast(v));
    if (ci_equal(name, "fingerprint")) return check(parse_fingerprint(v));
    if (ci_equal(name, "setup")) {
        for (std::string_view s : {"active", "passive", "actpass", "holdconn"}) {
            if (ci_equal(v, s)) return {};
        }
        return sdp_error(SdpErrc::kBadValue, 0,
                         "a=setup: not active, passive, actpass or holdconn");
    }
    return {};
}

}  // namespace rtpx::sip::sdp
