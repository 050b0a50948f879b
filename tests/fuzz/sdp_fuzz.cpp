// Fuzz target for SDP (RFC 8866): parses the input; for every description that parses, serialises
// it, checks the result parses to the same description and serialises to the same bytes, reads
// every typed attribute, and answers it (RFC 3264) with local capabilities, checking the answer
// serialises to a description that parses.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "rtpx/sip/sdp/attributes.hpp"
#include "rtpx/sip/sdp/offer_answer.hpp"
#include "rtpx/sip/sdp/session.hpp"

namespace {

using namespace rtpx::sip::sdp;

void read_attributes(const AttributeList& list) {
    for (const auto& a : list) {
        if (!a.value) continue;
        // validate_attribute already ran in parse; the typed parsers must agree with it.
        if (!validate_attribute(a.name, *a.value)) std::abort();
    }
}

LocalCapabilities make_local() {
    LocalCapabilities l;
    MediaCapabilities audio;
    audio.protos = {"RTP/AVP", "RTP/SAVP", "UDP/TLS/RTP/SAVPF"};
    audio.codecs = {{"PCMU", 8000, 1, {}}, {"opus", 48000, 2, {}}, {"iLBC", 8000, 1, {}}};
    l.media.push_back(audio);
    MediaCapabilities video;
    video.media = "video";
    video.protos = {"RTP/AVP", "RTP/AVPF"};
    video.codecs = {{"H264", 90000, 1, {{"packetization-mode", "1", "0"}}}, {"VP8", 90000, 1, {}}};
    l.media.push_back(video);
    return l;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const LocalCapabilities local = make_local();
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto session = parse(text);
    if (!session) {
        if (session.error().offset > size) std::abort();
        return 0;
    }
    const std::string once = serialise(*session);
    auto again = parse(once);
    if (!again || *again != *session) std::abort();
    if (serialise(*again) != once) std::abort();

    read_attributes(session->attributes);
    for (const auto& m : session->media) {
        read_attributes(m.attributes);
        for (const auto& f : m.formats) {
            if (m.rtp_proto() && f.size() <= 3)
                (void)payload_format(m, static_cast<std::uint8_t>(std::atoi(f.c_str())));
        }
        (void)effective_direction(*session, m);
        (void)is_on_hold(*session, m);
    }

    AnswerTransport transport;
    transport.origin.address = "192.0.2.1";
    transport.connection = connection_for("192.0.2.1");
    for (std::size_t i = 0; i < session->media.size(); ++i) {
        transport.media.push_back(LocalMedia{static_cast<std::uint16_t>(20000 + 2 * i),
                                             {},
                                             {{"AES_CM_128_HMAC_SHA1_80", "inline:a2V5"}},
                                             {}});
    }
    const auto answer = make_answer(*session, local, transport);
    if (answer.media.size() != session->media.size()) std::abort();
    if (!parse(serialise(answer))) std::abort();

    // The B2BUA rewrites keep the description valid.
    auto rewritten = *session;
    for (auto& m : rewritten.media) {
        if (!m.rejected()) set_media_address(m, "2001:db8::1", 30000);  // rejected stay port 0
    }
    put_on_hold(rewritten, HoldStyle::kDirection);
    if (!parse(serialise(rewritten))) std::abort();
    return 0;
}
