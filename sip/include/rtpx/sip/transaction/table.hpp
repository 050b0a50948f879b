// TransactionTable: the sharded hash index of live transactions, sized once for its capacity
// (a million transactions and more), with O(1) insert/find/erase and no allocation after
// construction.
//
// Each shard is an open-addressing array with linear probing and backward-shift deletion (no
// tombstones, so probe lengths stay short under churn). An entry is the key's 64-bit hash and a
// 32-bit value (the transaction's pool index); the key itself lives with the transaction and is
// compared through the caller's predicate, so the table never copies keys. The shard is chosen by
// the hash's top bits and the bucket by its low bits; each shard holds at most 7/8 of its buckets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace rtpx::sip {

// A 64-bit hash of a byte string (word at a time, multiply-xorshift mixing); stable across runs.
[[nodiscard]] std::uint64_t txn_key_hash(std::string_view key) noexcept;

class TransactionTable {
  public:
    static constexpr std::uint32_t kEmpty = UINT32_MAX;

    // `capacity` entries in `shards` shards (rounded up to a power of two); buckets are sized to
    // keep the load at most 1/2 when the table is full.
    explicit TransactionTable(std::size_t capacity, std::size_t shards = 16);

    // First value whose hash equals `hash` and for which `equal(value)` holds; kEmpty when none.
    template <class Equal>
    [[nodiscard]] std::uint32_t find(std::uint64_t hash, Equal&& equal) const noexcept {
        const Shard& s = shards_[shard_of(hash)];
        for (std::size_t i = hash & s.mask;; i = (i + 1) & s.mask) {
            const Entry& e = s.entries[i];
            if (e.value == kEmpty) return kEmpty;
            if (e.hash == hash && equal(e.value)) return e.value;
        }
    }

    // Adds (hash, value); false when the shard is full. Duplicates are the caller's concern.
    [[nodiscard]] bool insert(std::uint64_t hash, std::uint32_t value) noexcept;
    // Removes the entry (hash, value); false when absent.
    bool erase(std::uint64_t hash, std::uint32_t value) noexcept;

    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
    [[nodiscard]] std::size_t shard_count() const noexcept { return shards_.size(); }
    [[nodiscard]] std::size_t buckets_per_shard() const noexcept {
        return shards_[0].entries.size();
    }

  private:
    struct Entry {
        std::uint64_t hash = 0;
        std::uint32_t value = kEmpty;
    };
    struct Shard {
        std::vector<Entry> entries;
        std::size_t mask = 0;
        std::size_t size = 0;
        std::size_t limit = 0;
    };
    [[nodiscard]] std::size_t shard_of(std::uint64_t hash) const noexcept {
        return shard_shift_ == 64 ? 0 : static_cast<std::size_t>(hash >> shard_shift_);
    }

    std::vector<Shard> shards_;
    unsigned shard_shift_ = 64;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
};

}  // namespace rtpx::sip
