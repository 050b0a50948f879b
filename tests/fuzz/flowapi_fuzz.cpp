// Fuzz target: the flow API decoder (dataplane/flowapi/wire.hpp). Any input either decodes or is
// rejected with an error whose offset lies inside the frame; a frame that decodes re-encodes to
// bytes that decode to the same message (the codec is a bijection on what it accepts, up to the
// identity entries of the maps, which are never sent).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "rtpx/flowapi/wire.hpp"

using namespace rtpx::flowapi;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> in(data, size);
    auto env = decode(in);
    if (!env) {
        if (env.error().offset > size) std::abort();
        (void)describe(env.error());
        return 0;
    }
    const auto again = encode(*env);
    auto back = decode(again);
    if (!back || !(*back == *env)) std::abort();
    return 0;
}
