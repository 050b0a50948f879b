// Property tests over many random cases: the IPsec-MB and libsrtp2 backends produce identical
// bytes and verdicts, each accepts the other's output, every single-bit change is rejected,
// replays and packets behind the window are refused, reordering within the window is accepted,
// and a burst mixing many contexts gives exactly what packet-at-a-time processing gives.
//
// Deterministic (fixed seeds); a failure prints the case number and seed.
#include <algorithm>
#include <array>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "rtpx/rtp/srtp/backend.hpp"
#include "srtp_test_util.hpp"

namespace rtpx::rtp::srtp {
namespace {

using test::Op;
using Bytes = std::vector<std::uint8_t>;

constexpr std::array kAllSuites = {Suite::kAesCm128HmacSha1_80, Suite::kAesCm128HmacSha1_32,
                                   Suite::kAes256CmHmacSha1_80, Suite::kAes256CmHmacSha1_32,
                                   Suite::kAeadAes128Gcm,       Suite::kAeadAes256Gcm,
                                   Suite::kNullHmacSha1_80};

Bytes random_bytes(std::mt19937_64& rng, std::size_t n) {
    Bytes b(n);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    return b;
}

std::uint32_t uniform(std::mt19937_64& rng, std::uint32_t lo, std::uint32_t hi) {
    return std::uniform_int_distribution<std::uint32_t>(lo, hi)(rng);
}

// An RTP packet with random CSRCs, one-byte-header extension block, payload and padding.
Bytes make_rtp(std::mt19937_64& rng, std::uint32_t ssrc, std::uint16_t seq, std::size_t payload) {
    const std::uint32_t cc = uniform(rng, 0, 3) == 0 ? uniform(rng, 1, 15) : 0;
    const bool ext = uniform(rng, 0, 2) == 0;
    const bool pad = uniform(rng, 0, 4) == 0;
    Bytes p;
    p.push_back(static_cast<std::uint8_t>(0x80 | (pad ? 0x20 : 0) | (ext ? 0x10 : 0) | cc));
    p.push_back(static_cast<std::uint8_t>(uniform(rng, 0, 255) & 0xff));
    p.push_back(static_cast<std::uint8_t>(seq >> 8));
    p.push_back(static_cast<std::uint8_t>(seq));
    for (std::uint8_t b : random_bytes(rng, 4)) p.push_back(b);  // timestamp
    for (int i = 3; i >= 0; --i) p.push_back(static_cast<std::uint8_t>(ssrc >> (8 * i)));
    for (std::uint8_t b : random_bytes(rng, 4 * cc)) p.push_back(b);
    if (ext) {
        const std::uint32_t words = uniform(rng, 0, 6);
        p.insert(p.end(), {0xBE, 0xDE, 0, static_cast<std::uint8_t>(words)});
        for (std::uint8_t b : random_bytes(rng, 4 * words)) p.push_back(b);
    }
    for (std::uint8_t b : random_bytes(rng, payload)) p.push_back(b);
    if (pad) {
        const std::uint32_t n = uniform(rng, 1, 16);
        p.insert(p.end(), n - 1, 0);
        p.push_back(static_cast<std::uint8_t>(n));
    }
    return p;
}

// A compound RTCP packet: SR with 0-3 report blocks, then SDES with a CNAME, sometimes a BYE.
Bytes make_rtcp(std::mt19937_64& rng, std::uint32_t ssrc) {
    Bytes p;
    auto put32 = [&](std::uint32_t v) {
        for (int i = 3; i >= 0; --i) p.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    };
    const std::uint32_t rc = uniform(rng, 0, 3);
    p.insert(p.end(),
             {static_cast<std::uint8_t>(0x80 | rc), 200, 0, static_cast<std::uint8_t>(6 + 6 * rc)});
    put32(ssrc);
    for (std::uint8_t b : random_bytes(rng, 20 + 24 * rc)) p.push_back(b);
    const std::uint32_t cname = uniform(rng, 1, 40);
    const std::uint32_t chunk = 4 + 2 + cname;
    const std::uint32_t words = (chunk + 1 + 3) / 4;  // at least one null octet, padded
    p.insert(p.end(), {0x81, 202, 0, static_cast<std::uint8_t>(words)});
    put32(ssrc);
    p.push_back(1);
    p.push_back(static_cast<std::uint8_t>(cname));
    for (std::uint32_t i = 0; i < cname; ++i) p.push_back(static_cast<std::uint8_t>('a' + i % 26));
    p.insert(p.end(), 4 * words - chunk, 0);
    if (uniform(rng, 0, 3) == 0) {
        p.insert(p.end(), {0x81, 203, 0, 1});
        put32(ssrc);
    }
    return p;
}

struct Stream {
    Suite suite;
    Bytes key, salt, mki;
    std::uint32_t ssrc;
    std::uint32_t roc;
    std::unique_ptr<SrtpContext> tx[2], rx[2];  // [0] IPsec-MB, [1] libsrtp2
};

// libsrtp2 2.5 looks for an SRTCP packet's MKI one RTP tag length from the end, so it refuses
// SRTCP with an MKI under the _32 suites (fixed upstream after 2.5: cisco/libsrtp#733). Streams
// that take SRTCP through both backends therefore get no MKI under those suites.
bool libsrtp2_srtcp_mki_broken(Suite s) {
    return s == Suite::kAesCm128HmacSha1_32 || s == Suite::kAes256CmHmacSha1_32;
}

Stream make_stream(std::mt19937_64& rng, Suite suite, std::uint32_t roc, bool rtcp = false) {
    Stream s;
    s.suite = suite;
    const SuiteInfo& info = suite_info(suite);
    s.key = random_bytes(rng, info.master_key_len);
    s.salt = random_bytes(rng, info.master_salt_len);
    s.mki = random_bytes(rng, uniform(rng, 0, 3) == 0 ? uniform(rng, 1, 4) : 0);
    if (rtcp && libsrtp2_srtcp_mki_broken(suite)) s.mki.clear();
    s.ssrc = static_cast<std::uint32_t>(rng());
    s.roc = roc;
    SrtpContextParams p;
    p.roc = roc;
    p.mki = s.mki;
    for (int i = 0; i < 2; ++i) {
        s.tx[i] = test::context(suite, s.key, s.salt, p);
        s.rx[i] = test::context(suite, s.key, s.salt, p);
    }
    return s;
}

class SrtpProperty : public ::testing::Test {
  protected:
    void SetUp() override {
        b_[0] = test::backend(BackendKind::kIpsecMb);
        b_[1] = test::backend(BackendKind::kLibSrtp2);
    }

    // Runs the same burst through both backends (one call each) and checks identical results.
    // Returns the statuses; `pkts[0]` and `pkts[1]` hold each backend's output.
    std::vector<SrtpStatus> both(Op op, std::array<std::vector<Bytes>, 2>& pkts,
                                 std::array<std::vector<SrtpContext*>, 2> ctxs) {
        std::array<std::vector<SrtpStatus>, 2> st;
        const std::vector<Bytes> original = pkts[0];
        for (int i = 0; i < 2; ++i) {
            std::vector<SrtpPacket> burst;
            std::vector<std::size_t> lens;
            for (std::size_t k = 0; k < pkts[i].size(); ++k) {
                Bytes& b = pkts[i][k];
                lens.push_back(b.size());
                b.resize(b.size() + 64);
                burst.push_back({ctxs[i][k], b.data(), static_cast<std::uint32_t>(lens.back()),
                                 static_cast<std::uint32_t>(b.size())});
            }
            st[i].assign(burst.size(), SrtpStatus::kBackendError);
            std::span<SrtpPacket> ps(burst);
            std::span<SrtpStatus> ss(st[i]);
            switch (op) {
                case Op::kProtectRtp: b_[i]->protect_rtp(ps, ss); break;
                case Op::kUnprotectRtp: b_[i]->unprotect_rtp(ps, ss); break;
                case Op::kProtectRtcp: b_[i]->protect_rtcp(ps, ss); break;
                case Op::kUnprotectRtcp: b_[i]->unprotect_rtcp(ps, ss); break;
            }
            for (std::size_t k = 0; k < burst.size(); ++k) {
                pkts[i][k].resize(st[i][k] == SrtpStatus::kOk ? burst[k].len : lens[k]);
            }
        }
        EXPECT_EQ(st[0], st[1]);
        for (std::size_t k = 0; k < pkts[0].size(); ++k) {
            if (st[0][k] == SrtpStatus::kOk) {
                EXPECT_EQ(pkts[0][k], pkts[1][k]) << "packet " << k;
            } else {
                // IPsec-MB leaves a refused packet as it was (libsrtp2 may leave a GCM packet
                // that failed its tag decrypted).
                EXPECT_EQ(pkts[0][k], original[k]) << "packet " << k;
            }
        }
        return st[0];
    }

    std::unique_ptr<SrtpBackend> b_[2];
};

// Sequences of packets per stream (random suite, keys, SSRC, ROC, MKI, starting near a wrap,
// gaps and reordering within the window), protected in one burst, unprotected crosswise.
TEST_F(SrtpProperty, BackendsAgreeOnRtpAndAcceptEachOther) {
    std::mt19937_64 rng(20261124);
    int ok_packets = 0;
    for (int n = 0; n < 1500; ++n) {
        SCOPED_TRACE(::testing::Message() << "case " << n);
        const Suite suite = kAllSuites[n % kAllSuites.size()];
        const std::uint32_t roc = uniform(rng, 0, 2) == 0 ? 0 : uniform(rng, 0, 1000000);
        Stream s = make_stream(rng, suite, roc);
        // Starting sequence: near the wrap half of the time.
        std::uint16_t seq = static_cast<std::uint16_t>(
            uniform(rng, 0, 1) ? 65536 - uniform(rng, 1, 8) : uniform(rng, 0, 65535));
        const std::size_t count = uniform(rng, 1, 8);
        std::vector<Bytes> plain;
        for (std::size_t k = 0; k < count; ++k) {
            const std::size_t payload =
                uniform(rng, 0, 3) == 0 ? uniform(rng, 0, 1400) : uniform(rng, 0, 200);
            plain.push_back(make_rtp(rng, s.ssrc, seq, payload));
            seq = static_cast<std::uint16_t>(seq + uniform(rng, 1, 3));
        }
        // The relay may forward reordered: shuffle within the burst (all within the window). The
        // stream's first packet stays first: it anchors the index at the configured ROC.
        if (uniform(rng, 0, 2) == 0) std::shuffle(plain.begin() + 1, plain.end(), rng);
        std::array<std::vector<Bytes>, 2> pk = {plain, plain};
        std::array<std::vector<SrtpContext*>, 2> tx = {std::vector(count, s.tx[0].get()),
                                                       std::vector(count, s.tx[1].get())};
        auto st = both(Op::kProtectRtp, pk, tx);
        for (auto x : st) ASSERT_EQ(x, SrtpStatus::kOk);
        EXPECT_EQ(s.tx[0]->roc(), s.tx[1]->roc());

        // Crosswise: IPsec-MB receiver gets libsrtp2's output and the other way round, in yet
        // another order.
        std::vector<std::size_t> order(count);
        std::iota(order.begin(), order.end(), 0);
        std::shuffle(order.begin() + 1, order.end(), rng);
        std::array<std::vector<Bytes>, 2> rx_pk;
        for (auto k : order) {
            rx_pk[0].push_back(pk[1][k]);
            rx_pk[1].push_back(pk[0][k]);
        }
        const auto protected_copy = rx_pk[0];
        std::array<std::vector<SrtpContext*>, 2> rx = {std::vector(count, s.rx[0].get()),
                                                       std::vector(count, s.rx[1].get())};
        st = both(Op::kUnprotectRtp, rx_pk, rx);
        for (std::size_t k = 0; k < count; ++k) {
            ASSERT_EQ(st[k], SrtpStatus::kOk);
            EXPECT_EQ(rx_pk[0][k], plain[order[k]]);
            ++ok_packets;
        }
        // Replays are refused by both.
        auto again = std::array{protected_copy, protected_copy};
        st = both(Op::kUnprotectRtp, again, rx);
        for (auto x : st) EXPECT_EQ(x, SrtpStatus::kReplayed);
        // The sender refuses to protect an index twice (it would reuse keystream).
        std::array<std::vector<Bytes>, 2> twice = {std::vector<Bytes>{plain[0]},
                                                   std::vector<Bytes>{plain[0]}};
        st = both(Op::kProtectRtp, twice, {std::vector{s.tx[0].get()}, std::vector{s.tx[1].get()}});
        EXPECT_EQ(st[0], SrtpStatus::kReplayed);
    }
    EXPECT_GT(ok_packets, 5000);
}

// Every single-bit change of a protected packet is rejected, and leaves the receiver able to
// accept the genuine packet afterwards (failures do not touch the context).
TEST_F(SrtpProperty, EverySingleBitFlipIsRejected) {
    std::mt19937_64 rng(7714);
    std::size_t flips = 0;
    for (int n = 0; n < 140; ++n) {
        SCOPED_TRACE(::testing::Message() << "case " << n);
        const Suite suite = kAllSuites[n % kAllSuites.size()];
        const bool rtcp = n % 2 == 1;
        Stream s = make_stream(rng, suite, uniform(rng, 0, 5), rtcp);
        Bytes plain =
            rtcp ? make_rtcp(rng, s.ssrc)
                 : make_rtp(rng, s.ssrc, static_cast<std::uint16_t>(rng()), uniform(rng, 0, 160));
        Bytes prot = plain;
        ASSERT_EQ(test::run(*b_[0], rtcp ? Op::kProtectRtcp : Op::kProtectRtp, *s.tx[0], prot),
                  SrtpStatus::kOk);
        const Op un = rtcp ? Op::kUnprotectRtcp : Op::kUnprotectRtp;
        // Every bit of small packets; the header, trailer and 64 random bits of larger ones.
        std::vector<std::size_t> bits;
        for (std::size_t bit = 0; bit < prot.size() * 8; ++bit) {
            const std::size_t byte = bit / 8;
            if (prot.size() <= 120 || byte < 16 || byte + 24 >= prot.size()) bits.push_back(bit);
        }
        for (int k = 0; k < 64; ++k) bits.push_back(uniform(rng, 0, 8 * prot.size() - 1));
        for (std::size_t bit : bits) {
            for (int i = 0; i < 2; ++i) {
                Bytes bad = prot;
                bad[bit / 8] ^= static_cast<std::uint8_t>(1U << (bit % 8));
                const Bytes before = bad;
                const SrtpStatus st = test::run(*b_[i], un, *s.rx[i], bad);
                ASSERT_NE(st, SrtpStatus::kOk) << "bit " << bit << " backend " << i;
                if (i == 0) {
                    ASSERT_EQ(bad, before) << "bit " << bit << ": bytes changed";
                }
                ++flips;
            }
        }
        for (int i = 0; i < 2; ++i) {
            Bytes good = prot;
            ASSERT_EQ(test::run(*b_[i], un, *s.rx[i], good), SrtpStatus::kOk);
            EXPECT_EQ(good, plain);
        }
    }
    EXPECT_GT(flips, 50000u);
}

// SRTCP compounds: identical bytes (index from 1, as libsrtp2), crosswise acceptance, replays.
TEST_F(SrtpProperty, BackendsAgreeOnRtcp) {
    std::mt19937_64 rng(3711);
    for (int n = 0; n < 700; ++n) {
        SCOPED_TRACE(::testing::Message() << "case " << n);
        Stream s = make_stream(rng, kAllSuites[n % kAllSuites.size()], 0, true);
        const std::size_t count = uniform(rng, 1, 5);
        std::vector<Bytes> plain;
        for (std::size_t k = 0; k < count; ++k) plain.push_back(make_rtcp(rng, s.ssrc));
        std::array<std::vector<Bytes>, 2> pk = {plain, plain};
        auto st = both(Op::kProtectRtcp, pk,
                       {std::vector(count, s.tx[0].get()), std::vector(count, s.tx[1].get())});
        for (auto x : st) ASSERT_EQ(x, SrtpStatus::kOk);
        EXPECT_EQ(s.tx[0]->next_srtcp_index(), 1 + count);
        std::array<std::vector<Bytes>, 2> rx_pk = {pk[1], pk[0]};
        std::reverse(rx_pk[0].begin(), rx_pk[0].end());
        std::reverse(rx_pk[1].begin(), rx_pk[1].end());
        const auto copy = rx_pk[0];
        std::array<std::vector<SrtpContext*>, 2> rx = {std::vector(count, s.rx[0].get()),
                                                       std::vector(count, s.rx[1].get())};
        st = both(Op::kUnprotectRtcp, rx_pk, rx);
        for (std::size_t k = 0; k < count; ++k) {
            ASSERT_EQ(st[k], SrtpStatus::kOk);
            EXPECT_EQ(rx_pk[0][k], plain[count - 1 - k]);
        }
        auto again = std::array{copy, copy};
        st = both(Op::kUnprotectRtcp, again, rx);
        for (auto x : st) EXPECT_EQ(x, SrtpStatus::kReplayed);
    }
}

// Many streams interleaved in bursts of 32 (the data plane's case), with duplicates, stale
// packets and forged packets mixed in: IPsec-MB's burst gives exactly libsrtp2's sequential
// verdicts.
TEST_F(SrtpProperty, MixedBurstsMatchSequentialProcessing) {
    std::mt19937_64 rng(6188);
    constexpr int kStreams = 12;
    std::vector<Stream> streams;
    std::vector<std::uint16_t> next_seq;
    for (int i = 0; i < kStreams; ++i) {
        streams.push_back(make_stream(rng, kAllSuites[i % kAllSuites.size()], uniform(rng, 0, 3)));
        next_seq.push_back(static_cast<std::uint16_t>(65536 - uniform(rng, 1, 300)));
    }
    std::vector<std::pair<int, Bytes>> sent;  // (stream, protected packet)
    for (int round = 0; round < 300; ++round) {
        // Protect a burst of 32 packets of random streams.
        std::vector<Bytes> plain;
        std::vector<int> who;
        for (int k = 0; k < 32; ++k) {
            const int i = static_cast<int>(uniform(rng, 0, kStreams - 1));
            who.push_back(i);
            // Occasionally a big forward jump, so that estimates matter.
            const std::uint32_t step = uniform(rng, 0, 50) == 0 ? uniform(rng, 100, 20000) : 1;
            next_seq[i] = static_cast<std::uint16_t>(next_seq[i] + step);
            plain.push_back(make_rtp(rng, streams[i].ssrc, next_seq[i], uniform(rng, 0, 300)));
        }
        std::array<std::vector<Bytes>, 2> pk = {plain, plain};
        std::array<std::vector<SrtpContext*>, 2> tx;
        for (int i : who) {
            tx[0].push_back(streams[i].tx[0].get());
            tx[1].push_back(streams[i].tx[1].get());
        }
        auto st = both(Op::kProtectRtp, pk, tx);
        for (int k = 0; k < 32; ++k) {
            if (st[k] == SrtpStatus::kOk) sent.push_back({who[k], pk[0][k]});
        }
        // Receive a burst drawn from recent packets: mostly in order, some duplicates and old
        // ones, some forged.
        std::array<std::vector<Bytes>, 2> rx_pk;
        std::array<std::vector<SrtpContext*>, 2> rx;
        const std::size_t base = sent.size() > 64 ? sent.size() - 64 : 0;
        for (int k = 0; k < 32; ++k) {
            std::size_t j = sent.size() - 32 + static_cast<std::size_t>(k);
            if (j >= sent.size() || uniform(rng, 0, 9) == 0) {
                j = uniform(rng, static_cast<std::uint32_t>(base),
                            static_cast<std::uint32_t>(sent.size() - 1));
            }
            Bytes b = sent[j].second;
            if (uniform(rng, 0, 15) == 0)
                b[uniform(rng, 0, static_cast<std::uint32_t>(b.size() - 1))] ^= 0x40;
            rx_pk[0].push_back(b);
            rx_pk[1].push_back(b);
            rx[0].push_back(streams[sent[j].first].rx[0].get());
            rx[1].push_back(streams[sent[j].first].rx[1].get());
        }
        (void)both(Op::kUnprotectRtp, rx_pk, rx);
        if (HasFailure()) return;
    }
    for (auto& s : streams) EXPECT_EQ(s.rx[0]->roc(), s.rx[1]->roc());
}

// A forged packet early in a burst that would have moved the ROC estimate of a later genuine
// packet: the later packet is decided on the state without the forgery, as libsrtp2 decides it.
TEST_F(SrtpProperty, ForgedPacketInABurstDoesNotShiftLaterEstimates) {
    std::mt19937_64 rng(1);
    for (bool forge : {true, false}) {
        Stream s = make_stream(rng, Suite::kAesCm128HmacSha1_80, 1);
        std::vector<Bytes> prot;
        for (std::uint16_t seq : {0, 30000, 50000}) {
            Bytes p = make_rtp(rng, s.ssrc, seq, 20);
            ASSERT_EQ(test::run(*b_[0], Op::kProtectRtp, *s.tx[0], p), SrtpStatus::kOk);
            prot.push_back(p);
        }
        EXPECT_EQ(s.tx[0]->roc(), 1u);
        std::array<std::vector<Bytes>, 2> first = {{{prot[0]}, {prot[0]}}};
        auto st = both(Op::kUnprotectRtp, first, {{{s.rx[0].get()}, {s.rx[1].get()}}});
        ASSERT_EQ(st[0], SrtpStatus::kOk);
        Bytes p1 = prot[1];
        if (forge) p1.back() ^= 1;
        std::array<std::vector<Bytes>, 2> burst = {{{p1, prot[2]}, {p1, prot[2]}}};
        st = both(Op::kUnprotectRtp, burst,
                  {{{s.rx[0].get(), s.rx[0].get()}, {s.rx[1].get(), s.rx[1].get()}}});
        if (forge) {
            EXPECT_EQ(st[0], SrtpStatus::kAuthFailed);
            EXPECT_EQ(st[1], SrtpStatus::kTooOld);  // from (ROC 1, SEQ 0), 50000 reads as ROC 0
        } else {
            EXPECT_EQ(st[0], SrtpStatus::kOk);
            EXPECT_EQ(st[1], SrtpStatus::kOk);
        }
    }
}

// What libsrtp2 2.5 gets wrong (cisco/libsrtp#733), the IPsec-MB backend gets right.
TEST_F(SrtpProperty, SrtcpWithMkiUnderThe32BitSuitesIsAccepted) {
    std::mt19937_64 rng(733);
    for (Suite suite : {Suite::kAesCm128HmacSha1_32, Suite::kAes256CmHmacSha1_32}) {
        Stream s = make_stream(rng, suite, 0);
        s.mki = {1, 2, 3, 4};
        SrtpContextParams p;
        p.mki = s.mki;
        auto tx = test::context(suite, s.key, s.salt, p);
        auto rx = test::context(suite, s.key, s.salt, p);
        const Bytes plain = make_rtcp(rng, s.ssrc);
        Bytes pkt = plain;
        ASSERT_EQ(test::run(*b_[0], Op::kProtectRtcp, *tx, pkt), SrtpStatus::kOk);
        EXPECT_EQ(pkt.size(), plain.size() + 4 + 4 + 10);  // E||index, MKI, 80-bit tag
        ASSERT_EQ(test::run(*b_[0], Op::kUnprotectRtcp, *rx, pkt), SrtpStatus::kOk);
        EXPECT_EQ(pkt, plain);
    }
}

TEST_F(SrtpProperty, PacketsBehindTheWindowAreRefused) {
    std::mt19937_64 rng(128);
    for (Suite suite : kAllSuites) {
        Stream s = make_stream(rng, suite, 0);
        std::vector<Bytes> prot;
        for (std::uint16_t seq = 1000; seq < 1000 + 300; ++seq) {
            Bytes p = make_rtp(rng, s.ssrc, seq, 10);
            ASSERT_EQ(test::run(*b_[0], Op::kProtectRtp, *s.tx[0], p), SrtpStatus::kOk);
            prot.push_back(p);
        }
        // Receive 1299 first, then 1172 (127 behind: inside a 128 window) and 1171 (outside).
        for (int i = 0; i < 2; ++i) {
            Bytes p = prot[299];
            ASSERT_EQ(test::run(*b_[i], Op::kUnprotectRtp, *s.rx[i], p), SrtpStatus::kOk);
            p = prot[172];
            EXPECT_EQ(test::run(*b_[i], Op::kUnprotectRtp, *s.rx[i], p), SrtpStatus::kOk);
            p = prot[171];
            EXPECT_EQ(test::run(*b_[i], Op::kUnprotectRtp, *s.rx[i], p), SrtpStatus::kTooOld);
        }
    }
}

// Header-only packets (no payload to encrypt): the fuzzer found the IPsec-MB backend taking an
// 8-octet SRTCP packet under GCM for the unencrypted (E = 0) layout.
TEST_F(SrtpProperty, HeaderOnlyPacketsAgree) {
    std::mt19937_64 rng(8);
    for (Suite suite : kAllSuites) {
        for (bool rtcp : {false, true}) {
            Stream s = make_stream(rng, suite, 0, rtcp);
            const Bytes plain =
                rtcp ? test::hex("81c80000 11223344") : test::hex("80000001 00000002 11223344");
            std::array<std::vector<Bytes>, 2> pk = {std::vector<Bytes>{plain},
                                                    std::vector<Bytes>{plain}};
            auto st = both(rtcp ? Op::kProtectRtcp : Op::kProtectRtp, pk,
                           {std::vector{s.tx[0].get()}, std::vector{s.tx[1].get()}});
            ASSERT_EQ(st[0], SrtpStatus::kOk) << to_string(suite);
            std::array<std::vector<Bytes>, 2> rx = {pk[1], pk[0]};
            st = both(rtcp ? Op::kUnprotectRtcp : Op::kUnprotectRtp, rx,
                      {std::vector{s.rx[0].get()}, std::vector{s.rx[1].get()}});
            ASSERT_EQ(st[0], SrtpStatus::kOk) << to_string(suite);
            EXPECT_EQ(rx[0][0], plain);
        }
    }
}

TEST_F(SrtpProperty, KeyLifetimeStopsTheContext) {
    std::mt19937_64 rng(48);
    for (int i = 0; i < 2; ++i) {
        const Bytes key = random_bytes(rng, 16), salt = random_bytes(rng, 14);
        SrtpContextParams p;
        p.key_lifetime = 3;
        auto tx = test::context(Suite::kAesCm128HmacSha1_80, key, salt, p);
        for (std::uint16_t seq = 0; seq < 4; ++seq) {
            Bytes pkt = make_rtp(rng, 1, seq, 10);
            EXPECT_EQ(test::run(*b_[i], Op::kProtectRtp, *tx, pkt),
                      seq < 3 ? SrtpStatus::kOk : SrtpStatus::kKeyExhausted);
        }
    }
}

TEST_F(SrtpProperty, MalformedPacketsGetTheSameStatusFromBothBackends) {
    std::mt19937_64 rng(99);
    Stream s = make_stream(rng, Suite::kAesCm128HmacSha1_80, 0);
    const std::vector<std::pair<Bytes, SrtpStatus>> cases = {
        {test::hex("80 00 00 01"), SrtpStatus::kTooShort},
        {test::hex("8f 00 00 01 00000000 00000001"), SrtpStatus::kBadHeader},  // 15 CSRCs
        {test::hex("90 00 00 01 00000000 00000001 bede 0009"), SrtpStatus::kBadHeader},
    };
    for (const auto& [bytes, want] : cases) {
        for (int i = 0; i < 2; ++i) {
            Bytes p = bytes;
            EXPECT_EQ(test::run(*b_[i], Op::kProtectRtp, *s.tx[i], p), want);
            p = bytes;
            EXPECT_EQ(test::run(*b_[i], Op::kUnprotectRtp, *s.rx[i], p), SrtpStatus::kTooShort);
        }
    }
    // No room for the trailer.
    for (int i = 0; i < 2; ++i) {
        Bytes p = make_rtp(rng, s.ssrc, 1, 20);
        SrtpPacket pkt{s.tx[i].get(), p.data(), static_cast<std::uint32_t>(p.size()),
                       static_cast<std::uint32_t>(p.size() + 9)};
        SrtpStatus st{};
        b_[i]->protect_rtp({&pkt, 1}, {&st, 1});
        EXPECT_EQ(st, SrtpStatus::kNoRoom);
    }
}

// RFC 3711 3.2.3: a context per SSRC. Several SSRCs sharing one master key (RTX, FEC, simulcast)
// go through one SrtpContext per direction; each SSRC keeps its own ROC, replay window and SRTCP
// index. Packets of 2-3 SSRCs interleaved in the same bursts: identical bytes from both backends
// (libsrtp2 with one stream per SSRC), crosswise acceptance, replays refused per SSRC, and the same
// sequence number on two SSRCs is not a replay.
TEST_F(SrtpProperty, SsrcsSharingAKeyKeepTheirOwnState) {
    std::mt19937_64 rng(3232);
    int ok_packets = 0;
    for (int n = 0; n < 400; ++n) {
        SCOPED_TRACE(::testing::Message() << "case " << n);
        const Suite suite = kAllSuites[n % kAllSuites.size()];
        const bool rtcp = n % 3 == 2;
        const std::uint32_t roc = uniform(rng, 0, 2) == 0 ? 0 : uniform(rng, 0, 1000000);
        Stream s = make_stream(rng, suite, roc, rtcp);
        const std::size_t nssrc = uniform(rng, 2, 3);
        std::vector<std::uint32_t> ssrcs = {s.ssrc};
        while (ssrcs.size() < nssrc) {
            const auto x = static_cast<std::uint32_t>(rng());
            if (std::find(ssrcs.begin(), ssrcs.end(), x) == ssrcs.end()) ssrcs.push_back(x);
        }
        // Per SSRC a run of packets; the SSRCs start at the same sequence number half of the time
        // (RTX and FEC streams often do), near a wrap a third of the time.
        const auto first = static_cast<std::uint16_t>(
            uniform(rng, 0, 2) == 0 ? 65536 - uniform(rng, 1, 6) : uniform(rng, 0, 65535));
        const bool same_start = uniform(rng, 0, 1) == 0;
        std::vector<std::vector<Bytes>> per(nssrc);
        for (std::size_t j = 0; j < nssrc; ++j) {
            auto seq = same_start ? first : static_cast<std::uint16_t>(rng());
            const std::size_t count = uniform(rng, 1, 6);
            for (std::size_t k = 0; k < count; ++k) {
                per[j].push_back(rtcp ? make_rtcp(rng, ssrcs[j])
                                      : make_rtp(rng, ssrcs[j], seq, uniform(rng, 0, 300)));
                seq = static_cast<std::uint16_t>(seq + uniform(rng, 1, 3));
            }
        }
        // Interleave at random, each SSRC's packets in their order; remember which SSRC each is.
        auto interleave = [&](const std::vector<std::vector<Bytes>>& runs,
                              std::vector<std::size_t>& owner) {
            std::vector<Bytes> out;
            std::vector<std::size_t> next(runs.size(), 0);
            owner.clear();
            for (;;) {
                std::vector<std::size_t> open;
                for (std::size_t j = 0; j < runs.size(); ++j) {
                    if (next[j] < runs[j].size()) open.push_back(j);
                }
                if (open.empty()) return out;
                const std::size_t j = open[uniform(rng, 0, open.size() - 1)];
                out.push_back(runs[j][next[j]++]);
                owner.push_back(j);
            }
        };
        std::vector<std::size_t> owner;
        const std::vector<Bytes> plain = interleave(per, owner);
        const std::size_t count = plain.size();
        std::array<std::vector<Bytes>, 2> pk = {plain, plain};
        auto ctx = [&](std::unique_ptr<SrtpContext>(&c)[2]) {
            return std::array<std::vector<SrtpContext*>, 2>{std::vector(count, c[0].get()),
                                                            std::vector(count, c[1].get())};
        };
        auto st = both(rtcp ? Op::kProtectRtcp : Op::kProtectRtp, pk, ctx(s.tx));
        for (auto x : st) ASSERT_EQ(x, SrtpStatus::kOk);
        for (int i = 0; i < 2; ++i) {
            EXPECT_EQ(s.tx[i]->stream_count(), nssrc);
            for (std::size_t j = 0; j < nssrc; ++j) {
                if (rtcp) {  // SRTCP indices count per SSRC, from 1
                    EXPECT_EQ(s.tx[i]->next_srtcp_index(ssrcs[j]), 1 + per[j].size());
                } else {
                    EXPECT_EQ(s.tx[i]->roc(ssrcs[j]), s.tx[1 - i]->roc(ssrcs[j]));
                }
            }
        }
        // Crosswise, interleaved differently.
        std::vector<std::vector<Bytes>> runs0(nssrc), runs1(nssrc);
        for (std::size_t k = 0; k < count; ++k) {
            runs0[owner[k]].push_back(pk[1][k]);
            runs1[owner[k]].push_back(pk[0][k]);
        }
        std::vector<std::size_t> owner0;
        std::array<std::vector<Bytes>, 2> rx_pk = {interleave(runs0, owner0), {}};
        {  // the same interleaving for libsrtp2's input: rebuild it from owner0
            std::vector<std::size_t> next(nssrc, 0);
            for (std::size_t j : owner0) rx_pk[1].push_back(runs1[j][next[j]++]);
        }
        const auto protected_copy = rx_pk[0];
        const Op un = rtcp ? Op::kUnprotectRtcp : Op::kUnprotectRtp;
        st = both(un, rx_pk, ctx(s.rx));
        std::vector<std::size_t> next(nssrc, 0);
        for (std::size_t k = 0; k < count; ++k) {
            ASSERT_EQ(st[k], SrtpStatus::kOk) << "packet " << k;
            EXPECT_EQ(rx_pk[0][k], per[owner0[k]][next[owner0[k]]++]);
            ++ok_packets;
        }
        EXPECT_EQ(s.rx[0]->stream_count(), nssrc);
        auto again = std::array{protected_copy, protected_copy};
        st = both(un, again, ctx(s.rx));
        for (auto x : st) EXPECT_EQ(x, SrtpStatus::kReplayed);
    }
    EXPECT_GT(ok_packets, 2000);
}

// A context holds at most max_streams SSRCs: a packet of one more SSRC gets too_many_streams from
// both backends, untouched, and no crypto state changes; a forged packet of a new SSRC (it fails
// authentication) never takes a stream.
TEST_F(SrtpProperty, ANewSsrcBeyondMaxStreamsIsRefused) {
    std::mt19937_64 rng(4);
    for (int n = 0; n < 70; ++n) {
        SCOPED_TRACE(::testing::Message() << "case " << n);
        const Suite suite = kAllSuites[n % kAllSuites.size()];
        const bool rtcp = n % 2 == 1;
        const SuiteInfo& info = suite_info(suite);
        const Bytes key = random_bytes(rng, info.master_key_len);
        const Bytes salt = random_bytes(rng, info.master_salt_len);
        SrtpContextParams p;
        p.max_streams = 2;
        std::unique_ptr<SrtpContext> tx[2], rx[2];
        for (int i = 0; i < 2; ++i) {
            tx[i] = test::context(suite, key, salt, p);
            rx[i] = test::context(suite, key, salt, p);
        }
        const std::array<std::uint32_t, 3> ssrcs = {1000, 2000, 3000};
        auto make = [&](std::uint32_t ssrc) {
            return rtcp ? make_rtcp(rng, ssrc) : make_rtp(rng, ssrc, 7, uniform(rng, 0, 100));
        };
        const Op pr = rtcp ? Op::kProtectRtcp : Op::kProtectRtp;
        const Op un = rtcp ? Op::kUnprotectRtcp : Op::kUnprotectRtp;
        // A forged packet of the first SSRC: refused, takes no stream.
        Bytes forged = make(ssrcs[0]);
        forged.resize(forged.size() + 30, 0x11);
        for (int i = 0; i < 2; ++i) {
            Bytes f = forged;
            EXPECT_NE(test::run(i == 0 ? *b_[0] : *b_[1], un, *rx[i], f), SrtpStatus::kOk);
            EXPECT_EQ(rx[i]->stream_count(), 0u);
        }
        std::array<std::vector<Bytes>, 2> pk;
        for (std::uint32_t ssrc : ssrcs) {
            const Bytes b = make(ssrc);  // same sequence number 7 for all: not a replay
            pk[0].push_back(b);
            pk[1].push_back(b);
        }
        const std::vector<Bytes> plain = pk[0];
        auto st = both(pr, pk, {std::vector(3, tx[0].get()), std::vector(3, tx[1].get())});
        EXPECT_EQ(st, (std::vector{SrtpStatus::kOk, SrtpStatus::kOk, SrtpStatus::kTooManyStreams}));
        EXPECT_EQ(pk[0][2], plain[2]);
        EXPECT_EQ(tx[0]->stream_count(), 2u);
        EXPECT_FALSE(tx[0]->has_stream(ssrcs[2]));
        std::array<std::vector<Bytes>, 2> rx_pk = {pk[1], pk[0]};
        // The third is the refused plain packet: too_many_streams, or a layout error found first.
        st = both(un, rx_pk, {std::vector(3, rx[0].get()), std::vector(3, rx[1].get())});
        EXPECT_EQ(st[0], SrtpStatus::kOk);
        EXPECT_EQ(st[1], SrtpStatus::kOk);
        EXPECT_NE(st[2], SrtpStatus::kOk);
        EXPECT_EQ(rx[0]->stream_count(), 2u);
        EXPECT_EQ(rx_pk[0][0], plain[0]);
        EXPECT_EQ(rx_pk[0][1], plain[1]);
    }
}

}  // namespace
}  // namespace rtpx::rtp::srtp
