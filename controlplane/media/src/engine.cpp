// MediaEngine: data-plane links (a command client per data plane, reconnected on failure, and an
// event client per data plane read by a thread that feeds an eventfd), port pools, sessions.
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>

#include <nlohmann/json.hpp>

#include "rtpx/flowapi/client.hpp"
#include "rtpx/media/media.hpp"
#include "rtpx/rtp/quality.hpp"

namespace rtpx::media {
namespace {

tl::unexpected<MediaError> fail(MediaError::Code code, std::string what) {
    return tl::unexpected(MediaError{code, std::move(what)});
}

std::uint64_t initial_id() {
    // Session ids are the flows' cookies: unique across restarts (microseconds since the epoch,
    // then counting), and above any id restored from a journal.
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
}

}  // namespace

struct MediaEngine::Impl {
    struct Link {
        DataplaneConfig config;
        std::optional<flowapi::Client> client;
        std::string last_error;
    };
    std::vector<Link> links;
    PortPools pools;
    bool offline = false;
    std::map<std::string, std::unique_ptr<MediaSession>, std::less<>> sessions;
    std::uint64_t next_id = initial_id();

    // Events.
    int efd = -1;
    std::atomic<bool> stop{false};
    std::vector<std::thread> readers;
    std::mutex mu;
    std::deque<flowapi::Event> events;
    std::vector<std::string> detached_errors;  // of pipelined requests, for take_detached_errors()

    ~Impl() {
        stop.store(true);
        for (auto& t : readers) {
            if (t.joinable()) t.join();
        }
        if (efd >= 0) ::close(efd);
    }

    tl::expected<flowapi::Client*, MediaError> link(std::size_t i) {
        if (offline)
            return fail(MediaError::Code::kDataplane, "no data-plane connection (offline)");
        Link& l = links[i];
        if (!l.client) {
            auto c = flowapi::Client::connect(l.config.socket, "rtpx-controlplane");
            if (!c) {
                l.last_error = c.error();
                return fail(MediaError::Code::kDataplane,
                            "data plane '" + l.config.name + "': " + c.error());
            }
            l.client.emplace(std::move(*c));
        }
        return &*l.client;
    }
    void broken(std::size_t i, const std::string& what) {
        links[i].client.reset();
        links[i].last_error = what;
    }

    void reader(std::size_t i) {
        const std::string socket = links[i].config.socket;
        std::optional<flowapi::Client> c;
        while (!stop.load()) {
            if (!c) {
                auto r = flowapi::Client::connect(socket, "rtpx-controlplane-events",
                                                  std::chrono::milliseconds(1000));
                if (r && r->subscribe()) {
                    c.emplace(std::move(*r));
                } else {
                    for (int k = 0; k < 10 && !stop.load(); ++k) {
                        std::this_thread::sleep_for(std::chrono::milliseconds(100));
                    }
                    continue;
                }
            }
            auto ev = c->next_events(std::chrono::milliseconds(200));
            if (!ev) {
                c.reset();
                continue;
            }
            if (ev->events.empty()) continue;
            {
                std::lock_guard lock(mu);
                for (auto& e : ev->events) events.push_back(e);
            }
            const std::uint64_t one = 1;
            [[maybe_unused]] auto n = ::write(efd, &one, sizeof one);
        }
    }
};

MediaEngine::MediaEngine(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
MediaEngine::MediaEngine(MediaEngine&&) noexcept = default;
MediaEngine& MediaEngine::operator=(MediaEngine&&) noexcept = default;
MediaEngine::~MediaEngine() = default;

MediaEngine MediaEngine::create_offline(std::vector<DataplaneConfig> dataplanes) {
    auto im = std::make_unique<Impl>();
    im->pools = PortPools(dataplanes);
    for (auto& d : dataplanes) im->links.push_back({std::move(d), std::nullopt, {}});
    im->offline = true;
    im->efd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    return MediaEngine(std::move(im));
}

tl::expected<MediaEngine, MediaError> MediaEngine::create(std::vector<DataplaneConfig> dataplanes) {
    if (dataplanes.empty()) return fail(MediaError::Code::kDataplane, "no data plane configured");
    for (const auto& d : dataplanes) {
        if (d.interfaces.empty()) {
            return fail(MediaError::Code::kNoInterface,
                        "data plane '" + d.name + "' has no interface");
        }
    }
    MediaEngine engine = create_offline(std::move(dataplanes));
    auto& im = *engine.impl_;
    im.offline = false;
    if (im.efd < 0) return fail(MediaError::Code::kDataplane, "eventfd failed");
    for (std::size_t i = 0; i < im.links.size(); ++i) {
        if (auto c = im.link(i); !c) return tl::unexpected(c.error());
    }
    for (std::size_t i = 0; i < im.links.size(); ++i) {
        im.readers.emplace_back([p = &im, i] { p->reader(i); });
    }
    return engine;
}

MediaSession& MediaEngine::create_session(std::string call_id) {
    auto& im = *impl_;
    auto it = im.sessions.find(call_id);
    if (it != im.sessions.end()) return *it->second;
    auto s = std::make_unique<MediaSession>(im.next_id++, call_id, im.pools);
    auto& ref = *s;
    im.sessions.emplace(std::move(call_id), std::move(s));
    return ref;
}

MediaSession* MediaEngine::find(std::string_view call_id) {
    auto it = impl_->sessions.find(call_id);
    return it == impl_->sessions.end() ? nullptr : it->second.get();
}

void MediaEngine::erase(std::string_view call_id) {
    auto it = impl_->sessions.find(call_id);
    if (it == impl_->sessions.end()) return;
    // Whatever the caller forgot to tear down still gives its ports back.
    (void)it->second->teardown();
    impl_->sessions.erase(it);
}

std::vector<MediaSession*> MediaEngine::sessions() {
    std::vector<MediaSession*> out;
    for (auto& [k, s] : impl_->sessions) out.push_back(s.get());
    return out;
}

tl::expected<void, MediaError> MediaEngine::delete_call(std::string_view call_id) {
    MediaSession* s = find(call_id);
    if (s == nullptr) {
        return fail(MediaError::Code::kNotFound, "unknown call '" + std::string(call_id) + "'");
    }
    auto r = apply(s->teardown());
    erase(call_id);
    return r;
}

tl::expected<MediaSession*, MediaError> MediaEngine::restore_session(const nlohmann::json& j) {
    auto s = MediaSession::from_json(j, impl_->pools);
    if (!s) return tl::unexpected(s.error());
    auto& im = *impl_;
    im.next_id = std::max(im.next_id, (*s)->id() + 1);
    MediaSession* p = s->get();
    im.sessions[p->call_id()] = std::move(*s);
    return p;
}

tl::expected<void, MediaError> MediaEngine::apply(const flowapi::Batch& batch) {
    auto& im = *impl_;
    if (batch.ops.empty()) return {};
    std::optional<std::size_t> dp;
    for (std::size_t i = 0; i < batch.ops.size(); ++i) {
        auto d = im.pools.dataplane_of(batch.ops[i].spec.local.address);
        if (!d) {
            return fail(MediaError::Code::kDataplane,
                        "op " + std::to_string(i) + ": no data plane owns " +
                            flowapi::to_string(batch.ops[i].spec.local.address));
        }
        if (dp && *dp != *d) {
            return fail(MediaError::Code::kDataplane, "the batch spans several data planes");
        }
        dp = d;
    }
    auto c = im.link(*dp);
    if (!c) return tl::unexpected(c.error());
    auto r = (*c)->apply(batch);
    if (!r) {
        // The link is gone; the next call reconnects. Whether this batch was applied is unknown:
        // the caller treats it as failed (and its retry's adds fail on existing flows).
        im.broken(*dp, r.error());
        return fail(MediaError::Code::kDataplane,
                    "data plane '" + im.links[*dp].config.name + "': " + r.error());
    }
    if (!r->ok) {
        return fail(MediaError::Code::kDataplane,
                    "data plane '" + im.links[*dp].config.name + "' refused op " +
                        std::to_string(r->failed_index) + " of the batch: " + r->error);
    }
    return {};
}

namespace {

// Per-leg statistics of a session from its flows' counters (`stats`: those of its flows).
std::array<LegStats, 2> aggregate(const MediaSession& session,
                                  const std::vector<flowapi::FlowSpec>& flows,
                                  const std::vector<const flowapi::FlowStats*>& stats) {
    std::array<LegStats, 2> out{};
    // Which leg each flow comes from: its local endpoint is that leg's relay (RTP or RTCP port).
    auto leg_of = [&](const flowapi::Endpoint& local)
        -> std::optional<std::pair<std::size_t, const Stream*>> {
        for (const auto& st : session.streams()) {
            for (std::size_t l = 0; l < 2; ++l) {
                const auto& relay = st.side[l].relay;
                if (relay.port != 0 && relay.address == local.address &&
                    (local.port == relay.port || local.port == relay.port + 1)) {
                    return std::make_pair(l, &st);
                }
            }
        }
        return std::nullopt;
    };
    std::array<double, 2> expected{};
    std::array<double, 2> worst_jitter{};
    for (const flowapi::FlowStats* p : stats) {
        const auto& fs = *p;
        auto owner = leg_of(fs.key);
        if (!owner) continue;
        auto& ls = out[owner->first];
        const auto spec = std::find_if(flows.begin(), flows.end(), [&](const flowapi::FlowSpec& f) {
            return f.local == fs.key;
        });
        ls.packets += fs.counters.packets;
        ls.bytes += fs.counters.bytes;
        for (auto dcount : fs.counters.drops) ls.errors += dcount;
        ls.errors += fs.counters.srtp_auth_failures;
        ls.lost += static_cast<std::uint64_t>(std::max<std::int32_t>(fs.rtp.cumulative_lost, 0));
        expected[owner->first] += static_cast<double>(std::max<std::int64_t>(fs.rtp.expected, 0));
        const std::uint32_t clock = spec != flows.end() && spec->clock_rate != 0
                                        ? spec->clock_rate
                                        : owner->second->clock_rate;
        if (clock != 0) {
            worst_jitter[owner->first] =
                std::max(worst_jitter[owner->first], 1000.0 * fs.rtp.jitter / clock);
        }
        if (ls.codec.empty()) ls.codec = owner->second->codec;
    }
    for (std::size_t l = 0; l < 2; ++l) {
        auto& ls = out[l];
        ls.jitter_ms = worst_jitter[l];
        if (ls.codec.empty()) ls.codec = session.codec();
        if (ls.packets == 0) continue;
        rtp::QualityInput q;
        q.packet_loss_percent =
            expected[l] > 0 ? std::min(100.0, 100.0 * static_cast<double>(ls.lost) / expected[l])
                            : 0;
        q.jitter_ms = ls.jitter_ms;
        q.codec = rtp::codec_from_encoding(ls.codec);
        ls.mos = rtp::estimate_quality(q).mos;
    }
    return out;
}

}  // namespace

tl::expected<std::array<LegStats, 2>, MediaError> MediaEngine::stats(const MediaSession& session) {
    auto& im = *impl_;
    const auto flows = session.flows();
    if (flows.empty()) return std::array<LegStats, 2>{};
    auto d = im.pools.dataplane_of(flows.front().local.address);
    if (!d) return fail(MediaError::Code::kDataplane, "no data plane owns the session's flows");
    std::vector<flowapi::FlowKey> keys;
    for (const auto& f : flows) keys.push_back(f.local);
    auto c = im.link(*d);
    if (!c) return tl::unexpected(c.error());
    auto r = (*c)->stats(keys);
    if (!r) {
        im.broken(*d, r.error());
        return fail(MediaError::Code::kDataplane, r.error());
    }
    std::vector<const flowapi::FlowStats*> mine;
    for (const auto& fs : r->flows) mine.push_back(&fs);
    return aggregate(session, flows, mine);
}

std::vector<std::optional<std::array<LegStats, 2>>> MediaEngine::end_calls(
    const std::vector<std::string>& calls) {
    auto& im = *impl_;
    std::vector<std::optional<std::array<LegStats, 2>>> out(calls.size());
    struct Ending {
        std::size_t index;
        MediaSession* session;
        std::vector<flowapi::FlowSpec> flows;
    };
    // By data plane: one stats query, then one delete batch sent behind it without waiting.
    std::map<std::size_t, std::vector<Ending>> by_dp;
    for (std::size_t i = 0; i < calls.size(); ++i) {
        MediaSession* s = find(calls[i]);
        if (s == nullptr) continue;
        auto flows = s->flows();
        if (flows.empty()) {
            out[i] = std::array<LegStats, 2>{};
            erase(calls[i]);
            continue;
        }
        auto d = im.pools.dataplane_of(flows.front().local.address);
        if (!d) {  // not ours to delete; the ports go back
            erase(calls[i]);
            continue;
        }
        by_dp[*d].push_back(Ending{i, s, std::move(flows)});
    }
    for (auto& [dp, endings] : by_dp) {
        std::vector<flowapi::FlowKey> keys;
        flowapi::Batch deletes;
        // The sessions stay intact until their statistics are aggregated (erase() tears them
        // down and releases the ports); the deletes are those of teardown(): every flow.
        for (auto& e : endings) {
            for (const auto& f : e.flows) {
                keys.push_back(f.local);
                flowapi::FlowOp op{flowapi::OpKind::kDelete, {}};
                op.spec.local = f.local;
                deletes.ops.push_back(std::move(op));
            }
        }
        auto c = im.link(dp);
        tl::expected<flowapi::StatsReply, std::string> reply =
            tl::unexpected(c ? std::string() : c.error().what);
        if (c) {
            auto id = (*c)->begin_stats(std::move(keys));
            tl::expected<void, std::string> sent{};
            if (id && !deletes.ops.empty()) sent = (*c)->apply_detached(deletes);
            if (!id) {
                reply = tl::unexpected(id.error());
            } else if (!sent) {
                reply = tl::unexpected(sent.error());
            } else {
                reply = (*c)->finish_stats(*id);
            }
            if (!reply) {
                im.broken(dp, reply.error());
            }
        }
        if (reply) {
            std::unordered_map<std::uint64_t, std::vector<const flowapi::FlowStats*>> by_cookie;
            for (const auto& fs : reply->flows) by_cookie[fs.cookie].push_back(&fs);
            for (auto& e : endings) {
                auto it = by_cookie.find(e.session->id());
                out[e.index] = aggregate(
                    *e.session, e.flows,
                    it == by_cookie.end() ? std::vector<const flowapi::FlowStats*>{} : it->second);
            }
        } else {
            im.detached_errors.push_back("data plane '" + im.links[dp].config.name +
                                         "': ending calls: " + reply.error());
        }
        for (auto& e : endings) erase(calls[e.index]);
    }
    return out;
}

tl::expected<void, MediaError> MediaEngine::apply_detached(const flowapi::Batch& batch) {
    auto& im = *impl_;
    if (batch.ops.empty()) return {};
    auto d = im.pools.dataplane_of(batch.ops.front().spec.local.address);
    if (!d) {
        return fail(
            MediaError::Code::kDataplane,
            "no data plane owns " + flowapi::to_string(batch.ops.front().spec.local.address));
    }
    auto c = im.link(*d);
    if (!c) return tl::unexpected(c.error());
    if (auto r = (*c)->apply_detached(batch); !r) {
        im.broken(*d, r.error());
        return fail(MediaError::Code::kDataplane,
                    "data plane '" + im.links[*d].config.name + "': " + r.error());
    }
    return {};
}

std::vector<std::string> MediaEngine::take_detached_errors() {
    auto& im = *impl_;
    for (std::size_t i = 0; i < im.links.size(); ++i) {
        auto& l = im.links[i];
        if (!l.client) continue;
        if (auto r = l.client->poll_detached(); !r) {
            im.detached_errors.push_back("data plane '" + l.config.name + "': " + r.error());
            im.broken(i, r.error());
            continue;
        }
        for (auto& e : l.client->take_detached_errors())
            im.detached_errors.push_back("data plane '" + l.config.name + "': " + e);
    }
    return std::exchange(im.detached_errors, {});
}

int MediaEngine::event_fd() const noexcept {
    return impl_->efd;
}

std::vector<std::pair<std::uint64_t, flowapi::Event>> MediaEngine::drain_events() {
    auto& im = *impl_;
    std::uint64_t n = 0;
    [[maybe_unused]] auto r = ::read(im.efd, &n, sizeof n);
    std::vector<std::pair<std::uint64_t, flowapi::Event>> out;
    std::lock_guard lock(im.mu);
    for (auto& e : im.events) out.emplace_back(e.cookie, e);
    im.events.clear();
    return out;
}

tl::expected<std::size_t, MediaError> MediaEngine::reattach() {
    auto& im = *impl_;
    std::map<std::uint64_t, std::vector<flowapi::FlowSpec>> by_cookie;
    std::size_t seen = 0;
    for (std::size_t i = 0; i < im.links.size(); ++i) {
        auto c = im.link(i);
        if (!c) return tl::unexpected(c.error());
        auto d = (*c)->dump();
        if (!d) {
            im.broken(i, d.error());
            return fail(MediaError::Code::kDataplane,
                        "data plane '" + im.links[i].config.name + "': " + d.error());
        }
        for (auto& f : d->flows) {
            ++seen;
            // Every port a data plane uses is occupied, whoever owns the flow.
            im.pools.reserve(f.local.address, static_cast<std::uint16_t>(f.local.port & ~1u));
            by_cookie[f.cookie].push_back(std::move(f));
        }
    }
    for (auto& [call, s] : im.sessions) {
        auto it = by_cookie.find(s->id());
        s->adopt_flows(it == by_cookie.end() ? std::vector<flowapi::FlowSpec>{} : it->second);
    }
    return seen;
}

PortPools& MediaEngine::port_pools() noexcept {
    return impl_->pools;
}

bool MediaEngine::dataplane_connected(std::size_t index) const noexcept {
    return index < impl_->links.size() && impl_->links[index].client.has_value();
}

}  // namespace rtpx::media
