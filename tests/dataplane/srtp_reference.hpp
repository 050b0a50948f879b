// The reference end of the SRTP tests: rtp/srtp's libsrtp2 backend with a context of its own for
// one key (what the data plane's IPsec-MB backend protects must decrypt here, and the reverse).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "rtpx/dataplane/srtp_stage.hpp"
#include "rtpx/flowapi/flow.hpp"
#include "rtpx/rtp/srtp/backend.hpp"
#include "rtpx/rtp/srtp/context.hpp"

namespace rtpx::dataplane {

// rtp/srtp's libsrtp2 backend with its own context for a key: the reference end of each test.
class Reference {
  public:
    Reference(flowapi::SrtpSuite suite, std::uint8_t key_seed) {
        params_.suite = suite;
        fill(params_, key_seed);
        const auto& info = rtp::srtp::suite_info(*backend_suite(suite));
        rtp::srtp::SrtpContextParams cp;
        cp.suite = *backend_suite(suite);
        cp.master_key = {params_.master_key.data(), info.master_key_len};
        cp.master_salt = {params_.master_salt.data(), info.master_salt_len};
        context_ = std::move(*rtp::srtp::SrtpContext::create(cp));
        backend_ = std::move(*rtp::srtp::make_libsrtp2_backend());
    }
    static void fill(flowapi::SrtpParams& p, std::uint8_t seed) {
        for (std::size_t i = 0; i < p.master_key.size(); ++i)
            p.master_key[i] = static_cast<std::uint8_t>(seed + i);
        for (std::size_t i = 0; i < p.master_salt.size(); ++i)
            p.master_salt[i] = static_cast<std::uint8_t>(seed * 3 + i);
    }
    [[nodiscard]] const flowapi::SrtpParams& params() const { return params_; }

    // The packet protected or unprotected; empty when the backend refuses it.
    std::vector<std::uint8_t> process(std::vector<std::uint8_t> b, bool protect, bool rtcp) {
        const std::size_t len = b.size();
        b.resize(len + 64);
        rtp::srtp::SrtpPacket pkt{context_.get(), b.data(), static_cast<std::uint32_t>(len),
                                  static_cast<std::uint32_t>(b.size())};
        rtp::srtp::SrtpStatus status{};
        std::span<rtp::srtp::SrtpPacket> ps(&pkt, 1);
        std::span<rtp::srtp::SrtpStatus> ss(&status, 1);
        if (protect) {
            rtcp ? backend_->protect_rtcp(ps, ss) : backend_->protect_rtp(ps, ss);
        } else {
            rtcp ? backend_->unprotect_rtcp(ps, ss) : backend_->unprotect_rtp(ps, ss);
        }
        if (status != rtp::srtp::SrtpStatus::kOk) return {};
        b.resize(pkt.len);
        return b;
    }
    std::vector<std::uint8_t> protect(const std::vector<std::uint8_t>& b, bool rtcp = false) {
        return process(b, true, rtcp);
    }
    std::vector<std::uint8_t> unprotect(const std::vector<std::uint8_t>& b, bool rtcp = false) {
        return process(b, false, rtcp);
    }

  private:
    flowapi::SrtpParams params_;
    std::unique_ptr<rtp::srtp::SrtpContext> context_;
    std::unique_ptr<rtp::srtp::SrtpBackend> backend_;
};

}  // namespace rtpx::dataplane
