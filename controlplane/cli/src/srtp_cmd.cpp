#include "srtp_cmd.hpp"

#include <array>
#include <iostream>
#include <memory>
#include <string_view>
#include <vector>

#include "commands.hpp"
#include "input.hpp"
#include "rtpx/rtp/srtp/backend.hpp"
#include "rtpx/rtp/srtp/sdes.hpp"

namespace rtpx::cli {
namespace {

namespace srtp = rtp::srtp;

int usage(std::ostream& err, std::string_view what) {
    err << "error: " << what << '\n';
    return 2;
}

std::string suite_names() {
    std::string s;
    for (const auto& info : srtp::kSuites) {
        if (!s.empty()) s += ", ";
        s += info.name;
    }
    return s;
}

// Processes one packet; prints the result or the error. Returns false on error.
bool process(const SrtpOptions& o, srtp::SrtpBackend& backend, srtp::SrtpContext& ctx,
             std::string_view text, std::ostream& out, std::ostream& err) {
    auto bytes = parse_hex(text);
    if (!bytes) {
        err << "error: " << bytes.error().what << " at byte " << bytes.error().offset << '\n';
        return false;
    }
    const auto len = static_cast<std::uint32_t>(bytes->size());
    bytes->resize(bytes->size() + srtp::srtcp_trailer_len(ctx) + srtp::srtp_trailer_len(ctx) + 4);
    srtp::SrtpPacket p{&ctx, bytes->data(), len, static_cast<std::uint32_t>(bytes->size())};
    srtp::SrtpStatus st = srtp::SrtpStatus::kBackendError;
    std::span<srtp::SrtpPacket> ps(&p, 1);
    std::span<srtp::SrtpStatus> ss(&st, 1);
    if (o.srtcp) {
        o.protect ? backend.protect_rtcp(ps, ss) : backend.unprotect_rtcp(ps, ss);
    } else {
        o.protect ? backend.protect_rtp(ps, ss) : backend.unprotect_rtp(ps, ss);
    }
    if (st != srtp::SrtpStatus::kOk) {
        const auto& info = srtp::kSrtpStatuses[static_cast<std::size_t>(st)];
        err << "error: " << info.name << " (" << info.help << ")\n";
        return false;
    }
    out << to_hex({bytes->data(), p.len}) << '\n';
    return true;
}

}  // namespace

int run_srtp(const SrtpOptions& o, std::istream& in, std::ostream& out, std::ostream& err) {
    const auto suite = srtp::suite_from_name(o.suite);
    if (!suite)
        return usage(err, "unknown --suite '" + o.suite + "' (one of " + suite_names() + ")");
    const srtp::SuiteInfo& info = srtp::suite_info(*suite);
    std::array<std::uint8_t, srtp::kMaxMasterKeyLen + srtp::kMaxMasterSaltLen> key{};
    auto n = srtp::base64_decode(o.key, key);
    if (!n) {
        return usage(err, "--key: " + std::string(n.error().what) + " at character " +
                              std::to_string(n.error().offset));
    }
    const std::size_t want = std::size_t{info.master_key_len} + info.master_salt_len;
    if (*n != want) {
        return usage(err, "--key: " + std::string(info.name) + " needs " + std::to_string(want) +
                              " octets of master key || master salt, got " + std::to_string(*n));
    }
    const auto kind =
        o.backend == "libsrtp2" ? srtp::BackendKind::kLibSrtp2 : srtp::BackendKind::kIpsecMb;
    if (o.index && o.protect && kind == srtp::BackendKind::kLibSrtp2 && *o.index != 1) {
        return usage(err, "--index: libsrtp2 numbers SRTCP packets from 1; use --backend ipsecmb");
    }
    srtp::SrtpContextParams params;
    params.suite = *suite;
    params.master_key = {key.data(), info.master_key_len};
    params.master_salt = {key.data() + info.master_key_len, info.master_salt_len};
    params.roc = o.roc;
    if (o.index) params.srtcp_index = *o.index;
    auto ctx = srtp::SrtpContext::create(params);
    if (!ctx) return usage(err, ctx.error().what);
    auto backend = srtp::make_backend(kind);
    if (!backend) {
        err << "error: " << backend.error().what << '\n';
        return 1;
    }
    if (!o.hex.empty()) return process(o, **backend, **ctx, o.hex, out, err) ? 0 : 1;
    int status = 0;
    std::string line;
    while (std::getline(in, line)) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        if (!process(o, **backend, **ctx, line, out, err)) status = 1;
    }
    return status;
}

void add_srtp_command(CLI::App& app, int& status) {
    auto* srtp_cmd = app.add_subcommand("srtp", "protect or unprotect SRTP/SRTCP packets (hex)");
    srtp_cmd->require_subcommand(1);
    for (const bool protect : {true, false}) {
        auto o = std::make_shared<SrtpOptions>();
        o->protect = protect;
        auto* cmd =
            srtp_cmd->add_subcommand(protect ? "protect" : "unprotect",
                                     protect ? "RTP (or RTCP with --srtcp) to SRTP (SRTCP)"
                                             : "SRTP (or SRTCP with --srtcp) to RTP (RTCP)");
        cmd->add_option("--suite", o->suite, "crypto suite, e.g. AES_CM_128_HMAC_SHA1_80")
            ->required();
        cmd->add_option("--key", o->key, "base64 of master key || master salt (as in SDES)")
            ->required();
        cmd->add_option("--roc", o->roc, "rollover counter of the first SRTP packet (default 0)");
        auto* srtcp = cmd->add_flag("--srtcp", o->srtcp, "packets are RTCP/SRTCP");
        cmd->add_option("--index", o->index,
                        "SRTCP index of the first packet protected (default 1, as libsrtp2)")
            ->needs(srtcp);
        cmd->add_option("--backend", o->backend, "ipsecmb (default) or libsrtp2")
            ->check(CLI::IsMember({"ipsecmb", "libsrtp2"}));
        auto* hex = cmd->add_option("--hex", o->hex, "one packet as hex");
        auto* dash =
            cmd->add_option("source", o->source, "'-': one hex packet per line of standard input")
                ->check(CLI::IsMember({"-"}));
        hex->excludes(dash);
        cmd->final_callback([o, &status] {
            if (o->hex.empty() && o->source.empty()) {
                std::cerr << "error: give the packet with --hex HEX, or - for standard input\n";
                status = 2;
                return;
            }
            status = run_srtp(*o, std::cin, std::cout, std::cerr);
        });
    }
}

}  // namespace rtpx::cli
