// Fixture loading for the SDP tests: .sdp files and the RFC 4317 examples (tests/data/sdp/).
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>

#include "rtpx/sip/sdp/session.hpp"

namespace rtpx::sip::sdp::testing {

inline std::string read_data(const std::string& name) {
    std::ifstream in(std::string(RTPX_TEST_DATA_DIR) + "/sdp/" + name, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Parses text that must be valid; a failure is a test failure naming the error.
inline SessionDescription parse_ok(const std::string& text) {
    auto s = parse(text);
    EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().what) << " at byte "
                               << (s ? 0 : s.error().offset);
    return s ? *s : SessionDescription{};
}

// RFC 4317 examples: {"2.1", "Offer"} -> SDP with CRLF line ends.
using Rfc4317 = std::map<std::pair<std::string, std::string>, std::string>;

inline Rfc4317 load_rfc4317() {
    Rfc4317 out;
    std::istringstream in(read_data("rfc4317.txt"));
    std::string line, section, label;
    while (std::getline(in, line)) {
        if (line.rfind("## ", 0) == 0) {
            section = line.substr(3, line.find(". ") - 3);
            label.clear();
        } else if (!line.empty() && line.front() == '[') {
            label = line.substr(1, line.size() - 2);
        } else if (line.size() >= 2 && line[1] == '=' && !label.empty()) {
            out[{section, label}] += line + "\r\n";
        }
    }
    return out;
}

}  // namespace rtpx::sip::sdp::testing
