#include "rtpx/rtp/quality.hpp"

#include <algorithm>
#include <cmath>

namespace rtpx::rtp {
namespace {

// G.107 Table 3 default values.
constexpr double kSlr = 8, kRlr = 2, kStmr = 15, kLstr = 18, kDs = 3, kTelr = 65, kWepl = 110;
constexpr double kQdu = 1, kNc = -70, kNfor = -64, kPs = 35, kPr = 35, kA = 0;

double p10(double x) noexcept {
    return std::pow(10.0, x / 10.0);
}

struct Base {
    double no, ro, is, olr;
};

// Ro and Is depend only on the defaults and on T (through STMRo in Ist); computed per call, the
// cost is a few dozen transcendental functions.
Base base_terms(double t) noexcept {
    Base b{};
    b.olr = kSlr + kRlr;
    const double nos = kPs - kSlr - kDs - 100 + 0.004 * std::pow(kPs - b.olr - kDs - 14, 2);
    const double pre = kPr + 10 * std::log10(1 + p10(10 - kLstr));
    const double nor = kRlr - 121 + pre + 0.008 * std::pow(pre - 35, 2);
    const double nfo = kNfor + kRlr;
    b.no = 10 * std::log10(p10(kNc) + p10(nos) + p10(nor) + p10(nfo));
    b.ro = 15 - 1.5 * (kSlr + b.no);

    const double xolr = b.olr + 0.2 * (64 + b.no - kRlr);
    const double iolr = 20 * (std::pow(1 + std::pow(xolr / 8, 8), 1.0 / 8) - xolr / 8);
    const double stmro = -10 * std::log10(p10(-kStmr) + std::exp(-t / 4) * p10(-kTelr));
    const double ist = 12 * std::pow(1 + std::pow((stmro - 13) / 6, 8), 1.0 / 8) -
                       28 * std::pow(1 + std::pow((stmro + 1) / 19.4, 35), 1.0 / 35) -
                       13 * std::pow(1 + std::pow((stmro - 3) / 33, 13), 1.0 / 13) + 29;
    const double q = 37 - 15 * std::log10(kQdu);
    const double g = 1.07 + 0.258 * q + 0.0602 * q * q;
    const double z = 46.0 / 30 - g / 40;
    const double y = (b.ro - 100) / 15 + 46.0 / 8.4 - g / 9;
    const double iq = 15 * std::log10(1 + std::pow(10, y) + std::pow(10, z));
    b.is = iolr + ist + iq;
    return b;
}

}  // namespace

CodecImpairment codec_impairment(Codec codec) noexcept {
    switch (codec) {
        case Codec::kG711: return {0, 4.3};
        case Codec::kG711Plc: return {0, 25.1};
        case Codec::kG722: return {0, 25.1};
        case Codec::kG723: return {15, 16.1};
        case Codec::kG729: return {11, 19.0};
        case Codec::kOpus: return {0, 25.1};
    }
    return {0, 25.1};
}

Codec codec_from_encoding(std::string_view name) noexcept {
    auto iequals = [](std::string_view a, std::string_view b) {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i) {
            char x = a[i];
            char y = b[i];
            if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
            if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
            if (x != y) return false;
        }
        return true;
    };
    if (iequals(name, "PCMU") || iequals(name, "PCMA")) return Codec::kG711Plc;
    if (iequals(name, "G722")) return Codec::kG722;
    if (iequals(name, "G723")) return Codec::kG723;
    if (iequals(name, "G729")) return Codec::kG729;
    if (iequals(name, "opus")) return Codec::kOpus;
    return Codec::kG711Plc;
}

double delay_impairment_idd(double ta_ms) noexcept {
    constexpr double kMt = 100;  // mT, sT = 1
    if (ta_ms <= kMt) return 0;
    const double x = std::log10(ta_ms / kMt) / std::log10(2.0);
    return 25 * (std::pow(1 + std::pow(x, 6), 1.0 / 6) -
                 3 * std::pow(1 + std::pow(x / 3, 6), 1.0 / 6) + 2);
}

double effective_equipment_impairment(double ie, double bpl, double ppl,
                                      double burst_ratio) noexcept {
    ppl = std::clamp(ppl, 0.0, 100.0);
    if (!(burst_ratio > 0)) burst_ratio = 1;
    if (ppl == 0) return ie;
    return ie + (95 - ie) * ppl / (ppl / burst_ratio + bpl);
}

EModelTerms emodel_terms(const QualityInput& input) noexcept {
    const double jitter = std::max(0.0, input.jitter_ms);
    const double ta = std::max(0.0, input.one_way_delay_ms) + 2 * jitter;
    const double t = ta;
    const double tr = 2 * t;
    const Base b = base_terms(t);

    // Talker echo, Idte.
    const double terv =
        kTelr - 40 * std::log10((1 + t / 10) / (1 + t / 150)) + 6 * std::exp(-0.3 * t * t);
    const double roe = -1.5 * (b.no - kRlr);
    const double re = 80 + 2.5 * (terv - 14);
    const double idte =
        ((roe - re) / 2 + std::sqrt((roe - re) * (roe - re) / 4 + 100) - 1) * (1 - std::exp(-t));
    // Listener echo, Idle.
    const double rle = 10.5 * (kWepl + 7) * std::pow(tr + 1, -0.25);
    const double idle = (b.ro - rle) / 2 + std::sqrt((b.ro - rle) * (b.ro - rle) / 4 + 169);
    const double idd = delay_impairment_idd(ta);

    const CodecImpairment ci = codec_impairment(input.codec);
    EModelTerms e{};
    e.ro = b.ro;
    e.is = b.is;
    e.id = idte + idle + idd;
    e.ie_eff =
        effective_equipment_impairment(ci.ie, ci.bpl, input.packet_loss_percent, input.burst_ratio);
    e.a = kA;
    e.r = std::clamp(e.ro - e.is - e.id - e.ie_eff + e.a, 0.0, 100.0);
    return e;
}

double mos_from_r(double r) noexcept {
    if (r <= 0) return 1.0;
    if (r >= 100) return 4.5;
    return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
}

QualityEstimate estimate_quality(const QualityInput& input) noexcept {
    const EModelTerms e = emodel_terms(input);
    return {e.r, mos_from_r(e.r)};
}

double burst_ratio_from_gilbert(double p, double q) noexcept {
    const double s = p + q;
    return s > 0 ? 1.0 / s : 1.0;
}

void LossRunTracker::on_received(std::uint64_t count) noexcept {
    if (count == 0) return;
    received_ += count;
    last_lost_ = false;
}

void LossRunTracker::on_lost(std::uint64_t count) noexcept {
    if (count == 0) return;
    if (!last_lost_) runs_++;
    lost_ += count;
    last_lost_ = true;
}

double LossRunTracker::loss_percent() const noexcept {
    const std::uint64_t total = received_ + lost_;
    return total ? 100.0 * static_cast<double>(lost_) / static_cast<double>(total) : 0.0;
}

double LossRunTracker::p() const noexcept {
    return received_ ? static_cast<double>(runs_) / static_cast<double>(received_) : 0.0;
}

double LossRunTracker::q() const noexcept {
    return lost_ ? static_cast<double>(runs_) / static_cast<double>(lost_) : 1.0;
}

double LossRunTracker::burst_ratio() const noexcept {
    if (lost_ == 0 || received_ == 0) return 1.0;
    return burst_ratio_from_gilbert(p(), q());
}

}  // namespace rtpx::rtp
