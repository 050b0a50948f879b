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

media::MediaError not_found(std::string_view call_id) {
    return media::MediaError{media::MediaError::Code::kNotFound,
                             "Unknown call-id " + std::string(call_id)};
}

// The leg `tag` names in `session`, assigning the first free leg to a new tag.
std::optional<media::Leg> leg_for(media::MediaSession& session, std::string_view tag) {
    if (auto leg = session.leg_of_tag(tag)) return leg;
    for (media::Leg leg : {media::Leg::kA, media::Leg::kB}) {
        if (session.tag(leg).empty()) {
            session.set_tag(leg, std::string(tag));
            return leg;
        }
    }
    return std::nullopt;
}

}  // namespace

tl::expected<void, media::MediaError> MediaBackend::apply_changes(media::MediaSession& session) {
    const flowapi::Batch batch = session.take_changes();
    if (batch.ops.empty()) return {};
    return engine_.apply(batch);
}

tl::expected<std::string, media::MediaError> MediaBackend::offer(std::string_view call_id,
                                                                 std::string_view sender_tag,
                                                                 std::string_view sdp,
                                                                 const media::LegOptions& towards,
                                                                 const media::LegOptions& sender) {
    const bool existed = engine_.find(call_id) != nullptr;
    media::MediaSession& session = engine_.create_session(std::string(call_id));
    auto leg = leg_for(session, sender_tag);
    if (!leg) {
        return tl::make_unexpected(
            media::MediaError{media::MediaError::Code::kState,
                              "call " + std::string(call_id) + " already has two tags"});
    }
    auto out = session.offer(*leg, sdp, towards, &sender);
    if (out) {
        if (auto applied = apply_changes(session); !applied)
            out = tl::make_unexpected(applied.error());
    }
    if (!out && !existed) {
        (void)session.teardown();  // releases ports; nothing was programmed
        engine_.erase(call_id);
    }
    return out;
}

tl::expected<std::string, media::MediaError> MediaBackend::answer(std::string_view call_id,
                                                                  std::string_view sender_tag,
                                                                  std::string_view sdp,
                                                                  const media::LegOptions& towards,
                                                                  const media::LegOptions& sender) {
    media::MediaSession* session = engine_.find(call_id);
    if (session == nullptr) return tl::make_unexpected(not_found(call_id));
    auto leg = leg_for(*session, sender_tag);
    if (!leg) {
        return tl::make_unexpected(media::MediaError{media::MediaError::Code::kState,
                                                     "unknown tag " + std::string(sender_tag)});
    }
    auto out = session->answer(*leg, sdp, towards, &sender);
    if (!out) return out;
    if (auto applied = apply_changes(*session); !applied)
        return tl::make_unexpected(applied.error());
    return out;
}

tl::expected<void, media::MediaError> MediaBackend::remove(std::string_view call_id) {
    if (engine_.find(call_id) == nullptr) return tl::make_unexpected(not_found(call_id));
    return engine_.delete_call(call_id);
}

tl::expected<CallTotals, media::MediaError> MediaBackend::totals(std::string_view call_id) {
    media::MediaSession* session = engine_.find(call_id);
    if (session == nullptr) return tl::make_unexpected(not_found(call_id));
    auto s = engine_.stats(*session);
    if (!s) return tl::make_unexpected(s.error());
    return CallTotals{*s};
}

bool MediaBackend::exists(std::string_view call_id) const {
    return engine_.find(call_id) != nullptr;
}

std::vector<std::string> MediaBackend::call_ids() const {
    std::vector<std::string> out;
    for (auto* s : engine_.sessions()) out.push_back(s->call_id());
    return out;
}

std::array<std::string, 2> MediaBackend::tags(std::string_view call_id) const {
    media::MediaSession* s = engine_.find(call_id);
    if (s == nullptr) return {};
    return {s->tag(media::Leg::kA), s->tag(media::Leg::kB)};
}

std::vector<media::Stream> MediaBackend::streams(std::string_view call_id) const {
    media::MediaSession* s = engine_.find(call_id);
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

Value Server::do_offer(const Request& r, bool is_answer) {
    const bool known = backend_.exists(r.call_id);
    if (is_answer && !known) return make_error_reply("Unknown call-id");
    if (!is_answer && !known && config_.max_sessions != 0 &&
        backend_.call_ids().size() >= config_.max_sessions) {
        ++counters_.load_limited;
        return make_load_limit_reply("Parallel session limit reached");
    }
    // Interfaces: `direction` = [sender's, receiver's]; remembered per call by leg.
    CallMeta& meta = calls_[r.call_id];
    if (meta.created == 0) {
        meta.created = unix_now();
        meta.interface_a = config_.interface_towards_a;
        meta.interface_b = config_.interface_towards_b;
    }
    const auto tags = backend_.tags(r.call_id);
    // The party whose SDP this is: offer → from-tag, answer → to-tag.
    const std::string& sender = is_answer ? r.to_tag : r.from_tag;
    const bool sender_is_b = !tags[1].empty() && tags[1] == sender;
    const bool sender_is_a = !sender_is_b && (tags[0].empty() || tags[0] == sender);
    if (r.direction.size() == 2 && !is_answer) {
        (sender_is_a ? meta.interface_a : meta.interface_b) = r.direction[0];
        (sender_is_a ? meta.interface_b : meta.interface_a) = r.direction[1];
    }
    const std::size_t sender_leg = sender_is_a ? 0 : 1;
    const std::size_t receiver_leg = 1 - sender_leg;
    const std::string& towards_interface = sender_is_a ? meta.interface_b : meta.interface_a;
    const std::string& sender_interface = sender_is_a ? meta.interface_a : meta.interface_b;
    auto options = leg_options(r, towards_interface);
    media::LegOptions sender_options =
        meta.has_options[sender_leg] ? meta.options[sender_leg] : media::LegOptions{};
    tl::expected<void, std::string> sender_ok{};
    if (options) sender_ok = apply_sender(r, sender_interface, sender_options);
    if (!options || !sender_ok) {
        if (!known) calls_.erase(r.call_id);
        return make_error_reply(options ? sender_ok.error() : options.error());
    }
    auto sdp = is_answer
                   ? backend_.answer(r.call_id, sender, r.sdp, options->options, sender_options)
                   : backend_.offer(r.call_id, sender, r.sdp, options->options, sender_options);
    if (!sdp) {
        if (!known && !backend_.exists(r.call_id)) calls_.erase(r.call_id);
        return make_error_reply(media_error_reason(sdp.error()));
    }
    meta.options[receiver_leg] = options->options;
    meta.options[sender_leg] = sender_options;
    meta.has_options = {true, true};
    if (!known) ++counters_.sessions_created;
    meta.last_signal = unix_now();
    Value v = make_ok_reply();
    v.set("sdp", std::move(*sdp));
    if (!options->warning.empty()) v.set("warning", options->warning);
    return v;
}

Value Server::totals_value(std::string_view call_id) {
    std::array<media::LegStats, 2> legs{};
    if (auto t = backend_.totals(call_id)) legs = t->legs;
    Value totals{Dict{}};
    totals.set("RTP", stats_value(legs[0].packets + legs[1].packets, legs[0].bytes + legs[1].bytes,
                                  legs[0].errors + legs[1].errors));
    // The data plane counts a leg's packets together; RTCP is not reported apart.
    totals.set("RTCP", stats_value(0, 0, 0));
    return totals;
}

Value Server::do_query(const Request& r) {
    if (!backend_.exists(r.call_id)) return make_error_reply("Unknown call-id");
    const CallMeta& meta = calls_[r.call_id];
    std::array<media::LegStats, 2> legs{};
    std::string stats_warning;
    if (auto t = backend_.totals(r.call_id)) {
        legs = t->legs;
    } else {
        stats_warning = media_error_reason(t.error());
    }
    const auto tags = backend_.tags(r.call_id);
    const auto streams = backend_.streams(r.call_id);

    Value v = make_ok_reply();
    v.set("created", meta.created);
    v.set("last signal", meta.last_signal);
    Value tag_dict{Dict{}};
    for (std::size_t leg = 0; leg < 2; ++leg) {
        Value t{Dict{}};
        t.set("tag", tags[leg]);
        t.set("created", meta.created);
        if (!tags[1 - leg].empty()) t.set("in dialogue with", tags[1 - leg]);
        List medias;
        std::int64_t index = 1;
        bool first = true;
        for (const auto& s : streams) {
            const auto& side = s.side[leg];
            Value m{Dict{}};
            m.set("index", index++);
            m.set("type", s.media);
            m.set("protocol", side.proto);
            List flags;
            if (side.present) flags.emplace_back("initialized");
            if (side.rtcp_mux) flags.emplace_back("rtcp-mux");
            if (side.expects.suite != flowapi::SrtpSuite::kNone) flags.emplace_back("SDES");
            m.set("flags", std::move(flags));
            Value stream{Dict{}};
            if (side.relay.port != 0)
                stream.set("local port", static_cast<std::int64_t>(side.relay.port));
            stream.set("endpoint", endpoint_value(side.remote));
            // Per-leg counters: the data plane sums a leg's streams; they go on its first stream.
            stream.set("stats",
                       first ? stats_value(legs[leg].packets, legs[leg].bytes, legs[leg].errors)
                             : stats_value(0, 0, 0));
            List stream_flags;
            stream_flags.emplace_back("RTP");
            if (side.rtcp_mux) stream_flags.emplace_back("RTCP");
            stream.set("flags", std::move(stream_flags));
            List stream_list;
            stream_list.push_back(std::move(stream));
            m.set("streams", std::move(stream_list));
            medias.push_back(std::move(m));
            first = false;
        }
        t.set("medias", std::move(medias));
        // rtpx additions: the leg's totals and quality, as measured on packets from it.
        Value q = stats_value(legs[leg].packets, legs[leg].bytes, legs[leg].errors);
        q.set("lost", static_cast<std::int64_t>(legs[leg].lost));
        q.set("jitter-us", static_cast<std::int64_t>(legs[leg].jitter_ms * 1000));
        q.set("MOS", static_cast<std::int64_t>(legs[leg].mos * 10));  // tenths, as rtpengine
        t.set("totals", std::move(q));
        tag_dict.set(tags[leg], std::move(t));
    }
    v.set("tags", std::move(tag_dict));
    Value totals{Dict{}};
    totals.set("RTP", stats_value(legs[0].packets + legs[1].packets, legs[0].bytes + legs[1].bytes,
                                  legs[0].errors + legs[1].errors));
    totals.set("RTCP", stats_value(0, 0, 0));
    v.set("totals", std::move(totals));
    if (!stats_warning.empty()) v.set("warning", "statistics unavailable: " + stats_warning);
    return v;
}

Value Server::do_delete(const Request& r) {
    if (!backend_.exists(r.call_id)) {
        if (r.fatal) return make_error_reply("Call-ID not found or tags didn't match");
        Value v = make_ok_reply();
        v.set("warning", "Call-ID not found or tags didn't match");
        return v;
    }
    Value totals = totals_value(r.call_id);  // the final counters, read before the flows go
    auto removed = backend_.remove(r.call_id);
    calls_.erase(r.call_id);
    if (!removed) return make_error_reply(media_error_reason(removed.error()));
    ++counters_.sessions_deleted;
    Value v = make_ok_reply();
    v.set("totals", std::move(totals));
    return v;
}

Value Server::do_list(const Request& r) const {
    const std::size_t limit = r.limit ? static_cast<std::size_t>(*r.limit) : config_.list_limit;
    auto ids = backend_.call_ids();
    std::sort(ids.begin(), ids.end());
    List calls;
    for (std::size_t i = 0; i < ids.size() && i < limit; ++i) calls.emplace_back(ids[i]);
    Value v = make_ok_reply();
    v.set("calls", std::move(calls));
    return v;
}

Value Server::do_statistics(Clock::time_point now) const {
    const auto sessions = static_cast<std::int64_t>(backend_.call_ids().size());
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
