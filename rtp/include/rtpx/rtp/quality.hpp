// Call quality estimate from network measurements with the ITU-T G.107 E-model (narrowband, R on
// the 0..100 scale; G.107 (06/2015) section 7 and Annex B).
//
//   R = Ro - Is - Id - Ie,eff + A
//
// All G.107 parameters other than delay, loss and codec take their default values (Table 3:
// SLR 8, RLR 2, STMR 15, LSTR 18, Ds = Dr = 3, TELR 65, WEPL 110, qdu 1, Nc -70, Nfor -64,
// Ps = Pr = 35, A 0), which gives Ro = 94.77, Is = 1.41 and the well-known default R = 93.2.
//
// Delay rule (ours, not G.107's): the jitter buffer is assumed to hold twice the measured
// interarrival jitter, so the mouth-to-ear delay is Ta = one_way_delay_ms + 2 * jitter_ms. The same
// value is used for the talker-echo mean one-way delay T, and the listener-echo round trip is
// Tr = 2 * T. one_way_delay_ms is expected to already include packetisation and codec delay.
//
// Codec impairments (Ie, Bpl), from ITU-T G.113 (11/2007) Appendix I, Tables I.1 and I.3:
//   codec                    Ie    Bpl    source / note
//   G.711 without PLC        0     4.3    G.113 Table I.3 (packet loss, no concealment)
//   G.711 with PLC           0     25.1   G.113 Table I.3 (G.711 Appendix I PLC)
//   G.729A (+VAD)            11    19.0   G.113 Tables I.1/I.3
//   G.723.1 6.3 kbit/s +VAD  15    16.1   G.113 Tables I.1/I.3
//   G.722 64 kbit/s (+PLC)   0     25.1   our narrowband equivalent, see below
//   Opus (>= 16 kbit/s)      0     25.1   our narrowband equivalent, see below
// G.113 rates wideband codecs only on the 0..129 wideband scale (Appendix IV: G.711 Ie,wb = 36,
// G.722 64 kbit/s Ie,wb = 13), where G.722 is better than G.711. On the narrowband scale G.711 is
// the best case (Ie = 0), so a wideband codec cannot score below it: we use Ie = 0. G.113 gives no
// narrowband Bpl for G.722 or Opus; both have effective concealment (G.722 Appendix III/IV,
// Opus's built-in PLC), so we use the G.711+PLC value 25.1. This under-rates wideband calls (they
// would deserve R > 93.2 on the wideband scale) but keeps all calls on one comparable scale.
#pragma once

#include <cstdint>
#include <string_view>

namespace rtpx::rtp {

enum class Codec : std::uint8_t {
    kG711,     // no packet loss concealment
    kG711Plc,  // with G.711 Appendix I concealment (what every current endpoint does)
    kG722,
    kG723,  // G.723.1 6.3 kbit/s
    kG729,  // G.729A
    kOpus,
};

struct CodecImpairment {
    double ie;   // equipment impairment factor
    double bpl;  // packet-loss robustness factor
};

[[nodiscard]] CodecImpairment codec_impairment(Codec codec) noexcept;

// The E-model codec for an RTP encoding name (rtpmap, case-insensitive): PCMU/PCMA -> kG711Plc,
// G722 -> kG722, G723 -> kG723, G729 -> kG729, opus -> kOpus. Unknown names give kG711Plc (the
// best case, so an unknown codec never looks worse than the network makes it).
[[nodiscard]] Codec codec_from_encoding(std::string_view encoding_name) noexcept;

struct QualityInput {
    double packet_loss_percent = 0;  // Ppl, 0..100 (network loss plus late-discarded)
    double burst_ratio = 1;          // BurstR: 1 = random loss, > 1 bursty
    double one_way_delay_ms = 0;     // mouth-to-ear, without the jitter buffer
    double jitter_ms = 0;            // interarrival jitter (RFC 3550 A.8), milliseconds
    Codec codec = Codec::kG711Plc;
};

struct QualityEstimate {
    double r_factor;  // 0..100
    double mos;       // 1..4.5 (G.107 Annex B MOS_CQE)
};

// The E-model's terms, for display and tests.
struct EModelTerms {
    double ro, is, id, ie_eff, a, r;
};

[[nodiscard]] EModelTerms emodel_terms(const QualityInput& input) noexcept;
[[nodiscard]] QualityEstimate estimate_quality(const QualityInput& input) noexcept;

// G.107 Annex B: MOS from R.
[[nodiscard]] double mos_from_r(double r) noexcept;

// G.107 7.3 Idd for an absolute delay Ta in ms (mT = 100 ms, sT = 1).
[[nodiscard]] double delay_impairment_idd(double ta_ms) noexcept;

// Ie,eff = Ie + (95 - Ie) * Ppl / (Ppl / BurstR + Bpl).
[[nodiscard]] double effective_equipment_impairment(double ie, double bpl, double ppl,
                                                    double burst_ratio) noexcept;

// BurstR from a 2-state Gilbert model: p = P(loss | previous received), q = P(received | previous
// lost); BurstR = 1 / (p + q). Random loss at rate L has p = L, q = 1 - L, so BurstR = 1.
[[nodiscard]] double burst_ratio_from_gilbert(double p, double q) noexcept;

// Counts loss runs in a sequence of received/lost outcomes (e.g. fed from sequence-number gaps)
// and estimates the Gilbert p and q and BurstR from them. O(1) per outcome, no allocation.
class LossRunTracker {
  public:
    void on_received(std::uint64_t count = 1) noexcept;
    void on_lost(std::uint64_t count = 1) noexcept;

    [[nodiscard]] std::uint64_t received() const noexcept { return received_; }
    [[nodiscard]] std::uint64_t lost() const noexcept { return lost_; }
    [[nodiscard]] std::uint64_t loss_runs() const noexcept { return runs_; }
    [[nodiscard]] double loss_percent() const noexcept;
    [[nodiscard]] double p() const noexcept;            // loss runs / received
    [[nodiscard]] double q() const noexcept;            // loss runs / lost
    [[nodiscard]] double burst_ratio() const noexcept;  // 1 when there is no loss

  private:
    std::uint64_t received_ = 0;
    std::uint64_t lost_ = 0;
    std::uint64_t runs_ = 0;  // maximal runs of consecutive losses
    bool last_lost_ = false;
};

}  // namespace rtpx::rtp
