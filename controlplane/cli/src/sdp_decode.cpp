#include "sdp_decode.hpp"

#include <iostream>
#include <memory>
#include <ostream>
#include <string_view>

#include "commands.hpp"
#include "input.hpp"
#include "rtpx/sip/sdp/session.hpp"
#include "sdp_json.hpp"

namespace rtpx::cli {

int decode_sdp(const DecodeInput& input, std::ostream& out, std::ostream& err) {
    tl::expected<std::vector<std::uint8_t>, InputError> bytes;
    if (!input.hex.empty()) {
        bytes = parse_hex(input.hex);
    } else if (!input.file.empty()) {
        auto text = read_file(input.file);
        bytes = text ? hex_or_binary(*text) : tl::unexpected(text.error());
    } else {
        bytes = hex_or_binary(read_stdin());
    }
    if (!bytes) {
        err << "error: " << bytes.error().what << " at byte " << bytes.error().offset << '\n';
        return 1;
    }
    const std::string_view text(reinterpret_cast<const char*>(bytes->data()), bytes->size());
    auto session = sip::sdp::parse(text);
    if (!session) {
        err << "error: " << session.error().what << " at byte " << session.error().offset << '\n';
        return 1;
    }
    out << sdp_to_json(*session).dump() << '\n';
    return 0;
}

void add_decode_sdp_command(CLI::App& decode, int& status) {
    auto in = std::make_shared<DecodeInput>();
    auto* cmd = decode.add_subcommand("sdp", "decode one SDP session description (RFC 8866)");
    auto* hex = cmd->add_option("--hex", in->hex, "the SDP as hex (case and whitespace ignored)");
    auto* file = cmd->add_option("--file", in->file, "file holding the SDP text");
    auto* dash = cmd->add_option("source", in->source, "'-': read the SDP from standard input")
                     ->check(CLI::IsMember({"-"}));
    hex->excludes(file)->excludes(dash);
    file->excludes(dash);
    cmd->final_callback([in, &status] {
        if (in->hex.empty() && in->file.empty() && in->source.empty()) {
            std::cerr << "error: give the SDP with --hex, --file or -\n";
            status = 2;
            return;
        }
        status = decode_sdp(*in, std::cout, std::cerr);
    });
}

}  // namespace rtpx::cli
