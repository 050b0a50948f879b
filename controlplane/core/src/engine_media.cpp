#include "rtpx/cp/engine_media.hpp"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

namespace rtpx::cp {

namespace {

media::Leg to_media(CallLeg l) noexcept {
    return l == CallLeg::kA ? media::Leg::kA : media::Leg::kB;
}

std::string what(const media::MediaError& e) {
    return std::string(media::to_string(e.code)) + ": " + e.what;
}

// The profile of the first m= line of an SDP (for the A leg under a forcing policy).
media::Transport profile_of(std::string_view sdp) noexcept {
    auto m = sdp.find("m=");
    if (m == std::string_view::npos) return media::Transport::kKeep;
    auto line = sdp.substr(m, sdp.find('\n', m) - m);
    if (line.find(" RTP/SAVPF") != std::string_view::npos) return media::Transport::kRtpSavpf;
    if (line.find(" RTP/SAVP") != std::string_view::npos) return media::Transport::kRtpSavp;
    if (line.find(" RTP/AVPF") != std::string_view::npos) return media::Transport::kRtpAvpf;
    return media::Transport::kRtpAvp;
}

LegMediaStats to_cp(const media::LegStats& m) {
    return LegMediaStats{m.packets, m.bytes, m.lost, m.errors, m.jitter_ms, m.mos, m.codec};
}

}  // namespace

std::vector<media::DataplaneConfig> media_dataplanes(const Config& config) {
    std::vector<media::DataplaneConfig> out;
    for (const auto& d : config.dataplanes) {
        media::DataplaneConfig m{d.name, d.socket, {}};
        for (const auto& i : d.interfaces)
            m.interfaces.push_back(media::Interface{
                i.name, flowapi::parse_ip_address(i.address).value_or(flowapi::IpAddress{}),
                i.port_min, i.port_max});
        out.push_back(std::move(m));
    }
    return out;
}

media::LegOptions EngineMediaControl::options_for(const std::string& call, CallLeg leg,
                                                  const MediaPolicy& policy) const {
    media::LegOptions o;
    o.interface = leg == CallLeg::kA ? policy.a_interface : policy.b_interface;
    o.inactivity_timeout_ms = policy.inactivity_timeout_ms;
    if (policy.srtp == SrtpPolicy::kPassThrough) return o;
    if (leg == CallLeg::kB) {
        o.transport = policy.srtp == SrtpPolicy::kForceSrtp ? media::Transport::kRtpSavp
                                                            : media::Transport::kRtpAvp;
    } else if (auto it = a_transport_.find(call); it != a_transport_.end()) {
        o.transport = it->second;
    }
    return o;
}

tl::expected<std::string, std::string> EngineMediaControl::offer(const std::string& call,
                                                                 CallLeg from, std::string_view sdp,
                                                                 const MediaPolicy& policy) {
    media::MediaSession& s = engine_.create_session(call);
    by_session_[s.id()] = call;
    if (from == CallLeg::kA && !a_transport_.contains(call)) a_transport_[call] = profile_of(sdp);
    media::LegOptions towards = options_for(call, other(from), policy);
    media::LegOptions sender = options_for(call, from, policy);
    auto r = s.offer(to_media(from), sdp, towards, &sender);
    if (!r) return tl::unexpected(what(r.error()));
    return *r;
}

tl::expected<std::string, std::string> EngineMediaControl::answer(const std::string& call,
                                                                  CallLeg from,
                                                                  std::string_view sdp,
                                                                  const MediaPolicy& policy) {
    media::MediaSession* s = engine_.find(call);
    if (s == nullptr) return tl::unexpected(std::string("no media session"));
    media::LegOptions towards = options_for(call, other(from), policy);
    media::LegOptions sender = options_for(call, from, policy);
    auto r = s->answer(to_media(from), sdp, towards, &sender);
    if (!r) return tl::unexpected(what(r.error()));
    return *r;
}

tl::expected<void, std::string> EngineMediaControl::commit(const std::string& call) {
    media::MediaSession* s = engine_.find(call);
    if (s == nullptr) return tl::unexpected(std::string("no media session"));
    flowapi::Batch batch = s->take_changes();
    if (batch.ops.empty()) return {};
    if (auto r = engine_.apply(batch); !r) return tl::unexpected(what(r.error()));
    return {};
}

tl::expected<void, std::string> EngineMediaControl::commit_early(const std::string& call) {
    media::MediaSession* s = engine_.find(call);
    if (s == nullptr) return tl::unexpected(std::string("no media session"));
    flowapi::Batch batch = s->take_early_changes();
    if (batch.ops.empty()) return {};
    // Not waited for: the final batch follows on the same connection, behind it.
    if (auto r = engine_.apply_detached(batch); !r) return tl::unexpected(what(r.error()));
    return {};
}

std::optional<std::array<LegMediaStats, 2>> EngineMediaControl::stats(const std::string& call) {
    media::MediaSession* s = engine_.find(call);
    if (s == nullptr) return std::nullopt;
    auto r = engine_.stats(*s);
    if (!r) {
        spdlog::debug("call {}: stats: {}", call, what(r.error()));
        return std::nullopt;
    }
    std::array<LegMediaStats, 2> out;
    for (std::size_t i = 0; i < 2; ++i) out[i] = to_cp((*r)[i]);
    return out;
}

void EngineMediaControl::release(const std::string& call) {
    a_transport_.erase(call);
    media::MediaSession* s = engine_.find(call);
    if (s == nullptr) return;
    by_session_.erase(s->id());
    if (auto r = engine_.delete_call(call);
        !r && r.error().code != media::MediaError::Code::kNotFound)
        spdlog::warn("call {}: tearing down flows: {}", call, what(r.error()));
}

void EngineMediaControl::release_many(const std::vector<std::string>& calls) {
    // Every call's deletes in one batch (one round trip); when that fails (a flow already gone,
    // calls on several data planes), call by call so that one call cannot keep another's flows.
    std::vector<flowapi::Batch> each;
    flowapi::Batch all;
    for (const auto& call : calls) {
        a_transport_.erase(call);
        media::MediaSession* s = engine_.find(call);
        if (s == nullptr) continue;
        by_session_.erase(s->id());
        each.push_back(s->teardown());
        all.ops.insert(all.ops.end(), each.back().ops.begin(), each.back().ops.end());
        engine_.erase(call);
    }
    if (all.ops.empty() || engine_.apply(all)) return;
    for (const auto& b : each)
        if (auto r = engine_.apply(b); !r) spdlog::warn("tearing down flows: {}", what(r.error()));
}

void EngineMediaControl::end_call(const std::string& call, StatsDone done) {
    a_transport_.erase(call);
    if (media::MediaSession* s = engine_.find(call); s != nullptr) by_session_.erase(s->id());
    ending_.push_back(call);
    ending_done_.push_back(std::move(done));
}

void EngineMediaControl::flush_ended() {
    if (!ending_.empty()) {
        auto calls = std::exchange(ending_, {});
        auto done = std::exchange(ending_done_, {});
        auto stats = engine_.end_calls(calls);
        for (std::size_t i = 0; i < calls.size(); ++i) {
            std::optional<std::array<LegMediaStats, 2>> legs;
            if (stats[i]) {
                legs.emplace();
                for (std::size_t l = 0; l < 2; ++l) (*legs)[l] = to_cp((*stats[i])[l]);
            }
            done[i](legs);
        }
    }
    for (const auto& e : engine_.take_detached_errors()) spdlog::warn("flows: {}", e);
}

std::optional<std::string> EngineMediaControl::save(const std::string& call) {
    media::MediaSession* s = engine_.find(call);
    if (s == nullptr) return std::nullopt;
    std::string out;
    out.reserve(4096);
    s->write_json(out);
    return out;
}

bool EngineMediaControl::restore(const std::string& call, std::string_view json) {
    auto j = nlohmann::json::parse(json, nullptr, false);
    if (j.is_discarded()) return false;
    auto s = engine_.restore_session(j);
    if (!s) {
        spdlog::warn("call {}: journal: media session not restored: {}", call, what(s.error()));
        return false;
    }
    by_session_[(*s)->id()] = call;
    return true;
}

void EngineMediaControl::reattach() {
    auto r = engine_.reattach();
    if (r)
        spdlog::info("journal: {} data-plane flows re-attached", *r);
    else
        spdlog::warn("journal: re-attaching flows: {}", what(r.error()));
}

std::vector<std::pair<std::string, flowapi::Event>> EngineMediaControl::drain_events() {
    std::vector<std::pair<std::string, flowapi::Event>> out;
    for (auto& [id, ev] : engine_.drain_events()) {
        auto it = by_session_.find(id);
        if (it != by_session_.end()) out.emplace_back(it->second, ev);
    }
    return out;
}

}  // namespace rtpx::cp
