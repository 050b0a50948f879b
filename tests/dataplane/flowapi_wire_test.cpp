// The flow API wire format: round trips of every message type, and rejection of malformed frames
// naming the offending field and byte.
#include "rtpx/flowapi/wire.hpp"

#include <gtest/gtest.h>

namespace rtpx::flowapi {
namespace {

FlowSpec full_spec() {
    FlowSpec s;
    s.local = *parse_endpoint("192.0.2.1:30000");
    s.remote = *parse_endpoint("198.51.100.7:4000");
    s.latching = Latching::kStrict;
    s.egress_source = *parse_endpoint("[2001:db8::1]:30002");
    s.egress_destination = *parse_endpoint("[2001:db8::99]:5004");
    s.next_hop_mac = MacAddress{0x02, 0, 0, 0, 0, 0x42};
    s.srtp_ingress.suite = SrtpSuite::kAesCm128HmacSha1_80;
    for (std::size_t i = 0; i < 16; ++i)
        s.srtp_ingress.master_key[i] = static_cast<std::uint8_t>(i);
    for (std::size_t i = 0; i < 14; ++i)
        s.srtp_ingress.master_salt[i] = static_cast<std::uint8_t>(0xA0 + i);
    s.srtp_egress.suite = SrtpSuite::kAeadAes256Gcm;
    s.srtp_egress.master_key.fill(0x5A);
    for (std::size_t i = 0; i < 12; ++i) s.srtp_egress.master_salt[i] = 0x3C;
    s.pt_map[96] = 101;
    s.pt_map[0] = 8;
    s.extension_map[1] = 3;
    s.extension_map[5] = 0;
    s.extension_map[200] = 14;
    s.rewrite_ssrc = 0xDEADBEEF;
    s.seq_offset = 1000;
    s.timestamp_offset = 160000;
    s.rtcp_mode = RtcpMode::kTerminate;
    s.rtcp_mux = false;
    s.transport_cc_feedback = true;
    s.transport_cc_extension_id = 5;
    s.clock_rate = 48000;
    s.inactivity_timeout_ms = 30000;
    s.cookie = 0x0102030405060708;
    s.rate_limit = {60, 10, 24'000, 4'000};
    return s;
}

FlowSpec minimal_spec() {
    FlowSpec s;
    s.local = *parse_endpoint("192.0.2.1:30004");
    s.egress_source = *parse_endpoint("192.0.2.1:30006");
    s.egress_destination = *parse_endpoint("203.0.113.9:5004");
    return s;
}

Envelope round_trip(const Envelope& in) {
    const auto bytes = encode(in);
    auto size = frame_size(bytes);
    EXPECT_TRUE(size.has_value());
    EXPECT_EQ(*size, bytes.size());
    auto out = decode(bytes);
    EXPECT_TRUE(out.has_value()) << (out ? "" : describe(out.error()));
    return out ? *out : Envelope{};
}

TEST(FlowapiWire, RoundTripsEveryMessageType) {
    FlowStats stats;
    stats.key = minimal_spec().local;
    stats.cookie = 9;
    stats.latched = *parse_endpoint("198.51.100.7:4000");
    stats.counters.packets = 100;
    stats.counters.bytes = 17200;
    stats.counters.drops[static_cast<std::size_t>(DropReason::kStrictSource)] = 3;
    stats.counters.last_packet_unix_ns = 1'700'000'000'000'000'000;
    stats.rtp = {0x11223344, true, 100, 102, 2, 65636, 12, 1, 4, 1};
    stats.estimated_bitrate_bps = 512'000;
    Event event{EventKind::kLatched, minimal_spec().local, 9, 0, stats.latched, 42};
    DataplaneTotals totals{1000, 990, {}};
    totals.drops[static_cast<std::size_t>(DropReason::kNoFlow)] = 10;

    const std::vector<Envelope> messages = {
        {1, Hello{1, 1, "rtpx-controlplane"}},
        {1, HelloReply{1, "rtpx-dataplane", 2}},
        {2, Batch{{{OpKind::kAdd, full_spec()},
                   {OpKind::kModify, minimal_spec()},
                   {OpKind::kDelete,
                    [] {
                        FlowSpec d{};
                        d.local = minimal_spec().local;
                        return d;
                    }()}}}},
        {2, BatchReply{false, 0, 1, "ops[1]: no such flow"}},
        {3, StatsQuery{{minimal_spec().local, full_spec().local}}},
        {3, StatsReply{totals, {stats, stats}}},
        {4, DumpQuery{}},
        {4, DumpReply{{full_spec(), minimal_spec()}}},
        {5, Subscribe{true}},
        {0, Events{{event, event}}},
        {6, ErrorReply{"unsupported"}},
    };
    for (const auto& m : messages) {
        SCOPED_TRACE(m.message.index());
        EXPECT_EQ(round_trip(m), m);
    }
}

TEST(FlowapiWire, ReencodingADecodedFrameGivesTheSameBytes) {
    const auto bytes = encode({7, Batch{{{OpKind::kAdd, full_spec()}}}});
    auto decoded = decode(bytes);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(encode(*decoded), bytes);
}

TEST(FlowapiWire, HeaderFieldsAreBigEndianAtFixedOffsets) {
    const auto bytes = encode({0x01020304, DumpQuery{}});
    ASSERT_EQ(bytes.size(), kFrameHeaderSize);
    const std::vector<std::uint8_t> expected = {
        0x00, 0x00, 0x00, 0x08,  // length: 8 bytes follow
        0x03,                    // version 3
        0x07,                    // type: DumpQuery
        0x00, 0x00,              // flags
        0x01, 0x02, 0x03, 0x04,  // request id
    };
    EXPECT_EQ(bytes, expected);
}

// Each negative test corrupts one field of a valid frame and checks the error names it.
std::vector<std::uint8_t> batch_frame() {
    return encode({1, Batch{{{OpKind::kAdd, minimal_spec()}}}});
}
constexpr std::size_t kFirstOp = kFrameHeaderSize + 4;  // after the op count

TEST(FlowapiWire, RejectsFrameLengthOutOfRange) {
    auto bytes = batch_frame();
    bytes[0] = 0xFF;
    auto e = frame_size(bytes);
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().code, DecodeErrc::kBadLength);
    EXPECT_STREQ(e.error().field, "length");
}

TEST(FlowapiWire, RejectsLengthThatDisagreesWithTheBytes) {
    auto bytes = batch_frame();
    bytes.push_back(0);
    auto e = decode(bytes);
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().code, DecodeErrc::kBadLength);
    bytes.pop_back();
    bytes.pop_back();
    EXPECT_FALSE(decode(bytes));
}

TEST(FlowapiWire, RejectsUnknownVersion) {
    auto bytes = batch_frame();
    for (std::uint8_t v : {0, 4}) {
        bytes[4] = v;
        auto e = decode(bytes);
        ASSERT_FALSE(e);
        EXPECT_EQ(e.error().code, DecodeErrc::kBadVersion);
        EXPECT_EQ(e.error().offset, 4u);
    }
}

// Version 1 frames (before transport_cc_extension_id and estimated_bitrate_bps) stay decodable:
// the newer fields take their defaults, and re-encoding at version 1 gives the same bytes.
TEST(FlowapiWire, DecodesVersionOneFramesWithTheNewerFieldsAtTheirDefaults) {
    FlowSpec spec = minimal_spec();
    spec.rtcp_mode = RtcpMode::kTerminate;
    Envelope v1{1, Batch{{{OpKind::kAdd, spec}}}, 1};
    const auto bytes = encode(v1);
    EXPECT_EQ(bytes[4], 1);
    // Version 2 added the transport-cc ID byte, version 3 the 20-byte rate limit.
    EXPECT_EQ(bytes.size() + 1 + 20, encode({1, Batch{{{OpKind::kAdd, spec}}}}).size());
    auto decoded = decode(bytes);
    ASSERT_TRUE(decoded) << describe(decoded.error());
    EXPECT_EQ(decoded->version, 1);
    EXPECT_EQ(*decoded, v1);
    EXPECT_EQ(encode(*decoded), bytes);

    FlowStats stats;
    stats.key = spec.local;
    stats.estimated_bitrate_bps = 700'000;  // not carried by version 1
    const auto stats_v1 = encode({2, StatsReply{{}, {stats}}, 1});
    auto back = decode(stats_v1);
    ASSERT_TRUE(back) << describe(back.error());
    const auto& flows = std::get<StatsReply>(back->message).flows;
    ASSERT_EQ(flows.size(), 1u);
    EXPECT_EQ(flows[0].estimated_bitrate_bps, 0u);
    EXPECT_EQ(flows[0].key, spec.local);
}

TEST(FlowapiWire, CarriesTheTransportCcExtensionIdAfterTheFlags) {
    FlowSpec spec = minimal_spec();
    spec.transport_cc_feedback = true;
    spec.transport_cc_extension_id = 0xAB;
    const auto bytes = encode({1, Batch{{{OpKind::kAdd, spec}}}});
    // clock_rate, inactivity_timeout_ms, cookie (16 bytes) and the rate limit (20) follow the ID.
    ASSERT_GT(bytes.size(), 37u);
    EXPECT_EQ(bytes[bytes.size() - 37], 0xAB);
    EXPECT_EQ(bytes[bytes.size() - 38], 0x03);  // flags: rtcp_mux | transport_cc
    auto decoded = decode(bytes);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(std::get<Batch>(decoded->message).ops[0].spec.transport_cc_extension_id, 0xAB);
}

TEST(FlowapiWire, TransportCcFeedbackNeedsTheExtensionId) {
    FlowSpec spec = minimal_spec();
    spec.transport_cc_feedback = true;
    const auto problem = validate(spec);
    ASSERT_NE(problem.field, nullptr);
    EXPECT_STREQ(problem.field, "transport_cc_extension_id");
    auto e = decode(encode({1, Batch{{{OpKind::kAdd, spec}}}}));
    ASSERT_FALSE(e);
    EXPECT_STREQ(e.error().field, "ops[].transport_cc_extension_id");
}

// Version 3 appends the rate limit to the flow spec: big-endian at the spec's end, absent from
// version 2 frames (which decode with no limit and re-encode to the same bytes).
TEST(FlowapiWire, CarriesTheRateLimitAtTheSpecsEndFromVersionThree) {
    FlowSpec spec = minimal_spec();
    spec.rate_limit = {50, 5, 0x0102030405060708ull, 1500};
    const auto bytes = encode({1, Batch{{{OpKind::kAdd, spec}}}});
    const std::vector<std::uint8_t> tail(bytes.end() - 20, bytes.end());
    const std::vector<std::uint8_t> want = {0, 0, 0, 50, 0, 0, 0, 5, 1, 2,
                                            3, 4, 5, 6,  7, 8, 0, 0, 5, 0xDC};
    EXPECT_EQ(tail, want);
    auto decoded = decode(bytes);
    ASSERT_TRUE(decoded) << describe(decoded.error());
    EXPECT_EQ(std::get<Batch>(decoded->message).ops[0].spec.rate_limit, spec.rate_limit);

    const auto v2 = encode({1, Batch{{{OpKind::kAdd, spec}}}, 2});
    EXPECT_EQ(v2.size() + 20, bytes.size());
    auto old = decode(v2);
    ASSERT_TRUE(old) << describe(old.error());
    EXPECT_FALSE(std::get<Batch>(old->message).ops[0].spec.rate_limit.enabled());
    EXPECT_EQ(encode(*old), v2);
}

TEST(FlowapiWire, ARateNeedsABurstNamingTheField) {
    FlowSpec spec = minimal_spec();
    spec.rate_limit.packets_per_s = 50;
    auto e = decode(encode({1, Batch{{{OpKind::kAdd, spec}}}}));
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().code, DecodeErrc::kInvalid);
    EXPECT_STREQ(e.error().field, "ops[].rate_limit.burst_packets");
    spec.rate_limit = {0, 0, 8000, 0};
    EXPECT_STREQ(validate(spec).field, "rate_limit.burst_bytes");
    spec.rate_limit.burst_bytes = 1000;
    EXPECT_EQ(validate(spec).field, nullptr);
}

TEST(FlowapiWire, RejectsUnknownType) {
    auto bytes = encode({1, DumpQuery{}});
    bytes[5] = 99;
    auto e = decode(bytes);
    ASSERT_FALSE(e);
    EXPECT_STREQ(e.error().field, "type");
    EXPECT_EQ(e.error().offset, 5u);
}

TEST(FlowapiWire, RejectsReservedFlags) {
    auto bytes = encode({1, DumpQuery{}});
    bytes[7] = 1;
    auto e = decode(bytes);
    ASSERT_FALSE(e);
    EXPECT_STREQ(e.error().field, "flags");
}

TEST(FlowapiWire, RejectsOpCountLargerThanTheFrame) {
    auto bytes = batch_frame();
    bytes[kFrameHeaderSize + 3] = 200;
    auto e = decode(bytes);
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().code, DecodeErrc::kBadLength);
    EXPECT_STREQ(e.error().field, "ops");
}

TEST(FlowapiWire, RejectsUnknownOpNamingItsIndex) {
    auto bytes =
        encode({1, Batch{{{OpKind::kAdd, minimal_spec()}, {OpKind::kAdd, minimal_spec()}}}});
    const auto one = encode({1, Batch{{{OpKind::kAdd, minimal_spec()}}}});
    const std::size_t second_op = one.size();  // the second op starts where a one-op frame ends
    bytes[second_op] = 9;
    auto e = decode(bytes);
    ASSERT_FALSE(e);
    EXPECT_EQ(describe(e.error()), "ops[1].op: op is not 1 (add), 2 or 3 (bad value at byte " +
                                       std::to_string(second_op) + ")");
}

TEST(FlowapiWire, RejectsBadAddressFamily) {
    auto bytes = batch_frame();
    bytes[kFirstOp + 1] = 5;  // local's family
    auto e = decode(bytes);
    ASSERT_FALSE(e);
    EXPECT_STREQ(e.error().field, "ops[].local.address");
    EXPECT_EQ(e.error().offset, kFirstOp + 1);
    EXPECT_EQ(e.error().index, 0u);
}

TEST(FlowapiWire, RejectsSrtpKeySizeThatDoesNotMatchTheSuite) {
    FlowSpec s = minimal_spec();
    s.srtp_ingress.suite = SrtpSuite::kAesCm128HmacSha1_80;
    auto bytes = encode({1, Batch{{{OpKind::kAdd, s}}}});
    // op, local (1+4+2), remote (1+2), latching, egress source and destination (7 each), mac flag
    const std::size_t suite_at = kFirstOp + 1 + 7 + 3 + 1 + 7 + 7 + 1;
    ASSERT_EQ(bytes[suite_at], 1);       // AES_CM_128_HMAC_SHA1_80
    ASSERT_EQ(bytes[suite_at + 1], 16);  // key size
    bytes[suite_at + 1] = 32;
    auto e = decode(bytes);
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().code, DecodeErrc::kInvalid);
    EXPECT_STREQ(e.error().field, "ops[].srtp_ingress.master_key");
    EXPECT_EQ(e.error().offset, suite_at + 1);
    bytes[suite_at + 1] = 16;
    bytes[suite_at] = 77;
    e = decode(bytes);
    ASSERT_FALSE(e);
    EXPECT_STREQ(e.error().field, "ops[].srtp_ingress.suite");
}

TEST(FlowapiWire, RejectsSemanticallyInvalidSpecNamingTheField) {
    FlowSpec s = minimal_spec();
    s.egress_destination.port = 0;
    auto e = decode(encode({1, Batch{{{OpKind::kAdd, s}}}}));
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().code, DecodeErrc::kInvalid);
    EXPECT_STREQ(e.error().field, "ops[].egress_destination.port");

    s = minimal_spec();
    s.egress_destination = *parse_endpoint("[2001:db8::1]:5004");  // source is IPv4
    e = decode(encode({1, Batch{{{OpKind::kAdd, s}}}}));
    ASSERT_FALSE(e);
    EXPECT_STREQ(e.error().field, "ops[].egress_destination.address");

    s = minimal_spec();
    s.clock_rate = 0;
    e = decode(encode({1, DumpReply{{s}}}));
    ASSERT_FALSE(e);
    EXPECT_STREQ(e.error().field, "flows[].clock_rate");
}

TEST(FlowapiWire, RejectsEveryTruncation) {
    const auto bytes = encode({1, Batch{{{OpKind::kAdd, full_spec()}}}});
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        std::vector<std::uint8_t> cut(bytes.begin(),
                                      bytes.begin() + static_cast<std::ptrdiff_t>(n));
        // Keep the length field consistent with the cut so the decoder reads into the body.
        if (n >= 4) {
            const auto len = static_cast<std::uint32_t>(n - 4);
            cut[0] = static_cast<std::uint8_t>(len >> 24);
            cut[1] = static_cast<std::uint8_t>(len >> 16);
            cut[2] = static_cast<std::uint8_t>(len >> 8);
            cut[3] = static_cast<std::uint8_t>(len);
        }
        EXPECT_FALSE(decode(cut)) << n;
    }
}

TEST(FlowapiModel, ParsesAndFormatsAddresses) {
    EXPECT_EQ(to_string(*parse_endpoint("[2001:db8::1]:5004")), "[2001:db8::1]:5004");
    EXPECT_EQ(to_string(*parse_endpoint("10.0.0.1:1")), "10.0.0.1:1");
    EXPECT_FALSE(parse_endpoint("10.0.0.1"));
    EXPECT_FALSE(parse_endpoint("10.0.0.1:65536"));
    EXPECT_FALSE(parse_endpoint("2001:db8::1:5004"));
    EXPECT_FALSE(parse_endpoint("10.0.0.300:5"));
    EXPECT_EQ(to_string(*parse_mac("02:00:0A:0b:00:ff")), "02:00:0a:0b:00:ff");
    EXPECT_FALSE(parse_mac("02:00:0A:0b:00"));
    EXPECT_FALSE(parse_mac("02:00:0A:0b:00:fg"));
}

TEST(FlowapiModel, SuiteTableMatchesTheRfcKeySizes) {
    // RFC 4568 section 6.2.1: 128-bit key, 112-bit salt; RFC 7714 section 12: 96-bit salt.
    EXPECT_EQ(suite_info(SrtpSuite::kAesCm128HmacSha1_80).key_size, 16);
    EXPECT_EQ(suite_info(SrtpSuite::kAesCm128HmacSha1_80).salt_size, 14);
    EXPECT_EQ(suite_info(SrtpSuite::kAeadAes128Gcm).salt_size, 12);
    EXPECT_EQ(suite_from_name("AES_256_CM_HMAC_SHA1_32"), SrtpSuite::kAes256CmHmacSha1_32);
    EXPECT_EQ(suite_from_name("none"), SrtpSuite::kNone);
    EXPECT_FALSE(suite_from_name("AES_CM_128_HMAC_SHA1_81"));
}

TEST(FlowapiModel, DropReasonNamesAreUniqueAndDocumented) {
    for (std::size_t i = 0; i < kDropReasons.size(); ++i) {
        EXPECT_FALSE(kDropReasons[i].help.empty());
        for (std::size_t j = i + 1; j < kDropReasons.size(); ++j) {
            EXPECT_NE(kDropReasons[i].name, kDropReasons[j].name);
        }
    }
}

}  // namespace
}  // namespace rtpx::flowapi
