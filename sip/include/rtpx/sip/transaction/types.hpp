// Vocabulary of the sans-IO transaction layer (RFC 3261 17, RFC 6026): transaction kinds, states
// and timers named as in the RFCs, handles, peers, configuration, and the actions the layer
// returns.
//
// The layer never reads a clock, opens a socket or starts a thread. Its inputs are
//   (a message | a timer that fired | a transport error | a TU request), `now`
// and its outputs are TxnActions handed to a caller-provided TxnActionSink (one virtual call per
// action, nothing allocated per action): send these bytes to this peer, arm or cancel timer X of
// transaction T, deliver a request/response/timeout/transport error/termination to the TU.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <string_view>

namespace rtpx::sip {

class SipMessageView;

using TxnClock = std::chrono::steady_clock;
using TxnTime = TxnClock::time_point;  // `now`, always passed in
using TxnDuration = std::chrono::milliseconds;

enum class TxnKind : std::uint8_t {
    kInviteClient,
    kNonInviteClient,
    kInviteServer,
    kNonInviteServer
};

// RFC 3261 17.1.1.2 (figure 5), 17.1.2.2 (figure 6), 17.2.1 (figure 7), 17.2.2 (figure 8) and
// RFC 6026 7.1/7.2 (Accepted). Calling: INVITE client only; Trying: non-INVITE client and server;
// Confirmed: INVITE server only; Accepted: INVITE client and server.
enum class TxnState : std::uint8_t {
    kCalling,
    kTrying,
    kProceeding,
    kCompleted,
    kConfirmed,
    kAccepted,
    kTerminated,
};

// The RFC 3261 timers (A..K) and RFC 6026's L and M. kTrying100 is the 200 ms after which an INVITE
// server transaction sends 100 Trying when the TU has not answered (RFC 3261 17.2.1).
enum class TimerName : std::uint8_t {
    kA,
    kB,
    kD,
    kE,
    kF,
    kG,
    kH,
    kI,
    kJ,
    kK,
    kL,
    kM,
    kTrying100,
};
inline constexpr std::size_t kTimerNameCount = 13;

[[nodiscard]] std::string_view to_string(TxnKind k) noexcept;
[[nodiscard]] std::string_view to_string(TxnState s) noexcept;
[[nodiscard]] std::string_view to_string(TimerName t) noexcept;  // "A" ... "M", "100"

// A transaction, generation-checked: a handle whose transaction has terminated (and whose slot may
// since hold another transaction) is simply not found; late timers and late TU calls are ignored.
struct TxnHandle {
    std::uint32_t index = 0;
    std::uint32_t generation = 0;  // 0: no transaction
    [[nodiscard]] constexpr bool valid() const noexcept { return generation != 0; }
    friend constexpr bool operator==(TxnHandle, TxnHandle) noexcept = default;
};

enum class TxnTransport : std::uint8_t { kUdp, kTcp, kTls, kSctp, kWs, kWss };

// RFC 3261 17.1.1.2: "unreliable" is UDP; every other transport here is reliable.
[[nodiscard]] constexpr bool is_reliable(TxnTransport t) noexcept {
    return t != TxnTransport::kUdp;
}

// Where a transaction sends: the destination of a client transaction (after RFC 3263 resolution,
// which is the TU's business) or the source of the request of a server transaction (the transport
// adapter applies RFC 3261 18.2.2 / RFC 3581 to it when it sends a response). Plain bytes so the
// layer stays independent of the socket types of the transports.
struct TxnPeer {
    std::array<std::uint8_t, 16> address{};  // network byte order; IPv4 in the first 4 bytes
    std::uint16_t port = 0;
    bool ipv6 = false;
    TxnTransport transport = TxnTransport::kUdp;
    std::uint64_t connection = 0;  // stream transports: the connection to prefer (0: any)

    [[nodiscard]] bool reliable() const noexcept { return is_reliable(transport); }
    friend bool operator==(const TxnPeer&, const TxnPeer&) noexcept = default;
};

struct TxnTimers {
    TxnDuration t1{500};  // RTT estimate (RFC 3261 17.1.1.1)
    TxnDuration t2{
        4000};  // maximum retransmit interval of non-INVITE requests and INVITE responses
    TxnDuration t4{5000};  // maximum duration a message remains in the network
    TxnDuration d{32000};  // Timer D on unreliable transports (RFC 3261: at least 32 s)
};

// When an INVITE server transaction sends 100 Trying (RFC 3261 17.2.1, 8.2.6.1).
enum class TryingPolicy : std::uint8_t {
    kAfterDelay,  // after `trying_delay` (200 ms) unless the TU has responded by then
    kImmediate,   // as soon as the INVITE arrives
    kNever,       // the TU sends its own provisional responses
};

struct TransactionConfig {
    TxnTimers timers;
    TryingPolicy trying = TryingPolicy::kAfterDelay;
    TxnDuration trying_delay{200};
    std::uint32_t capacity = 65536;  // transactions alive at once (pool and table size)
    std::uint32_t shards = 16;       // table shards (a power of two)
};

enum class TxnActionKind : std::uint8_t {
    kSend,            // send `bytes` to `peer` (on `peer.transport`); `txn` is the sender
    kArmTimer,        // arm (or re-arm, replacing) timer `timer` of `txn` to fire at `due`
    kCancelTimer,     // timer `timer` of `txn` is no longer needed
    kRequest,         // TU: a new request (`message`, from `peer`); `related` is set for CANCEL
    kResponse,        // TU: a response of client transaction `txn` (`message`)
    kTimeout,         // TU: `txn` timed out (timer B, F or H)
    kTransportError,  // TU: a transport error ended `txn` (RFC 3261 8.1.3.1, 17.1.4, 17.2.4)
    kTerminated,      // TU: `txn` is gone; its handle is invalid from now on
    kStrayResponse,   // core: a response matching no client transaction (e.g. a retransmitted 2xx)
    kStrayAck,        // core: an ACK matching no server transaction (the ACK of a 2xx)
};

[[nodiscard]] std::string_view to_string(TxnActionKind k) noexcept;

// One output. Views (`bytes`, `message`) are valid until the next call into the layer.
struct TxnAction {
    TxnActionKind kind = TxnActionKind::kSend;
    TimerName timer = TimerName::kA;  // kArmTimer, kCancelTimer, kTimeout
    TxnHandle txn;
    // kRequest of a CANCEL: the INVITE server transaction it cancels (RFC 3261 9.2), when found;
    // the TU answers it 487 (and the CANCEL 200); invalid when none matches (answer the CANCEL
    // 481).
    TxnHandle related;
    TxnTime due{};                            // kArmTimer
    TxnPeer peer;                             // kSend: destination; kRequest/kStray*: source
    std::string_view bytes;                   // kSend
    const SipMessageView* message = nullptr;  // kRequest, kResponse, kStrayResponse, kStrayAck
};

// Where the layer puts its actions. The layer calls emit() in the order the actions must happen.
class TxnActionSink {
  public:
    virtual void emit(const TxnAction& action) noexcept = 0;

  protected:
    ~TxnActionSink() = default;
};

// Counters (one row per outcome); the layer adds to them, readers copy.
struct TxnCounters {
    std::uint64_t client_created = 0;
    std::uint64_t server_created = 0;
    std::uint64_t terminated = 0;
    std::uint64_t retransmissions = 0;     // requests, responses and ACKs re-sent
    std::uint64_t requests_absorbed = 0;   // retransmitted requests that did not reach the TU
    std::uint64_t responses_absorbed = 0;  // retransmitted responses that did not reach the TU
    std::uint64_t stray_responses = 0;
    std::uint64_t stray_acks = 0;
    std::uint64_t timeouts = 0;
    std::uint64_t transport_errors = 0;
    std::uint64_t dropped_unmatchable = 0;  // no usable Via/CSeq to match on
    std::uint64_t dropped_table_full = 0;
    std::uint64_t late_timers = 0;  // timers of gone transactions or disarmed timers
};

}  // namespace rtpx::sip
