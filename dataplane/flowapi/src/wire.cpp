#include "rtpx/flowapi/wire.hpp"

#include <cstring>
#include <type_traits>

namespace rtpx::flowapi {

namespace {

constexpr std::uint32_t kMaxListCount = 4'000'000;

// ---- Writer -------------------------------------------------------------------------------------

class Writer {
  public:
    void u8(std::uint8_t v) { out_.push_back(v); }
    void u16(std::uint16_t v) {
        u8(static_cast<std::uint8_t>(v >> 8));
        u8(static_cast<std::uint8_t>(v));
    }
    void u32(std::uint32_t v) {
        u16(static_cast<std::uint16_t>(v >> 16));
        u16(static_cast<std::uint16_t>(v));
    }
    void u64(std::uint64_t v) {
        u32(static_cast<std::uint32_t>(v >> 32));
        u32(static_cast<std::uint32_t>(v));
    }
    void bytes(const std::uint8_t* p, std::size_t n) { out_.insert(out_.end(), p, p + n); }
    void str8(std::string_view s) {
        const std::size_t n = std::min<std::size_t>(s.size(), 255);
        u8(static_cast<std::uint8_t>(n));
        bytes(reinterpret_cast<const std::uint8_t*>(s.data()), n);
    }
    void str16(std::string_view s) {
        const std::size_t n = std::min<std::size_t>(s.size(), 65535);
        u16(static_cast<std::uint16_t>(n));
        bytes(reinterpret_cast<const std::uint8_t*>(s.data()), n);
    }
    void endpoint(const Endpoint& e) {
        u8(static_cast<std::uint8_t>(e.address.family));
        bytes(e.address.bytes.data(), e.address.size());
        u16(e.port);
    }
    void count(std::size_t n) { u32(static_cast<std::uint32_t>(n)); }
    std::vector<std::uint8_t>& out() { return out_; }
    std::uint16_t version = kProtocolVersion;

  private:
    std::vector<std::uint8_t> out_;
};

void encode_srtp(Writer& w, const SrtpParams& p) {
    const auto& info = suite_info(p.suite);
    w.u8(static_cast<std::uint8_t>(p.suite));
    w.u8(info.key_size);
    w.bytes(p.master_key.data(), info.key_size);
    w.u8(info.salt_size);
    w.bytes(p.master_salt.data(), info.salt_size);
}

enum RewriteBits : std::uint8_t { kRewriteSsrc = 1, kRewriteSeq = 2, kRewriteTs = 4 };
enum FlagBits : std::uint8_t { kFlagRtcpMux = 1, kFlagTransportCc = 2 };

void encode_flow_spec(Writer& w, const FlowSpec& s) {
    w.endpoint(s.local);
    w.endpoint(s.remote);
    w.u8(static_cast<std::uint8_t>(s.latching));
    w.endpoint(s.egress_source);
    w.endpoint(s.egress_destination);
    w.u8(s.next_hop_mac ? 1 : 0);
    if (s.next_hop_mac) w.bytes(s.next_hop_mac->data(), 6);
    encode_srtp(w, s.srtp_ingress);
    encode_srtp(w, s.srtp_egress);
    std::uint8_t pts = 0;
    for (std::size_t i = 0; i < s.pt_map.size(); ++i) pts += s.pt_map[i] != i ? 1 : 0;
    w.u8(pts);
    for (std::size_t i = 0; i < s.pt_map.size(); ++i) {
        if (s.pt_map[i] == i) continue;
        w.u8(static_cast<std::uint8_t>(i));
        w.u8(s.pt_map[i]);
    }
    std::uint16_t ids = 0;
    for (std::size_t i = 1; i < s.extension_map.size(); ++i) ids += s.extension_map[i] != i ? 1 : 0;
    w.u16(ids);
    for (std::size_t i = 1; i < s.extension_map.size(); ++i) {
        if (s.extension_map[i] == i) continue;
        w.u8(static_cast<std::uint8_t>(i));
        w.u8(s.extension_map[i]);
    }
    w.u8(static_cast<std::uint8_t>((s.rewrite_ssrc ? kRewriteSsrc : 0) |
                                   (s.seq_offset ? kRewriteSeq : 0) |
                                   (s.timestamp_offset ? kRewriteTs : 0)));
    if (s.rewrite_ssrc) w.u32(*s.rewrite_ssrc);
    if (s.seq_offset) w.u16(*s.seq_offset);
    if (s.timestamp_offset) w.u32(*s.timestamp_offset);
    w.u8(static_cast<std::uint8_t>(s.rtcp_mode));
    w.u8(static_cast<std::uint8_t>((s.rtcp_mux ? kFlagRtcpMux : 0) |
                                   (s.transport_cc_feedback ? kFlagTransportCc : 0)));
    if (w.version >= 2) w.u8(s.transport_cc_extension_id);
    w.u32(s.clock_rate);
    w.u32(s.inactivity_timeout_ms);
    w.u64(s.cookie);
    if (w.version >= 3) {
        w.u32(s.rate_limit.packets_per_s);
        w.u32(s.rate_limit.burst_packets);
        w.u64(s.rate_limit.bytes_per_s);
        w.u32(s.rate_limit.burst_bytes);
    }
}

void encode_flow_stats(Writer& w, const FlowStats& s) {
    w.endpoint(s.key);
    w.u64(s.cookie);
    w.endpoint(s.latched);
    const auto& c = s.counters;
    w.u64(c.packets);
    w.u64(c.bytes);
    w.u64(c.rtcp_packets);
    w.u8(static_cast<std::uint8_t>(c.drops.size()));
    for (auto d : c.drops) w.u64(d);
    w.u64(c.srtp_auth_failures);
    w.u64(static_cast<std::uint64_t>(c.last_packet_unix_ns));
    const auto& r = s.rtp;
    w.u32(r.ssrc);
    w.u8(r.validated ? 1 : 0);
    w.u64(r.received);
    w.u64(static_cast<std::uint64_t>(r.expected));
    w.u32(static_cast<std::uint32_t>(r.cumulative_lost));
    w.u32(r.extended_highest_seq);
    w.u32(r.jitter);
    w.u64(r.duplicates);
    w.u64(r.reordered);
    w.u64(r.ssrc_changes);
    if (w.version >= 2) w.u64(s.estimated_bitrate_bps);
}

void encode_event(Writer& w, const Event& e) {
    w.u8(static_cast<std::uint8_t>(e.kind));
    w.endpoint(e.key);
    w.u64(e.cookie);
    w.u64(e.value);
    w.endpoint(e.address);
    w.u64(static_cast<std::uint64_t>(e.unix_ns));
}

void encode_body(Writer& w, const Hello& m) {
    w.u16(m.min_version);
    w.u16(m.max_version);
    w.str8(m.name);
}
void encode_body(Writer& w, const HelloReply& m) {
    w.u16(m.version);
    w.str8(m.name);
    w.u32(m.flow_count);
}
void encode_body(Writer& w, const Batch& m) {
    w.count(m.ops.size());
    for (const auto& op : m.ops) {
        w.u8(static_cast<std::uint8_t>(op.kind));
        if (op.kind == OpKind::kDelete) {
            w.endpoint(op.spec.local);
        } else {
            encode_flow_spec(w, op.spec);
        }
    }
}
void encode_body(Writer& w, const BatchReply& m) {
    w.u8(m.ok ? 1 : 0);
    w.u32(m.applied);
    w.u32(m.failed_index);
    w.str16(m.error);
}
void encode_body(Writer& w, const StatsQuery& m) {
    w.count(m.keys.size());
    for (const auto& k : m.keys) w.endpoint(k);
}
void encode_body(Writer& w, const StatsReply& m) {
    w.u64(m.totals.rx_packets);
    w.u64(m.totals.tx_packets);
    w.u8(static_cast<std::uint8_t>(m.totals.drops.size()));
    for (auto d : m.totals.drops) w.u64(d);
    w.count(m.flows.size());
    for (const auto& f : m.flows) encode_flow_stats(w, f);
}
void encode_body(Writer&, const DumpQuery&) {}
void encode_body(Writer& w, const DumpReply& m) {
    w.count(m.flows.size());
    for (const auto& f : m.flows) encode_flow_spec(w, f);
}
void encode_body(Writer& w, const Subscribe& m) {
    w.u8(m.events ? 1 : 0);
}
void encode_body(Writer& w, const Events& m) {
    w.count(m.events.size());
    for (const auto& e : m.events) encode_event(w, e);
}
void encode_body(Writer& w, const ErrorReply& m) {
    w.str16(m.what);
}

// ---- Reader -------------------------------------------------------------------------------------

// Reads big-endian fields; the first failure is kept and every later read returns zeros, so the
// decoders read straight through and check ok() where a value decides what follows.
class Reader {
  public:
    explicit Reader(std::span<const std::uint8_t> in) : in_(in) {}

    bool ok() const { return !failed_; }
    const DecodeError& error() const { return error_; }
    std::size_t pos() const { return pos_; }
    std::size_t remaining() const { return in_.size() - pos_; }
    void set_index(std::uint32_t index) { index_ = index; }
    std::uint16_t version = kProtocolVersion;

    bool fail(DecodeErrc code, const char* field, const char* what, std::size_t at) {
        if (!failed_) {
            failed_ = true;
            error_ = DecodeError{code, static_cast<std::uint32_t>(at), field, index_, what};
        }
        return false;
    }
    bool fail(DecodeErrc code, const char* field, const char* what) {
        return fail(code, field, what, pos_);
    }

    bool need(std::size_t n, const char* field) {
        if (failed_) return false;
        if (remaining() < n) return fail(DecodeErrc::kTruncated, field, "frame ends inside field");
        return true;
    }
    std::uint8_t u8(const char* field) {
        if (!need(1, field)) return 0;
        return in_[pos_++];
    }
    std::uint16_t u16(const char* field) {
        if (!need(2, field)) return 0;
        const auto v = static_cast<std::uint16_t>((in_[pos_] << 8) | in_[pos_ + 1]);
        pos_ += 2;
        return v;
    }
    std::uint32_t u32(const char* field) {
        if (!need(4, field)) return 0;
        std::uint32_t v = 0;
        for (int i = 0; i < 4; ++i) v = (v << 8) | in_[pos_++];
        return v;
    }
    std::uint64_t u64(const char* field) {
        if (!need(8, field)) return 0;
        std::uint64_t v = 0;
        for (int i = 0; i < 8; ++i) v = (v << 8) | in_[pos_++];
        return v;
    }
    void bytes(std::uint8_t* out, std::size_t n, const char* field) {
        if (!need(n, field)) return;
        std::memcpy(out, in_.data() + pos_, n);
        pos_ += n;
    }
    std::string str(std::size_t n, const char* field) {
        if (!need(n, field)) return {};
        std::string s(reinterpret_cast<const char*>(in_.data() + pos_), n);
        pos_ += n;
        return s;
    }
    // A list count, checked against the bytes left (each element takes >= min_element bytes).
    std::uint32_t count(const char* field, std::size_t min_element) {
        const std::size_t at = pos_;
        const std::uint32_t n = u32(field);
        if (failed_) return 0;
        if (n > kMaxListCount || static_cast<std::uint64_t>(n) * min_element > remaining()) {
            fail(DecodeErrc::kBadLength, field, "count exceeds the bytes in the frame", at);
            return 0;
        }
        return n;
    }

    Endpoint endpoint(const char* family_field, const char* port_field) {
        Endpoint e;
        const std::size_t at = pos_;
        const std::uint8_t family = u8(family_field);
        if (!ok()) return e;
        if (family != 0 && family != 4 && family != 6) {
            fail(DecodeErrc::kBadValue, family_field, "address family is not 0, 4 or 6", at);
            return e;
        }
        e.address.family = static_cast<AddressFamily>(family);
        bytes(e.address.bytes.data(), e.address.size(), family_field);
        e.port = u16(port_field);
        return e;
    }

  private:
    std::span<const std::uint8_t> in_;
    std::size_t pos_ = 0;
    std::uint32_t index_ = kNoIndex;
    bool failed_ = false;
    DecodeError error_;
};

void decode_srtp(Reader& r, SrtpParams& p, const char* suite_field, const char* key_field,
                 const char* salt_field) {
    const std::size_t at = r.pos();
    const std::uint8_t suite = r.u8(suite_field);
    if (!r.ok()) return;
    if (suite >= kSrtpSuiteCount) {
        r.fail(DecodeErrc::kBadValue, suite_field, "unknown SRTP suite", at);
        return;
    }
    p.suite = static_cast<SrtpSuite>(suite);
    const auto& info = suite_info(p.suite);
    const std::size_t key_at = r.pos();
    const std::uint8_t key_size = r.u8(key_field);
    if (r.ok() && key_size != info.key_size) {
        r.fail(DecodeErrc::kInvalid, key_field, "key size does not match the suite", key_at);
        return;
    }
    r.bytes(p.master_key.data(), key_size, key_field);
    const std::size_t salt_at = r.pos();
    const std::uint8_t salt_size = r.u8(salt_field);
    if (r.ok() && salt_size != info.salt_size) {
        r.fail(DecodeErrc::kInvalid, salt_field, "salt size does not match the suite", salt_at);
        return;
    }
    r.bytes(p.master_salt.data(), salt_size, salt_field);
}

// `prefix` names the list the spec sits in ("ops[]" or "flows[]"): field names are static strings,
// so each caller passes its own table.
struct SpecFields {
    const char* local_family;
    const char* local_port;
    const char* remote_family;
    const char* remote_port;
    const char* latching;
    const char* egress_source_family;
    const char* egress_source_port;
    const char* egress_destination_family;
    const char* egress_destination_port;
    const char* next_hop_mac;
    const char* srtp_ingress_suite;
    const char* srtp_ingress_key;
    const char* srtp_ingress_salt;
    const char* srtp_egress_suite;
    const char* srtp_egress_key;
    const char* srtp_egress_salt;
    const char* pt_map;
    const char* extension_map;
    const char* rewrite;
    const char* rtcp_mode;
    const char* flags;
    const char* transport_cc_extension_id;
    const char* clock_rate;
    const char* inactivity_timeout_ms;
    const char* cookie;
    const char* rate_limit_packets_per_s;
    const char* rate_limit_burst_packets;
    const char* rate_limit_bytes_per_s;
    const char* rate_limit_burst_bytes;
};
#define RTPX_SPEC_FIELDS(p)                                                                        \
    SpecFields {                                                                                   \
        p ".local.address", p ".local.port", p ".remote.address", p ".remote.port", p ".latching", \
            p ".egress_source.address", p ".egress_source.port", p ".egress_destination.address",  \
            p ".egress_destination.port", p ".next_hop_mac", p ".srtp_ingress.suite",              \
            p ".srtp_ingress.master_key", p ".srtp_ingress.master_salt", p ".srtp_egress.suite",   \
            p ".srtp_egress.master_key", p ".srtp_egress.master_salt", p ".pt_map",                \
            p ".extension_map", p ".rewrite", p ".rtcp_mode", p ".flags",                          \
            p ".transport_cc_extension_id", p ".clock_rate", p ".inactivity_timeout_ms",           \
            p ".cookie", p ".rate_limit.packets_per_s", p ".rate_limit.burst_packets",             \
            p ".rate_limit.bytes_per_s", p ".rate_limit.burst_bytes"                               \
    }
constexpr SpecFields kOpFields = RTPX_SPEC_FIELDS("ops[]");
constexpr SpecFields kDumpFields = RTPX_SPEC_FIELDS("flows[]");
#undef RTPX_SPEC_FIELDS

// Maps validate()'s field names ("local.port") to the list's ("ops[].local.port").
const char* prefixed(const SpecFields& f, const char* field) {
    const std::string_view name(field);
    const SpecFields& base = kOpFields;
    const char* const* b = &base.local_family;
    const char* const* out = &f.local_family;
    constexpr std::size_t n = sizeof(SpecFields) / sizeof(const char*);
    for (std::size_t i = 0; i < n; ++i) {
        if (std::string_view(b[i]).substr(6) == name) return out[i];  // strip "ops[]."
    }
    return f.local_family;
}

FlowSpec decode_flow_spec(Reader& r, const SpecFields& f) {
    FlowSpec s;
    const std::size_t start = r.pos();
    s.local = r.endpoint(f.local_family, f.local_port);
    s.remote = r.endpoint(f.remote_family, f.remote_port);
    std::size_t at = r.pos();
    const std::uint8_t latching = r.u8(f.latching);
    if (r.ok() && latching > static_cast<std::uint8_t>(Latching::kStrict)) {
        r.fail(DecodeErrc::kBadValue, f.latching, "latching is not 0 (off), 1 or 2", at);
    }
    s.latching = static_cast<Latching>(latching);
    s.egress_source = r.endpoint(f.egress_source_family, f.egress_source_port);
    s.egress_destination = r.endpoint(f.egress_destination_family, f.egress_destination_port);
    at = r.pos();
    const std::uint8_t has_mac = r.u8(f.next_hop_mac);
    if (r.ok() && has_mac > 1) r.fail(DecodeErrc::kBadValue, f.next_hop_mac, "flag not 0/1", at);
    if (has_mac == 1) {
        MacAddress mac{};
        r.bytes(mac.data(), mac.size(), f.next_hop_mac);
        s.next_hop_mac = mac;
    }
    decode_srtp(r, s.srtp_ingress, f.srtp_ingress_suite, f.srtp_ingress_key, f.srtp_ingress_salt);
    decode_srtp(r, s.srtp_egress, f.srtp_egress_suite, f.srtp_egress_key, f.srtp_egress_salt);
    const std::uint8_t pts = r.u8(f.pt_map);
    for (std::uint8_t i = 0; i < pts && r.ok(); ++i) {
        at = r.pos();
        const std::uint8_t from = r.u8(f.pt_map);
        const std::uint8_t to = r.u8(f.pt_map);
        if (r.ok() && (from > 127 || to > 127)) {
            r.fail(DecodeErrc::kBadValue, f.pt_map, "payload type above 127", at);
        }
        if (r.ok()) s.pt_map[from] = to;
    }
    const std::uint16_t ids = r.u16(f.extension_map);
    for (std::uint16_t i = 0; i < ids && r.ok(); ++i) {
        at = r.pos();
        const std::uint8_t from = r.u8(f.extension_map);
        const std::uint8_t to = r.u8(f.extension_map);
        if (r.ok() && from == 0) r.fail(DecodeErrc::kBadValue, f.extension_map, "ID 0", at);
        if (r.ok()) s.extension_map[from] = to;
    }
    at = r.pos();
    const std::uint8_t rewrite = r.u8(f.rewrite);
    if (r.ok() && (rewrite & ~7u) != 0) {
        r.fail(DecodeErrc::kBadValue, f.rewrite, "unknown rewrite bits", at);
    }
    if ((rewrite & kRewriteSsrc) != 0) s.rewrite_ssrc = r.u32(f.rewrite);
    if ((rewrite & kRewriteSeq) != 0) s.seq_offset = r.u16(f.rewrite);
    if ((rewrite & kRewriteTs) != 0) s.timestamp_offset = r.u32(f.rewrite);
    at = r.pos();
    const std::uint8_t rtcp_mode = r.u8(f.rtcp_mode);
    if (r.ok() && rtcp_mode > static_cast<std::uint8_t>(RtcpMode::kTerminate)) {
        r.fail(DecodeErrc::kBadValue, f.rtcp_mode, "RTCP mode is not 0 or 1", at);
    }
    s.rtcp_mode = static_cast<RtcpMode>(rtcp_mode);
    at = r.pos();
    const std::uint8_t flags = r.u8(f.flags);
    if (r.ok() && (flags & ~3u) != 0) r.fail(DecodeErrc::kBadValue, f.flags, "unknown flags", at);
    s.rtcp_mux = (flags & kFlagRtcpMux) != 0;
    s.transport_cc_feedback = (flags & kFlagTransportCc) != 0;
    if (r.version >= 2) s.transport_cc_extension_id = r.u8(f.transport_cc_extension_id);
    s.clock_rate = r.u32(f.clock_rate);
    s.inactivity_timeout_ms = r.u32(f.inactivity_timeout_ms);
    s.cookie = r.u64(f.cookie);
    if (r.version >= 3) {
        s.rate_limit.packets_per_s = r.u32(f.rate_limit_packets_per_s);
        s.rate_limit.burst_packets = r.u32(f.rate_limit_burst_packets);
        s.rate_limit.bytes_per_s = r.u64(f.rate_limit_bytes_per_s);
        s.rate_limit.burst_bytes = r.u32(f.rate_limit_burst_bytes);
    }
    if (r.ok()) {
        if (const auto problem = validate(s); problem.field != nullptr) {
            r.fail(DecodeErrc::kInvalid, prefixed(f, problem.field), problem.what, start);
        }
    }
    return s;
}

constexpr std::size_t kMinEndpoint = 3;
constexpr std::size_t kMinSpec = 4 * kMinEndpoint + 1 + 1 + 2 * 3 + 1 + 2 + 1 + 2 + 16;

FlowStats decode_flow_stats(Reader& r) {
    FlowStats s;
    s.key = r.endpoint("flows[].key.address", "flows[].key.port");
    s.cookie = r.u64("flows[].cookie");
    s.latched = r.endpoint("flows[].latched.address", "flows[].latched.port");
    auto& c = s.counters;
    c.packets = r.u64("flows[].packets");
    c.bytes = r.u64("flows[].bytes");
    c.rtcp_packets = r.u64("flows[].rtcp_packets");
    const std::uint8_t n = r.u8("flows[].drops");
    for (std::size_t i = 0; i < n && r.ok(); ++i) {
        const std::uint64_t v = r.u64("flows[].drops");
        if (i < c.drops.size()) c.drops[i] = v;  // newer reasons than ours are ignored
    }
    c.srtp_auth_failures = r.u64("flows[].srtp_auth_failures");
    c.last_packet_unix_ns = static_cast<std::int64_t>(r.u64("flows[].last_packet_unix_ns"));
    auto& rtp = s.rtp;
    rtp.ssrc = r.u32("flows[].rtp.ssrc");
    rtp.validated = r.u8("flows[].rtp.validated") != 0;
    rtp.received = r.u64("flows[].rtp.received");
    rtp.expected = static_cast<std::int64_t>(r.u64("flows[].rtp.expected"));
    rtp.cumulative_lost = static_cast<std::int32_t>(r.u32("flows[].rtp.cumulative_lost"));
    rtp.extended_highest_seq = r.u32("flows[].rtp.extended_highest_seq");
    rtp.jitter = r.u32("flows[].rtp.jitter");
    rtp.duplicates = r.u64("flows[].rtp.duplicates");
    rtp.reordered = r.u64("flows[].rtp.reordered");
    rtp.ssrc_changes = r.u64("flows[].rtp.ssrc_changes");
    if (r.version >= 2) s.estimated_bitrate_bps = r.u64("flows[].estimated_bitrate_bps");
    return s;
}

Event decode_event(Reader& r) {
    Event e;
    const std::size_t at = r.pos();
    const std::uint8_t kind = r.u8("events[].kind");
    if (r.ok() && kind >= kEventKindCount) {
        r.fail(DecodeErrc::kBadValue, "events[].kind", "unknown event kind", at);
    }
    e.kind = static_cast<EventKind>(kind);
    e.key = r.endpoint("events[].key.address", "events[].key.port");
    e.cookie = r.u64("events[].cookie");
    e.value = r.u64("events[].value");
    e.address = r.endpoint("events[].address.address", "events[].address.port");
    e.unix_ns = static_cast<std::int64_t>(r.u64("events[].unix_ns"));
    return e;
}

Message decode_body(Reader& r, MessageType type, std::size_t type_at) {
    switch (type) {
        case MessageType::kHello: {
            Hello m;
            m.min_version = r.u16("min_version");
            m.max_version = r.u16("max_version");
            m.name = r.str(r.u8("name"), "name");
            return m;
        }
        case MessageType::kHelloReply: {
            HelloReply m;
            m.version = r.u16("version");
            m.name = r.str(r.u8("name"), "name");
            m.flow_count = r.u32("flow_count");
            return m;
        }
        case MessageType::kBatch: {
            Batch m;
            const std::uint32_t n = r.count("ops", 1 + kMinEndpoint);
            m.ops.reserve(n);
            for (std::uint32_t i = 0; i < n && r.ok(); ++i) {
                r.set_index(i);
                FlowOp op;
                const std::size_t at = r.pos();
                const std::uint8_t kind = r.u8("ops[].op");
                if (r.ok() && (kind < 1 || kind > 3)) {
                    r.fail(DecodeErrc::kBadValue, "ops[].op", "op is not 1 (add), 2 or 3", at);
                }
                op.kind = static_cast<OpKind>(kind);
                if (op.kind == OpKind::kDelete) {
                    op.spec = FlowSpec{};
                    const std::size_t key_at = r.pos();
                    op.spec.local = r.endpoint("ops[].local.address", "ops[].local.port");
                    if (r.ok() &&
                        (op.spec.local.address.is_unspecified() || op.spec.local.port == 0)) {
                        r.fail(DecodeErrc::kInvalid, "ops[].local.address",
                               "a flow key needs an address and a port", key_at);
                    }
                } else {
                    op.spec = decode_flow_spec(r, kOpFields);
                }
                m.ops.push_back(std::move(op));
            }
            r.set_index(kNoIndex);
            return m;
        }
        case MessageType::kBatchReply: {
            BatchReply m;
            const std::size_t at = r.pos();
            const std::uint8_t ok = r.u8("ok");
            if (r.ok() && ok > 1) r.fail(DecodeErrc::kBadValue, "ok", "flag not 0/1", at);
            m.ok = ok == 1;
            m.applied = r.u32("applied");
            m.failed_index = r.u32("failed_index");
            m.error = r.str(r.u16("error"), "error");
            return m;
        }
        case MessageType::kStatsQuery: {
            StatsQuery m;
            const std::uint32_t n = r.count("keys", kMinEndpoint);
            m.keys.reserve(n);
            for (std::uint32_t i = 0; i < n && r.ok(); ++i) {
                r.set_index(i);
                m.keys.push_back(r.endpoint("keys[].address", "keys[].port"));
            }
            r.set_index(kNoIndex);
            return m;
        }
        case MessageType::kStatsReply: {
            StatsReply m;
            m.totals.rx_packets = r.u64("totals.rx_packets");
            m.totals.tx_packets = r.u64("totals.tx_packets");
            const std::uint8_t n = r.u8("totals.drops");
            for (std::size_t i = 0; i < n && r.ok(); ++i) {
                const std::uint64_t v = r.u64("totals.drops");
                if (i < m.totals.drops.size()) m.totals.drops[i] = v;
            }
            const std::uint32_t count = r.count("flows", 2 * kMinEndpoint + 60);
            m.flows.reserve(count);
            for (std::uint32_t i = 0; i < count && r.ok(); ++i) {
                r.set_index(i);
                m.flows.push_back(decode_flow_stats(r));
            }
            r.set_index(kNoIndex);
            return m;
        }
        case MessageType::kDumpQuery: return DumpQuery{};
        case MessageType::kDumpReply: {
            DumpReply m;
            const std::uint32_t n = r.count("flows", kMinSpec);
            m.flows.reserve(n);
            for (std::uint32_t i = 0; i < n && r.ok(); ++i) {
                r.set_index(i);
                m.flows.push_back(decode_flow_spec(r, kDumpFields));
            }
            r.set_index(kNoIndex);
            return m;
        }
        case MessageType::kSubscribe: {
            const std::size_t at = r.pos();
            const std::uint8_t events = r.u8("events");
            if (r.ok() && events > 1) r.fail(DecodeErrc::kBadValue, "events", "flag not 0/1", at);
            return Subscribe{events == 1};
        }
        case MessageType::kEvents: {
            Events m;
            const std::uint32_t n = r.count("events", 2 * kMinEndpoint + 25);
            m.events.reserve(n);
            for (std::uint32_t i = 0; i < n && r.ok(); ++i) {
                r.set_index(i);
                m.events.push_back(decode_event(r));
            }
            r.set_index(kNoIndex);
            return m;
        }
        case MessageType::kError: {
            ErrorReply m;
            m.what = r.str(r.u16("what"), "what");
            return m;
        }
    }
    r.fail(DecodeErrc::kBadValue, "type", "unknown message type", type_at);
    return ErrorReply{};
}

}  // namespace

std::string_view to_string(DecodeErrc e) noexcept {
    switch (e) {
        case DecodeErrc::kTruncated: return "truncated";
        case DecodeErrc::kBadLength: return "bad length";
        case DecodeErrc::kBadVersion: return "bad version";
        case DecodeErrc::kBadValue: return "bad value";
        case DecodeErrc::kInvalid: return "invalid";
    }
    return "unknown";
}

std::string describe(const DecodeError& e) {
    std::string field(e.field);
    if (e.index != kNoIndex) {
        if (const auto brackets = field.find("[]"); brackets != std::string::npos) {
            field.insert(brackets + 1, std::to_string(e.index));
        }
    }
    return field + ": " + e.what + " (" + std::string(to_string(e.code)) + " at byte " +
           std::to_string(e.offset) + ")";
}

FieldProblem validate(const FlowSpec& s) noexcept {
    if (s.local.address.is_unspecified()) return {"local.address", "must be a media address"};
    if (s.local.port == 0) return {"local.port", "must not be 0"};
    if (s.egress_source.address.is_unspecified()) {
        return {"egress_source.address", "must be a media address"};
    }
    if (s.egress_destination.address.is_unspecified()) {
        return {"egress_destination.address", "must be specified"};
    }
    if (s.egress_destination.address.family != s.egress_source.address.family) {
        return {"egress_destination.address", "family differs from egress_source's"};
    }
    if (s.egress_destination.port == 0) return {"egress_destination.port", "must not be 0"};
    if (s.remote.address.family != AddressFamily::kNone &&
        s.remote.address.family != s.local.address.family) {
        return {"remote.address", "family differs from local's"};
    }
    for (auto pt : s.pt_map) {
        if (pt > 127) return {"pt_map", "payload type above 127"};
    }
    if (s.extension_map[0] != 0) return {"extension_map", "ID 0 cannot be mapped"};
    if (static_cast<std::size_t>(s.srtp_ingress.suite) >= kSrtpSuiteCount) {
        return {"srtp_ingress.suite", "unknown SRTP suite"};
    }
    if (static_cast<std::size_t>(s.srtp_egress.suite) >= kSrtpSuiteCount) {
        return {"srtp_egress.suite", "unknown SRTP suite"};
    }
    if (s.clock_rate == 0) return {"clock_rate", "must not be 0"};
    if (s.transport_cc_feedback && s.transport_cc_extension_id == 0) {
        return {"transport_cc_extension_id", "transport_cc_feedback needs the extension's ID"};
    }
    if (s.rate_limit.packets_per_s != 0 && s.rate_limit.burst_packets == 0) {
        return {"rate_limit.burst_packets", "a packet rate needs a non-zero burst"};
    }
    if (s.rate_limit.bytes_per_s != 0 && s.rate_limit.burst_bytes == 0) {
        return {"rate_limit.burst_bytes", "a byte rate needs a non-zero burst"};
    }
    return {};
}

tl::expected<std::size_t, DecodeError> frame_size(std::span<const std::uint8_t> prefix) noexcept {
    if (prefix.size() < 4) {
        return tl::unexpected(DecodeError{DecodeErrc::kTruncated, 0, "length", kNoIndex,
                                          "frame shorter than its length field"});
    }
    const std::uint32_t length = (std::uint32_t{prefix[0]} << 24) |
                                 (std::uint32_t{prefix[1]} << 16) |
                                 (std::uint32_t{prefix[2]} << 8) | prefix[3];
    if (length < kFrameHeaderSize - 4 || length > kMaxFrameSize - 4) {
        return tl::unexpected(DecodeError{DecodeErrc::kBadLength, 0, "length", kNoIndex,
                                          "frame length out of range"});
    }
    return std::size_t{length} + 4;
}

tl::expected<Envelope, DecodeError> decode(std::span<const std::uint8_t> frame) {
    auto size = frame_size(frame);
    if (!size) return tl::unexpected(size.error());
    if (*size != frame.size()) {
        return tl::unexpected(
            DecodeError{*size > frame.size() ? DecodeErrc::kTruncated : DecodeErrc::kBadLength, 0,
                        "length", kNoIndex, "frame length differs from the bytes received"});
    }
    Reader r(frame);
    (void)r.u32("length");
    const std::uint8_t version = r.u8("version");
    if (version < kMinProtocolVersion || version > kProtocolVersion) {
        return tl::unexpected(
            DecodeError{DecodeErrc::kBadVersion, 4, "version", kNoIndex, "unsupported version"});
    }
    const std::size_t type_at = r.pos();
    const auto type = static_cast<MessageType>(r.u8("type"));
    const std::size_t flags_at = r.pos();
    if (r.u16("flags") != 0) {
        return tl::unexpected(DecodeError{DecodeErrc::kBadValue,
                                          static_cast<std::uint32_t>(flags_at), "flags", kNoIndex,
                                          "reserved flags are not 0"});
    }
    Envelope env;
    env.version = version;
    r.version = version;
    env.request_id = r.u32("request_id");
    env.message = decode_body(r, type, type_at);
    if (!r.ok()) return tl::unexpected(r.error());
    if (r.remaining() != 0) {
        return tl::unexpected(DecodeError{DecodeErrc::kBadLength,
                                          static_cast<std::uint32_t>(r.pos()), "length", kNoIndex,
                                          "bytes left after the message"});
    }
    return env;
}

std::vector<std::uint8_t> encode(const Envelope& envelope) {
    Writer w;
    w.version = envelope.version;
    w.u32(0);  // length, patched below
    w.u8(static_cast<std::uint8_t>(envelope.version));
    w.u8(static_cast<std::uint8_t>(envelope.message.index() + 1));
    w.u16(0);
    w.u32(envelope.request_id);
    std::visit([&](const auto& m) { encode_body(w, m); }, envelope.message);
    auto& out = w.out();
    const auto length = static_cast<std::uint32_t>(out.size() - 4);
    out[0] = static_cast<std::uint8_t>(length >> 24);
    out[1] = static_cast<std::uint8_t>(length >> 16);
    out[2] = static_cast<std::uint8_t>(length >> 8);
    out[3] = static_cast<std::uint8_t>(length);
    return std::move(out);
}

}  // namespace rtpx::flowapi
