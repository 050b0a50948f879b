// `rtpx decode sip (--hex HEX | --file F | -)`: one SIP message as JSON (issue 4's black-box
// surface).
//
// SIP is text: --file and - read the raw message bytes; --hex takes the bytes as hex. On success
// one JSON object on `out`, status 0; for a message that is not valid SIP (SipMessageView::parse or
// check_syntax fails), nothing on `out`, exactly `error: <what> at byte <offset>` on `err`,
// status 1.
#pragma once

#include <iosfwd>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "rtpx/sip/message.hpp"

namespace rtpx::cli {

struct DecodeSipOptions {
    std::string hex;     // --hex
    std::string file;    // --file
    std::string source;  // "-" for standard input
};

// The JSON object for a parsed (and syntax-checked) message.
[[nodiscard]] nlohmann::ordered_json sip_to_json(const sip::SipMessageView& message);

[[nodiscard]] int decode_sip(const DecodeSipOptions& options, std::ostream& out, std::ostream& err);

// Registers `sip` under `rtpx decode`.
void add_decode_sip_command(CLI::App& decode, int& status);

}  // namespace rtpx::cli
