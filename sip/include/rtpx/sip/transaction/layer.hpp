// TransactionLayer: the four RFC 3261 17 transaction state machines (with RFC 6026's Accepted
// state), matching (17.1.3, 17.2.3 and the RFC 2543 fallback), CANCEL matching (9.2), 100 Trying,
// retransmission absorption and transport errors, over a preallocated pool and a sharded table.
//
// Sans-IO: every entry point takes `now` and a TxnActionSink; see types.hpp for the actions.
//
//   Client side (the TU sends):   start_client(request, peer) -> handle; later on_message() with
//                                 responses delivers kResponse, and the INVITE client transaction
//                                 itself ACKs non-2xx final responses (17.1.1.3).
//   Server side (the TU answers): on_message(request) -> kRequest(handle); respond(handle,
//   response). Timers:                       on_timer(handle, timer) for each kArmTimer that comes
//   due. Transport:                    on_transport_error(handle) when a kSend of `handle` failed.
//
// Not thread-safe: one layer per thread (shard calls by Call-ID or branch across threads).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "rtpx/sip/header_id.hpp"
#include "rtpx/sip/transaction/table.hpp"
#include "rtpx/sip/transaction/types.hpp"

namespace rtpx::sip {

struct SipMessage;

enum class TxnError : std::uint8_t {
    kNoTransaction,  // the handle is stale (the transaction terminated) or was never valid
    kWrongState,     // e.g. a final response after a final response, a 1xx in Accepted
    kBadMessage,     // unparseable, or missing what the operation needs (Via branch, CSeq, status)
    kWrongKind,      // respond() on a client transaction, a response to start_client, ...
    kDuplicate,      // start_client with a branch + method already in use
    kTableFull,      // capacity reached
};

[[nodiscard]] std::string_view to_string(TxnError e) noexcept;

// What on_message() did with a message (also reflected in TxnCounters).
enum class TxnDisposition : std::uint8_t {
    kNewTransaction,  // a request that created a server transaction (delivered as kRequest)
    kMatched,         // a response or request handled by an existing transaction
    kAbsorbed,        // a retransmission, answered from the transaction or dropped
    kStray,           // delivered to the core as kStrayResponse or kStrayAck
    kDropped,         // no usable top Via / CSeq, or the table is full
};

[[nodiscard]] std::string_view to_string(TxnDisposition d) noexcept;

class TransactionLayer {
  public:
    explicit TransactionLayer(const TransactionConfig& config = {});
    ~TransactionLayer();
    TransactionLayer(const TransactionLayer&) = delete;
    TransactionLayer& operator=(const TransactionLayer&) = delete;

    // --- the TU sends a request (client transaction) -------------------------------------------
    // The request must carry a top Via with an RFC 3261 branch and a CSeq; its method chooses the
    // kind (INVITE: INVITE client; ACK is not a transaction and is refused with kWrongKind). The
    // bytes are copied into the transaction (it retransmits them and builds the ACK from them).
    [[nodiscard]] tl::expected<TxnHandle, TxnError> start_client(const SipMessage& request,
                                                                 const TxnPeer& peer, TxnTime now,
                                                                 TxnActionSink& sink);
    [[nodiscard]] tl::expected<TxnHandle, TxnError> start_client(std::string_view request_bytes,
                                                                 const TxnPeer& peer, TxnTime now,
                                                                 TxnActionSink& sink);

    // --- the TU answers a request (server transaction) -----------------------------------------
    // 1xx keeps the transaction proceeding (and stops a pending 100 Trying); a final response
    // completes it (INVITE 2xx: Accepted, RFC 6026; the TU retransmits its 2xx through respond()
    // while Accepted, and owns those retransmissions). The bytes form must be one complete
    // response: only its status line is read (and its To tag for an RFC 2543 transaction).
    [[nodiscard]] tl::expected<void, TxnError> respond(TxnHandle txn, const SipMessage& response,
                                                       TxnTime now, TxnActionSink& sink);
    [[nodiscard]] tl::expected<void, TxnError> respond(TxnHandle txn,
                                                       std::string_view response_bytes, TxnTime now,
                                                       TxnActionSink& sink);

    // --- events ---------------------------------------------------------------------------------
    // A parsed message from `source`. The view must stay valid during the call only.
    TxnDisposition on_message(const SipMessageView& message, const TxnPeer& source, TxnTime now,
                              TxnActionSink& sink) noexcept;
    // Timer `timer` of `txn` came due. Ignored (counted as late) when the transaction is gone or
    // the timer is not armed.
    void on_timer(TxnHandle txn, TimerName timer, TxnTime now, TxnActionSink& sink) noexcept;
    // A send of `txn` failed (connection refused, reset, ICMP unreachable...). Ignored when gone.
    void on_transport_error(TxnHandle txn, TxnTime now, TxnActionSink& sink) noexcept;

    // --- inspection -----------------------------------------------------------------------------
    [[nodiscard]] bool alive(TxnHandle txn) const noexcept;
    [[nodiscard]] tl::expected<TxnState, TxnError> state(TxnHandle txn) const noexcept;
    [[nodiscard]] tl::expected<TxnKind, TxnError> kind(TxnHandle txn) const noexcept;
    // The TU's own word per transaction (e.g. its dialog or call index).
    [[nodiscard]] tl::expected<void, TxnError> set_user_data(TxnHandle txn,
                                                             std::uint64_t value) noexcept;
    [[nodiscard]] tl::expected<std::uint64_t, TxnError> user_data(TxnHandle txn) const noexcept;
    [[nodiscard]] std::size_t size() const noexcept { return live_; }
    [[nodiscard]] std::size_t capacity() const noexcept;
    [[nodiscard]] const TxnCounters& counters() const noexcept { return counters_; }
    [[nodiscard]] const TransactionConfig& config() const noexcept { return config_; }

  private:
    struct Txn;
    [[nodiscard]] Txn* slot(TxnHandle h) noexcept;
    [[nodiscard]] const Txn* slot(TxnHandle h) const noexcept;
    [[nodiscard]] TxnHandle handle_of(const Txn& t) const noexcept;

    tl::expected<TxnHandle, TxnError> start_client_common(std::string_view branch,
                                                          std::string_view cseq_method,
                                                          Method method, const TxnPeer& peer);
    void arm_first_timers(Txn& t, TxnTime now, TxnActionSink& sink) noexcept;
    tl::expected<void, TxnError> respond_stored(Txn& t, std::uint16_t status, TxnTime now,
                                                TxnActionSink& sink);
    TxnDisposition on_request(const SipMessageView& m, const TxnPeer& source, TxnTime now,
                              TxnActionSink& sink) noexcept;
    TxnDisposition on_response(const SipMessageView& m, const TxnPeer& source, TxnTime now,
                               TxnActionSink& sink) noexcept;
    void on_invite_client_response(Txn& t, const SipMessageView& m, TxnTime now,
                                   TxnActionSink& sink) noexcept;
    void on_non_invite_client_response(Txn& t, const SipMessageView& m, TxnTime now,
                                       TxnActionSink& sink) noexcept;

    Txn* acquire() noexcept;
    void terminate(Txn& t, TxnActionSink& sink) noexcept;
    void release_pending() noexcept;
    void arm(Txn& t, TimerName timer, TxnTime due, TxnActionSink& sink) noexcept;
    void disarm(Txn& t, TimerName timer, TxnActionSink& sink) noexcept;
    void disarm_all(Txn& t, TxnActionSink& sink) noexcept;
    void send(Txn& t, std::string_view bytes, TxnActionSink& sink, bool retransmission) noexcept;
    void deliver(TxnActionKind kind, Txn& t, const SipMessageView* m, TxnActionSink& sink) noexcept;

    TransactionConfig config_;
    std::vector<Txn> slots_;
    std::vector<std::uint32_t> free_;
    std::vector<std::uint32_t> pending_release_;  // terminated in the last call: freed at the next
    TransactionTable clients_;
    TransactionTable servers_;
    std::string scratch_key_;
    std::size_t live_ = 0;
    TxnCounters counters_;
};

}  // namespace rtpx::sip
