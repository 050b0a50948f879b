// `rtpx srtp protect|unprotect`: SRTP/SRTCP on hex packets through the data plane's library code,
// with either backend.
//
//   rtpx srtp protect|unprotect --suite NAME --key BASE64 [--roc N] [--srtcp [--index N]]
//        [--backend ipsecmb|libsrtp2] (--hex HEX | -)
//
// BASE64 is master key || master salt (as in SDES). With `-`, each line of standard input is one
// packet of the same stream, in order (ROC, replay window and SRTCP index carry over), and each
// result is printed on its own line. A packet that fails prints `error: <reason>` on stderr and
// the command exits 1 at the end; usage errors exit 2.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

namespace rtpx::cli {

struct SrtpOptions {
    bool protect = true;
    std::string suite;
    std::string key;
    std::uint32_t roc = 0;
    bool srtcp = false;
    std::optional<std::uint32_t> index;  // first SRTCP index protected
    std::string backend = "ipsecmb";
    std::string hex;
    std::string source;  // "-" for standard input
};

// Runs the command; returns the exit status.
int run_srtp(const SrtpOptions& options, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace rtpx::cli
