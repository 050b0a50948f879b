// The sans-IO transaction layer in memory, and its table at a million entries.
//
// BM_Transaction_NonInviteRoundTrip*: one complete non-INVITE exchange per iteration between two
// layers (UAC and UAS) joined by memory: the client transaction sends the request (RFC 3665 3.1
// F5 BYE with a fresh branch) -> the bytes are parsed -> the server transaction delivers it -> the
// TU answers 200 (make_response, or a prepared response with the branch patched in) -> the bytes
// are parsed -> the client transaction delivers it. Over UDP, timers E/F/K/J are armed and driven
// in virtual time (1 ms per exchange, so ~32,000 server transactions sit in Completed waiting for
// timer J, as on a server at 1,000 exchanges/s); over TCP both transactions end at once. One item
// is one exchange (two transactions).
//
// BM_TransactionTable_*: find / insert+erase of RFC 3261 keys in a table holding 1,000,000 entries
// (hash included).
//
//   build/ci/perf/sip_transaction_bench --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true   (one command line)
#include <array>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "rtpx/sip/builder.hpp"
#include "rtpx/sip/message.hpp"
#include "rtpx/sip/transaction/layer.hpp"
#include "rtpx/sip/transaction/table.hpp"

namespace {

using namespace rtpx::sip;

// RFC 3665 3.1 F5 BYE over UDP; the branch is overwritten per exchange (16 hex digits).
constexpr std::string_view kBye =
    "BYE sip:alice@client.atlanta.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP client.biloxi.example.com:5060;branch=z9hG4bK0000000000000000\r\n"
    "Max-Forwards: 70\r\n"
    "From: Bob <sip:bob@biloxi.example.com>;tag=8321234356\r\n"
    "To: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
    "Call-ID: 3848276298220188511@atlanta.example.com\r\n"
    "CSeq: 1 BYE\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

void write_hex(std::string& s, std::size_t at, std::uint64_t v) {
    static constexpr char kDigits[] = "0123456789abcdef";
    for (int i = 15; i >= 0; --i, v >>= 4) s[at + static_cast<std::size_t>(i)] = kDigits[v & 15];
}

// Timers in virtual time: one FIFO per timer name. Each name has one duration in this exchange, so
// each FIFO is ordered by due time; cancellations are left to the layer (it ignores timers that
// are no longer armed), as a timer wheel adapter would.
class FifoTimers {
  public:
    struct Due {
        TxnTime due;
        TxnHandle txn;
        TimerName timer;
    };
    void arm(const TxnAction& a) {
        fifo_[static_cast<std::size_t>(a.timer)].push_back({a.due, a.txn, a.timer});
    }
    template <class Fire>
    void run_until(TxnTime now, Fire&& fire) {
        for (auto& q : fifo_) {
            while (!q.empty() && q.front().due <= now) {
                const Due d = q.front();
                q.pop_front();
                fire(d);
            }
        }
    }

  private:
    std::array<std::deque<Due>, kTimerNameCount> fifo_;
};

// One side: records what its layer asks for.
class Side final : public TxnActionSink {
  public:
    void emit(const TxnAction& a) noexcept override {
        switch (a.kind) {
            case TxnActionKind::kSend:
                wire.assign(a.bytes);
                ++sends;
                break;
            case TxnActionKind::kArmTimer: timers.arm(a); break;
            case TxnActionKind::kRequest: request = a.txn; break;
            case TxnActionKind::kResponse: ++responses; break;
            default: break;
        }
    }
    std::string wire;
    FifoTimers timers;
    TxnHandle request;
    std::uint64_t sends = 0;
    std::uint64_t responses = 0;
};

enum class Tu { kBuilt, kPrepared };

void run_exchanges(benchmark::State& state, TxnTransport transport, Tu tu) {
    TransactionConfig config;
    config.capacity = 1 << 17;
    TransactionLayer uac(config);
    TransactionLayer uas(config);
    Side client;
    Side server;
    TxnPeer to_uas;
    to_uas.transport = transport;
    to_uas.address = {192, 0, 2, 2};
    to_uas.port = 5060;
    TxnPeer to_uac = to_uas;
    to_uac.address = {192, 0, 2, 1};
    std::string request(kBye);
    if (transport != TxnTransport::kUdp) request.replace(request.find("/UDP"), 4, "/TCP");
    const std::size_t branch_at = request.find("z9hG4bK") + 7;
    std::string prepared =
        make_response(*SipMessageView::parse(request), 200, {}, "a6c85cf").serialize();
    const std::size_t prepared_branch_at = prepared.find("z9hG4bK") + 7;
    RequestSpec spec;
    spec.method = "BYE";
    spec.request_uri = "sip:alice@client.atlanta.example.com";
    spec.from = "Bob <sip:bob@biloxi.example.com>";
    spec.from_tag = "8321234356";
    spec.to = "Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl";
    spec.call_id = "3848276298220188511@atlanta.example.com";
    spec.via_transport = transport == TxnTransport::kUdp ? "UDP" : "TCP";
    spec.via_sent_by = "client.biloxi.example.com:5060";
    std::string branch = "z9hG4bK0000000000000000";
    std::uint64_t n = 0;
    TxnTime now{};
    for (auto _ : state) {
        ++n;
        now += std::chrono::milliseconds(1);
        client.timers.run_until(
            now, [&](const FifoTimers::Due& d) { uac.on_timer(d.txn, d.timer, d.due, client); });
        server.timers.run_until(
            now, [&](const FifoTimers::Due& d) { uas.on_timer(d.txn, d.timer, d.due, server); });
        tl::expected<TxnHandle, TxnError> started;
        if (tu == Tu::kBuilt) {
            write_hex(branch, 7, n);
            spec.branch = branch;
            started = uac.start_client(make_request(spec), to_uas, now, client);
        } else {
            write_hex(request, branch_at, n);
            started = uac.start_client(std::string_view(request), to_uas, now, client);
        }
        if (!started) {
            state.SkipWithError("start_client failed");
            break;
        }
        auto req = SipMessageView::parse(client.wire);
        (void)uas.on_message(*req, to_uac, now, server);
        if (tu == Tu::kBuilt) {
            auto ok =
                uas.respond(server.request, make_response(*req, 200, {}, "a6c85cf"), now, server);
            benchmark::DoNotOptimize(ok);
        } else {
            write_hex(prepared, prepared_branch_at, n);
            auto ok = uas.respond(server.request, std::string_view(prepared), now, server);
            benchmark::DoNotOptimize(ok);
        }
        auto resp = SipMessageView::parse(server.wire);
        (void)uac.on_message(*resp, to_uas, now, client);
    }
    if (client.responses != n) state.SkipWithError("a response did not reach the client TU");
    state.SetItemsProcessed(static_cast<std::int64_t>(n));
    state.counters["transactions_per_second"] =
        benchmark::Counter(2.0 * static_cast<double>(n), benchmark::Counter::kIsRate);
    state.counters["live_uas"] = static_cast<double>(uas.size());
    state.counters["live_uac"] = static_cast<double>(uac.size());
}

void BM_Transaction_NonInviteExchangeUdpBuilt(benchmark::State& state) {
    run_exchanges(state, TxnTransport::kUdp, Tu::kBuilt);
}
void BM_Transaction_NonInviteExchangeUdpPrepared(benchmark::State& state) {
    run_exchanges(state, TxnTransport::kUdp, Tu::kPrepared);
}
void BM_Transaction_NonInviteExchangeTcpPrepared(benchmark::State& state) {
    run_exchanges(state, TxnTransport::kTcp, Tu::kPrepared);
}
BENCHMARK(BM_Transaction_NonInviteExchangeUdpBuilt);
BENCHMARK(BM_Transaction_NonInviteExchangeUdpPrepared);
BENCHMARK(BM_Transaction_NonInviteExchangeTcpPrepared);

// Baseline: the two parses of the received messages (prepared request and response).
void BM_Transaction_WireParsesOnly(benchmark::State& state) {
    std::string request(kBye);
    const std::size_t branch_at = request.find("z9hG4bK") + 7;
    std::string response =
        make_response(*SipMessageView::parse(request), 200, {}, "a6c85cf").serialize();
    const std::size_t response_branch_at = response.find("z9hG4bK") + 7;
    std::uint64_t n = 0;
    for (auto _ : state) {
        ++n;
        write_hex(request, branch_at, n);
        write_hex(response, response_branch_at, n);
        auto req = SipMessageView::parse(request);
        auto resp = SipMessageView::parse(response);
        benchmark::DoNotOptimize(req);
        benchmark::DoNotOptimize(resp);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(n));
}
BENCHMARK(BM_Transaction_WireParsesOnly);

constexpr std::uint32_t kTableEntries = 1000000;

struct TableFixture {
    std::vector<std::string> keys;
    std::vector<std::uint64_t> hashes;
    TransactionTable table{kTableEntries + 1024, 16};
    TableFixture() {
        keys.reserve(kTableEntries);
        char buf[64];
        for (std::uint32_t i = 0; i < kTableEntries; ++i) {
            const int len =
                std::snprintf(buf, sizeof buf,
                              "z9hG4bK%016llx\x1f"
                              "INVITE",
                              static_cast<unsigned long long>(i) * 0x9E3779B97F4A7C15ull);
            keys.emplace_back(buf, static_cast<std::size_t>(len));
            hashes.push_back(txn_key_hash(keys.back()));
            (void)table.insert(hashes.back(), i);
        }
    }
};

TableFixture& table_fixture() {
    static TableFixture f;
    return f;
}

void BM_TransactionTable_Find1M(benchmark::State& state) {
    TableFixture& f = table_fixture();
    std::uint32_t i = 0;
    std::uint64_t found = 0;
    for (auto _ : state) {
        i = (i + 7919) % kTableEntries;  // scattered over the whole table
        const std::string& key = f.keys[i];
        const std::uint64_t h = txn_key_hash(key);
        found += f.table.find(h, [&](std::uint32_t v) { return f.keys[v] == key; }) == i;
    }
    benchmark::DoNotOptimize(found);
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TransactionTable_Find1M);

void BM_TransactionTable_EraseInsert1M(benchmark::State& state) {
    TableFixture& f = table_fixture();
    std::uint32_t i = 0;
    for (auto _ : state) {
        i = (i + 7919) % kTableEntries;
        const std::uint64_t h = txn_key_hash(f.keys[i]);
        f.table.erase(h, i);
        benchmark::DoNotOptimize(f.table.insert(h, i));
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TransactionTable_EraseInsert1M);

}  // namespace

BENCHMARK_MAIN();
