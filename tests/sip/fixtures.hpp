// Loading the SIP fixture files of tests/data/sip/ (exact bytes).
#pragma once

#include <fstream>
#include <iterator>
#include <string>

namespace rtpx::sip::test {

inline std::string fixture(const std::string& relative) {
    std::ifstream in(std::string(RTPX_TEST_DATA_DIR) + "/sip/" + relative, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Joins lines with CRLF (each line gets one), so inline messages read like the RFC.
template <class... Lines>
std::string crlf(const Lines&... lines) {
    std::string out;
    ((out.append(lines).append("\r\n")), ...);
    return out;
}

}  // namespace rtpx::sip::test
