// PcapWriter -> file -> PcapReader -> parse_udp_frame: what rtpx-pcapgen writes is what `rtpx
// decode pcap` reads.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "rtpx/rtp/capture/pcap_file.hpp"
#include "rtpx/rtp/capture/udp_frame.hpp"

namespace rtpx::rtp::capture {
namespace {

using Bytes = std::vector<std::uint8_t>;

class TempPath {
  public:
    explicit TempPath(const std::string& name)
        : path_(std::filesystem::temp_directory_path() /
                ("rtpx_pcap_roundtrip_test_" + std::to_string(::getpid()) + "_" + name)) {}
    TempPath(const TempPath&) = delete;
    TempPath& operator=(const TempPath&) = delete;
    ~TempPath() {
        std::error_code ec;
        std::filesystem::remove(path_, ec);
    }
    std::string str() const { return path_.string(); }
    Bytes contents() const {
        std::ifstream in(path_, std::ios::binary);
        return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    }

  private:
    std::filesystem::path path_;
};

struct Sent {
    std::int64_t timestamp_ns;
    FrameEndpoints ep;
    Bytes payload;
};

std::vector<Sent> sample_traffic() {
    std::vector<Sent> sent;
    const std::int64_t t0 = 1'700'000'000'000'000'001;  // one nanosecond past a whole second
    for (int i = 0; i < 50; ++i) {
        Sent s;
        s.timestamp_ns = t0 + i * 20'000'000 + i * 7;  // 20 ms apart, odd nanoseconds
        const bool v6 = (i % 3) == 2;
        s.ep.src = v6 ? *IpAddress::from_string("fd00::1") : IpAddress::v4(10, 0, 0, 1);
        s.ep.dst = v6 ? *IpAddress::from_string("fd00::2") : IpAddress::v4(10, 0, 0, 2);
        s.ep.src_port = static_cast<std::uint16_t>(20000 + 2 * (i % 4));
        s.ep.dst_port = static_cast<std::uint16_t>(30000 + 2 * (i % 4));
        s.ep.vlan = (i % 5 == 0) ? 42 : 0;
        s.payload.assign(static_cast<std::size_t>(12 + i * 7), static_cast<std::uint8_t>(i));
        sent.push_back(std::move(s));
    }
    return sent;
}

TEST(PcapRoundTrip, ReadsBackTimestampsLengthsAndUdpFields) {
    TempPath path("roundtrip.pcap");
    const auto sent = sample_traffic();
    {
        auto writer = PcapWriter::create(path.str());
        ASSERT_TRUE(writer.has_value()) << writer.error();
        for (const auto& s : sent) {
            Bytes frame(udp_frame_size(s.ep, s.payload.size()));
            ASSERT_TRUE(build_udp_frame(frame, s.ep, s.payload).has_value());
            writer->write(s.timestamp_ns, frame);
        }
        EXPECT_EQ(writer->frames_written(), sent.size());
        auto closed = writer->close();
        EXPECT_TRUE(closed.has_value()) << closed.error();
    }

    auto reader = PcapReader::open_file(path.str());
    ASSERT_TRUE(reader.has_value()) << reader.error();
    EXPECT_EQ(reader->link_type(), kLinkTypeEthernet);
    for (std::size_t i = 0; i < sent.size(); ++i) {
        auto next = reader->next();
        ASSERT_TRUE(next.has_value()) << next.error();
        ASSERT_TRUE(next->has_value()) << "ended after " << i << " frames";
        const CapturedFrame& f = **next;
        const Sent& s = sent[i];
        EXPECT_EQ(f.index, i + 1);
        EXPECT_EQ(f.timestamp_ns, s.timestamp_ns);
        EXPECT_EQ(f.data.size(), udp_frame_size(s.ep, s.payload.size()));
        EXPECT_EQ(f.original_length, f.data.size());
        auto d = parse_udp_frame(reader->link_type(), f.data);
        ASSERT_TRUE(d.has_value()) << d.error().what << " at byte " << d.error().offset;
        EXPECT_EQ(d->src, s.ep.src);
        EXPECT_EQ(d->dst, s.ep.dst);
        EXPECT_EQ(d->src_port, s.ep.src_port);
        EXPECT_EQ(d->dst_port, s.ep.dst_port);
        EXPECT_EQ(d->vlan, s.ep.vlan);
        EXPECT_EQ(Bytes(d->payload.begin(), d->payload.end()), s.payload);
        EXPECT_TRUE(udp_checksum_ok(s.ep.src, s.ep.dst,
                                    f.data.subspan(d->payload_offset - kUdpHeaderSize)));
    }
    auto end = reader->next();
    ASSERT_TRUE(end.has_value());
    EXPECT_FALSE(end->has_value());
}

TEST(PcapRoundTrip, WritesTheNanosecondMagic) {
    TempPath path("magic.pcap");
    {
        auto writer = PcapWriter::create(path.str());
        ASSERT_TRUE(writer.has_value());
    }  // the destructor closes
    const Bytes bytes = path.contents();
    ASSERT_EQ(bytes.size(), 24u);  // the file header alone
    // Host byte order: 0xa1b23c4d little- or big-endian.
    const bool le = bytes[0] == 0x4d && bytes[1] == 0x3c && bytes[2] == 0xb2 && bytes[3] == 0xa1;
    const bool be = bytes[0] == 0xa1 && bytes[1] == 0xb2 && bytes[2] == 0x3c && bytes[3] == 0x4d;
    EXPECT_TRUE(le || be);
}

TEST(PcapRoundTrip, KeepsTheOriginalLengthOfASnappedFrame) {
    TempPath path("snapped.pcap");
    const Bytes head = {1, 2, 3, 4, 5, 6, 7, 8};
    {
        auto writer = PcapWriter::create(path.str());
        ASSERT_TRUE(writer.has_value());
        writer->write(5, head, 1514);
        writer->write(6, head, 2);  // below the captured size: raised to it
    }
    auto reader = PcapReader::open_file(path.str());
    ASSERT_TRUE(reader.has_value());
    auto f1 = reader->next();
    ASSERT_TRUE(f1.has_value() && f1->has_value());
    EXPECT_EQ((*f1)->timestamp_ns, 5);
    EXPECT_EQ((*f1)->original_length, 1514u);
    EXPECT_EQ((*f1)->data.size(), 8u);
    auto f2 = reader->next();
    ASSERT_TRUE(f2.has_value() && f2->has_value());
    EXPECT_EQ((*f2)->original_length, 8u);
}

TEST(PcapRoundTrip, KeepsTimestampsAtTheEpochToTheNanosecond) {
    TempPath path("epoch.pcap");
    const Bytes data = {0xab};
    {
        auto writer = PcapWriter::create(path.str());
        ASSERT_TRUE(writer.has_value());
        writer->write(0, data);
        writer->write(999'999'999, data);
    }
    auto reader = PcapReader::open_file(path.str());
    ASSERT_TRUE(reader.has_value());
    for (const std::int64_t expected : {std::int64_t{0}, std::int64_t{999'999'999}}) {
        auto f = reader->next();
        ASSERT_TRUE(f.has_value() && f->has_value());
        EXPECT_EQ((*f)->timestamp_ns, expected);
    }
}

TEST(PcapRoundTrip, KeepsTheLinkTypeItWasCreatedWith) {
    TempPath path("sll.pcap");
    {
        auto writer = PcapWriter::create(path.str(), kLinkTypeLinuxSll);
        ASSERT_TRUE(writer.has_value());
    }
    auto reader = PcapReader::open_file(path.str());
    ASSERT_TRUE(reader.has_value());
    EXPECT_EQ(reader->link_type(), kLinkTypeLinuxSll);
}

TEST(PcapRoundTrip, IgnoresWritesAfterClose) {
    TempPath path("closed.pcap");
    auto writer = PcapWriter::create(path.str());
    ASSERT_TRUE(writer.has_value());
    writer->write(1, Bytes{1, 2, 3});
    ASSERT_TRUE(writer->close().has_value());
    writer->write(2, Bytes{4, 5, 6});
    EXPECT_TRUE(writer->close().has_value());
    EXPECT_EQ(writer->frames_written(), 1u);
    EXPECT_EQ(path.contents().size(), 24u + 16u + 3u);
}

TEST(PcapRoundTrip, PrefixesCreateErrorsWithThePath) {
    const std::string path = "/nonexistent/rtpx/out.pcap";
    auto writer = PcapWriter::create(path);
    ASSERT_FALSE(writer.has_value());
    EXPECT_EQ(writer.error().rfind(path + ": ", 0), 0u) << writer.error();
    EXPECT_EQ(writer.error().find(path, 1), std::string::npos) << "the path appears twice";
}

}  // namespace
}  // namespace rtpx::rtp::capture
