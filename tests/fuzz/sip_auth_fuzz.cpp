// Fuzz target for the Digest header parsers (WWW-Authenticate / Proxy-Authenticate and
// Authorization / Proxy-Authorization, RFC 7616): every input is parsed as a challenge and as
// credentials; whatever parses is written back with to_string() and must parse again to the same
// values. Error offsets must lie inside the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "rtpx/sip/auth/digest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace rtpx::sip;
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    auto challenge = DigestChallenge::parse(text);
    if (challenge) {
        auto again = DigestChallenge::parse(challenge->to_string());
        if (!again || again->realm != challenge->realm || again->nonce != challenge->nonce ||
            again->opaque != challenge->opaque || again->algorithm != challenge->algorithm ||
            again->qop_auth != challenge->qop_auth || again->stale != challenge->stale) {
            std::abort();
        }
    } else if (challenge.error().offset > size) {
        std::abort();
    }

    auto creds = DigestCredentials::parse(text);
    if (creds) {
        auto again = DigestCredentials::parse(creds->to_string());
        if (!again || again->username != creds->username || again->uri != creds->uri ||
            again->response != creds->response || again->nc != creds->nc ||
            again->cnonce != creds->cnonce || again->qop != creds->qop) {
            std::abort();
        }
    } else if (creds.error().offset > size) {
        std::abort();
    }
    return 0;
}
