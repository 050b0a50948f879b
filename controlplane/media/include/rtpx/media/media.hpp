// rtpx::media — the media sessions shared by the B2BUA (rtpx_cp) and the rtpengine ng server
// (rtpx_ng): SDP in, SDP out, flow batches out. See CP_DESIGN.md for the contract.
//
// Additions to the CP_DESIGN.md shape (additive only; nothing there changed):
//   - LegOptions: replace_origin, replace_session_connection, sdes_suites (the suites offered to a
//     leg that gets SRTP from an RTP offerer).
//   - enum Ice (ng's ICE= values; remove_ice stays the switch).
//   - MediaError::Code::kNotFound (unknown call, ng); to_string(MediaError::Code).
//   - MediaSession::offer/answer: an optional 4th argument, the sending leg's own LegOptions.
//     answer() may be called again for the same offer (183 then 200, another fork's answer): the
//     offerer keeps its relay ports and keys; only the answerer's side is updated.
//   - <nlohmann/json.hpp> is included (to_json()/from_json are part of the API).
//   - Transport::kKeep on a re-offer keeps the transport the leg already has.
//   - MediaSession: call_id(), tag()/set_tag()/leg_of_tag() (ng from-tag/to-tag naming the legs),
//     has_pending_offer(), codec(), to_json()/from_json (journal), flows() (the programmed
//     flows), streams (read-only view for call records).
//   - PortPools: the Interface list and per-Interface port pools (public so unit tests can build
//     sessions without a data plane; MediaEngine owns one).
//   - MediaEngine: create_offline() (no data-plane connection; apply() fails), sessions(),
//     delete_call(), restore_session(json) (journal replay: reserves ports), port_pools(),
//     dataplane_connected().
//
// A media section of a leg is anchored on a relay endpoint: the address of the leg's Interface and
// an even port from its range (port + 1 is reserved with it for RTCP when the leg does not mux).
// Flows: both directions of every accepted stream; flow X->Y has local = X's relay endpoint,
// remote = what X's SDP said (or LegOptions::received_from), egress from Y's relay endpoint to
// Y's address, srtp_ingress = the key X sends with, srtp_egress = the key Y expects.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "rtpx/flowapi/flow.hpp"
#include "rtpx/flowapi/wire.hpp"
#include "rtpx/sip/sdp/attributes.hpp"

namespace rtpx::media {

enum class Leg : std::uint8_t { kA, kB };  // A = the leg the first offer came from
[[nodiscard]] constexpr Leg other(Leg l) noexcept {
    return l == Leg::kA ? Leg::kB : Leg::kA;
}
[[nodiscard]] constexpr std::size_t index(Leg l) noexcept {
    return l == Leg::kA ? 0 : 1;
}

enum class Transport : std::uint8_t { kKeep, kRtpAvp, kRtpSavp, kRtpAvpf, kRtpSavpf };
enum class RtcpMux : std::uint8_t { kKeep, kOffer, kDemux, kAccept, kRequire };
// ng's ICE= values, for callers' parsing; what the session reads is LegOptions::remove_ice
// (= ice == Ice::kRemove). kForce keeps the endpoint's ICE lines: the relay adds no candidates.
enum class Ice : std::uint8_t { kRemove, kForce };

struct Interface {     // a data plane's media address on one network, with a port range
    std::string name;  // e.g. "alice-side"
    flowapi::IpAddress address;
    std::uint16_t port_min = 30000, port_max = 39999;
};
struct DataplaneConfig {
    std::string name;
    std::string socket;
    std::vector<Interface> interfaces;
};

struct LegOptions {         // how the session treats the leg the rewritten SDP goes TO
    std::string interface;  // which Interface's address that leg sees ("" = the first)
    Transport transport = Transport::kKeep;  // kRtpSavp: SDES keys generated (CSPRNG) for that leg
    RtcpMux rtcp_mux = RtcpMux::kKeep;
    bool remove_ice = true;  // false = Ice::kForce (keep)
    flowapi::Latching latching = flowapi::Latching::kLearnOnce;
    bool trust_address = true;  // false: use received_from instead of c= (for the leg's own SDP)
    std::optional<flowapi::Endpoint> received_from;
    std::uint32_t inactivity_timeout_ms = 0;
    // --- additions (ng) ---
    bool replace_origin = true;              // o= address := the relay address
    bool replace_session_connection = true;  // session-level c= := the relay address
    // Suites offered (in this order) to a leg that gets SRTP while the other leg sends RTP; SDES
    // names. Empty = AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32.
    std::vector<std::string> sdes_suites;
};

// Per media section summed, measured by the data plane on what it received FROM the leg: packets
// and bytes forwarded, lost (RFC 3550 cumulative, current SSRC), errors = drops + SRTP failures,
// jitter = the worst stream's, in ms (RTP units / clock rate), MOS = E-model (rtp/quality.hpp) of
// loss and jitter for the codec.
struct LegStats {
    std::uint64_t packets = 0, bytes = 0, lost = 0, errors = 0;
    double jitter_ms = 0;
    double mos = 0;  // 0 when nothing was received
    std::string codec;
};

struct MediaError {
    enum class Code : std::uint8_t {
        kBadSdp,
        kNoPorts,
        kNoInterface,
        kNoCommonCrypto,
        kDataplane,
        kState,
        kNotFound,
    } code;
    std::string what;
};
[[nodiscard]] std::string_view to_string(MediaError::Code code) noexcept;

// Interfaces and their port pools. A port P handed out is even and P + 1 is reserved with it.
class PortPools {
  public:
    PortPools() = default;
    explicit PortPools(const std::vector<DataplaneConfig>& dataplanes);

    // By name; "" = the first interface. nullptr when unknown.
    [[nodiscard]] const Interface* find(std::string_view name) const noexcept;
    // The interface owning an address, nullptr if none.
    [[nodiscard]] const Interface* find(const flowapi::IpAddress& address) const noexcept;
    // Index of the data plane an interface belongs to.
    [[nodiscard]] std::size_t dataplane_of(const Interface& iface) const noexcept;
    [[nodiscard]] std::optional<std::size_t> dataplane_of(
        const flowapi::IpAddress& address) const noexcept;

    // An even port P (P and P + 1 reserved), round-robin over the range; kNoPorts when exhausted.
    [[nodiscard]] tl::expected<std::uint16_t, MediaError> allocate(const Interface& iface);
    // Marks P and P + 1 (P rounded down to even) in use; false when already taken or out of range.
    bool reserve(const flowapi::IpAddress& address, std::uint16_t port);
    void release(const flowapi::IpAddress& address, std::uint16_t port);
    [[nodiscard]] bool in_use(const flowapi::IpAddress& address, std::uint16_t port) const noexcept;
    // Pairs in use on an interface.
    [[nodiscard]] std::size_t used(std::string_view interface) const noexcept;
    [[nodiscard]] const std::vector<Interface>& interfaces() const noexcept { return interfaces_; }

  private:
    struct Pool {
        std::vector<bool> used;  // by pair index: (port - first_even) / 2
        std::uint16_t first = 0;
        std::size_t next = 0;
        std::size_t count = 0;
    };
    std::vector<Interface> interfaces_;
    std::vector<std::size_t> dataplane_;  // per interface
    std::vector<Pool> pools_;             // per interface
};

// One stream (m= section) as both legs see it, for call records and tests.
struct StreamSide {
    std::string interface;          // the leg's Interface
    flowapi::Endpoint relay;        // relay RTP endpoint the leg sends to (port 0: none)
    flowapi::Endpoint remote;       // where the leg receives RTP (its SDP or received_from)
    flowapi::Endpoint remote_rtcp;  // its RTCP (= remote when muxed)
    bool rtcp_mux = false;          // RTCP muxed on the RTP port for this leg
    bool zero_address = false;      // c=0.0.0.0 (RFC 2543 hold)
    sip::sdp::Direction direction = sip::sdp::Direction::kSendRecv;  // of the leg's own SDP
    std::string proto;                                               // the proto this leg uses
    flowapi::SrtpParams sends;     // the key the leg protects what it sends with
    flowapi::SrtpParams expects;   // the key the leg expects (generated here)
    std::uint32_t crypto_tag = 0;  // the a=crypto tag of `expects` in the leg's SDP
    bool present = false;          // the leg's SDP has this section
};
struct Stream {
    std::string media;  // audio, video...
    bool rejected = false;
    std::string codec;  // encoding of the first accepted payload type
    std::uint32_t clock_rate = 8000;
    std::array<StreamSide, 2> side;  // by index(Leg)
};

class MediaSession {  // one call's media; not thread-safe; no I/O
  public:
    MediaSession(std::uint64_t id, std::string call_id, PortPools& pools);
    MediaSession(const MediaSession&) = delete;
    MediaSession& operator=(const MediaSession&) = delete;
    ~MediaSession();

    // `sdp` was sent by leg `from`; returns the SDP to send to other(from): connection address and
    // ports replaced by relay endpoints on `towards.interface`, crypto lines per
    // `towards.transport` (SDES keys generated per leg, the ingress keys taken from the offerer's
    // a=crypto), ICE removed. `sender` (optional, additive): the options of the offering leg itself
    // (its received_from, trust_address, latching, interface); else the last ones given for it (or
    // the defaults).
    tl::expected<std::string, MediaError> offer(Leg from, std::string_view sdp,
                                                const LegOptions& towards,
                                                const LegOptions* sender = nullptr);
    // The answer to the pending offer, sent by `from` (= other(offerer)); returns the SDP for the
    // offerer. `towards` are the options of the offerer's leg (interface, latching...).
    tl::expected<std::string, MediaError> answer(Leg from, std::string_view sdp,
                                                 const LegOptions& towards,
                                                 const LegOptions* sender = nullptr);
    // Flow changes (add/modify/delete of both directions of every stream) since the last call, as
    // ONE batch: the caller applies it (MediaEngine::apply) before it forwards the answer. Ports of
    // removed sections are released when the batch with their deletes is returned.
    [[nodiscard]] flowapi::Batch take_changes();
    // The same, plus, while an offer is pending, the answerer-to-offerer direction of each
    // plain-RTP stream: its destination is the offerer's address in the offer, so the answerer's
    // first packets (early media sent right after its 183 or 200, before the answer has been
    // processed) are relayed rather than dropped at an unknown port, as rtpengine relays from the
    // offer on. Once asked for, these flows stay in every later batch until the offer is answered
    // (then modified into the full flow) or withdrawn (then deleted). SRTP towards either side
    // waits for the answer's keys.
    [[nodiscard]] flowapi::Batch take_early_changes();
    [[nodiscard]] flowapi::Batch teardown();  // deletes of every flow, ports released
    [[nodiscard]] std::uint64_t id() const noexcept { return id_; }  // also the flows' cookie
    [[nodiscard]] const std::string& call_id() const noexcept { return call_id_; }

    // ng naming: leg A = from-tag of the first offer, leg B = the to-tag.
    void set_tag(Leg leg, std::string tag);
    [[nodiscard]] const std::string& tag(Leg leg) const noexcept;
    [[nodiscard]] std::optional<Leg> leg_of_tag(std::string_view tag) const noexcept;

    [[nodiscard]] bool has_pending_offer() const noexcept;
    [[nodiscard]] const std::vector<Stream>& streams() const noexcept { return streams_; }
    // The encoding of the first active stream ("" before an answer).
    [[nodiscard]] std::string codec() const;
    // Flows as last returned by take_changes() (or re-attached), by local endpoint.
    [[nodiscard]] std::vector<flowapi::FlowSpec> flows() const;

    // Journal form (nlohmann JSON): everything needed to go on after a restart, keys included.
    [[nodiscard]] nlohmann::json to_json() const;
    // The same JSON as to_json(), appended to `out` as text without building a tree (the journal
    // writes one per answered call).
    void write_json(std::string& out) const;
    // Rebuilds a session; reserves its relay ports in `pools`. kState on a malformed document.
    [[nodiscard]] static tl::expected<std::unique_ptr<MediaSession>, MediaError> from_json(
        const nlohmann::json& j, PortPools& pools);

    // Used by MediaEngine::reattach: what the data plane really holds for this session.
    void adopt_flows(const std::vector<flowapi::FlowSpec>& flows);

  private:
    struct Impl;
    struct LegState;
    std::uint64_t id_;
    std::string call_id_;
    PortPools* pools_;
    std::array<std::string, 2> tags_;
    std::vector<Stream> streams_;
    std::unique_ptr<Impl> impl_;
};

// Owns data-plane links and port pools; creates sessions. Used from one thread (the owner's event
// loop); only the event reader threads run beside it, behind event_fd()/drain_events().
// Not journaled: an offer still waiting for its answer (a restart drops it; the endpoint's
// transaction fails and is retried).
class MediaEngine {
  public:
    // Connects a command and an event client to every data plane (kDataplane when one fails).
    static tl::expected<MediaEngine, MediaError> create(std::vector<DataplaneConfig> dataplanes);
    // No connections: sessions and batches only; apply/stats/reattach fail with kDataplane.
    static MediaEngine create_offline(std::vector<DataplaneConfig> dataplanes);

    MediaEngine(MediaEngine&&) noexcept;
    MediaEngine& operator=(MediaEngine&&) noexcept;
    MediaEngine(const MediaEngine&) = delete;
    MediaEngine& operator=(const MediaEngine&) = delete;
    ~MediaEngine();

    MediaSession& create_session(std::string call_id);  // or returns the existing one
    MediaSession* find(std::string_view call_id);
    void erase(std::string_view call_id);  // after teardown() was applied
    [[nodiscard]] std::vector<MediaSession*> sessions();
    // teardown + apply + erase; kNotFound for an unknown call.
    tl::expected<void, MediaError> delete_call(std::string_view call_id);
    // Journal replay: a session from MediaSession::to_json(), ports reserved, flows not re-sent.
    tl::expected<MediaSession*, MediaError> restore_session(const nlohmann::json& j);

    // Atomically on the right data plane (a batch must not span data planes). Reconnects once
    // when the link is broken.
    tl::expected<void, MediaError> apply(const flowapi::Batch& batch);
    tl::expected<std::array<LegStats, 2>, MediaError> stats(const MediaSession& session);
    // Pipelined, for an event loop (a data plane answers one connection's requests in order):
    // a batch sent without waiting for its reply (a refused one is reported by
    // take_detached_errors(), which also reads the replies that have arrived) ...
    tl::expected<void, MediaError> apply_detached(const flowapi::Batch& batch);
    [[nodiscard]] std::vector<std::string> take_detached_errors();
    // ... and the end of several calls in one round trip per data plane: their flows' statistics
    // read by one query, their deletes sent right behind it in one detached batch, the sessions
    // erased (ports released). out[i] is calls[i]'s statistics (nullopt: unknown call, or the
    // data plane did not answer: see take_detached_errors()).
    [[nodiscard]] std::vector<std::optional<std::array<LegStats, 2>>> end_calls(
        const std::vector<std::string>& calls);
    // data-plane events (inactivity, latched, SSRC change, SRTP failures) for the owner's event
    // loop:
    [[nodiscard]] int event_fd() const noexcept;  // readable when events wait (an eventfd)
    std::vector<std::pair<std::uint64_t /*session id*/, flowapi::Event>> drain_events();
    // after a control-plane restart: dump the data planes' flows, re-attach them to sessions
    // rebuilt from the journal (by cookie = session id) and mark their ports used. Returns the
    // flows seen.
    tl::expected<std::size_t, MediaError> reattach();

    [[nodiscard]] PortPools& port_pools() noexcept;
    [[nodiscard]] bool dataplane_connected(std::size_t index) const noexcept;

  private:
    struct Impl;
    explicit MediaEngine(std::unique_ptr<Impl> impl) noexcept;
    std::unique_ptr<Impl> impl_;
};

}  // namespace rtpx::media
