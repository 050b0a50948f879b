#include "rtpx/ng/bencode.hpp"

#include <algorithm>
#include <limits>

namespace rtpx::ng {

std::string_view to_string(BencodeError::Code code) noexcept {
    using C = BencodeError::Code;
    switch (code) {
        case C::kTruncated: return "truncated";
        case C::kBadInteger: return "bad_integer";
        case C::kBadLength: return "bad_length";
        case C::kBadToken: return "bad_token";
        case C::kKeyNotString: return "key_not_string";
        case C::kDuplicateKey: return "duplicate_key";
        case C::kTooDeep: return "too_deep";
        case C::kTooLong: return "too_long";
        case C::kTooMany: return "too_many";
        case C::kTrailingData: return "trailing_data";
    }
    return "unknown";
}

std::string describe(const BencodeError& error) {
    return std::string(error.what) + " at byte " + std::to_string(error.offset);
}

const Value* Value::find(std::string_view key) const noexcept {
    const auto* d = std::get_if<Dict>(&v_);
    if (d == nullptr) return nullptr;
    for (const auto& e : *d) {
        if (e.key == key) return &e.value;
    }
    return nullptr;
}

Value& Value::set(std::string_view key, Value value) {
    auto& d = std::get<Dict>(v_);
    for (auto& e : d) {
        if (e.key == key) {
            e.value = std::move(value);
            return e.value;
        }
    }
    d.push_back(DictEntry{std::string(key), std::move(value)});
    return d.back().value;
}

namespace {

std::vector<const DictEntry*> sorted_entries(const Dict& d) {
    std::vector<const DictEntry*> v;
    v.reserve(d.size());
    for (const auto& e : d) v.push_back(&e);
    std::sort(v.begin(), v.end(),
              [](const DictEntry* a, const DictEntry* b) { return a->key < b->key; });
    return v;
}

}  // namespace

bool Value::operator==(const Value& other) const {
    if (v_.index() != other.v_.index()) return false;
    if (is_dict()) {
        const auto& a = as_dict();
        const auto& b = other.as_dict();
        if (a.size() != b.size()) return false;
        const auto sa = sorted_entries(a);
        const auto sb = sorted_entries(b);
        for (std::size_t i = 0; i < sa.size(); ++i) {
            if (sa[i]->key != sb[i]->key || !(sa[i]->value == sb[i]->value)) return false;
        }
        return true;
    }
    if (is_list()) {
        const auto& a = as_list();
        const auto& b = other.as_list();
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (!(a[i] == b[i])) return false;
        }
        return true;
    }
    if (is_int()) return as_int() == other.as_int();
    return as_string() == other.as_string();
}

namespace {

using Code = BencodeError::Code;

class Decoder {
  public:
    Decoder(std::string_view in, const DecodeLimits& limits) : in_(in), limits_(limits) {}

    tl::expected<Value, BencodeError> value(std::size_t depth) {
        if (pos_ >= in_.size())
            return fail(Code::kTruncated, "input ends where a value should start");
        if (++values_ > limits_.max_values) return fail(Code::kTooMany, "too many values");
        const char c = in_[pos_];
        if (c == 'i') return integer();
        if (c >= '0' && c <= '9') {
            auto s = string();
            if (!s) return tl::make_unexpected(s.error());
            return Value(std::move(*s));
        }
        if (c == 'l' || c == 'd') {
            if (depth >= limits_.max_depth) return fail(Code::kTooDeep, "nesting too deep");
            return c == 'l' ? list(depth + 1) : dict(depth + 1);
        }
        return fail(Code::kBadToken, "unexpected byte where a value should start");
    }

    [[nodiscard]] std::size_t pos() const noexcept { return pos_; }

  private:
    tl::unexpected<BencodeError> fail(Code code, const char* what) const {
        return tl::make_unexpected(BencodeError{code, pos_, what});
    }
    tl::unexpected<BencodeError> fail_at(Code code, std::size_t at, const char* what) const {
        return tl::make_unexpected(BencodeError{code, at, what});
    }

    tl::expected<Value, BencodeError> integer() {
        ++pos_;  // 'i'
        const std::size_t start = pos_;
        bool negative = false;
        if (pos_ < in_.size() && in_[pos_] == '-') {
            negative = true;
            ++pos_;
        }
        const std::size_t digits = pos_;
        // Accumulate as a negative number so INT64_MIN fits.
        std::int64_t acc = 0;
        constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
        while (pos_ < in_.size() && in_[pos_] >= '0' && in_[pos_] <= '9') {
            const int d = in_[pos_] - '0';
            if (acc < (kMin + d) / 10) return fail(Code::kBadInteger, "integer out of range");
            acc = acc * 10 - d;
            ++pos_;
        }
        if (pos_ >= in_.size()) return fail(Code::kTruncated, "input ends inside an integer");
        if (pos_ == digits) return fail(Code::kBadInteger, "integer without digits");
        if (in_[pos_] != 'e') return fail(Code::kBadInteger, "unexpected byte in an integer");
        if (in_[digits] == '0' && pos_ - digits > 1)
            return fail_at(Code::kBadInteger, digits, "integer with a leading zero");
        if (negative && acc == 0) return fail_at(Code::kBadInteger, start, "negative zero");
        if (!negative && acc == kMin) return fail(Code::kBadInteger, "integer out of range");
        ++pos_;  // 'e'
        return Value(negative ? acc : -acc);
    }

    tl::expected<std::string, BencodeError> string() {
        const std::size_t start = pos_;
        std::size_t len = 0;
        while (pos_ < in_.size() && in_[pos_] >= '0' && in_[pos_] <= '9') {
            if (len > limits_.max_string) return fail_at(Code::kTooLong, start, "string too long");
            len = len * 10 + static_cast<std::size_t>(in_[pos_] - '0');
            ++pos_;
        }
        if (pos_ >= in_.size()) return fail(Code::kTruncated, "input ends inside a string length");
        if (in_[pos_] != ':') return fail(Code::kBadLength, "string length not followed by ':'");
        if (in_[start] == '0' && pos_ - start > 1)
            return fail_at(Code::kBadLength, start, "string length with a leading zero");
        if (len > limits_.max_string) return fail_at(Code::kTooLong, start, "string too long");
        ++pos_;  // ':'
        if (in_.size() - pos_ < len) return fail(Code::kTruncated, "input ends inside a string");
        std::string s(in_.substr(pos_, len));
        pos_ += len;
        return s;
    }

    tl::expected<Value, BencodeError> list(std::size_t depth) {
        ++pos_;  // 'l'
        List items;
        for (;;) {
            if (pos_ >= in_.size()) return fail(Code::kTruncated, "input ends inside a list");
            if (in_[pos_] == 'e') break;
            auto v = value(depth);
            if (!v) return v;
            items.push_back(std::move(*v));
        }
        ++pos_;  // 'e'
        return Value(std::move(items));
    }

    tl::expected<Value, BencodeError> dict(std::size_t depth) {
        ++pos_;  // 'd'
        Dict entries;
        std::vector<std::size_t> key_offsets;
        for (;;) {
            if (pos_ >= in_.size()) return fail(Code::kTruncated, "input ends inside a dictionary");
            if (in_[pos_] == 'e') break;
            if (in_[pos_] < '0' || in_[pos_] > '9')
                return fail(Code::kKeyNotString, "dictionary key is not a string");
            if (++values_ > limits_.max_values) return fail(Code::kTooMany, "too many values");
            key_offsets.push_back(pos_);
            auto k = string();
            if (!k) return tl::make_unexpected(k.error());
            if (pos_ >= in_.size())
                return fail(Code::kTruncated, "input ends after a dictionary key");
            if (in_[pos_] == 'e') return fail(Code::kBadToken, "dictionary key without a value");
            auto v = value(depth);
            if (!v) return v;
            entries.push_back(DictEntry{std::move(*k), std::move(*v)});
        }
        // Duplicate keys: sort indices by key, compare neighbours (n log n, bounded by max_values).
        if (entries.size() > 1) {
            std::vector<std::size_t> idx(entries.size());
            for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
            std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
                return entries[a].key < entries[b].key ||
                       (entries[a].key == entries[b].key && a < b);
            });
            for (std::size_t i = 1; i < idx.size(); ++i) {
                if (entries[idx[i]].key == entries[idx[i - 1]].key)
                    return fail_at(Code::kDuplicateKey, key_offsets[idx[i]],
                                   "duplicate dictionary key");
            }
        }
        ++pos_;  // 'e'
        return Value(std::move(entries));
    }

    std::string_view in_;
    const DecodeLimits& limits_;
    std::size_t pos_ = 0;
    std::size_t values_ = 0;
};

}  // namespace

tl::expected<std::pair<Value, std::size_t>, BencodeError> decode_prefix(
    std::string_view input, const DecodeLimits& limits) {
    if (input.size() > limits.max_input)
        return tl::make_unexpected(
            BencodeError{Code::kTooLong, limits.max_input, "input too long"});
    Decoder d(input, limits);
    auto v = d.value(0);
    if (!v) return tl::make_unexpected(v.error());
    return std::make_pair(std::move(*v), d.pos());
}

tl::expected<Value, BencodeError> decode(std::string_view input, const DecodeLimits& limits) {
    auto r = decode_prefix(input, limits);
    if (!r) return tl::make_unexpected(r.error());
    if (r->second != input.size())
        return tl::make_unexpected(
            BencodeError{Code::kTrailingData, r->second, "data after the top-level value"});
    return std::move(r->first);
}

void encode_to(std::string& out, const Value& value) {
    if (value.is_int()) {
        out += 'i';
        out += std::to_string(value.as_int());
        out += 'e';
    } else if (value.is_string()) {
        const auto& s = value.as_string();
        out += std::to_string(s.size());
        out += ':';
        out += s;
    } else if (value.is_list()) {
        out += 'l';
        for (const auto& v : value.as_list()) encode_to(out, v);
        out += 'e';
    } else {
        out += 'd';
        for (const DictEntry* e : sorted_entries(value.as_dict())) {
            out += std::to_string(e->key.size());
            out += ':';
            out += e->key;
            encode_to(out, e->value);
        }
        out += 'e';
    }
}

std::string encode(const Value& value) {
    std::string out;
    encode_to(out, value);
    return out;
}

}  // namespace rtpx::ng
