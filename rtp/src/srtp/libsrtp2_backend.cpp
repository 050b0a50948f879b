// The libsrtp2 backend: the reference. Each context gets its own libsrtp2 session (libsrtp2 looks
// streams up in a linked list, so a session per context keeps that list as short as the context's
// SSRCs), made empty when the context's first packet arrives; each SSRC gets its own libsrtp2
// stream (srtp_add_stream with an ssrc_specific policy) when its first packet arrives; the SSRC
// takes a stream in the context's table (shared with the IPsec-MB backend, which says which SSRCs
// have state) only when that packet succeeds. Packets go through srtp_protect_mki() and friends
// one at a time.
//
// Length and header checks are the same as the IPsec-MB backend's (layout.hpp) so that malformed
// packets get the same status; the context's ROC, window and counters are kept in step with
// libsrtp2's so that accessors such as roc() read the same under both backends.
#include <algorithm>
#include <cstring>
#include <mutex>
#include <new>
#include <vector>

#include <arpa/inet.h>
#include <srtp2/srtp.h>

#include "layout.hpp"
#include "rtpx/rtp/srtp/backend.hpp"

namespace rtpx::rtp::srtp {
namespace {

using detail::kRtcpHeader;
using detail::kRtpHeader;

// What a context holds for this backend: its libsrtp2 session, and the SSRCs whose libsrtp2
// stream exists but whose packets all failed so far (spares: not taken in the context's stream
// table, still in their initial state since libsrtp2 changes a stream only for a packet that
// succeeds). Keeping a few spares spares libsrtp2 a costly stream setup per forged packet.
struct Session {
    srtp_t srtp = nullptr;
    std::vector<std::uint32_t> spares;  // oldest first
};
constexpr std::size_t kMaxSpares = 64;

void release_session(void* s) noexcept {
    auto* session = static_cast<Session*>(s);
    (void)srtp_dealloc(session->srtp);
    delete session;
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
        // Never expected: the backend adds a libsrtp2 stream for every SSRC before a packet.
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

    // The context's session (made empty on first use) with a libsrtp2 stream for `ssrc`, and the
    // context's stream for it (nullptr: added to libsrtp2 for this packet, to be taken in the
    // context by finish() if the packet succeeds). Slow path when the SSRC is new: allocates.
    struct Target {
        Session* session = nullptr;
        SrtpContext::Stream* stream = nullptr;
        std::uint32_t ssrc = 0;
        SrtpStatus status = SrtpStatus::kOk;
    };

    static Target target(SrtpContext& c, std::uint32_t ssrc) noexcept {
        Target t;
        t.ssrc = ssrc;
        t.stream = c.find_stream(ssrc);
        if (t.stream == nullptr && c.streams_full()) {
            t.status = SrtpStatus::kTooManyStreams;
            return t;
        }
        t.status = SrtpStatus::kBackendError;
        if (c.session_keys_only_) return t;  // libsrtp2 needs the master key
        if (c.libsrtp2_session_ == nullptr) {
            auto* session = new (std::nothrow) Session();
            if (session == nullptr) return t;
            if (srtp_create(&session->srtp, nullptr) != srtp_err_status_ok) {
                delete session;
                return t;
            }
            c.libsrtp2_session_ = session;
            c.libsrtp2_release_ = release_session;
        }
        t.session = static_cast<Session*>(c.libsrtp2_session_);
        if (t.stream == nullptr) {
            auto& spares = t.session->spares;
            const auto it = std::find(spares.begin(), spares.end(), ssrc);
            if (it != spares.end()) {
                spares.erase(it);
            } else if (!add_stream(c, t.session->srtp, ssrc)) {
                return t;
            }
        }
        t.status = SrtpStatus::kOk;
        return t;
    }

    static bool add_stream(SrtpContext& c, srtp_t session, std::uint32_t ssrc) noexcept {
        const SuiteInfo& info = c.info();
        std::uint8_t key[kMaxMasterKeyLen + kMaxMasterSaltLen] = {};
        std::memcpy(key, c.master_key_.data(), info.master_key_len);
        std::memcpy(key + info.master_key_len, c.master_salt_.data(), info.master_salt_len);
        srtp_policy_t policy{};
        set_policies(c.suite(), policy.rtp, policy.rtcp);
        policy.ssrc.type = ssrc_specific;
        policy.ssrc.value = ssrc;
        policy.window_size = c.replay_window_;
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
        const srtp_err_status_t e = srtp_add_stream(session, &policy);
        std::memset(key, 0, sizeof(key));
        if (e != srtp_err_status_ok) return false;
        if (c.initial_roc_ != 0 && srtp_set_stream_roc(session, ssrc, c.initial_roc_) != 0) {
            (void)srtp_remove_stream(session, htonl(ssrc));
            return false;
        }
        return true;
    }

    // After libsrtp2 ran: the context's stream for a new SSRC whose packet succeeded (nullptr if
    // it failed: the libsrtp2 stream goes again).
    static SrtpContext::Stream* finish(SrtpContext& c, Target& t, SrtpStatus st) noexcept {
        if (t.stream != nullptr) return t.stream;
        if (st != SrtpStatus::kOk) {
            auto& spares = t.session->spares;
            if (spares.size() == kMaxSpares) {
                (void)srtp_remove_stream(t.session->srtp, htonl(spares.front()));
                spares.erase(spares.begin());
            }
            spares.push_back(t.ssrc);  // never allocates past kMaxSpares
            return nullptr;
        }
        return c.add_stream(t.ssrc);  // never full: target() checked
    }

    static SrtpStatus protect_rtp_one(SrtpPacket& p) noexcept {
        SrtpContext& c = *p.ctx;
        if (p.len < kRtpHeader) return SrtpStatus::kTooShort;
        if (detail::rtp_header_len(p.data, p.len) == 0) return SrtpStatus::kBadHeader;
        if (p.capacity < p.len + srtp_trailer_len(c) || p.capacity < p.len + 4) {
            return SrtpStatus::kNoRoom;
        }
        const std::uint32_t ssrc = load_be32(p.data + 8);
        if (c.find_stream(ssrc) == nullptr && c.streams_full()) return SrtpStatus::kTooManyStreams;
        if (c.rtp_packets_ >= c.rtp_limit_) return SrtpStatus::kKeyExhausted;
        Target t = target(c, ssrc);
        if (t.status != SrtpStatus::kOk) return t.status;
        const std::uint64_t index = c.estimate(t.stream, load_be16(p.data + 2));
        int len = static_cast<int>(p.len);
        const SrtpStatus st =
            map_status(srtp_protect_mki(t.session->srtp, p.data, &len, c.mki_len_ != 0 ? 1 : 0, 0));
        SrtpContext::Stream* stream = finish(c, t, st);
        if (st != SrtpStatus::kOk) return st;
        p.len = static_cast<std::uint32_t>(len);
        stream->rtp_window.accept(index);
        ++c.rtp_packets_;
        return st;
    }

    static SrtpStatus unprotect_rtp_one(SrtpPacket& p) noexcept {
        SrtpContext& c = *p.ctx;
        if (p.len < kRtpHeader + srtp_trailer_len(c)) return SrtpStatus::kTooShort;
        if (detail::rtp_header_len(p.data, p.len - srtp_trailer_len(c)) == 0) {
            return SrtpStatus::kBadHeader;
        }
        const std::uint32_t ssrc = load_be32(p.data + 8);
        if (c.find_stream(ssrc) == nullptr && c.streams_full()) return SrtpStatus::kTooManyStreams;
        if (c.rtp_packets_ >= c.rtp_limit_) return SrtpStatus::kKeyExhausted;
        Target t = target(c, ssrc);
        if (t.status != SrtpStatus::kOk) return t.status;
        const std::uint64_t index = c.estimate(t.stream, load_be16(p.data + 2));
        int len = static_cast<int>(p.len);
        const SrtpStatus st =
            map_status(srtp_unprotect_mki(t.session->srtp, p.data, &len, c.mki_len_ != 0 ? 1 : 0));
        SrtpContext::Stream* stream = finish(c, t, st);
        if (st != SrtpStatus::kOk) return st;
        p.len = static_cast<std::uint32_t>(len);
        stream->rtp_window.accept(index);
        ++c.rtp_packets_;
        return st;
    }

    static SrtpStatus protect_rtcp_one(SrtpPacket& p) noexcept {
        SrtpContext& c = *p.ctx;
        if (p.len < kRtcpHeader) return SrtpStatus::kTooShort;
        if (p.capacity < p.len + srtcp_trailer_len(c)) return SrtpStatus::kNoRoom;
        const std::uint32_t ssrc = load_be32(p.data + 4);
        const SrtpContext::Stream* known = c.find_stream(ssrc);
        if (known == nullptr && c.streams_full()) return SrtpStatus::kTooManyStreams;
        if (c.rtcp_packets_ >= c.rtcp_limit_) return SrtpStatus::kKeyExhausted;
        const std::uint32_t next = known != nullptr ? known->srtcp_next : c.initial_srtcp_;
        if (next > kMaxSrtcpIndex) return SrtpStatus::kKeyExhausted;
        // libsrtp2 numbers a stream's SRTCP packets from 1 and offers no way to start elsewhere.
        if (known == nullptr && next != 1) return SrtpStatus::kBackendError;
        Target t = target(c, ssrc);
        if (t.status != SrtpStatus::kOk) return t.status;
        int len = static_cast<int>(p.len);
        const SrtpStatus st = map_status(
            srtp_protect_rtcp_mki(t.session->srtp, p.data, &len, c.mki_len_ != 0 ? 1 : 0, 0));
        SrtpContext::Stream* stream = finish(c, t, st);
        if (st != SrtpStatus::kOk) return st;
        p.len = static_cast<std::uint32_t>(len);
        ++stream->srtcp_next;
        ++c.rtcp_packets_;
        return st;
    }

    static SrtpStatus unprotect_rtcp_one(SrtpPacket& p) noexcept {
        SrtpContext& c = *p.ctx;
        const SuiteInfo& info = c.info();
        if (p.len < kRtcpHeader + srtcp_trailer_len(c)) return SrtpStatus::kTooShort;
        const std::uint32_t ssrc = load_be32(p.data + 4);
        if (c.find_stream(ssrc) == nullptr && c.streams_full()) return SrtpStatus::kTooManyStreams;
        if (c.rtcp_packets_ >= c.rtcp_limit_) return SrtpStatus::kKeyExhausted;
        Target t = target(c, ssrc);
        if (t.status != SrtpStatus::kOk) return t.status;
        const std::uint32_t e_at = info.cipher == CipherKind::kAesGcm
                                       ? p.len - c.mki_len_ - 4
                                       : p.len - info.rtcp_tag_len - c.mki_len_ - 4;
        const std::uint32_t index = load_be32(p.data + e_at) & kMaxSrtcpIndex;
        int len = static_cast<int>(p.len);
        const SrtpStatus st = map_status(
            srtp_unprotect_rtcp_mki(t.session->srtp, p.data, &len, c.mki_len_ != 0 ? 1 : 0));
        SrtpContext::Stream* stream = finish(c, t, st);
        if (st != SrtpStatus::kOk) return st;
        p.len = static_cast<std::uint32_t>(len);
        stream->rtcp_window.accept(index);
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
