#include "rtpx/rtp/capture/pcap_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace rtpx::rtp::capture {
namespace {

using Bytes = std::vector<std::uint8_t>;

// Classic pcap, little-endian, microsecond timestamps, Ethernet.
const Bytes kMicroPcapLe = {
    0xd4, 0xc3, 0xb2, 0xa1,  // magic 0xa1b2c3d4 (microseconds), little-endian
    0x02, 0x00, 0x04, 0x00,  // version 2.4
    0x00, 0x00, 0x00, 0x00,  // thiszone
    0x00, 0x00, 0x00, 0x00,  // sigfigs
    0xff, 0xff, 0x00, 0x00,  // snaplen 65535
    0x01, 0x00, 0x00, 0x00,  // link type 1 (Ethernet)
    // record 1
    0x00, 0xf1, 0x53, 0x65,  // ts_sec 1700000000
    0x40, 0xe2, 0x01, 0x00,  // ts_usec 123456
    0x04, 0x00, 0x00, 0x00,  // captured length 4
    0x04, 0x00, 0x00, 0x00,  // original length 4
    0xde, 0xad, 0xbe, 0xef,  // data
    // record 2: snapped to 2 of 60 bytes
    0x01, 0xf1, 0x53, 0x65,  // ts_sec 1700000001
    0x3f, 0x42, 0x0f, 0x00,  // ts_usec 999999
    0x02, 0x00, 0x00, 0x00,  // captured length 2
    0x3c, 0x00, 0x00, 0x00,  // original length 60
    0x01, 0x02,              // data
};

// Classic pcap, big-endian, nanosecond timestamps, Linux cooked capture.
const Bytes kNanoPcapBe = {
    0xa1, 0xb2, 0x3c, 0x4d,  // magic 0xa1b23c4d (nanoseconds), big-endian
    0x00, 0x02, 0x00, 0x04,  // version 2.4
    0x00, 0x00, 0x00, 0x00,  // thiszone
    0x00, 0x00, 0x00, 0x00,  // sigfigs
    0x00, 0x04, 0x00, 0x00,  // snaplen 262144
    0x00, 0x00, 0x00, 0x71,  // link type 113 (LINUX_SLL)
    0x65, 0x53, 0xf1, 0x00,  // ts_sec 1700000000
    0x07, 0x5b, 0xcd, 0x15,  // ts_nsec 123456789
    0x00, 0x00, 0x00, 0x03,  // captured length 3
    0x00, 0x00, 0x00, 0x03,  // original length 3
    0xaa, 0xbb, 0xcc,        // data
};

// pcapng, little-endian: section header, one Ethernet interface with if_tsresol 9 (nanoseconds),
// one enhanced packet.
const Bytes kPcapng = {
    0x0a, 0x0d, 0x0d, 0x0a,                          // SHB block type
    0x1c, 0x00, 0x00, 0x00,                          //   total length 28
    0x4d, 0x3c, 0x2b, 0x1a,                          //   byte-order magic
    0x01, 0x00, 0x00, 0x00,                          //   version 1.0
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  //   section length unknown
    0x1c, 0x00, 0x00, 0x00,                          //   total length 28
    0x01, 0x00, 0x00, 0x00,                          // IDB block type
    0x20, 0x00, 0x00, 0x00,                          //   total length 32
    0x01, 0x00, 0x00, 0x00,                          //   link type 1, reserved
    0x00, 0x00, 0x04, 0x00,                          //   snaplen 262144
    0x09, 0x00, 0x01, 0x00,                          //   option if_tsresol, length 1
    0x09, 0x00, 0x00, 0x00,                          //   10^-9 seconds, 3 bytes padding
    0x00, 0x00, 0x00, 0x00,                          //   opt_endofopt
    0x20, 0x00, 0x00, 0x00,                          //   total length 32
    0x06, 0x00, 0x00, 0x00,                          // EPB block type
    0x28, 0x00, 0x00, 0x00,                          //   total length 40
    0x00, 0x00, 0x00, 0x00,                          //   interface 0
    0xfe, 0x9c, 0x97, 0x17,                          //   timestamp high (1700000000123456789 ns)
    0x15, 0xcd, 0x85, 0x3d,                          //   timestamp low
    0x05, 0x00, 0x00, 0x00,                          //   captured length 5
    0x05, 0x00, 0x00, 0x00,                          //   original length 5
    0x01, 0x02, 0x03, 0x04, 0x05, 0x00, 0x00, 0x00,  //   data, padded to 4
    0x28, 0x00, 0x00, 0x00,                          //   total length 40
};

constexpr std::int64_t kSecond = 1'000'000'000;

Bytes data_of(const CapturedFrame& f) {
    return Bytes(f.data.begin(), f.data.end());
}

// A file in the temporary directory, removed at the end of the test.
class TempFile {
  public:
    explicit TempFile(const std::string& name)
        : path_(std::filesystem::temp_directory_path() /
                ("rtpx_pcap_file_test_" + std::to_string(::getpid()) + "_" + name)) {}
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    ~TempFile() {
        std::error_code ec;
        std::filesystem::remove(path_, ec);
    }
    std::string path() const { return path_.string(); }
    void write(const Bytes& bytes) const {
        std::ofstream out(path_, std::ios::binary);
        out.write(reinterpret_cast<const char*>(bytes.data()),
                  static_cast<std::streamsize>(bytes.size()));
    }

  private:
    std::filesystem::path path_;
};

TEST(PcapReader, ReadsAMicrosecondPcapAsNanoseconds) {
    auto reader = PcapReader::open_memory(kMicroPcapLe);
    ASSERT_TRUE(reader.has_value()) << reader.error();
    EXPECT_EQ(reader->link_type(), 1);
    EXPECT_EQ(reader->link_type_name(), "EN10MB");
    EXPECT_EQ(reader->snaplen(), 65535);

    auto f1 = reader->next();
    ASSERT_TRUE(f1.has_value()) << f1.error();
    ASSERT_TRUE(f1->has_value());
    EXPECT_EQ((*f1)->timestamp_ns, 1700000000 * kSecond + 123456000);
    EXPECT_EQ(data_of(**f1), (Bytes{0xde, 0xad, 0xbe, 0xef}));
    EXPECT_EQ((*f1)->original_length, 4u);
    EXPECT_EQ((*f1)->index, 1u);

    auto f2 = reader->next();
    ASSERT_TRUE(f2.has_value() && f2->has_value());
    EXPECT_EQ((*f2)->timestamp_ns, 1700000001 * kSecond + 999999000);
    EXPECT_EQ(data_of(**f2), (Bytes{0x01, 0x02}));
    EXPECT_EQ((*f2)->original_length, 60u);
    EXPECT_EQ((*f2)->index, 2u);

    for (int i = 0; i < 2; ++i) {  // the end stays the end
        auto end = reader->next();
        ASSERT_TRUE(end.has_value());
        EXPECT_FALSE(end->has_value());
    }
}

TEST(PcapReader, ReadsABigEndianNanosecondPcapToTheNanosecond) {
    auto reader = PcapReader::open_memory(kNanoPcapBe);
    ASSERT_TRUE(reader.has_value()) << reader.error();
    EXPECT_EQ(reader->link_type(), 113);
    EXPECT_EQ(reader->link_type_name(), "LINUX_SLL");
    auto f = reader->next();
    ASSERT_TRUE(f.has_value() && f->has_value());
    EXPECT_EQ((*f)->timestamp_ns, 1700000000 * kSecond + 123456789);
    EXPECT_EQ(data_of(**f), (Bytes{0xaa, 0xbb, 0xcc}));
}

TEST(PcapReader, ReadsPcapngWithNanosecondResolution) {
    auto reader = PcapReader::open_memory(kPcapng);
    ASSERT_TRUE(reader.has_value()) << reader.error();
    EXPECT_EQ(reader->link_type(), 1);
    auto f = reader->next();
    ASSERT_TRUE(f.has_value()) << f.error();
    ASSERT_TRUE(f->has_value());
    EXPECT_EQ((*f)->timestamp_ns, 1700000000 * kSecond + 123456789);
    EXPECT_EQ(data_of(**f), (Bytes{1, 2, 3, 4, 5}));
    EXPECT_EQ((*f)->original_length, 5u);
    auto end = reader->next();
    ASSERT_TRUE(end.has_value());
    EXPECT_FALSE(end->has_value());
}

TEST(PcapReader, SaturatesATimestampBeyondInt64Nanoseconds) {
    // The pcapng fixture with the packet's 64-bit timestamp at its maximum: 2^64-1 ns after 1970 is
    // past the year 2262, which int64 nanoseconds cannot hold.
    Bytes bytes = kPcapng;
    std::fill(bytes.begin() + 72, bytes.begin() + 80, 0xff);
    auto reader = PcapReader::open_memory(bytes);
    ASSERT_TRUE(reader.has_value()) << reader.error();
    auto f = reader->next();
    ASSERT_TRUE(f.has_value() && f->has_value());
    EXPECT_EQ((*f)->timestamp_ns, std::numeric_limits<std::int64_t>::max());
}

TEST(PcapReader, ReportsARecordCutShortAfterTheFramesBeforeIt) {
    const Bytes cut(kMicroPcapLe.begin(), kMicroPcapLe.end() - 1);
    auto reader = PcapReader::open_memory(cut);
    ASSERT_TRUE(reader.has_value()) << reader.error();
    auto f1 = reader->next();
    ASSERT_TRUE(f1.has_value() && f1->has_value());
    auto f2 = reader->next();
    ASSERT_FALSE(f2.has_value());
    EXPECT_EQ(f2.error().rfind("<memory>: ", 0), 0u) << f2.error();
    EXPECT_NE(f2.error().find("truncated"), std::string::npos) << f2.error();
    auto again = reader->next();  // errors are sticky
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error(), f2.error());
}

TEST(PcapReader, ReportsARecordHeaderCutShort) {
    const Bytes cut(kMicroPcapLe.begin(), kMicroPcapLe.begin() + 24 + 20 + 8);
    auto reader = PcapReader::open_memory(cut);
    ASSERT_TRUE(reader.has_value());
    ASSERT_TRUE(reader->next().has_value());
    EXPECT_FALSE(reader->next().has_value());
}

TEST(PcapReader, RejectsAnEmptyBufferAndAFileOfAnotherKind) {
    auto empty = PcapReader::open_memory({});
    ASSERT_FALSE(empty.has_value());
    EXPECT_EQ(empty.error().rfind("<memory>: ", 0), 0u);
    const Bytes text = {'G',  'E',  'T',  ' ',  '/', ' ', 'H', 'T', 'T', 'P', '/', '1', '.', '1',
                        '\r', '\n', '\r', '\n', 0,   0,   0,   0,   0,   0,   0,   0,   0,   0};
    auto other = PcapReader::open_memory(text);
    ASSERT_FALSE(other.has_value());
    EXPECT_EQ(other.error().rfind("<memory>: ", 0), 0u) << other.error();
}

TEST(PcapReader, RejectsAHeaderCutShort) {
    auto reader = PcapReader::open_memory(ByteSpan(kMicroPcapLe).first(10));
    ASSERT_FALSE(reader.has_value());
}

TEST(PcapReader, KeepsItsOwnCopyOfTheMemory) {
    auto bytes = std::make_unique<Bytes>(kNanoPcapBe);
    auto reader = PcapReader::open_memory(*bytes);
    ASSERT_TRUE(reader.has_value());
    std::fill(bytes->begin(), bytes->end(), 0);
    bytes.reset();
    auto f = reader->next();
    ASSERT_TRUE(f.has_value() && f->has_value());
    EXPECT_EQ(data_of(**f), (Bytes{0xaa, 0xbb, 0xcc}));
}

TEST(PcapReader, OpensAFileByPath) {
    TempFile file("by_path.pcapng");
    file.write(kPcapng);
    auto reader = PcapReader::open_file(file.path());
    ASSERT_TRUE(reader.has_value()) << reader.error();
    EXPECT_EQ(reader->name(), file.path());
    auto f = reader->next();
    ASSERT_TRUE(f.has_value() && f->has_value());
    EXPECT_EQ((*f)->index, 1u);
}

TEST(PcapReader, PrefixesOpenErrorsWithThePath) {
    const std::string path = "/nonexistent/rtpx/missing.pcap";
    auto reader = PcapReader::open_file(path);
    ASSERT_FALSE(reader.has_value());
    EXPECT_EQ(reader.error().rfind(path + ": ", 0), 0u) << reader.error();
    EXPECT_EQ(reader.error().find(path, 1), std::string::npos) << "the path appears twice";
}

TEST(PcapReader, MovesWithoutLosingItsPlace) {
    auto opened = PcapReader::open_memory(kMicroPcapLe);
    ASSERT_TRUE(opened.has_value());
    PcapReader a = std::move(*opened);
    ASSERT_TRUE(a.next().has_value());
    PcapReader b = std::move(a);
    auto f2 = b.next();
    ASSERT_TRUE(f2.has_value() && f2->has_value());
    EXPECT_EQ((*f2)->index, 2u);
    auto other = PcapReader::open_memory(kNanoPcapBe);
    ASSERT_TRUE(other.has_value());
    b = std::move(*other);  // closes the first capture
    EXPECT_EQ(b.link_type(), 113);
}

}  // namespace
}  // namespace rtpx::rtp::capture
