// Internal: what every transport does with one delimited message (datagram or framed stream
// message): parse, reject or count what cannot be used, annotate the top Via of requests
// (RFC 3261 18.2.1, RFC 3581 4) and hand it to the TransportUser.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "rtpx/sip/transport/transport.hpp"

namespace rtpx::sip::detail {

class Delivery {
  public:
    Delivery(TransportUser& user, TransportCounters& counters, std::size_t max_message_bytes)
        : user_(user),
          counters_(counters),
          max_message_bytes_(max_message_bytes),
          scratch_(max_message_bytes + 128) {}

    // `reply(std::string&& bytes)` sends a 400 back (to the source / on the connection).
    template <class Reply>
    void deliver(std::span<const std::uint8_t> bytes, TransportProto proto, const SockAddr& local,
                 const SockAddr& remote, ConnectionId connection, Reply&& reply) {
        SipParseOptions options;
        options.transport =
            is_stream(proto) ? SipTransportKind::kStream : SipTransportKind::kDatagram;
        options.max_message_bytes = max_message_bytes_;
        auto parsed = SipMessageView::parse(bytes, options);
        if (!parsed) {
            count_unparseable(bytes);
            return;
        }
        const SipMessageView& view = *parsed;
        if (!usable(view)) {
            if (view.is_response()) {
                ++counters_.dropped_unparseable_responses;
                return;
            }
            ++counters_.dropped_unparseable_requests;
            if (auto response = rejection_bytes(view); !response.empty()) {
                ++counters_.answered_400;
                reply(std::move(response));
            }
            return;
        }
        ++counters_.received_messages;
        if (view.is_request()) {
            auto length = annotate_top_via(view, remote, scratch_);
            if (length) {
                auto annotated = SipMessageView::parse(
                    std::span<const std::uint8_t>(scratch_.data(), *length), with_room(options));
                if (annotated) {
                    user_.on_message(
                        ReceivedMessage{*annotated, bytes, proto, local, remote, connection});
                    return;
                }
            }
        }
        user_.on_message(ReceivedMessage{view, bytes, proto, local, remote, connection});
    }

  private:
    static SipParseOptions with_room(SipParseOptions o) noexcept {
        o.max_message_bytes += 128;
        return o;
    }
    // Every header this library parses is well-formed, and a request has what RFC 3261 8.1.1
    // requires to be answered and matched (Via, From, To, Call-ID, CSeq).
    static bool usable(const SipMessageView& view) noexcept;
    void count_unparseable(std::span<const std::uint8_t> bytes) noexcept;
    // The serialised 400 (validate_request's reason) when the request's Via allows an answer.
    static std::string rejection_bytes(const SipMessageView& view);

    TransportUser& user_;
    TransportCounters& counters_;
    std::size_t max_message_bytes_;
    std::vector<std::uint8_t> scratch_;
};

}  // namespace rtpx::sip::detail
