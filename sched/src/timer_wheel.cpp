#include "rtpx/sched/timer_wheel.hpp"

#include <algorithm>

namespace rtpx::sched {
namespace {

constexpr std::uint64_t kTopBlock = std::uint64_t{1}
                                    << (TimerWheel::kLevels * TimerWheel::kSlotBits);

// First set bit at or after `from` in a 256-bit map, or -1.
int next_set(const std::array<std::uint64_t, 4>& bits, unsigned from) noexcept {
    unsigned word = from / 64;
    std::uint64_t w = bits[word] & (~std::uint64_t{0} << (from % 64));
    while (true) {
        if (w != 0) return static_cast<int>(word * 64 + static_cast<unsigned>(__builtin_ctzll(w)));
        if (++word == 4) return -1;
        w = bits[word];
    }
}

}  // namespace

TimerWheel::TimerWheel(const TimerWheelConfig& config)
    : nodes_(config.capacity), shift_(std::min(config.slot_shift, 63u)) {
    heads_.fill(kNil);
    now_slot_ = config.start_ticks >> shift_;
    for (std::uint32_t i = 0; i < config.capacity; ++i) {
        nodes_[i].next = i + 1 < config.capacity ? i + 1 : kNil;
    }
    free_head_ = config.capacity > 0 ? 0 : kNil;
}

unsigned TimerWheel::slot_shift_for(std::uint64_t ticks_per_second,
                                    std::uint64_t slot_ns) noexcept {
    const long double ticks = static_cast<long double>(ticks_per_second) * slot_ns / 1e9L;
    unsigned shift = 0;
    while (shift < 62 && static_cast<long double>(std::uint64_t{1} << (shift + 1)) <= ticks)
        ++shift;
    return shift;
}

void TimerWheel::link(std::uint32_t index, std::uint16_t list) noexcept {
    Node& n = nodes_[index];
    n.list = list;
    n.prev = kNil;
    n.next = heads_[list];
    if (n.next != kNil) nodes_[n.next].prev = index;
    heads_[list] = index;
    if (list < kOverflowList)
        occupied_[list / kSlots][(list % kSlots) / 64] |= std::uint64_t{1} << (list % 64);
}

void TimerWheel::unlink(std::uint32_t index) noexcept {
    Node& n = nodes_[index];
    if (n.prev != kNil)
        nodes_[n.prev].next = n.next;
    else
        heads_[n.list] = n.next;
    if (n.next != kNil) nodes_[n.next].prev = n.prev;
    if (n.list < kOverflowList && heads_[n.list] == kNil) {
        occupied_[n.list / kSlots][(n.list % kSlots) / 64] &= ~(std::uint64_t{1} << (n.list % 64));
    }
    n.next = n.prev = kNil;
    n.list = kNotLinked;
}

void TimerWheel::place(std::uint32_t index) noexcept {
    const std::uint64_t slot = std::max(nodes_[index].expires >> shift_, now_slot_);
    const std::uint64_t diff = slot ^ now_slot_;
    const unsigned level =
        diff == 0 ? 0u : static_cast<unsigned>(63 - __builtin_clzll(diff)) / kSlotBits;
    if (level >= kLevels) {
        link(index, kOverflowList);
        return;
    }
    link(index, static_cast<std::uint16_t>(level * kSlots +
                                           ((slot >> (level * kSlotBits)) & (kSlots - 1))));
}

void TimerWheel::release(std::uint32_t index) noexcept {
    Node& n = nodes_[index];
    if (++n.generation == 0) n.generation = 1;
    n.next = free_head_;
    free_head_ = index;
    --armed_;
}

bool TimerWheel::live(TimerHandle handle) const noexcept {
    return handle.index < nodes_.size() && nodes_[handle.index].generation == handle.generation &&
           nodes_[handle.index].list != kNotLinked;
}

tl::expected<TimerHandle, TimerErrc> TimerWheel::arm(std::uint64_t expires,
                                                     std::uint64_t cookie) noexcept {
    if (free_head_ == kNil) return tl::unexpected(TimerErrc::kPoolExhausted);
    const std::uint32_t index = free_head_;
    Node& n = nodes_[index];
    free_head_ = n.next;
    n.expires = expires;
    n.cookie = cookie;
    ++armed_;
    place(index);
    return TimerHandle{index, n.generation};
}

bool TimerWheel::cancel(TimerHandle handle) noexcept {
    if (!live(handle)) return false;
    unlink(handle.index);
    release(handle.index);
    return true;
}

bool TimerWheel::reschedule(TimerHandle handle, std::uint64_t expires) noexcept {
    if (!live(handle)) return false;
    unlink(handle.index);
    nodes_[handle.index].expires = expires;
    place(handle.index);
    return true;
}

bool TimerWheel::pending(TimerHandle handle) const noexcept {
    return live(handle);
}

std::uint64_t TimerWheel::next_event(std::uint64_t from, std::uint64_t limit) const noexcept {
    std::uint64_t best = limit;
    if (heads_[kOverflowList] != kNil) {
        const std::uint64_t low = from & (kTopBlock - 1);
        best = std::min(best, low == 0 ? from : (from - low) + kTopBlock);
    }
    for (unsigned level = 0; level < kLevels; ++level) {
        const unsigned shift = level * kSlotBits;
        const unsigned current = static_cast<unsigned>((from >> shift) & (kSlots - 1));
        const int i = next_set(occupied_[level], current);
        if (i < 0) continue;
        const unsigned block_shift = shift + kSlotBits;
        const std::uint64_t block = block_shift >= 64 ? 0 : (from >> block_shift) << block_shift;
        const std::uint64_t at = block | (static_cast<std::uint64_t>(i) << shift);
        best = std::min(best, std::max(at, from));
    }
    return best;
}

void TimerWheel::move_list(std::uint16_t from, std::uint16_t to) noexcept {
    // Detach the whole list first: re-placing can put a timer back on `from` (the overflow list).
    std::uint32_t index = heads_[from];
    heads_[from] = kNil;
    if (from < kOverflowList) {
        occupied_[from / kSlots][(from % kSlots) / 64] &= ~(std::uint64_t{1} << (from % 64));
    }
    while (index != kNil) {
        const std::uint32_t next = nodes_[index].next;
        if (to == kNotLinked)
            place(index);
        else
            link(index, to);
        index = next;
    }
}

void TimerWheel::begin_slot(std::uint64_t k) noexcept {
    now_slot_ = k;
    // Cascade from the top: a level-l slot whose block starts at k moves down (or into level 0).
    if ((k & (kTopBlock - 1)) == 0) move_list(kOverflowList, kNotLinked);
    for (unsigned level = kLevels - 1; level >= 1; --level) {
        const unsigned shift = level * kSlotBits;
        if ((k & ((std::uint64_t{1} << shift) - 1)) != 0) continue;
        const auto slot =
            static_cast<std::uint16_t>(level * kSlots + ((k >> shift) & (kSlots - 1)));
        move_list(slot, kNotLinked);
    }
    move_list(static_cast<std::uint16_t>(k & (kSlots - 1)), kExpiringList);
    now_slot_ = k + 1;
}

}  // namespace rtpx::sched
