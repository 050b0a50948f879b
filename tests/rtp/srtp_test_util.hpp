// Helpers shared by the SRTP tests: hex fixtures and one-packet calls into a backend.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "rtpx/rtp/srtp/backend.hpp"

namespace rtpx::rtp::srtp::test {

// Hex digits; spaces and newlines ignored.
inline std::vector<std::uint8_t> hex(std::string_view s) {
    std::vector<std::uint8_t> out;
    int hi = -1;
    for (char ch : s) {
        int v;
        if (ch >= '0' && ch <= '9')
            v = ch - '0';
        else if (ch >= 'a' && ch <= 'f')
            v = ch - 'a' + 10;
        else if (ch >= 'A' && ch <= 'F')
            v = ch - 'A' + 10;
        else
            continue;
        if (hi < 0) {
            hi = v;
        } else {
            out.push_back(static_cast<std::uint8_t>(hi << 4 | v));
            hi = -1;
        }
    }
    return out;
}

inline std::unique_ptr<SrtpBackend> backend(BackendKind k) {
    auto b = make_backend(k);
    EXPECT_TRUE(b.has_value());
    return b ? std::move(*b) : nullptr;
}

enum class Op { kProtectRtp, kUnprotectRtp, kProtectRtcp, kUnprotectRtcp };

// Runs one packet through `b`; the packet is resized to its new length on success.
inline SrtpStatus run(SrtpBackend& b, Op op, SrtpContext& ctx, std::vector<std::uint8_t>& pkt) {
    const std::size_t len = pkt.size();
    pkt.resize(len + 64);
    SrtpPacket p{&ctx, pkt.data(), static_cast<std::uint32_t>(len),
                 static_cast<std::uint32_t>(pkt.size())};
    SrtpStatus st = SrtpStatus::kBackendError;
    std::span<SrtpPacket> ps(&p, 1);
    std::span<SrtpStatus> ss(&st, 1);
    switch (op) {
        case Op::kProtectRtp: b.protect_rtp(ps, ss); break;
        case Op::kUnprotectRtp: b.unprotect_rtp(ps, ss); break;
        case Op::kProtectRtcp: b.protect_rtcp(ps, ss); break;
        case Op::kUnprotectRtcp: b.unprotect_rtcp(ps, ss); break;
    }
    pkt.resize(st == SrtpStatus::kOk ? p.len : len);
    return st;
}

inline std::unique_ptr<SrtpContext> context(Suite suite, std::span<const std::uint8_t> key,
                                            std::span<const std::uint8_t> salt,
                                            SrtpContextParams params = {}) {
    params.suite = suite;
    params.master_key = key;
    params.master_salt = salt;
    auto c = SrtpContext::create(params);
    EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().what);
    return c ? std::move(*c) : nullptr;
}

}  // namespace rtpx::rtp::srtp::test
