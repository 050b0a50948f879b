// Fuzz target for the ng protocol's bencode codec and message layer: decodes the input; for every
// value that decodes, the canonical encoding decodes to an equal value and re-encodes to the same
// bytes. Then the same input is fed to the ng message layer as `<cookie> <body>` (bencode or JSON
// body) and the typed request parser, which must return an error rather than crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "rtpx/ng/bencode.hpp"
#include "rtpx/ng/message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace rtpx::ng;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto v = decode(text)) {
        const std::string once = encode(*v);
        auto again = decode(once);
        if (!again || !(*again == *v)) std::abort();
        if (encode(*again) != once) std::abort();
    } else if (v.error().offset > size) {
        std::abort();
    }
    if (auto p = decode_prefix(text); p && p->second > size) std::abort();

    if (auto frame = split_frame(text)) {
        BodyFormat format = BodyFormat::kBencode;
        if (auto body = decode_body(frame->body, &format)) {
            if (!body->is_dict()) std::abort();
            auto request = parse_request(*body);
            const Value reply =
                request ? make_ok_reply() : make_error_reply(request.error().reason);
            const std::string out = frame_reply(frame->cookie, reply, format);
            auto back = split_frame(out);
            if (!back || back->cookie != frame->cookie) std::abort();
            BodyFormat back_format = BodyFormat::kBencode;
            if (!decode_body(back->body, &back_format) || back_format != format) std::abort();
        }
    }
    return 0;
}
