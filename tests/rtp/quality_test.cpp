#include "rtpx/rtp/quality.hpp"

#include <gtest/gtest.h>

namespace rtpx::rtp {
namespace {

QualityInput input(double loss, double delay, Codec codec = Codec::kG711Plc, double jitter = 0,
                   double burst = 1) {
    QualityInput in;
    in.packet_loss_percent = loss;
    in.one_way_delay_ms = delay;
    in.jitter_ms = jitter;
    in.codec = codec;
    in.burst_ratio = burst;
    return in;
}

TEST(Quality, DefaultsGiveTheWellKnownR93Point2AndMos4Point41) {
    const EModelTerms t = emodel_terms(input(0, 0));
    EXPECT_NEAR(t.ro, 94.77, 0.01);  // G.107 default Ro
    EXPECT_NEAR(t.is, 1.41, 0.01);   // G.107 default Is
    EXPECT_NEAR(t.ie_eff, 0.0, 1e-12);
    const QualityEstimate q = estimate_quality(input(0, 0));
    EXPECT_NEAR(q.r_factor, 93.2, 0.05);
    EXPECT_NEAR(q.mos, 4.41, 0.005);
}

TEST(Quality, TwoPercentRandomLossOnG711WithPlcCostsSevenPointZeroOne) {
    // Ie,eff = 0 + 95 * 2 / (2/1 + 25.1) = 190 / 27.1 = 7.0111
    const double r0 = estimate_quality(input(0, 20)).r_factor;
    EXPECT_NEAR(r0 - estimate_quality(input(2, 20)).r_factor, 190.0 / 27.1, 1e-9);
    // At zero delay: 93.20 - 7.01 = 86.19.
    const QualityEstimate q = estimate_quality(input(2, 0));
    EXPECT_NEAR(q.r_factor, 86.19, 0.05);
    // MOS = 1 + 0.035 R + R (R - 60)(100 - R) 7e-6 at R = 86.19: 4.235
    EXPECT_NEAR(q.mos, 4.235, 0.005);
}

TEST(Quality, BurstyLossHurtsMoreThanRandomLoss) {
    // BurstR 2: Ie,eff = 95 * 2 / (2/2 + 25.1) = 7.2797
    EXPECT_NEAR(effective_equipment_impairment(0, 25.1, 2, 2), 190.0 / 26.1, 1e-12);
    EXPECT_LT(estimate_quality(input(2, 20, Codec::kG711Plc, 0, 2)).r_factor,
              estimate_quality(input(2, 20, Codec::kG711Plc, 0, 1)).r_factor);
}

TEST(Quality, WithoutConcealmentG711DegradesFaster) {
    // Bpl 4.3: Ie,eff = 95 * 2 / (2 + 4.3) = 30.16
    EXPECT_NEAR(emodel_terms(input(2, 0, Codec::kG711)).ie_eff, 190.0 / 6.3, 1e-9);
}

TEST(Quality, TwentyMillisecondsOfDelayCostsTheEchoTermsAbout0Point7) {
    // T = 20 ms: Idte = 0.39 (TELR 65), Idle = 0.43 (Tr = 40 ms), Idd = 0; R = 92.54.
    EXPECT_NEAR(estimate_quality(input(0, 20)).r_factor, 92.54, 0.02);
}

TEST(Quality, G729AStartsElevenBelowG711) {
    const double g711 = estimate_quality(input(0, 20)).r_factor;
    EXPECT_NEAR(estimate_quality(input(0, 20, Codec::kG729)).r_factor, g711 - 11, 1e-9);
    // With 1% loss: Ie,eff = 11 + 84 * 1 / (1 + 19) = 15.2
    EXPECT_NEAR(emodel_terms(input(1, 20, Codec::kG729)).ie_eff, 15.2, 1e-9);
}

TEST(Quality, WidebandCodecsUseTheG711EquivalentOnTheNarrowbandScale) {
    EXPECT_DOUBLE_EQ(estimate_quality(input(1, 20, Codec::kOpus)).r_factor,
                     estimate_quality(input(1, 20, Codec::kG711Plc)).r_factor);
    EXPECT_DOUBLE_EQ(codec_impairment(Codec::kG722).ie, 0);
}

TEST(Quality, IddFollowsG107AboveOneHundredMilliseconds) {
    EXPECT_EQ(delay_impairment_idd(50), 0);
    EXPECT_EQ(delay_impairment_idd(100), 0);
    EXPECT_NEAR(delay_impairment_idd(200), 3.0444, 1e-4);  // X = 1
    EXPECT_NEAR(delay_impairment_idd(300), 14.7607, 1e-4);
}

TEST(Quality, DelayAbove177MillisecondsLowersR) {
    const double r_low = estimate_quality(input(0, 50)).r_factor;
    const double r_177 = estimate_quality(input(0, 177.3)).r_factor;
    const double r_300 = estimate_quality(input(0, 300)).r_factor;
    const double r_400 = estimate_quality(input(0, 400)).r_factor;
    EXPECT_GT(r_low, r_177);
    EXPECT_GT(r_177 - r_300, 10.0);
    EXPECT_GT(r_300, r_400);
    // R never increases with delay.
    double prev = estimate_quality(input(0, 0)).r_factor;
    for (int d = 10; d <= 600; d += 10) {
        const double r = estimate_quality(input(0, d)).r_factor;
        EXPECT_LE(r, prev + 1e-9) << d;
        prev = r;
    }
}

TEST(Quality, JitterCountsTwiceAsJitterBufferDelay) {
    EXPECT_DOUBLE_EQ(estimate_quality(input(0, 100, Codec::kG711Plc, 40)).r_factor,
                     estimate_quality(input(0, 180, Codec::kG711Plc, 0)).r_factor);
}

TEST(Quality, MosFromRFollowsAnnexB) {
    EXPECT_EQ(mos_from_r(-5), 1.0);
    EXPECT_EQ(mos_from_r(0), 1.0);
    EXPECT_NEAR(mos_from_r(50), 2.575, 1e-12);
    EXPECT_EQ(mos_from_r(100), 4.5);
    EXPECT_EQ(mos_from_r(120), 4.5);
}

TEST(Quality, HeavyLossClampsRAtZero) {
    const QualityEstimate q = estimate_quality(input(100, 600, Codec::kG729));
    EXPECT_EQ(q.r_factor, 0.0);
    EXPECT_EQ(q.mos, 1.0);
}

TEST(Quality, MapsRtpEncodingNamesToCodecs) {
    EXPECT_EQ(codec_from_encoding("PCMU"), Codec::kG711Plc);
    EXPECT_EQ(codec_from_encoding("pcma"), Codec::kG711Plc);
    EXPECT_EQ(codec_from_encoding("G729"), Codec::kG729);
    EXPECT_EQ(codec_from_encoding("OPUS"), Codec::kOpus);
    EXPECT_EQ(codec_from_encoding("G722"), Codec::kG722);
    EXPECT_EQ(codec_from_encoding("telephone-event"), Codec::kG711Plc);
}

TEST(Quality, BurstRatioFromGilbertModel) {
    EXPECT_DOUBLE_EQ(burst_ratio_from_gilbert(0.02, 0.98), 1.0);  // random 2% loss
    EXPECT_DOUBLE_EQ(burst_ratio_from_gilbert(0.01, 0.24), 4.0);
    EXPECT_DOUBLE_EQ(burst_ratio_from_gilbert(0, 0), 1.0);
}

TEST(Quality, LossRunTrackerEstimatesPAndQFromRuns) {
    LossRunTracker t;
    EXPECT_EQ(t.burst_ratio(), 1.0);
    // 16 received, 4 lost in 2 runs: L L L ... and a single L.
    t.on_received(10);
    t.on_lost(3);
    t.on_received(5);
    t.on_lost();
    t.on_received();
    EXPECT_EQ(t.received(), 16u);
    EXPECT_EQ(t.lost(), 4u);
    EXPECT_EQ(t.loss_runs(), 2u);
    EXPECT_DOUBLE_EQ(t.loss_percent(), 20.0);
    EXPECT_DOUBLE_EQ(t.p(), 2.0 / 16);
    EXPECT_DOUBLE_EQ(t.q(), 2.0 / 4);
    EXPECT_DOUBLE_EQ(t.burst_ratio(), 1.0 / (0.125 + 0.5));  // 1.6: burstier than random
    t.on_lost(2);  // consecutive on_lost calls extend the same run
    t.on_lost(1);
    EXPECT_EQ(t.loss_runs(), 3u);
}

}  // namespace
}  // namespace rtpx::rtp
