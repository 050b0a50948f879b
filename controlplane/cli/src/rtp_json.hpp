// JSON for `rtpx decode rtp`: an RTP packet with its header extensions decoded through an extmap,
// and the `--extmap ID=URI` command-line value.
//
// rtp_to_json produces
//   {"kind":"rtp","version":2,"padding":bool,"marker":bool,"pt":N,"seq":N,"ts":N,"ssrc":N,
//    "csrcs":[N...],
//    "extensions":[{"id":N,"uri":"..."|null,"len":N, <decoded fields> | "data":"<hex>" |
//                   "error":"<what>"}...],
//    "payload_len":N}
// Decoded fields use snake_case keys named after the specification's fields (see
// extension_to_json in rtp_json.cpp). An element whose ID the map does not know gets "uri":null and
// its bytes as "data"; one whose mapped decoder rejects the bytes gets "error" (and "data").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "rtpx/rtp/header_extension.hpp"
#include "rtpx/rtp/rtp_packet.hpp"

namespace rtpx::cli {

[[nodiscard]] nlohmann::ordered_json rtp_to_json(const rtp::RtpView& packet,
                                                 const rtp::ExtensionMap& map);

// The decoded fields of one element of the given type, as a JSON object; {"error": what} when the
// decoder rejects the bytes.
[[nodiscard]] nlohmann::ordered_json extension_to_json(rtp::ExtensionType type, rtp::ByteSpan data);

// Parses "ID=URI" (ID 1-255, a URI rtpx knows). The error text names the problem.
[[nodiscard]] tl::expected<std::pair<std::uint8_t, rtp::ExtensionType>, std::string>
parse_extmap_arg(std::string_view arg);

}  // namespace rtpx::cli
