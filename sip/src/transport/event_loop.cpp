#include "rtpx/sip/transport/event_loop.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <memory>
#include <system_error>

namespace rtpx::sip {

EventLoop::EventLoop() {
    epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
    wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd_ < 0) {
        int e = errno;
        ::close(epoll_fd_);
        throw std::system_error(e, std::generic_category(), "eventfd");
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = wake_fd_;
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
}

EventLoop::~EventLoop() {
    ::close(wake_fd_);
    ::close(epoll_fd_);
}

tl::expected<void, int> EventLoop::add_fd(int fd, std::uint32_t events, FdCallback cb) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) return tl::unexpected(errno);
    fds_[fd] = std::make_shared<FdCallback>(std::move(cb));
    return {};
}

tl::expected<void, int> EventLoop::modify_fd(int fd, std::uint32_t events) noexcept {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) != 0) return tl::unexpected(errno);
    return {};
}

void EventLoop::remove_fd(int fd) noexcept {
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
    fds_.erase(fd);
}

EventLoop::TimerId EventLoop::add_timer(Clock::duration delay, TimerCallback cb) {
    TimerId id = next_timer_++;
    timers_.emplace(id, std::move(cb));
    heap_.push(Due{Clock::now() + delay, id});
    return id;
}

void EventLoop::cancel_timer(TimerId id) noexcept {
    timers_.erase(id);
}

std::size_t EventLoop::run_due_timers() {
    std::size_t ran = 0;
    auto now = Clock::now();
    while (!heap_.empty() && heap_.top().when <= now) {
        TimerId id = heap_.top().id;
        heap_.pop();
        auto it = timers_.find(id);
        if (it == timers_.end()) continue;  // cancelled
        TimerCallback cb = std::move(it->second);
        timers_.erase(it);
        cb();
        ++ran;
    }
    // Drop cancelled entries at the top so they do not shorten the next wait.
    while (!heap_.empty() && !timers_.contains(heap_.top().id)) heap_.pop();
    return ran;
}

std::size_t EventLoop::poll(Clock::duration timeout) {
    if (timeout < Clock::duration::zero()) timeout = Clock::duration::zero();
    while (!heap_.empty() && !timers_.contains(heap_.top().id)) heap_.pop();
    if (!heap_.empty()) {
        auto until_timer = heap_.top().when - Clock::now();
        if (until_timer < timeout) timeout = std::max(until_timer, Clock::duration::zero());
    }
    // Round up so a timer is never polled for before it is due.
    auto ms = std::chrono::ceil<std::chrono::milliseconds>(timeout).count();
    std::array<epoll_event, 64> events{};
    int n = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()),
                       static_cast<int>(std::min<long long>(ms, 1 << 30)));
    std::size_t ran = 0;
    for (int i = 0; i < n; ++i) {
        int fd = events[static_cast<std::size_t>(i)].data.fd;
        if (fd == wake_fd_) {
            std::uint64_t v = 0;
            [[maybe_unused]] auto r = ::read(wake_fd_, &v, sizeof v);
            continue;
        }
        auto it = fds_.find(fd);
        if (it == fds_.end()) continue;  // removed by an earlier callback of this batch
        auto cb = it->second;            // keeps the callable alive if it removes itself
        (*cb)(events[static_cast<std::size_t>(i)].events);
        ++ran;
    }
    return ran + run_due_timers();
}

void EventLoop::run() {
    stopped_ = false;
    while (!stopped_) poll(std::chrono::seconds(1));
}

bool EventLoop::run_until(const std::function<bool()>& done, Clock::duration limit) {
    auto deadline = Clock::now() + limit;
    while (!done()) {
        auto left = deadline - Clock::now();
        if (left <= Clock::duration::zero()) return done();
        poll(std::min<Clock::duration>(left, std::chrono::milliseconds(50)));
    }
    return true;
}

void EventLoop::stop() noexcept {
    stopped_ = true;
    std::uint64_t one = 1;
    [[maybe_unused]] auto r = ::write(wake_fd_, &one, sizeof one);
}

}  // namespace rtpx::sip
