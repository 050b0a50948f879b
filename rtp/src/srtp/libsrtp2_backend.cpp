// The libsrtp2 backend: the reference. Each context gets its own libsrtp2 session holding one
// stream (libsrtp2 looks streams up in a linked list, so one session per stream keeps that lookup
// constant), made when the context's first packet arrives, keyed to that packet's SSRC. Packets go
// through srtp_protect_mki() and friends one at a time.
//
// Length and header checks are the same as the IPsec-MB backend's (layout.hpp) so that malformed
// packets get the same status; the context's ROC, window and counters are kept in step with
// libsrtp2's so that accessors such as roc() read the same under both backends.
#include <cstring>
#include <mutex>

#include <srtp2/srtp.h>

#include "layout.hpp"
#include "rtpx/rtp/srtp/backend.hpp"

namespace rtpx::rtp::srtp {
namespace {

using detail::kRtcpHeader;
using detail::kRtpHeader;

void release_session(void* s) noexcept {
    (void)srtp_dealloc(static_cast<srtp_t>(s));
}

void set_policies(Suite suite, srtp_crypto_policy_t& rtp, srtp_crypto_policy_t& rtcp) noexcept {
    switch (suite) {
        case Suite::kAesCm128HmacSha1_80:
            srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&rtp);
            srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&rtcp);
            break;
        case Suite::kAesCm128HmacSha1_32:
            srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&rtp);
            srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&rtcp);  // SRTCP keeps 80 bits
            break;
        case Suite::kAes256CmHmacSha1_80:
            srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&rtp);
            srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&rtcp);
            break;
        case Suite::kAes256CmHmacSha1_32:
            srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(&rtp);
            srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&rtcp);
            break;
        case Suite::kAeadAes128Gcm:
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&rtp);
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&rtcp);
            break;
        case Suite::kAeadAes256Gcm:
            srtp_crypto_policy_set_aes_gcm_256_16_auth(&rtp);
            srtp_crypto_policy_set_aes_gcm_256_16_auth(&rtcp);
            break;
        case Suite::kNullHmacSha1_80:
            srtp_crypto_policy_set_null_cipher_hmac_sha1_80(&rtp);
            srtp_crypto_policy_set_null_cipher_hmac_sha1_80(&rtcp);
            break;
    }
}

SrtpStatus map_status(srtp_err_status_t e) noexcept {
    switch (e) {
        case srtp_err_status_ok: return SrtpStatus::kOk;
        case srtp_err_status_auth_fail: return SrtpStatus::kAuthFailed;
        // A packet whose SSRC is not the stream's (say, a damaged SSRC field): the session has no
        // stream for it. The IPsec-MB backend does not bind contexts to an SSRC; there the wrong
        // SSRC enters the IV and the tag check fails. Report it the same way.
        case srtp_err_status_no_ctx: return SrtpStatus::kAuthFailed;
        case srtp_err_status_replay_fail: return SrtpStatus::kReplayed;
        case srtp_err_status_replay_old: return SrtpStatus::kTooOld;
        case srtp_err_status_bad_mki: return SrtpStatus::kBadMki;
        case srtp_err_status_key_expired: return SrtpStatus::kKeyExhausted;
        case srtp_err_status_parse_err: return SrtpStatus::kBadHeader;
        case srtp_err_status_bad_param: return SrtpStatus::kTooShort;
        default: return SrtpStatus::kBackendError;
    }
}

}  // namespace

class LibSrtp2Backend final : public SrtpBackend {
  public:
    BackendKind kind() const noexcept override { return BackendKind::kLibSrtp2; }

    std::size_t protect_rtp(std::span<SrtpPacket> p, std::span<SrtpStatus> s) noexcept override {
        return each(p, s, [](SrtpPacket& x) { return protect_rtp_one(x); });
    }
    std::size_t unprotect_rtp(std::span<SrtpPacket> p, std::span<SrtpStatus> s) noexcept override {
        return each(p, s, [](SrtpPacket& x) { return unprotect_rtp_one(x); });
    }
    std::size_t protect_rtcp(std::span<SrtpPacket> p, std::span<SrtpStatus> s) noexcept override {
        return each(p, s, [](SrtpPacket& x) { return protect_rtcp_one(x); });
    }
    std::size_t unprotect_rtcp(std::span<SrtpPacket> p, std::span<SrtpStatus> s) noexcept override {
        return each(p, s, [](SrtpPacket& x) { return unprotect_rtcp_one(x); });
    }

  private:
    template <class F>
    static std::size_t each(std::span<SrtpPacket> p, std::span<SrtpStatus> s, F&& f) noexcept {
        std::size_t ok = 0;
        for (std::size_t i = 0; i < p.size(); ++i) {
            s[i] = f(p[i]);
            ok += s[i] == SrtpStatus::kOk ? 1 : 0;
        }
        return ok;
    }

    // The context's session, made on first use for `ssrc` (slow path: allocates).
    static srtp_t session(SrtpContext& c, std::uint32_t ssrc) noexcept {
        if (c.libsrtp2_session_ != nullptr) return static_cast<srtp_t>(c.libsrtp2_session_);
        if (c.session_keys_only_) return nullptr;  // libsrtp2 needs the master key
        const SuiteInfo& info = c.info();
        std::uint8_t key[kMaxMasterKeyLen + kMaxMasterSaltLen] = {};
        std::memcpy(key, c.master_key_.data(), info.master_key_len);
        std::memcpy(key + info.master_key_len, c.master_salt_.data(), info.master_salt_len);
        srtp_policy_t policy{};
        set_policies(c.suite(), policy.rtp, policy.rtcp);
        policy.ssrc.type = ssrc_specific;
        policy.ssrc.value = ssrc;
        policy.window_size = c.rtp_window_.size();
        policy.allow_repeat_tx = 0;
        srtp_master_key_t master{};
        srtp_master_key_t* masters[1] = {&master};
        std::uint8_t mki[kMaxMkiLen] = {};
        if (c.mki_len_ != 0) {
            std::memcpy(mki, c.mki_.data(), c.mki_len_);
            master.key = key;
            master.mki_id = mki;
            master.mki_size = c.mki_len_;
            policy.keys = masters;
            policy.num_master_keys = 1;
        } else {
            policy.key = key;
        }
        srtp_t s = nullptr;
        const srtp_err_status_t e = srtp_create(&s, &policy);
        std::memset(key, 0, sizeof(key));
        if (e != srtp_err_status_ok) return nullptr;
        if (c.initial_roc_ != 0 && srtp_set_stream_roc(s, ssrc, c.initial_roc_) != 0) {
            (void)srtp_dealloc(s);
            return nullptr;
        }
        c.libsrtp2_session_ = s;
        c.libsrtp2_release_ = release_session;
        return s;
    }

    static SrtpStatus protect_rtp_one(SrtpPacket& p) noexcept {
        SrtpContext& c = *p.ctx;
        if (p.len < kRtpHeader) return SrtpStatus::kTooShort;
        if (detail::rtp_header_len(p.data, p.len) == 0) return SrtpStatus::kBadHeader;
        if (p.capacity < p.len + srtp_trailer_len(c) || p.capacity < p.len + 4) {
            return SrtpStatus::kNoRoom;
        }
        if (c.rtp_packets_ >= c.rtp_limit_) return SrtpStatus::kKeyExhausted;
        srtp_t s = session(c, load_be32(p.data + 8));
        if (s == nullptr) return SrtpStatus::kBackendError;
        const std::uint64_t index = c.estimate_index(load_be16(p.data + 2));
        int len = static_cast<int>(p.len);
        const SrtpStatus st =
            map_status(srtp_protect_mki(s, p.data, &len, c.mki_len_ != 0 ? 1 : 0, 0));
        if (st != SrtpStatus::kOk) return st;
        p.len = static_cast<std::uint32_t>(len);
        c.rtp_window_.accept(index);
        ++c.rtp_packets_;
        return st;
    }

    static SrtpStatus unprotect_rtp_one(SrtpPacket& p) noexcept {
        SrtpContext& c = *p.ctx;
        if (p.len < kRtpHeader + srtp_trailer_len(c)) return SrtpStatus::kTooShort;
        if (detail::rtp_header_len(p.data, p.len - srtp_trailer_len(c)) == 0) {
            return SrtpStatus::kBadHeader;
        }
        if (c.rtp_packets_ >= c.rtp_limit_) return SrtpStatus::kKeyExhausted;
        srtp_t s = session(c, load_be32(p.data + 8));
        if (s == nullptr) return SrtpStatus::kBackendError;
        const std::uint64_t index = c.estimate_index(load_be16(p.data + 2));
        int len = static_cast<int>(p.len);
        const SrtpStatus st =
            map_status(srtp_unprotect_mki(s, p.data, &len, c.mki_len_ != 0 ? 1 : 0));
        if (st != SrtpStatus::kOk) return st;
        p.len = static_cast<std::uint32_t>(len);
        c.rtp_window_.accept(index);
        ++c.rtp_packets_;
        return st;
    }

    static SrtpStatus protect_rtcp_one(SrtpPacket& p) noexcept {
        SrtpContext& c = *p.ctx;
        if (p.len < kRtcpHeader) return SrtpStatus::kTooShort;
        if (p.capacity < p.len + srtcp_trailer_len(c)) return SrtpStatus::kNoRoom;
        if (c.rtcp_packets_ >= c.rtcp_limit_) return SrtpStatus::kKeyExhausted;
        if (c.srtcp_next_ > kMaxSrtcpIndex) return SrtpStatus::kKeyExhausted;
        // libsrtp2 numbers SRTCP packets from 1 and offers no way to start elsewhere.
        if (c.libsrtp2_session_ == nullptr && c.srtcp_next_ != 1) return SrtpStatus::kBackendError;
        srtp_t s = session(c, load_be32(p.data + 4));
        if (s == nullptr) return SrtpStatus::kBackendError;
        int len = static_cast<int>(p.len);
        const SrtpStatus st =
            map_status(srtp_protect_rtcp_mki(s, p.data, &len, c.mki_len_ != 0 ? 1 : 0, 0));
        if (st != SrtpStatus::kOk) return st;
        p.len = static_cast<std::uint32_t>(len);
        ++c.srtcp_next_;
        ++c.rtcp_packets_;
        return st;
    }

    static SrtpStatus unprotect_rtcp_one(SrtpPacket& p) noexcept {
        SrtpContext& c = *p.ctx;
        const SuiteInfo& info = c.info();
        if (p.len < kRtcpHeader + srtcp_trailer_len(c)) return SrtpStatus::kTooShort;
        if (c.rtcp_packets_ >= c.rtcp_limit_) return SrtpStatus::kKeyExhausted;
        srtp_t s = session(c, load_be32(p.data + 4));
        if (s == nullptr) return SrtpStatus::kBackendError;
        const std::uint32_t e_at = info.cipher == CipherKind::kAesGcm
                                       ? p.len - c.mki_len_ - 4
                                       : p.len - info.rtcp_tag_len - c.mki_len_ - 4;
        const std::uint32_t index = load_be32(p.data + e_at) & kMaxSrtcpIndex;
        int len = static_cast<int>(p.len);
        const SrtpStatus st =
            map_status(srtp_unprotect_rtcp_mki(s, p.data, &len, c.mki_len_ != 0 ? 1 : 0));
        if (st != SrtpStatus::kOk) return st;
        p.len = static_cast<std::uint32_t>(len);
        c.rtcp_window_.accept(index);
        ++c.rtcp_packets_;
        return st;
    }
};

tl::expected<std::unique_ptr<SrtpBackend>, BackendError> make_libsrtp2_backend() {
    static std::once_flag once;
    static srtp_err_status_t init = srtp_err_status_ok;
    std::call_once(once, [] { init = srtp_init(); });
    if (init != srtp_err_status_ok) return tl::unexpected(BackendError{"srtp_init() failed"});
    return std::make_unique<LibSrtp2Backend>();
}

}  // namespace rtpx::rtp::srtp
