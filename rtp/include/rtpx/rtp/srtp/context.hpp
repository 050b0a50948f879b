// One SRTP/SRTCP crypto context: one direction (protect or unprotect) of one master key, owned
// by one thread (no locks), serving up to `max_streams` SSRCs that share that key (RTX, FEC,
// simulcast: RFC 3711 section 3.2.3 wants a crypto context per SSRC; here the keys are held once
// and the per-SSRC part is a small fixed array of streams).
//
// It holds the suite, the session keys derived from the master key (RFC 3711 section 4.3, key
// derivation rate 0) already expanded for the IPsec-MB backend (AES key schedules, HMAC-SHA1
// ipad/opad partial hashes, GCM key data), packet counters for the key lifetime (shared by every
// SSRC of the key, as RFC 3711 section 9.2 counts per master key), the optional MKI, and per SSRC
// a stream: the SRTP index state (ROC and highest sequence number, RFC 3711 section 3.3.1), the
// replay windows and the SRTCP index. A stream is taken, in arrival order, by the first packet of
// its SSRC that is protected or authenticates (a forged packet never takes one); a packet of a new
// SSRC when every stream is taken gets SrtpStatus::kTooManyStreams and no crypto runs. SRTP finds
// its stream by the RTP SSRC, SRTCP by the sender SSRC (octets 4-7).
//
// Index rules, as libsrtp2 2.5 applies them (so that both backends give identical bytes), per
// stream:
//  - the first SRTP packet's index is ROC || SEQ with the ROC given at creation;
//  - later packets: the RFC 3711 3.3.1 estimate from the highest accepted index; the estimate never
//    steps below ROC 0;
//  - protect estimates the same way (a relay forwards packets possibly reordered), and refuses to
//    protect an index twice (that would reuse keystream), like libsrtp2's sender;
//  - SRTCP: protect numbers packets from `srtcp_index` (libsrtp2 starts at 1), unprotect takes the
//    index from the packet and checks a 128-entry window.
// State changes only when a packet authenticates (unprotect) or is protected: a failed packet
// leaves ROC, windows and counters untouched.
//
// A context is used with one backend for its whole life (each backend keeps index state in its own
// way: the libsrtp2 backend inside a libsrtp2 session it attaches to the context, one libsrtp2
// stream per SSRC).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include <tl/expected.hpp>

#include "rtpx/rtp/srtp/replay_window.hpp"
#include "rtpx/rtp/srtp/suite.hpp"

namespace rtpx::rtp::srtp {

inline constexpr std::uint64_t kMaxSrtpPackets = std::uint64_t{1} << 48;   // RFC 3711 section 9.2
inline constexpr std::uint64_t kMaxSrtcpPackets = std::uint64_t{1} << 31;  // RFC 3711 section 9.2
inline constexpr std::uint32_t kMaxSrtcpIndex = 0x7fffffff;
inline constexpr std::uint32_t kDefaultReplayWindow = 128;
inline constexpr std::uint32_t kMaxReplayWindow = 1024;
inline constexpr std::uint32_t kDefaultMaxStreams = 4;  // SSRCs per context unless told
inline constexpr std::uint32_t kMaxStreams = 8;

struct SrtpContextParams {
    Suite suite = Suite::kAesCm128HmacSha1_80;
    std::span<const std::uint8_t> master_key;   // suite_info(suite).master_key_len octets
    std::span<const std::uint8_t> master_salt;  // suite_info(suite).master_salt_len octets
    std::uint32_t roc = 0;                      // ROC of the first SRTP packet
    std::uint32_t srtcp_index = 1;  // index of the first SRTCP packet protected (< 2^31);
                                    // 1 as libsrtp2, which cannot start elsewhere
    std::uint32_t replay_window = kDefaultReplayWindow;  // SRTP: 64..kMaxReplayWindow entries
    std::uint64_t key_lifetime = 0;  // packets per key (SDES lifetime); 0: the RFC 3711 maxima
    std::uint64_t key_derivation_rate = 0;  // only 0 (derive once) is supported
    std::span<const std::uint8_t> mki;      // 0..4 octets, sent in (and required on) every packet
    std::uint32_t max_streams = kDefaultMaxStreams;  // SSRCs sharing this key: 1..kMaxStreams
};

enum class ConfigErrc : std::uint8_t {
    kBadKeyLength,
    kBadSaltLength,
    kBadMkiLength,
    kBadReplayWindow,
    kBadSrtcpIndex,
    kBadMaxStreams,
    kUnsupportedKeyDerivationRate,
    kCryptoInit,
};

struct ConfigError {
    ConfigErrc code;
    const char*
        what;  // static text, e.g. "master key must be 16 octets for AES_CM_128_HMAC_SHA1_80"
};

// Session keys of one use (SRTP or SRTCP), laid out for the IPsec-MB job manager: what a packet
// reads is contiguous from the start (HMAC states, salt, then the key schedule or GCM key data),
// so that 4 (AES-CM) to 8 (GCM) cache lines hold it; the raw keys, kept for tests, come last.
struct alignas(64) SessionKeys {
    alignas(16) std::array<std::uint8_t, 32> hmac_ipad{};  // SHA-1 state after (key ^ ipad)
    alignas(16) std::array<std::uint8_t, 32> hmac_opad{};  // SHA-1 state after (key ^ opad)
    // Session salt (master_salt_len octets), zero-padded to 16 octets so that an IV is two
    // 64-bit XORs.
    alignas(16) std::array<std::uint8_t, 16> salt{};
    // AES-CM: IPsec-MB expanded encryption keys (AES-128: 176 octets, AES-256: 240).
    // AES-GCM: struct gcm_key_data (expanded keys first, then GHASH keys).
    alignas(64) std::array<std::uint8_t, 1024> cipher{};
    std::array<std::uint8_t, kMaxMasterKeyLen> key{};  // session encryption key
    std::array<std::uint8_t, 20> auth_key{};           // session authentication key
};

// Session keys given directly rather than derived (RFC 3711 B.2 and RFC 7714 sections 16-17 test
// vectors start from session keys).
struct SessionKeyMaterial {
    std::span<const std::uint8_t> key;       // master_key_len octets
    std::span<const std::uint8_t> salt;      // master_salt_len octets
    std::span<const std::uint8_t> auth_key;  // 20 octets for HMAC-SHA1 suites, empty for GCM
};

class IpsecMbBackend;
class LibSrtp2Backend;

class SrtpContext {
  public:
    [[nodiscard]] static tl::expected<std::unique_ptr<SrtpContext>, ConfigError> create(
        const SrtpContextParams& params);

    // A context from session keys (params.master_key and master_salt are ignored). Such a context
    // works with the IPsec-MB backend only: libsrtp2 always derives its keys from a master key.
    [[nodiscard]] static tl::expected<std::unique_ptr<SrtpContext>, ConfigError>
    create_with_session_keys(const SrtpContextParams& params, const SessionKeyMaterial& rtp,
                             const SessionKeyMaterial& rtcp);

    SrtpContext(const SrtpContext&) = delete;
    SrtpContext& operator=(const SrtpContext&) = delete;
    ~SrtpContext();

    [[nodiscard]] Suite suite() const noexcept { return suite_; }
    [[nodiscard]] const SuiteInfo& info() const noexcept { return suite_info(suite_); }
    [[nodiscard]] std::span<const std::uint8_t> mki() const noexcept {
        return {mki_.data(), mki_len_};
    }

    // Streams (SSRCs) taken so far, and the most this context holds.
    [[nodiscard]] std::uint32_t stream_count() const noexcept { return stream_count_; }
    [[nodiscard]] std::uint32_t max_streams() const noexcept { return max_streams_; }
    [[nodiscard]] bool has_stream(std::uint32_t ssrc) const noexcept {
        return find_stream(ssrc) != nullptr;
    }

    // Per-SSRC state. For an SSRC that has no stream yet: what its first packet would get.
    // SRTP: the ROC of the highest index protected/accepted (the initial ROC before any packet).
    [[nodiscard]] std::uint32_t roc(std::uint32_t ssrc) const noexcept;
    // SRTP: whether a packet was protected/accepted, and the highest 48-bit index so far (valid
    // only when rtp_started()).
    [[nodiscard]] bool rtp_started(std::uint32_t ssrc) const noexcept;
    [[nodiscard]] std::uint64_t rtp_highest_index(std::uint32_t ssrc) const noexcept;
    // SRTCP: the index the next protected packet gets.
    [[nodiscard]] std::uint32_t next_srtcp_index(std::uint32_t ssrc) const noexcept;
    // RFC 3711 3.3.1: the 48-bit index of an SRTP packet with this sequence number, given the
    // state so far (see the index rules above).
    [[nodiscard]] std::uint64_t estimate_index(std::uint32_t ssrc,
                                               std::uint16_t seq) const noexcept;

    // The same for the first stream taken (the only one of a single-SSRC context), or for a
    // new SSRC when no stream is taken yet.
    [[nodiscard]] std::uint32_t roc() const noexcept { return roc(first_ssrc()); }
    [[nodiscard]] bool rtp_started() const noexcept { return rtp_started(first_ssrc()); }
    [[nodiscard]] std::uint64_t rtp_highest_index() const noexcept {
        return rtp_highest_index(first_ssrc());
    }
    [[nodiscard]] std::uint32_t next_srtcp_index() const noexcept {
        return next_srtcp_index(first_ssrc());
    }
    [[nodiscard]] std::uint64_t estimate_index(std::uint16_t seq) const noexcept {
        return estimate_index(first_ssrc(), seq);
    }

    // Packets protected/accepted with this key, every SSRC together (the key lifetime counts).
    [[nodiscard]] std::uint64_t rtp_packets() const noexcept { return rtp_packets_; }
    [[nodiscard]] std::uint64_t rtcp_packets() const noexcept { return rtcp_packets_; }
    [[nodiscard]] std::uint32_t replay_window() const noexcept { return replay_window_; }

    // Hints the CPU to fetch what processing an SRTP (rtp) or SRTCP packet of this context
    // reads (the context line, the session keys, the first stream); see srtp::prefetch().
    void prefetch(bool rtp) const noexcept;

    // Session keys as derived (tests compare them with RFC 3711 B.3).
    [[nodiscard]] const SessionKeys& rtp_keys() const noexcept { return rtp_keys_; }
    [[nodiscard]] const SessionKeys& rtcp_keys() const noexcept { return *rtcp_keys_; }

  private:
    friend class IpsecMbBackend;
    friend class LibSrtp2Backend;

    // Per-SSRC state. The first cache line holds the burst bookkeeping and the SRTP window's
    // header and first bitmap words; the rest of the bitmap follows, then SRTCP.
    struct alignas(64) Stream {
        // Burst bookkeeping of the IPsec-MB backend: the burst (a 32-bit counter that skips 0) in
        // which the previous packet of this stream was given the index `burst_highest` was
        // estimated from, so that the next one is estimated as if it had been accepted; and the
        // burst in which one of its packets had to be redone. A stale match after 2^32 bursts only
        // costs a redo: every speculative index is checked against the committed state before it
        // counts.
        std::uint64_t burst_highest = 0;
        std::uint32_t burst_stamp = 0;
        std::uint32_t redo_stamp = 0;
        std::uint32_t ssrc = 0;
        std::uint32_t srtcp_next = 1;
        ReplayWindow<kMaxReplayWindow> rtp_window;
        ReplayWindow<128> rtcp_window;
    };

    SrtpContext() = default;
    static std::unique_ptr<SrtpContext> make(const SrtpContextParams& params);
    // The streams live right after the object, in the same allocation (no pointer to chase).
    static void* operator new(std::size_t size, std::uint32_t streams);
    static void operator delete(void* p, std::uint32_t streams) noexcept;

  public:
    static void operator delete(void* p) noexcept;

  private:
    [[nodiscard]] Stream* streams() noexcept {
        return reinterpret_cast<Stream*>(reinterpret_cast<char*>(this) + sizeof(SrtpContext));
    }
    [[nodiscard]] const Stream* streams() const noexcept {
        return reinterpret_cast<const Stream*>(reinterpret_cast<const char*>(this) +
                                               sizeof(SrtpContext));
    }
    [[nodiscard]] Stream* find_stream(std::uint32_t ssrc) noexcept {
        for (std::uint32_t i = 0; i < stream_count_; ++i) {
            if (ssrcs_[i] == ssrc) return streams() + i;
        }
        return nullptr;
    }
    [[nodiscard]] const Stream* find_stream(std::uint32_t ssrc) const noexcept {
        return const_cast<SrtpContext*>(this)->find_stream(ssrc);
    }
    [[nodiscard]] bool streams_full() const noexcept { return stream_count_ == max_streams_; }
    // Takes the next free stream for `ssrc` (which has none); nullptr when all are taken.
    Stream* add_stream(std::uint32_t ssrc) noexcept;
    [[nodiscard]] std::uint32_t first_ssrc() const noexcept { return ssrcs_[0]; }
    // The estimate for `seq` in stream `s` (nullptr: a new SSRC).
    [[nodiscard]] std::uint64_t estimate(const Stream* s, std::uint16_t seq) const noexcept;

    // --- hot: the first cache line holds what every packet reads: the SSRCs of the streams, the
    // suite, the MKI, the key lifetime counters; then the SRTP session keys ---
    std::array<std::uint32_t, kMaxStreams> ssrcs_{};
    Suite suite_ = Suite::kAesCm128HmacSha1_80;
    std::uint8_t mki_len_ = 0;
    std::uint8_t stream_count_ = 0;
    std::uint8_t max_streams_ = 1;
    std::array<std::uint8_t, kMaxMkiLen> mki_{};
    std::uint32_t initial_roc_ = 0;
    std::uint64_t rtp_packets_ = 0;
    std::uint64_t rtp_limit_ = kMaxSrtpPackets;
    SessionKeys rtp_keys_;
    // --- SRTCP, less frequent, and the rest ---
    std::uint32_t initial_srtcp_ = 1;
    std::uint32_t replay_window_ = kDefaultReplayWindow;
    bool session_keys_only_ = false;  // made by create_with_session_keys (no master key)
    std::uint64_t rtcp_packets_ = 0;
    std::uint64_t rtcp_limit_ = kMaxSrtcpPackets;
    std::unique_ptr<SessionKeys> rtcp_keys_;
    // libsrtp2 backend: the srtp_t session of this context, made on first use.
    void* libsrtp2_session_ = nullptr;
    void (*libsrtp2_release_)(void*) noexcept = nullptr;
    std::array<std::uint8_t, kMaxMasterKeyLen> master_key_{};
    std::array<std::uint8_t, kMaxMasterSaltLen> master_salt_{};
};

// Hints the CPU to fetch what an SRTP (rtp) or SRTCP packet of this context will read: the
// context's first line, the session keys the suite uses (HMAC states, salt, AES key schedule or GCM
// key data) and the first stream's index state and replay window. A data plane that knows the
// context of a packet a stage before it calls the backend (at classification, say) calls this
// there; the IPsec-MB backend also prefetches a few packets ahead within a burst.
inline void prefetch(const SrtpContext& c, bool rtp = true) noexcept {
    c.prefetch(rtp);
}

// RFC 3711 3.3.1 index estimate from the highest index so far (ROC || s_l), with libsrtp2's rule
// that the estimate never goes below ROC 0.
[[nodiscard]] constexpr std::uint64_t estimate_srtp_index(std::uint64_t highest,
                                                          std::uint16_t seq) noexcept {
    const auto roc = static_cast<std::uint32_t>(highest >> 16);
    const auto s_l = static_cast<std::uint16_t>(highest);
    std::uint32_t v = roc;
    if (s_l < 0x8000) {
        if (seq - s_l > 0x8000 && roc > 0) v = roc - 1;
    } else if (s_l - 0x8000 > seq) {
        v = roc + 1;
    }
    return (std::uint64_t{v} << 16) | seq;
}

inline std::uint64_t SrtpContext::estimate(const Stream* s, std::uint16_t seq) const noexcept {
    if (s == nullptr || s->rtp_window.empty()) return (std::uint64_t{initial_roc_} << 16) | seq;
    return estimate_srtp_index(s->rtp_window.highest(), seq);
}

inline std::uint64_t SrtpContext::estimate_index(std::uint32_t ssrc,
                                                 std::uint16_t seq) const noexcept {
    return estimate(find_stream(ssrc), seq);
}

inline void SrtpContext::prefetch(bool rtp) const noexcept {
    const auto* self = reinterpret_cast<const char*>(this);
    __builtin_prefetch(self);  // the SSRCs, suite and counters
    // The first stream: its index state and (SRTP) the replay window bitmap (3 lines) or (SRTCP)
    // the SRTCP window after it.
    const auto* st = reinterpret_cast<const char*>(streams());
    if (!rtp) {
        __builtin_prefetch(st);
        __builtin_prefetch(st + offsetof(Stream, rtcp_window));
        const auto* p = reinterpret_cast<const char*>(rtcp_keys_.get());
        for (std::size_t i = 0; i < 4; ++i) __builtin_prefetch(p + 64 * i);
        return;
    }
    for (std::size_t i = 0; i < 3; ++i) __builtin_prefetch(st + 64 * i);
    // The SRTP session keys: HMAC states (line 0), salt (line 1), then the AES key schedule
    // (AES-128: 3 lines, AES-256: 4) or the GCM key data (keys and GHASH keys: 6 lines). Always
    // all of them: choosing by suite would wait for this context's first line to arrive, and
    // the prefetch would no longer overlap with the misses of the packets before it.
    const auto* k = reinterpret_cast<const char*>(&rtp_keys_);
    for (std::size_t n = 0; n < 8; ++n) __builtin_prefetch(k + 64 * n);
}

}  // namespace rtpx::rtp::srtp
