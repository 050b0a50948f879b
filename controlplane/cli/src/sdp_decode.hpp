// `rtpx decode sdp (--hex HEX | --file F | -)`: one JSON object for a session description
// (sdp_json.hpp). Invalid SDP: exit 1, nothing on stdout, `error: <what> at byte <offset>` on
// stderr; usage errors: 2. The command itself is registered by add_decode_sdp_command
// (commands.hpp).
#pragma once

#include <iosfwd>

#include "decode.hpp"

namespace rtpx::cli {

// The SDP comes as hex (--hex), or as text from a file or standard input; a file or stdin that is
// all hex digits is read as hex (an SDP always holds '=', so it never is).
[[nodiscard]] int decode_sdp(const DecodeInput& input, std::ostream& out, std::ostream& err);

}  // namespace rtpx::cli
