// HTTP Digest authentication for SIP (RFC 3261 22.4, RFC 2617, RFC 7616, RFC 8760).
//
// Parsing and writing of the challenge (WWW-Authenticate / Proxy-Authenticate) and of the
// credentials (Authorization / Proxy-Authorization), the digest computation (MD5, SHA-256,
// SHA-512/256 and their -sess variants; qop=auth and qop=auth-int with nc/cnonce), a UAC helper
// that answers a 401/407 by retrying the request with credentials, and a UAS verifier with
// stateless nonces (timestamp + HMAC-SHA-256 under a server secret) that expire (stale=true).
//
// Control-path code: values are owned strings. Parsers never throw on bad input; they return an
// AuthError naming the problem and the byte offset in the header value where it applies.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "rtpx/sip/message.hpp"
#include "rtpx/sip/sip_message.hpp"

namespace rtpx::sip {

enum class DigestAlgorithm : std::uint8_t {
    kMd5,  // RFC 2617 (the default when the challenge names none)
    kMd5Sess,
    kSha256,  // RFC 7616, RFC 8760
    kSha256Sess,
    kSha512_256,  // "SHA-512-256" (RFC 7616, RFC 8760)
    kSha512_256Sess,
};

// The token as written in headers ("MD5", "SHA-256-sess", "SHA-512-256").
[[nodiscard]] std::string_view to_string(DigestAlgorithm a) noexcept;
// Case-insensitive lookup; nullopt for an algorithm this library does not implement.
[[nodiscard]] std::optional<DigestAlgorithm> parse_digest_algorithm(
    std::string_view token) noexcept;
[[nodiscard]] bool is_session_algorithm(DigestAlgorithm a) noexcept;
// Preference order when several challenges are offered: SHA-512-256 > SHA-256 > MD5.
[[nodiscard]] int algorithm_strength(DigestAlgorithm a) noexcept;

enum class AuthErrc : std::uint8_t {
    kNotDigest,             // scheme is not "Digest" (e.g. Basic, Bearer)
    kBadSyntax,             // auth-param grammar: missing '=', bad token, unterminated quote
    kDuplicateParam,        // a parameter appears twice
    kMissingParam,          // realm/nonce (challenge) or username/realm/nonce/uri/response
    kUnsupportedAlgorithm,  // algorithm= not implemented here
    kUnsupportedQop,        // challenge offers only qops we do not implement; or bad qop in creds
    kBadNonceCount,         // nc is not 8 hex digits
};

[[nodiscard]] std::string_view to_string(AuthErrc e) noexcept;

struct AuthError {
    AuthErrc code;
    std::uint32_t offset;  // in the header value
    const char* what;      // static text, e.g. "unterminated quoted-string"
};

template <class T>
using AuthResult = tl::expected<T, AuthError>;

// One auth-param as written: name, and the value unquoted (escapes resolved).
struct AuthParam {
    std::string name;
    std::string value;
    bool quoted = false;
};

// Parses `Digest auth-param *("," auth-param)` (RFC 7235 2.1 / RFC 3261 25.1): white space
// (folded lines included) around '=' and ',', quoted-string values with backslash escapes, empty
// list elements skipped. Duplicate names are an error.
[[nodiscard]] AuthResult<std::vector<AuthParam>> parse_digest_params(std::string_view value);

// WWW-Authenticate / Proxy-Authenticate: Digest ...
struct DigestChallenge {
    std::string realm;
    std::string nonce;
    std::string opaque;  // echoed back when present
    std::string domain;
    DigestAlgorithm algorithm = DigestAlgorithm::kMd5;
    bool has_algorithm = false;  // algorithm= was written (kept for round trips)
    bool qop_auth = false;
    bool qop_auth_int = false;
    bool stale = false;
    bool userhash = false;  // RFC 7616 3.4.4 (parsed; answering with a hashed user is not done)

    [[nodiscard]] static AuthResult<DigestChallenge> parse(std::string_view value);
    // "Digest realm=\"...\", nonce=\"...\", [opaque], [stale=true], algorithm=..., qop=\"auth\""
    [[nodiscard]] std::string to_string() const;
};

// Authorization / Proxy-Authorization: Digest ...
struct DigestCredentials {
    std::string username;
    std::string realm;
    std::string nonce;
    std::string uri;
    std::string response;  // lower-case hex as received
    std::string cnonce;
    std::string opaque;
    std::string qop;       // "", "auth" or "auth-int"
    std::uint32_t nc = 0;  // nonce-count (qop only)
    DigestAlgorithm algorithm = DigestAlgorithm::kMd5;
    bool has_algorithm = false;

    [[nodiscard]] static AuthResult<DigestCredentials> parse(std::string_view value);
    [[nodiscard]] std::string to_string() const;
};

// --- digest computation (RFC 7616 3.4.1 - 3.4.3) ------------------------------------------------
struct DigestInput {
    DigestAlgorithm algorithm = DigestAlgorithm::kMd5;
    std::string_view username;
    std::string_view realm;
    std::string_view password;
    std::string_view method;  // "INVITE", "GET"
    std::string_view uri;     // digest-uri as sent in the credentials
    std::string_view nonce;
    std::string_view cnonce;  // qop or -sess only
    std::string_view qop;     // "", "auth", "auth-int"
    std::uint32_t nc = 0;
    std::string_view body;  // auth-int only
};

// Lower-case hex H(data) with the algorithm's hash.
[[nodiscard]] std::string digest_hex(DigestAlgorithm a, std::string_view data);
// H(username ":" realm ":" password): what a UAS may store instead of the password.
[[nodiscard]] std::string digest_ha1(DigestAlgorithm a, std::string_view username,
                                     std::string_view realm, std::string_view password);
// The request-digest ("response=") from the password.
[[nodiscard]] std::string digest_response(const DigestInput& in);
// The same from a stored H(user:realm:password) (in.password ignored).
[[nodiscard]] std::string digest_response_from_ha1(const DigestInput& in, std::string_view ha1);

// --- UAC: answering a challenge (RFC 3261 22.2, 22.3) ------------------------------------------
struct DigestUser {
    std::string username;
    std::string password;
};

// Picks the challenge to answer among every WWW-Authenticate (401) or Proxy-Authenticate (407)
// field of `response`: the strongest supported algorithm, qop=auth preferred. Errors when none is
// usable (the best parse error is returned).
[[nodiscard]] AuthResult<DigestChallenge> select_challenge(const SipMessageView& response);

// Credentials for `request` answering `challenge` (qop=auth when offered, else RFC 2069 style).
// `cnonce` "" -> a fresh random one; nc counts uses of the same nonce (1 for the first).
[[nodiscard]] DigestCredentials answer_challenge(const DigestChallenge& challenge,
                                                 const DigestUser& user, std::string_view method,
                                                 std::string_view digest_uri,
                                                 std::string_view body = {},
                                                 std::string_view cnonce = {},
                                                 std::uint32_t nc = 1);

// The retried request (RFC 3261 22.2 / 8.1.3.5): a copy of `request` with CSeq incremented by one,
// a new top-Via branch, and an Authorization (401) or Proxy-Authorization (407) field answering
// the challenge of `response`; earlier credentials for the same realm are replaced. The Call-ID,
// From tag and To are kept.
[[nodiscard]] AuthResult<SipMessage> retry_with_credentials(const SipMessage& request,
                                                            const SipMessageView& response,
                                                            const DigestUser& user,
                                                            std::string_view cnonce = {});

// --- UAS: issuing challenges and verifying credentials (RFC 3261 22.4, 26.3.2.4) ---------------
enum class DigestVerdict : std::uint8_t {
    kOk,
    kMissing,        // no credentials for our realm: challenge
    kMalformed,      // unparseable: 400 or challenge
    kRealmMismatch,  // credentials for another realm
    kBadNonce,       // not a nonce we issued (forged, other secret): challenge
    kStale,          // our nonce, expired: challenge with stale=true
    kUriMismatch,    // digest-uri is not the Request-URI (RFC 7616 3.4.6)
    kUnknownUser,    // lookup did not find the username
    kWrongResponse,  // response digest does not match (wrong password): 403 or challenge
    kUnsupported,    // algorithm/qop we did not offer
};

[[nodiscard]] std::string_view to_string(DigestVerdict v) noexcept;

struct DigestServerConfig {
    std::string realm;
    std::array<std::uint8_t, 32> secret{};  // nonce HMAC key (random at start-up)
    std::chrono::seconds nonce_lifetime{300};
    // Challenges issued, strongest first (RFC 8760 4: one WWW-Authenticate per algorithm).
    std::vector<DigestAlgorithm> algorithms{DigestAlgorithm::kSha256, DigestAlgorithm::kMd5};
    bool require_uri_match = true;
};

struct DigestVerification {
    DigestVerdict verdict = DigestVerdict::kMissing;
    std::string username;  // when credentials parsed
};

// Stateless nonces: base64url-free hex of (issue time in seconds, 8 bytes) followed by 16 bytes of
// HMAC-SHA-256(secret, time || realm): any server sharing the secret can check them; they cannot
// be forged or re-dated. Replay within the lifetime is not prevented (no nonce-count state).
class DigestServer {
  public:
    explicit DigestServer(DigestServerConfig config);

    [[nodiscard]] const DigestServerConfig& config() const noexcept { return config_; }

    // A fresh nonce for time `now` (seconds of any clock the verifier also uses).
    [[nodiscard]] std::string make_nonce(std::chrono::seconds now) const;
    // The challenges to send (one per configured algorithm), qop="auth".
    [[nodiscard]] std::vector<DigestChallenge> challenges(std::chrono::seconds now,
                                                          bool stale = false) const;
    // A 401 (or 407 with `proxy`) for `request` carrying challenges().
    [[nodiscard]] SipMessage make_challenge_response(const SipMessageView& request,
                                                     std::chrono::seconds now, bool proxy = false,
                                                     bool stale = false,
                                                     std::string_view to_tag = {}) const;

    // Checks the Authorization (or Proxy-Authorization with `proxy`) of `request` for our realm.
    // `ha1_lookup(username, algorithm)` returns the stored H(user:realm:password) for that
    // algorithm (std::optional<std::string>), or nullopt for an unknown user.
    template <class Ha1Lookup>
    [[nodiscard]] DigestVerification verify(const SipMessageView& request, std::chrono::seconds now,
                                            Ha1Lookup&& ha1_lookup, bool proxy = false) const {
        DigestVerification out;
        auto creds = find_credentials(request, proxy, out);
        if (!creds) return out;
        out.verdict = check_nonce_and_fields(*creds, request, now);
        if (out.verdict != DigestVerdict::kOk) return out;
        std::optional<std::string> ha1 =
            ha1_lookup(std::string_view(creds->username), creds->algorithm);
        if (!ha1) {
            out.verdict = DigestVerdict::kUnknownUser;
            return out;
        }
        out.verdict = check_response(*creds, request, *ha1);
        return out;
    }

    // Nonce check alone: kOk, kStale or kBadNonce.
    [[nodiscard]] DigestVerdict check_nonce(std::string_view nonce, std::chrono::seconds now) const;

  private:
    [[nodiscard]] std::optional<DigestCredentials> find_credentials(const SipMessageView& request,
                                                                    bool proxy,
                                                                    DigestVerification& out) const;
    [[nodiscard]] DigestVerdict check_nonce_and_fields(const DigestCredentials& creds,
                                                       const SipMessageView& request,
                                                       std::chrono::seconds now) const;
    [[nodiscard]] DigestVerdict check_response(const DigestCredentials& creds,
                                               const SipMessageView& request,
                                               std::string_view ha1) const;

    DigestServerConfig config_;
};

}  // namespace rtpx::sip
