// `rtpx flows`, `rtpx flow add|del FILE.json`, `rtpx stats` and `rtpx events`: flow API clients of
// a running rtpx-dataplane (dataplane/flowapi). Functions take streams so tests can call them
// directly.
#pragma once

#include <ostream>
#include <string>

namespace rtpx::cli {

inline constexpr const char* kDefaultDataplaneSocket = "/run/rtpx/dataplane.sock";

int list_flows(const std::string& socket, bool json, std::ostream& out, std::ostream& err);
// del: only each flow's "local" is read.
int change_flows(const std::string& socket, const std::string& file, bool del, std::ostream& out,
                 std::ostream& err);
int show_stats(const std::string& socket, bool json, std::ostream& out, std::ostream& err);
// Subscribes and prints each event (inactivity, ssrc_change, latched, srtp_failures) as one JSON
// line, flushed, until `count` events (0: no limit) or `timeout_s` seconds (0: none) have passed.
int watch_events(const std::string& socket, std::uint64_t count, double timeout_s,
                 std::ostream& out, std::ostream& err);

}  // namespace rtpx::cli
