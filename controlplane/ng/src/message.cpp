#include "rtpx/ng/message.hpp"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

namespace rtpx::ng {

std::string_view to_string(Command command) noexcept {
    switch (command) {
        case Command::kPing: return "ping";
        case Command::kOffer: return "offer";
        case Command::kAnswer: return "answer";
        case Command::kDelete: return "delete";
        case Command::kQuery: return "query";
        case Command::kList: return "list";
        case Command::kStatistics: return "statistics";
        case Command::kUnsupported: return "unsupported";
    }
    return "unsupported";
}

std::optional<Frame> split_frame(std::string_view datagram) noexcept {
    const auto sp = datagram.find(' ');
    if (sp == std::string_view::npos || sp == 0) return std::nullopt;
    return Frame{datagram.substr(0, sp), datagram.substr(sp + 1)};
}

std::string normalise_key(std::string_view key) {
    std::string out(key);
    for (auto& c : out) {
        if (c == ' ' || c == '_') {
            c = '-';
        } else {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
    }
    return out;
}

namespace {

bool equals_normalised(std::string_view raw, std::string_view normalised) {
    if (raw.size() != normalised.size()) return false;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        char c = raw[i];
        c = (c == ' ' || c == '_') ? '-'
                                   : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (c != normalised[i]) return false;
    }
    return true;
}

// ---- JSON <-> Value ----------------------------------------------------------------------------

struct JsonTooDeep {};

tl::expected<Value, BodyError> from_json(const nlohmann::json& j) {
    switch (j.type()) {
        case nlohmann::json::value_t::object: {
            Dict d;
            d.reserve(j.size());
            for (auto it = j.begin(); it != j.end(); ++it) {
                if (it.value().is_null()) continue;
                auto v = from_json(it.value());
                if (!v) return v;
                d.push_back(DictEntry{it.key(), std::move(*v)});
            }
            return Value(std::move(d));
        }
        case nlohmann::json::value_t::array: {
            List l;
            l.reserve(j.size());
            for (const auto& e : j) {
                if (e.is_null()) continue;
                auto v = from_json(e);
                if (!v) return v;
                l.push_back(std::move(*v));
            }
            return Value(std::move(l));
        }
        case nlohmann::json::value_t::string: return Value(j.get_ref<const std::string&>());
        case nlohmann::json::value_t::boolean: return Value(j.get<bool>() ? 1 : 0);
        case nlohmann::json::value_t::number_integer: return Value(j.get<std::int64_t>());
        case nlohmann::json::value_t::number_unsigned: {
            const auto u = j.get<std::uint64_t>();
            if (u > static_cast<std::uint64_t>(INT64_MAX))
                return tl::make_unexpected(BodyError{"JSON: integer out of range"});
            return Value(static_cast<std::int64_t>(u));
        }
        case nlohmann::json::value_t::number_float:
            return tl::make_unexpected(BodyError{"JSON: numbers must be integers"});
        default: return tl::make_unexpected(BodyError{"JSON: unsupported value"});
    }
}

nlohmann::json to_json_value(const Value& v) {
    if (v.is_int()) return v.as_int();
    if (v.is_string()) return v.as_string();
    if (v.is_list()) {
        auto a = nlohmann::json::array();
        for (const auto& e : v.as_list()) a.push_back(to_json_value(e));
        return a;
    }
    auto o = nlohmann::json::object();
    for (const auto& e : v.as_dict()) o[e.key] = to_json_value(e.value);
    return o;
}

}  // namespace

const Value* find_key(const Value& dict, std::string_view normalised_key) {
    if (!dict.is_dict()) return nullptr;
    for (const auto& e : dict.as_dict()) {
        if (equals_normalised(e.key, normalised_key)) return &e.value;
    }
    return nullptr;
}

tl::expected<Value, BodyError> decode_body(std::string_view body, BodyFormat* format,
                                           const DecodeLimits& limits) {
    // Tolerate trailing whitespace/newlines some clients append.
    while (!body.empty() && (body.back() == '\n' || body.back() == '\r' || body.back() == ' '))
        body.remove_suffix(1);
    if (!body.empty() && body.front() == '{') {
        if (format != nullptr) *format = BodyFormat::kJson;
        if (body.size() > limits.max_input)
            return tl::make_unexpected(BodyError{"JSON: body too long"});
        nlohmann::json j;
        try {
            const std::size_t max_depth = limits.max_depth;
            nlohmann::json::parser_callback_t cb =
                [max_depth](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
                    if (static_cast<std::size_t>(depth) > max_depth) throw JsonTooDeep{};
                    return true;
                };
            j = nlohmann::json::parse(body.begin(), body.end(), cb);
        } catch (const JsonTooDeep&) {
            return tl::make_unexpected(BodyError{"JSON: nesting too deep"});
        } catch (const nlohmann::json::parse_error& e) {
            return tl::make_unexpected(BodyError{std::string("JSON: ") + e.what()});
        }
        if (!j.is_object()) return tl::make_unexpected(BodyError{"JSON: body is not an object"});
        return from_json(j);
    }
    if (format != nullptr) *format = BodyFormat::kBencode;
    auto v = decode(body, limits);
    if (!v) return tl::make_unexpected(BodyError{"bencode: " + describe(v.error())});
    if (!v->is_dict()) return tl::make_unexpected(BodyError{"bencode: body is not a dictionary"});
    return std::move(*v);
}

std::string to_json(const Value& value) {
    return to_json_value(value).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string frame_reply(std::string_view cookie, const Value& reply, BodyFormat format) {
    std::string out(cookie);
    out += ' ';
    if (format == BodyFormat::kJson) {
        out += to_json(reply);
    } else {
        encode_to(out, reply);
    }
    return out;
}

bool SdesOptions::suite_allowed(std::string_view suite) const {
    if (!only.empty()) return std::find(only.begin(), only.end(), suite) != only.end();
    return std::find(no.begin(), no.end(), suite) == no.end();
}

bool Request::supports_load_limit() const {
    return std::any_of(supports.begin(), supports.end(),
                       [](const std::string& s) { return normalise_key(s) == "load-limit"; });
}

namespace {

Command command_from(std::string_view name) {
    const std::string n = normalise_key(name);
    if (n == "ping") return Command::kPing;
    if (n == "offer") return Command::kOffer;
    if (n == "answer") return Command::kAnswer;
    if (n == "delete") return Command::kDelete;
    if (n == "query") return Command::kQuery;
    if (n == "list") return Command::kList;
    if (n == "statistics") return Command::kStatistics;
    return Command::kUnsupported;
}

// A string, or the decimal form of an integer (bencode clients sometimes send numbers as strings
// and vice versa).
std::optional<std::string> as_text(const Value& v) {
    if (v.is_string()) return v.as_string();
    if (v.is_int()) return std::to_string(v.as_int());
    return std::nullopt;
}

std::optional<std::int64_t> as_integer(const Value& v) {
    if (v.is_int()) return v.as_int();
    if (v.is_string()) {
        const auto& s = v.as_string();
        if (s.empty() || s.size() > 18) return std::nullopt;
        std::int64_t n = 0;
        for (char c : s) {
            if (c < '0' || c > '9') return std::nullopt;
            n = n * 10 + (c - '0');
        }
        return n;
    }
    return std::nullopt;
}

// A list of strings; a single string counts as a one-element list, and a space-separated string
// is split (some clients send "origin session-connection").
std::optional<std::vector<std::string>> as_string_list(const Value& v) {
    std::vector<std::string> out;
    if (v.is_string()) {
        std::string_view s = v.as_string();
        while (!s.empty()) {
            const auto sp = s.find(' ');
            if (sp != 0) out.emplace_back(s.substr(0, sp));
            if (sp == std::string_view::npos) break;
            s.remove_prefix(sp + 1);
        }
        return out;
    }
    if (!v.is_list()) return std::nullopt;
    for (const auto& e : v.as_list()) {
        auto t = as_text(e);
        if (!t) return std::nullopt;
        out.push_back(std::move(*t));
    }
    return out;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(s[i])) !=
            std::tolower(static_cast<unsigned char>(prefix[i])))
            return false;
    }
    return true;
}

std::optional<IceMode> ice_from(std::string_view s) {
    const std::string n = normalise_key(s);
    if (n == "remove") return IceMode::kRemove;
    if (n == "force") return IceMode::kForce;
    if (n == "force-relay") return IceMode::kForceRelay;
    if (n == "optional") return IceMode::kOptional;
    if (n == "default") return IceMode::kDefault;
    return std::nullopt;
}

std::optional<TransportProtocol> transport_from(std::string_view s) {
    const std::string n = normalise_key(s);
    if (n == "rtp/avp") return TransportProtocol::kRtpAvp;
    if (n == "rtp/savp") return TransportProtocol::kRtpSavp;
    if (n == "rtp/avpf") return TransportProtocol::kRtpAvpf;
    if (n == "rtp/savpf") return TransportProtocol::kRtpSavpf;
    if (n == "accept") return TransportProtocol::kAccept;
    return std::nullopt;
}

bool apply_rtcp_mux(Request& r, std::string_view option) {
    const std::string n = normalise_key(option);
    if (n == "offer") return r.rtcp_mux_offer = true;
    if (n == "demux") return r.rtcp_mux_demux = true;
    if (n == "accept") return r.rtcp_mux_accept = true;
    if (n == "require") return r.rtcp_mux_require = true;
    if (n == "reject") return r.rtcp_mux_reject = true;
    return false;
}

bool apply_replace(Request& r, std::string_view option) {
    const std::string n = normalise_key(option);
    if (n == "origin") return r.replace_origin = true;
    if (n == "session-connection") return r.replace_session_connection = true;
    if (n == "sdp-version") return r.replace_sdp_version = true;
    if (n == "session-name") return r.replace_session_name = true;
    if (n == "username") return r.replace_username = true;
    if (n == "zero-address") return r.replace_zero_address = true;
    if (n == "force-increment-sdp-ver") return r.replace_sdp_version = true;
    return false;
}

// One SDES option (without the "SDES-" prefix). Suite names keep their case (they are upper case
// in SDP: AES_CM_128_HMAC_SHA1_80).
bool apply_sdes(Request& r, std::string_view option) {
    if (starts_with_ci(option, "only-")) {
        r.sdes.only.emplace_back(option.substr(5));
        return true;
    }
    if (starts_with_ci(option, "no-")) {
        r.sdes.no.emplace_back(option.substr(3));
        return true;
    }
    const std::string n = normalise_key(option);
    if (n == "off" || n == "no" || n == "disable") return r.sdes.off = true;
    if (n == "pad") return r.sdes.pad = true;
    if (n == "lifetime") return r.sdes.lifetime = true;
    if (n == "nonew") return r.sdes.nonew = true;
    if (n == "static") return r.sdes.is_static = true;
    if (n == "unencrypted-srtp" || n == "unencrypted-srtcp" || n == "unauthenticated-srtp" ||
        n == "encrypted-srtp" || n == "encrypted-srtcp" || n == "authenticated-srtp") {
        std::string p(option);
        std::transform(p.begin(), p.end(), p.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        r.sdes.session_params.push_back(std::move(p));
        return true;
    }
    return false;
}

// One entry of the `flags` list.
bool apply_flag(Request& r, std::string_view flag) {
    // Prefixed forms rtpengine accepts inside `flags`.
    if (starts_with_ci(flag, "SDES-")) return apply_sdes(r, flag.substr(5));
    if (starts_with_ci(flag, "replace-")) return apply_replace(r, flag.substr(8));
    if (starts_with_ci(flag, "rtcp-mux-")) return apply_rtcp_mux(r, flag.substr(9));
    if (const auto eq = flag.find('='); eq != std::string_view::npos) {
        const std::string k = normalise_key(flag.substr(0, eq));
        const std::string_view v = flag.substr(eq + 1);
        if (k == "ice") {
            if (auto m = ice_from(v)) return r.ice = *m, true;
            return false;
        }
        if (k == "transport-protocol") {
            if (auto t = transport_from(v)) return r.transport = *t, true;
            return false;
        }
        return false;
    }
    const std::string n = normalise_key(flag);
    if (n == "trust-address") return r.trust_address = true;
    if (n == "sip-source-address") return r.sip_source_address = true;
    if (n == "symmetric") return r.symmetric = true;
    if (n == "asymmetric") return r.asymmetric = true;
    if (n == "strict-source") return r.strict_source = true;
    if (n == "port-latching") return r.port_latching = true;
    if (n == "no-port-latching") return r.no_port_latching = true;
    if (n == "media-handover") return r.media_handover = true;
    if (n == "reset") return r.reset = true;
    if (n == "fatal") return r.fatal = true;
    if (n == "unidirectional") return r.unidirectional = true;
    if (n == "loop-protect") return r.loop_protect = true;
    if (auto t = transport_from(flag)) return r.transport = *t, true;  // "RTP/AVP" as a flag
    return false;
}

}  // namespace

tl::expected<Request, RequestError> parse_request(const Value& dict) {
    auto fail = [](std::string reason) {
        return tl::make_unexpected(RequestError{std::move(reason)});
    };
    if (!dict.is_dict()) return fail("message is not a dictionary");
    Request r;
    bool have_command = false;
    for (const auto& e : dict.as_dict()) {
        const std::string k = normalise_key(e.key);
        const Value& v = e.value;
        auto text = [&]() -> tl::expected<std::string, RequestError> {
            if (auto t = as_text(v)) return *t;
            return fail("'" + e.key + "' must be a string");
        };
        auto list = [&]() -> tl::expected<std::vector<std::string>, RequestError> {
            if (auto l = as_string_list(v)) return *l;
            return fail("'" + e.key + "' must be a list of strings");
        };
        if (k == "command") {
            auto t = text();
            if (!t) return tl::make_unexpected(t.error());
            r.command_name = *t;
            r.command = command_from(*t);
            have_command = true;
        } else if (k == "call-id" || k == "from-tag" || k == "to-tag" || k == "via-branch" ||
                   k == "sdp" || k == "media-address" || k == "address-family") {
            auto t = text();
            if (!t) return tl::make_unexpected(t.error());
            if (k == "call-id")
                r.call_id = std::move(*t);
            else if (k == "from-tag")
                r.from_tag = std::move(*t);
            else if (k == "to-tag")
                r.to_tag = std::move(*t);
            else if (k == "via-branch")
                r.via_branch = std::move(*t);
            else if (k == "sdp")
                r.sdp = std::move(*t);
            else if (k == "media-address")
                r.media_address = std::move(*t);
            else
                r.address_family = std::move(*t);
        } else if (k == "received-from") {
            auto l = list();
            if (!l) return tl::make_unexpected(l.error());
            // [ "IP4", "192.0.2.1" ]; tolerate a bare address.
            if (l->size() == 2)
                r.received_from = (*l)[1];
            else if (l->size() == 1)
                r.received_from = (*l)[0];
            else
                return fail("'received-from' must be [ family, address ]");
        } else if (k == "ice") {
            auto t = text();
            if (!t) return tl::make_unexpected(t.error());
            auto m = ice_from(*t);
            if (!m) return fail("unknown ICE option '" + *t + "'");
            r.ice = *m;
        } else if (k == "transport-protocol") {
            auto t = text();
            if (!t) return tl::make_unexpected(t.error());
            auto p = transport_from(*t);
            if (!p) return fail("unsupported transport protocol '" + *t + "'");
            r.transport = *p;
        } else if (k == "rtcp-mux" || k == "replace" || k == "flags" || k == "sdes" ||
                   k == "supports" || k == "direction") {
            auto l = list();
            if (!l) return tl::make_unexpected(l.error());
            for (auto& s : *l) {
                bool known = true;
                if (k == "rtcp-mux")
                    known = apply_rtcp_mux(r, s);
                else if (k == "replace")
                    known = apply_replace(r, s);
                else if (k == "flags")
                    known = apply_flag(r, s);
                else if (k == "sdes")
                    known = apply_sdes(r, s);
                else if (k == "supports")
                    r.supports.push_back(s);
                else
                    r.direction.push_back(s);
                if (!known) r.unknown_flags.push_back(k + ":" + s);
            }
            if (k == "direction" && r.direction.size() > 2)
                return fail("'direction' must name at most two interfaces");
        } else if (k == "limit" || k == "delete-delay") {
            auto n = as_integer(v);
            if (!n) return fail("'" + e.key + "' must be an integer");
            (k == "limit" ? r.limit : r.delete_delay) = *n;
        } else {
            r.unknown_keys.push_back(e.key);
        }
    }
    if (!have_command) return fail("no 'command' in message");
    auto need = [&](const std::string& field,
                    const char* name) -> tl::expected<void, RequestError> {
        if (field.empty()) return fail(std::string("no '") + name + "' in message");
        return {};
    };
    switch (r.command) {
        case Command::kOffer:
        case Command::kAnswer: {
            if (auto x = need(r.sdp, "sdp"); !x) return tl::make_unexpected(x.error());
            if (auto x = need(r.call_id, "call-id"); !x) return tl::make_unexpected(x.error());
            if (auto x = need(r.from_tag, "from-tag"); !x) return tl::make_unexpected(x.error());
            if (r.command == Command::kAnswer) {
                if (auto x = need(r.to_tag, "to-tag"); !x) return tl::make_unexpected(x.error());
            }
            break;
        }
        case Command::kDelete:
            if (auto x = need(r.call_id, "call-id"); !x) return tl::make_unexpected(x.error());
            break;
        case Command::kQuery:
            if (auto x = need(r.call_id, "call-id"); !x) return tl::make_unexpected(x.error());
            break;
        case Command::kList:
            if (r.limit && *r.limit <= 0) return fail("'limit' must be greater than zero");
            break;
        default: break;
    }
    return r;
}

Value make_error_reply(std::string_view reason) {
    Value v{Dict{}};
    v.set("result", "error");
    v.set("error-reason", reason);
    return v;
}

Value make_ok_reply() {
    Value v{Dict{}};
    v.set("result", "ok");
    return v;
}

Value make_load_limit_reply(std::string_view message) {
    Value v{Dict{}};
    v.set("result", "load limit");
    v.set("message", message);
    return v;
}

}  // namespace rtpx::ng
