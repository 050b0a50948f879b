#include "rtpx/ng/server.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

namespace rtpx::ng {

std::optional<sip::SockAddr> parse_listen(std::string_view text) {
    return sip::SockAddr::parse(text, 2223);
}

// ---- MediaBackend -------------------------------------------------------------------------------

namespace {

media::MediaError not_found(std::string_view key) {
    return media::MediaError{media::MediaError::Code::kNotFound,
                             "Unknown call-id " + std::string(key)};
}

}  // namespace

tl::expected<void, media::MediaError> MediaBackend::apply_changes(media::MediaSession& session) {
    const flowapi::Batch batch = session.take_changes();
    if (batch.ops.empty()) return {};
    return engine_.apply(batch);
}

tl::expected<std::string, media::MediaError> MediaBackend::offer(
    std::string_view key, media::Leg sender, std::string_view sender_tag, std::string_view sdp,
    const media::LegOptions& towards, const media::LegOptions& sender_options) {
    const bool existed = engine_.find(key) != nullptr;
    media::MediaSession& session = engine_.create_session(std::string(key));
    if (session.tag(sender) != sender_tag) session.set_tag(sender, std::string(sender_tag));
    auto out = session.offer(sender, sdp, towards, &sender_options);
    if (out) {
        if (auto applied = apply_changes(session); !applied)
            out = tl::make_unexpected(applied.error());
    }
    if (!out && !existed) {
        (void)session.teardown();  // releases ports; nothing was programmed
        engine_.erase(key);
    }
    return out;
}

tl::expected<std::string, media::MediaError> MediaBackend::answer(
    std::string_view key, media::Leg sender, std::string_view sender_tag, std::string_view sdp,
    const media::LegOptions& towards, const media::LegOptions& sender_options) {
    media::MediaSession* session = engine_.find(key);
    if (session == nullptr) return tl::make_unexpected(not_found(key));
    if (session->tag(sender) != sender_tag) session->set_tag(sender, std::string(sender_tag));
    auto out = session->answer(sender, sdp, towards, &sender_options);
    if (!out) return out;
    if (auto applied = apply_changes(*session); !applied)
        return tl::make_unexpected(applied.error());
    return out;
}

tl::expected<void, media::MediaError> MediaBackend::remove(std::string_view key) {
    if (engine_.find(key) == nullptr) return tl::make_unexpected(not_found(key));
    return engine_.delete_call(key);
}

tl::expected<CallTotals, media::MediaError> MediaBackend::totals(std::string_view key) {
    media::MediaSession* session = engine_.find(key);
    if (session == nullptr) return tl::make_unexpected(not_found(key));
    auto s = engine_.stats(*session);
    if (!s) return tl::make_unexpected(s.error());
    return CallTotals{*s};
}

bool MediaBackend::exists(std::string_view key) const {
    return engine_.find(key) != nullptr;
}

std::vector<media::Stream> MediaBackend::streams(std::string_view key) const {
    media::MediaSession* s = engine_.find(key);
    if (s == nullptr) return {};
    return s->streams();
}

// ---- request → media options --------------------------------------------------------------------

namespace {

std::int64_t unix_now() {
    return static_cast<std::int64_t>(std::time(nullptr));
}

media::Transport to_media(TransportProtocol t) {
    switch (t) {
        case TransportProtocol::kRtpAvp: return media::Transport::kRtpAvp;
        case TransportProtocol::kRtpSavp: return media::Transport::kRtpSavp;
        case TransportProtocol::kRtpAvpf: return media::Transport::kRtpAvpf;
        case TransportProtocol::kRtpSavpf: return media::Transport::kRtpSavpf;
        default: return media::Transport::kKeep;
    }
}

// The SDES suites rtpx offers to a leg it encrypts for (the data plane's SDES set).
constexpr std::array<std::string_view, 6> kSdesSuites = {
    "AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32", "AES_192_CM_HMAC_SHA1_80",
    "AES_192_CM_HMAC_SHA1_32", "AES_256_CM_HMAC_SHA1_80", "AES_256_CM_HMAC_SHA1_32",
};

flowapi::Latching latching_of(const Request& r) {
    if (r.strict_source) return flowapi::Latching::kStrict;
    if (r.asymmetric) return flowapi::Latching::kOff;
    return flowapi::Latching::kLearnOnce;  // symmetric, port-latching, media-handover, the default
}

// The sending leg's own options: its interface, where it receives (SDP or SIP source), latching.
// Starts from what that leg was last given so its transport/SDES settings survive.
tl::expected<void, std::string> apply_sender(const Request& r, std::string interface,
                                             media::LegOptions& o) {
    o.interface = std::move(interface);
    o.latching = latching_of(r);
    // Media addresses: the SDP's (trust-address, the default) unless SIP-source-address asks for
    // the SIP source; `media address` overrides both.
    std::optional<std::string> source;
    if (r.media_address)
        source = r.media_address;
    else if (r.sip_source_address && r.received_from)
        source = r.received_from;
    o.trust_address = true;
    o.received_from.reset();
    if (source) {
        auto ip = flowapi::parse_ip_address(*source);
        if (!ip) return tl::make_unexpected("invalid address '" + *source + "'");
        o.trust_address = false;
        o.received_from = flowapi::Endpoint{*ip, 0};  // port: the SDP's
    }
    return {};
}

struct OptionsResult {
    media::LegOptions options;
    std::string warning;
};

tl::expected<OptionsResult, std::string> leg_options(const Request& r, std::string interface) {
    OptionsResult out;
    auto& o = out.options;
    o.interface = std::move(interface);
    o.transport = to_media(r.transport);
    if (r.rtcp_mux_require)
        o.rtcp_mux = media::RtcpMux::kRequire;
    else if (r.rtcp_mux_offer)
        o.rtcp_mux = media::RtcpMux::kOffer;
    else if (r.rtcp_mux_demux)
        o.rtcp_mux = media::RtcpMux::kDemux;
    else if (r.rtcp_mux_accept)
        o.rtcp_mux = media::RtcpMux::kAccept;
    // ICE: the relay anchors media and has no ICE agent: remove (and the default) strip it;
    // force/force-relay/optional keep the candidates as received (media::Ice::kForce).
    o.remove_ice = r.ice == IceMode::kDefault || r.ice == IceMode::kRemove;
    if (!o.remove_ice) out.warning = "ICE is passed through unchanged (rtpx has no ICE agent)";
    o.latching = latching_of(r);
    o.replace_origin = r.replace_origin;
    o.replace_session_connection = true;  // c= always names the relay (rtpengine does the same)
    // SDES.
    const bool srtp =
        o.transport == media::Transport::kRtpSavp || o.transport == media::Transport::kRtpSavpf;
    if (r.sdes.off && srtp)
        return tl::make_unexpected(
            std::string("SDES-off leaves no SRTP keying (DTLS-SRTP is not supported by rtpx)"));
    if (!r.sdes.only.empty()) {
        for (const auto& s : r.sdes.only) {
            if (std::find(kSdesSuites.begin(), kSdesSuites.end(), s) != kSdesSuites.end() &&
                std::find(o.sdes_suites.begin(), o.sdes_suites.end(), s) == o.sdes_suites.end())
                o.sdes_suites.push_back(s);
        }
    } else if (!r.sdes.no.empty()) {
        for (auto s : kSdesSuites) {
            if (r.sdes.suite_allowed(s)) o.sdes_suites.emplace_back(s);
        }
    }
    if ((!r.sdes.only.empty() || !r.sdes.no.empty()) && o.sdes_suites.empty() && srtp)
        return tl::make_unexpected(std::string("the SDES options leave no crypto suite to offer"));
    return out;
}

std::string media_error_reason(const media::MediaError& e) {
    return std::string(media::to_string(e.code)) + ": " + e.what;
}

Value stats_value(std::uint64_t packets, std::uint64_t bytes, std::uint64_t errors) {
    Value v{Dict{}};
    v.set("packets", static_cast<std::int64_t>(packets));
    v.set("bytes", static_cast<std::int64_t>(bytes));
    v.set("errors", static_cast<std::int64_t>(errors));
    return v;
}

Value endpoint_value(const flowapi::Endpoint& e) {
    Value v{Dict{}};
    v.set("family", e.address.family == flowapi::AddressFamily::kIpv6 ? "IPv6" : "IPv4");
    v.set("address", flowapi::to_string(e.address));
    v.set("port", static_cast<std::int64_t>(e.port));
    return v;
}

}  // namespace

// ---- Server -------------------------------------------------------------------------------------

Server::Server(ServerConfig config, Backend& backend)
    : config_(std::move(config)), backend_(backend), started_(Clock::now()) {}

Server::~Server() {
    for (int fd : fds_) {
        if (loop_ != nullptr) loop_->remove_fd(fd);
        ::close(fd);
    }
}

void Server::expire_cache(Clock::time_point now) {
    while (!cache_order_.empty() &&
           (cache_order_.front().first <= now || cache_order_.size() > config_.cookie_cache_max)) {
        auto it = cache_.find(cache_order_.front().second);
        // The entry may have been replaced by a newer one with the same key; erase only when stale.
        if (it != cache_.end() && it->second.expires == cache_order_.front().first)
            cache_.erase(it);
        cache_order_.pop_front();
    }
}

std::optional<std::string> Server::handle(std::string_view datagram, const sip::SockAddr& peer,
                                          Clock::time_point now) {
    const auto frame = split_frame(datagram);
    if (!frame) {
        ++counters_.undecodable;
        return std::nullopt;
    }
    expire_cache(now);
    std::string key = peer.to_string();
    key += ' ';
    key += frame->cookie;
    if (auto it = cache_.find(key); it != cache_.end()) {
        ++counters_.retransmissions;
        return it->second.bytes;
    }

    BodyFormat format = BodyFormat::kBencode;
    Value reply;
    auto body = decode_body(frame->body, &format, config_.limits);
    if (!body) {
        ++counters_.undecodable;
        reply = make_error_reply("could not decode dictionary: " + body.error().what);
    } else if (auto request = parse_request(*body); !request) {
        reply = make_error_reply(request.error().reason);
    } else {
        counters_.unknown_flags += request->unknown_flags.size();
        counters_.unknown_keys += request->unknown_keys.size();
        reply = dispatch(*request, now);
    }
    if (const Value* result = reply.find("result");
        result && result->is_string() && result->as_string() == "error")
        ++counters_.errors;

    std::string bytes = frame_reply(frame->cookie, reply, format);
    const auto expires = now + config_.cookie_ttl;
    cache_[key] = CachedReply{bytes, expires};
    cache_order_.emplace_back(expires, std::move(key));
    expire_cache(now);
    return bytes;
}

Value Server::dispatch(const Request& r, Clock::time_point now) {
    switch (r.command) {
        case Command::kPing: {
            ++counters_.ping;
            Value v{Dict{}};
            v.set("result", "pong");
            return v;
        }
        case Command::kOffer: ++counters_.offer; return do_offer(r, false);
        case Command::kAnswer: ++counters_.answer; return do_offer(r, true);
        case Command::kDelete: ++counters_.del; return do_delete(r);
        case Command::kQuery: ++counters_.query; return do_query(r);
        case Command::kList: ++counters_.list; return do_list(r);
        case Command::kStatistics: ++counters_.statistics; return do_statistics(now);
        case Command::kUnsupported: break;
    }
    return make_error_reply("Unrecognized command '" + r.command_name + "'");
}

// ---- branches -----------------------------------------------------------------------------------

const Server::TagAnswer* Server::Branch::find(std::string_view tag) const {
    for (const auto& t : tags)
        if (t.tag == tag) return &t;
    return nullptr;
}

const std::string& Server::Branch::active_tag() const {
    static const std::string kNone;
    return tags.empty() ? kNone : tags.back().tag;
}

Server::Branch* Server::CallMeta::branch_of_tag(std::string_view tag) {
    if (tag.empty()) return nullptr;
    for (auto& b : branches)
        if (b.find(tag) != nullptr) return &b;
    return nullptr;
}

Server::Branch* Server::CallMeta::branch_of_via(std::string_view via) {
    if (via.empty()) return nullptr;
    for (auto& b : branches)
        if (b.via_branch == via) return &b;
    return nullptr;
}

std::vector<std::string> Server::branch_keys(std::string_view call_id) const {
    std::vector<std::string> out;
    if (auto it = calls_.find(std::string(call_id)); it != calls_.end())
        for (const auto& b : it->second.branches) out.push_back(b.key);
    return out;
}

// ---- offer / answer -----------------------------------------------------------------------------

Value Server::do_offer(const Request& r, bool is_answer) {
    auto it = calls_.find(r.call_id);
    const bool known = it != calls_.end();
    if (is_answer && !known) return make_error_reply("Unknown call-id");
    if (!is_answer && !known && config_.max_sessions != 0 &&
        calls_.size() >= config_.max_sessions) {
        ++counters_.load_limited;
        return make_load_limit_reply("Parallel session limit reached");
    }
    if (!known) {
        it = calls_.emplace(r.call_id, CallMeta{}).first;
        it->second.created = unix_now();
        it->second.interface_a = config_.interface_towards_a;
        it->second.interface_b = config_.interface_towards_b;
        it->second.a_tag = r.from_tag;
    }
    CallMeta& call = it->second;
    const auto forget_new_call = [&] {
        if (!known) calls_.erase(r.call_id);
    };

    // Which branch, which leg sent this SDP, and does its tag join the branch (a fork's answer)?
    // The party whose SDP this is: offer → from-tag, answer → to-tag.
    const std::string& sender_tag = is_answer ? r.to_tag : r.from_tag;
    const std::string& peer_tag = is_answer ? r.from_tag : r.to_tag;
    const bool sender_is_a = sender_tag == call.a_tag;
    Branch* branch = nullptr;
    bool new_branch = false;
    bool joins = false;  // the B-side sender tag is new on `branch`
    if (sender_is_a) {
        // An offer (or an answer to a B-side re-INVITE) from A: the branch of the peer's tag, of
        // the via-branch, or the latest; a via-branch no branch has yet is a new branch.
        branch = call.branch_of_tag(peer_tag);
        if (branch == nullptr) branch = call.branch_of_via(r.via_branch);
        if (branch == nullptr && !call.branches.empty()) {
            Branch& last = call.branches.back();
            const bool adopt = r.via_branch.empty() ||
                               (!is_answer && last.via_branch.empty() && last.tags.empty());
            if (adopt || is_answer) branch = &last;
            if (adopt && !r.via_branch.empty() && last.via_branch.empty())
                last.via_branch = r.via_branch;
        }
        if (branch == nullptr && is_answer) {
            forget_new_call();
            return make_error_reply("Unknown to-tag " + sender_tag);
        }
        if (branch == nullptr) new_branch = true;
    } else {
        // From the B side: the branch that holds the tag, else (a first or forked answer, or an
        // offer from a B tag not seen yet) the via-branch's, else the latest unanswered, else the
        // latest.
        branch = call.branch_of_tag(sender_tag);
        if (branch == nullptr) {
            if (!known || (!is_answer && !peer_tag.empty() && peer_tag != call.a_tag)) {
                forget_new_call();
                return make_error_reply("Unknown from-tag " + sender_tag + " for call " +
                                        r.call_id);
            }
            branch = call.branch_of_via(r.via_branch);
            if (branch == nullptr) {
                for (auto b = call.branches.rbegin(); b != call.branches.rend(); ++b)
                    if (b->tags.empty()) {
                        branch = &*b;
                        break;
                    }
            }
            if (branch == nullptr && !call.branches.empty()) branch = &call.branches.back();
            if (branch == nullptr) return make_error_reply("Unknown call-id");
            joins = true;
        }
    }
    if (new_branch) {
        Branch b;
        b.key = call.branches.empty() ? r.call_id
                                      : r.call_id + " branch " + std::to_string(call.next_branch++);
        b.via_branch = r.via_branch;
        if (!peer_tag.empty()) b.tags.push_back(TagAnswer{peer_tag, {}, {}, {}});
        // A new branch of a known call starts from the options A had on the first branch.
        if (!call.branches.empty()) {
            b.options = call.branches.front().options;
            b.has_options = call.branches.front().has_options;
        }
        call.branches.push_back(std::move(b));
        branch = &call.branches.back();
    }
    const auto drop_new_branch = [&] {
        if (new_branch) call.branches.pop_back();
        if (call.branches.empty()) calls_.erase(r.call_id);
    };

    // Interfaces: `direction` = [sender's, receiver's]; remembered per call by leg.
    if (r.direction.size() == 2 && !is_answer) {
        (sender_is_a ? call.interface_a : call.interface_b) = r.direction[0];
        (sender_is_a ? call.interface_b : call.interface_a) = r.direction[1];
    }
    const std::size_t sender_leg = sender_is_a ? 0 : 1;
    const std::size_t receiver_leg = 1 - sender_leg;
    const std::string& towards_interface = sender_is_a ? call.interface_b : call.interface_a;
    const std::string& sender_interface = sender_is_a ? call.interface_a : call.interface_b;
    auto options = leg_options(r, towards_interface);
    media::LegOptions sender_options =
        branch->has_options[sender_leg] ? branch->options[sender_leg] : media::LegOptions{};
    tl::expected<void, std::string> sender_ok{};
    if (options) sender_ok = apply_sender(r, sender_interface, sender_options);
    if (!options || !sender_ok) {
        drop_new_branch();
        return make_error_reply(options ? sender_ok.error() : options.error());
    }
    const media::Leg leg = sender_is_a ? media::Leg::kA : media::Leg::kB;
    auto sdp =
        is_answer
            ? backend_.answer(branch->key, leg, sender_tag, r.sdp, options->options, sender_options)
            : backend_.offer(branch->key, leg, sender_tag, r.sdp, options->options, sender_options);
    if (!sdp) {
        if (!backend_.exists(branch->key)) drop_new_branch();
        return make_error_reply(media_error_reason(sdp.error()));
    }
    if (new_branch) {
        if (!known) ++counters_.sessions_created;
        if (call.branches.size() > 1) ++counters_.branches_created;
    }
    branch->options[receiver_leg] = options->options;
    branch->options[sender_leg] = sender_options;
    branch->has_options = {true, true};
    if (!sender_is_a) {
        // The B-side tag becomes (or stays) the branch's active one; an answer is kept so the
        // branch can fall back to it when a later fork's tag is deleted.
        TagAnswer t{sender_tag, is_answer ? r.sdp : std::string(), options->options,
                    sender_options};
        if (joins) {
            branch->tags.push_back(std::move(t));
        } else {
            auto pos = std::find_if(branch->tags.begin(), branch->tags.end(),
                                    [&](const TagAnswer& x) { return x.tag == sender_tag; });
            if (is_answer) {
                *pos = std::move(t);
            } else {
                pos->sdp.clear();  // a B-side re-offer: no answer to fall back to any more
            }
            std::rotate(pos, pos + 1, branch->tags.end());
        }
    }
    call.last_signal = unix_now();
    Value v = make_ok_reply();
    v.set("sdp", std::move(*sdp));
    if (!options->warning.empty()) v.set("warning", options->warning);
    return v;
}

// ---- query / delete / list ----------------------------------------------------------------------

Value Server::totals_value(const CallMeta& call, const Branch* only) {
    std::array<media::LegStats, 2> legs{};
    for (const auto& b : call.branches) {
        if (only != nullptr && &b != only) continue;
        if (auto t = backend_.totals(b.key)) {
            for (std::size_t i = 0; i < 2; ++i) {
                legs[i].packets += t->legs[i].packets;
                legs[i].bytes += t->legs[i].bytes;
                legs[i].errors += t->legs[i].errors;
            }
        }
    }
    Value totals{Dict{}};
    totals.set("RTP", stats_value(legs[0].packets + legs[1].packets, legs[0].bytes + legs[1].bytes,
                                  legs[0].errors + legs[1].errors));
    // The data plane counts a leg's packets together; RTCP is not reported apart.
    totals.set("RTCP", stats_value(0, 0, 0));
    return totals;
}

namespace {

// One tag's entry of a query reply: its medias (from `side` of `streams`) and totals.
Value tag_value(const std::string& tag, std::int64_t created, const std::vector<std::string>& peers,
                const std::vector<media::Stream>& streams, std::size_t side,
                const media::LegStats& leg) {
    Value t{Dict{}};
    t.set("tag", tag);
    t.set("created", created);
    if (!peers.empty()) t.set("in dialogue with", peers.front());
    if (peers.size() > 1) {
        List others;
        for (const auto& p : peers) others.emplace_back(p);
        t.set("other tags", std::move(others));
    }
    List medias;
    std::int64_t index = 1;
    bool first = true;
    for (const auto& s : streams) {
        const auto& sd = s.side[side];
        Value m{Dict{}};
        m.set("index", index++);
        m.set("type", s.media);
        m.set("protocol", sd.proto);
        List flags;
        if (sd.present) flags.emplace_back("initialized");
        if (sd.rtcp_mux) flags.emplace_back("rtcp-mux");
        if (sd.expects.suite != flowapi::SrtpSuite::kNone) flags.emplace_back("SDES");
        m.set("flags", std::move(flags));
        Value stream{Dict{}};
        if (sd.relay.port != 0) stream.set("local port", static_cast<std::int64_t>(sd.relay.port));
        stream.set("endpoint", endpoint_value(sd.remote));
        // Per-leg counters: the data plane sums a leg's streams; they go on its first stream.
        stream.set("stats",
                   first ? stats_value(leg.packets, leg.bytes, leg.errors) : stats_value(0, 0, 0));
        List stream_flags;
        stream_flags.emplace_back("RTP");
        if (sd.rtcp_mux) stream_flags.emplace_back("RTCP");
        stream.set("flags", std::move(stream_flags));
        List stream_list;
        stream_list.push_back(std::move(stream));
        m.set("streams", std::move(stream_list));
        medias.push_back(std::move(m));
        first = false;
    }
    t.set("medias", std::move(medias));
    // rtpx additions: the leg's totals and quality, as measured on packets from it.
    Value q = stats_value(leg.packets, leg.bytes, leg.errors);
    q.set("lost", static_cast<std::int64_t>(leg.lost));
    q.set("jitter-us", static_cast<std::int64_t>(leg.jitter_ms * 1000));
    q.set("MOS", static_cast<std::int64_t>(leg.mos * 10));  // tenths, as rtpengine
    t.set("totals", std::move(q));
    return t;
}

}  // namespace

Value Server::do_query(const Request& r) {
    auto it = calls_.find(r.call_id);
    if (it == calls_.end()) return make_error_reply("Unknown call-id");
    const CallMeta& call = it->second;
    std::string stats_warning;
    media::LegStats a_leg;  // A's packets, summed over its branches
    std::vector<std::string> b_tags;
    Value tag_dict{Dict{}};
    std::vector<media::Stream> a_streams;
    for (const auto& b : call.branches) {
        std::array<media::LegStats, 2> legs{};
        if (auto t = backend_.totals(b.key)) {
            legs = t->legs;
        } else if (stats_warning.empty()) {
            stats_warning = media_error_reason(t.error());
        }
        a_leg.packets += legs[0].packets;
        a_leg.bytes += legs[0].bytes;
        a_leg.errors += legs[0].errors;
        a_leg.lost += legs[0].lost;
        a_leg.jitter_ms = std::max(a_leg.jitter_ms, legs[0].jitter_ms);
        if (legs[0].mos > 0 && (a_leg.mos == 0 || legs[0].mos < a_leg.mos)) a_leg.mos = legs[0].mos;
        const auto streams = backend_.streams(b.key);
        if (a_streams.empty()) a_streams = streams;
        for (const auto& t : b.tags) {
            b_tags.push_back(t.tag);
            // Only the active tag's answer is programmed: earlier forks' tags have no counters.
            const bool active = &t == &b.tags.back();
            tag_dict.set(t.tag, tag_value(t.tag, call.created, {call.a_tag}, streams, 1,
                                          active ? legs[1] : media::LegStats{}));
        }
    }
    tag_dict.set(call.a_tag, tag_value(call.a_tag, call.created, b_tags, a_streams, 0, a_leg));

    Value v = make_ok_reply();
    v.set("created", call.created);
    v.set("last signal", call.last_signal);
    v.set("tags", std::move(tag_dict));
    v.set("totals", totals_value(call, nullptr));
    if (call.branches.size() > 1) {
        List branches;
        for (const auto& b : call.branches) {
            Value bv{Dict{}};
            bv.set("via-branch", b.via_branch);
            bv.set("tag", b.active_tag());
            branches.push_back(std::move(bv));
        }
        v.set("branches", std::move(branches));
    }
    if (!stats_warning.empty()) v.set("warning", "statistics unavailable: " + stats_warning);
    return v;
}

// Removes branch `index` of `call` (its flows deleted); sets *call_gone when it was the last one
// (the call entry is then erased: `call` dangles). Returns the branch's totals, or an error reply.
Value Server::remove_branch(CallMeta& call, std::size_t index, bool* call_gone) {
    Branch& b = call.branches[index];
    Value totals = totals_value(call, &b);  // the final counters, read before the flows go
    auto removed = backend_.remove(b.key);
    call.branches.erase(call.branches.begin() + static_cast<std::ptrdiff_t>(index));
    *call_gone = call.branches.empty();
    if (!removed && removed.error().code != media::MediaError::Code::kNotFound)
        return make_error_reply(media_error_reason(removed.error()));
    return totals;
}

Value Server::do_delete(const Request& r) {
    const auto not_found = [&] {
        if (r.fatal) return make_error_reply("Call-ID not found or tags didn't match");
        Value v = make_ok_reply();
        v.set("warning", "Call-ID not found or tags didn't match");
        return v;
    };
    auto it = calls_.find(r.call_id);
    if (it == calls_.end()) return not_found();
    CallMeta& call = it->second;

    // The B-side tag the delete names (to-tag, or a from-tag that is not A's), else a via-branch.
    std::string b_tag;
    if (!r.to_tag.empty())
        b_tag = r.to_tag == call.a_tag ? r.from_tag : r.to_tag;
    else if (!r.from_tag.empty() && r.from_tag != call.a_tag)
        b_tag = r.from_tag;
    Branch* branch = nullptr;
    if (!b_tag.empty()) {
        branch = call.branch_of_tag(b_tag);
        if (branch == nullptr) branch = call.branch_of_via(r.via_branch);
        // A tag rtpx never saw (the branch was never answered), on a call with one branch: that
        // branch, as rtpengine ends a half-complete dialogue.
        if (branch == nullptr && call.branches.size() == 1 && call.branches[0].tags.empty())
            branch = &call.branches[0];
        if (branch == nullptr) return not_found();
    } else if (!r.via_branch.empty()) {
        branch = call.branch_of_via(r.via_branch);
        if (branch == nullptr) return not_found();
    }

    Value v = make_ok_reply();
    if (branch == nullptr) {
        // The whole call.
        Value totals = totals_value(call, nullptr);
        std::string error;
        for (const auto& b : call.branches) {
            auto removed = backend_.remove(b.key);
            if (!removed && removed.error().code != media::MediaError::Code::kNotFound &&
                error.empty())
                error = media_error_reason(removed.error());
        }
        calls_.erase(it);
        ++counters_.sessions_deleted;
        if (!error.empty()) return make_error_reply(error);
        v.set("totals", std::move(totals));
        return v;
    }

    const TagAnswer* tag = b_tag.empty() ? nullptr : branch->find(b_tag);
    if (tag != nullptr && branch->tags.size() > 1) {
        // A fork's tag on a shared branch: an inactive one just leaves; the active one hands the
        // branch back to the latest earlier answer.
        const bool active = tag == &branch->tags.back();
        if (active) {
            v.set("totals", totals_value(call, branch));
        } else {  // its answer is no longer programmed: nothing was counted for it since
            Value zero{Dict{}};
            zero.set("RTP", stats_value(0, 0, 0));
            zero.set("RTCP", stats_value(0, 0, 0));
            v.set("totals", std::move(zero));
        }
        const auto pos = branch->tags.begin() + (tag - branch->tags.data());
        branch->tags.erase(pos);
        if (active) {
            const TagAnswer& back = branch->tags.back();
            if (!back.sdp.empty()) {
                auto sdp = backend_.answer(branch->key, media::Leg::kB, back.tag, back.sdp,
                                           back.towards, back.sender);
                if (!sdp) return make_error_reply(media_error_reason(sdp.error()));
            }
        }
        ++counters_.branches_deleted;
        return v;
    }
    bool gone = false;
    Value totals =
        remove_branch(call, static_cast<std::size_t>(branch - call.branches.data()), &gone);
    if (gone) {
        calls_.erase(it);
        ++counters_.sessions_deleted;
    } else {
        ++counters_.branches_deleted;
    }
    if (const Value* res = totals.find("result"); res != nullptr) return totals;  // an error
    v.set("totals", std::move(totals));
    return v;
}

Value Server::do_list(const Request& r) const {
    const std::size_t limit = r.limit ? static_cast<std::size_t>(*r.limit) : config_.list_limit;
    std::vector<std::string> ids;
    ids.reserve(calls_.size());
    for (const auto& [id, call] : calls_) ids.push_back(id);
    std::sort(ids.begin(), ids.end());
    List calls;
    for (std::size_t i = 0; i < ids.size() && i < limit; ++i) calls.emplace_back(ids[i]);
    Value v = make_ok_reply();
    v.set("calls", std::move(calls));
    return v;
}

Value Server::do_statistics(Clock::time_point now) const {
    const auto sessions = static_cast<std::int64_t>(calls_.size());
    Value current{Dict{}};
    current.set("sessionsown", sessions);
    current.set("sessionsforeign", 0);
    current.set("sessionstotal", sessions);
    Value total{Dict{}};
    total.set(
        "uptime",
        std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now - started_).count()));
    total.set("managedsessions", static_cast<std::int64_t>(counters_.sessions_created));
    total.set("rejectedsessions", static_cast<std::int64_t>(counters_.load_limited));
    total.set("regularterminatedsessions", static_cast<std::int64_t>(counters_.sessions_deleted));
    Value control{Dict{}};
    control.set("totalpingcount", static_cast<std::int64_t>(counters_.ping));
    control.set("totaloffercount", static_cast<std::int64_t>(counters_.offer));
    control.set("totalanswercount", static_cast<std::int64_t>(counters_.answer));
    control.set("totaldeletecount", static_cast<std::int64_t>(counters_.del));
    control.set("totalquerycount", static_cast<std::int64_t>(counters_.query));
    control.set("totallistcount", static_cast<std::int64_t>(counters_.list));
    control.set("totalstatistics", static_cast<std::int64_t>(counters_.statistics));
    control.set("totalerrorcount", static_cast<std::int64_t>(counters_.errors));
    control.set("retransmissions", static_cast<std::int64_t>(counters_.retransmissions));
    control.set("unknownflags", static_cast<std::int64_t>(counters_.unknown_flags));
    control.set("unknownkeys", static_cast<std::int64_t>(counters_.unknown_keys));
    control.set("branchescreated", static_cast<std::int64_t>(counters_.branches_created));
    control.set("branchesdeleted", static_cast<std::int64_t>(counters_.branches_deleted));
    Value stats{Dict{}};
    stats.set("currentstatistics", std::move(current));
    stats.set("totalstatistics", std::move(total));
    stats.set("controlstatistics", std::move(control));
    Value v = make_ok_reply();
    v.set("statistics", std::move(stats));
    return v;
}

// ---- sockets ------------------------------------------------------------------------------------

tl::expected<void, std::string> Server::listen(sip::EventLoop& loop) {
    loop_ = &loop;
    for (const auto& text : config_.listen) {
        auto addr = parse_listen(text);
        if (!addr) return tl::make_unexpected("ng listen: '" + text + "' is not a numeric address");
        const int fd = ::socket(addr->family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return tl::make_unexpected("ng listen " + text + ": socket: " + std::strerror(errno));
        if (addr->is_ipv6()) {
            const int one = 1;
            (void)::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        }
        if (::bind(fd, addr->sa(), addr->length()) != 0) {
            const int err = errno;
            ::close(fd);
            return tl::make_unexpected("ng listen " + text + ": bind: " + std::strerror(err));
        }
        sockaddr_storage ss{};
        socklen_t len = sizeof ss;
        (void)::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
        auto added = loop.add_fd(fd, EPOLLIN, [this, fd](std::uint32_t) { on_readable(fd); });
        if (!added) {
            ::close(fd);
            return tl::make_unexpected("ng listen " + text +
                                       ": epoll: " + std::strerror(added.error()));
        }
        fds_.push_back(fd);
        bound_.push_back(sip::SockAddr::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len));
    }
    return {};
}

std::vector<sip::SockAddr> Server::local_addresses() const {
    return bound_;
}

void Server::on_readable(int fd) {
    // Drain what is there, bounded so one busy socket cannot starve the loop.
    static thread_local std::string buf(65536, '\0');
    for (int i = 0; i < 64; ++i) {
        sockaddr_storage ss{};
        socklen_t len = sizeof ss;
        const ssize_t n =
            ::recvfrom(fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&ss), &len);
        if (n < 0) return;  // EAGAIN or an error: wait for the next readiness
        const auto peer = sip::SockAddr::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len);
        auto reply =
            handle(std::string_view(buf.data(), static_cast<std::size_t>(n)), peer, Clock::now());
        if (reply) {
            (void)::sendto(fd, reply->data(), reply->size(), MSG_DONTWAIT, peer.sa(),
                           peer.length());
        }
    }
}

tl::expected<NgService, std::string> start_server(sip::EventLoop& loop, media::MediaEngine& engine,
                                                  ServerConfig config) {
    NgService s;
    s.backend = std::make_unique<MediaBackend>(engine);
    s.server = std::make_unique<Server>(std::move(config), *s.backend);
    if (auto l = s.server->listen(loop); !l) return tl::make_unexpected(l.error());
    return s;
}

}  // namespace rtpx::ng
