// JSON for `rtpx decode sdp` (and the SDP body of `rtpx decode sip`): a parsed session description.
//
// sdp_to_json produces
//   {"origin":{"username","sess_id","sess_version","nettype","addrtype","address"},
//    "session_name":"...", "information":str|null, "uri":str|null, "emails":[..], "phones":[..],
//    "connection":{"nettype","addrtype","address","ttl"?,"count"?}|null,
//    "bandwidths":[{"type","value"}], "timing":[{"start","stop","repeats":[..]}],
//    "zone_adjustments":str|null, "key":str|null, "direction":str|null (session level),
//    "groups":[{"semantics","mids":[..]}], "extmap_allow_mixed":bool,
//    "attributes":[{"name","value"|null}...],   (every session-level a= line, verbatim)
//    "media":[{"media","port","port_count"?,"proto","formats":[..],"rejected":bool,
//              "information":str|null, "connection":{...}|null (the section's own c=),
//              "bandwidths":[..], "direction":"sendrecv|sendonly|recvonly|inactive" (effective),
//              "payloads":[{"pt","encoding","clock_rate","channels","fmtp":str|null,
//                           "rtcp_fb":[..]}]   (RTP protos: rtpmap, fmtp, rtcp-fb merged per PT),
//              "ptime":num|null, "maxptime":num|null, "rtcp":{"port","address"?}|null,
//              "rtcp_mux":bool, "rtcp_rsize":bool,
//              "extmaps":[{"id","direction"?,"uri","attributes"?}],
//              "crypto":[{"tag","suite","key_params","session_params"}],
//              "ssrcs":[{"ssrc","attributes":{name: value|null}}],
//              "ssrc_groups":[{"semantics","ssrcs"}], "mid":str|null,
//              "rids":[{"id","direction","restrictions"}], "simulcast":{"send","recv"}|null,
//              "ice_ufrag":str|null, "ice_pwd":str|null, "ice_options":str|null,
//              "fingerprint":{"hash","value"}|null, "setup":str|null,
//              "candidates":N, "end_of_candidates":bool,
//              "attributes":[{"name","value"|null}...]}]}   (every media-level a= line, verbatim)
#pragma once

#include <nlohmann/json.hpp>

#include "rtpx/sip/sdp/session.hpp"

namespace rtpx::cli {

[[nodiscard]] nlohmann::ordered_json sdp_to_json(const rtpx::sip::sdp::SessionDescription& session);

}  // namespace rtpx::cli
