// Subcommand registration. Each command file adds its subcommands to a parent CLI11 app and, when
// one of them is chosen and parsed, runs it and stores the process exit status in `status`
// (0 ok, 1 invalid input, 2 usage). main.cpp only lists these calls, so a new command is one line.
#pragma once

#include <CLI/CLI.hpp>

namespace rtpx::cli {

// `rtpx decode rtp|rtcp|pcap` (decode.cpp).
void add_decode_packet_commands(CLI::App& decode, int& status);
// `rtpx decode sip` (sip_decode.cpp).
void add_decode_sip_command(CLI::App& decode, int& status);
// `rtpx decode sdp` (sdp_decode.cpp).
void add_decode_sdp_command(CLI::App& decode, int& status);

// `rtpx srtp protect|unprotect` (srtp_cmd.cpp).
void add_srtp_command(CLI::App& app, int& status);
void add_plan_command(CLI::App& app, int& status);  // `rtpx plan` (plan_cmd.cpp)
// `rtpx flows`, `rtpx flow add|del`, `rtpx stats` (flows_cmd.cpp).
void add_flow_commands(CLI::App& app, int& status);
void add_calls_command(CLI::App& app, int& status);  // `rtpx calls` (calls_cmd.cpp)

}  // namespace rtpx::cli
