// Private to rtp/src/srtp: an IPsec-MB multi-buffer manager initialised for the best instruction
// set of this CPU, and the one-shot AES-CTR keystream used by key derivation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include <intel-ipsec-mb.h>

namespace rtpx::rtp::srtp::detail {

struct ImbMgrDeleter {
    void operator()(IMB_MGR* m) const noexcept { free_mb_mgr(m); }
};
using ImbMgrPtr = std::unique_ptr<IMB_MGR, ImbMgrDeleter>;

// nullptr when IPsec-MB cannot run here (no AES-NI) or allocation fails.
// The manager for AES-CTR and AES-GCM: the best instruction set of this CPU (AVX-512, AVX2, AVX or
// SSE), or the one RTPX_IPSECMB_ARCH=sse|avx|avx2|avx512 names. GCM key data is laid out for the
// manager that precomputes it, so contexts and backends both take theirs from here.
[[nodiscard]] ImbMgrPtr make_imb_mgr() noexcept;

// The manager for HMAC-SHA1. IPsec-MB 1.3 uses the SHA extensions (SHA-NI) only in its SSE code
// path; its AVX/AVX2/AVX-512 paths run HMAC-SHA1 as 4- to 16-lane multi-buffer SIMD, which needs
// full lanes to pay off and was 25-30% slower than SHA-NI for bursts of 32 on AMD Zen 3 (a burst
// that is not a multiple of the lane count pays for the empty lanes too). So: the SSE manager
// when this CPU has SHA-NI, else the same as make_imb_mgr();
// RTPX_IPSECMB_HMAC_ARCH=sse|avx|avx2|avx512|same overrides (for measurements).
[[nodiscard]] ImbMgrPtr make_hmac_mgr() noexcept;

// A manager for slow-path work (key derivation and expansion) on this thread.
[[nodiscard]] IMB_MGR* init_mgr() noexcept;

// Runs one AES-CTR job synchronously: out[0..len) = AES-CTR(expanded key, 16-octet IV) xor in.
// Returns false when the job manager reports an error.
[[nodiscard]] bool aes_ctr_once(IMB_MGR* mgr, const void* expanded_key, std::size_t key_len,
                                const std::uint8_t* iv16, const std::uint8_t* in, std::uint8_t* out,
                                std::size_t len) noexcept;

}  // namespace rtpx::rtp::srtp::detail
