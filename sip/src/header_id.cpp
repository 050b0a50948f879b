#include "rtpx/sip/header_id.hpp"

#include <array>

#include "rtpx/sip/text.hpp"

namespace rtpx::sip {
namespace {

struct HeaderInfo {
    std::string_view name;
    char compact;
    bool list;
};

// Indexed by HeaderId. `list`: the RFC grammar is #element (comma-separated) and values cannot
// hold unquoted commas.
constexpr std::array<HeaderInfo, kHeaderIdCount> kHeaders{{
    {"", '\0', false},
    {"Accept", '\0', true},
    {"Accept-Contact", 'a', true},
    {"Accept-Encoding", '\0', true},
    {"Accept-Language", '\0', true},
    {"Alert-Info", '\0', true},
    {"Allow", '\0', true},
    {"Allow-Events", 'u', true},
    {"Authentication-Info", '\0', false},
    {"Authorization", '\0', false},
    {"Call-ID", 'i', false},
    {"Call-Info", '\0', true},
    {"Contact", 'm', true},
    {"Content-Disposition", '\0', false},
    {"Content-Encoding", 'e', true},
    {"Content-Language", '\0', true},
    {"Content-Length", 'l', false},
    {"Content-Type", 'c', false},
    {"CSeq", '\0', false},
    {"Date", '\0', false},
    {"Error-Info", '\0', true},
    {"Event", 'o', false},
    {"Expires", '\0', false},
    {"From", 'f', false},
    {"Identity", 'y', false},
    {"Identity-Info", 'n', false},
    {"In-Reply-To", '\0', true},
    {"Max-Forwards", '\0', false},
    {"MIME-Version", '\0', false},
    {"Min-Expires", '\0', false},
    {"Min-SE", '\0', false},
    {"Organization", '\0', false},
    {"P-Asserted-Identity", '\0', true},
    {"P-Preferred-Identity", '\0', true},
    {"Path", '\0', true},
    {"Priority", '\0', false},
    {"Privacy", '\0', false},
    {"Proxy-Authenticate", '\0', false},
    {"Proxy-Authorization", '\0', false},
    {"Proxy-Require", '\0', true},
    {"RAck", '\0', false},
    {"Reason", '\0', true},
    {"Record-Route", '\0', true},
    {"Refer-To", 'r', false},
    {"Referred-By", 'b', false},
    {"Reject-Contact", 'j', true},
    {"Replaces", '\0', false},
    {"Reply-To", '\0', false},
    {"Request-Disposition", 'd', true},
    {"Require", '\0', true},
    {"Retry-After", '\0', false},
    {"Route", '\0', true},
    {"RSeq", '\0', false},
    {"Server", '\0', false},
    {"Service-Route", '\0', true},
    {"Session-Expires", 'x', false},
    {"SIP-ETag", '\0', false},
    {"SIP-If-Match", '\0', false},
    {"Subject", 's', false},
    {"Subscription-State", '\0', false},
    {"Supported", 'k', true},
    {"Timestamp", '\0', false},
    {"To", 't', false},
    {"Unsupported", '\0', true},
    {"User-Agent", '\0', false},
    {"Via", 'v', true},
    {"Warning", '\0', true},
    {"WWW-Authenticate", '\0', false},
}};

// Compact letter -> id, indexed by letter - 'a'.
constexpr std::array<HeaderId, 26> make_compact_table() {
    std::array<HeaderId, 26> t{};
    for (std::size_t i = 1; i < kHeaderIdCount; ++i) {
        char c = kHeaders[i].compact;
        if (c != '\0') t[static_cast<std::size_t>(c - 'a')] = static_cast<HeaderId>(i);
    }
    return t;
}
constexpr auto kCompact = make_compact_table();

// First table index whose name starts with each letter (the table is alphabetical), so a lookup
// compares only the few names sharing the first letter.
constexpr std::array<std::uint8_t, 27> make_letter_table() {
    std::array<std::uint8_t, 27> t{};
    std::size_t i = 1;
    for (std::size_t letter = 0; letter < 26; ++letter) {
        while (i < kHeaderIdCount &&
               ascii_lower(kHeaders[i].name[0]) < static_cast<char>('a' + letter))
            ++i;
        t[letter] = static_cast<std::uint8_t>(i);
    }
    t[26] = static_cast<std::uint8_t>(kHeaderIdCount);
    return t;
}
constexpr auto kLetter = make_letter_table();

constexpr std::array<std::string_view, 15> kMethods{
    "",          "INVITE", "ACK",     "BYE",  "CANCEL", "OPTIONS", "REGISTER", "PRACK",
    "SUBSCRIBE", "NOTIFY", "PUBLISH", "INFO", "REFER",  "MESSAGE", "UPDATE"};

}  // namespace

std::string_view header_name(HeaderId id) noexcept {
    auto i = static_cast<std::size_t>(id);
    return i < kHeaderIdCount ? kHeaders[i].name : std::string_view{};
}

char compact_form(HeaderId id) noexcept {
    auto i = static_cast<std::size_t>(id);
    return i < kHeaderIdCount ? kHeaders[i].compact : '\0';
}

bool is_list_header(HeaderId id) noexcept {
    auto i = static_cast<std::size_t>(id);
    return i < kHeaderIdCount && kHeaders[i].list;
}

HeaderId lookup_header(std::string_view name) noexcept {
    if (name.size() == 1) {
        char c = ascii_lower(name[0]);
        if (c >= 'a' && c <= 'z') return kCompact[static_cast<std::size_t>(c - 'a')];
        return HeaderId::kOther;
    }
    if (name.empty()) return HeaderId::kOther;
    const char first = ascii_lower(name[0]);
    if (first < 'a' || first > 'z') return HeaderId::kOther;
    const auto letter = static_cast<std::size_t>(first - 'a');
    for (std::size_t i = kLetter[letter]; i < kLetter[letter + 1]; ++i) {
        const std::string_view cand = kHeaders[i].name;
        if (cand.size() == name.size() && ci_equal(cand, name)) return static_cast<HeaderId>(i);
    }
    return HeaderId::kOther;
}

std::string_view method_name(Method m) noexcept {
    auto i = static_cast<std::size_t>(m);
    return i < kMethods.size() ? kMethods[i] : std::string_view{};
}

Method lookup_method(std::string_view token) noexcept {
    for (std::size_t i = 1; i < kMethods.size(); ++i) {
        if (kMethods[i] == token) return static_cast<Method>(i);
    }
    return Method::kUnknown;
}

}  // namespace rtpx::sip
