// Fuzz target for SRTP/SRTCP unprotect, both backends.
//
// Input: one selector byte, then packet bytes. Selector bits 0-2 pick the suite (mod 7), bit 3
// SRTCP instead of SRTP, bit 4 a 2-octet MKI, bit 5 the round-trip mode.
//  - Unprotect mode: the bytes are a received packet. Neither backend may crash or accept it
//    (forging a tag by chance is out of reach), and IPsec-MB must leave the bytes and the length as
//    they were.
//  - Round-trip mode: the bytes are a plain packet. Protecting it with both backends gives the same
//    bytes; unprotecting gives the plain packet back; the same protected packet with one bit
//    flipped (the last input byte picks which) is refused.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "rtpx/rtp/srtp/backend.hpp"

using namespace rtpx::rtp::srtp;

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

constexpr std::array<std::uint8_t, 32> kKey = {
    0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0, 0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde, 0x41, 0x39,
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f};
constexpr std::array<std::uint8_t, 14> kSalt = {0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe,
                                                0xeb, 0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6};
constexpr std::array<std::uint8_t, 2> kMki = {0xbe, 0xef};

std::unique_ptr<SrtpContext> make_context(Suite suite, bool mki) {
    const SuiteInfo& info = suite_info(suite);
    SrtpContextParams p;
    p.suite = suite;
    p.master_key = {kKey.data(), info.master_key_len};
    p.master_salt = {kSalt.data(), info.master_salt_len};
    if (mki) p.mki = kMki;
    auto c = SrtpContext::create(p);
    check(c.has_value());
    return std::move(*c);
}

SrtpStatus call(SrtpBackend& b, bool protect, bool rtcp, SrtpContext& c,
                std::vector<std::uint8_t>& buf, std::uint32_t& len) {
    SrtpPacket p{&c, buf.data(), len, static_cast<std::uint32_t>(buf.size())};
    SrtpStatus st = SrtpStatus::kBackendError;
    std::span<SrtpPacket> ps(&p, 1);
    std::span<SrtpStatus> ss(&st, 1);
    if (protect) {
        rtcp ? b.protect_rtcp(ps, ss) : b.protect_rtp(ps, ss);
    } else {
        rtcp ? b.unprotect_rtcp(ps, ss) : b.unprotect_rtp(ps, ss);
    }
    len = p.len;
    return st;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static auto ipsec = make_ipsecmb_backend();
    static auto libsrtp = make_libsrtp2_backend();
    check(ipsec.has_value() && libsrtp.has_value());
    if (size < 1 || size > 4096) return 0;
    const std::uint8_t sel = data[0];
    const Suite suite = kSuites[(sel & 7U) % kSuites.size()].suite;
    const bool rtcp = (sel & 8U) != 0;
    const bool mki = (sel & 16U) != 0;
    const bool round_trip = (sel & 32U) != 0;
    const std::vector<std::uint8_t> in(data + 1, data + size);
    std::array<SrtpBackend*, 2> backends = {ipsec->get(), libsrtp->get()};

    if (!round_trip) {
        for (SrtpBackend* b : backends) {
            auto ctx = make_context(suite, mki);
            std::vector<std::uint8_t> buf(in);
            buf.resize(in.size() + 64);
            auto len = static_cast<std::uint32_t>(in.size());
            check(call(*b, false, rtcp, *ctx, buf, len) != SrtpStatus::kOk);
            if (b == backends[0]) {
                check(len == in.size());
                check(in.empty() || std::memcmp(buf.data(), in.data(), in.size()) == 0);
            }
        }
        return 0;
    }

    std::array<std::vector<std::uint8_t>, 2> prot;
    std::array<SrtpStatus, 2> st{};
    for (int i = 0; i < 2; ++i) {
        auto tx = make_context(suite, mki);
        prot[i].assign(in.begin(), in.end());
        prot[i].resize(in.size() + 64);
        auto len = static_cast<std::uint32_t>(in.size());
        st[i] = call(*backends[i], true, rtcp, *tx, prot[i], len);
        prot[i].resize(st[i] == SrtpStatus::kOk ? len : in.size());
    }
    check(st[0] == st[1]);
    if (st[0] != SrtpStatus::kOk) return 0;
    check(prot[0] == prot[1]);
    const std::size_t bit = (size > 1 ? data[size - 1] : 0) * 7919U % (prot[0].size() * 8);
    // libsrtp2 2.5 cannot unprotect SRTCP with an MKI under the _32 suites (it looks for the MKI
    // one RTP tag length from the end; cisco/libsrtp#733): only IPsec-MB unprotects those.
    const bool libsrtp2_mki_bug =
        rtcp && mki &&
        (suite == Suite::kAesCm128HmacSha1_32 || suite == Suite::kAes256CmHmacSha1_32);
    for (int i = 0; i < (libsrtp2_mki_bug ? 1 : 2); ++i) {
        for (bool flip : {true, false}) {
            auto rx = make_context(suite, mki);
            std::vector<std::uint8_t> buf = prot[1 - i];
            if (flip) buf[bit / 8] ^= static_cast<std::uint8_t>(1U << (bit % 8));
            const auto n = buf.size();
            buf.resize(n + 64);
            auto len = static_cast<std::uint32_t>(n);
            const SrtpStatus s = call(*backends[i], false, rtcp, *rx, buf, len);
            if (flip) {
                check(s != SrtpStatus::kOk);
            } else {
                check(s == SrtpStatus::kOk && len == in.size() &&
                      (in.empty() || std::memcmp(buf.data(), in.data(), in.size()) == 0));
            }
        }
    }
    return 0;
}
