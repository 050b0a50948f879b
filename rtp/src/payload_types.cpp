#include "rtpx/rtp/payload_types.hpp"

#include <algorithm>

namespace rtpx::rtp {
namespace {

struct StaticRow {
    std::uint8_t pt;
    std::string_view name;
    std::uint32_t clock_rate;
    std::uint8_t channels;
    MediaKind kind;
};

// RFC 3551 section 6, Tables 4 and 5. Channels as in Table 4 ("0" for video).
// Note on PT 9 G722: the RTP clock rate is 8000 Hz although the codec samples at 16 kHz; RFC 3551
// section 4.5.2 keeps the 8000 figure for historical reasons, and timestamps advance by 8000/s.
constexpr std::array<StaticRow, 24> kStaticRows = {{
    {0, "PCMU", 8000, 1, MediaKind::kAudio},
    {3, "GSM", 8000, 1, MediaKind::kAudio},
    {4, "G723", 8000, 1, MediaKind::kAudio},
    {5, "DVI4", 8000, 1, MediaKind::kAudio},
    {6, "DVI4", 16000, 1, MediaKind::kAudio},
    {7, "LPC", 8000, 1, MediaKind::kAudio},
    {8, "PCMA", 8000, 1, MediaKind::kAudio},
    {9, "G722", 8000, 1, MediaKind::kAudio},  // 16 kHz sampling, 8000 Hz RTP clock
    {10, "L16", 44100, 2, MediaKind::kAudio},
    {11, "L16", 44100, 1, MediaKind::kAudio},
    {12, "QCELP", 8000, 1, MediaKind::kAudio},
    {13, "CN", 8000, 1, MediaKind::kAudio},
    {14, "MPA", 90000, 0, MediaKind::kAudio},  // channels "(see text)" in RFC 3551
    {15, "G728", 8000, 1, MediaKind::kAudio},
    {16, "DVI4", 11025, 1, MediaKind::kAudio},
    {17, "DVI4", 22050, 1, MediaKind::kAudio},
    {18, "G729", 8000, 1, MediaKind::kAudio},
    {25, "CelB", 90000, 0, MediaKind::kVideo},
    {26, "JPEG", 90000, 0, MediaKind::kVideo},
    {28, "nv", 90000, 0, MediaKind::kVideo},
    {31, "H261", 90000, 0, MediaKind::kVideo},
    {32, "MPV", 90000, 0, MediaKind::kVideo},
    {33, "MP2T", 90000, 0, MediaKind::kAudioVideo},
    {34, "H263", 90000, 0, MediaKind::kVideo},
}};

constexpr PayloadType make_entry(std::string_view name, std::uint32_t clock_rate,
                                 std::uint8_t channels, MediaKind kind, bool is_static) noexcept {
    PayloadType p{};
    const std::size_t n = std::min(name.size(), PayloadType::kMaxEncodingName);
    for (std::size_t i = 0; i < n; ++i) p.encoding_name[i] = name[i];
    p.encoding_name_size = static_cast<std::uint8_t>(n);
    p.clock_rate = clock_rate;
    p.channels = channels;
    p.kind = kind;
    p.is_static = is_static;
    return p;
}

struct StaticTable {
    std::array<PayloadType, PayloadTypeRegistry::kPayloadTypes> entries{};
    std::array<bool, PayloadTypeRegistry::kPayloadTypes> bound{};
};

constexpr StaticTable build_static_table() noexcept {
    StaticTable t{};
    for (const auto& r : kStaticRows) {
        t.entries[r.pt] = make_entry(r.name, r.clock_rate, r.channels, r.kind, true);
        t.bound[r.pt] = true;
    }
    return t;
}

constexpr StaticTable kStaticTable = build_static_table();

// RFC 8866 token characters (encoding names are tokens).
constexpr bool is_token_char(char c) noexcept {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    switch (c) {
        case '!':
        case '#':
        case '$':
        case '%':
        case '&':
        case '\'':
        case '*':
        case '+':
        case '-':
        case '.':
        case '^':
        case '_':
        case '`':
        case '{':
        case '|':
        case '}':
        case '~': return true;
        default: return false;
    }
}

// Parses a non-empty run of decimal digits into a value <= max.
constexpr bool parse_decimal(std::string_view s, std::uint64_t max, std::uint64_t& out) noexcept {
    if (s.empty() || s.size() > 10) return false;
    std::uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (v > max) return false;
    out = v;
    return true;
}

constexpr char ascii_lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    }
    return true;
}

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() &&
           (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
        s.remove_suffix(1);
    }
    return s;
}

tl::unexpected<RtpmapError> rtpmap_error(RtpmapErrc code, const char* what) noexcept {
    return tl::unexpected<RtpmapError>(RtpmapError{code, what});
}

}  // namespace

const PayloadType* static_payload_type(std::uint8_t pt) noexcept {
    if (pt >= PayloadTypeRegistry::kPayloadTypes || !kStaticTable.bound[pt]) return nullptr;
    return &kStaticTable.entries[pt];
}

PayloadTypeRegistry::PayloadTypeRegistry() noexcept
    : entries_(kStaticTable.entries), bound_(kStaticTable.bound) {}

tl::expected<void, RtpmapError> PayloadTypeRegistry::add_rtpmap(std::uint8_t pt,
                                                                std::string_view rtpmap,
                                                                MediaKind kind) noexcept {
    if (pt >= kPayloadTypes) {
        return rtpmap_error(RtpmapErrc::kBadPayloadType, "rtpmap payload type is not 0..127");
    }
    rtpmap = trim(rtpmap);
    const std::size_t slash1 = rtpmap.find('/');
    const std::string_view name = rtpmap.substr(0, slash1);
    if (name.empty()) {
        return rtpmap_error(RtpmapErrc::kBadEncodingName, "rtpmap encoding name is empty");
    }
    if (name.size() > PayloadType::kMaxEncodingName) {
        return rtpmap_error(RtpmapErrc::kBadEncodingName,
                            "rtpmap encoding name is longer than 31 characters");
    }
    if (!std::all_of(name.begin(), name.end(), is_token_char)) {
        return rtpmap_error(RtpmapErrc::kBadEncodingName,
                            "rtpmap encoding name has a character outside the SDP token set");
    }
    if (slash1 == std::string_view::npos) {
        return rtpmap_error(RtpmapErrc::kMissingClockRate, "rtpmap has no clock rate");
    }
    std::string_view rest = rtpmap.substr(slash1 + 1);
    const std::size_t slash2 = rest.find('/');
    const std::string_view rate_text = rest.substr(0, slash2);
    std::uint64_t clock_rate = 0;
    if (rate_text.empty()) {
        return rtpmap_error(RtpmapErrc::kMissingClockRate, "rtpmap clock rate is empty");
    }
    if (!parse_decimal(rate_text, 0xFFFFFFFFu, clock_rate)) {
        return rtpmap_error(RtpmapErrc::kBadClockRate,
                            "rtpmap clock rate is not a decimal number below 2^32");
    }
    if (clock_rate == 0) {
        return rtpmap_error(RtpmapErrc::kBadClockRate, "rtpmap clock rate is zero");
    }
    std::uint64_t channels = (kind == MediaKind::kAudio) ? 1 : 0;
    if (slash2 != std::string_view::npos) {
        if (!parse_decimal(rest.substr(slash2 + 1), 255, channels) || channels == 0) {
            return rtpmap_error(RtpmapErrc::kBadChannels,
                                "rtpmap channel count is not a decimal number in 1..255");
        }
    }
    entries_[pt] = make_entry(name, static_cast<std::uint32_t>(clock_rate),
                              static_cast<std::uint8_t>(channels), kind, false);
    bound_[pt] = true;
    return {};
}

const PayloadType* PayloadTypeRegistry::find(std::uint8_t pt) const noexcept {
    if (pt >= kPayloadTypes || !bound_[pt]) return nullptr;
    return &entries_[pt];
}

int PayloadTypeRegistry::find_pt(std::string_view encoding, std::uint32_t clock_rate,
                                 std::uint8_t channels) const noexcept {
    for (std::size_t pt = 0; pt < kPayloadTypes; ++pt) {
        if (!bound_[pt]) continue;
        const PayloadType& e = entries_[pt];
        if (e.clock_rate != clock_rate || !iequals(e.encoding(), encoding)) continue;
        if (channels != 0 && e.channels != channels) continue;
        return static_cast<int>(pt);
    }
    return -1;
}

void PayloadTypeRegistry::remove(std::uint8_t pt) noexcept {
    if (pt < kPayloadTypes) {
        bound_[pt] = false;
        entries_[pt] = PayloadType{};
    }
}

void PayloadTypeRegistry::clear() noexcept {
    bound_.fill(false);
    entries_.fill(PayloadType{});
}

std::size_t PayloadTypeRegistry::size() const noexcept {
    return static_cast<std::size_t>(std::count(bound_.begin(), bound_.end(), true));
}

}  // namespace rtpx::rtp
