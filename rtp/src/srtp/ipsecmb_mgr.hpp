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
[[nodiscard]] ImbMgrPtr make_imb_mgr() noexcept;

// A manager for slow-path work (key derivation and expansion) on this thread.
[[nodiscard]] IMB_MGR* init_mgr() noexcept;

// Runs one AES-CTR job synchronously: out[0..len) = AES-CTR(expanded key, 16-octet IV) xor in.
// Returns false when the job manager reports an error.
[[nodiscard]] bool aes_ctr_once(IMB_MGR* mgr, const void* expanded_key, std::size_t key_len,
                                const std::uint8_t* iv16, const std::uint8_t* in, std::uint8_t* out,
                                std::size_t len) noexcept;

}  // namespace rtpx::rtp::srtp::detail
