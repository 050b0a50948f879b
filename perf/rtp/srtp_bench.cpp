// SRTP protect and unprotect in bursts of 32: ns per packet for 172-octet (20 ms G.711 + RTP
// header) and 1200-octet (video) packets, 1 flow and 10,000 flows, every suite (unprotect: the
// AES-CM 80 and AES-GCM 128 suites), both backends in the same run.
//
// 10,000 flows, as a relay has them: the contexts were made at different times among other
// allocations (each context here is followed by a random-sized allocation, kept alive), and the
// packets of a burst belong to flows in no particular order (a fixed pseudo-random walk over all
// flows, so no hardware prefetcher can guess the next context). Contexts and keys come from
// memory rather than cache. The bare IPsec-MB baselines run with one key (flows:1) and with
// 10,000 keys spread and walked the same way (flows:10000), so that the SRTP layer's own cost
// is the difference at equal cache behaviour.
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

// Random sizes between allocations, so that consecutive contexts do not sit at a fixed stride.
std::vector<std::unique_ptr<std::uint8_t[]>> spread(std::size_t i) {
    std::vector<std::unique_ptr<std::uint8_t[]>> v;
    v.emplace_back(new std::uint8_t[64 + (i * 2654435761U) % 4096]);
    return v;
}

// The order in which bursts visit flows: a pseudo-random walk over all of them (a multiplicative
// step coprime with the count), the same in every benchmark.
struct Walk {
    std::size_t n;
    std::size_t step;
    std::size_t at = 0;
    explicit Walk(std::size_t flows) : n(flows), step(flows == 1 ? 0 : 7919) {}
    std::size_t next() noexcept {
        const std::size_t r = at;
        at = n == 1 ? 0 : (at + step) % n;
        return r;
    }
};

struct Flows {
    std::vector<std::unique_ptr<SrtpContext>> contexts;
    std::vector<std::uint16_t> seq;
    std::vector<std::unique_ptr<std::uint8_t[]>> filler;
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
        for (auto& x : spread(i)) f.filler.push_back(std::move(x));
    }
    return f;
}

void fill_rtp(std::uint8_t* d, std::uint16_t seq, std::uint32_t ssrc) {
    d[0] = 0x80;
    d[1] = 0x00;
    store_be16(d + 2, seq);
    store_be32(d + 8, ssrc);
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
    Walk walk(flows);
    auto fill = [&] {
        for (std::size_t k = 0; k < kBurst; ++k) {
            const std::size_t flow = walk.next();
            std::uint8_t* d = bufs[k].data();
            fill_rtp(d, ++f.seq[flow], static_cast<std::uint32_t>(flow) + 1);
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

// Unprotect: a ring of bursts protected beforehand (by the IPsec-MB backend, for both), each
// packet in its own buffer; the timed loop unprotects them in place, as a receive path does
// with packets fresh from the NIC. When the ring is used up it is protected again, untimed.
void BM_Srtp_Unprotect(benchmark::State& state, BackendKind kind, Suite suite) {
    const auto size = static_cast<std::uint32_t>(state.range(0));
    const auto flows = static_cast<std::size_t>(state.range(1));
    auto backend = make_backend(kind);
    auto sender = make_ipsecmb_backend();
    if (!backend || !sender) {
        state.SkipWithError("backend unavailable");
        return;
    }
    Flows tx = make_flows(suite, flows);
    Flows rx = make_flows(suite, flows);
    constexpr std::size_t kRing = 256;  // bursts
    const std::uint32_t cap = size + 64;
    std::vector<std::uint8_t> ring(kRing * kBurst * cap);
    std::vector<SrtpPacket> pkts(kRing * kBurst);
    std::array<SrtpStatus, kBurst> st{};
    Walk walk(flows);
    auto refill = [&] {
        for (std::size_t b = 0; b < kRing; ++b) {
            SrtpPacket* burst = pkts.data() + b * kBurst;
            for (std::size_t k = 0; k < kBurst; ++k) {
                const std::size_t flow = walk.next();
                std::uint8_t* d = ring.data() + (b * kBurst + k) * cap;
                std::memset(d, 0x5a, size);
                fill_rtp(d, ++tx.seq[flow], static_cast<std::uint32_t>(flow) + 1);
                burst[k] = {tx.contexts[flow].get(), d, size, cap};
            }
            if ((*sender)->protect_rtp({burst, kBurst}, st) != kBurst) std::abort();
            for (std::size_t k = 0; k < kBurst; ++k) {
                const std::size_t flow = static_cast<std::size_t>(load_be32(burst[k].data + 8)) - 1;
                burst[k].ctx = rx.contexts[flow].get();
            }
        }
    };
    // Warm up: every flow once (libsrtp2 makes its sessions on first use).
    std::size_t ok = 0;
    for (std::size_t done = 0; done < flows;) {
        refill();
        for (std::size_t b = 0; b < kRing; ++b) {
            ok += (*backend)->unprotect_rtp({pkts.data() + b * kBurst, kBurst}, st);
        }
        done += kRing * kBurst;
    }
    ok = 0;
    std::size_t b = kRing;
    for (auto _ : state) {
        if (b == kRing) {
            state.PauseTiming();
            refill();
            b = 0;
            state.ResumeTiming();
        }
        ok += (*backend)->unprotect_rtp({pkts.data() + b * kBurst, kBurst}, st);
        ++b;
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

// One flow's keys for the burst baselines: AES-128 schedule, GCM key data, HMAC-SHA1 states.
struct alignas(64) KeySet {
    alignas(64) std::uint8_t enc[16 * 15];
    alignas(16) std::uint8_t ipad[32];
    alignas(16) std::uint8_t opad[32];
    alignas(64) gcm_key_data gkey;
};

// Managers by name: 0 as the backend picks them (make_ipsecmb_backend: the best instruction set
// for AES-CTR and AES-GCM, SSE with SHA-NI for HMAC-SHA1), 1 SSE, 2 AVX, 3 AVX2 for the cipher.
IMB_MGR* make_cipher_mgr(std::int64_t arch) {
    IMB_MGR* m = alloc_mb_mgr(0);
    IMB_ARCH a = IMB_ARCH_NONE;
    switch (arch) {
        case 1: init_mb_mgr_sse(m); break;
        case 2: init_mb_mgr_avx(m); break;
        case 3: init_mb_mgr_avx2(m); break;
        default: init_mb_mgr_auto(m, &a); break;
    }
    return m;
}

// Baseline as the backend runs the crypto: AES-CTR through the cipher burst API, HMAC-SHA1
// through the hash burst API (the SSE manager, which uses SHA-NI, when the CPU has SHA-NI),
// AES-GCM through the direct (synchronous) API; 32 packets, no SRTP logic. flows:1 uses one key;
// flows:10000 a key set per flow, spread in memory and visited as BM_Srtp_Protect visits its
// contexts. arch: the cipher manager (see make_cipher_mgr).
void BM_Srtp_ImbBurstBaseline(benchmark::State& state, bool gcm) {
    const auto size = static_cast<std::uint32_t>(state.range(0));
    const auto flows = static_cast<std::size_t>(state.range(1));
    IMB_MGR* m = make_cipher_mgr(state.range(2));
    IMB_MGR* h = alloc_mb_mgr(0);
    IMB_ARCH arch = IMB_ARCH_NONE;
    if ((m->features & IMB_FEATURE_SHANI) != 0) {
        init_mb_mgr_sse(h);
    } else {
        init_mb_mgr_auto(h, &arch);
    }
    std::vector<std::unique_ptr<KeySet>> keys;
    std::vector<std::unique_ptr<std::uint8_t[]>> filler;
    for (std::size_t i = 0; i < flows; ++i) {
        auto k = std::make_unique<KeySet>();
        alignas(64) std::uint8_t key[16] = {1, 2, 3};
        key[4] = static_cast<std::uint8_t>(i);
        alignas(64) std::uint8_t dec[16 * 15];
        alignas(16) std::uint8_t block[64];
        IMB_AES_KEYEXP_128(m, key, k->enc, dec);
        IMB_AES128_GCM_PRE(m, key, &k->gkey);
        std::memset(block, 0x36 ^ static_cast<int>(i & 0xff), sizeof(block));
        IMB_SHA1_ONE_BLOCK(m, block, k->ipad);
        std::memset(block, 0x5c ^ static_cast<int>(i & 0xff), sizeof(block));
        IMB_SHA1_ONE_BLOCK(m, block, k->opad);
        keys.push_back(std::move(k));
        for (auto& x : spread(i)) filler.push_back(std::move(x));
    }
    std::vector<std::vector<std::uint8_t>> bufs(kBurst, std::vector<std::uint8_t>(size + 64, 0x5a));
    alignas(16) std::uint8_t iv[kBurst][16] = {};
    alignas(16) std::uint8_t tag[kBurst][20];
    std::vector<IMB_JOB> cipher(kBurst);
    std::vector<IMB_JOB> hash(kBurst);
    Walk walk(flows);
    for (auto _ : state) {
        if (gcm) {
            gcm_context_data ctx;
            for (std::size_t i = 0; i < kBurst; ++i) {
                const KeySet& k = *keys[walk.next()];
                std::uint8_t* d = bufs[i].data();
                IMB_AES128_GCM_ENC(m, &k.gkey, &ctx, d + 12, d + 12, size - 12, iv[i], d, 12,
                                   tag[i], 16);
            }
            benchmark::ClobberMemory();
            continue;
        }
        for (std::size_t i = 0; i < kBurst; ++i) {
            const KeySet& k = *keys[walk.next()];
            std::uint8_t* d = bufs[i].data();
            IMB_JOB& c = cipher[i];
            c.src = d;
            c.dst = d + 12;
            c.cipher_start_src_offset_in_bytes = 12;
            c.msg_len_to_cipher_in_bytes = size - 12;
            c.enc_keys = k.enc;
            c.dec_keys = k.enc;
            c.key_len_in_bytes = 16;
            c.iv = iv[i];
            c.iv_len_in_bytes = 16;
            IMB_JOB& j = hash[i];
            j.src = d;
            j.hash_start_src_offset_in_bytes = 0;
            j.msg_len_to_hash_in_bytes = size + 4;
            j.hash_alg = IMB_AUTH_HMAC_SHA_1;
            j.u.HMAC._hashed_auth_key_xor_ipad = k.ipad;
            j.u.HMAC._hashed_auth_key_xor_opad = k.opad;
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

void burst_baseline_args(benchmark::internal::Benchmark* b) {
    b->ArgNames({"bytes", "flows", "arch"});
    for (std::int64_t bytes : {172, 1200}) {
        for (std::int64_t flows : {1, 10000}) b->Args({bytes, flows, 0});
    }
    for (std::int64_t arch : {1, 2, 3}) b->Args({172, 1, arch});  // which manager is fastest
}
BENCHMARK_CAPTURE(BM_Srtp_ImbBurstBaseline, aes_ctr_hmac_sha1, false)->Apply(burst_baseline_args);
BENCHMARK_CAPTURE(BM_Srtp_ImbBurstBaseline, aes_gcm, true)->Apply(burst_baseline_args);

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
            if (info.suite != Suite::kAesCm128HmacSha1_80 && info.suite != Suite::kAeadAes128Gcm) {
                continue;
            }
            const std::string uname =
                "BM_Srtp_Unprotect/" + std::string(to_string(kind)) + "/" + std::string(info.name);
            benchmark::RegisterBenchmark(uname.c_str(), BM_Srtp_Unprotect, kind, info.suite)
                ->ArgNames({"bytes", "flows"})
                ->Args({172, 1})
                ->Args({172, 10000});
        }
    }
    return 0;
}();

}  // namespace
