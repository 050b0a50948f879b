// Fuzz target for rtpx::media::MediaSession: the input is an option byte then up to four SDP
// bodies separated by NUL bytes (offer from A, answer from B, re-offer from B, answer from A).
// Whatever the bodies hold: nothing crashes, every SDP the session returns parses, every flow it
// emits passes the flow API's validate(), and teardown gives every port back.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "rtpx/media/media.hpp"
#include "rtpx/sip/sdp/session.hpp"

namespace {

using namespace rtpx;
using namespace rtpx::media;

std::vector<DataplaneConfig> config() {
    DataplaneConfig d;
    d.name = "dp";
    d.interfaces.push_back({"a", flowapi::IpAddress::v4(198, 51, 100, 1), 30000, 30015});
    d.interfaces.push_back({"b", flowapi::IpAddress::v4(203, 0, 113, 1), 30000, 30015});
    flowapi::IpAddress v6;
    v6.family = flowapi::AddressFamily::kIpv6;
    v6.bytes = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    d.interfaces.push_back({"b6", v6, 30000, 30015});
    return {d};
}

void check(const tl::expected<std::string, MediaError>& out) {
    if (out && !sip::sdp::parse(*out)) std::abort();
}

void check(const flowapi::Batch& b) {
    for (const auto& op : b.ops) {
        if (op.kind != flowapi::OpKind::kDelete && flowapi::validate(op.spec).field != nullptr) {
            std::abort();
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::uint8_t o = data[0];
    std::vector<std::string_view> bodies;
    std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
    while (bodies.size() < 4) {
        const auto nul = rest.find('\0');
        bodies.push_back(rest.substr(0, nul));
        if (nul == std::string_view::npos) break;
        rest.remove_prefix(nul + 1);
    }
    static MediaEngine engine = MediaEngine::create_offline(config());
    MediaSession& s = engine.create_session("fuzz");
    LegOptions to_b;
    to_b.interface = (o & 0x80) != 0 ? "b6" : "b";
    to_b.transport = static_cast<Transport>((o & 7) % 5);
    to_b.rtcp_mux = static_cast<RtcpMux>(((o >> 3) & 7) % 5);
    to_b.remove_ice = (o & 0x40) == 0;
    LegOptions to_a;
    to_a.interface = "a";
    to_a.rtcp_mux = to_b.rtcp_mux;
    to_a.replace_origin = (o & 0x40) == 0;
    check(s.offer(Leg::kA, bodies[0], to_b));
    if (bodies.size() > 1) check(s.answer(Leg::kB, bodies[1], to_a));
    check(s.take_changes());
    if (bodies.size() > 2) check(s.offer(Leg::kB, bodies[2], to_a));
    if (bodies.size() > 3) check(s.answer(Leg::kA, bodies[3], to_b));
    check(s.take_changes());
    (void)s.to_json();
    (void)s.teardown();
    engine.erase("fuzz");
    for (const auto& i : engine.port_pools().interfaces()) {
        if (engine.port_pools().used(i.name) != 0) std::abort();
    }
    return 0;
}
