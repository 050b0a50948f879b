// rtpx::ng::Server — the rtpengine ng control protocol over UDP, mapped onto rtpx::media.
//
// Layers (each testable alone):
//   Backend        what the server needs from the media layer, keyed by call-id and SIP tags.
//                  MediaBackend implements it on a media::MediaEngine (offer → MediaSession::offer,
//                  answer → answer + MediaEngine::apply(take_changes()), delete → teardown +
//                  apply).
//   Server         sans-IO core: handle(datagram, peer, now) → the reply bytes; a bounded cookie
//                  cache (same cookie from the same peer within `cookie_ttl` → the cached reply
//                  byte for byte, the command is not run again); load limit; counters.
//                  listen(loop) binds the UDP sockets (IPv4/IPv6) on a sip::EventLoop.
//   start_server   the factory rtpx-controlplane's main calls for an `[ng]` table.
//
// Leg naming follows rtpengine: an offer's SDP comes from the `from-tag` party, an answer's from
// the `to-tag` party; the first offer's from-tag is leg A. `direction` = [interface of the SDP's
// sender, interface of its receiver]; without it the config's defaults apply.
//
// Branches (forking), as rtpengine's monologues/dialogues: a call (call-id) has one leg A (the
// first offer's from-tag) and one or more branches, each a media::MediaSession of its own (the
// first named by the call-id, later ones "<call-id> branch <n>": a space cannot occur in a
// Call-ID).
//   - An offer from A with a via-branch no branch has yet (a proxy that offers per branch, e.g.
//     Kamailio's rtpengine_offer in a branch_route with via-branch) creates a new branch: its own
//     relay ports on both sides. An offer with a known via-branch, or with a to-tag (re-INVITE),
//     goes to that branch; an offer without either to the latest branch.
//   - An answer goes to the branch that holds its to-tag, else the branch of its via-branch, else
//     the latest unanswered branch, which the to-tag then names. An answer with a third tag (a
//     different to-tag for the same call-id/from-tag) on a branch another tag already answered is
//     a fork of ONE offer: every forked UAS got the same relay address, so the new tag joins that
//     branch (its SDP points the branch's B side at the new answerer, the offerer keeps its relay
//     ports and keys) and becomes the branch's active tag; the previous tags stay listed with
//     their last answer kept.
//   - delete with a to-tag (or a from-tag that is a B-side tag) removes only the branch of that
//     tag: a tag that is not its branch's active one just leaves it; the active one tears the
//     branch down, or, when earlier tags answered on the same branch, points it back at the
//     latest of them. delete with only a via-branch removes that branch; a delete naming neither
//     removes the call. The call goes when its last branch goes.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <tl/expected.hpp>

#include "rtpx/media/media.hpp"
#include "rtpx/ng/message.hpp"
#include "rtpx/sip/transport/address.hpp"
#include "rtpx/sip/transport/event_loop.hpp"

namespace rtpx::ng {

struct ServerConfig {
    // Addresses to listen on: "127.0.0.1:2223", "[::1]:2223" (port 0: any free port, for tests).
    std::vector<std::string> listen = {"127.0.0.1:2223"};
    std::size_t max_sessions = 0;  // 0: unlimited; beyond it offers for new calls get "load limit"
    std::chrono::seconds cookie_ttl{30};
    std::size_t cookie_cache_max = 65536;  // oldest entries evicted first
    std::size_t list_limit = 32;           // `list` default (rtpengine's)
    // Interfaces when a request has no `direction`: the leg the SDP goes to sees
    // `interface_towards_b` for an offer from A (and answers to it), `interface_towards_a` for the
    // reverse. "" = the first interface of the media engine.
    std::string interface_towards_a;
    std::string interface_towards_b;
    DecodeLimits limits{};
};

// Parses "host:port" / "[v6]:port" / "host" (port 2223). nullopt when not numeric.
[[nodiscard]] std::optional<sip::SockAddr> parse_listen(std::string_view text);

struct CallTotals {
    std::array<media::LegStats, 2> legs;  // by media::index(Leg)
};

// What the server needs from the media layer. `key` names one media session (a branch of a call;
// see above); the server decides which leg sent an SDP and with which tag.
class Backend {
  public:
    virtual ~Backend() = default;
    // Returns the SDP for the receiver. `sender` is the leg whose SDP this is, `sender_tag` its SIP
    // tag (the session's tag of that leg is set to it); `towards` are the options of the receiving
    // leg, `sender_options` those of the sending leg (its interface, media address policy,
    // latching), as media::MediaSession::offer/answer take them. A failed offer for a session
    // that did not exist leaves none behind.
    virtual tl::expected<std::string, media::MediaError> offer(
        std::string_view key, media::Leg sender, std::string_view sender_tag, std::string_view sdp,
        const media::LegOptions& towards, const media::LegOptions& sender_options) = 0;
    virtual tl::expected<std::string, media::MediaError> answer(
        std::string_view key, media::Leg sender, std::string_view sender_tag, std::string_view sdp,
        const media::LegOptions& towards, const media::LegOptions& sender_options) = 0;
    // Tears the session down (flows deleted on the data plane); kNotFound when unknown.
    virtual tl::expected<void, media::MediaError> remove(std::string_view key) = 0;
    virtual tl::expected<CallTotals, media::MediaError> totals(std::string_view key) = 0;
    [[nodiscard]] virtual bool exists(std::string_view key) const = 0;
    // Streams of the session for query replies (empty when unknown).
    [[nodiscard]] virtual std::vector<media::Stream> streams(std::string_view key) const = 0;
};

// The Backend on a real media engine (not owned).
class MediaBackend final : public Backend {
  public:
    explicit MediaBackend(media::MediaEngine& engine) : engine_(engine) {}
    tl::expected<std::string, media::MediaError> offer(
        std::string_view key, media::Leg sender, std::string_view sender_tag, std::string_view sdp,
        const media::LegOptions& towards, const media::LegOptions& sender_options) override;
    tl::expected<std::string, media::MediaError> answer(
        std::string_view key, media::Leg sender, std::string_view sender_tag, std::string_view sdp,
        const media::LegOptions& towards, const media::LegOptions& sender_options) override;
    tl::expected<void, media::MediaError> remove(std::string_view key) override;
    tl::expected<CallTotals, media::MediaError> totals(std::string_view key) override;
    [[nodiscard]] bool exists(std::string_view key) const override;
    [[nodiscard]] std::vector<media::Stream> streams(std::string_view key) const override;

  private:
    tl::expected<void, media::MediaError> apply_changes(media::MediaSession& session);
    media::MediaEngine& engine_;
};

struct ServerCounters {
    std::uint64_t ping = 0, offer = 0, answer = 0, del = 0, query = 0, list = 0, statistics = 0;
    std::uint64_t errors = 0;            // replies with result: error
    std::uint64_t undecodable = 0;       // no cookie / body not bencode or JSON
    std::uint64_t retransmissions = 0;   // answered from the cookie cache
    std::uint64_t load_limited = 0;      // offers refused by max_sessions
    std::uint64_t unknown_flags = 0;     // flags and list values ignored
    std::uint64_t unknown_keys = 0;      // dictionary keys ignored
    std::uint64_t sessions_created = 0;  // calls first seen in an offer
    std::uint64_t sessions_deleted = 0;
    std::uint64_t branches_created = 0;  // sessions beyond a call's first (per-branch offers)
    std::uint64_t branches_deleted = 0;  // branches removed by a per-branch delete
};

class Server {
  public:
    using Clock = sip::EventLoop::Clock;

    Server(ServerConfig config, Backend& backend);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Sans-IO: one request datagram from `peer` at `now`; the reply datagram, or nullopt when the
    // datagram cannot be answered (no cookie).
    [[nodiscard]] std::optional<std::string> handle(std::string_view datagram,
                                                    const sip::SockAddr& peer,
                                                    Clock::time_point now);

    // Binds every `listen` address (UDP) and registers the sockets on `loop` (which must outlive
    // the server: the destructor unregisters and closes them). Error text names the
    // address and the errno text.
    [[nodiscard]] tl::expected<void, std::string> listen(sip::EventLoop& loop);
    // The bound addresses (with the real port when 0 was asked for).
    [[nodiscard]] std::vector<sip::SockAddr> local_addresses() const;

    [[nodiscard]] const ServerCounters& counters() const noexcept { return counters_; }
    [[nodiscard]] std::size_t cached_replies() const noexcept { return cache_.size(); }
    [[nodiscard]] const ServerConfig& config() const noexcept { return config_; }

    // Calls and the media session keys of their branches (tests, diagnostics).
    [[nodiscard]] std::size_t calls() const noexcept { return calls_.size(); }
    [[nodiscard]] std::vector<std::string> branch_keys(std::string_view call_id) const;

  private:
    struct TagAnswer {  // an answer a B-side tag gave on its branch (kept for a fork's fallback)
        std::string tag, sdp;
        media::LegOptions towards, sender;
    };
    struct Branch {
        std::string key;              // media session key
        std::string via_branch;       // of the offer that created it ("" = none given)
        std::vector<TagAnswer> tags;  // B-side tags that answered here; back() is active
        std::array<media::LegOptions, 2> options;  // last given per leg (A, B)
        std::array<bool, 2> has_options{};
        [[nodiscard]] const TagAnswer* find(std::string_view tag) const;
        [[nodiscard]] const std::string& active_tag() const;
    };
    struct CallMeta {
        std::int64_t created = 0, last_signal = 0;  // UNIX seconds
        std::string interface_a, interface_b;       // remembered from `direction`
        std::string a_tag;                          // the first offer's from-tag
        std::vector<Branch> branches;
        std::uint64_t next_branch = 1;
        [[nodiscard]] Branch* branch_of_tag(std::string_view tag);
        [[nodiscard]] Branch* branch_of_via(std::string_view via);
    };
    struct CachedReply {
        std::string bytes;
        Clock::time_point expires;
    };

    Value dispatch(const Request& request, Clock::time_point now);
    Value do_offer(const Request& request, bool is_answer);
    Value do_delete(const Request& request);
    Value remove_branch(CallMeta& call, std::size_t index, bool* call_gone);
    Value do_query(const Request& request);
    Value do_list(const Request& request) const;
    Value do_statistics(Clock::time_point now) const;
    Value totals_value(const CallMeta& call, const Branch* only);
    void expire_cache(Clock::time_point now);
    void on_readable(int fd);

    ServerConfig config_;
    Backend& backend_;
    ServerCounters counters_;
    std::unordered_map<std::string, CallMeta> calls_;
    std::unordered_map<std::string, CachedReply> cache_;  // key: peer + ' ' + cookie
    std::deque<std::pair<Clock::time_point, std::string>> cache_order_;
    Clock::time_point started_;
    sip::EventLoop* loop_ = nullptr;
    std::vector<int> fds_;
    std::vector<sip::SockAddr> bound_;
};

// What rtpx-controlplane's main.cpp calls when its config has an [ng] table: a Server on a
// MediaBackend over `engine`, listening on `loop`. The engine and loop outlive the result.
struct NgService {
    std::unique_ptr<MediaBackend> backend;
    std::unique_ptr<Server> server;
};
[[nodiscard]] tl::expected<NgService, std::string> start_server(sip::EventLoop& loop,
                                                                media::MediaEngine& engine,
                                                                ServerConfig config);

}  // namespace rtpx::ng
