// The transaction table (sharded open addressing, backward-shift deletion) and the layer's pool at
// scale: many live transactions, slot reuse, and generation-checked handles.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "rtpx/sip/builder.hpp"
#include "rtpx/sip/transaction/table.hpp"
#include "transaction_support.hpp"

namespace rtpx::sip::test {
namespace {

TEST(TransactionTable, InsertsFindsAndErasesManyKeys) {
    constexpr std::uint32_t kCount = 100000;
    TransactionTable table(kCount, 16);
    std::vector<std::string> keys;
    std::vector<std::uint64_t> hashes;
    for (std::uint32_t i = 0; i < kCount; ++i) {
        keys.push_back("z9hG4bK" + std::to_string(i * 7919u) +
                       "\x1f"
                       "INVITE");
        hashes.push_back(txn_key_hash(keys.back()));
        ASSERT_TRUE(table.insert(hashes.back(), i));
    }
    EXPECT_EQ(table.size(), kCount);
    const auto find = [&](std::uint32_t i) {
        return table.find(hashes[i], [&](std::uint32_t v) { return keys[v] == keys[i]; });
    };
    for (std::uint32_t i = 0; i < kCount; ++i) ASSERT_EQ(find(i), i);
    for (std::uint32_t i = 0; i < kCount; i += 2) ASSERT_TRUE(table.erase(hashes[i], i));
    EXPECT_FALSE(table.erase(hashes[0], 0));
    for (std::uint32_t i = 0; i < kCount; ++i) {
        ASSERT_EQ(find(i), i % 2 == 0 ? TransactionTable::kEmpty : i) << i;
    }
    EXPECT_EQ(table.size(), kCount / 2);
}

// Keys that collide on their bucket: erasing from the middle of a probe run keeps the rest of the
// run reachable (backward-shift deletion), including runs that wrap around the end of the array.
TEST(TransactionTable, EraseInsideCollidingRunsKeepsTheRestReachable) {
    TransactionTable table(8, 1);  // one shard
    const std::uint64_t last = table.buckets_per_shard() - 1;
    // Three keys whose home is bucket 0 and three whose home is the last bucket (they wrap to the
    // start of the array and interleave with the first run).
    const std::vector<std::uint64_t> hashes = {last, 0, last, 0, last, 0};
    for (std::uint32_t i = 0; i < hashes.size(); ++i) ASSERT_TRUE(table.insert(hashes[i], i));
    const auto find = [&](std::uint32_t i) {
        return table.find(hashes[i], [&](std::uint32_t v) { return v == i; });
    };
    for (std::uint32_t victim = 0; victim < hashes.size(); ++victim) {
        ASSERT_TRUE(table.erase(hashes[victim], victim));
        for (std::uint32_t i = 0; i < hashes.size(); ++i) {
            if (i != victim) {
                EXPECT_EQ(find(i), i) << "victim " << victim;
            }
        }
        ASSERT_TRUE(table.insert(hashes[victim], victim));
    }
}

TEST(TransactionTable, RefusesInsertWhenTheShardIsFull) {
    TransactionTable table(4, 1);
    std::uint32_t inserted = 0;
    while (table.insert(txn_key_hash(std::to_string(inserted)), inserted)) ++inserted;
    EXPECT_GE(inserted, 4u);
    EXPECT_LT(inserted, 64u);
}

// Many transactions alive at once through the layer: every request its own server transaction,
// every retransmission absorbed, all answered, all gone after timer J; handles then invalid.
TEST(TransactionLayerScale, TenThousandLiveNonInviteServerTransactions) {
    constexpr int kCount = 10000;
    TransactionConfig c;
    c.capacity = kCount;
    Harness h(c);
    const std::string bye = rfc3665("f5_bye");
    std::vector<std::string> requests;
    std::vector<TxnHandle> handles;
    for (int i = 0; i < kCount; ++i) {
        std::string r = bye;
        r.replace(r.find("z9hG4bKnashds7"), 14, "z9hG4bK" + std::to_string(1000000 + i));
        requests.push_back(std::move(r));
        ASSERT_EQ(h.receive(requests.back(), 0), TxnDisposition::kNewTransaction);
        handles.push_back(h.recorder.last_request);
    }
    EXPECT_EQ(h.layer.size(), static_cast<std::size_t>(kCount));
    // The table is full: one more is dropped and counted.
    std::string extra = bye;
    extra.replace(extra.find("z9hG4bKnashds7"), 14, "z9hG4bKextra00");
    EXPECT_EQ(h.receive(extra, 0), TxnDisposition::kDropped);
    EXPECT_EQ(h.layer.counters().dropped_table_full, 1u);
    for (int i = 0; i < kCount; ++i) {
        ASSERT_EQ(h.receive(requests[i], 100), TxnDisposition::kAbsorbed);
        auto response = make_response(*SipMessageView::parse(requests[i]), 200, {}, "t");
        ASSERT_TRUE(h.layer.respond(handles[i], response, at_ms(200), h.timers).has_value());
    }
    h.recorder.take();
    h.run_until(200 + 64 * 500);
    EXPECT_EQ(h.layer.size(), 0u);
    EXPECT_EQ(h.layer.counters().terminated, static_cast<std::uint64_t>(kCount));
    for (const TxnHandle& t : handles) ASSERT_FALSE(h.layer.alive(t));
    // Slots are reused with a new generation: an old handle never reaches the new transaction.
    ASSERT_EQ(h.receive(requests[0], 40000), TxnDisposition::kNewTransaction);
    const TxnHandle fresh = h.recorder.last_request;
    bool reused = false;
    for (const TxnHandle& t : handles) {
        if (t.index == fresh.index) {
            reused = true;
            EXPECT_NE(t.generation, fresh.generation);
            EXPECT_EQ(h.layer.respond(t, std::string_view(bye), at_ms(40000), h.timers).error(),
                      TxnError::kNoTransaction);
        }
    }
    EXPECT_TRUE(reused);
    EXPECT_TRUE(h.layer.alive(fresh));
}

// A timer armed for a transaction that has since terminated, delivered after its slot was reused,
// does nothing to the new transaction.
TEST(TransactionLayerScale, LateTimerOfAReusedSlotIsIgnored) {
    TransactionConfig c = small_config();
    c.capacity = 1;
    Harness h(c);
    const std::string bye = rfc3665("f5_bye");
    h.receive(bye, 0);
    const TxnHandle old = h.recorder.last_request;
    ASSERT_TRUE(h.layer.respond(
        old, std::string_view(make_response(*SipMessageView::parse(bye), 200, {}, "t").serialize()),
        at_ms(0), h.timers));
    h.layer.on_transport_error(old, at_ms(1), h.timers);
    std::string next = bye;
    next.replace(next.find("z9hG4bKnashds7"), 14, "z9hG4bKnashds8");
    h.receive(next, 2);
    const TxnHandle fresh = h.recorder.last_request;
    ASSERT_EQ(fresh.index, old.index);
    h.recorder.take();
    h.layer.on_timer(old, TimerName::kJ, at_ms(40000), h.timers);
    EXPECT_TRUE(h.recorder.lines.empty());
    EXPECT_EQ(h.layer.state(fresh).value(), TxnState::kTrying);
    EXPECT_EQ(h.layer.counters().late_timers, 1u);
}

TEST(TransactionLayerScale, UserDataFollowsTheHandle) {
    Harness h;
    h.receive(rfc3665("f5_bye"), 0);
    const TxnHandle t = h.recorder.last_request;
    ASSERT_TRUE(h.layer.set_user_data(t, 42));
    EXPECT_EQ(h.layer.user_data(t).value(), 42u);
    EXPECT_EQ(h.layer.user_data(TxnHandle{}).error(), TxnError::kNoTransaction);
}

}  // namespace
}  // namespace rtpx::sip::test
