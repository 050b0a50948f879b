#include "sdp_json.hpp"

#include <string>

#include "rtpx/sip/sdp/attributes.hpp"
#include "rtpx/sip/text.hpp"

namespace rtpx::cli {
namespace {

using json = nlohmann::ordered_json;
namespace sdp = rtpx::sip::sdp;

json optional_text(const std::optional<std::string>& s) {
    return s ? json(*s) : json(nullptr);
}

json connection_json(const sdp::Connection& c) {
    json out{{"nettype", c.nettype}, {"addrtype", c.addrtype}, {"address", c.address}};
    if (c.ttl) out["ttl"] = *c.ttl;
    if (c.count) out["count"] = *c.count;
    return out;
}

json bandwidths_json(const std::vector<sdp::Bandwidth>& bws) {
    json out = json::array();
    for (const auto& b : bws) out.push_back(json{{"type", b.type}, {"value", b.value}});
    return out;
}

json attributes_json(const sdp::AttributeList& list) {
    json out = json::array();
    for (const auto& a : list)
        out.push_back(json{{"name", a.name}, {"value", optional_text(a.value)}});
    return out;
}

// The value of the first attribute of that name, or null.
json value_of(const sdp::AttributeList& list, std::string_view name) {
    const auto* a = sdp::find_attribute(list, name);
    return a != nullptr ? optional_text(a->value) : json(nullptr);
}

// Calls f(parsed) for every attribute `name` whose value `parse` accepts.
template <class Parse, class F>
void each(const sdp::AttributeList& list, std::string_view name, Parse parse, F f) {
    for (const auto& a : list) {
        if (!a.value || !sip::ci_equal(a.name, name)) continue;
        if (auto v = parse(*a.value)) f(*v);
    }
}

json payloads_json(const sdp::MediaDescription& m) {
    json out = json::array();
    for (const auto& f : m.formats) {
        auto pt = sip::parse_uint(f, 127);
        if (!pt) continue;
        json p{{"pt", *pt}};
        if (auto pf = sdp::payload_format(m, static_cast<std::uint8_t>(*pt));
            pf && !pf->encoding.empty()) {
            p["encoding"] = std::string(pf->encoding);
            p["clock_rate"] = pf->clock_rate;
            p["channels"] = pf->channels;
            p["fmtp"] = pf->fmtp ? json(std::string(*pf->fmtp)) : json(nullptr);
        } else {
            p["encoding"] = nullptr;
            p["clock_rate"] = nullptr;
            p["channels"] = nullptr;
            p["fmtp"] = pf && pf->fmtp ? json(std::string(*pf->fmtp)) : json(nullptr);
        }
        json fb = json::array();
        each(m.attributes, "rtcp-fb", sdp::parse_rtcp_fb, [&](const sdp::RtcpFb& r) {
            if (r.payload_type != f && r.payload_type != "*") return;
            std::string text(r.type);
            if (!r.parameters.empty()) text.append(" ").append(r.parameters);
            fb.push_back(text);
        });
        p["rtcp_fb"] = fb;
        out.push_back(p);
    }
    return out;
}

json ptime_json(const sdp::AttributeList& list, std::string_view name) {
    const auto* a = sdp::find_attribute(list, name);
    if (a == nullptr || !a->value) return nullptr;
    auto v = sdp::parse_ptime(*a->value);
    return v ? json(*v) : json(nullptr);
}

json ssrcs_json(const sdp::AttributeList& list) {
    json out = json::array();
    each(list, "ssrc", sdp::parse_ssrc, [&](const sdp::SsrcAttribute& s) {
        json* entry = nullptr;
        for (auto& e : out) {
            if (e["ssrc"] == s.ssrc) entry = &e;
        }
        if (entry == nullptr) {
            out.push_back(json{{"ssrc", s.ssrc}, {"attributes", json::object()}});
            entry = &out.back();
        }
        (*entry)["attributes"][std::string(s.attribute)] =
            s.value ? json(std::string(*s.value)) : json(nullptr);
    });
    return out;
}

json media_json(const sdp::SessionDescription& s, const sdp::MediaDescription& m) {
    json out{{"media", m.media}, {"port", m.port}};
    if (m.port_count) out["port_count"] = *m.port_count;
    out["proto"] = m.proto;
    out["formats"] = m.formats;
    out["rejected"] = m.rejected();
    out["information"] = optional_text(m.information);
    out["connection"] =
        m.connections.empty() ? json(nullptr) : connection_json(m.connections.front());
    out["bandwidths"] = bandwidths_json(m.bandwidths);
    out["direction"] = std::string(sdp::to_string(sdp::effective_direction(s, m)));
    out["payloads"] = m.rtp_proto() ? payloads_json(m) : json::array();
    out["ptime"] = ptime_json(m.attributes, "ptime");
    out["maxptime"] = ptime_json(m.attributes, "maxptime");
    json rtcp = nullptr;
    each(m.attributes, "rtcp", sdp::parse_rtcp, [&](const sdp::Rtcp& r) {
        rtcp = json{{"port", r.port}};
        if (r.connection) rtcp["address"] = r.connection->address;
    });
    out["rtcp"] = rtcp;
    out["rtcp_mux"] = sdp::has_attribute(m.attributes, "rtcp-mux");
    out["rtcp_rsize"] = sdp::has_attribute(m.attributes, "rtcp-rsize");
    json extmaps = json::array();
    each(m.attributes, "extmap", sdp::parse_extmap, [&](const sdp::Extmap& e) {
        json x{{"id", e.id}};
        if (e.direction) x["direction"] = std::string(sdp::to_string(*e.direction));
        x["uri"] = std::string(e.uri);
        if (!e.attributes.empty()) x["attributes"] = std::string(e.attributes);
        extmaps.push_back(x);
    });
    out["extmaps"] = extmaps;
    json crypto = json::array();
    each(m.attributes, "crypto", sdp::parse_crypto, [&](const sdp::Crypto& c) {
        crypto.push_back(json{{"tag", c.tag},
                              {"suite", std::string(c.suite)},
                              {"key_params", std::string(c.key_params)},
                              {"session_params", std::string(c.session_params)}});
    });
    out["crypto"] = crypto;
    out["ssrcs"] = ssrcs_json(m.attributes);
    json groups = json::array();
    each(m.attributes, "ssrc-group", sdp::parse_ssrc_group, [&](const sdp::SsrcGroup& g) {
        groups.push_back(json{{"semantics", std::string(g.semantics)}, {"ssrcs", g.ssrcs}});
    });
    out["ssrc_groups"] = groups;
    out["mid"] = value_of(m.attributes, "mid");
    json rids = json::array();
    each(m.attributes, "rid", sdp::parse_rid, [&](const sdp::Rid& r) {
        rids.push_back(json{{"id", std::string(r.id)},
                            {"direction", r.send ? "send" : "recv"},
                            {"restrictions", std::string(r.restrictions)}});
    });
    out["rids"] = rids;
    json simulcast = nullptr;
    each(m.attributes, "simulcast", sdp::parse_simulcast, [&](const sdp::Simulcast& sc) {
        simulcast = json{{"send", std::string(sc.send)}, {"recv", std::string(sc.recv)}};
    });
    out["simulcast"] = simulcast;
    out["ice_ufrag"] = value_of(m.attributes, "ice-ufrag");
    out["ice_pwd"] = value_of(m.attributes, "ice-pwd");
    out["ice_options"] = value_of(m.attributes, "ice-options");
    json fingerprint = nullptr;
    each(m.attributes, "fingerprint", sdp::parse_fingerprint, [&](const sdp::Fingerprint& f) {
        if (fingerprint.is_null()) {
            fingerprint =
                json{{"hash", std::string(f.hash_function)}, {"value", std::string(f.value)}};
        }
    });
    out["fingerprint"] = fingerprint;
    out["setup"] = value_of(m.attributes, "setup");
    out["candidates"] = sdp::count_attributes(m.attributes, "candidate");
    out["end_of_candidates"] = sdp::has_attribute(m.attributes, "end-of-candidates");
    out["attributes"] = attributes_json(m.attributes);
    return out;
}

}  // namespace

json sdp_to_json(const sdp::SessionDescription& s) {
    const auto& o = s.origin;
    json out{{"origin",
              {{"username", o.username},
               {"sess_id", o.sess_id},
               {"sess_version", o.sess_version},
               {"nettype", o.nettype},
               {"addrtype", o.addrtype},
               {"address", o.address}}},
             {"session_name", s.session_name},
             {"information", optional_text(s.information)},
             {"uri", optional_text(s.uri)},
             {"emails", s.emails},
             {"phones", s.phones},
             {"connection", s.connection ? connection_json(*s.connection) : json(nullptr)},
             {"bandwidths", bandwidths_json(s.bandwidths)}};
    json timing = json::array();
    for (const auto& t : s.timings) {
        timing.push_back(json{{"start", t.start}, {"stop", t.stop}, {"repeats", t.repeats}});
    }
    out["timing"] = timing;
    out["zone_adjustments"] = optional_text(s.zone_adjustments);
    out["key"] = optional_text(s.key);
    auto dir = sdp::find_direction(s.attributes);
    out["direction"] = dir ? json(std::string(sdp::to_string(*dir))) : json(nullptr);
    json groups = json::array();
    each(s.attributes, "group", sdp::parse_group, [&](const sdp::Group& g) {
        json mids = json::array();
        for (auto mid : g.mids) mids.push_back(std::string(mid));
        groups.push_back(json{{"semantics", std::string(g.semantics)}, {"mids", mids}});
    });
    out["groups"] = groups;
    out["extmap_allow_mixed"] = sdp::has_attribute(s.attributes, "extmap-allow-mixed");
    out["attributes"] = attributes_json(s.attributes);
    json media = json::array();
    for (const auto& m : s.media) media.push_back(media_json(s, m));
    out["media"] = media;
    return out;
}

}  // namespace rtpx::cli
