// A blocking flow API client over a Unix stream socket, for the control plane, the CLI and tests.
// One request at a time: each call sends a frame and waits for the reply with the same request id;
// events that arrive in between are queued for next_events(). Not thread-safe (one per thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "rtpx/flowapi/wire.hpp"

namespace rtpx::flowapi {

class Client {
  public:
    // Connects and exchanges hellos. Errors are human-readable ("connect /run/x.sock: No such
    // file or directory", "protocol: ...").
    [[nodiscard]] static tl::expected<Client, std::string> connect(
        const std::string& socket_path, std::string_view name = "rtpx",
        std::chrono::milliseconds timeout = std::chrono::seconds(5));

    Client(Client&& other) noexcept;
    Client& operator=(Client&& other) noexcept;
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;
    ~Client();

    [[nodiscard]] const HelloReply& server() const noexcept { return server_; }

    // Applies a batch (all or nothing). A rejected batch is a BatchReply with ok = false, not an
    // error; errors are transport or protocol failures.
    [[nodiscard]] tl::expected<BatchReply, std::string> apply(const Batch& batch);
    [[nodiscard]] tl::expected<StatsReply, std::string> stats(std::vector<FlowKey> keys = {});
    [[nodiscard]] tl::expected<DumpReply, std::string> dump();
    // Asks for events on this connection.
    [[nodiscard]] tl::expected<void, std::string> subscribe();
    // Events received so far, or waits up to `timeout` for the next batch of them (empty on
    // timeout).
    [[nodiscard]] tl::expected<Events, std::string> next_events(std::chrono::milliseconds timeout);

  private:
    explicit Client(int fd, std::chrono::milliseconds timeout) noexcept
        : fd_(fd), timeout_(timeout) {}
    tl::expected<Envelope, std::string> call(Message message);
    tl::expected<Envelope, std::string> read_envelope(std::chrono::milliseconds timeout);

    int fd_ = -1;
    std::chrono::milliseconds timeout_;
    std::uint32_t next_request_id_ = 1;
    HelloReply server_;
    std::deque<Events> events_;
};

// Frame I/O on a blocking or non-blocking stream socket, shared with the data plane's server.
// write_frame sends all bytes (retrying on EINTR/EAGAIN with poll, up to `timeout`).
[[nodiscard]] tl::expected<void, std::string> write_frame(int fd,
                                                          const std::vector<std::uint8_t>& frame,
                                                          std::chrono::milliseconds timeout);

// Accumulates stream bytes and cuts frames out of them.
class FrameAssembler {
  public:
    // Appends received bytes.
    void feed(const std::uint8_t* data, std::size_t size) {
        buffer_.insert(buffer_.end(), data, data + size);
    }
    // The next complete frame, an empty vector when more bytes are needed, or an error when the
    // length prefix is invalid (the stream cannot be resynchronised: close it).
    [[nodiscard]] tl::expected<std::vector<std::uint8_t>, DecodeError> next();

  private:
    std::vector<std::uint8_t> buffer_;
};

}  // namespace rtpx::flowapi
