// Capture files through libpcap: a reader of pcap and pcapng files (from a path or from memory) and
// a writer of nanosecond pcap files.
//
// Slow-path code for offline tools and tests: it allocates, and reports errors as text (libpcap's
// message prefixed with the file name) in a tl::expected. Timestamps are nanoseconds since the Unix
// epoch; the reader asks libpcap for nanosecond precision, so microsecond files read as whole
// microseconds and nanosecond files keep every digit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "rtpx/rtp/bytes.hpp"

// libpcap's handle types, declared here so that this header does not pull in <pcap.h>.
struct pcap;
struct pcap_dumper;

namespace rtpx::rtp::capture {

// DLT_EN10MB, the default link type of written files (same value in <pcap.h>).
inline constexpr int kDefaultWriteLinkType = 1;

struct CapturedFrame {
    std::int64_t timestamp_ns = 0;      // capture time, ns since the Unix epoch (saturates)
    ByteSpan data;                      // captured bytes; valid until the next call to next()
    std::uint32_t original_length = 0;  // length on the wire (> data.size() when snapped)
    std::uint64_t index = 0;            // 1-based position in the file, as Wireshark numbers frames
};

// Reads a pcap or pcapng file frame by frame. Move-only; closes the file on destruction.
class PcapReader {
  public:
    // Opens a file. Errors: "<path>: <libpcap's message>".
    [[nodiscard]] static tl::expected<PcapReader, std::string> open_file(const std::string& path);
    // Reads a capture held in memory; the reader keeps its own copy of the bytes, so `bytes` may go
    // away after the call. Errors are prefixed with "<memory>".
    [[nodiscard]] static tl::expected<PcapReader, std::string> open_memory(ByteSpan bytes);

    PcapReader(PcapReader&& other) noexcept;
    PcapReader& operator=(PcapReader&& other) noexcept;
    PcapReader(const PcapReader&) = delete;
    PcapReader& operator=(const PcapReader&) = delete;
    ~PcapReader();

    // The link-layer type as libpcap reports it (a DLT_ value: 1 Ethernet, 113 Linux cooked, 12 raw
    // IP, ...). For pcapng files, the type of the first interface.
    [[nodiscard]] int link_type() const noexcept;
    // libpcap's name for the link type ("EN10MB", "LINUX_SLL", ...), or the number as text.
    [[nodiscard]] std::string link_type_name() const;
    // The snapshot length recorded in the file header.
    [[nodiscard]] int snaplen() const noexcept;
    // The file name, or "<memory>".
    [[nodiscard]] const std::string& name() const noexcept { return name_; }

    // The next frame; nullopt at the end of the file; an error for a damaged file (for example a
    // record cut short). After an error or the end, further calls return the same outcome.
    [[nodiscard]] tl::expected<std::optional<CapturedFrame>, std::string> next();

  private:
    PcapReader(pcap* handle, std::string name, std::vector<std::uint8_t> memory) noexcept;
    void close() noexcept;

    pcap* handle_ = nullptr;
    std::string name_;
    std::vector<std::uint8_t> memory_;  // backing bytes of open_memory(); empty for files
    std::uint64_t frames_read_ = 0;
    std::optional<std::string> error_;  // sticky error after a failed next()
    bool at_end_ = false;
};

// Writes a pcap file with nanosecond timestamps (magic 0xa1b23c4d). Move-only; flushes and closes
// on destruction or close().
class PcapWriter {
  public:
    // Creates (truncates) `path`. Errors: "<path>: <libpcap's message>".
    [[nodiscard]] static tl::expected<PcapWriter, std::string> create(
        const std::string& path, int link_type = kDefaultWriteLinkType);

    PcapWriter(PcapWriter&& other) noexcept;
    PcapWriter& operator=(PcapWriter&& other) noexcept;
    PcapWriter(const PcapWriter&) = delete;
    PcapWriter& operator=(const PcapWriter&) = delete;
    ~PcapWriter();

    // Appends one frame captured in full. pcap records hold 32-bit seconds: times before 1970 or
    // after 2106 do not survive (and some readers stop at 2038).
    void write(std::int64_t timestamp_ns, ByteSpan frame);
    // Appends a frame of which only `frame` was captured out of `original_length` bytes on the wire
    // (as with a snapshot length); original_length below frame.size() is raised to it.
    void write(std::int64_t timestamp_ns, ByteSpan frame, std::uint32_t original_length);

    // Frames written so far.
    [[nodiscard]] std::uint64_t frames_written() const noexcept { return frames_written_; }

    // Flushes and closes the file; reports a write error (disk full, ...) that happened on the way.
    // Writing after close() does nothing. Closing twice is harmless.
    [[nodiscard]] tl::expected<void, std::string> close();

  private:
    PcapWriter(pcap* handle, pcap_dumper* dumper, std::string path) noexcept;
    void release() noexcept;

    pcap* handle_ = nullptr;
    pcap_dumper* dumper_ = nullptr;
    std::string path_;
    std::uint64_t frames_written_ = 0;
};

}  // namespace rtpx::rtp::capture
