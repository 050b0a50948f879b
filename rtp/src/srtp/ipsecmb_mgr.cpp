#include "ipsecmb_mgr.hpp"

#include <cstdlib>
#include <cstring>

namespace rtpx::rtp::srtp::detail {

namespace {

// forced: "sse", "avx", "avx2", "avx512", or anything else (nullptr) for the best this CPU has.
ImbMgrPtr make_mgr(const char* forced) noexcept {
    ImbMgrPtr mgr(alloc_mb_mgr(0));
    if (!mgr) return nullptr;
    IMB_ARCH arch = IMB_ARCH_NONE;
    if (forced != nullptr && std::strcmp(forced, "sse") == 0) {
        init_mb_mgr_sse(mgr.get());
        arch = IMB_ARCH_SSE;
    } else if (forced != nullptr && std::strcmp(forced, "avx") == 0) {
        init_mb_mgr_avx(mgr.get());
        arch = IMB_ARCH_AVX;
    } else if (forced != nullptr && std::strcmp(forced, "avx2") == 0) {
        init_mb_mgr_avx2(mgr.get());
        arch = IMB_ARCH_AVX2;
    } else if (forced != nullptr && std::strcmp(forced, "avx512") == 0) {
        init_mb_mgr_avx512(mgr.get());
        arch = IMB_ARCH_AVX512;
    } else {
        init_mb_mgr_auto(mgr.get(), &arch);
    }
    if (imb_get_errno(mgr.get()) != 0 || arch == IMB_ARCH_NONE || arch == IMB_ARCH_NOAESNI) {
        return nullptr;
    }
    return mgr;
}

}  // namespace

ImbMgrPtr make_imb_mgr() noexcept {
    return make_mgr(std::getenv("RTPX_IPSECMB_ARCH"));
}

ImbMgrPtr make_hmac_mgr() noexcept {
    const char* forced = std::getenv("RTPX_IPSECMB_HMAC_ARCH");
    if (forced != nullptr && std::strcmp(forced, "same") != 0) return make_mgr(forced);
    ImbMgrPtr best = make_imb_mgr();
    if (!best || forced != nullptr) return best;
    const std::uint64_t f = best->features;
    if ((f & IMB_FEATURE_SHANI) != 0) return make_mgr("sse");
    return best;
}

IMB_MGR* init_mgr() noexcept {
    thread_local ImbMgrPtr mgr = make_imb_mgr();
    return mgr.get();
}

bool aes_ctr_once(IMB_MGR* mgr, const void* expanded_key, std::size_t key_len,
                  const std::uint8_t* iv16, const std::uint8_t* in, std::uint8_t* out,
                  std::size_t len) noexcept {
    while (IMB_FLUSH_JOB(mgr) != nullptr) {
    }
    IMB_JOB* job = IMB_GET_NEXT_JOB(mgr);
    job->cipher_mode = IMB_CIPHER_CNTR;
    job->cipher_direction = IMB_DIR_ENCRYPT;
    job->chain_order = IMB_ORDER_CIPHER_HASH;
    job->hash_alg = IMB_AUTH_NULL;
    job->enc_keys = expanded_key;
    job->dec_keys = expanded_key;
    job->key_len_in_bytes = key_len;
    job->iv = iv16;
    job->iv_len_in_bytes = 16;
    job->src = in;
    job->dst = out;
    job->cipher_start_src_offset_in_bytes = 0;
    job->msg_len_to_cipher_in_bytes = len;
    job->hash_start_src_offset_in_bytes = 0;
    job->msg_len_to_hash_in_bytes = 0;
    job->auth_tag_output = nullptr;
    job->auth_tag_output_len_in_bytes = 0;
    job->user_data = nullptr;
    IMB_JOB* done = IMB_SUBMIT_JOB(mgr);
    if (done == nullptr) done = IMB_FLUSH_JOB(mgr);
    return done == job && done->status == IMB_STATUS_COMPLETED;
}

}  // namespace rtpx::rtp::srtp::detail
