// Bencode (BEP 3) as used by the rtpengine ng protocol. Examples from BEP 3 ("4:spam", "i3e",
// "l4:spam4:eggse", "d3:cow3:moo4:spam4:eggse") and from rtpengine's ng documentation
// ("5323_1 d7:command4:pinge").
#include "rtpx/ng/bencode.hpp"

#include <string>

#include <gtest/gtest.h>

namespace rtpx::ng {
namespace {

using Code = BencodeError::Code;

TEST(Bencode, DecodesTheBep3Examples) {
    auto s = decode("4:spam");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->as_string(), "spam");
    auto i = decode("i3e");
    ASSERT_TRUE(i);
    EXPECT_EQ(i->as_int(), 3);
    auto n = decode("i-3e");
    ASSERT_TRUE(n);
    EXPECT_EQ(n->as_int(), -3);
    auto z = decode("i0e");
    ASSERT_TRUE(z);
    EXPECT_EQ(z->as_int(), 0);
    auto l = decode("l4:spam4:eggse");
    ASSERT_TRUE(l);
    ASSERT_EQ(l->as_list().size(), 2U);
    EXPECT_EQ(l->as_list()[1].as_string(), "eggs");
    auto d = decode("d3:cow3:moo4:spam4:eggse");
    ASSERT_TRUE(d);
    ASSERT_NE(d->find("cow"), nullptr);
    EXPECT_EQ(d->find("cow")->as_string(), "moo");
    EXPECT_EQ(d->find("spam")->as_string(), "eggs");
    EXPECT_EQ(d->find("horse"), nullptr);
    auto e = decode("0:");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->as_string(), "");
}

TEST(Bencode, RoundTripsByteForByteWhenCanonical) {
    using namespace std::string_literals;
    for (const std::string& in :
         {"d7:command4:pinge"s, "d6:result4:ponge"s, "li1ei-2e0:de4:\x00\xff\r\nlee"s,
          "d1:ad1:bl1:ci9223372036854775807eee1:zi-9223372036854775808ee"s}) {
        auto v = decode(in);
        ASSERT_TRUE(v) << in;
        EXPECT_EQ(encode(*v), in);
    }
    // Strings may hold any byte, NUL included.
    const std::string bin("3:a\0b", 5);
    auto b = decode(bin);
    ASSERT_TRUE(b);
    EXPECT_EQ(b->as_string(), std::string("a\0b", 3));
    EXPECT_EQ(encode(*b), bin);
}

TEST(Bencode, KeepsArrivalOrderButEncodesKeysSorted) {
    // rtpengine's documentation: lexicographic key order "is not currently honoured" by senders.
    auto v = decode("d7:command5:offer3:sdp3:v=07:call-id1:xe");
    ASSERT_TRUE(v);
    const auto& d = v->as_dict();
    ASSERT_EQ(d.size(), 3U);
    EXPECT_EQ(d[0].key, "command");
    EXPECT_EQ(d[1].key, "sdp");
    EXPECT_EQ(d[2].key, "call-id");
    EXPECT_EQ(encode(*v), "d7:call-id1:x7:command5:offer3:sdp3:v=0e");
    auto again = decode(encode(*v));
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, *v);  // dictionaries compare as sets
}

TEST(Bencode, EncodesBuiltValues) {
    Value v{Dict{}};
    v.set("result", "ok");
    v.set("calls", List{Value("a"), Value("b")});
    v.set("n", 42);
    EXPECT_EQ(encode(v), "d5:callsl1:a1:be1:ni42e6:result2:oke");
    v.set("n", -1);  // replaces
    EXPECT_EQ(encode(v), "d5:callsl1:a1:be1:ni-1e6:result2:oke");
}

struct Bad {
    const char* input;
    Code code;
    std::size_t offset;
};

class BencodeMalformed : public ::testing::TestWithParam<Bad> {};

TEST_P(BencodeMalformed, SaysWhatAndWhere) {
    const auto& p = GetParam();
    auto v = decode(p.input);
    ASSERT_FALSE(v) << p.input;
    EXPECT_EQ(v.error().code, p.code) << p.input << ": " << describe(v.error());
    EXPECT_EQ(v.error().offset, p.offset) << p.input << ": " << describe(v.error());
}

INSTANTIATE_TEST_SUITE_P(
    Inputs, BencodeMalformed,
    ::testing::Values(Bad{"", Code::kTruncated, 0},                          // nothing at all
                      Bad{"i42", Code::kTruncated, 3},                       // integer without 'e'
                      Bad{"ie", Code::kBadInteger, 1},                       // no digits
                      Bad{"i-e", Code::kBadInteger, 2},                      // sign only
                      Bad{"i03e", Code::kBadInteger, 1},                     // leading zero
                      Bad{"i-0e", Code::kBadInteger, 1},                     // negative zero
                      Bad{"i1x2e", Code::kBadInteger, 2},                    // junk in an integer
                      Bad{"i9223372036854775808e", Code::kBadInteger, 20},   // INT64_MAX + 1
                      Bad{"i-9223372036854775809e", Code::kBadInteger, 20},  // INT64_MIN - 1
                      Bad{"5:spam", Code::kTruncated, 2},         // string shorter than its length
                      Bad{"04:spam", Code::kBadLength, 0},        // length with a leading zero
                      Bad{"4spam", Code::kBadLength, 1},          // no ':'
                      Bad{"12", Code::kTruncated, 2},             // length only
                      Bad{"l4:spam", Code::kTruncated, 7},        // list without 'e'
                      Bad{"d3:cow3:moo", Code::kTruncated, 11},   // dictionary without 'e'
                      Bad{"d3:cowe", Code::kBadToken, 6},         // key without a value
                      Bad{"di1e3:mooe", Code::kKeyNotString, 1},  // integer key
                      Bad{"d1:ai1e1:bi2e1:ai3ee", Code::kDuplicateKey, 13},  // "a" twice
                      Bad{"x", Code::kBadToken, 0},                          // not a value
                      Bad{"i1ei2e", Code::kTrailingData, 3},                 // two values
                      Bad{"4:spamX", Code::kTrailingData, 6}));

TEST(Bencode, EnforcesDepthLimit) {
    DecodeLimits limits;
    limits.max_depth = 4;
    EXPECT_TRUE(
        decode("llllee"
               "ee",
               limits));
    auto deep = decode(
        "lllllee"
        "eee",
        limits);
    ASSERT_FALSE(deep);
    EXPECT_EQ(deep.error().code, Code::kTooDeep);
    EXPECT_EQ(deep.error().offset, 4U);
    // The default limit stops a stack-exhausting document cleanly.
    const std::string bomb(100000, 'l');
    auto b = decode(bomb);
    ASSERT_FALSE(b);
    EXPECT_EQ(b.error().code, Code::kTooDeep);
}

TEST(Bencode, EnforcesStringValueAndInputLimits) {
    DecodeLimits limits;
    limits.max_string = 8;
    EXPECT_TRUE(decode("8:12345678", limits));
    auto s = decode("9:123456789", limits);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, Code::kTooLong);
    EXPECT_EQ(s.error().offset, 0U);
    // A huge declared length is refused before any allocation.
    auto huge = decode("99999999999999999999999:x");
    ASSERT_FALSE(huge);
    EXPECT_EQ(huge.error().code, Code::kTooLong);

    limits = DecodeLimits{};
    limits.max_values = 3;
    EXPECT_TRUE(decode("li1ei2ee", limits));  // list + 2 = 3
    auto many = decode("li1ei2ei3ee", limits);
    ASSERT_FALSE(many);
    EXPECT_EQ(many.error().code, Code::kTooMany);
    EXPECT_EQ(many.error().offset, 7U);

    limits = DecodeLimits{};
    limits.max_input = 4;
    auto big = decode("4:spam", limits);
    ASSERT_FALSE(big);
    EXPECT_EQ(big.error().code, Code::kTooLong);
}

TEST(Bencode, DecodePrefixReportsConsumedBytes) {
    auto r = decode_prefix("d1:ai1ee trailing");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->second, 8U);
    EXPECT_EQ(r->first.find("a")->as_int(), 1);
}

TEST(Bencode, DescribeNamesWhatAndOffset) {
    auto v = decode("d1:ai1e1:ai2ee");
    ASSERT_FALSE(v);
    EXPECT_EQ(describe(v.error()), "duplicate dictionary key at byte 7");
    EXPECT_EQ(to_string(v.error().code), "duplicate_key");
}

}  // namespace
}  // namespace rtpx::ng
