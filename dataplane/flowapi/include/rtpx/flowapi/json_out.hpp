// JsonOut: compact JSON text appended straight to a string, for the control plane's hot writers
// (the journal line of every answered call, the record of every finished call, the media session
// and its flows inside them). Building an nlohmann::json tree first costs a map node and a string
// per member; these writers run thousands of times a second. Readers still parse with
// nlohmann::json, and tests check that each writer's text parses to what the matching to_json()
// builds.
//
// The caller nests correctly (begin/end pairs, key before each object member); commas are placed
// here. Strings are escaped as RFC 8259 section 7 requires ('"', '\\' and control characters);
// other bytes are copied as they are.
#pragma once

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace rtpx::flowapi {

class JsonOut {
  public:
    explicit JsonOut(std::string& out) noexcept : out_(out) {}

    JsonOut& begin_object() { return open('{'); }
    JsonOut& end_object() { return close('}'); }
    JsonOut& begin_array() { return open('['); }
    JsonOut& end_array() { return close(']'); }

    JsonOut& key(std::string_view k) {
        separate();
        string(k);
        out_ += ':';
        after_key_ = true;
        return *this;
    }
    JsonOut& value(std::string_view s) {
        separate();
        string(s);
        return *this;
    }
    JsonOut& value(const char* s) { return value(std::string_view(s)); }
    JsonOut& value(const std::string& s) { return value(std::string_view(s)); }
    JsonOut& value(bool b) {
        separate();
        out_ += b ? "true" : "false";
        return *this;
    }
    template <class T>
    requires(std::is_integral_v<T> && !std::is_same_v<T, bool>) JsonOut& value(T v) {
        separate();
        std::array<char, 24> buf{};
        auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
        (void)ec;
        out_.append(buf.data(), end);
        return *this;
    }
    // A double the way nlohmann::json writes it (shortest round-trip form, ".0" for integral
    // values, null for infinities and NaN).
    JsonOut& value(double v) {
        if (!std::isfinite(v)) return null();  // as nlohmann::json does
        separate();
        std::array<char, 32> buf{};
        auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
        (void)ec;
        std::string_view text(buf.data(), static_cast<std::size_t>(end - buf.data()));
        out_ += text;
        if (text.find_first_of(".eEn") == std::string_view::npos) out_ += ".0";
        return *this;
    }
    JsonOut& null() {
        separate();
        out_ += "null";
        return *this;
    }
    // Text that is already JSON (one value).
    JsonOut& raw(std::string_view json) {
        separate();
        out_ += json;
        return *this;
    }
    template <class T>
    JsonOut& member(std::string_view k, const T& v) {
        key(k);
        return value(v);
    }

  private:
    JsonOut& open(char c) {
        separate();
        out_ += c;
        first_ = true;
        return *this;
    }
    JsonOut& close(char c) {
        out_ += c;
        first_ = false;
        return *this;
    }
    void separate() {
        if (after_key_) {
            after_key_ = false;
            return;
        }
        if (!first_) out_ += ',';
        first_ = false;
    }
    void string(std::string_view s) {
        static constexpr char kHex[] = "0123456789abcdef";
        out_ += '"';
        std::size_t run = 0;  // start of the bytes not copied yet
        for (std::size_t i = 0; i < s.size(); ++i) {
            const auto c = static_cast<unsigned char>(s[i]);
            if (c >= 0x20 && c != '"' && c != '\\') continue;
            out_.append(s.data() + run, i - run);
            run = i + 1;
            switch (c) {
                case '"': out_ += "\\\""; break;
                case '\\': out_ += "\\\\"; break;
                case '\n': out_ += "\\n"; break;
                case '\r': out_ += "\\r"; break;
                case '\t': out_ += "\\t"; break;
                case '\b': out_ += "\\b"; break;
                case '\f': out_ += "\\f"; break;
                default:
                    out_ += "\\u00";
                    out_ += kHex[c >> 4];
                    out_ += kHex[c & 15];
            }
        }
        out_.append(s.data() + run, s.size() - run);
        out_ += '"';
    }

    std::string& out_;
    bool first_ = true;  // no member or element yet at this level
    bool after_key_ = false;
};

}  // namespace rtpx::flowapi
