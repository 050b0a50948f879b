// The `rtpx decode` commands: rtp, rtcp and pcap. Each returns the process exit status and writes
// only to the streams it is given, so tests can run them in-process.
//
// Contract (issue 2's black-box surface): on success, JSON on `out` and status 0; on invalid input,
// nothing on `out`, exactly one line `error: <what> at byte <offset>` on `err`, and status 1.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace rtpx::cli {

struct DecodeInput {
    std::string hex;     // --hex
    std::string file;    // --file
    std::string source;  // "-" for standard input
};

struct DecodeRtpOptions {
    DecodeInput input;
    std::vector<std::string> extmaps;  // "ID=URI"
};

struct DecodeRtcpOptions {
    DecodeInput input;
};

struct DecodePcapOptions {
    std::string file;
    std::vector<std::string> extmaps;  // "ID=URI", applied to every RTP stream
    std::vector<std::string> rtpmaps;  // "PT=encoding/clock[/channels]", for dynamic payload types
    bool summary = false;
};

[[nodiscard]] int decode_rtp(const DecodeRtpOptions& options, std::ostream& out, std::ostream& err);
[[nodiscard]] int decode_rtcp(const DecodeRtcpOptions& options, std::ostream& out,
                              std::ostream& err);
[[nodiscard]] int decode_pcap(const DecodePcapOptions& options, std::ostream& out,
                              std::ostream& err);

}  // namespace rtpx::cli
