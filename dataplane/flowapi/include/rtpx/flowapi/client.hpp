// A flow API client over a Unix stream socket, for the control plane, the CLI and tests.
// Blocking calls send a frame and wait for the reply with the same request id; events that arrive
// in between are queued for next_events(). The control plane's event loop also pipelines:
// apply_detached() sends a batch without waiting (its reply is checked when it arrives, by the next
// blocking call or poll_detached()), and begin_stats()/finish_stats() let other requests go out
// between a query and its reply. The data plane answers one connection's requests in order. Not
// thread-safe (one per thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <utility>
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
    // Pipelining. A detached batch's reply is consumed later; a refused one (or an error reply)
    // is kept for take_detached_errors(). Errors here are transport failures (the link is gone).
    [[nodiscard]] tl::expected<void, std::string> apply_detached(const Batch& batch);
    // Reads the replies that have arrived (never blocks).
    [[nodiscard]] tl::expected<void, std::string> poll_detached();
    [[nodiscard]] std::size_t detached_pending() const noexcept { return detached_.size(); }
    [[nodiscard]] std::vector<std::string> take_detached_errors() {
        return std::exchange(detached_errors_, {});
    }
    // A stats query sent now, its reply read by finish_stats(id) (requests sent in between are
    // answered after it).
    [[nodiscard]] tl::expected<std::uint32_t, std::string> begin_stats(std::vector<FlowKey> keys);
    [[nodiscard]] tl::expected<StatsReply, std::string> finish_stats(std::uint32_t id);
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
    tl::expected<std::uint32_t, std::string> send_request(Message message);
    tl::expected<Envelope, std::string> await_reply(std::uint32_t id);
    // An envelope that is not the awaited reply: an event, or a detached batch's reply. False:
    // something else (a protocol error).
    bool absorb(Envelope& env);
    tl::expected<Envelope, std::string> read_envelope(std::chrono::milliseconds timeout);

    int fd_ = -1;
    std::chrono::milliseconds timeout_;
    std::uint32_t next_request_id_ = 1;
    HelloReply server_;
    std::deque<Events> events_;
    std::deque<std::uint32_t> detached_;  // ids of detached batches not answered yet, in order
    std::vector<std::string> detached_errors_;
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
