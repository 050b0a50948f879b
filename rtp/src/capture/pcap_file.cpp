#include "rtpx/rtp/capture/pcap_file.hpp"

#include <pcap/pcap.h>

#include <algorithm>
#include <cstdio>
#include <limits>
#include <utility>

namespace rtpx::rtp::capture {

namespace {

constexpr const char* kMemoryName = "<memory>";
constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
// Snapshot length recorded in written files: libpcap's maximum, so nothing is ever cut.
constexpr int kWriteSnaplen = 262144;

// "<name>: <message>"; libpcap already starts some messages (open errors) with the file name, and
// those are kept as they are rather than naming the file twice.
std::string prefixed(const std::string& name, const char* message) {
    const std::string text(message);
    if (text.size() > name.size() && text.compare(0, name.size(), name) == 0 &&
        text[name.size()] == ':') {
        return text;
    }
    return name + ": " + text;
}

// With nanosecond precision libpcap puts nanoseconds in tv_usec. pcapng stores 64-bit times in
// units of its choosing, so seconds can exceed what int64 nanoseconds hold (past the year 2262):
// such times saturate rather than overflow.
std::int64_t to_nanoseconds(std::int64_t seconds, std::int64_t nanos) noexcept {
    std::int64_t ns = 0;
    if (__builtin_mul_overflow(seconds, kNanosPerSecond, &ns) ||
        __builtin_add_overflow(ns, nanos, &ns)) {
        return seconds < 0 ? std::numeric_limits<std::int64_t>::min()
                           : std::numeric_limits<std::int64_t>::max();
    }
    return ns;
}

}  // namespace

// --- PcapReader
// ------------------------------------------------------------------------------------

PcapReader::PcapReader(pcap* handle, std::string name, std::vector<std::uint8_t> memory) noexcept
    : handle_(handle), name_(std::move(name)), memory_(std::move(memory)) {}

tl::expected<PcapReader, std::string> PcapReader::open_file(const std::string& path) {
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_t* handle =
        pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (handle == nullptr) {
        return tl::unexpected(prefixed(path, errbuf));
    }
    return PcapReader(handle, path, {});
}

tl::expected<PcapReader, std::string> PcapReader::open_memory(ByteSpan bytes) {
    if (bytes.empty()) {
        return tl::unexpected(prefixed(kMemoryName, "empty capture"));
    }
    // The vector's buffer does not move when the vector does, so the FILE* stays valid.
    std::vector<std::uint8_t> memory(bytes.begin(), bytes.end());
    std::FILE* file = fmemopen(memory.data(), memory.size(), "rb");
    if (file == nullptr) {
        return tl::unexpected(prefixed(kMemoryName, "fmemopen failed"));
    }
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_t* handle =
        pcap_fopen_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (handle == nullptr) {
        std::fclose(file);  // libpcap leaves the FILE* to the caller when it fails
        return tl::unexpected(prefixed(kMemoryName, errbuf));
    }
    return PcapReader(handle, kMemoryName, std::move(memory));
}

PcapReader::PcapReader(PcapReader&& other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)),
      name_(std::move(other.name_)),
      memory_(std::move(other.memory_)),
      frames_read_(other.frames_read_),
      error_(std::move(other.error_)),
      at_end_(other.at_end_) {}

PcapReader& PcapReader::operator=(PcapReader&& other) noexcept {
    if (this != &other) {
        close();
        handle_ = std::exchange(other.handle_, nullptr);
        name_ = std::move(other.name_);
        memory_ = std::move(other.memory_);
        frames_read_ = other.frames_read_;
        error_ = std::move(other.error_);
        at_end_ = other.at_end_;
    }
    return *this;
}

PcapReader::~PcapReader() {
    close();
}

void PcapReader::close() noexcept {
    if (handle_ != nullptr) {
        pcap_close(handle_);  // also closes the FILE* (and so the fmemopen stream)
        handle_ = nullptr;
    }
}

int PcapReader::link_type() const noexcept {
    return handle_ != nullptr ? pcap_datalink(handle_) : -1;
}

std::string PcapReader::link_type_name() const {
    const int type = link_type();
    const char* name = pcap_datalink_val_to_name(type);
    return name != nullptr ? std::string(name) : std::to_string(type);
}

int PcapReader::snaplen() const noexcept {
    return handle_ != nullptr ? pcap_snapshot(handle_) : 0;
}

tl::expected<std::optional<CapturedFrame>, std::string> PcapReader::next() {
    if (error_) {
        return tl::unexpected(*error_);
    }
    if (at_end_ || handle_ == nullptr) {
        return std::optional<CapturedFrame>{};
    }
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    const int rc = pcap_next_ex(handle_, &header, &data);
    if (rc == 1) {
        CapturedFrame frame;
        frame.timestamp_ns = to_nanoseconds(header->ts.tv_sec, header->ts.tv_usec);
        frame.data = ByteSpan(data, header->caplen);
        frame.original_length = header->len;
        frame.index = ++frames_read_;
        return frame;
    }
    if (rc == PCAP_ERROR_BREAK) {
        at_end_ = true;
        return std::optional<CapturedFrame>{};
    }
    error_ = prefixed(name_, pcap_geterr(handle_));
    return tl::unexpected(*error_);
}

// --- PcapWriter
// ------------------------------------------------------------------------------------

PcapWriter::PcapWriter(pcap* handle, pcap_dumper* dumper, std::string path) noexcept
    : handle_(handle), dumper_(dumper), path_(std::move(path)) {}

tl::expected<PcapWriter, std::string> PcapWriter::create(const std::string& path, int link_type) {
    pcap_t* handle =
        pcap_open_dead_with_tstamp_precision(link_type, kWriteSnaplen, PCAP_TSTAMP_PRECISION_NANO);
    if (handle == nullptr) {
        return tl::unexpected(prefixed(path, "pcap_open_dead failed"));
    }
    pcap_dumper_t* dumper = pcap_dump_open(handle, path.c_str());
    if (dumper == nullptr) {
        std::string error = prefixed(path, pcap_geterr(handle));
        pcap_close(handle);
        return tl::unexpected(std::move(error));
    }
    return PcapWriter(handle, dumper, path);
}

PcapWriter::PcapWriter(PcapWriter&& other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)),
      dumper_(std::exchange(other.dumper_, nullptr)),
      path_(std::move(other.path_)),
      frames_written_(other.frames_written_) {}

PcapWriter& PcapWriter::operator=(PcapWriter&& other) noexcept {
    if (this != &other) {
        release();
        handle_ = std::exchange(other.handle_, nullptr);
        dumper_ = std::exchange(other.dumper_, nullptr);
        path_ = std::move(other.path_);
        frames_written_ = other.frames_written_;
    }
    return *this;
}

PcapWriter::~PcapWriter() {
    release();
}

void PcapWriter::release() noexcept {
    if (dumper_ != nullptr) {
        pcap_dump_close(dumper_);
        dumper_ = nullptr;
    }
    if (handle_ != nullptr) {
        pcap_close(handle_);
        handle_ = nullptr;
    }
}

void PcapWriter::write(std::int64_t timestamp_ns, ByteSpan frame) {
    write(timestamp_ns, frame, static_cast<std::uint32_t>(frame.size()));
}

void PcapWriter::write(std::int64_t timestamp_ns, ByteSpan frame, std::uint32_t original_length) {
    if (dumper_ == nullptr) {
        return;
    }
    // Floor division, so that times before the epoch keep 0 <= nanoseconds < 10^9.
    std::int64_t seconds = timestamp_ns / kNanosPerSecond;
    std::int64_t nanos = timestamp_ns % kNanosPerSecond;
    if (nanos < 0) {
        nanos += kNanosPerSecond;
        --seconds;
    }
    pcap_pkthdr header{};
    header.ts.tv_sec = static_cast<decltype(header.ts.tv_sec)>(seconds);
    header.ts.tv_usec = static_cast<decltype(header.ts.tv_usec)>(nanos);  // nanoseconds here
    header.caplen = static_cast<bpf_u_int32>(frame.size());
    header.len = std::max(original_length, static_cast<std::uint32_t>(frame.size()));
    pcap_dump(reinterpret_cast<u_char*>(dumper_), &header, frame.data());
    ++frames_written_;
}

tl::expected<void, std::string> PcapWriter::close() {
    if (dumper_ == nullptr) {
        return {};
    }
    std::FILE* file = pcap_dump_file(dumper_);
    const bool flush_failed = pcap_dump_flush(dumper_) != 0;
    const bool stream_failed = file != nullptr && std::ferror(file) != 0;
    release();
    if (flush_failed || stream_failed) {
        return tl::unexpected(prefixed(path_, "write failed"));
    }
    return {};
}

}  // namespace rtpx::rtp::capture
