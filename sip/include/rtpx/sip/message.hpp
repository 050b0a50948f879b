// SipMessageView: a zero-copy parse of one SIP message (RFC 3261 7).
//
// parse() checks the start line, splits the header section into fields (name, value) held in a
// fixed-capacity index (kMaxHeaders, no heap allocation), resolves each name to a HeaderId (long
// and compact forms, case-insensitive), validates Content-Length and delimits the body. Header
// VALUES are parsed on demand by the typed accessors (via(), from(), cseq() ...), which return
// SipParseResult with offsets relative to the start of the buffer. `check_syntax()` runs every
// structured accessor once; `rtpx decode sip` and validate_request() use it.
//
// The view holds pointers into the caller's buffer and must not outlive it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "rtpx/sip/error.hpp"
#include "rtpx/sip/header_id.hpp"
#include "rtpx/sip/headers.hpp"
#include "rtpx/sip/uri.hpp"
#include "rtpx/sip/values.hpp"

namespace rtpx::sip {

// How the message arrived: on a datagram transport the body is whatever follows the header section
// (cut to Content-Length when longer; an error when shorter; RFC 3261 18.3). On a stream transport
// the framing layer has already delimited the message (frame_stream), Content-Length is mandatory
// and the buffer must hold exactly one message.
enum class SipTransportKind : std::uint8_t { kDatagram, kStream };

struct SipParseOptions {
    SipTransportKind transport = SipTransportKind::kDatagram;
    std::size_t max_message_bytes =
        65535;  // whole message; larger buffers are rejected (kTooLarge)
};

// One header field line, as written (name and value are views; value trimmed, may be folded).
struct HeaderField {
    HeaderId id = HeaderId::kOther;
    std::string_view name;   // as written ("v", "VIA", "X-Custom")
    std::string_view value;  // without leading/trailing white space; folded line breaks kept
};

class SipMessageView {
  public:
    static constexpr std::size_t kMaxHeaders = 100;

    [[nodiscard]] static SipParseResult<SipMessageView> parse(
        std::span<const std::uint8_t> bytes, const SipParseOptions& options = {}) noexcept;
    [[nodiscard]] static SipParseResult<SipMessageView> parse(
        std::string_view text, const SipParseOptions& options = {}) noexcept;

    // --- start line --------------------------------------------------------------------------
    [[nodiscard]] bool is_request() const noexcept { return status_ == 0; }
    [[nodiscard]] bool is_response() const noexcept { return status_ != 0; }
    [[nodiscard]] Method method() const noexcept { return method_; }  // requests
    [[nodiscard]] std::string_view method_text() const noexcept { return str(method_text_); }
    [[nodiscard]] std::string_view request_uri_text() const noexcept { return str(uri_); }
    [[nodiscard]] SipParseResult<UriView> request_uri() const noexcept;
    [[nodiscard]] std::uint16_t status_code() const noexcept { return status_; }  // responses
    [[nodiscard]] std::string_view reason() const noexcept { return str(reason_); }
    [[nodiscard]] std::string_view version() const noexcept { return str(version_); }  // "SIP/2.0"
    [[nodiscard]] bool is_sip_2_0() const noexcept;

    // --- header fields -----------------------------------------------------------------------
    [[nodiscard]] std::size_t header_count() const noexcept { return count_; }
    [[nodiscard]] HeaderField header(std::size_t i) const noexcept;
    // First field with this id / name (case-insensitive, compact forms resolved).
    [[nodiscard]] std::optional<HeaderField> find(HeaderId id) const noexcept;
    [[nodiscard]] std::optional<HeaderField> find(std::string_view name) const noexcept;
    [[nodiscard]] std::size_t count(HeaderId id) const noexcept;
    [[nodiscard]] bool has(HeaderId id) const noexcept { return first_[idx(id)] != kNone; }

    // Every comma-separated element of every field with this id, in order (for list headers;
    // for other headers each field is one element).
    class ValueRange {
      public:
        class iterator {
          public:
            using value_type = std::string_view;
            using difference_type = std::ptrdiff_t;
            iterator() noexcept = default;
            iterator(const SipMessageView* m, HeaderId id, std::size_t field) noexcept;
            std::string_view operator*() const noexcept { return list_ ? *inner_ : single_; }
            iterator& operator++() noexcept;
            bool operator==(const iterator& o) const noexcept {
                return field_ == o.field_ && (field_ == kEnd || !list_ || inner_ == o.inner_);
            }

          private:
            static constexpr std::size_t kEnd = SIZE_MAX;
            void settle() noexcept;
            void next_field() noexcept;
            const SipMessageView* m_ = nullptr;
            HeaderId id_ = HeaderId::kOther;
            std::size_t field_ = kEnd;
            bool list_ = false;
            std::string_view single_;
            CommaList::iterator inner_;
        };
        ValueRange(const SipMessageView* m, HeaderId id) noexcept : m_(m), id_(id) {}
        [[nodiscard]] iterator begin() const noexcept;
        [[nodiscard]] iterator end() const noexcept { return iterator(); }

      private:
        const SipMessageView* m_;
        HeaderId id_;
    };
    [[nodiscard]] ValueRange values(HeaderId id) const noexcept { return ValueRange(this, id); }

    // --- typed accessors (kMissingHeader when absent) -----------------------------------------
    [[nodiscard]] SipParseResult<ViaView> top_via() const noexcept;
    [[nodiscard]] std::size_t via_count() const noexcept;  // Via elements over all Via lines
    [[nodiscard]] SipParseResult<NameAddrView> from() const noexcept;
    [[nodiscard]] SipParseResult<NameAddrView> to() const noexcept;
    [[nodiscard]] SipParseResult<std::string_view> call_id() const noexcept;
    [[nodiscard]] SipParseResult<CSeqView> cseq() const noexcept;
    [[nodiscard]] SipParseResult<std::uint32_t> max_forwards() const noexcept;
    [[nodiscard]] SipParseResult<ContentTypeView> content_type() const noexcept;
    [[nodiscard]] SipParseResult<std::uint32_t> expires() const noexcept;
    // Content-Length as written (validated by parse()); nullopt when absent.
    [[nodiscard]] std::optional<std::uint32_t> content_length() const noexcept {
        return content_length_;
    }

    // Parses a value of this message (a view into it) and rebases the error offset.
    [[nodiscard]] SipParseResult<ViaView> parse_via(std::string_view value) const noexcept;
    [[nodiscard]] SipParseResult<NameAddrView> parse_name_addr(
        std::string_view value, bool star_allowed = false) const noexcept;

    // Parses every header this library understands (start-line URI, Via, From, To, Call-ID,
    // CSeq, Max-Forwards, Contact, Route, Record-Route, Content-Type, Expires, ...) and reports the
    // first error. Does not check that mandatory headers are present (see validate_request).
    [[nodiscard]] SipParseResult<void> check_syntax() const noexcept;

    // --- body --------------------------------------------------------------------------------
    [[nodiscard]] std::string_view body() const noexcept { return str(body_); }
    // The message as delimited (start line to end of body; leading CRLFs and a datagram's excess
    // bytes excluded).
    [[nodiscard]] std::string_view bytes() const noexcept {
        return {base_ + start_, size_ - start_};
    }
    // Offset of the body (end of the header section) in the buffer.
    [[nodiscard]] std::size_t header_section_end() const noexcept { return body_.off; }
    // Offset of a view into this message (for error reporting).
    [[nodiscard]] std::size_t offset_of(std::string_view part) const noexcept {
        return static_cast<std::size_t>(part.data() - base_);
    }

  private:
    struct Span {
        std::uint32_t off = 0;
        std::uint32_t len = 0;
    };
    struct Entry {
        std::uint32_t name_off;
        std::uint32_t value_off;
        std::uint32_t value_len;
        std::uint16_t name_len;
        HeaderId id;
    };
    static constexpr std::uint8_t kNone = 0xff;
    static constexpr std::size_t idx(HeaderId id) noexcept { return static_cast<std::size_t>(id); }
    [[nodiscard]] std::string_view str(Span s) const noexcept { return {base_ + s.off, s.len}; }
    [[nodiscard]] SipParseResult<HeaderField> required(HeaderId id,
                                                       const char* missing) const noexcept;
    friend class ParserImpl;

    const char* base_ = nullptr;
    std::uint32_t start_ = 0;  // first byte of the start line
    std::uint32_t size_ = 0;   // end of the message, from base_
    std::uint16_t status_ = 0;
    Method method_ = Method::kUnknown;
    std::uint8_t count_ = 0;
    Span method_text_;
    Span uri_;
    Span version_;
    Span reason_;
    Span body_;
    std::optional<std::uint32_t> content_length_;
    std::array<std::uint8_t, kHeaderIdCount> first_{};
    std::array<Entry, kMaxHeaders> entries_;
};

}  // namespace rtpx::sip
