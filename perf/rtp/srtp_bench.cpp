// SRTP protect in bursts of 32: ns per packet for 172-octet (20 ms G.711 + RTP header) and
// 1200-octet (video) packets, 1 flow and 10,000 flows, every suite, both backends in the same run.
// With 10,000 flows each burst takes the next 32 flows round-robin, so contexts come from memory
// rather than cache, as on a loaded relay.
//
//   build/ci/perf/rtp_srtp_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//   perf/rtp/run_srtp_bench.sh   (table of medians, the ipsecmb/libsrtp2 ratio and the goals)
#include <benchmark/benchmark.h>
#include <intel-ipsec-mb.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/srtp/backend.hpp"

namespace {

using namespace rtpx::rtp;
using namespace rtpx::rtp::srtp;

constexpr std::size_t kBurst = 32;

struct Flows {
    std::vector<std::unique_ptr<SrtpContext>> contexts;
    std::vector<std::uint16_t> seq;
};

Flows make_flows(Suite suite, std::size_t n) {
    Flows f;
    const SuiteInfo& info = suite_info(suite);
    std::array<std::uint8_t, 46> key{};
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t k = 0; k < key.size(); ++k) key[k] = static_cast<std::uint8_t>(i * 31 + k);
        SrtpContextParams p;
        p.suite = suite;
        p.master_key = {key.data(), info.master_key_len};
        p.master_salt = {key.data() + info.master_key_len, info.master_salt_len};
        auto c = SrtpContext::create(p);
        if (!c) std::abort();
        f.contexts.push_back(std::move(*c));
        f.seq.push_back(static_cast<std::uint16_t>(i));
    }
    return f;
}

void BM_Srtp_Protect(benchmark::State& state, BackendKind kind, Suite suite) {
    const auto size = static_cast<std::uint32_t>(state.range(0));
    const auto flows = static_cast<std::size_t>(state.range(1));
    auto backend = make_backend(kind);
    if (!backend) {
        state.SkipWithError("backend unavailable");
        return;
    }
    Flows f = make_flows(suite, flows);
    // One buffer per burst position, as packets of a received burst sit in their own mbufs.
    std::vector<std::vector<std::uint8_t>> bufs(kBurst, std::vector<std::uint8_t>(size + 64, 0x5a));
    std::array<SrtpPacket, kBurst> pkts{};
    std::array<SrtpStatus, kBurst> st{};
    std::size_t next = 0;
    auto fill = [&] {
        for (std::size_t k = 0; k < kBurst; ++k) {
            const std::size_t flow = next;
            next = next + 1 == flows ? 0 : next + 1;
            std::uint8_t* d = bufs[k].data();
            d[0] = 0x80;
            d[1] = 0x00;
            store_be16(d + 2, ++f.seq[flow]);
            store_be32(d + 8, static_cast<std::uint32_t>(flow) + 1);
            pkts[k] = {f.contexts[flow].get(), d, size, size + 64};
        }
    };
    // Warm up: every flow once (libsrtp2 makes its sessions on first use).
    for (std::size_t i = 0; i < (flows + kBurst - 1) / kBurst; ++i) {
        fill();
        (*backend)->protect_rtp(pkts, st);
    }
    std::size_t ok = 0;
    for (auto _ : state) {
        fill();
        ok += (*backend)->protect_rtp(pkts, st);
    }
    if (ok != kBurst * state.iterations()) state.SkipWithError("a packet failed");
    state.SetItemsProcessed(static_cast<std::int64_t>(kBurst * state.iterations()));
    state.SetBytesProcessed(static_cast<std::int64_t>(kBurst * size * state.iterations()));
}

// What both IPsec-MB baselines set up once: one AES-128 key's schedule and GCM key, the HMAC-SHA1
// inner/outer states, a buffer per burst position, IVs and tag slots.
struct BaselineKeys {
    alignas(64) std::uint8_t enc[16 * 15];
    alignas(64) gcm_key_data gkey;
    alignas(16) std::uint8_t ipad[32];
    alignas(16) std::uint8_t opad[32];
    std::vector<std::vector<std::uint8_t>> bufs;
    alignas(16) std::uint8_t iv[kBurst][16] = {};
    alignas(16) std::uint8_t tag[kBurst][20];

    BaselineKeys(IMB_MGR* m, std::uint32_t size)
        : bufs(kBurst, std::vector<std::uint8_t>(size + 64, 0x5a)) {
        alignas(64) const std::uint8_t key[16] = {1, 2, 3};
        alignas(64) std::uint8_t dec[16 * 15];
        alignas(16) std::uint8_t block[64];
        IMB_AES_KEYEXP_128(m, key, enc, dec);
        IMB_AES128_GCM_PRE(m, key, &gkey);
        std::memset(block, 0x36, sizeof(block));
        IMB_SHA1_ONE_BLOCK(m, block, ipad);
        std::memset(block, 0x5c, sizeof(block));
        IMB_SHA1_ONE_BLOCK(m, block, opad);
    }
};

// Baseline: the bare IPsec-MB jobs an SRTP packet needs, through the job API of the manager
// init_mb_mgr_auto picks (how the backend ran them before it used the burst API) (AES-128-CTR +
// HMAC-SHA1 over packet || ROC, or AES-128-GCM), 32 per burst, one key, no SRTP logic at all. The
// backend's figures divided by these show what the SRTP layer adds to the crypto library's own
// cost.
void BM_Srtp_ImbBaseline(benchmark::State& state, bool gcm) {
    const auto size = static_cast<std::uint32_t>(state.range(0));
    IMB_MGR* m = alloc_mb_mgr(0);
    IMB_ARCH arch = IMB_ARCH_NONE;
    init_mb_mgr_auto(m, &arch);
    BaselineKeys k(m, size);
    auto& [enc, gkey, ipad, opad, bufs, iv, tag] = k;
    for (auto _ : state) {
        for (std::size_t i = 0; i < kBurst; ++i) {
            IMB_JOB* j = IMB_GET_NEXT_JOB(m);
            std::uint8_t* d = bufs[i].data();
            j->cipher_direction = IMB_DIR_ENCRYPT;
            j->chain_order = IMB_ORDER_CIPHER_HASH;
            j->key_len_in_bytes = 16;
            j->src = d;
            j->dst = d + 12;
            j->cipher_start_src_offset_in_bytes = 12;
            j->msg_len_to_cipher_in_bytes = size - 12;
            j->iv = iv[i];
            j->auth_tag_output = tag[i];
            if (gcm) {
                j->cipher_mode = IMB_CIPHER_GCM;
                j->hash_alg = IMB_AUTH_AES_GMAC;
                j->enc_keys = &gkey;
                j->dec_keys = &gkey;
                j->iv_len_in_bytes = 12;
                j->hash_start_src_offset_in_bytes = 12;
                j->msg_len_to_hash_in_bytes = size - 12;
                j->u.GCM.aad = d;
                j->u.GCM.aad_len_in_bytes = 12;
                j->auth_tag_output_len_in_bytes = 16;
            } else {
                j->cipher_mode = IMB_CIPHER_CNTR;
                j->hash_alg = IMB_AUTH_HMAC_SHA_1;
                j->enc_keys = enc;
                j->dec_keys = enc;
                j->iv_len_in_bytes = 16;
                j->hash_start_src_offset_in_bytes = 0;
                j->msg_len_to_hash_in_bytes = size + 4;
                j->u.HMAC._hashed_auth_key_xor_ipad = ipad;
                j->u.HMAC._hashed_auth_key_xor_opad = opad;
                j->auth_tag_output_len_in_bytes = 12;
            }
            for (IMB_JOB* done = IMB_SUBMIT_JOB_NOCHECK(m); done != nullptr;
                 done = IMB_GET_COMPLETED_JOB(m)) {
                benchmark::DoNotOptimize(done);
            }
        }
        while (IMB_FLUSH_JOB(m) != nullptr) {
        }
    }
    free_mb_mgr(m);
    state.SetItemsProcessed(static_cast<std::int64_t>(kBurst * state.iterations()));
}

// Baseline as the backend runs the crypto: AES-CTR through the cipher burst API (best manager),
// HMAC-SHA1 through the hash burst API (the SSE manager, which uses SHA-NI, when the CPU has
// SHA-NI), AES-GCM through the direct (synchronous) API; 32 packets, one key, no SRTP logic.
void BM_Srtp_ImbBurstBaseline(benchmark::State& state, bool gcm) {
    const auto size = static_cast<std::uint32_t>(state.range(0));
    IMB_MGR* m = alloc_mb_mgr(0);
    IMB_ARCH arch = IMB_ARCH_NONE;
    init_mb_mgr_auto(m, &arch);
    IMB_MGR* h = alloc_mb_mgr(0);
    if ((m->features & IMB_FEATURE_SHANI) != 0) {
        init_mb_mgr_sse(h);
    } else {
        init_mb_mgr_auto(h, &arch);
    }
    BaselineKeys k(m, size);
    auto& [enc, gkey, ipad, opad, bufs, iv, tag] = k;
    std::vector<IMB_JOB> cipher(kBurst);
    std::vector<IMB_JOB> hash(kBurst);
    for (auto _ : state) {
        if (gcm) {
            gcm_context_data ctx;
            for (std::size_t i = 0; i < kBurst; ++i) {
                std::uint8_t* d = bufs[i].data();
                IMB_AES128_GCM_ENC(m, &gkey, &ctx, d + 12, d + 12, size - 12, iv[i], d, 12, tag[i],
                                   16);
            }
            benchmark::ClobberMemory();
            continue;
        }
        for (std::size_t i = 0; i < kBurst; ++i) {
            std::uint8_t* d = bufs[i].data();
            IMB_JOB& c = cipher[i];
            c.src = d;
            c.dst = d + 12;
            c.cipher_start_src_offset_in_bytes = 12;
            c.msg_len_to_cipher_in_bytes = size - 12;
            c.enc_keys = enc;
            c.dec_keys = enc;
            c.key_len_in_bytes = 16;
            c.iv = iv[i];
            c.iv_len_in_bytes = 16;
            IMB_JOB& j = hash[i];
            j.src = d;
            j.hash_start_src_offset_in_bytes = 0;
            j.msg_len_to_hash_in_bytes = size + 4;
            j.hash_alg = IMB_AUTH_HMAC_SHA_1;
            j.u.HMAC._hashed_auth_key_xor_ipad = ipad;
            j.u.HMAC._hashed_auth_key_xor_opad = opad;
            j.auth_tag_output = tag[i];
            j.auth_tag_output_len_in_bytes = 12;
        }
        IMB_SUBMIT_CIPHER_BURST_NOCHECK(m, cipher.data(), kBurst, IMB_CIPHER_CNTR, IMB_DIR_ENCRYPT,
                                        IMB_KEY_128_BYTES);
        IMB_SUBMIT_HASH_BURST_NOCHECK(h, hash.data(), kBurst, IMB_AUTH_HMAC_SHA_1);
        benchmark::ClobberMemory();
    }
    free_mb_mgr(h);
    free_mb_mgr(m);
    state.SetItemsProcessed(static_cast<std::int64_t>(kBurst * state.iterations()));
}

BENCHMARK_CAPTURE(BM_Srtp_ImbBurstBaseline, aes_ctr_hmac_sha1, false)
    ->ArgNames({"bytes"})
    ->Arg(172)
    ->Arg(1200);
BENCHMARK_CAPTURE(BM_Srtp_ImbBurstBaseline, aes_gcm, true)
    ->ArgNames({"bytes"})
    ->Arg(172)
    ->Arg(1200);

BENCHMARK_CAPTURE(BM_Srtp_ImbBaseline, aes_ctr_hmac_sha1, false)
    ->ArgNames({"bytes"})
    ->Arg(172)
    ->Arg(1200);
BENCHMARK_CAPTURE(BM_Srtp_ImbBaseline, aes_gcm, true)->ArgNames({"bytes"})->Arg(172)->Arg(1200);

const int kRegistered = [] {
    for (BackendKind kind : {BackendKind::kIpsecMb, BackendKind::kLibSrtp2}) {
        for (const SuiteInfo& info : kSuites) {
            const std::string name =
                "BM_Srtp_Protect/" + std::string(to_string(kind)) + "/" + std::string(info.name);
            benchmark::RegisterBenchmark(name.c_str(), BM_Srtp_Protect, kind, info.suite)
                ->ArgNames({"bytes", "flows"})
                ->Args({172, 1})
                ->Args({1200, 1})
                ->Args({172, 10000})
                ->Args({1200, 10000});
        }
    }
    return 0;
}();

}  // namespace
