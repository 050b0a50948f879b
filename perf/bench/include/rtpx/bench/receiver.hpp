// rtpx-bench receiver: matches returned frames to what was sent by the probe each RTP payload
// carries (after SRTP unprotect when the return leg is SRTP) and accounts, per stream and in total:
//  - received (unique), duplicates, loss (sent - received, read after the drain);
//  - reordering as RFC 4737 section 3.3 counts it: an arrival whose sequence is below the next
//    expected one (highest so far + 1) is "reordered";
//  - one-way latency (RX time - TX time, bench clock) in a LatencyHistogram;
//  - added jitter: RFC 3550 section 6.4.1's estimator on the transit times, in nanoseconds
//    (J += (|D| - J) / 16). The generator sends with no jitter of its own in the probe's time
//    base, so this is the jitter the device under test (and the links) added.
// RTCP packets that come back are counted, not matched. Frames that are not UDP, not from a known
// stream, fail SRTP, or carry no probe are counted by reason. No allocation per packet.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <tl/expected.hpp>

#include "rtpx/bench/histogram.hpp"
#include "rtpx/bench/traffic.hpp"

namespace rtpx::bench {

// Where stream i's packets come back, and how they are protected on the return leg.
struct ReturnSpec {
    IpAddress dst;  // the bench's receive address (the DUT's egress destination)
    std::uint16_t dst_port = 0;
    std::optional<SrtpKey> srtp;  // unprotect with this key
};

enum class RxDrop : std::uint8_t {
    kNotUdp,       // not an IPv4/IPv6 UDP frame
    kUnknownFlow,  // SRTP return leg: no stream has this destination address and port
    kSrtpFailed,   // unprotect failed (authentication, replay, ...)
    kNoProbe,      // RTP without a valid probe, or a probe naming no stream
    kCount,
};
inline constexpr std::array<std::string_view, 4> kRxDropNames = {"not_udp", "unknown_flow",
                                                                 "srtp_failed", "no_probe"};

struct StreamRx {
    std::uint64_t received = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t reordered = 0;
    std::uint64_t rtcp = 0;
    std::int64_t highest = -1;  // highest probe sequence seen
    std::uint64_t window = 0;   // bit i: highest - i seen (duplicate detection, 64 deep)
    std::int64_t last_transit = 0;
    std::uint64_t jitter_ns16 = 0;  // RFC 3550 J scaled by 16 (integer form of A.8)
    bool has_transit = false;
};

struct RxTotals {
    std::uint64_t frames = 0;
    std::uint64_t received = 0;  // unique RTP packets matched
    std::uint64_t duplicates = 0;
    std::uint64_t reordered = 0;
    std::uint64_t rtcp = 0;
    std::uint64_t stale = 0;  // RTP sent before the epoch (a previous trial's late packets)
    std::uint64_t bytes = 0;  // frame bytes of matched packets
    std::array<std::uint64_t, static_cast<std::size_t>(RxDrop::kCount)> drops{};
};

struct RxFrame {
    std::uint8_t* data;  // the receiver may decrypt in place
    std::uint32_t len;
    std::uint64_t rx_ns;
};

class Receiver {
  public:
    // `returns` may be empty (plain RTP back: the probe names the stream); otherwise it has one
    // entry per stream, and SRTP return legs are looked up by destination address and port.
    [[nodiscard]] static tl::expected<std::unique_ptr<Receiver>, GeneratorError> create(
        std::size_t streams, std::span<const ReturnSpec> returns = {},
        rtp::srtp::BackendKind backend = rtp::srtp::BackendKind::kIpsecMb);

    // Accounts a burst of frames (any size; SRTP is unprotected in bursts of up to 256).
    void on_frames(std::span<RxFrame> frames) noexcept;

    [[nodiscard]] const RxTotals& totals() const noexcept { return totals_; }
    [[nodiscard]] const StreamRx& stream(std::size_t i) const noexcept { return streams_[i]; }
    [[nodiscard]] std::size_t stream_count() const noexcept { return streams_.size(); }
    [[nodiscard]] const LatencyHistogram& latency() const noexcept { return *latency_; }
    // Mean and maximum of the per-stream RFC 3550 jitter, ns (streams with >= 2 packets).
    [[nodiscard]] double mean_jitter_ns() const noexcept;
    [[nodiscard]] double max_jitter_ns() const noexcept;

    // Clears counts and histogram for a new trial (SRTP contexts keep their state: the generator
    // continues its sequences across trials).
    void reset_counts() noexcept;
    // Packets whose probe TX time is before `tx_ns` are counted as stale, not received: a trial
    // sets it to its start so that late packets of the previous trial do not count.
    void set_epoch(std::uint64_t tx_ns) noexcept { epoch_ns_ = tx_ns; }

    ~Receiver();

  private:
    Receiver() = default;
    void account(const std::uint8_t* rtp, std::size_t len, std::uint32_t frame_len,
                 std::uint64_t rx_ns, std::int64_t expect_stream) noexcept;
    void unprotect_batch(std::size_t n) noexcept;

    std::vector<StreamRx> streams_;
    std::unique_ptr<LatencyHistogram> latency_;
    RxTotals totals_;
    std::uint64_t epoch_ns_ = 0;
    // SRTP return legs.
    std::unique_ptr<rtp::srtp::SrtpBackend> backend_;
    std::vector<std::unique_ptr<rtp::srtp::SrtpContext>> rx_ctx_;
    std::unordered_map<std::uint64_t, std::uint32_t> by_destination_;
    std::vector<rtp::srtp::SrtpPacket> batch_;
    std::vector<rtp::srtp::SrtpStatus> statuses_;
    std::vector<std::uint32_t> batch_stream_;
    std::vector<std::uint32_t> batch_frame_len_;
    std::vector<std::uint64_t> batch_rx_ns_;
    std::vector<std::uint8_t> batch_rtcp_;
};

// The key of the destination lookup: address (hashed to 48 bits) and port.
[[nodiscard]] std::uint64_t destination_key(const IpAddress& a, std::uint16_t port) noexcept;

}  // namespace rtpx::bench
