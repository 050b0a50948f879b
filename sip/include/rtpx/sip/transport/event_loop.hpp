// EventLoop: one thread, epoll, and a deadline heap for timers (the earliest deadline bounds the
// epoll_wait timeout). The SIP transports register their sockets here; the control plane either
// runs the loop (run()) or polls it from its own loop (poll(timeout)).
//
// The sans-IO SIP core (transactions, dialogs) stays outside: it gets events and `now` from the
// caller and returns actions; its timers can be armed here with add_timer.
//
// Not thread-safe: every call comes from the loop's thread (stop() and wake() excepted: they may
// be called from any thread).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <unordered_map>
#include <vector>

#include <tl/expected.hpp>

namespace rtpx::sip {

class EventLoop {
  public:
    using Clock = std::chrono::steady_clock;
    using FdCallback = std::function<void(std::uint32_t epoll_events)>;
    using TimerCallback = std::function<void()>;
    using TimerId = std::uint64_t;

    EventLoop();  // throws std::system_error when epoll/eventfd cannot be created (init path)
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // Registers `fd` for `events` (EPOLLIN, EPOLLOUT, ...); returns errno on failure.
    [[nodiscard]] tl::expected<void, int> add_fd(int fd, std::uint32_t events, FdCallback cb);
    [[nodiscard]] tl::expected<void, int> modify_fd(int fd, std::uint32_t events) noexcept;
    // Unregisters (does not close). Safe from inside the fd's own callback.
    void remove_fd(int fd) noexcept;

    // One-shot timer; cancel() of a fired or unknown id is a no-op.
    TimerId add_timer(Clock::duration delay, TimerCallback cb);
    void cancel_timer(TimerId id) noexcept;
    [[nodiscard]] std::size_t pending_timers() const noexcept { return timers_.size(); }

    // Waits at most `timeout` (bounded by the next timer) and dispatches ready fds and due timers.
    // Returns the number of callbacks run.
    std::size_t poll(Clock::duration timeout);
    // Runs until stop().
    void run();
    // Runs until `done()` returns true or `limit` has passed; returns done().
    bool run_until(const std::function<bool()>& done, Clock::duration limit);
    void stop() noexcept;

    [[nodiscard]] Clock::time_point now() const noexcept { return Clock::now(); }

  private:
    struct Due {
        Clock::time_point when;
        TimerId id;
        bool operator>(const Due& o) const noexcept {
            return when > o.when || (when == o.when && id > o.id);
        }
    };
    std::size_t run_due_timers();

    int epoll_fd_ = -1;
    int wake_fd_ = -1;
    std::atomic<bool> stopped_{false};
    TimerId next_timer_ = 1;
    std::unordered_map<int, std::shared_ptr<FdCallback>> fds_;
    std::unordered_map<TimerId, TimerCallback> timers_;
    std::priority_queue<Due, std::vector<Due>, std::greater<>> heap_;
};

}  // namespace rtpx::sip
