// Offer/answer (RFC 3264) and the B2BUA rewrites (offer_answer.hpp).
#include "rtpx/sip/sdp/offer_answer.hpp"

#include <algorithm>

#include "rtpx/sip/text.hpp"

namespace rtpx::sip::sdp {
namespace {

bool is_telephone_event(const PayloadFormat& f) noexcept {
    return ci_equal(f.encoding, "telephone-event");
}

bool fmtp_matches(const PayloadFormat& offered, const Codec& codec) noexcept {
    for (const auto& c : codec.fmtp_constraints) {
        std::string_view value = c.default_value;
        if (offered.fmtp) {
            if (auto v = fmtp_parameter(*offered.fmtp, c.name)) value = *v;
        }
        if (!ci_equal(value, c.value)) return false;
    }
    return true;
}

bool codec_matches(const PayloadFormat& offered, const Codec& codec) noexcept {
    return ci_equal(offered.encoding, codec.encoding) && offered.clock_rate == codec.clock_rate &&
           offered.channels == codec.channels && fmtp_matches(offered, codec);
}

const MediaCapabilities* find_capabilities(const LocalCapabilities& local,
                                           std::string_view media) noexcept {
    for (const auto& m : local.media) {
        if (ci_equal(m.media, media)) return &m;
    }
    return nullptr;
}

bool proto_supported(const MediaCapabilities& caps, std::string_view proto) noexcept {
    return std::any_of(caps.protos.begin(), caps.protos.end(),
                       [&](const std::string& p) { return ci_equal(p, proto); });
}

// SDES-keyed SRTP (RFC 4568) rather than DTLS-SRTP (UDP/TLS/...).
bool uses_sdes(std::string_view proto) noexcept {
    return proto.find("SAVP") != std::string_view::npos &&
           proto.find("TLS") == std::string_view::npos;
}

// The offered formats this side accepts, in the answer's order (payload type numbers).
std::vector<std::string> choose_formats(const MediaDescription& offer,
                                        const MediaCapabilities& caps,
                                        const LocalCapabilities& local) {
    struct Offered {
        const std::string* text;
        PayloadFormat format;
    };
    std::vector<Offered> offered;
    offered.reserve(offer.formats.size());
    for (const auto& f : offer.formats) {
        auto pt = parse_uint(f, 127);
        if (!pt) continue;
        if (auto pf = payload_format(offer, static_cast<std::uint8_t>(*pt))) {
            offered.push_back({&f, *pf});
        }
    }
    std::vector<std::string> chosen;
    std::uint32_t first_clock = 0;
    auto take = [&](const Offered& o) {
        if (chosen.empty()) first_clock = o.format.clock_rate;
        chosen.push_back(*o.text);
    };
    if (local.codec_order == CodecOrder::kOfferer) {
        for (const auto& o : offered) {
            if (is_telephone_event(o.format)) continue;
            if (std::any_of(caps.codecs.begin(), caps.codecs.end(),
                            [&](const Codec& c) { return codec_matches(o.format, c); })) {
                take(o);
                if (local.single_codec) break;
            }
        }
    } else {
        for (const auto& c : caps.codecs) {
            auto it = std::find_if(offered.begin(), offered.end(), [&](const Offered& o) {
                return !is_telephone_event(o.format) && codec_matches(o.format, c) &&
                       std::find(chosen.begin(), chosen.end(), *o.text) == chosen.end();
            });
            if (it == offered.end()) continue;
            take(*it);
            if (local.single_codec) break;
        }
    }
    if (!caps.telephone_event) return chosen;
    const bool only_events = chosen.empty() && !offered.empty() &&
                             std::all_of(offered.begin(), offered.end(), [](const Offered& o) {
                                 return is_telephone_event(o.format);
                             });
    if (chosen.empty() && !only_events) return chosen;
    for (const auto& o : offered) {
        if (is_telephone_event(o.format) && (only_events || o.format.clock_rate == first_clock)) {
            chosen.push_back(*o.text);
            break;
        }
    }
    return chosen;
}

// The offer's rtpmap and fmtp lines of the given formats, in the order of `formats`.
void copy_format_attributes(const MediaDescription& offer, const std::vector<std::string>& formats,
                            bool with_fmtp, AttributeList& out) {
    for (const auto& f : formats) {
        for (const auto& a : offer.attributes) {
            if (!a.value) continue;
            const bool rtpmap = ci_equal(a.name, "rtpmap");
            if (!rtpmap && !(with_fmtp && ci_equal(a.name, "fmtp"))) continue;
            if (std::string_view(*a.value).substr(0, a.value->find(' ')) == f) out.push_back(a);
        }
    }
}

// A rejected section (RFC 3264 6): port 0 and, as RFC 4317 2.2 and 2.6 show, the first offered
// format with its rtpmap (the answer must list at least one format).
MediaDescription rejected(const MediaDescription& offer) {
    MediaDescription m;
    m.media = offer.media;
    m.port = 0;
    m.proto = offer.proto;
    if (!offer.formats.empty()) {
        m.formats.push_back(offer.formats.front());
        copy_format_attributes(offer, m.formats, false, m.attributes);
    } else {
        m.formats.emplace_back(offer.rtp_proto() ? "0" : "*");
    }
    return m;
}

// RFC 5888 / RFC 8843: each offered a=group is answered with the identification tags of the
// accepted media sections it names (the sections' a=mid lines are copied by make_answer); a group
// left with no tag is dropped.
void answer_groups(const SessionDescription& offer, SessionDescription& answer) {
    for (const auto& a : offer.attributes) {
        if (!a.value || !ci_equal(a.name, "group")) continue;
        auto g = parse_group(*a.value);
        if (!g) continue;
        std::string value(g->semantics);
        bool any = false;
        for (auto tag : g->mids) {
            const bool accepted = std::any_of(
                answer.media.begin(), answer.media.end(), [&](const MediaDescription& m) {
                    const auto* mid = find_attribute(m.attributes, "mid");
                    return !m.rejected() && mid != nullptr && mid->value == tag;
                });
            if (!accepted) continue;
            value.append(" ").append(tag);
            any = true;
        }
        if (any) answer.attributes.push_back(Attribute{"group", std::move(value)});
    }
}

}  // namespace

SessionDescription make_answer(const SessionDescription& offer, const LocalCapabilities& local,
                               const AnswerTransport& transport) {
    SessionDescription answer;
    answer.origin = transport.origin;
    answer.session_name = transport.session_name;
    answer.connection = transport.connection;
    if (!offer.timings.empty()) {
        answer.timings.push_back(
            Timing{offer.timings.front().start, offer.timings.front().stop, {}});
    } else {
        answer.timings.push_back(Timing{});
    }
    answer.media.reserve(offer.media.size());
    for (std::size_t i = 0; i < offer.media.size(); ++i) {
        const auto& om = offer.media[i];
        const auto* caps = find_capabilities(local, om.media);
        const LocalMedia* lm = i < transport.media.size() ? &transport.media[i] : nullptr;
        if (om.port == 0 || caps == nullptr || lm == nullptr || !proto_supported(*caps, om.proto) ||
            !om.rtp_proto()) {
            answer.media.push_back(rejected(om));
            continue;
        }
        auto formats = choose_formats(om, *caps, local);
        const Attribute* crypto_offer = nullptr;
        const std::string* crypto_key = nullptr;
        if (uses_sdes(om.proto)) {
            for (const auto& a : om.attributes) {
                if (!a.value || !ci_equal(a.name, "crypto")) continue;
                auto c = parse_crypto(*a.value);
                if (!c) continue;
                auto key = std::find_if(lm->crypto_keys.begin(), lm->crypto_keys.end(),
                                        [&](const auto& k) { return ci_equal(k.first, c->suite); });
                if (key != lm->crypto_keys.end()) {
                    crypto_offer = &a;
                    crypto_key = &key->second;
                    break;
                }
            }
        }
        if (formats.empty() || (uses_sdes(om.proto) && crypto_offer == nullptr)) {
            answer.media.push_back(rejected(om));
            continue;
        }
        MediaDescription m;
        m.media = om.media;
        m.port = lm->port;
        m.proto = om.proto;
        m.formats = std::move(formats);
        if (lm->connection) m.connections.push_back(*lm->connection);
        copy_format_attributes(om, m.formats, true, m.attributes);
        for (const auto& a : lm->extra_attributes) m.attributes.push_back(a);
        if (crypto_offer != nullptr) {
            auto c = *parse_crypto(*crypto_offer->value);
            c.key_params = *crypto_key;
            c.session_params = {};
            m.attributes.push_back(Attribute{"crypto", to_value(c)});
        }
        if (const auto* mid = find_attribute(om.attributes, "mid")) m.attributes.push_back(*mid);
        if (caps->rtcp_mux && has_attribute(om.attributes, "rtcp-mux")) {
            m.attributes.push_back(Attribute{"rtcp-mux", std::nullopt});
        }
        const Direction offered = effective_direction(offer, om);
        const Direction mine = reverse(offered);
        const Direction dir = make_direction(sends(mine) && sends(caps->direction),
                                             receives(mine) && receives(caps->direction));
        if (dir != Direction::kSendRecv || find_direction(om.attributes) ||
            find_direction(offer.attributes)) {
            set_direction(m.attributes, dir);
        }
        answer.media.push_back(std::move(m));
    }
    answer_groups(offer, answer);
    return answer;
}

const Connection* effective_connection(const SessionDescription& session,
                                       const MediaDescription& media) noexcept {
    if (!media.connections.empty()) return &media.connections.front();
    return session.connection ? &*session.connection : nullptr;
}

bool is_on_hold(const SessionDescription& session, const MediaDescription& media) noexcept {
    const Direction d = effective_direction(session, media);
    if (d == Direction::kSendOnly || d == Direction::kInactive) return true;
    const Connection* c = effective_connection(session, media);
    return c != nullptr && (c->address == "0.0.0.0" || c->address == "::");
}

void put_on_hold(SessionDescription& session, HoldStyle style) {
    for (auto& m : session.media) {
        if (m.port == 0) continue;
        if (style == HoldStyle::kZeroAddress) {
            const Connection* c = effective_connection(session, m);
            const bool ip6 = c != nullptr && ci_equal(c->addrtype, "IP6");
            m.connections.assign(1, connection_for(ip6 ? "::" : "0.0.0.0"));
            continue;
        }
        const Direction d = effective_direction(session, m);
        set_direction(m.attributes, make_direction(sends(d), false));
    }
    bump_version(session);
}

void set_media_address(MediaDescription& media, std::string_view address, std::uint16_t port,
                       std::optional<std::uint16_t> rtcp_port) {
    media.port = port;
    media.connections.assign(1, connection_for(address));
    for (auto& a : media.attributes) {
        if (!a.value || !ci_equal(a.name, "rtcp")) continue;
        auto r = parse_rtcp(*a.value);
        if (!r) continue;
        Rtcp out;
        out.port = rtcp_port.value_or(static_cast<std::uint16_t>(port + 1));
        if (r->connection) out.connection = connection_for(address);
        a.value = to_value(out);
    }
}

void set_session_address(SessionDescription& session, std::string_view address) {
    session.connection = connection_for(address);
    session.origin.addrtype = session.connection->addrtype;
    session.origin.address = std::string(address);
}

void replace_crypto(MediaDescription& media, std::span<const std::string> crypto_values) {
    auto& list = media.attributes;
    auto first = std::find_if(list.begin(), list.end(),
                              [](const Attribute& a) { return ci_equal(a.name, "crypto"); });
    auto index = static_cast<std::ptrdiff_t>(first - list.begin());
    remove_attributes(list, "crypto");
    AttributeList fresh;
    fresh.reserve(crypto_values.size());
    for (const auto& v : crypto_values) fresh.push_back(Attribute{"crypto", v});
    list.insert(
        list.begin() + std::min<std::ptrdiff_t>(index, static_cast<std::ptrdiff_t>(list.size())),
        fresh.begin(), fresh.end());
}

void set_proto(MediaDescription& media, std::string_view proto) {
    media.proto = std::string(proto);
}

std::size_t remove_ice(SessionDescription& session) {
    static constexpr std::string_view kIce[] = {
        "candidate",   "remote-candidates", "end-of-candidates", "ice-ufrag", "ice-pwd",
        "ice-options", "ice-lite",          "ice-mismatch",      "ice-pacing"};
    auto is_ice = [](const Attribute& a) {
        return std::any_of(std::begin(kIce), std::end(kIce),
                           [&](std::string_view n) { return ci_equal(a.name, n); });
    };
    std::size_t removed = std::erase_if(session.attributes, is_ice);
    for (auto& m : session.media) removed += std::erase_if(m.attributes, is_ice);
    return removed;
}

void bump_version(SessionDescription& session) noexcept {
    ++session.origin.sess_version;
}

}  // namespace rtpx::sip::sdp
