// rtpx-pcapgen: writes a pcap of synthetic RTP/RTCP streams with loss, jitter and reordering, for
// the demo and for tests of `rtpx decode pcap`. See generator.cpp for the traffic model.
#include <CLI/CLI.hpp>

#include "pcapgen.hpp"

int main(int argc, char** argv) {
    rtpx::pcapgen::Options o;
    CLI::App app{
        "Writes a pcap (Ethernet, nanosecond timestamps) of synthetic RTP/RTCP streams: G.711 PCMU "
        "and PCMA and Opus with header extensions, with loss, delay jitter and reordering applied "
        "as a network would. Deterministic for a given --seed.",
        "rtpx-pcapgen"};
    app.add_option("--out", o.out, "pcap file to write")->required();
    app.add_option("--streams", o.streams,
                   "number of RTP streams; streams 2k, 2k+1 are the two directions of call k, "
                   "which uses PCMU, PCMA, Opus for k mod 3")
        ->check(CLI::Range(1, 250))
        ->capture_default_str();
    app.add_option("--duration", o.duration_s, "seconds of traffic")
        ->check(CLI::Range(0.02, 86400.0))
        ->capture_default_str();
    app.add_option("--loss", o.loss_percent, "RTP packet loss, percent")
        ->check(CLI::Range(0.0, 100.0))
        ->capture_default_str();
    app.add_flag(
        "--burst-loss", o.burst_loss,
        "lose packets in Gilbert-Elliott bursts (mean 4 packets) instead of independently");
    app.add_option("--burst-length", o.burst_length, "mean burst length with --burst-loss, packets")
        ->check(CLI::Range(1.0, 1000.0))
        ->capture_default_str();
    app.add_option("--delay-ms", o.delay_ms, "fixed one-way network delay, ms")
        ->check(CLI::Range(0.0, 10000.0))
        ->capture_default_str();
    app.add_option(
           "--jitter-ms", o.jitter_ms,
           "mean of the exponential delay variation, ms (the RFC 3550 jitter lands near it)")
        ->check(CLI::Range(0.0, 10000.0))
        ->capture_default_str();
    app.add_option("--reorder", o.reorder_percent,
                   "percent of received packets held back behind the next one")
        ->check(CLI::Range(0.0, 100.0))
        ->capture_default_str();
    app.add_option("--seed", o.seed, "random seed")->capture_default_str();
    app.add_flag("--ipv6", o.ipv6, "use fd00::x addresses instead of 10.0.0.x");
    app.add_option("--truth", o.truth,
                   "also write JSON with, per stream, what was sent and dropped and its 5-tuple");
    CLI11_PARSE(app, argc, argv);
    return rtpx::pcapgen::run(o);
}
