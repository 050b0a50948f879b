// The IPsec-MB backend: every packet of a burst becomes one job of the multi-buffer manager
// (AES-CTR then HMAC-SHA1 chained, HMAC-SHA1 alone for the NULL cipher, or AES-GCM); the manager
// runs several jobs in parallel lanes and hands them back in submission order, so state is
// committed in packet order.
//
// A packet's index is chosen before its crypto runs, from the state as it would be if the earlier
// packets of the same context in the burst were all accepted. When a job comes back, the index is
// estimated again from the committed state; if it differs (an earlier packet of that context
// failed), the crypto is undone and the packet is redone alone after the burst. Undoing AES-CTR or
// GCM is applying the same keystream again, which is also how a packet that fails authentication
// gets its bytes back.
#include <algorithm>
#include <cstring>

#include "ipsecmb_mgr.hpp"
#include "layout.hpp"
#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/srtp/backend.hpp"

namespace rtpx::rtp::srtp {
namespace {

constexpr std::size_t kChunk = 32;
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

[[nodiscard]] bool equal_tags(const std::uint8_t* a, const std::uint8_t* b,
                              std::size_t n) noexcept {
    std::uint8_t diff = 0;
    for (std::size_t i = 0; i < n; ++i) diff |= static_cast<std::uint8_t>(a[i] ^ b[i]);
    return diff == 0;
}

}  // namespace

class IpsecMbBackend final : public SrtpBackend {
  public:
    IpsecMbBackend(detail::ImbMgrPtr mgr, detail::ImbMgrPtr sync_mgr)
        : mgr_(std::move(mgr)), sync_mgr_(std::move(sync_mgr)) {}

    BackendKind kind() const noexcept override { return BackendKind::kIpsecMb; }

    std::size_t protect_rtp(std::span<SrtpPacket> p, std::span<SrtpStatus> s) noexcept override {
        return run(Op::kProtectRtp, p, s);
    }
    std::size_t unprotect_rtp(std::span<SrtpPacket> p, std::span<SrtpStatus> s) noexcept override {
        return run(Op::kUnprotectRtp, p, s);
    }
    std::size_t protect_rtcp(std::span<SrtpPacket> p, std::span<SrtpStatus> s) noexcept override {
        return run(Op::kProtectRtcp, p, s);
    }
    std::size_t unprotect_rtcp(std::span<SrtpPacket> p, std::span<SrtpStatus> s) noexcept override {
        return run(Op::kUnprotectRtcp, p, s);
    }

  private:
    // Per in-flight packet scratch.
    struct Slot {
        alignas(16) std::uint8_t iv[16];
        alignas(16) std::uint8_t tag[20];               // tag computed by the job
        std::uint8_t trailer[kMaxMkiLen + kMaxTagLen];  // unprotect: MKI and tag as received
        std::uint8_t overwritten[4];  // packet octets the ROC / E||index move covered
        std::uint8_t aad[12];         // SRTCP GCM: header || E||index
        std::uint64_t index;
        std::uint32_t header_len;      // start of the encrypted portion
        std::uint32_t cipher_len;      // octets encrypted (0: authentication only)
        std::uint32_t auth_end;        // unprotect: end of the authenticated portion; protect: len
        std::uint32_t overwritten_at;  // where `overwritten` came from (UINT32_MAX: nothing)
        std::uint32_t tag_at;          // unprotect: where the received tag is
        const SessionKeys* keys;
        bool rtcp;
        bool unencrypted_gcm_srtcp;  // unprotect, GCM, E = 0: AAD is the whole packet
        bool in_flight;
        bool redo;
    };

    std::size_t run(Op op, std::span<SrtpPacket> packets, std::span<SrtpStatus> statuses) noexcept {
        std::size_t ok = 0;
        for (std::size_t base = 0; base < packets.size(); base += kChunk) {
            const std::size_t n = std::min(kChunk, packets.size() - base);
            ok += run_chunk(op, packets.subspan(base, n), statuses.subspan(base, n));
        }
        return ok;
    }

    std::size_t run_chunk(Op op, std::span<SrtpPacket> pk, std::span<SrtpStatus> st) noexcept {
        IMB_MGR* mgr = mgr_.get();
        ++burst_;
        const std::size_t n = pk.size();
        for (std::size_t i = 0; i < n && i < 4; ++i) pk[i].ctx->prefetch(is_rtp(op));
        bool any_redo = false;
        for (std::size_t i = 0; i < n; ++i) {
            if (i + 4 < n) pk[i + 4].ctx->prefetch(is_rtp(op));
            slots_[i].in_flight = false;
            slots_[i].redo = false;
            st[i] = prepare(op, pk[i], slots_[i], true);
            if (st[i] != SrtpStatus::kOk) continue;
            IMB_JOB* job = IMB_GET_NEXT_JOB(mgr);
            fill_job(op, job, pk[i], slots_[i], false);
            job->user_data = &pk[i];
            job->user_data2 = reinterpret_cast<void*>(i);
            slots_[i].in_flight = true;
            for (IMB_JOB* done = IMB_SUBMIT_JOB_NOCHECK(mgr); done != nullptr;
                 done = IMB_GET_COMPLETED_JOB(mgr)) {
                any_redo |= complete(op, done, pk, st, true);
            }
        }
        for (IMB_JOB* done = IMB_FLUSH_JOB(mgr); done != nullptr; done = IMB_FLUSH_JOB(mgr)) {
            any_redo |= complete(op, done, pk, st, true);
        }
        if (any_redo) {
            for (std::size_t i = 0; i < n; ++i) {
                if (slots_[i].redo) st[i] = run_single(op, pk[i], slots_[i]);
            }
        }
        std::size_t ok = 0;
        for (std::size_t i = 0; i < n; ++i) ok += st[i] == SrtpStatus::kOk ? 1 : 0;
        return ok;
    }

    bool complete(Op op, IMB_JOB* job, std::span<SrtpPacket> pk, std::span<SrtpStatus> st,
                  bool may_redo) noexcept {
        const auto i = reinterpret_cast<std::size_t>(job->user_data2);
        Slot& slot = slots_[i];
        slot.in_flight = false;
        if (job->status != IMB_STATUS_COMPLETED) {
            restore_overwritten(pk[i], slot);
            st[i] = SrtpStatus::kBackendError;
            return false;
        }
        st[i] = finish(op, pk[i], slot, may_redo);
        return slot.redo;
    }

    // One packet, alone, on the second manager (no other job can come back instead of it).
    SrtpStatus run_single(Op op, SrtpPacket& p, Slot& slot) noexcept {
        IMB_MGR* mgr = sync_mgr_.get();
        slot.redo = false;
        SrtpStatus s = prepare(op, p, slot, false);
        if (s != SrtpStatus::kOk) return s;
        IMB_JOB* job = IMB_GET_NEXT_JOB(mgr);
        fill_job(op, job, p, slot, false);
        IMB_JOB* done = IMB_SUBMIT_JOB(mgr);
        if (done == nullptr) done = IMB_FLUSH_JOB(mgr);
        if (done == nullptr || done->status != IMB_STATUS_COMPLETED) {
            restore_overwritten(p, slot);
            return SrtpStatus::kBackendError;
        }
        return finish(op, p, slot, false);
    }

    // Synchronously re-applies the packet's keystream (undoes encryption or decryption).
    void undo_cipher(const SrtpPacket& p, Slot& slot) noexcept {
        if (slot.cipher_len == 0) return;
        IMB_MGR* mgr = sync_mgr_.get();
        IMB_JOB* job = IMB_GET_NEXT_JOB(mgr);
        fill_job(Op::kProtectRtp, job, p, slot, true);
        IMB_JOB* done = IMB_SUBMIT_JOB(mgr);
        if (done == nullptr) done = IMB_FLUSH_JOB(mgr);
        (void)done;
    }

    static void restore_overwritten(const SrtpPacket& p, const Slot& slot) noexcept {
        if (slot.overwritten_at != UINT32_MAX) {
            std::memcpy(p.data + slot.overwritten_at, slot.overwritten, 4);
        }
    }

    // Checks lengths, picks the index and lays out the packet for the job.
    SrtpStatus prepare(Op op, SrtpPacket& p, Slot& slot, bool speculate) noexcept {
        SrtpContext& c = *p.ctx;
        const SuiteInfo& info = c.info();
        const std::uint32_t mki_len = c.mki_len_;
        const bool gcm = info.cipher == CipherKind::kAesGcm;
        const SessionKeys& keys = is_rtp(op) ? c.rtp_keys_ : *c.rtcp_keys_;
        slot.overwritten_at = UINT32_MAX;
        slot.keys = &keys;
        slot.rtcp = !is_rtp(op);
        slot.unencrypted_gcm_srtcp = false;
        std::uint8_t* d = p.data;

        if (op == Op::kProtectRtp) {
            if (p.len < kRtpHeader) return SrtpStatus::kTooShort;
            slot.header_len = rtp_header_len(d, p.len);
            if (slot.header_len == 0) return SrtpStatus::kBadHeader;
            if (p.capacity < p.len + mki_len + info.rtp_tag_len || p.capacity < p.len + 4) {
                return SrtpStatus::kNoRoom;
            }
            if (c.rtp_packets_ >= c.rtp_limit_) return SrtpStatus::kKeyExhausted;
            slot.index = speculative_index(c, load_be16(d + 2), speculate);
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
            // CM: payload | MKI | tag; GCM: payload | tag | MKI (RFC 7714 section 8).
            const std::uint32_t mki_at = gcm ? p.len - mki_len : auth_end;
            if (mki_len != 0 && std::memcmp(d + mki_at, c.mki_.data(), mki_len) != 0) {
                return SrtpStatus::kBadMki;
            }
            if (c.rtp_packets_ >= c.rtp_limit_) return SrtpStatus::kKeyExhausted;
            slot.auth_end = auth_end;
            slot.tag_at = gcm ? auth_end : auth_end + mki_len;
            std::memcpy(slot.trailer, d + slot.tag_at, tag_len);
            slot.index = speculative_index(c, load_be16(d + 2), speculate);
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
            if (c.rtcp_packets_ >= c.rtcp_limit_) return SrtpStatus::kKeyExhausted;
            const bool stamped = speculate && c.burst_stamp_ == burst_;
            const std::uint64_t index = stamped ? c.burst_highest_ : c.srtcp_next_;
            if (index > kMaxSrtcpIndex) return SrtpStatus::kKeyExhausted;
            if (speculate) {
                c.burst_stamp_ = burst_;
                c.burst_highest_ = index + 1;
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
            srtcp_iv(info, keys, load_be32(d + 4), slot.index, slot);
            return SrtpStatus::kOk;
        }
        // kUnprotectRtcp. CM: header | payload | E||index | MKI | tag;
        // GCM: header | payload | tag | E||index | MKI (RFC 7714 section 9).
        const std::uint32_t tag_len = info.rtcp_tag_len;
        if (p.len < kRtcpHeader + 4 + mki_len + tag_len) return SrtpStatus::kTooShort;
        const std::uint32_t mki_at = gcm ? p.len - mki_len : p.len - mki_len - tag_len;
        if (mki_len != 0 && std::memcmp(d + mki_at, c.mki_.data(), mki_len) != 0) {
            return SrtpStatus::kBadMki;
        }
        if (c.rtcp_packets_ >= c.rtcp_limit_) return SrtpStatus::kKeyExhausted;
        const std::uint32_t e_at = gcm ? p.len - mki_len - 4 : mki_at - 4;
        const std::uint32_t e_index = load_be32(d + e_at);
        const bool encrypted = (e_index & 0x80000000U) != 0;
        slot.index = e_index & kMaxSrtcpIndex;
        slot.header_len = kRtcpHeader;
        slot.tag_at = gcm ? e_at - tag_len : p.len - tag_len;
        std::memcpy(slot.trailer, d + slot.tag_at, tag_len);
        if (gcm) {
            slot.auth_end = slot.tag_at;  // end of ciphertext
            if (encrypted) {
                slot.cipher_len = slot.tag_at - kRtcpHeader;
                std::memcpy(slot.aad, d, 8);
                store_be32(slot.aad + 8, e_index);
            } else {
                // RFC 7714 9.3: AAD = whole packet || E||index. Move E||index next to the packet
                // so the AAD is contiguous (the tag is saved in `trailer`).
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
        srtcp_iv(info, keys, load_be32(d + 4), slot.index, slot);
        return SrtpStatus::kOk;
    }

    // The index from the context state, or from the speculative state of this burst.
    std::uint64_t speculative_index(SrtpContext& c, std::uint16_t seq, bool speculate) noexcept {
        std::uint64_t index;
        if (speculate && c.burst_stamp_ == burst_) {
            index = estimate_srtp_index(c.burst_highest_, seq);
            if (index > c.burst_highest_) c.burst_highest_ = index;
        } else {
            index = c.estimate_index(seq);
            if (speculate) {
                c.burst_stamp_ = burst_;
                c.burst_highest_ =
                    c.rtp_started() ? std::max(index, c.rtp_window_.highest()) : index;
            }
        }
        return index;
    }

    // RFC 3711 4.1.1: IV = (k_s * 2^16) xor (SSRC * 2^64) xor (i * 2^16);
    // RFC 7714 8.1: IV = (00 00 || SSRC || ROC || SEQ) xor salt.
    static void srtp_iv(const SuiteInfo& info, const SessionKeys& k, std::uint32_t ssrc,
                        std::uint64_t index, Slot& slot) noexcept {
        std::uint8_t* iv = slot.iv;
        if (info.cipher == CipherKind::kAesGcm) {
            iv[0] = 0;
            iv[1] = 0;
            store_be32(iv + 2, ssrc);
            store_be48(iv + 6, index);
            for (int i = 0; i < 12; ++i) iv[i] ^= k.salt[i];
        } else {
            std::memset(iv, 0, 4);
            store_be32(iv + 4, ssrc);
            store_be48(iv + 8, index);
            iv[14] = 0;
            iv[15] = 0;
            for (int i = 0; i < 14; ++i) iv[i] ^= k.salt[i];
        }
    }

    // RFC 3711 4.1.1 with the SRTCP index; RFC 7714 9.1: (00 00 || SSRC || 00 00 || 0 || index).
    static void srtcp_iv(const SuiteInfo& info, const SessionKeys& k, std::uint32_t ssrc,
                         std::uint64_t index, Slot& slot) noexcept {
        std::uint8_t* iv = slot.iv;
        if (info.cipher == CipherKind::kAesGcm) {
            iv[0] = 0;
            iv[1] = 0;
            store_be32(iv + 2, ssrc);
            iv[6] = 0;
            iv[7] = 0;
            store_be32(iv + 8, static_cast<std::uint32_t>(index));
            for (int i = 0; i < 12; ++i) iv[i] ^= k.salt[i];
        } else {
            srtp_iv(info, k, ssrc, index, slot);
        }
    }

    // Fills a job for the prepared packet. keystream_only: AES-CTR / GCM encryption over the
    // same octets with the same IV, which undoes what the packet's job did to them.
    void fill_job(Op op, IMB_JOB* job, const SrtpPacket& p, const Slot& slot,
                  bool keystream_only) noexcept {
        const SuiteInfo& info = p.ctx->info();
        const SessionKeys& k = *slot.keys;
        const bool protect = is_protect(op) || keystream_only;
        std::uint8_t* d = p.data;
        job->key_len_in_bytes = info.master_key_len;
        job->src = d;
        job->dst = d + slot.header_len;  // IPsec-MB writes the cipher output from dst on
        job->cipher_start_src_offset_in_bytes = slot.header_len;
        job->msg_len_to_cipher_in_bytes = slot.cipher_len;
        job->enc_keys = k.cipher.data();
        job->dec_keys = k.cipher.data();
        job->iv = slot.iv;
        job->user_data = nullptr;
        job->user_data2 = nullptr;
        job->cipher_direction = protect ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
        job->chain_order = protect ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
        if (info.cipher == CipherKind::kAesGcm) {
            job->cipher_mode = IMB_CIPHER_GCM;
            job->hash_alg = IMB_AUTH_AES_GMAC;
            job->iv_len_in_bytes = 12;
            job->hash_start_src_offset_in_bytes = slot.header_len;
            job->msg_len_to_hash_in_bytes = slot.cipher_len;
            job->auth_tag_output_len_in_bytes = 16;
            job->auth_tag_output = (is_protect(op) && !keystream_only)
                                       ? d + slot.auth_end
                                       : const_cast<std::uint8_t*>(slot.tag);
            if (keystream_only) {
                job->u.GCM.aad = slot.aad;
                job->u.GCM.aad_len_in_bytes = 0;
            } else if (slot.unencrypted_gcm_srtcp) {
                // Unencrypted SRTCP (E = 0): AAD is the whole packet and E||index, moved next to
                // it by prepare().
                job->u.GCM.aad = d;
                job->u.GCM.aad_len_in_bytes = slot.tag_at + 4;
                job->cipher_start_src_offset_in_bytes = slot.tag_at;
                job->hash_start_src_offset_in_bytes = slot.tag_at;
                job->dst = d + slot.tag_at;
            } else if (slot.rtcp) {
                job->u.GCM.aad = slot.aad;  // RTCP header || E||index (RFC 7714 9.2)
                job->u.GCM.aad_len_in_bytes = 12;
            } else {
                job->u.GCM.aad = d;  // the RTP header, CSRCs and extension (RFC 7714 8.2)
                job->u.GCM.aad_len_in_bytes = slot.header_len;
            }
            return;
        }
        job->iv_len_in_bytes = 16;
        if (keystream_only) {
            job->cipher_mode = IMB_CIPHER_CNTR;
            job->hash_alg = IMB_AUTH_NULL;
            job->hash_start_src_offset_in_bytes = 0;
            job->msg_len_to_hash_in_bytes = 0;
            job->auth_tag_output = nullptr;
            job->auth_tag_output_len_in_bytes = 0;
            return;
        }
        job->cipher_mode = slot.cipher_len == 0 ? IMB_CIPHER_NULL : IMB_CIPHER_CNTR;
        job->hash_alg = IMB_AUTH_HMAC_SHA_1;
        job->u.HMAC._hashed_auth_key_xor_ipad = k.hmac_ipad.data();
        job->u.HMAC._hashed_auth_key_xor_opad = k.hmac_opad.data();
        job->auth_tag_output = const_cast<std::uint8_t*>(slot.tag);
        job->auth_tag_output_len_in_bytes = kHmacOutputLen;
        job->hash_start_src_offset_in_bytes = 0;
        // SRTP: authenticated portion || ROC (4 octets placed at auth_end). SRTCP protect: the
        // packet || E||index (placed at auth_end); SRTCP unprotect: auth_end already covers it.
        job->msg_len_to_hash_in_bytes =
            (slot.rtcp && !is_protect(op)) ? slot.auth_end : slot.auth_end + 4;
    }

    // The job came back: decide, and commit state or undo.
    SrtpStatus finish(Op op, SrtpPacket& p, Slot& slot, bool may_redo) noexcept {
        SrtpContext& c = *p.ctx;
        const SuiteInfo& info = c.info();
        restore_overwritten(p, slot);
        if (may_redo && op != Op::kUnprotectRtcp && c.redo_stamp_ == burst_) {
            undo_cipher(p, slot);
            slot.redo = true;
            return SrtpStatus::kOk;
        }
        const std::uint32_t mki_len = c.mki_len_;
        if (op == Op::kProtectRtp || op == Op::kUnprotectRtp) {
            if (c.estimate_index(load_be16(p.data + 2)) != slot.index) {
                undo_cipher(p, slot);
                if (may_redo) {  // an earlier packet of this context in the burst failed
                    c.redo_stamp_ = burst_;
                    slot.redo = true;
                    return SrtpStatus::kOk;
                }
                return SrtpStatus::kBackendError;
            }
            if (c.rtp_packets_ >= c.rtp_limit_) {
                undo_cipher(p, slot);
                return SrtpStatus::kKeyExhausted;
            }
            const ReplayCheck r = c.rtp_window_.check(slot.index);
            if (r != ReplayCheck::kFresh) {
                undo_cipher(p, slot);
                return r == ReplayCheck::kReplayed ? SrtpStatus::kReplayed : SrtpStatus::kTooOld;
            }
            if (op == Op::kProtectRtp) {
                if (info.cipher == CipherKind::kAesGcm) {
                    std::memcpy(p.data + p.len + 16, c.mki_.data(), mki_len);
                } else {
                    std::memcpy(p.data + p.len, c.mki_.data(), mki_len);
                    std::memcpy(p.data + p.len + mki_len, slot.tag, info.rtp_tag_len);
                }
                p.len += mki_len + info.rtp_tag_len;
            } else {
                if (!equal_tags(slot.tag, slot.trailer, info.rtp_tag_len)) {
                    undo_cipher(p, slot);
                    return SrtpStatus::kAuthFailed;
                }
                p.len = slot.auth_end;
            }
            c.rtp_window_.accept(slot.index);
            ++c.rtp_packets_;
            return SrtpStatus::kOk;
        }
        if (c.rtcp_packets_ >= c.rtcp_limit_) {
            undo_cipher(p, slot);
            return SrtpStatus::kKeyExhausted;
        }
        if (op == Op::kProtectRtcp) {
            if (slot.index != c.srtcp_next_) {  // an earlier packet of this context failed
                undo_cipher(p, slot);
                if (may_redo) {
                    c.redo_stamp_ = burst_;
                    slot.redo = true;
                    return SrtpStatus::kOk;
                }
                return SrtpStatus::kBackendError;
            }
            const bool encrypt = info.cipher != CipherKind::kNull;
            const std::uint32_t e_index =
                static_cast<std::uint32_t>(slot.index) | (encrypt ? 0x80000000U : 0U);
            std::uint8_t* t = p.data + p.len;
            if (info.cipher == CipherKind::kAesGcm) {
                store_be32(t + 16, e_index);  // the tag is already at t
                std::memcpy(t + 20, c.mki_.data(), mki_len);
            } else {
                store_be32(t, e_index);
                std::memcpy(t + 4, c.mki_.data(), mki_len);
                std::memcpy(t + 4 + mki_len, slot.tag, info.rtcp_tag_len);
            }
            p.len += 4 + mki_len + info.rtcp_tag_len;
            ++c.srtcp_next_;
            ++c.rtcp_packets_;
            return SrtpStatus::kOk;
        }
        const ReplayCheck r = c.rtcp_window_.check(slot.index);
        if (r != ReplayCheck::kFresh) {
            undo_cipher(p, slot);
            return r == ReplayCheck::kReplayed ? SrtpStatus::kReplayed : SrtpStatus::kTooOld;
        }
        if (!equal_tags(slot.tag, slot.trailer, info.rtcp_tag_len)) {
            undo_cipher(p, slot);
            return SrtpStatus::kAuthFailed;
        }
        // What remains is the RTCP compound: everything before E||index (CM) or the tag (GCM).
        p.len = info.cipher == CipherKind::kAesGcm ? slot.tag_at : slot.auth_end - 4;
        c.rtcp_window_.accept(slot.index);
        ++c.rtcp_packets_;
        return SrtpStatus::kOk;
    }

    detail::ImbMgrPtr mgr_;       // the burst's jobs
    detail::ImbMgrPtr sync_mgr_;  // undo and redo, one job at a time
    std::uint64_t burst_ = 0;
    std::array<Slot, kChunk> slots_{};
};

tl::expected<std::unique_ptr<SrtpBackend>, BackendError> make_ipsecmb_backend() {
    auto mgr = detail::make_imb_mgr();
    auto sync_mgr = detail::make_imb_mgr();
    if (!mgr || !sync_mgr)
        return tl::unexpected(BackendError{"IPsec-MB cannot run on this CPU (no AES-NI)"});
    return std::make_unique<IpsecMbBackend>(std::move(mgr), std::move(sync_mgr));
}

tl::expected<std::unique_ptr<SrtpBackend>, BackendError> make_backend(BackendKind k) {
    return k == BackendKind::kIpsecMb ? make_ipsecmb_backend() : make_libsrtp2_backend();
}

}  // namespace rtpx::rtp::srtp
