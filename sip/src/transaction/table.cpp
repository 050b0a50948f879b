#include "rtpx/sip/transaction/table.hpp"

#include <bit>
#include <cstring>

namespace rtpx::sip {

namespace {

constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ull;

constexpr std::uint64_t fmix64(std::uint64_t h) noexcept {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

}  // namespace

std::uint64_t txn_key_hash(std::string_view key) noexcept {
    std::uint64_t h = key.size() * kMul;
    const char* p = key.data();
    std::size_t n = key.size();
    while (n >= 8) {
        std::uint64_t w;
        std::memcpy(&w, p, 8);
        h = std::rotl((h ^ w) * kMul, 29);
        p += 8;
        n -= 8;
    }
    if (n > 0) {
        std::uint64_t w = 0;
        std::memcpy(&w, p, n);
        h = std::rotl((h ^ w) * kMul, 29);
    }
    return fmix64(h);
}

TransactionTable::TransactionTable(std::size_t capacity, std::size_t shards) : capacity_(capacity) {
    const std::size_t shard_count = std::bit_ceil(shards == 0 ? std::size_t{1} : shards);
    shard_shift_ =
        shard_count == 1 ? 64 : 64 - static_cast<unsigned>(std::countr_zero(shard_count));
    // Per shard: twice its share (load <= 1/2 when full), with slack for uneven spread.
    const std::size_t per_shard = capacity / shard_count + capacity / (shard_count * 8) + 16;
    const std::size_t buckets = std::bit_ceil(per_shard * 2);
    shards_.resize(shard_count);
    for (Shard& s : shards_) {
        s.entries.assign(buckets, Entry{});
        s.mask = buckets - 1;
        s.limit = buckets - buckets / 8;
    }
}

bool TransactionTable::insert(std::uint64_t hash, std::uint32_t value) noexcept {
    Shard& s = shards_[shard_of(hash)];
    if (s.size >= s.limit || value == kEmpty) return false;
    std::size_t i = hash & s.mask;
    while (s.entries[i].value != kEmpty) i = (i + 1) & s.mask;
    s.entries[i] = Entry{hash, value};
    ++s.size;
    ++size_;
    return true;
}

bool TransactionTable::erase(std::uint64_t hash, std::uint32_t value) noexcept {
    Shard& s = shards_[shard_of(hash)];
    std::size_t i = hash & s.mask;
    for (;; i = (i + 1) & s.mask) {
        const Entry& e = s.entries[i];
        if (e.value == kEmpty) return false;
        if (e.hash == hash && e.value == value) break;
    }
    // Backward-shift deletion: pull later entries of the probe run into the hole when their home
    // bucket does not lie cyclically in (hole, j].
    std::size_t hole = i;
    for (std::size_t j = (hole + 1) & s.mask;; j = (j + 1) & s.mask) {
        const Entry& e = s.entries[j];
        if (e.value == kEmpty) break;
        const std::size_t home = e.hash & s.mask;
        const bool home_in_range =
            hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (!home_in_range) {
            s.entries[hole] = e;
            hole = j;
        }
    }
    s.entries[hole] = Entry{};
    --s.size;
    --size_;
    return true;
}

}  // namespace rtpx::sip
