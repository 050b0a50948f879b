// Bencode (the BitTorrent encoding, BEP 3), as the rtpengine "ng" control protocol carries it.
//
//   integer      i<decimal>e        "i42e", "i-7e"; no leading zeros, no "-0", fits in int64
//   byte string  <length>:<bytes>   "4:spam"; length in decimal, no leading zeros
//   list         l<values>e
//   dictionary   d<string key><value>...e
//
// Decoding takes a byte view and limits (nesting depth, string length, total number of values,
// input size): a control socket faces whatever arrives on it. Dictionary keys are kept in the order
// they arrived (rtpengine and Kamailio do not sort them, rtpengine's documentation says so);
// a key present twice is an error. Every error names what is wrong and the byte offset where the
// decoder stopped. Encoding writes dictionary keys sorted by raw bytes, as BEP 3 requires, so the
// output is canonical: encode(decode(encode(v))) == encode(v).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <tl/expected.hpp>

namespace rtpx::ng {

struct BencodeError {
    enum class Code : std::uint8_t {
        kTruncated,     // input ended inside a value
        kBadInteger,    // not a canonical decimal integer, or outside int64
        kBadLength,     // string length not a canonical decimal number
        kBadToken,      // a byte that cannot start a value here
        kKeyNotString,  // a dictionary key that is not a byte string
        kDuplicateKey,  // the same dictionary key twice
        kTooDeep,       // nesting beyond DecodeLimits::max_depth
        kTooLong,       // a string beyond max_string, or input beyond max_input
        kTooMany,       // more values than max_values
        kTrailingData,  // bytes after the top-level value
    };
    Code code;
    std::size_t offset;  // byte offset in the input where decoding stopped
    const char* what;    // static text
};

[[nodiscard]] std::string_view to_string(BencodeError::Code code) noexcept;
// "<what> at byte <offset>"
[[nodiscard]] std::string describe(const BencodeError& error);

class Value;
struct DictEntry;
using List = std::vector<Value>;
using Dict = std::vector<DictEntry>;  // in arrival order; keys unique

class Value {
  public:
    // Defined below, once DictEntry is complete.
    Value();
    Value(std::int64_t i);      // NOLINT: implicit by design, values are built inline
    Value(int i);               // NOLINT
    Value(std::string s);       // NOLINT
    Value(std::string_view s);  // NOLINT
    Value(const char* s);       // NOLINT
    Value(List l);              // NOLINT
    Value(Dict d);              // NOLINT

    [[nodiscard]] bool is_int() const noexcept { return v_.index() == 0; }
    [[nodiscard]] bool is_string() const noexcept { return v_.index() == 1; }
    [[nodiscard]] bool is_list() const noexcept { return v_.index() == 2; }
    [[nodiscard]] bool is_dict() const noexcept { return v_.index() == 3; }

    // Preconditions: the matching is_*() holds.
    [[nodiscard]] std::int64_t as_int() const noexcept { return *std::get_if<std::int64_t>(&v_); }
    [[nodiscard]] const std::string& as_string() const noexcept {
        return *std::get_if<std::string>(&v_);
    }
    [[nodiscard]] const List& as_list() const noexcept { return *std::get_if<List>(&v_); }
    [[nodiscard]] List& as_list() noexcept { return *std::get_if<List>(&v_); }
    [[nodiscard]] const Dict& as_dict() const noexcept { return *std::get_if<Dict>(&v_); }
    [[nodiscard]] Dict& as_dict() noexcept { return *std::get_if<Dict>(&v_); }

    // Dictionary lookup by exact key; nullptr when absent or not a dictionary.
    [[nodiscard]] const Value* find(std::string_view key) const noexcept;
    // Appends (or replaces) a dictionary entry; the value must be a dictionary.
    Value& set(std::string_view key, Value value);

    // Structural equality; dictionaries compare as sets of entries (order-insensitive).
    [[nodiscard]] bool operator==(const Value& other) const;

  private:
    std::variant<std::int64_t, std::string, List, Dict> v_;
};

struct DictEntry {
    std::string key;
    Value value;
};

inline Value::Value() : v_(std::int64_t{0}) {}
inline Value::Value(std::int64_t i) : v_(i) {}
inline Value::Value(int i) : v_(std::int64_t{i}) {}
inline Value::Value(std::string s) : v_(std::move(s)) {}
inline Value::Value(std::string_view s) : v_(std::string(s)) {}
inline Value::Value(const char* s) : v_(std::string(s)) {}
inline Value::Value(List l) : v_(std::move(l)) {}
inline Value::Value(Dict d) : v_(std::move(d)) {}

struct DecodeLimits {
    std::size_t max_input = 256 * 1024;   // bytes; a UDP datagram is at most 64 KiB
    std::size_t max_depth = 32;           // nesting of lists/dictionaries
    std::size_t max_string = 128 * 1024;  // bytes in one string
    std::size_t max_values = 16384;       // values of any kind in the document
};

// Decodes exactly one value that spans all of `input`.
[[nodiscard]] tl::expected<Value, BencodeError> decode(std::string_view input,
                                                       const DecodeLimits& limits = {});
// Decodes one value at the start of `input`; returns it and the bytes it used.
[[nodiscard]] tl::expected<std::pair<Value, std::size_t>, BencodeError> decode_prefix(
    std::string_view input, const DecodeLimits& limits = {});

// Canonical encoding (dictionary keys sorted bytewise).
[[nodiscard]] std::string encode(const Value& value);
void encode_to(std::string& out, const Value& value);

}  // namespace rtpx::ng
