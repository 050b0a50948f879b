// MediaSession: offer/answer through the relay, SDP rewriting, SDES re-keying and flow diffs.
#include <openssl/rand.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "rtpx/flowapi/json.hpp"
#include "rtpx/media/media.hpp"
#include "rtpx/rtp/srtp/sdes.hpp"
#include "rtpx/rtp/srtp/suite.hpp"
#include "rtpx/sip/sdp/offer_answer.hpp"
#include "rtpx/sip/sdp/session.hpp"

namespace rtpx::media {
namespace {

namespace sdp = sip::sdp;
namespace srtp = rtp::srtp;
using flowapi::Endpoint;
using flowapi::FlowSpec;
using flowapi::IpAddress;
using flowapi::SrtpParams;
using flowapi::SrtpSuite;

tl::unexpected<MediaError> fail(MediaError::Code code, std::string what) {
    return tl::unexpected(MediaError{code, std::move(what)});
}

bool ci_equal(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

bool is_savp(std::string_view proto) noexcept {
    // RTP/SAVP, RTP/SAVPF (SDES). UDP/TLS/RTP/SAVP(F) is DTLS-SRTP, which has no a=crypto.
    return ci_equal(proto, "RTP/SAVP") || ci_equal(proto, "RTP/SAVPF");
}

std::string proto_for(Transport t, std::string_view offered) {
    switch (t) {
        case Transport::kKeep: return std::string(offered);
        case Transport::kRtpAvp: return "RTP/AVP";
        case Transport::kRtpSavp: return "RTP/SAVP";
        case Transport::kRtpAvpf: return "RTP/AVPF";
        case Transport::kRtpSavpf: return "RTP/SAVPF";
    }
    return std::string(offered);
}

// A crypto suite both the SDES helpers (rtp/) and the flow API know.
struct SuitePair {
    srtp::Suite sdes;
    SrtpSuite flow;
};
std::optional<SuitePair> supported_suite(std::string_view name) noexcept {
    auto s = srtp::suite_from_name(name);
    auto f = flowapi::suite_from_name(name);
    if (!s || !f || *f == SrtpSuite::kNone) return std::nullopt;
    return SuitePair{*s, *f};
}

// One a=crypto line: the tag and the key it carries.
struct Key {
    std::uint32_t tag = 0;
    SrtpParams params;
};

Key generate_key(std::uint32_t tag, SrtpSuite suite) {
    Key k;
    k.tag = tag;
    k.params.suite = suite;
    const auto& info = flowapi::suite_info(suite);
    if (RAND_bytes(k.params.master_key.data(), info.key_size) != 1 ||
        RAND_bytes(k.params.master_salt.data(), info.salt_size) != 1) {
        // The CSPRNG failing is not something to go on with: no key is better than a weak one.
        std::abort();
    }
    return k;
}

std::string crypto_value(const Key& k) {
    const auto& info = flowapi::suite_info(k.params.suite);
    srtp::SdesKeyParams p;
    std::copy_n(k.params.master_key.begin(), info.key_size, p.key_salt.begin());
    std::copy_n(k.params.master_salt.begin(), info.salt_size, p.key_salt.begin() + info.key_size);
    p.key_len = info.key_size;
    p.salt_len = info.salt_size;
    const std::string key_params = srtp::format_sdes_key_params(p);
    sdp::Crypto c;
    c.tag = k.tag;
    c.suite = info.name;
    c.key_params = key_params;
    return sdp::to_value(c);
}

// The a=crypto lines of a media section this relay can use (known suite, one inline key without
// MKI, no session parameters), in order.
std::vector<Key> usable_crypto(const sdp::MediaDescription& m) {
    std::vector<Key> out;
    for (const auto& a : m.attributes) {
        if (!ci_equal(a.name, "crypto") || !a.value) continue;
        auto c = sdp::parse_crypto(*a.value);
        if (!c || !c->session_params.empty()) continue;
        auto suite = supported_suite(c->suite);
        if (!suite) continue;
        std::string_view kp = c->key_params;
        if (kp.find(';') != std::string_view::npos) continue;  // several keys (MKI): not supported
        auto params = srtp::parse_sdes_key_params(kp, suite->sdes);
        if (!params || params->mki_len != 0) continue;
        Key k;
        k.tag = c->tag;
        k.params.suite = suite->flow;
        std::copy(params->master_key().begin(), params->master_key().end(),
                  k.params.master_key.begin());
        std::copy(params->master_salt().begin(), params->master_salt().end(),
                  k.params.master_salt.begin());
        out.push_back(k);
    }
    return out;
}

std::string bad_sdp_text(const sdp::SdpError& e) {
    return std::string(e.what) + " at byte " + std::to_string(e.offset);
}

// Where a leg receives, from its SDP (or received_from when the address is not trusted).
struct Address {
    Endpoint rtp;
    Endpoint rtcp;
    bool zero = false;
};
tl::expected<Address, MediaError> leg_address(const sdp::SessionDescription& s,
                                              const sdp::MediaDescription& m,
                                              const LegOptions& opts) {
    Address out;
    const sdp::Connection* c = sdp::effective_connection(s, m);
    if (c == nullptr) return fail(MediaError::Code::kBadSdp, "m=" + m.media + " has no c= line");
    auto ip = flowapi::parse_ip_address(c->address);
    if (!ip) {
        return fail(MediaError::Code::kBadSdp,
                    "c= address '" + c->address + "' is not an IP address literal");
    }
    out.zero = ip->is_unspecified();
    if (!opts.trust_address && opts.received_from) ip = opts.received_from->address;
    out.rtp = {*ip, m.port};
    out.rtcp = {*ip, static_cast<std::uint16_t>(m.port + 1)};
    if (const auto* a = sdp::find_attribute(m.attributes, "rtcp"); a != nullptr && a->value) {
        if (auto r = sdp::parse_rtcp(*a->value)) {
            out.rtcp.port = r->port;
            if (r->connection && opts.trust_address) {
                if (auto rip = flowapi::parse_ip_address(r->connection->address)) {
                    out.rtcp.address = *rip;
                }
            }
        }
    }
    return out;
}

bool has_mux(const sdp::MediaDescription& m) {
    return sdp::has_attribute(m.attributes, "rtcp-mux");
}
void set_mux(sdp::MediaDescription& m, bool on) {
    if (on == has_mux(m)) return;
    if (on) {
        m.attributes.push_back({"rtcp-mux", std::nullopt});
    } else {
        sdp::remove_attributes(m.attributes, "rtcp-mux");
    }
}

// The first payload type of an answered section that is a codec (not telephone-event, CN, RED).
void pick_codec(const sdp::MediaDescription& m, Stream& st) {
    for (const auto& f : m.formats) {
        unsigned pt = 0;
        if (f.empty() || f.size() > 3 ||
            !std::all_of(f.begin(), f.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            continue;
        }
        pt = static_cast<unsigned>(std::stoul(f));
        if (pt > 127) continue;
        auto pf = sdp::payload_format(m, static_cast<std::uint8_t>(pt));
        if (!pf || pf->encoding.empty()) continue;
        if (ci_equal(pf->encoding, "telephone-event") || ci_equal(pf->encoding, "CN") ||
            ci_equal(pf->encoding, "red") || ci_equal(pf->encoding, "ulpfec")) {
            continue;
        }
        st.codec = std::string(pf->encoding);
        st.clock_rate = pf->clock_rate != 0 ? pf->clock_rate : 8000;
        return;
    }
}

// Orders flow keys for maps.
struct EndpointLess {
    bool operator()(const Endpoint& a, const Endpoint& b) const noexcept {
        return std::tie(a.address.family, a.address.bytes, a.port) <
               std::tie(b.address.family, b.address.bytes, b.port);
    }
};

nlohmann::json srtp_json(const SrtpParams& p) {
    const auto& info = flowapi::suite_info(p.suite);
    nlohmann::json j;
    j["suite"] = p.suite == SrtpSuite::kNone ? std::string("none") : std::string(info.name);
    j["key"] = srtp::base64_encode({p.master_key.data(), info.key_size});
    j["salt"] = srtp::base64_encode({p.master_salt.data(), info.salt_size});
    return j;
}
bool srtp_from_json(const nlohmann::json& j, SrtpParams& p) {
    auto suite = flowapi::suite_from_name(j.at("suite").get<std::string>());
    if (!suite) return false;
    p = {};
    p.suite = *suite;
    const auto& info = flowapi::suite_info(*suite);
    auto k = srtp::base64_decode(j.at("key").get<std::string>(), p.master_key);
    auto s = srtp::base64_decode(j.at("salt").get<std::string>(), p.master_salt);
    return k && s && *k == info.key_size && *s == info.salt_size;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
struct MediaSession::Impl {
    struct Pending {
        Leg from = Leg::kA;
        std::vector<Stream> streams;
        std::vector<std::vector<Key>> offered_by;  // the offerer's usable a=crypto, per section
        std::vector<std::vector<Key>> offered_to;  // what we offered to the answerer, per section
        std::vector<bool> relay_rejected;          // sections we refused to relay (non-RTP)
    };
    std::array<LegOptions, 2> opts;
    std::optional<Pending> pending;
    // The last answered offer: a further answer to it (early media then 200 OK, another fork's
    // answer) is processed again against it, keeping the relay ports and keys already answered.
    std::optional<Pending> answered;
    std::map<Endpoint, FlowSpec, EndpointLess> programmed;
    bool early = false;  // the pending offer's answerer-to-offerer flows are programmed
    std::set<Endpoint, EndpointLess> held;  // relay ports taken from the pools (even ports)
    std::array<std::optional<sdp::Origin>, 2> out_origin;  // o= of what we send to each leg
    std::array<std::string, 2> out_body;                   // last SDP sent to each leg
};

MediaSession::MediaSession(std::uint64_t id, std::string call_id, PortPools& pools)
    : id_(id), call_id_(std::move(call_id)), pools_(&pools), impl_(std::make_unique<Impl>()) {}
MediaSession::~MediaSession() = default;

void MediaSession::set_tag(Leg leg, std::string tag) {
    tags_[index(leg)] = std::move(tag);
}
const std::string& MediaSession::tag(Leg leg) const noexcept {
    return tags_[index(leg)];
}
std::optional<Leg> MediaSession::leg_of_tag(std::string_view tag) const noexcept {
    if (tag.empty()) return std::nullopt;
    if (tags_[0] == tag) return Leg::kA;
    if (tags_[1] == tag) return Leg::kB;
    return std::nullopt;
}
bool MediaSession::has_pending_offer() const noexcept {
    return impl_->pending.has_value();
}

std::string MediaSession::codec() const {
    for (const auto& s : streams_) {
        if (!s.rejected && !s.codec.empty()) return s.codec;
    }
    return {};
}

namespace {
// Relay endpoint of a side on `iface`: keeps the current port when the interface is the same,
// else allocates one (recorded in `held`).
template <class Held>
tl::expected<void, MediaError> anchor(StreamSide& side, const Interface& iface, PortPools& pools,
                                      Held& held) {
    if (side.relay.port != 0 && side.relay.address == iface.address) return {};
    auto port = pools.allocate(iface);
    if (!port) return tl::unexpected(port.error());
    side.interface = iface.name;
    side.relay = {iface.address, *port};
    held.insert(side.relay);
    return {};
}

// Sets o= towards a leg: the first SDP sent to it fixes username and sess-id; the version goes up
// only when the description changes.
std::string finish_sdp(sdp::SessionDescription& s, const LegOptions& to, const Interface& iface,
                       std::optional<sdp::Origin>& origin, std::string& last_body) {
    const std::string address = flowapi::to_string(iface.address);
    if (to.replace_session_connection && s.connection) {
        s.connection = sdp::connection_for(address);
    }
    if (to.remove_ice) sdp::remove_ice(s);
    if (!to.replace_origin) {
        return sdp::serialise(s);  // the endpoint's own o= passes through (ng without replace)
    }
    if (!origin) {
        origin = s.origin;
        origin->address = address;
        origin->addrtype = iface.address.family == flowapi::AddressFamily::kIpv6 ? "IP6" : "IP4";
    }
    s.origin = *origin;
    std::string body = sdp::serialise(s);
    if (!last_body.empty() && body != last_body) {
        ++origin->sess_version;
        s.origin = *origin;
        body = sdp::serialise(s);
    }
    last_body = body;
    return body;
}

bool family_ok(const Interface& iface, const Endpoint& remote, bool zero) {
    return zero || remote.address.family == iface.address.family;
}
}  // namespace

tl::expected<std::string, MediaError> MediaSession::offer(Leg from, std::string_view text,
                                                          const LegOptions& towards,
                                                          const LegOptions* sender) {
    auto& im = *impl_;
    const Leg to = other(from);
    const std::size_t X = index(from), Y = index(to);
    auto parsed = sdp::parse(text);
    if (!parsed) return fail(MediaError::Code::kBadSdp, bad_sdp_text(parsed.error()));
    sdp::SessionDescription s = std::move(*parsed);

    const Interface* iface = pools_->find(towards.interface);
    if (iface == nullptr) {
        return fail(MediaError::Code::kNoInterface, "no interface '" + towards.interface + "'");
    }
    if (sender != nullptr) im.opts[X] = *sender;
    const LegOptions& xopts = im.opts[X];

    Impl::Pending p;
    p.from = from;
    p.streams = streams_;
    if (p.streams.size() > s.media.size()) {
        // Sections cannot disappear from an offer (RFC 3264 8.2): treat missing ones as removed.
        for (std::size_t i = s.media.size(); i < p.streams.size(); ++i)
            p.streams[i].rejected = true;
    } else {
        p.streams.resize(s.media.size());
    }
    p.offered_by.resize(s.media.size());
    p.offered_to.resize(s.media.size());
    p.relay_rejected.assign(s.media.size(), false);

    for (std::size_t i = 0; i < s.media.size(); ++i) {
        auto& m = s.media[i];
        Stream& st = p.streams[i];
        st.media = m.media;
        if (m.rejected()) {
            st.rejected = true;
            continue;
        }
        if (!m.rtp_proto() || ci_equal(m.proto.substr(0, 8), "UDP/TLS/")) {
            // T.38 over UDPTL, DTLS-SRTP, data channels: not relayed; the section goes out refused.
            st.rejected = true;
            p.relay_rejected[i] = true;
            m.port = 0;
            continue;
        }
        st.rejected = false;
        StreamSide& sx = st.side[X];
        StreamSide& sy = st.side[Y];
        auto addr = leg_address(s, m, xopts);
        if (!addr) return tl::unexpected(addr.error());
        sx.present = true;
        sx.proto = m.proto;
        sx.direction = sdp::effective_direction(s, m);
        sx.zero_address = addr->zero;
        if (!addr->zero) {
            sx.remote = addr->rtp;
            sx.remote_rtcp = addr->rtcp;
        }
        // The offerer's keys.
        if (is_savp(m.proto)) {
            p.offered_by[i] = usable_crypto(m);
            if (p.offered_by[i].empty()) {
                return fail(MediaError::Code::kNoCommonCrypto,
                            "m=" + m.media + " (section " + std::to_string(i) +
                                "): no a=crypto line with a supported suite");
            }
        }
        // The answerer's side: relay endpoint, proto, keys.
        if (auto r = anchor(sy, *iface, *pools_, im.held); !r) return tl::unexpected(r.error());
        // kKeep: a leg keeps the transport it already has (a re-INVITE from the far side of an
        // RTP/SAVP bridge must not turn the RTP leg into SRTP); a new leg gets the offered one.
        sy.proto = towards.transport == Transport::kKeep && sy.present && !sy.proto.empty()
                       ? sy.proto
                       : proto_for(towards.transport, m.proto);
        std::vector<std::string> crypto_lines;
        if (is_savp(sy.proto)) {
            std::vector<SrtpSuite> suites;
            if (!p.offered_by[i].empty()) {
                for (const auto& k : p.offered_by[i]) {
                    if (std::find(suites.begin(), suites.end(), k.params.suite) == suites.end()) {
                        suites.push_back(k.params.suite);
                    }
                }
            } else if (!towards.sdes_suites.empty()) {
                for (const auto& n : towards.sdes_suites) {
                    auto sp = supported_suite(n);
                    if (!sp) {
                        return fail(MediaError::Code::kNoCommonCrypto,
                                    "unsupported SDES suite '" + n + "'");
                    }
                    suites.push_back(sp->flow);
                }
            } else {
                suites = {SrtpSuite::kAesCm128HmacSha1_80, SrtpSuite::kAesCm128HmacSha1_32};
            }
            // The key in use with this leg is offered first and unchanged (no re-keying on a
            // re-INVITE); new lines get tags that do not collide with its tag.
            const bool in_use =
                sy.expects.suite != SrtpSuite::kNone &&
                std::find(suites.begin(), suites.end(), sy.expects.suite) != suites.end();
            if (in_use) {
                std::stable_partition(suites.begin(), suites.end(),
                                      [&](SrtpSuite x) { return x == sy.expects.suite; });
            }
            std::uint32_t tag = 1;
            for (auto suite : suites) {
                Key k;
                if (in_use && suite == sy.expects.suite && p.offered_to[i].empty()) {
                    k = Key{sy.crypto_tag, sy.expects};
                } else {
                    if (in_use && tag == sy.crypto_tag) ++tag;
                    k = generate_key(tag++, suite);
                }
                p.offered_to[i].push_back(k);
                crypto_lines.push_back(crypto_value(k));
            }
        }
        // Rewrite the section for the answerer.
        sx.rtcp_mux = has_mux(m);  // what the offerer asked for; settled by the answer
        sdp::set_proto(m, sy.proto);
        sdp::replace_crypto(m, crypto_lines);
        switch (towards.rtcp_mux) {
            case RtcpMux::kKeep:
            case RtcpMux::kAccept: break;
            case RtcpMux::kOffer:
            case RtcpMux::kRequire: set_mux(m, true); break;
            case RtcpMux::kDemux: set_mux(m, false); break;
        }
        sdp::set_media_address(m, flowapi::to_string(sy.relay.address), sy.relay.port,
                               static_cast<std::uint16_t>(sy.relay.port + 1));
        if (addr->zero) {
            // RFC 2543 hold is passed on as it came: the answerer is not to send.
            m.connections.assign(
                1, sdp::connection_for(
                       iface->address.family == flowapi::AddressFamily::kIpv6 ? "::" : "0.0.0.0"));
        }
    }
    im.opts[Y] = towards;
    std::string out = finish_sdp(s, towards, *iface, im.out_origin[Y], im.out_body[Y]);
    im.pending = std::move(p);
    im.answered.reset();
    return out;
}

tl::expected<std::string, MediaError> MediaSession::answer(Leg from, std::string_view text,
                                                           const LegOptions& towards,
                                                           const LegOptions* sender) {
    auto& im = *impl_;
    const bool again = !im.pending && im.answered && im.answered->from == other(from);
    if (!again && (!im.pending || im.pending->from != other(from))) {
        return fail(MediaError::Code::kState,
                    "no offer from the other leg is waiting for an answer");
    }
    const Leg to = other(from);  // the offerer, who gets this answer
    const std::size_t Y = index(from), X = index(to);
    auto parsed = sdp::parse(text);
    if (!parsed) return fail(MediaError::Code::kBadSdp, bad_sdp_text(parsed.error()));
    sdp::SessionDescription s = std::move(*parsed);
    auto& p = again ? *im.answered : *im.pending;
    if (s.media.size() != p.offered_by.size()) {
        return fail(MediaError::Code::kBadSdp, "the answer has " + std::to_string(s.media.size()) +
                                                   " media sections, the offer had " +
                                                   std::to_string(p.offered_by.size()));
    }
    const Interface* iface = pools_->find(towards.interface);
    if (iface == nullptr) {
        return fail(MediaError::Code::kNoInterface, "no interface '" + towards.interface + "'");
    }
    if (sender != nullptr) im.opts[Y] = *sender;
    const LegOptions& yopts = im.opts[Y];
    std::vector<Stream> streams = p.streams;
    if (again) {
        // The offerer already holds an answer: its relay ports and keys stay.
        for (std::size_t i = 0; i < streams.size() && i < streams_.size(); ++i) {
            const StreamSide& done = streams_[i].side[X];
            StreamSide& sx = streams[i].side[X];
            if (done.relay.port != 0 && im.held.count(done.relay) != 0) {
                sx.relay = done.relay;
                sx.interface = done.interface;
            }
            sx.expects = done.expects;
            sx.crypto_tag = done.crypto_tag;
            // A section the first answer rejected may have given its port back meanwhile.
            StreamSide& sy = streams[i].side[Y];
            if (sy.relay.port != 0 && im.held.count(sy.relay) == 0) {
                if (!pools_->reserve(sy.relay.address, sy.relay.port)) {
                    return fail(MediaError::Code::kNoPorts, "the relay port offered in section " +
                                                                std::to_string(i) +
                                                                " is taken by now");
                }
                im.held.insert(sy.relay);
            }
        }
    }

    for (std::size_t i = 0; i < s.media.size(); ++i) {
        auto& m = s.media[i];
        Stream& st = streams[i];
        StreamSide& sx = st.side[X];
        StreamSide& sy = st.side[Y];
        if (st.rejected || p.relay_rejected[i] || m.rejected()) {
            st.rejected = true;
            m.port = 0;
            if (sx.present) sdp::set_proto(m, sx.proto);
            sdp::replace_crypto(m, {});
            continue;
        }
        if (const Interface* yi = pools_->find(sy.relay.address);
            yi != nullptr && pools_->dataplane_of(*yi) != pools_->dataplane_of(*iface)) {
            return fail(MediaError::Code::kNoInterface, "interfaces '" + yi->name + "' and '" +
                                                            iface->name +
                                                            "' belong to different data planes");
        }
        auto addr = leg_address(s, m, yopts);
        if (!addr) return tl::unexpected(addr.error());
        sy.present = true;
        sy.direction = sdp::effective_direction(s, m);
        sy.zero_address = addr->zero;
        if (!addr->zero) {
            const Interface* yi = pools_->find(sy.relay.address);
            if (yi != nullptr && !family_ok(*yi, addr->rtp, false)) {
                return fail(MediaError::Code::kNoInterface,
                            "the answerer's address family differs from its interface's");
            }
            sy.remote = addr->rtp;
            sy.remote_rtcp = addr->rtcp;
        }
        // Mux: the answerer muxes when it echoed a=rtcp-mux to an offer carrying it.
        sy.rtcp_mux = has_mux(m);
        // The answerer's key.
        if (is_savp(sy.proto)) {
            auto chosen = usable_crypto(m);
            const Key* ours = nullptr;
            const Key* theirs = nullptr;
            for (const auto& c : chosen) {
                for (const auto& k : p.offered_to[i]) {
                    if (k.tag == c.tag && k.params.suite == c.params.suite) {
                        ours = &k;
                        theirs = &c;
                        break;
                    }
                }
                if (ours != nullptr) break;
            }
            if (ours == nullptr) {
                return fail(MediaError::Code::kNoCommonCrypto,
                            "m=" + m.media + " (section " + std::to_string(i) +
                                "): the answer's a=crypto matches no offered tag and suite");
            }
            sy.expects = ours->params;
            sy.crypto_tag = ours->tag;
            sy.sends = theirs->params;
        } else {
            sy.expects = {};
            sy.sends = {};
            sy.crypto_tag = 0;
        }
        pick_codec(m, st);
        // The offerer's side.
        if (!family_ok(*iface, sx.remote, sx.zero_address || sx.remote.port == 0)) {
            return fail(
                MediaError::Code::kNoInterface,
                "the offerer's address family differs from interface '" + iface->name + "'");
        }
        if (auto r = anchor(sx, *iface, *pools_, im.held); !r) return tl::unexpected(r.error());
        std::vector<std::string> crypto_lines;
        if (is_savp(sx.proto)) {
            const auto& cands = p.offered_by[i];
            const Key* pick = &cands.front();
            for (const auto& c : cands) {
                if (c.params.suite == sy.expects.suite) {
                    pick = &c;
                    break;
                }
            }
            sx.sends = pick->params;
            if (sx.expects.suite != pick->params.suite || sx.crypto_tag != pick->tag) {
                sx.expects = generate_key(pick->tag, pick->params.suite).params;
            }
            sx.crypto_tag = pick->tag;
            crypto_lines.push_back(crypto_value(Key{sx.crypto_tag, sx.expects}));
        } else {
            sx.sends = {};
            sx.expects = {};
            sx.crypto_tag = 0;
        }
        const bool x_offered_mux = sx.rtcp_mux;
        switch (towards.rtcp_mux) {
            case RtcpMux::kKeep:
            case RtcpMux::kOffer: sx.rtcp_mux = x_offered_mux && sy.rtcp_mux; break;
            case RtcpMux::kAccept:
            case RtcpMux::kRequire: sx.rtcp_mux = x_offered_mux; break;
            case RtcpMux::kDemux: sx.rtcp_mux = false; break;
        }
        if (sx.rtcp_mux) sx.remote_rtcp = sx.remote;
        if (sy.rtcp_mux) sy.remote_rtcp = sy.remote;
        sdp::set_proto(m, sx.proto);
        sdp::replace_crypto(m, crypto_lines);
        set_mux(m, sx.rtcp_mux);
        sdp::set_media_address(
            m, flowapi::to_string(sx.relay.address), sx.relay.port,
            static_cast<std::uint16_t>(sx.rtcp_mux ? sx.relay.port : sx.relay.port + 1));
        if (addr->zero) {
            m.connections.assign(
                1, sdp::connection_for(
                       iface->address.family == flowapi::AddressFamily::kIpv6 ? "::" : "0.0.0.0"));
        }
    }
    im.opts[X] = towards;
    std::string out = finish_sdp(s, towards, *iface, im.out_origin[X], im.out_body[X]);
    streams_ = std::move(streams);
    if (!again) {
        im.answered = std::move(im.pending);
        im.pending.reset();
    }
    return out;
}

namespace {
void add_flow(std::map<Endpoint, FlowSpec, EndpointLess>& out, FlowSpec f) {
    if (flowapi::validate(f).field != nullptr) return;
    out[f.local] = f;
}
}  // namespace

flowapi::Batch MediaSession::take_early_changes() {
    auto& im = *impl_;
    im.early = im.pending.has_value();
    if (im.early) {
        // The offerer's relay port (the source of what it receives) is chosen now rather than at
        // the answer, on the interface its options name; the answer keeps it.
        const std::size_t O = index(im.pending->from);
        const Interface* iface = pools_->find(im.opts[O].interface);
        for (auto& st : im.pending->streams) {
            StreamSide& so = st.side[O];
            if (iface == nullptr || st.rejected || !so.present || so.relay.port != 0) continue;
            if (so.remote.port == 0 || so.remote.address.family != iface->address.family) continue;
            if (!anchor(so, *iface, *pools_, im.held)) continue;  // no port: no early flow
        }
    }
    return take_changes();
}

flowapi::Batch MediaSession::take_changes() {
    auto& im = *impl_;
    if (!im.pending) im.early = false;
    std::map<Endpoint, FlowSpec, EndpointLess> desired;
    for (const auto& st : streams_) {
        if (st.rejected) continue;
        for (std::size_t X = 0; X < 2; ++X) {
            const std::size_t Y = 1 - X;
            const StreamSide& sx = st.side[X];
            const StreamSide& sy = st.side[Y];
            if (!sx.present || !sy.present || sx.relay.port == 0 || sy.relay.port == 0) continue;
            if (sy.remote.port == 0 || sy.remote.address.is_unspecified()) continue;
            const LegOptions& ox = im.opts[X];
            const bool active = sdp::sends(sx.direction) && sdp::receives(sy.direction) &&
                                !sx.zero_address && !sy.zero_address;
            FlowSpec f;
            f.local = sx.relay;
            f.remote = sx.remote;
            f.latching = ox.latching;
            f.egress_source = sy.relay;
            f.egress_destination = sy.remote;
            f.srtp_ingress = sx.sends;
            f.srtp_egress = sy.expects;
            f.rtcp_mux = sx.rtcp_mux && sy.rtcp_mux;
            f.clock_rate = st.clock_rate;
            f.inactivity_timeout_ms = active ? ox.inactivity_timeout_ms : 0;
            f.cookie = id_;
            add_flow(desired, f);
            if (!sx.rtcp_mux) {
                FlowSpec r = f;
                r.local.port = static_cast<std::uint16_t>(sx.relay.port + 1);
                r.remote = sx.remote_rtcp;
                if (!sy.rtcp_mux) {
                    r.egress_source.port = static_cast<std::uint16_t>(sy.relay.port + 1);
                    r.egress_destination = sy.remote_rtcp;
                }
                r.rtcp_mux = false;
                r.inactivity_timeout_ms = 0;  // RTCP is sparse; RTP tells inactivity
                add_flow(desired, r);
            }
        }
    }
    // While an offer is pending (take_early_changes): the answerer-to-offerer direction.
    if (im.early) {
        const auto& p = *im.pending;
        const std::size_t O = index(p.from);  // the offerer: its address and codecs are known
        const std::size_t N = 1 - O;          // the answerer: it may send as soon as it answers
        for (std::size_t i = 0; i < p.streams.size(); ++i) {
            const Stream& st = p.streams[i];
            if (st.rejected || (i < p.relay_rejected.size() && p.relay_rejected[i])) continue;
            const StreamSide& so = st.side[O];
            const StreamSide& sn = st.side[N];
            if (!so.present || so.relay.port == 0 || sn.relay.port == 0) continue;
            if (so.remote.port == 0 || so.remote.address.is_unspecified() || so.zero_address)
                continue;
            if (!sdp::receives(so.direction)) continue;
            // Plain RTP only: the answerer's key (or the one the offerer expects from us) is not
            // final.
            if (i < p.offered_to.size() && !p.offered_to[i].empty()) continue;
            if (so.proto.find("SAVP") != std::string::npos) continue;
            if (desired.count(sn.relay) != 0) continue;  // a committed stream already owns the port
            FlowSpec f;
            f.local = sn.relay;
            f.latching = im.opts[N].latching;
            f.egress_source = so.relay;
            f.egress_destination = so.remote;
            f.rtcp_mux = false;
            f.clock_rate = st.clock_rate;
            f.cookie = id_;
            add_flow(desired, f);
        }
    }
    flowapi::Batch batch;
    for (const auto& [key, spec] : im.programmed) {
        if (desired.count(key) == 0) {
            flowapi::FlowOp op;
            op.kind = flowapi::OpKind::kDelete;
            op.spec.local = key;
            batch.ops.push_back(op);
        }
    }
    for (const auto& [key, spec] : desired) {
        auto it = im.programmed.find(key);
        if (it != im.programmed.end() && !(it->second == spec)) {
            batch.ops.push_back({flowapi::OpKind::kModify, spec});
        }
    }
    for (const auto& [key, spec] : desired) {
        if (im.programmed.count(key) == 0) batch.ops.push_back({flowapi::OpKind::kAdd, spec});
    }
    im.programmed = std::move(desired);
    // Release relay ports nothing refers to any more (removed sections, changed interfaces).
    std::set<Endpoint, EndpointLess> keep;
    auto mark = [&](const std::vector<Stream>& v) {
        for (const auto& st : v) {
            if (st.rejected) continue;
            for (const auto& sd : st.side) {
                if (sd.relay.port != 0) keep.insert(sd.relay);
            }
        }
    };
    mark(streams_);
    if (im.pending) mark(im.pending->streams);
    for (auto it = im.held.begin(); it != im.held.end();) {
        if (keep.count(*it) == 0) {
            pools_->release(it->address, it->port);
            it = im.held.erase(it);
        } else {
            ++it;
        }
    }
    for (auto& st : streams_) {
        if (!st.rejected) continue;
        for (auto& sd : st.side) {
            if (keep.count(sd.relay) == 0) sd.relay = {};
        }
    }
    return batch;
}

flowapi::Batch MediaSession::teardown() {
    auto& im = *impl_;
    flowapi::Batch batch;
    for (const auto& [key, spec] : im.programmed) {
        flowapi::FlowOp op;
        op.kind = flowapi::OpKind::kDelete;
        op.spec.local = key;
        batch.ops.push_back(op);
    }
    im.programmed.clear();
    for (const auto& e : im.held) pools_->release(e.address, e.port);
    im.held.clear();
    im.pending.reset();
    im.answered.reset();
    streams_.clear();
    return batch;
}

std::vector<flowapi::FlowSpec> MediaSession::flows() const {
    std::vector<FlowSpec> out;
    out.reserve(impl_->programmed.size());
    for (const auto& [k, f] : impl_->programmed) out.push_back(f);
    return out;
}

void MediaSession::adopt_flows(const std::vector<flowapi::FlowSpec>& flows) {
    auto& im = *impl_;
    im.programmed.clear();
    for (const auto& f : flows) {
        im.programmed[f.local] = f;
        Endpoint even = f.local;
        even.port = static_cast<std::uint16_t>(even.port & ~1u);
        if (im.held.insert(even).second) pools_->reserve(even.address, even.port);
    }
}

// --- journal form --------------------------------------------------------------------------------
namespace {
nlohmann::json endpoint_json(const Endpoint& e) {
    return flowapi::to_string(e);
}
bool endpoint_from(const nlohmann::json& j, Endpoint& e) {
    const auto s = j.get<std::string>();
    if (s.empty() || s == "0") {
        e = {};
        return true;
    }
    auto p = flowapi::parse_endpoint(s);
    if (!p) return false;
    e = *p;
    return true;
}
std::string endpoint_text(const Endpoint& e) {
    return e.address.family == flowapi::AddressFamily::kNone ? std::string()
                                                             : flowapi::to_string(e);
}
nlohmann::json options_json(const LegOptions& o) {
    nlohmann::json j;
    j["interface"] = o.interface;
    j["transport"] = static_cast<int>(o.transport);
    j["rtcp_mux"] = static_cast<int>(o.rtcp_mux);
    j["remove_ice"] = o.remove_ice;
    j["latching"] = static_cast<int>(o.latching);
    j["trust_address"] = o.trust_address;
    j["received_from"] = o.received_from ? endpoint_text(*o.received_from) : std::string();
    j["inactivity_timeout_ms"] = o.inactivity_timeout_ms;
    j["replace_origin"] = o.replace_origin;
    j["replace_session_connection"] = o.replace_session_connection;
    j["sdes_suites"] = o.sdes_suites;
    return j;
}
LegOptions options_from(const nlohmann::json& j) {
    LegOptions o;
    o.interface = j.at("interface").get<std::string>();
    o.transport = static_cast<Transport>(std::min(j.at("transport").get<int>(), 4));
    o.rtcp_mux = static_cast<RtcpMux>(std::min(j.at("rtcp_mux").get<int>(), 4));
    o.remove_ice = j.at("remove_ice").get<bool>();
    o.latching = static_cast<flowapi::Latching>(std::min(j.at("latching").get<int>(), 2));
    o.trust_address = j.at("trust_address").get<bool>();
    if (auto rf = j.at("received_from").get<std::string>(); !rf.empty()) {
        o.received_from = flowapi::parse_endpoint(rf);
    }
    o.inactivity_timeout_ms = j.at("inactivity_timeout_ms").get<std::uint32_t>();
    o.replace_origin = j.at("replace_origin").get<bool>();
    o.replace_session_connection = j.at("replace_session_connection").get<bool>();
    o.sdes_suites = j.at("sdes_suites").get<std::vector<std::string>>();
    return o;
}
nlohmann::json origin_json(const std::optional<sdp::Origin>& o) {
    if (!o) return nullptr;
    return {{"username", o->username}, {"sess_id", o->sess_id},   {"sess_version", o->sess_version},
            {"nettype", o->nettype},   {"addrtype", o->addrtype}, {"address", o->address}};
}
std::optional<sdp::Origin> origin_from(const nlohmann::json& j) {
    if (j.is_null()) return std::nullopt;
    sdp::Origin o;
    o.username = j.at("username").get<std::string>();
    o.sess_id = j.at("sess_id").get<std::string>();
    o.sess_version = j.at("sess_version").get<std::uint64_t>();
    o.nettype = j.at("nettype").get<std::string>();
    o.addrtype = j.at("addrtype").get<std::string>();
    o.address = j.at("address").get<std::string>();
    return o;
}
}  // namespace

nlohmann::json MediaSession::to_json() const {
    const auto& im = *impl_;
    nlohmann::json j;
    j["id"] = id_;
    j["call_id"] = call_id_;
    j["tags"] = {tags_[0], tags_[1]};
    j["options"] = {options_json(im.opts[0]), options_json(im.opts[1])};
    j["origins"] = {origin_json(im.out_origin[0]), origin_json(im.out_origin[1])};
    j["bodies"] = {im.out_body[0], im.out_body[1]};
    auto streams = nlohmann::json::array();
    for (const auto& st : streams_) {
        nlohmann::json s;
        s["media"] = st.media;
        s["rejected"] = st.rejected;
        s["codec"] = st.codec;
        s["clock_rate"] = st.clock_rate;
        auto sides = nlohmann::json::array();
        for (const auto& sd : st.side) {
            sides.push_back({{"interface", sd.interface},
                             {"relay", endpoint_text(sd.relay)},
                             {"remote", endpoint_text(sd.remote)},
                             {"remote_rtcp", endpoint_text(sd.remote_rtcp)},
                             {"rtcp_mux", sd.rtcp_mux},
                             {"zero_address", sd.zero_address},
                             {"direction", std::string(sdp::to_string(sd.direction))},
                             {"proto", sd.proto},
                             {"sends", srtp_json(sd.sends)},
                             {"expects", srtp_json(sd.expects)},
                             {"crypto_tag", sd.crypto_tag},
                             {"present", sd.present}});
        }
        s["sides"] = std::move(sides);
        streams.push_back(std::move(s));
    }
    j["streams"] = std::move(streams);
    auto flows = nlohmann::json::array();
    for (const auto& [k, f] : im.programmed) flows.push_back(flowapi::to_json(f));
    j["flows"] = std::move(flows);
    auto held = nlohmann::json::array();
    for (const auto& e : im.held) held.push_back(endpoint_json(e));
    j["held"] = std::move(held);
    return j;
}

namespace {
void write_srtp(flowapi::JsonOut& o, const SrtpParams& p) {
    const auto& info = flowapi::suite_info(p.suite);
    o.begin_object()
        .member("suite", p.suite == SrtpSuite::kNone ? std::string_view("none")
                                                     : std::string_view(info.name))
        .member("key", srtp::base64_encode({p.master_key.data(), info.key_size}))
        .member("salt", srtp::base64_encode({p.master_salt.data(), info.salt_size}))
        .end_object();
}
void write_options(flowapi::JsonOut& o, const LegOptions& l) {
    o.begin_object()
        .member("interface", l.interface)
        .member("transport", static_cast<int>(l.transport))
        .member("rtcp_mux", static_cast<int>(l.rtcp_mux))
        .member("remove_ice", l.remove_ice)
        .member("latching", static_cast<int>(l.latching))
        .member("trust_address", l.trust_address)
        .member("received_from", l.received_from ? endpoint_text(*l.received_from) : std::string())
        .member("inactivity_timeout_ms", l.inactivity_timeout_ms)
        .member("replace_origin", l.replace_origin)
        .member("replace_session_connection", l.replace_session_connection);
    o.key("sdes_suites").begin_array();
    for (const auto& suite : l.sdes_suites) o.value(suite);
    o.end_array().end_object();
}
void write_origin(flowapi::JsonOut& o, const std::optional<sdp::Origin>& g) {
    if (!g) {
        o.null();
        return;
    }
    o.begin_object()
        .member("username", g->username)
        .member("sess_id", g->sess_id)
        .member("sess_version", g->sess_version)
        .member("nettype", g->nettype)
        .member("addrtype", g->addrtype)
        .member("address", g->address)
        .end_object();
}
}  // namespace

void MediaSession::write_json(std::string& out) const {
    const auto& im = *impl_;
    flowapi::JsonOut o(out);
    o.begin_object().member("id", id_).member("call_id", call_id_);
    o.key("tags").begin_array().value(tags_[0]).value(tags_[1]).end_array();
    o.key("options").begin_array();
    write_options(o, im.opts[0]);
    write_options(o, im.opts[1]);
    o.end_array().key("origins").begin_array();
    write_origin(o, im.out_origin[0]);
    write_origin(o, im.out_origin[1]);
    o.end_array();
    o.key("bodies").begin_array().value(im.out_body[0]).value(im.out_body[1]).end_array();
    o.key("streams").begin_array();
    for (const auto& st : streams_) {
        o.begin_object()
            .member("media", st.media)
            .member("rejected", st.rejected)
            .member("codec", st.codec)
            .member("clock_rate", st.clock_rate);
        o.key("sides").begin_array();
        for (const auto& sd : st.side) {
            o.begin_object()
                .member("interface", sd.interface)
                .member("relay", endpoint_text(sd.relay))
                .member("remote", endpoint_text(sd.remote))
                .member("remote_rtcp", endpoint_text(sd.remote_rtcp))
                .member("rtcp_mux", sd.rtcp_mux)
                .member("zero_address", sd.zero_address)
                .member("direction", sdp::to_string(sd.direction))
                .member("proto", sd.proto);
            o.key("sends");
            write_srtp(o, sd.sends);
            o.key("expects");
            write_srtp(o, sd.expects);
            o.member("crypto_tag", sd.crypto_tag).member("present", sd.present).end_object();
        }
        o.end_array().end_object();
    }
    o.end_array().key("flows").begin_array();
    for (const auto& [k, f] : im.programmed) flowapi::write_json(o, f);
    o.end_array().key("held").begin_array();
    for (const auto& e : im.held) o.value(flowapi::to_string(e));
    o.end_array().end_object();
}

tl::expected<std::unique_ptr<MediaSession>, MediaError> MediaSession::from_json(
    const nlohmann::json& j, PortPools& pools) {
    try {
        auto s = std::make_unique<MediaSession>(j.at("id").get<std::uint64_t>(),
                                                j.at("call_id").get<std::string>(), pools);
        auto& im = *s->impl_;
        for (std::size_t i = 0; i < 2; ++i) {
            s->tags_[i] = j.at("tags").at(i).get<std::string>();
            im.opts[i] = options_from(j.at("options").at(i));
            im.out_origin[i] = origin_from(j.at("origins").at(i));
            im.out_body[i] = j.at("bodies").at(i).get<std::string>();
        }
        for (const auto& sj : j.at("streams")) {
            Stream st;
            st.media = sj.at("media").get<std::string>();
            st.rejected = sj.at("rejected").get<bool>();
            st.codec = sj.at("codec").get<std::string>();
            st.clock_rate = sj.at("clock_rate").get<std::uint32_t>();
            for (std::size_t i = 0; i < 2; ++i) {
                const auto& d = sj.at("sides").at(i);
                auto& sd = st.side[i];
                sd.interface = d.at("interface").get<std::string>();
                auto dir = sdp::direction_from_name(d.at("direction").get<std::string>());
                if (!endpoint_from(d.at("relay"), sd.relay) ||
                    !endpoint_from(d.at("remote"), sd.remote) ||
                    !endpoint_from(d.at("remote_rtcp"), sd.remote_rtcp) || !dir ||
                    !srtp_from_json(d.at("sends"), sd.sends) ||
                    !srtp_from_json(d.at("expects"), sd.expects)) {
                    return fail(MediaError::Code::kState, "journal: bad stream side");
                }
                sd.direction = *dir;
                sd.rtcp_mux = d.at("rtcp_mux").get<bool>();
                sd.zero_address = d.at("zero_address").get<bool>();
                sd.proto = d.at("proto").get<std::string>();
                sd.crypto_tag = d.at("crypto_tag").get<std::uint32_t>();
                sd.present = d.at("present").get<bool>();
            }
            s->streams_.push_back(std::move(st));
        }
        for (const auto& fj : j.at("flows")) {
            auto f = flowapi::flow_from_json(fj, "flows[]");
            if (!f) return fail(MediaError::Code::kState, "journal: " + f.error());
            im.programmed[f->local] = *f;
        }
        for (const auto& hj : j.at("held")) {
            Endpoint e;
            if (!endpoint_from(hj, e)) return fail(MediaError::Code::kState, "journal: bad port");
            im.held.insert(e);
            pools.reserve(e.address, e.port);
        }
        return s;
    } catch (const nlohmann::json::exception& e) {
        return fail(MediaError::Code::kState, std::string("journal: ") + e.what());
    }
}

}  // namespace rtpx::media
