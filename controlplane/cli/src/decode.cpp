#include "decode.hpp"

#include <ostream>

#include <nlohmann/json.hpp>

#include "input.hpp"
#include "pcap_decode.hpp"
#include "rtcp_json.hpp"
#include "rtp_json.hpp"
#include "rtpx/rtp/header_extension.hpp"
#include "rtpx/rtp/rtp_packet.hpp"

namespace rtpx::cli {
namespace {

int fail(std::ostream& err, const std::string& what, std::size_t offset) {
    err << "error: " << what << " at byte " << offset << '\n';
    return 1;
}

int fail_usage(std::ostream& err, const std::string& what) {
    err << "error: " << what << '\n';
    return 1;
}

tl::expected<std::vector<std::uint8_t>, InputError> load(const DecodeInput& in) {
    if (!in.hex.empty()) return parse_hex(in.hex);
    if (!in.file.empty()) {
        auto text = read_file(in.file);
        if (!text) return tl::unexpected(text.error());
        return hex_or_binary(*text);
    }
    return hex_or_binary(read_stdin());
}

}  // namespace

int decode_rtp(const DecodeRtpOptions& options, std::ostream& out, std::ostream& err) {
    rtp::ExtensionMap extmap;
    for (const auto& arg : options.extmaps) {
        auto entry = parse_extmap_arg(arg);
        if (!entry) return fail_usage(err, entry.error());
        extmap.set(entry->first, entry->second);
    }
    auto bytes = load(options.input);
    if (!bytes) return fail(err, bytes.error().what, bytes.error().offset);
    auto view = rtp::RtpView::parse_strict(rtp::ByteSpan(*bytes));
    if (!view) return fail(err, view.error().what, view.error().offset);
    out << rtp_to_json(*view, extmap).dump() << '\n';
    return 0;
}

int decode_rtcp(const DecodeRtcpOptions& options, std::ostream& out, std::ostream& err) {
    auto bytes = load(options.input);
    if (!bytes) return fail(err, bytes.error().what, bytes.error().offset);
    auto json = rtcp_to_json(rtp::ByteSpan(*bytes));
    if (!json) return fail(err, json.error().what, json.error().offset);
    out << json->dump() << '\n';
    return 0;
}

int decode_pcap(const DecodePcapOptions& options, std::ostream& out, std::ostream& err) {
    PcapDecoder decoder;
    for (const auto& arg : options.extmaps) {
        auto entry = parse_extmap_arg(arg);
        if (!entry) return fail_usage(err, entry.error());
        decoder.set_extension(entry->first, entry->second);
    }
    for (const auto& arg : options.rtpmaps) {
        if (auto ok = decoder.add_rtpmap(arg); !ok) return fail_usage(err, ok.error());
    }
    return decoder.run(options.file, options.summary, out, err);
}

}  // namespace rtpx::cli
