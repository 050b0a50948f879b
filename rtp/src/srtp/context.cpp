#include "rtpx/rtp/srtp/context.hpp"

#include <cstddef>
#include <cstring>
#include <new>
#include <type_traits>

#include "ipsecmb_mgr.hpp"

namespace rtpx::rtp::srtp {
namespace {

static_assert(sizeof(gcm_key_data) <= sizeof(SessionKeys::cipher));
static_assert(offsetof(SessionKeys, cipher) == 128);
static_assert(alignof(gcm_key_data) <= alignof(SessionKeys));

// RFC 3711 section 4.3.1 key derivation labels.
enum Label : std::uint8_t {
    kRtpEncryption = 0x00,
    kRtpAuth = 0x01,
    kRtpSalt = 0x02,
    kRtcpEncryption = 0x03,
    kRtcpAuth = 0x04,
    kRtcpSalt = 0x05,
};

struct Kdf {
    IMB_MGR* mgr;
    alignas(16) std::uint8_t schedule[16 * 15];
    alignas(16) std::uint8_t unused_dec[16 * 15];
    std::size_t key_len;
    std::uint8_t salt[14];  // master salt, zero-padded to 112 bits (RFC 7714 section 11)

    // RFC 3711 4.3.1 with key_derivation_rate 0: x = (label << 48) xor master_salt,
    // output = AES-CM(master key, IV = x * 2^16), first `len` octets.
    bool derive(std::uint8_t label, std::uint8_t* out, std::size_t len) const noexcept {
        alignas(16) std::uint8_t iv[16] = {};
        std::memcpy(iv, salt, 14);
        iv[7] ^= label;
        alignas(16) std::uint8_t zeros[64] = {};
        return detail::aes_ctr_once(mgr, schedule, key_len, iv, zeros, out, len);
    }
};

bool expand_keys(IMB_MGR* mgr, const SuiteInfo& info, SessionKeys& k) noexcept {
    alignas(16) std::uint8_t dec[16 * 15];
    switch (info.cipher) {
        case CipherKind::kAesCm:
            if (info.master_key_len == 16) {
                IMB_AES_KEYEXP_128(mgr, k.key.data(), k.cipher.data(), dec);
            } else {
                IMB_AES_KEYEXP_256(mgr, k.key.data(), k.cipher.data(), dec);
            }
            break;
        case CipherKind::kAesGcm: {
            auto* gcm = reinterpret_cast<gcm_key_data*>(k.cipher.data());
            if (info.master_key_len == 16) {
                IMB_AES128_GCM_PRE(mgr, k.key.data(), gcm);
            } else {
                IMB_AES256_GCM_PRE(mgr, k.key.data(), gcm);
            }
            break;
        }
        case CipherKind::kNull: break;
    }
    if (info.auth_key_len != 0) {
        // HMAC (RFC 2104): the SHA-1 states after the first block of (key ^ ipad), (key ^ opad).
        alignas(16) std::uint8_t block[64];
        std::memset(block, 0x36, sizeof(block));
        for (std::size_t i = 0; i < info.auth_key_len; ++i) block[i] ^= k.auth_key[i];
        IMB_SHA1_ONE_BLOCK(mgr, block, k.hmac_ipad.data());
        std::memset(block, 0x5c, sizeof(block));
        for (std::size_t i = 0; i < info.auth_key_len; ++i) block[i] ^= k.auth_key[i];
        IMB_SHA1_ONE_BLOCK(mgr, block, k.hmac_opad.data());
    }
    return imb_get_errno(mgr) == 0;
}

bool derive_session_keys(const Kdf& kdf, const SuiteInfo& info, bool rtcp,
                         SessionKeys& k) noexcept {
    const std::uint8_t base = rtcp ? kRtcpEncryption : kRtpEncryption;
    return kdf.derive(base, k.key.data(), info.master_key_len) &&
           (info.auth_key_len == 0 || kdf.derive(static_cast<std::uint8_t>(base + 1),
                                                 k.auth_key.data(), info.auth_key_len)) &&
           kdf.derive(static_cast<std::uint8_t>(base + 2), k.salt.data(), info.master_salt_len) &&
           expand_keys(kdf.mgr, info, k);
}

tl::unexpected<ConfigError> fail(ConfigErrc code, const char* what) {
    return tl::unexpected(ConfigError{code, what});
}

tl::expected<std::unique_ptr<SrtpContext>, ConfigError> check_common(const SrtpContextParams& p) {
    if (p.mki.size() > kMaxMkiLen) {
        return fail(ConfigErrc::kBadMkiLength, "MKI must be at most 4 octets");
    }
    if (p.replay_window < 64 || p.replay_window > kMaxReplayWindow) {
        return fail(ConfigErrc::kBadReplayWindow, "replay window must be 64 to 1024 packets");
    }
    if (p.max_streams < 1 || p.max_streams > kMaxStreams) {
        return fail(ConfigErrc::kBadMaxStreams, "max_streams must be 1 to 8 SSRCs");
    }
    if (p.srtcp_index > kMaxSrtcpIndex) {
        return fail(ConfigErrc::kBadSrtcpIndex, "first SRTCP index must be below 2^31");
    }
    if (p.key_derivation_rate != 0) {
        return fail(ConfigErrc::kUnsupportedKeyDerivationRate,
                    "key derivation rate other than 0 is not supported (RFC 3711 4.3.1; SDES "
                    "KDR is deprecated by RFC 4568 6.1 for new sessions)");
    }
    if (detail::init_mgr() == nullptr) {
        return fail(ConfigErrc::kCryptoInit, "IPsec-MB unavailable on this CPU");
    }
    return nullptr;
}

tl::expected<void, ConfigError> check_lengths(const SuiteInfo& info, std::size_t key_len,
                                              std::size_t salt_len) {
    if (key_len != info.master_key_len) {
        return fail(ConfigErrc::kBadKeyLength, info.master_key_len == 16
                                                   ? "master key must be 16 octets for this suite"
                                                   : "master key must be 32 octets for this suite");
    }
    if (salt_len != info.master_salt_len) {
        return fail(ConfigErrc::kBadSaltLength,
                    info.master_salt_len == 14 ? "master salt must be 14 octets for this suite"
                                               : "master salt must be 12 octets for this suite");
    }
    return {};
}

}  // namespace

static_assert(std::is_standard_layout_v<SessionKeys>);

static_assert(sizeof(SrtpContext) % 64 == 0);

void* SrtpContext::operator new(std::size_t size, std::uint32_t streams) {
    return ::operator new (size + streams * sizeof(Stream), std::align_val_t{64});
}

void SrtpContext::operator delete(void* p, std::uint32_t) noexcept {
    ::operator delete (p, std::align_val_t{64});
}

void SrtpContext::operator delete(void* p) noexcept {
    ::operator delete (p, std::align_val_t{64});
}

std::unique_ptr<SrtpContext> SrtpContext::make(const SrtpContextParams& p) {
    std::unique_ptr<SrtpContext> c(new (p.max_streams) SrtpContext());
    for (std::uint32_t i = 0; i < p.max_streams; ++i) new (c->streams() + i) Stream();
    c->suite_ = p.suite;
    c->mki_len_ = static_cast<std::uint8_t>(p.mki.size());
    if (!p.mki.empty()) std::memcpy(c->mki_.data(), p.mki.data(), p.mki.size());
    c->max_streams_ = static_cast<std::uint8_t>(p.max_streams);
    c->initial_roc_ = p.roc;
    c->initial_srtcp_ = p.srtcp_index;
    c->replay_window_ = p.replay_window;
    if (p.key_lifetime != 0) {
        c->rtp_limit_ = std::min(c->rtp_limit_, p.key_lifetime);
        c->rtcp_limit_ = std::min(c->rtcp_limit_, p.key_lifetime);
    }
    c->rtcp_keys_ = std::make_unique<SessionKeys>();
    return c;
}

tl::expected<std::unique_ptr<SrtpContext>, ConfigError> SrtpContext::create(
    const SrtpContextParams& p) {
    const SuiteInfo& info = suite_info(p.suite);
    if (auto ok = check_lengths(info, p.master_key.size(), p.master_salt.size()); !ok) {
        return tl::unexpected(ok.error());
    }
    if (auto ok = check_common(p); !ok) return ok;
    IMB_MGR* mgr = detail::init_mgr();
    auto c = make(p);
    std::memcpy(c->master_key_.data(), p.master_key.data(), p.master_key.size());
    std::memcpy(c->master_salt_.data(), p.master_salt.data(), p.master_salt.size());

    Kdf kdf{};
    kdf.mgr = mgr;
    kdf.key_len = info.master_key_len;
    std::memcpy(kdf.salt, p.master_salt.data(), p.master_salt.size());
    if (info.master_key_len == 16) {
        IMB_AES_KEYEXP_128(mgr, p.master_key.data(), kdf.schedule, kdf.unused_dec);
    } else {
        IMB_AES_KEYEXP_256(mgr, p.master_key.data(), kdf.schedule, kdf.unused_dec);
    }
    const bool ok = derive_session_keys(kdf, info, false, c->rtp_keys_) &&
                    derive_session_keys(kdf, info, true, *c->rtcp_keys_);
    std::memset(kdf.schedule, 0, sizeof(kdf.schedule));
    if (!ok) return fail(ConfigErrc::kCryptoInit, "IPsec-MB key derivation failed");
    return c;
}

tl::expected<std::unique_ptr<SrtpContext>, ConfigError> SrtpContext::create_with_session_keys(
    const SrtpContextParams& p, const SessionKeyMaterial& rtp, const SessionKeyMaterial& rtcp) {
    const SuiteInfo& info = suite_info(p.suite);
    for (const SessionKeyMaterial* m : {&rtp, &rtcp}) {
        if (auto ok = check_lengths(info, m->key.size(), m->salt.size()); !ok) {
            return tl::unexpected(ok.error());
        }
        if (m->auth_key.size() != info.auth_key_len) {
            return fail(ConfigErrc::kBadKeyLength, "authentication key has the wrong length");
        }
    }
    if (auto ok = check_common(p); !ok) return ok;
    auto c = make(p);
    c->session_keys_only_ = true;
    IMB_MGR* mgr = detail::init_mgr();
    bool ok = true;
    for (auto [m, k] : {std::pair{&rtp, &c->rtp_keys_}, std::pair{&rtcp, c->rtcp_keys_.get()}}) {
        std::memcpy(k->key.data(), m->key.data(), m->key.size());
        std::memcpy(k->salt.data(), m->salt.data(), m->salt.size());
        if (!m->auth_key.empty())
            std::memcpy(k->auth_key.data(), m->auth_key.data(), m->auth_key.size());
        ok = ok && expand_keys(mgr, info, *k);
    }
    if (!ok) return fail(ConfigErrc::kCryptoInit, "IPsec-MB key expansion failed");
    return c;
}

SrtpContext::~SrtpContext() {
    if (libsrtp2_session_ != nullptr && libsrtp2_release_ != nullptr) {
        libsrtp2_release_(libsrtp2_session_);
    }
}

SrtpContext::Stream* SrtpContext::add_stream(std::uint32_t ssrc) noexcept {
    if (streams_full()) return nullptr;
    Stream* s = streams() + stream_count_;
    *s = Stream();
    s->ssrc = ssrc;
    s->srtcp_next = initial_srtcp_;
    s->rtp_window = ReplayWindow<kMaxReplayWindow>(replay_window_);
    ssrcs_[stream_count_++] = ssrc;
    return s;
}

std::uint32_t SrtpContext::roc(std::uint32_t ssrc) const noexcept {
    const Stream* s = find_stream(ssrc);
    return s != nullptr && !s->rtp_window.empty()
               ? static_cast<std::uint32_t>(s->rtp_window.highest() >> 16)
               : initial_roc_;
}

bool SrtpContext::rtp_started(std::uint32_t ssrc) const noexcept {
    const Stream* s = find_stream(ssrc);
    return s != nullptr && !s->rtp_window.empty();
}

std::uint64_t SrtpContext::rtp_highest_index(std::uint32_t ssrc) const noexcept {
    const Stream* s = find_stream(ssrc);
    return s != nullptr ? s->rtp_window.highest() : 0;
}

std::uint32_t SrtpContext::next_srtcp_index(std::uint32_t ssrc) const noexcept {
    const Stream* s = find_stream(ssrc);
    return s != nullptr ? s->srtcp_next : initial_srtcp_;
}

}  // namespace rtpx::rtp::srtp
