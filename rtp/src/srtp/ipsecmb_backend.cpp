// The IPsec-MB backend. Everything it asks of IPsec-MB runs synchronously:
//  - AES-GCM suites: one direct AES-GCM call per packet (IMB_AES128_GCM_ENC and friends), packet
//    by packet, on the manager of the best instruction set (AVX2 with PCLMULQDQ on Zen 3);
//  - AES-CM and NULL suites: the burst API of IPsec-MB 1.3. Protect: one AES-CTR cipher burst per
//    key size, then one HMAC-SHA1 hash burst over the whole burst; unprotect: the hash burst first,
//    the verdicts in packet order, then the cipher burst over the packets that passed only. The
//    hash burst runs on the SSE manager when the CPU has SHA-NI (see make_hmac_mgr).
//
// A packet's index is chosen before its crypto runs, from the state as it would be if the earlier
// packets of the same context in the burst were all accepted. The verdicts are taken in packet
// order; when a packet's index, estimated again from the committed state, differs (an earlier
// packet of that context failed), its crypto is undone and the packet is redone alone after the
// burst. Undoing AES-CTR or GCM is applying the same keystream again, which is also how a packet
// whose protection is refused, or an AES-GCM packet that fails authentication, gets its bytes back.
#include <algorithm>
#include <cstring>

#include "ipsecmb_mgr.hpp"
#include "layout.hpp"
#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/srtp/backend.hpp"

namespace rtpx::rtp::srtp {
namespace {

constexpr std::size_t kChunk = 32;
constexpr std::size_t kPrefetch = 8;  // contexts prefetched ahead in a burst
using detail::kRtcpHeader;
using detail::kRtpHeader;
using detail::rtp_header_len;
constexpr std::uint32_t kHmacOutputLen = 12;  // IPsec-MB HMAC-SHA1 gives 12 or 20 octets

enum class Op : std::uint8_t { kProtectRtp, kUnprotectRtp, kProtectRtcp, kUnprotectRtcp };

[[nodiscard]] constexpr bool is_protect(Op op) noexcept {
    return op == Op::kProtectRtp || op == Op::kProtectRtcp;
}
[[nodiscard]] constexpr bool is_rtp(Op op) noexcept {
    return op == Op::kProtectRtp || op == Op::kUnprotectRtp;
}

// HMAC-SHA1 tags are 10 or 4 octets: fixed-size copies rather than a memcpy call.
void copy_tag(std::uint8_t* to, const std::uint8_t* tag, std::uint32_t len) noexcept {
    if (len == 10) {
        std::memcpy(to, tag, 10);
    } else {
        std::memcpy(to, tag, 4);
    }
}

[[nodiscard]] bool equal_tags(const std::uint8_t* a, const std::uint8_t* b,
                              std::size_t n) noexcept {
    std::uint8_t diff = 0;
    for (std::size_t i = 0; i < n; ++i) diff |= static_cast<std::uint8_t>(a[i] ^ b[i]);
    return diff == 0;
}

}  // namespace

class IpsecMbBackend final : public SrtpBackend {
  public:
    IpsecMbBackend(detail::ImbMgrPtr mgr, detail::ImbMgrPtr hash_mgr)
        : mgr_(std::move(mgr)), hash_mgr_(std::move(hash_mgr)) {}

    BackendKind kind() const noexcept override { return BackendKind::kIpsecMb; }

    std::size_t protect_rtp(std::span<SrtpPacket> p, std::span<SrtpStatus> s) noexcept override {
        return run<Op::kProtectRtp>(p, s);
    }
    std::size_t unprotect_rtp(std::span<SrtpPacket> p, std::span<SrtpStatus> s) noexcept override {
        return run<Op::kUnprotectRtp>(p, s);
    }
    std::size_t protect_rtcp(std::span<SrtpPacket> p, std::span<SrtpStatus> s) noexcept override {
        return run<Op::kProtectRtcp>(p, s);
    }
    std::size_t unprotect_rtcp(std::span<SrtpPacket> p, std::span<SrtpStatus> s) noexcept override {
        return run<Op::kUnprotectRtcp>(p, s);
    }

    // The cipher and hash bursts this backend relies on, checked once with the validating calls.
    [[nodiscard]] bool self_test() noexcept {
        alignas(16) std::uint8_t key[32] = {};
        alignas(16) std::uint8_t enc[16 * 15];
        alignas(16) std::uint8_t dec[16 * 15];
        alignas(16) std::uint8_t block[64] = {};
        alignas(16) std::uint8_t state[32];
        alignas(16) std::uint8_t iv[16] = {};
        alignas(16) std::uint8_t data[64] = {};
        alignas(16) std::uint8_t tag[20];
        IMB_SHA1_ONE_BLOCK(hash_mgr_.get(), block, state);
        IMB_JOB& job = hash_jobs_[0];
        job = IMB_JOB{};
        job.src = data;
        job.hash_start_src_offset_in_bytes = 0;
        job.msg_len_to_hash_in_bytes = sizeof(data);
        job.hash_alg = IMB_AUTH_HMAC_SHA_1;
        job.u.HMAC._hashed_auth_key_xor_ipad = state;
        job.u.HMAC._hashed_auth_key_xor_opad = state;
        job.auth_tag_output = tag;
        job.auth_tag_output_len_in_bytes = kHmacOutputLen;
        if (IMB_SUBMIT_HASH_BURST(hash_mgr_.get(), &job, 1, IMB_AUTH_HMAC_SHA_1) != 1) return false;
        for (const std::uint32_t key_len : {16U, 32U}) {
            if (key_len == 16) {
                IMB_AES_KEYEXP_128(mgr_.get(), key, enc, dec);
            } else {
                IMB_AES_KEYEXP_256(mgr_.get(), key, enc, dec);
            }
            IMB_JOB& c = cipher_jobs_[0][0];
            c = IMB_JOB{};
            fill_ctr(c, data, 0, sizeof(data), enc, key_len, iv);
            const auto ks = key_len == 16 ? IMB_KEY_128_BYTES : IMB_KEY_256_BYTES;
            if (IMB_SUBMIT_CIPHER_BURST(mgr_.get(), &c, 1, IMB_CIPHER_CNTR, IMB_DIR_ENCRYPT, ks) !=
                1) {
                return false;
            }
        }
        return imb_get_errno(mgr_.get()) == 0 && imb_get_errno(hash_mgr_.get()) == 0;
    }

  private:
    // Per packet scratch.
    struct Slot {
        alignas(16) std::uint8_t iv[16];
        alignas(16) std::uint8_t tag[20];  // tag computed by the hash job or the GCM call
        std::uint8_t overwritten[4];       // packet octets the ROC / E||index move covered
        std::uint8_t aad[12];              // SRTCP GCM: header || E||index
        std::uint64_t index;
        std::uint32_t header_len;      // start of the encrypted portion
        std::uint32_t cipher_len;      // octets encrypted (0: authentication only)
        std::uint32_t auth_end;        // unprotect: end of the authenticated portion; protect: len
        std::uint32_t overwritten_at;  // where `overwritten` came from (UINT32_MAX: nothing)
        std::uint32_t tag_at;          // unprotect: where the received tag is
        const SessionKeys* keys;
        SrtpContext::Stream* stream;  // nullptr: the SSRC had no stream when prepared
        std::uint32_t ssrc;
        bool rtcp;
        bool unencrypted_gcm_srtcp;  // unprotect, GCM, E = 0: AAD is the whole packet
        bool ciphered;               // the packet's octets are currently en/decrypted
        bool redo;
    };

    template <Op op>
    std::size_t run(std::span<SrtpPacket> packets, std::span<SrtpStatus> statuses) noexcept {
        std::size_t ok = 0;
        for (std::size_t base = 0; base < packets.size(); base += kChunk) {
            const std::size_t n = std::min(kChunk, packets.size() - base);
            run_chunk<op>(packets.subspan(base, n), statuses.subspan(base, n));
        }
        for (std::size_t i = 0; i < packets.size(); ++i) {
            ok += statuses[i] == SrtpStatus::kOk ? 1 : 0;
        }
        return ok;
    }

    template <Op op>
    void run_chunk(std::span<SrtpPacket> pk, std::span<SrtpStatus> st) noexcept {
        if (++burst_ == 0) burst_ = 1;  // 0 is the stamp of a fresh context
        const std::size_t n = pk.size();
        const bool rtp = is_rtp(op);
        for (std::size_t i = 0; i < n && i < kPrefetch; ++i) pk[i].ctx->prefetch(rtp);
        // Packets of the AES-CM / NULL suites, in order, waiting for the bursts.
        std::uint8_t queued[kChunk];
        std::size_t nq = 0;
        std::uint32_t nc[2] = {0, 0};  // cipher jobs per key size (AES-128, AES-256)
        for (std::size_t i = 0; i < n; ++i) {
            if (i + kPrefetch < n) pk[i + kPrefetch].ctx->prefetch(rtp);
            Slot& slot = slots_[i];
            slot.redo = false;
            if (pk[i].ctx->info().cipher == CipherKind::kAesGcm) {
                // Synchronous, in packet order: no speculation needed.
                st[i] = run_gcm<op>(pk[i], slot);
                continue;
            }
            st[i] = prepare<op>(pk[i], slot, true);
            if (st[i] != SrtpStatus::kOk) continue;
            queued[nq++] = static_cast<std::uint8_t>(i);
            fill_hash<op>(hash_jobs_[nq - 1], pk[i], slot);
            if (is_protect(op) && slot.cipher_len != 0) add_cipher(pk[i], slot, nc);
        }
        if (nq == 0) return;
        if (is_protect(op)) {
            submit_ciphers(nc);
            IMB_SUBMIT_HASH_BURST_NOCHECK(hash_mgr_.get(), hash_jobs_.data(),
                                          static_cast<std::uint32_t>(nq), IMB_AUTH_HMAC_SHA_1);
            bool any_redo = false;
            for (std::size_t q = 0; q < nq; ++q) {
                const std::size_t i = queued[q];
                st[i] = decide<op>(pk[i], slots_[i], true);
                if (st[i] != SrtpStatus::kOk || slots_[i].redo) undo_cipher(pk[i], slots_[i]);
                any_redo |= slots_[i].redo;
            }
            if (any_redo) redo<op>(pk, st, queued, nq);
            return;
        }
        IMB_SUBMIT_HASH_BURST_NOCHECK(hash_mgr_.get(), hash_jobs_.data(),
                                      static_cast<std::uint32_t>(nq), IMB_AUTH_HMAC_SHA_1);
        bool any_redo = false;
        for (std::size_t q = 0; q < nq; ++q) {
            const std::size_t i = queued[q];
            Slot& slot = slots_[i];
            st[i] = decide<op>(pk[i], slot, true);
            any_redo |= slot.redo;
            if (st[i] == SrtpStatus::kOk && !slot.redo && slot.cipher_len != 0) {
                add_cipher(pk[i], slot, nc);
            }
        }
        submit_ciphers(nc);
        if (any_redo) redo<op>(pk, st, queued, nq);
    }

    template <Op op>
    void redo(std::span<SrtpPacket> pk, std::span<SrtpStatus> st, const std::uint8_t* queued,
              std::size_t nq) noexcept {
        for (std::size_t q = 0; q < nq; ++q) {
            const std::size_t i = queued[q];
            if (slots_[i].redo) st[i] = run_single<op>(pk[i], slots_[i]);
        }
    }

    static void fill_ctr(IMB_JOB& job, std::uint8_t* data, std::uint32_t offset, std::uint32_t len,
                         const void* keys, std::uint32_t key_len, const std::uint8_t* iv) noexcept {
        job.src = data;
        job.dst = data + offset;  // IPsec-MB writes the cipher output from dst on
        job.cipher_start_src_offset_in_bytes = offset;
        job.msg_len_to_cipher_in_bytes = len;
        job.enc_keys = keys;
        job.dec_keys = keys;
        job.key_len_in_bytes = key_len;
        job.iv = iv;
        job.iv_len_in_bytes = 16;
        job.cipher_mode = IMB_CIPHER_CNTR;
        job.cipher_direction = IMB_DIR_ENCRYPT;
    }

    // Queues the packet's AES-CTR job (the burst runs in submit_ciphers).
    void add_cipher(const SrtpPacket& p, Slot& slot, std::uint32_t* nc) noexcept {
        const std::uint32_t key_len = p.ctx->info().master_key_len;
        const std::size_t k = key_len == 16 ? 0 : 1;
        fill_ctr(cipher_jobs_[k][nc[k]++], p.data, slot.header_len, slot.cipher_len,
                 slot.keys->cipher.data(), key_len, slot.iv);
        slot.ciphered = !slot.ciphered;
    }

    void submit_ciphers(std::uint32_t* nc) noexcept {
        if (nc[0] != 0) {
            IMB_SUBMIT_CIPHER_BURST_NOCHECK(mgr_.get(), cipher_jobs_[0].data(), nc[0],
                                            IMB_CIPHER_CNTR, IMB_DIR_ENCRYPT, IMB_KEY_128_BYTES);
        }
        if (nc[1] != 0) {
            IMB_SUBMIT_CIPHER_BURST_NOCHECK(mgr_.get(), cipher_jobs_[1].data(), nc[1],
                                            IMB_CIPHER_CNTR, IMB_DIR_ENCRYPT, IMB_KEY_256_BYTES);
        }
        nc[0] = 0;
        nc[1] = 0;
    }

    // HMAC-SHA1 over the authenticated portion. SRTP: the packet || ROC (4 octets placed at
    // auth_end). SRTCP protect: the packet || E||index (placed at auth_end); SRTCP unprotect:
    // auth_end already covers E||index.
    template <Op op>
    static void fill_hash(IMB_JOB& job, const SrtpPacket& p, const Slot& slot) noexcept {
        job.src = p.data;
        job.hash_start_src_offset_in_bytes = 0;
        job.msg_len_to_hash_in_bytes =
            (slot.rtcp && !is_protect(op)) ? slot.auth_end : slot.auth_end + 4;
        job.hash_alg = IMB_AUTH_HMAC_SHA_1;
        job.u.HMAC._hashed_auth_key_xor_ipad = slot.keys->hmac_ipad.data();
        job.u.HMAC._hashed_auth_key_xor_opad = slot.keys->hmac_opad.data();
        job.auth_tag_output = const_cast<std::uint8_t*>(slot.tag);
        job.auth_tag_output_len_in_bytes = kHmacOutputLen;
    }

    // AES-GCM of one prepared packet, in place: encrypt (protect) or decrypt (unprotect) with the
    // tag computed into the packet (protect) or slot.tag (unprotect).
    template <Op op>
    void gcm(const SrtpPacket& p, Slot& slot) noexcept {
        IMB_MGR* mgr = mgr_.get();
        const auto* key = reinterpret_cast<const gcm_key_data*>(slot.keys->cipher.data());
        std::uint8_t* d = p.data;
        std::uint8_t* text = d + slot.header_len;
        std::uint64_t text_len = slot.cipher_len;
        const std::uint8_t* aad = d;
        std::uint64_t aad_len = slot.header_len;  // RTP header, CSRCs, extension (RFC 7714 8.2)
        if (slot.unencrypted_gcm_srtcp) {
            // SRTCP with E = 0: AAD is the whole packet and E||index, moved next to it by
            // prepare() (RFC 7714 9.3).
            aad_len = slot.tag_at + 4;
            text = d + slot.tag_at;
            text_len = 0;
        } else if (slot.rtcp) {
            aad = slot.aad;  // RTCP header || E||index (RFC 7714 9.2)
            aad_len = 12;
        }
        std::uint8_t* tag = is_protect(op) ? d + slot.auth_end : slot.tag;
        gcm_context_data ctx;
        const bool aes128 = p.ctx->info().master_key_len == 16;
        if (is_protect(op)) {
            if (aes128) {
                IMB_AES128_GCM_ENC(mgr, key, &ctx, text, text, text_len, slot.iv, aad, aad_len, tag,
                                   16);
            } else {
                IMB_AES256_GCM_ENC(mgr, key, &ctx, text, text, text_len, slot.iv, aad, aad_len, tag,
                                   16);
            }
        } else if (aes128) {
            IMB_AES128_GCM_DEC(mgr, key, &ctx, text, text, text_len, slot.iv, aad, aad_len, tag,
                               16);
        } else {
            IMB_AES256_GCM_DEC(mgr, key, &ctx, text, text, text_len, slot.iv, aad, aad_len, tag,
                               16);
        }
        slot.ciphered = slot.cipher_len != 0;
    }

    template <Op op>
    SrtpStatus run_gcm(SrtpPacket& p, Slot& slot) noexcept {
        const SrtpStatus s = prepare<op>(p, slot, false);
        if (s != SrtpStatus::kOk) return s;
        gcm<op>(p, slot);
        const SrtpStatus verdict = decide<op>(p, slot, false);
        if (slot.ciphered && verdict != SrtpStatus::kOk) undo_cipher(p, slot);
        return verdict;
    }

    // One packet, alone, with no speculation.
    template <Op op>
    SrtpStatus run_single(SrtpPacket& p, Slot& slot) noexcept {
        slot.redo = false;
        if (p.ctx->info().cipher == CipherKind::kAesGcm) return run_gcm<op>(p, slot);
        const SrtpStatus s = prepare<op>(p, slot, false);
        if (s != SrtpStatus::kOk) return s;
        std::uint32_t nc[2] = {0, 0};
        if (is_protect(op) && slot.cipher_len != 0) {
            add_cipher(p, slot, nc);
            submit_ciphers(nc);
        }
        fill_hash<op>(hash_jobs_[0], p, slot);
        IMB_SUBMIT_HASH_BURST_NOCHECK(hash_mgr_.get(), hash_jobs_.data(), 1, IMB_AUTH_HMAC_SHA_1);
        const SrtpStatus verdict = decide<op>(p, slot, false);
        if (verdict != SrtpStatus::kOk) {
            undo_cipher(p, slot);  // protect refused (nothing to undo for unprotect)
        } else if (verdict == SrtpStatus::kOk && !is_protect(op) && slot.cipher_len != 0) {
            add_cipher(p, slot, nc);
            submit_ciphers(nc);
        }
        return verdict;
    }

    // Re-applies the packet's keystream (undoes encryption or decryption).
    void undo_cipher(const SrtpPacket& p, Slot& slot) noexcept {
        if (!slot.ciphered) return;
        if (p.ctx->info().cipher == CipherKind::kAesGcm) {
            const auto* key = reinterpret_cast<const gcm_key_data*>(slot.keys->cipher.data());
            std::uint8_t* text = p.data + slot.header_len;
            gcm_context_data ctx;
            alignas(16) std::uint8_t scratch[16];
            if (p.ctx->info().master_key_len == 16) {
                IMB_AES128_GCM_ENC(mgr_.get(), key, &ctx, text, text, slot.cipher_len, slot.iv,
                                   slot.aad, 0, scratch, 16);
            } else {
                IMB_AES256_GCM_ENC(mgr_.get(), key, &ctx, text, text, slot.cipher_len, slot.iv,
                                   slot.aad, 0, scratch, 16);
            }
            slot.ciphered = false;
            return;
        }
        std::uint32_t nc[2] = {0, 0};  // the bursts in flight have been submitted
        add_cipher(p, slot, nc);
        submit_ciphers(nc);
    }

    static void restore_overwritten(const SrtpPacket& p, const Slot& slot) noexcept {
        if (slot.overwritten_at != UINT32_MAX) {
            std::memcpy(p.data + slot.overwritten_at, slot.overwritten, 4);
        }
    }

    // Checks lengths, picks the index and lays out the packet for the job.
    template <Op op>
    SrtpStatus prepare(SrtpPacket& p, Slot& slot, bool speculate) noexcept {
        SrtpContext& c = *p.ctx;
        const SuiteInfo& info = c.info();
        const std::uint32_t mki_len = c.mki_len_;
        const bool gcm = info.cipher == CipherKind::kAesGcm;
        const SessionKeys& keys = is_rtp(op) ? c.rtp_keys_ : *c.rtcp_keys_;
        slot.overwritten_at = UINT32_MAX;
        slot.keys = &keys;
        slot.rtcp = !is_rtp(op);
        slot.unencrypted_gcm_srtcp = false;
        slot.ciphered = false;
        std::uint8_t* d = p.data;

        if (op == Op::kProtectRtp) {
            if (p.len < kRtpHeader) return SrtpStatus::kTooShort;
            slot.header_len = rtp_header_len(d, p.len);
            if (slot.header_len == 0) return SrtpStatus::kBadHeader;
            if (p.capacity < p.len + mki_len + info.rtp_tag_len || p.capacity < p.len + 4) {
                return SrtpStatus::kNoRoom;
            }
            if (!find_stream(c, load_be32(d + 8), slot)) return SrtpStatus::kTooManyStreams;
            if (c.rtp_packets_ >= c.rtp_limit_) return SrtpStatus::kKeyExhausted;
            slot.index = speculative_index(c, slot.stream, load_be16(d + 2), speculate);
            slot.cipher_len = info.cipher == CipherKind::kNull ? 0 : p.len - slot.header_len;
            slot.auth_end = p.len;
            if (!gcm) {  // M = packet || ROC (RFC 3711 4.2): the ROC sits where the trailer goes
                slot.overwritten_at = p.len;
                std::memcpy(slot.overwritten, d + p.len, 4);
                store_be32(d + p.len, static_cast<std::uint32_t>(slot.index >> 16));
            }
            srtp_iv(info, keys, load_be32(d + 8), slot.index, slot);
            return SrtpStatus::kOk;
        }
        if (op == Op::kUnprotectRtp) {
            const std::uint32_t tag_len = info.rtp_tag_len;
            if (p.len < kRtpHeader + mki_len + tag_len) return SrtpStatus::kTooShort;
            const std::uint32_t auth_end = p.len - mki_len - tag_len;
            slot.header_len = rtp_header_len(d, auth_end);
            if (slot.header_len == 0) return SrtpStatus::kBadHeader;
            if (!find_stream(c, load_be32(d + 8), slot)) return SrtpStatus::kTooManyStreams;
            // CM: payload | MKI | tag; GCM: payload | tag | MKI (RFC 7714 section 8).
            const std::uint32_t mki_at = gcm ? p.len - mki_len : auth_end;
            if (mki_len != 0 && std::memcmp(d + mki_at, c.mki_.data(), mki_len) != 0) {
                return SrtpStatus::kBadMki;
            }
            if (c.rtp_packets_ >= c.rtp_limit_) return SrtpStatus::kKeyExhausted;
            slot.auth_end = auth_end;
            slot.tag_at = gcm ? auth_end : auth_end + mki_len;
            slot.index = speculative_index(c, slot.stream, load_be16(d + 2), speculate);
            slot.cipher_len = info.cipher == CipherKind::kNull ? 0 : auth_end - slot.header_len;
            if (!gcm) {
                slot.overwritten_at = auth_end;
                std::memcpy(slot.overwritten, d + auth_end, 4);
                store_be32(d + auth_end, static_cast<std::uint32_t>(slot.index >> 16));
            }
            srtp_iv(info, keys, load_be32(d + 8), slot.index, slot);
            return SrtpStatus::kOk;
        }
        if (op == Op::kProtectRtcp) {
            if (p.len < kRtcpHeader) return SrtpStatus::kTooShort;
            if (p.capacity < p.len + 4 + mki_len + info.rtcp_tag_len) return SrtpStatus::kNoRoom;
            if (!find_stream(c, load_be32(d + 4), slot)) return SrtpStatus::kTooManyStreams;
            if (c.rtcp_packets_ >= c.rtcp_limit_) return SrtpStatus::kKeyExhausted;
            SrtpContext::Stream* s = slot.stream;
            const bool stamped = speculate && s != nullptr && s->burst_stamp == burst_;
            const std::uint64_t index = stamped        ? s->burst_highest
                                        : s != nullptr ? s->srtcp_next
                                                       : c.initial_srtcp_;
            if (index > kMaxSrtcpIndex) return SrtpStatus::kKeyExhausted;
            if (speculate && s != nullptr) {
                s->burst_stamp = burst_;
                s->burst_highest = index + 1;
            }
            slot.index = index;
            slot.header_len = kRtcpHeader;
            const bool encrypt = info.cipher != CipherKind::kNull;
            slot.cipher_len = encrypt ? p.len - kRtcpHeader : 0;
            slot.auth_end = p.len;
            const std::uint32_t e_index =
                static_cast<std::uint32_t>(index) | (encrypt ? 0x80000000U : 0U);
            if (gcm) {
                std::memcpy(slot.aad, d, 8);
                store_be32(slot.aad + 8, e_index);
            } else {
                slot.overwritten_at = p.len;
                std::memcpy(slot.overwritten, d + p.len, 4);
                store_be32(d + p.len, e_index);
            }
            srtcp_iv(info, keys, load_be32(d + 4), static_cast<std::uint32_t>(index), slot);
            return SrtpStatus::kOk;
        }
        // kUnprotectRtcp. CM: header | payload | E||index | MKI | tag;
        // GCM: header | payload | tag | E||index | MKI (RFC 7714 section 9).
        const std::uint32_t tag_len = info.rtcp_tag_len;
        if (p.len < kRtcpHeader + 4 + mki_len + tag_len) return SrtpStatus::kTooShort;
        if (!find_stream(c, load_be32(d + 4), slot)) return SrtpStatus::kTooManyStreams;
        const std::uint32_t mki_at = gcm ? p.len - mki_len : p.len - mki_len - tag_len;
        if (mki_len != 0 && std::memcmp(d + mki_at, c.mki_.data(), mki_len) != 0) {
            return SrtpStatus::kBadMki;
        }
        if (c.rtcp_packets_ >= c.rtcp_limit_) return SrtpStatus::kKeyExhausted;
        const std::uint32_t e_at = gcm ? p.len - mki_len - 4 : mki_at - 4;
        const std::uint32_t e_index = load_be32(d + e_at);
        const bool encrypted = (e_index & 0x80000000U) != 0;
        const std::uint32_t index = e_index & kMaxSrtcpIndex;
        slot.index = index;
        slot.header_len = kRtcpHeader;
        slot.tag_at = gcm ? e_at - tag_len : p.len - tag_len;
        if (gcm) {
            slot.auth_end = slot.tag_at;  // end of ciphertext
            if (encrypted) {
                slot.cipher_len = slot.tag_at - kRtcpHeader;
                std::memcpy(slot.aad, d, 8);
                store_be32(slot.aad + 8, e_index);
            } else {
                // RFC 7714 9.3: AAD = whole packet || E||index. Move E||index next to the packet
                // so the AAD is contiguous (the tag's first octets are saved in `overwritten`).
                slot.cipher_len = 0;
                slot.unencrypted_gcm_srtcp = true;
                slot.overwritten_at = slot.tag_at;
                std::memcpy(slot.overwritten, d + slot.tag_at, 4);
                store_be32(d + slot.tag_at, e_index);
            }
        } else {
            slot.auth_end = e_at + 4;  // E||index is authenticated
            slot.cipher_len =
                encrypted && info.cipher != CipherKind::kNull ? e_at - kRtcpHeader : 0;
        }
        srtcp_iv(info, keys, load_be32(d + 4), index, slot);
        return SrtpStatus::kOk;
    }

    // The packet's stream (slot.stream, nullptr for a new SSRC); false when the SSRC is new and
    // every stream is taken.
    static bool find_stream(SrtpContext& c, std::uint32_t ssrc, Slot& slot) noexcept {
        slot.ssrc = ssrc;
        slot.stream = c.find_stream(ssrc);
        return slot.stream != nullptr || !c.streams_full();
    }

    // The index from the stream state, or from the speculative state of this burst. A new SSRC
    // (no stream yet) is not speculated on: decide() redoes its later packets if needed.
    std::uint64_t speculative_index(SrtpContext& c, SrtpContext::Stream* s, std::uint16_t seq,
                                    bool speculate) noexcept {
        if (s == nullptr) return c.estimate(nullptr, seq);
        std::uint64_t index;
        if (speculate && s->burst_stamp == burst_) {
            index = estimate_srtp_index(s->burst_highest, seq);
            if (index > s->burst_highest) s->burst_highest = index;
        } else {
            index = c.estimate(s, seq);
            if (speculate) {
                s->burst_stamp = burst_;
                s->burst_highest =
                    !s->rtp_window.empty() ? std::max(index, s->rtp_window.highest()) : index;
            }
        }
        return index;
    }

    // The IV as two big-endian 64-bit halves `hi` || `lo`, xored with the (zero-padded) salt.
    static void xor_salt(const SessionKeys& k, std::uint64_t hi, std::uint64_t lo,
                         Slot& slot) noexcept {
        std::uint64_t s[2];
        std::memcpy(s, k.salt.data(), 16);
        s[0] ^= __builtin_bswap64(hi);
        s[1] ^= __builtin_bswap64(lo);
        std::memcpy(slot.iv, s, 16);
    }

    // RFC 3711 4.1.1: IV = (k_s * 2^16) xor (SSRC * 2^64) xor (i * 2^16);
    // RFC 7714 8.1: IV = (00 00 || SSRC || ROC || SEQ) xor salt (12 octets).
    static void srtp_iv(const SuiteInfo& info, const SessionKeys& k, std::uint32_t ssrc,
                        std::uint64_t index, Slot& slot) noexcept {
        if (info.cipher == CipherKind::kAesGcm) {
            xor_salt(k, (std::uint64_t{ssrc} << 16) | (index >> 32), index << 32, slot);
        } else {
            xor_salt(k, ssrc, index << 16, slot);
        }
    }

    // RFC 3711 4.1.1 with the SRTCP index; RFC 7714 9.1: (00 00 || SSRC || 00 00 || 0 || index).
    static void srtcp_iv(const SuiteInfo& info, const SessionKeys& k, std::uint32_t ssrc,
                         std::uint32_t index, Slot& slot) noexcept {
        if (info.cipher == CipherKind::kAesGcm) {
            xor_salt(k, std::uint64_t{ssrc} << 16, std::uint64_t{index} << 32, slot);
        } else {
            srtp_iv(info, k, ssrc, index, slot);
        }
    }

    // The crypto ran (protect: cipher and tag; unprotect: the tag, and for GCM the decryption):
    // the verdict, in packet order, and the state committed on kOk. The caller undoes the
    // cipher of a refused packet (slot.ciphered) or decrypts an accepted one.
    template <Op op>
    SrtpStatus decide(SrtpPacket& p, Slot& slot, bool may_redo) noexcept {
        SrtpContext& c = *p.ctx;
        const SuiteInfo& info = c.info();
        restore_overwritten(p, slot);
        // An earlier packet of this burst may have taken the stream of a new SSRC.
        SrtpContext::Stream* s = slot.stream != nullptr ? slot.stream : c.find_stream(slot.ssrc);
        // Packet at a time, this packet would have been refused before any crypto: the earlier
        // packets of this burst took the last free stream.
        if (s == nullptr && c.streams_full()) return SrtpStatus::kTooManyStreams;
        if (may_redo && op != Op::kUnprotectRtcp && s != nullptr && s->redo_stamp == burst_) {
            slot.redo = true;
            return SrtpStatus::kOk;
        }
        const std::uint32_t mki_len = c.mki_len_;
        if (op == Op::kProtectRtp || op == Op::kUnprotectRtp) {
            if (c.estimate(s, load_be16(p.data + 2)) != slot.index) {
                if (may_redo && s != nullptr) {  // an earlier packet of this SSRC failed
                    s->redo_stamp = burst_;
                    slot.redo = true;
                    return SrtpStatus::kOk;
                }
                return SrtpStatus::kBackendError;
            }
            if (c.rtp_packets_ >= c.rtp_limit_) {
                return SrtpStatus::kKeyExhausted;
            }
            if (s != nullptr) {
                const ReplayCheck r = s->rtp_window.check(slot.index);
                if (r != ReplayCheck::kFresh) {
                    return r == ReplayCheck::kReplayed ? SrtpStatus::kReplayed
                                                       : SrtpStatus::kTooOld;
                }
            }
            if (op == Op::kProtectRtp) {
                if (info.cipher == CipherKind::kAesGcm) {
                    if (mki_len != 0) std::memcpy(p.data + p.len + 16, c.mki_.data(), mki_len);
                } else {
                    if (mki_len != 0) std::memcpy(p.data + p.len, c.mki_.data(), mki_len);
                    copy_tag(p.data + p.len + mki_len, slot.tag, info.rtp_tag_len);
                }
                p.len += mki_len + info.rtp_tag_len;
            } else {
                if (!equal_tags(slot.tag, p.data + slot.tag_at, info.rtp_tag_len)) {
                    return SrtpStatus::kAuthFailed;
                }
                p.len = slot.auth_end;
            }
            if (s == nullptr) s = c.add_stream(slot.ssrc);  // not full: checked above
            s->rtp_window.accept(slot.index);
            ++c.rtp_packets_;
            return SrtpStatus::kOk;
        }
        if (c.rtcp_packets_ >= c.rtcp_limit_) {
            return SrtpStatus::kKeyExhausted;
        }
        if (op == Op::kProtectRtcp) {
            const std::uint32_t next = s != nullptr ? s->srtcp_next : c.initial_srtcp_;
            if (slot.index != next) {  // an earlier packet of this SSRC failed or took the stream
                if (may_redo && s != nullptr) {
                    s->redo_stamp = burst_;
                    slot.redo = true;
                    return SrtpStatus::kOk;
                }
                return SrtpStatus::kBackendError;
            }
            if (s == nullptr) s = c.add_stream(slot.ssrc);  // not full: checked above
            const bool encrypt = info.cipher != CipherKind::kNull;
            const std::uint32_t e_index =
                static_cast<std::uint32_t>(slot.index) | (encrypt ? 0x80000000U : 0U);
            std::uint8_t* t = p.data + p.len;
            if (info.cipher == CipherKind::kAesGcm) {
                store_be32(t + 16, e_index);  // the tag is already at t
                std::memcpy(t + 20, c.mki_.data(), mki_len);
            } else {
                store_be32(t, e_index);
                if (mki_len != 0) std::memcpy(t + 4, c.mki_.data(), mki_len);
                copy_tag(t + 4 + mki_len, slot.tag, info.rtcp_tag_len);
            }
            p.len += 4 + mki_len + info.rtcp_tag_len;
            ++s->srtcp_next;
            ++c.rtcp_packets_;
            return SrtpStatus::kOk;
        }
        if (s != nullptr) {
            const ReplayCheck r = s->rtcp_window.check(slot.index);
            if (r != ReplayCheck::kFresh) {
                return r == ReplayCheck::kReplayed ? SrtpStatus::kReplayed : SrtpStatus::kTooOld;
            }
        }
        if (!equal_tags(slot.tag, p.data + slot.tag_at, info.rtcp_tag_len)) {
            return SrtpStatus::kAuthFailed;
        }
        if (s == nullptr) s = c.add_stream(slot.ssrc);  // not full: checked above
        // What remains is the RTCP compound: everything before E||index (CM) or the tag (GCM).
        p.len = info.cipher == CipherKind::kAesGcm ? slot.tag_at : slot.auth_end - 4;
        s->rtcp_window.accept(slot.index);
        ++c.rtcp_packets_;
        return SrtpStatus::kOk;
    }

    detail::ImbMgrPtr mgr_;       // AES-CTR cipher bursts and AES-GCM
    detail::ImbMgrPtr hash_mgr_;  // HMAC-SHA1 hash bursts
    std::uint32_t burst_ = 0;
    std::array<Slot, kChunk> slots_{};
    std::array<IMB_JOB, kChunk> hash_jobs_{};
    std::array<std::array<IMB_JOB, kChunk>, 2> cipher_jobs_{};  // AES-128, AES-256
};

tl::expected<std::unique_ptr<SrtpBackend>, BackendError> make_ipsecmb_backend() {
    auto mgr = detail::make_imb_mgr();
    auto hash_mgr = detail::make_hmac_mgr();
    if (!mgr || !hash_mgr)
        return tl::unexpected(BackendError{"IPsec-MB cannot run on this CPU (no AES-NI)"});
    auto backend = std::make_unique<IpsecMbBackend>(std::move(mgr), std::move(hash_mgr));
    if (!backend->self_test()) {
        return tl::unexpected(
            BackendError{"IPsec-MB lacks the AES-CTR cipher burst or HMAC-SHA1 hash burst"});
    }
    return backend;
}

tl::expected<std::unique_ptr<SrtpBackend>, BackendError> make_backend(BackendKind k) {
    return k == BackendKind::kIpsecMb ? make_ipsecmb_backend() : make_libsrtp2_backend();
}

}  // namespace rtpx::rtp::srtp
