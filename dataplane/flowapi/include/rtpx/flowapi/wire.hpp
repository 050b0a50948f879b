// The flow API wire format: versioned, length-prefixed binary messages over a stream socket.
//
// Every message is one frame, all integers big-endian:
//
//   u32 length      bytes after this field (8 .. kMaxFrameSize - 4)
//   u8  version     kProtocolVersion
//   u8  type        MessageType
//   u16 flags       0 (reserved)
//   u32 request_id  chosen by the client; replies carry the request's id, events carry 0
//   ... body        per type, below
//
// Bodies (strings and lists are length-prefixed; "endpoint" = u8 family (0, 4, 6), 0/4/16 address
// bytes, u16 port):
//   Hello        u16 min_version, u16 max_version, str8 name
//   HelloReply   u16 version, str8 name, u32 flow_count
//   Batch        u32 op count, each: u8 op (1 add, 2 modify, 3 delete), then a flow spec (add,
//                modify) or an endpoint (delete). Applied all or nothing.
//   BatchReply   u8 ok, u32 applied, u32 failed_index, str16 error
//   StatsQuery   u32 key count (0: every flow), endpoints
//   StatsReply   totals (u64 rx, u64 tx, u8 n + n x u64 drops), u32 count, flow stats
//   DumpQuery    (empty)
//   DumpReply    u32 count, flow specs
//   Subscribe    u8 events (1: send events on this connection)
//   Events       u32 count, events
//   Error        str16 what
//
// A flow spec is the fields of FlowSpec in declaration order (see encode_flow_spec in wire.cpp).
//
// Versions. A frame's version says which fields its bodies carry; the decoder accepts every
// version from kMinProtocolVersion to kProtocolVersion (older frames decode with the newer fields
// at their defaults), the encoder writes Envelope::version (fields newer than it are left out).
// New fields are only ever appended to a body or placed behind a version test; never reorder.
//   1  the first version
//   2  flow spec: u8 transport_cc_extension_id after the flags byte; flow stats: u64
//      estimated_bitrate_bps at the end
//   3  flow spec: rate limit at the end (u32 packets_per_s, u32 burst_packets, u64 bytes_per_s,
//      u32 burst_bytes)
// The decoder checks every length, enum value and semantic rule (validate()) and names the field it
// rejects; it never reads past the buffer.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <tl/expected.hpp>

#include "rtpx/flowapi/flow.hpp"

namespace rtpx::flowapi {

inline constexpr std::uint16_t kProtocolVersion = 3;
inline constexpr std::uint16_t kMinProtocolVersion = 1;
inline constexpr std::size_t kFrameHeaderSize = 12;
inline constexpr std::size_t kMaxFrameSize = 64u << 20;  // a dump of ~100k flows fits

enum class MessageType : std::uint8_t {
    kHello = 1,
    kHelloReply = 2,
    kBatch = 3,
    kBatchReply = 4,
    kStatsQuery = 5,
    kStatsReply = 6,
    kDumpQuery = 7,
    kDumpReply = 8,
    kSubscribe = 9,
    kEvents = 10,
    kError = 11,
};

struct Hello {
    std::uint16_t min_version = kProtocolVersion;
    std::uint16_t max_version = kProtocolVersion;
    std::string name;
    friend bool operator==(const Hello&, const Hello&) = default;
};
struct HelloReply {
    std::uint16_t version = kProtocolVersion;
    std::string name;
    std::uint32_t flow_count = 0;
    friend bool operator==(const HelloReply&, const HelloReply&) = default;
};

enum class OpKind : std::uint8_t { kAdd = 1, kModify = 2, kDelete = 3 };
struct FlowOp {
    OpKind kind = OpKind::kAdd;
    FlowSpec spec;  // for kDelete only spec.local is carried
    friend bool operator==(const FlowOp&, const FlowOp&) = default;
};
struct Batch {
    std::vector<FlowOp> ops;
    friend bool operator==(const Batch&, const Batch&) = default;
};
struct BatchReply {
    bool ok = true;
    std::uint32_t applied = 0;
    std::uint32_t failed_index = 0;
    std::string error;
    friend bool operator==(const BatchReply&, const BatchReply&) = default;
};
struct StatsQuery {
    std::vector<FlowKey> keys;  // empty: every flow
    friend bool operator==(const StatsQuery&, const StatsQuery&) = default;
};
struct DataplaneTotals {
    std::uint64_t rx_packets = 0;
    std::uint64_t tx_packets = 0;
    std::array<std::uint64_t, kDropReasonCount> drops{};
    friend bool operator==(const DataplaneTotals&, const DataplaneTotals&) = default;
};
struct StatsReply {
    DataplaneTotals totals;
    std::vector<FlowStats> flows;
    friend bool operator==(const StatsReply&, const StatsReply&) = default;
};
struct DumpQuery {
    friend bool operator==(const DumpQuery&, const DumpQuery&) = default;
};
struct DumpReply {
    std::vector<FlowSpec> flows;
    friend bool operator==(const DumpReply&, const DumpReply&) = default;
};
struct Subscribe {
    bool events = true;
    friend bool operator==(const Subscribe&, const Subscribe&) = default;
};
struct Events {
    std::vector<Event> events;
    friend bool operator==(const Events&, const Events&) = default;
};
struct ErrorReply {
    std::string what;
    friend bool operator==(const ErrorReply&, const ErrorReply&) = default;
};

using Message = std::variant<Hello, HelloReply, Batch, BatchReply, StatsQuery, StatsReply,
                             DumpQuery, DumpReply, Subscribe, Events, ErrorReply>;

struct Envelope {
    std::uint32_t request_id = 0;
    Message message;
    std::uint16_t version = kProtocolVersion;  // of the frame (decode) / to write (encode)
    friend bool operator==(const Envelope&, const Envelope&) = default;
};

enum class DecodeErrc : std::uint8_t {
    kTruncated,   // the frame ends inside a field
    kBadLength,   // the frame length or a count is out of range, or bytes are left over
    kBadVersion,  // a version this decoder does not speak
    kBadValue,    // an enum or flag value outside its range
    kInvalid,     // well-formed but violating a rule of the flow model (see validate())
};
[[nodiscard]] std::string_view to_string(DecodeErrc e) noexcept;

inline constexpr std::uint32_t kNoIndex = 0xFFFFFFFF;

// What was wrong, where (byte offset in the frame, from its length field) and in which field:
// `field` is a static path such as "ops[].srtp_ingress.master_key", `index` the list element the
// "[]" stands for (kNoIndex when none).
struct DecodeError {
    DecodeErrc code = DecodeErrc::kTruncated;
    std::uint32_t offset = 0;
    const char* field = "";
    std::uint32_t index = kNoIndex;
    const char* what = "";
};
// "ops[3].srtp_ingress.master_key: key size does not match the suite (bad value at byte 57)".
[[nodiscard]] std::string describe(const DecodeError& e);

// Checks the semantic rules of a flow spec. Returns the offending field and a reason, or nullptr
// field when it is valid: local is a specified address with a non-zero port; egress source and
// destination are specified, of one family, the destination port non-zero; a strict remote (when
// given) has the local family; PT map values < 128; SRTP suites known; clock_rate > 0; a rate
// limit's rates come with non-zero bursts.
struct FieldProblem {
    const char* field = nullptr;
    const char* what = nullptr;
};
[[nodiscard]] FieldProblem validate(const FlowSpec& spec) noexcept;

// The frame length announced by the first 4 bytes (the whole frame, length field included), or an
// error when it is outside [kFrameHeaderSize, kMaxFrameSize]. `prefix` must hold >= 4 bytes.
[[nodiscard]] tl::expected<std::size_t, DecodeError> frame_size(
    std::span<const std::uint8_t> prefix) noexcept;

// Decodes one complete frame (exactly frame_size() bytes).
[[nodiscard]] tl::expected<Envelope, DecodeError> decode(std::span<const std::uint8_t> frame);

// Encodes one frame.
[[nodiscard]] std::vector<std::uint8_t> encode(const Envelope& envelope);

}  // namespace rtpx::flowapi
