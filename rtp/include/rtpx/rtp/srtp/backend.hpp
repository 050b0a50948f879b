// Burst SRTP/SRTCP processing behind one interface, two implementations:
//  - IPsec-MB (the data plane's): AES-CTR + HMAC-SHA1 chained and AES-GCM through the
//    multi-buffer job manager, many packets in flight at once;
//  - libsrtp2 (the reference): one libsrtp2 session per context, one packet at a time.
// Both give identical bytes and identical verdicts for the same sequence of calls.
//
// Calls work in place on N packets that may belong to different contexts. Each packet gets one
// status; `len` grows (protect) or shrinks (unprotect) only on kOk. A packet that fails leaves its
// bytes and its context untouched. No allocation, no exceptions, no locks per packet; a backend
// object belongs to one thread (one per lcore).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include <tl/expected.hpp>

#include "rtpx/rtp/srtp/context.hpp"

namespace rtpx::rtp::srtp {

struct SrtpPacket {
    SrtpContext* ctx;
    std::uint8_t* data;
    std::uint32_t len;       // octets of packet in data
    std::uint32_t capacity;  // octets writable at data (protect needs len + trailer)
};

enum class SrtpStatus : std::uint8_t {
    kOk,
    kAuthFailed,      // the authentication tag (or AEAD tag) does not match
    kReplayed,        // this index was already accepted (or, protecting, already sent)
    kTooOld,          // the index lies behind the replay window
    kTooShort,        // shorter than the header plus the SRTP/SRTCP trailer
    kBadHeader,       // RTP header (CSRCs, extension) longer than the packet, or not RTP version 2
    kNoRoom,          // capacity too small for the trailer protect adds
    kKeyExhausted,    // the key lifetime (2^48 SRTP, 2^31 SRTCP, or the SDES lifetime) is used up
    kBadMki,          // the MKI in the packet is not this context's
    kBackendError,    // the crypto library refused the job (never expected)
    kTooManyStreams,  // a new SSRC, and every stream of the context is taken (max_streams)
};

struct SrtpStatusInfo {
    SrtpStatus status;
    std::string_view name;  // counter name, snake_case
    std::string_view help;
};

inline constexpr std::array<SrtpStatusInfo, 11> kSrtpStatuses = {{
    {SrtpStatus::kOk, "ok", "processed"},
    {SrtpStatus::kAuthFailed, "auth_failed", "authentication tag mismatch"},
    {SrtpStatus::kReplayed, "replayed", "index already seen"},
    {SrtpStatus::kTooOld, "too_old", "index behind the replay window"},
    {SrtpStatus::kTooShort, "too_short", "packet shorter than header and trailer"},
    {SrtpStatus::kBadHeader, "bad_header", "RTP header longer than the packet or not version 2"},
    {SrtpStatus::kNoRoom, "no_room", "no room for the SRTP trailer"},
    {SrtpStatus::kKeyExhausted, "key_exhausted", "key lifetime reached"},
    {SrtpStatus::kBadMki, "bad_mki", "unknown MKI"},
    {SrtpStatus::kBackendError, "backend_error", "crypto library error"},
    {SrtpStatus::kTooManyStreams, "too_many_streams", "new SSRC and no free stream in the context"},
}};

[[nodiscard]] constexpr std::string_view to_string(SrtpStatus s) noexcept {
    return kSrtpStatuses[static_cast<std::size_t>(s)].name;
}

// Octets protect appends: SRTP MKI + tag; SRTCP E||index + MKI + tag.
[[nodiscard]] inline std::uint32_t srtp_trailer_len(const SrtpContext& c) noexcept {
    return static_cast<std::uint32_t>(c.mki().size() + c.info().rtp_tag_len);
}
[[nodiscard]] inline std::uint32_t srtcp_trailer_len(const SrtpContext& c) noexcept {
    return static_cast<std::uint32_t>(4 + c.mki().size() + c.info().rtcp_tag_len);
}

enum class BackendKind : std::uint8_t { kIpsecMb, kLibSrtp2 };

[[nodiscard]] constexpr std::string_view to_string(BackendKind k) noexcept {
    return k == BackendKind::kIpsecMb ? "ipsecmb" : "libsrtp2";
}

class SrtpBackend {
  public:
    virtual ~SrtpBackend() = default;
    [[nodiscard]] virtual BackendKind kind() const noexcept = 0;

    // statuses.size() must be >= packets.size(). Returns how many packets are kOk.
    virtual std::size_t protect_rtp(std::span<SrtpPacket> packets,
                                    std::span<SrtpStatus> statuses) noexcept = 0;
    virtual std::size_t unprotect_rtp(std::span<SrtpPacket> packets,
                                      std::span<SrtpStatus> statuses) noexcept = 0;
    virtual std::size_t protect_rtcp(std::span<SrtpPacket> packets,
                                     std::span<SrtpStatus> statuses) noexcept = 0;
    virtual std::size_t unprotect_rtcp(std::span<SrtpPacket> packets,
                                       std::span<SrtpStatus> statuses) noexcept = 0;
};

struct BackendError {
    const char* what;
};

// IPsec-MB with the best code path this CPU has (AVX-512, AVX2, AVX or SSE).
[[nodiscard]] tl::expected<std::unique_ptr<SrtpBackend>, BackendError> make_ipsecmb_backend();
[[nodiscard]] tl::expected<std::unique_ptr<SrtpBackend>, BackendError> make_libsrtp2_backend();
[[nodiscard]] tl::expected<std::unique_ptr<SrtpBackend>, BackendError> make_backend(BackendKind k);

}  // namespace rtpx::rtp::srtp
