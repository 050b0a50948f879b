// A real rtpx-dataplane process for the ng tests: net_null vdevs on the relay addresses
// 198.51.100.1 ("alice-side") and 203.0.113.1 ("bob-side"), --no-huge, a control socket in a
// temporary directory, a unique EAL file prefix. start() returns "" or why the tests must skip
// (not root, binary missing, did not start); stop() ends it and removes what it created.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "rtpx/media/media.hpp"

extern char** environ;

namespace rtpx::ng::testing {

inline constexpr const char* kAliceSide = "198.51.100.1";  // relay address towards alice (RFC 5737)
inline constexpr const char* kBobSide = "203.0.113.1";     // relay address towards bob

// Spawns `args` with stdout and stderr to `log`; -1 on failure.
inline pid_t spawn_logged(std::vector<std::string> args, const std::string& log) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    if (::posix_spawn(&pid, args[0].c_str(), &fa, nullptr, argv.data(), environ) != 0) pid = -1;
    posix_spawn_file_actions_destroy(&fa);
    return pid;
}

// SIGTERM, a bounded wait, then SIGKILL.
inline void terminate(pid_t& pid) {
    if (pid <= 0) return;
    ::kill(pid, SIGTERM);
    int status = 0;
    for (int i = 0; i < 100 && ::waitpid(pid, &status, WNOHANG) == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (::waitpid(pid, &status, WNOHANG) == 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
    }
    pid = -1;
}

inline std::string read_text(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

class DataplaneProcess {
  public:
    DataplaneProcess() = default;
    DataplaneProcess(const DataplaneProcess&) = delete;
    DataplaneProcess& operator=(const DataplaneProcess&) = delete;
    ~DataplaneProcess() { stop(); }  // also on a failed ASSERT's early return
    std::string start(const std::string& bin, const std::string& tag) {
        if (::geteuid() != 0) return "needs root (DPDK vdevs)";
        struct stat st {};
        if (bin.empty() || ::stat(bin.c_str(), &st) != 0) return "rtpx-dataplane not built";
        std::string tmpl = "/tmp/rtpx-" + tag + ".XXXXXX";
        dir_ = ::mkdtemp(tmpl.data());
        socket_ = dir_ + "/dp.sock";
        prefix_ = "rtpx-" + tag + "-" + std::to_string(::getpid());
        std::ofstream(dir_ + "/dp.toml")
            << "[dataplane]\ncontrol_socket = \"" << socket_
            << "\"\nlcores = \"0-1\"\nmbufs = 2047\nmax_flows = 256\neal = [\"--no-huge\", \"-m\", "
               "\"256\", \"--no-shconf\", \"--file-prefix="
            << prefix_
            << "\", \"--log-level=error\"]\n\n[[port]]\nvdev = \"net_null0\"\naddresses = [\""
            << kAliceSide << "\"]\n\n[[port]]\nvdev = \"net_null1\"\naddresses = [\"" << kBobSide
            << "\"]\n";
        pid_ = spawn_logged({bin, "--config", dir_ + "/dp.toml"}, dir_ + "/dp.log");
        for (int i = 0; i < 200 && pid_ > 0; ++i) {  // bounded wait for the control socket
            if (::access(socket_.c_str(), F_OK) == 0) return "";
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) pid_ = -1;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return "rtpx-dataplane did not start: " + read_text(dir_ + "/dp.log");
    }
    void stop() {
        terminate(pid_);
        if (!dir_.empty()) std::filesystem::remove_all(dir_);
        if (!prefix_.empty()) std::filesystem::remove_all("/var/run/dpdk/" + prefix_);
        dir_.clear();
        prefix_.clear();
    }
    [[nodiscard]] const std::string& socket() const noexcept { return socket_; }
    [[nodiscard]] const std::string& dir() const noexcept { return dir_; }

    // The media engine's view of it: both interfaces, ports 31000-31999.
    [[nodiscard]] std::vector<media::DataplaneConfig> config() const {
        media::DataplaneConfig d;
        d.name = "dp0";
        d.socket = socket_;
        d.interfaces.push_back(
            {"alice-side", *flowapi::parse_ip_address(kAliceSide), 31000, 31999});
        d.interfaces.push_back({"bob-side", *flowapi::parse_ip_address(kBobSide), 31000, 31999});
        return {d};
    }

  private:
    std::string dir_, socket_, prefix_;
    pid_t pid_ = -1;
};

}  // namespace rtpx::ng::testing
