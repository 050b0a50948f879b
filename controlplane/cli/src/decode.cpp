#include "decode.hpp"

#include <iostream>
#include <memory>
#include <ostream>

#include <nlohmann/json.hpp>

#include "commands.hpp"
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

namespace {

void add_input_options(CLI::App& cmd, DecodeInput& in) {
    auto* hex = cmd.add_option("--hex", in.hex, "packet as hex (case and whitespace ignored)");
    auto* file =
        cmd.add_option("--file", in.file, "file holding the packet, as hex text or raw bytes");
    auto* dash =
        cmd.add_option("source", in.source, "'-': read the packet from standard input (hex or raw)")
            ->check(CLI::IsMember({"-"}));
    hex->excludes(file)->excludes(dash);
    file->excludes(dash);
}

bool input_given(const DecodeInput& in) {
    if (!in.hex.empty() || !in.file.empty() || !in.source.empty()) return true;
    std::cerr << "error: give the packet with --hex, --file or -\n";
    return false;
}

}  // namespace

void add_decode_packet_commands(CLI::App& decode, int& status) {
    auto rtp_opts = std::make_shared<DecodeRtpOptions>();
    auto* rtp = decode.add_subcommand("rtp", "decode one RTP packet");
    rtp->add_option("--extmap", rtp_opts->extmaps, "header extension mapping ID=URI (repeatable)");
    add_input_options(*rtp, rtp_opts->input);
    rtp->final_callback([rtp_opts, &status] {
        status = input_given(rtp_opts->input) ? decode_rtp(*rtp_opts, std::cout, std::cerr) : 2;
    });

    auto rtcp_opts = std::make_shared<DecodeRtcpOptions>();
    auto* rtcp = decode.add_subcommand("rtcp", "decode one (compound) RTCP packet");
    add_input_options(*rtcp, rtcp_opts->input);
    rtcp->final_callback([rtcp_opts, &status] {
        status = input_given(rtcp_opts->input) ? decode_rtcp(*rtcp_opts, std::cout, std::cerr) : 2;
    });

    auto pcap_opts = std::make_shared<DecodePcapOptions>();
    auto* pcap =
        decode.add_subcommand("pcap", "list the RTP/RTCP/STUN/DTLS datagrams of a capture");
    pcap->add_option("file", pcap_opts->file, "pcap or pcapng file")->required();
    pcap->add_option("--extmap", pcap_opts->extmaps,
                     "header extension mapping ID=URI (repeatable)");
    pcap->add_option("--rtpmap", pcap_opts->rtpmaps,
                     "dynamic payload type PT=encoding/clock[/channels] (repeatable)");
    pcap->add_flag("--summary", pcap_opts->summary,
                   "one line per RTP stream instead of per packet");
    pcap->final_callback(
        [pcap_opts, &status] { status = decode_pcap(*pcap_opts, std::cout, std::cerr); });
}

}  // namespace rtpx::cli
