// rtpx — the operator's command line. Offline tools run the same library code as the data plane.
//
//   rtpx decode rtp  [--extmap ID=URI]... (--hex HEX | --file F | -)
//   rtpx decode rtcp (--hex HEX | --file F | -)
//   rtpx decode pcap FILE [--extmap ID=URI]... [--rtpmap PT=ENC/CLOCK[/CH]]... [--summary]
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "decode.hpp"

namespace {

void add_input_options(CLI::App& cmd, rtpx::cli::DecodeInput& in) {
    auto* hex = cmd.add_option("--hex", in.hex, "packet as hex (case and whitespace ignored)");
    auto* file =
        cmd.add_option("--file", in.file, "file holding the packet, as hex text or raw bytes");
    auto* dash =
        cmd.add_option("source", in.source, "'-': read the packet from standard input (hex or raw)")
            ->check(CLI::IsMember({"-"}));
    hex->excludes(file)->excludes(dash);
    file->excludes(dash);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"rtpx: operator's command line for the rtpx media relay"};
    app.require_subcommand(1);
    auto* decode = app.add_subcommand("decode", "decode RTP, RTCP or a capture file as JSON");
    decode->require_subcommand(1);

    rtpx::cli::DecodeRtpOptions rtp_opts;
    auto* rtp = decode->add_subcommand("rtp", "decode one RTP packet");
    rtp->add_option("--extmap", rtp_opts.extmaps, "header extension mapping ID=URI (repeatable)");
    add_input_options(*rtp, rtp_opts.input);

    rtpx::cli::DecodeRtcpOptions rtcp_opts;
    auto* rtcp = decode->add_subcommand("rtcp", "decode one (compound) RTCP packet");
    add_input_options(*rtcp, rtcp_opts.input);

    rtpx::cli::DecodePcapOptions pcap_opts;
    auto* pcap =
        decode->add_subcommand("pcap", "list the RTP/RTCP/STUN/DTLS datagrams of a capture");
    pcap->add_option("file", pcap_opts.file, "pcap or pcapng file")->required();
    pcap->add_option("--extmap", pcap_opts.extmaps, "header extension mapping ID=URI (repeatable)");
    pcap->add_option("--rtpmap", pcap_opts.rtpmaps,
                     "dynamic payload type PT=encoding/clock[/channels] (repeatable)");
    pcap->add_flag("--summary", pcap_opts.summary, "one line per RTP stream instead of per packet");

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        (void)app.exit(e);  // prints the message and a pointer to --help
        return 2;           // usage errors are 2; invalid packet input is 1
    }

    if (*rtp) {
        if (rtp_opts.input.hex.empty() && rtp_opts.input.file.empty() &&
            rtp_opts.input.source.empty()) {
            std::cerr << "error: give the packet with --hex, --file or -\n";
            return 2;
        }
        return rtpx::cli::decode_rtp(rtp_opts, std::cout, std::cerr);
    }
    if (*rtcp) {
        if (rtcp_opts.input.hex.empty() && rtcp_opts.input.file.empty() &&
            rtcp_opts.input.source.empty()) {
            std::cerr << "error: give the packet with --hex, --file or -\n";
            return 2;
        }
        return rtpx::cli::decode_rtcp(rtcp_opts, std::cout, std::cerr);
    }
    if (*pcap) return rtpx::cli::decode_pcap(pcap_opts, std::cout, std::cerr);
    return 2;
}
