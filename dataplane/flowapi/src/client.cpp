#include "rtpx/flowapi/client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace rtpx::flowapi {

namespace {

std::string errno_text(const std::string& what) {
    return what + ": " + std::strerror(errno);
}

// Waits for `events` on fd; false on timeout.
tl::expected<bool, std::string> wait_fd(int fd, short events, std::chrono::milliseconds timeout) {
    pollfd p{fd, events, 0};
    for (;;) {
        const int n = ::poll(&p, 1, static_cast<int>(timeout.count()));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return tl::unexpected(errno_text("poll"));
        return n > 0;
    }
}

}  // namespace

tl::expected<void, std::string> write_frame(int fd, const std::vector<std::uint8_t>& frame,
                                            std::chrono::milliseconds timeout) {
    std::size_t sent = 0;
    while (sent < frame.size()) {
        const ssize_t n = ::send(fd, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            auto ready = wait_fd(fd, POLLOUT, timeout);
            if (!ready) return tl::unexpected(ready.error());
            if (!*ready) return tl::unexpected(std::string("send: timed out"));
            continue;
        }
        return tl::unexpected(errno_text("send"));
    }
    return {};
}

tl::expected<std::vector<std::uint8_t>, DecodeError> FrameAssembler::next() {
    if (buffer_.size() < 4) return std::vector<std::uint8_t>{};
    auto size = frame_size(buffer_);
    if (!size) return tl::unexpected(size.error());
    if (buffer_.size() < *size) return std::vector<std::uint8_t>{};
    std::vector<std::uint8_t> frame(buffer_.begin(),
                                    buffer_.begin() + static_cast<std::ptrdiff_t>(*size));
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(*size));
    return frame;
}

tl::expected<Client, std::string> Client::connect(const std::string& socket_path,
                                                  std::string_view name,
                                                  std::chrono::milliseconds timeout) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (socket_path.size() >= sizeof(addr.sun_path)) {
        return tl::unexpected("socket path too long: " + socket_path);
    }
    std::memcpy(addr.sun_path, socket_path.data(), socket_path.size());
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return tl::unexpected(errno_text("socket"));
    Client client(fd, timeout);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
        return tl::unexpected(errno_text("connect " + socket_path));
    }
    auto reply = client.call(Hello{kProtocolVersion, kProtocolVersion, std::string(name)});
    if (!reply) return tl::unexpected(reply.error());
    if (auto* hello = std::get_if<HelloReply>(&reply->message)) {
        client.server_ = *hello;
        return client;
    }
    if (auto* error = std::get_if<ErrorReply>(&reply->message)) {
        return tl::unexpected("data plane refused hello: " + error->what);
    }
    return tl::unexpected(std::string("protocol: unexpected reply to hello"));
}

Client::Client(Client&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      timeout_(other.timeout_),
      next_request_id_(other.next_request_id_),
      server_(std::move(other.server_)),
      events_(std::move(other.events_)),
      detached_(std::move(other.detached_)),
      detached_errors_(std::move(other.detached_errors_)) {}

Client& Client::operator=(Client&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
        timeout_ = other.timeout_;
        next_request_id_ = other.next_request_id_;
        server_ = std::move(other.server_);
        events_ = std::move(other.events_);
        detached_ = std::move(other.detached_);
        detached_errors_ = std::move(other.detached_errors_);
    }
    return *this;
}

Client::~Client() {
    if (fd_ >= 0) ::close(fd_);
}

tl::expected<Envelope, std::string> Client::read_envelope(std::chrono::milliseconds timeout) {
    std::uint8_t prefix[4];
    std::vector<std::uint8_t> frame;
    std::size_t want = sizeof(prefix);
    std::size_t got = 0;
    bool have_prefix = false;
    for (;;) {
        auto ready = wait_fd(fd_, POLLIN, timeout);
        if (!ready) return tl::unexpected(ready.error());
        if (!*ready) return tl::unexpected(std::string("timed out waiting for the data plane"));
        std::uint8_t* dst = have_prefix ? frame.data() + got : prefix + got;
        const ssize_t n = ::recv(fd_, dst, want - got, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return tl::unexpected(errno_text("recv"));
        if (n == 0) return tl::unexpected(std::string("the data plane closed the connection"));
        got += static_cast<std::size_t>(n);
        if (got < want) continue;
        if (!have_prefix) {
            auto size = frame_size(std::span<const std::uint8_t>(prefix, 4));
            if (!size) return tl::unexpected("protocol: " + describe(size.error()));
            frame.resize(*size);
            std::memcpy(frame.data(), prefix, 4);
            have_prefix = true;
            want = *size;
            continue;
        }
        auto env = decode(frame);
        if (!env) return tl::unexpected("protocol: " + describe(env.error()));
        return std::move(*env);
    }
}

tl::expected<std::uint32_t, std::string> Client::send_request(Message message) {
    const std::uint32_t id = next_request_id_++;
    if (next_request_id_ == 0) next_request_id_ = 1;  // 0 is for events
    auto sent = write_frame(fd_, encode(Envelope{id, std::move(message)}), timeout_);
    if (!sent) return tl::unexpected(sent.error());
    return id;
}

bool Client::absorb(Envelope& env) {
    if (auto* events = std::get_if<Events>(&env.message); events && env.request_id == 0) {
        events_.push_back(std::move(*events));
        return true;
    }
    if (detached_.empty() || env.request_id != detached_.front()) return false;
    detached_.pop_front();
    if (auto* r = std::get_if<BatchReply>(&env.message)) {
        if (!r->ok)
            detached_errors_.push_back("refused op " + std::to_string(r->failed_index) +
                                       " of the batch: " + r->error);
    } else if (auto* e = std::get_if<ErrorReply>(&env.message)) {
        detached_errors_.push_back("data plane: " + e->what);
    } else {
        detached_errors_.push_back("protocol: unexpected reply type to a batch");
    }
    return true;
}

tl::expected<Envelope, std::string> Client::await_reply(std::uint32_t id) {
    for (;;) {
        auto env = read_envelope(timeout_);
        if (!env) return env;
        if (env->request_id == id) return env;
        if (!absorb(*env)) return tl::unexpected(std::string("protocol: reply to another request"));
    }
}

tl::expected<Envelope, std::string> Client::call(Message message) {
    auto id = send_request(std::move(message));
    if (!id) return tl::unexpected(id.error());
    return await_reply(*id);
}

tl::expected<void, std::string> Client::apply_detached(const Batch& batch) {
    auto id = send_request(batch);
    if (!id) return tl::unexpected(id.error());
    detached_.push_back(*id);
    return {};
}

tl::expected<void, std::string> Client::poll_detached() {
    while (!detached_.empty()) {
        auto ready = wait_fd(fd_, POLLIN, std::chrono::milliseconds(0));
        if (!ready) return tl::unexpected(ready.error());
        if (!*ready) return {};
        // A frame has started to arrive: the rest follows at once (one write on the other side).
        auto env = read_envelope(timeout_);
        if (!env) return tl::unexpected(env.error());
        if (!absorb(*env)) return tl::unexpected(std::string("protocol: unsolicited reply"));
    }
    return {};
}

namespace {
template <class T>
tl::expected<T, std::string> expect_reply(tl::expected<Envelope, std::string> env) {
    if (!env) return tl::unexpected(env.error());
    if (auto* m = std::get_if<T>(&env->message)) return std::move(*m);
    if (auto* e = std::get_if<ErrorReply>(&env->message))
        return tl::unexpected("data plane: " + e->what);
    return tl::unexpected(std::string("protocol: unexpected reply type"));
}
}  // namespace

tl::expected<BatchReply, std::string> Client::apply(const Batch& batch) {
    return expect_reply<BatchReply>(call(batch));
}

tl::expected<StatsReply, std::string> Client::stats(std::vector<FlowKey> keys) {
    return expect_reply<StatsReply>(call(StatsQuery{std::move(keys)}));
}

tl::expected<std::uint32_t, std::string> Client::begin_stats(std::vector<FlowKey> keys) {
    return send_request(StatsQuery{std::move(keys)});
}

tl::expected<StatsReply, std::string> Client::finish_stats(std::uint32_t id) {
    return expect_reply<StatsReply>(await_reply(id));
}

tl::expected<DumpReply, std::string> Client::dump() {
    return expect_reply<DumpReply>(call(DumpQuery{}));
}

tl::expected<void, std::string> Client::subscribe() {
    auto reply = expect_reply<BatchReply>(call(Subscribe{true}));
    if (!reply) return tl::unexpected(reply.error());
    return {};
}

tl::expected<Events, std::string> Client::next_events(std::chrono::milliseconds timeout) {
    if (!events_.empty()) {
        Events e = std::move(events_.front());
        events_.pop_front();
        return e;
    }
    auto ready = wait_fd(fd_, POLLIN, timeout);
    if (!ready) return tl::unexpected(ready.error());
    if (!*ready) return Events{};
    auto env = read_envelope(timeout_);
    if (!env) return tl::unexpected(env.error());
    if (auto* events = std::get_if<Events>(&env->message)) return std::move(*events);
    return tl::unexpected(std::string("protocol: unsolicited reply"));
}

}  // namespace rtpx::flowapi
