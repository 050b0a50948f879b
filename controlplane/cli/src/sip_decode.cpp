#include "sip_decode.hpp"
#include "rtpx/sip/sdp/session.hpp"
#include "sdp_json.hpp"

#include <iostream>
#include <memory>
#include <optional>
#include <vector>

#include "commands.hpp"
#include "input.hpp"
#include "rtpx/sip/multipart.hpp"
#include "rtpx/sip/values.hpp"

namespace rtpx::cli {
namespace {

using json = nlohmann::ordered_json;
namespace s = rtpx::sip;

json str_or_null(std::optional<std::string_view> v) {
    return v ? json(std::string(*v)) : json(nullptr);
}

json uri_json(const s::UriView& u) {
    return json(std::string(u.text));
}

json name_addr_json(const s::NameAddrView& n) {
    json out{
        {"uri", uri_json(n.uri)},
        {"display_name", n.display_name.empty() ? json(nullptr) : json(n.display_name_unquoted())},
        {"tag", n.tag().empty() ? json(nullptr) : json(std::string(n.tag()))}};
    return out;
}

json via_json(const s::ViaView& v) {
    json rport = nullptr;
    if (auto r = v.rport()) {
        if (r->empty()) {
            rport = true;
        } else if (auto n = s::parse_decimal_value(*r, 65535)) {
            rport = *n;
        }
    }
    json ttl = nullptr;
    if (auto t = v.ttl()) ttl = *t;
    return json{
        {"protocol", std::string(v.protocol_name) + "/" + std::string(v.protocol_version)},
        {"transport", std::string(v.transport)},
        {"host", std::string(v.host_is_ipv6 ? v.host.substr(1, v.host.size() - 2) : v.host)},
        {"port", v.port ? json(*v.port) : json(nullptr)},
        {"branch", v.branch().empty() ? json(nullptr) : json(std::string(v.branch()))},
        {"received", str_or_null(v.received())},
        {"rport", rport},
        {"maddr", str_or_null(v.maddr())},
        {"ttl", ttl}};
}

// Route, Record-Route and Contact values, in order over all their lines.
json address_list_json(const s::SipMessageView& m, s::HeaderId id, bool contact) {
    json out = json::array();
    for (std::string_view v : m.values(id)) {
        auto n = m.parse_name_addr(v, contact);
        if (!n) continue;  // check_syntax has already accepted every value
        if (n->star) {
            out.push_back("*");
            continue;
        }
        json item = name_addr_json(*n);
        item.erase("tag");
        if (contact) {
            item["expires"] = n->expires() ? json(*n->expires()) : json(nullptr);
            item["q"] = n->q() ? json(*n->q() / 1000.0) : json(nullptr);
        }
        out.push_back(item);
    }
    return out;
}

// ---- SDP plug point --------------------------------------------------------------------------
// The SDP body as `rtpx decode sdp` prints it; left out when it does not parse as SDP.
std::optional<json> sdp_json(std::string_view sdp) {
    auto session = rtpx::sip::sdp::parse(sdp);
    if (!session) return std::nullopt;
    return json(sdp_to_json(*session));
}
// ----------------------------------------------------------------------------------------------

int fail(std::ostream& err, const std::string& what, std::size_t offset) {
    err << "error: " << what << " at byte " << offset << '\n';
    return 1;
}

}  // namespace

json sip_to_json(const s::SipMessageView& m) {
    json out;
    if (m.is_request()) {
        out["kind"] = "request";
        out["method"] = std::string(m.method_text());
        out["request_uri"] = std::string(m.request_uri_text());
    } else {
        out["kind"] = "response";
        out["status"] = m.status_code();
        out["reason"] = std::string(m.reason());
    }
    out["version"] = std::string(m.version());
    json headers = json::array();
    for (std::size_t i = 0; i < m.header_count(); ++i) {
        const s::HeaderField h = m.header(i);
        const std::string_view name = h.id == s::HeaderId::kOther ? h.name : s::header_name(h.id);
        headers.push_back(json{{"name", std::string(name)}, {"value", s::unfold(h.value)}});
    }
    out["headers"] = std::move(headers);

    json vias = json::array();
    for (std::string_view v : m.values(s::HeaderId::kVia)) {
        if (auto via = m.parse_via(v)) vias.push_back(via_json(*via));
    }
    out["via"] = std::move(vias);
    auto from = m.from();
    out["from"] = from ? name_addr_json(*from) : json(nullptr);
    auto to = m.to();
    out["to"] = to ? name_addr_json(*to) : json(nullptr);
    auto call_id = m.call_id();
    out["call_id"] = call_id ? json(std::string(*call_id)) : json(nullptr);
    auto cseq = m.cseq();
    out["cseq"] =
        cseq ? json{{"seq", cseq->seq}, {"method", std::string(cseq->method_text)}} : json(nullptr);
    out["contact"] = address_list_json(m, s::HeaderId::kContact, true);
    out["route"] = address_list_json(m, s::HeaderId::kRoute, false);
    out["record_route"] = address_list_json(m, s::HeaderId::kRecordRoute, false);
    auto mf = m.max_forwards();
    out["max_forwards"] = mf ? json(*mf) : json(nullptr);
    out["content_length"] = m.content_length() ? json(*m.content_length()) : json(nullptr);
    auto ct = m.content_type();
    out["content_type"] =
        ct ? json(s::unfold(m.find(s::HeaderId::kContentType)->value)) : json(nullptr);
    out["body_length"] = m.body().size();
    if (auto sdp = s::find_sdp_body(m)) {
        if (auto j = sdp_json(*sdp)) out["sdp"] = std::move(*j);
    }
    return out;
}

int decode_sip(const DecodeSipOptions& options, std::ostream& out, std::ostream& err) {
    std::string bytes;
    if (!options.hex.empty()) {
        auto b = parse_hex(options.hex);
        if (!b) return fail(err, b.error().what, b.error().offset);
        bytes.assign(b->begin(), b->end());
    } else if (!options.file.empty()) {
        auto text = read_file(options.file);
        if (!text) return fail(err, text.error().what, text.error().offset);
        bytes = std::move(*text);
    } else {
        bytes = read_stdin();
    }
    auto m = s::SipMessageView::parse(bytes);
    if (!m) return fail(err, m.error().what, m.error().offset);
    if (auto ok = m->check_syntax(); !ok) return fail(err, ok.error().what, ok.error().offset);
    out << sip_to_json(*m).dump() << '\n';
    return 0;
}

void add_decode_sip_command(CLI::App& decode, int& status) {
    auto opts = std::make_shared<DecodeSipOptions>();
    auto* cmd = decode.add_subcommand("sip", "decode one SIP message (request or response)");
    auto* hex = cmd->add_option("--hex", opts->hex, "the message bytes as hex");
    auto* file = cmd->add_option("--file", opts->file, "file holding the raw message");
    auto* dash =
        cmd->add_option("source", opts->source, "'-': read the raw message from standard input")
            ->check(CLI::IsMember({"-"}));
    hex->excludes(file)->excludes(dash);
    file->excludes(dash);
    cmd->final_callback([opts, &status] {
        if (opts->hex.empty() && opts->file.empty() && opts->source.empty()) {
            std::cerr << "error: give the message with --hex, --file or -\n";
            status = 2;
            return;
        }
        status = decode_sip(*opts, std::cout, std::cerr);
    });
}

}  // namespace rtpx::cli
