// rtpx — the operator's command line. Offline tools run the same library code as the data plane.
// Each command registers itself (commands.hpp); see README.md for the full surface.
#include <CLI/CLI.hpp>

#include "commands.hpp"

int main(int argc, char** argv) {
    CLI::App app{"rtpx: operator's command line for the rtpx media relay"};
    app.require_subcommand(1);
    int status = 2;

    auto* decode =
        app.add_subcommand("decode", "decode packets, messages or capture files as JSON");
    decode->require_subcommand(1);
    rtpx::cli::add_decode_packet_commands(*decode, status);
    rtpx::cli::add_decode_sip_command(*decode, status);
    rtpx::cli::add_decode_sdp_command(*decode, status);
    rtpx::cli::add_srtp_command(app, status);
    rtpx::cli::add_plan_command(app, status);
    rtpx::cli::add_flow_commands(app, status);
    rtpx::cli::add_calls_command(app, status);

    try {
        app.parse(argc, argv);  // the chosen command runs from its final callback
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        (void)app.exit(e);  // prints the message and a pointer to --help
        return 2;           // usage errors are 2; invalid input is 1
    }
    return status;
}
