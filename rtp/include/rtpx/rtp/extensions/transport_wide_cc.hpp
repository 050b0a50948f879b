// Transport-wide sequence number, draft-holmer-rmcat-transport-wide-cc-extensions-01
// ("http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01").
//
//  0                   1
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |  transport-wide sequence number |  2 bytes, network order
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// (The -02 draft's feedback-request bytes use another URI and are not handled here.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/error.hpp"
#include "rtpx/rtp/header_extension.hpp"

namespace rtpx::rtp {

struct TransportWideCc {
    static constexpr ExtensionType kType = ExtensionType::kTransportWideCc;
    static constexpr std::string_view kUri =
        "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";

    struct Value {
        std::uint16_t transport_sequence_number = 0;
        friend bool operator==(const Value&, const Value&) = default;
    };
    using value_type = Value;

    [[nodiscard]] static ParseResult<Value> parse(ByteSpan data) noexcept {
        if (data.size() != 2) {
            return parse_error(ParseErrc::kBadLength, 0,
                               "transport-wide sequence number must be 2 bytes");
        }
        return Value{load_be16(data.data())};
    }
    [[nodiscard]] static std::size_t value_size(const Value&) noexcept { return 2; }
    [[nodiscard]] static WriteResult<std::size_t> write(MutableByteSpan out,
                                                        const Value& v) noexcept {
        if (out.size() < 2) return tl::unexpected(WriteErrc::kNoRoom);
        store_be16(out.data(), v.transport_sequence_number);
        return 2;
    }
};

}  // namespace rtpx::rtp
