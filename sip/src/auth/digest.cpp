#include "rtpx/sip/auth/digest.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>

#include "rtpx/sip/builder.hpp"
#include "rtpx/sip/headers.hpp"
#include "rtpx/sip/text.hpp"

namespace rtpx::sip {
namespace {

struct AlgorithmName {
    DigestAlgorithm algorithm;
    std::string_view name;
};

constexpr std::array<AlgorithmName, 6> kAlgorithms{{
    {DigestAlgorithm::kMd5, "MD5"},
    {DigestAlgorithm::kMd5Sess, "MD5-sess"},
    {DigestAlgorithm::kSha256, "SHA-256"},
    {DigestAlgorithm::kSha256Sess, "SHA-256-sess"},
    {DigestAlgorithm::kSha512_256, "SHA-512-256"},
    {DigestAlgorithm::kSha512_256Sess, "SHA-512-256-sess"},
}};

const EVP_MD* evp_for(DigestAlgorithm a) noexcept {
    switch (a) {
        case DigestAlgorithm::kMd5:
        case DigestAlgorithm::kMd5Sess: return EVP_md5();
        case DigestAlgorithm::kSha256:
        case DigestAlgorithm::kSha256Sess: return EVP_sha256();
        case DigestAlgorithm::kSha512_256:
        case DigestAlgorithm::kSha512_256Sess: return EVP_sha512_256();
    }
    return EVP_md5();
}

constexpr std::string_view kHex = "0123456789abcdef";

std::string to_hex(const unsigned char* p, std::size_t n) {
    std::string out;
    out.reserve(n * 2);
    for (std::size_t i = 0; i < n; ++i) {
        out.push_back(kHex[p[i] >> 4]);
        out.push_back(kHex[p[i] & 0x0f]);
    }
    return out;
}

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// H(a ":" b ":" ...) as lower-case hex, hashing the pieces without building the joined string.
std::string hash_joined(DigestAlgorithm a, std::initializer_list<std::string_view> parts) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx, evp_for(a), nullptr) == 1;
    bool first = true;
    for (std::string_view p : parts) {
        if (!first) ok = ok && EVP_DigestUpdate(ctx, ":", 1) == 1;
        first = false;
        ok = ok && EVP_DigestUpdate(ctx, p.data(), p.size()) == 1;
    }
    ok = ok && EVP_DigestFinal_ex(ctx, md, &len) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok) return {};
    return to_hex(md, len);
}

std::string random_hex(std::size_t bytes) {
    std::array<unsigned char, 32> buf{};
    bytes = std::min(bytes, buf.size());
    if (RAND_bytes(buf.data(), static_cast<int>(bytes)) != 1) {
        // Fall back to the message layer's token generator (unique, not secret).
        return make_tag();
    }
    return to_hex(buf.data(), bytes);
}

void append_quoted(std::string& out, std::string_view v) {
    out.push_back('"');
    for (char c : v) {
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    out.push_back('"');
}

void append_param(std::string& out, std::string_view name, std::string_view value, bool quoted) {
    if (out.size() > 7) out.append(", ");  // after "Digest "
    out.append(name).push_back('=');
    if (quoted) {
        append_quoted(out, value);
    } else {
        out.append(value);
    }
}

std::string nc_hex(std::uint32_t nc) {
    std::string s(8, '0');
    for (int i = 7; i >= 0; --i) {
        s[static_cast<std::size_t>(i)] = kHex[nc & 0x0f];
        nc >>= 4;
    }
    return s;
}

tl::unexpected<AuthError> auth_error(AuthErrc code, std::size_t offset, const char* what) {
    return tl::unexpected<AuthError>(AuthError{code, static_cast<std::uint32_t>(offset), what});
}

AuthError rebase_auth(AuthError e, std::size_t base) noexcept {
    e.offset += static_cast<std::uint32_t>(base);
    return e;
}

const AuthParam* find_param(const std::vector<AuthParam>& params, std::string_view name) {
    for (const auto& p : params) {
        if (ci_equal(p.name, name)) return &p;
    }
    return nullptr;
}

bool is_value_char(char c) noexcept {
    return c != ',' && c != '"' && !is_lws_char(c) && static_cast<unsigned char>(c) > 0x20 &&
           c != 0x7f;
}

// The scheme token and where the params start; kNotDigest when it is another scheme.
AuthResult<std::size_t> skip_digest_scheme(std::string_view value) {
    std::size_t i = 0;
    while (i < value.size() && is_lws_char(value[i])) ++i;
    const std::size_t start = i;
    while (i < value.size() && is_token_char(value[i])) ++i;
    if (i == start) return auth_error(AuthErrc::kBadSyntax, start, "missing auth-scheme");
    if (!ci_equal(value.substr(start, i - start), "Digest")) {
        return auth_error(AuthErrc::kNotDigest, start, "auth-scheme is not Digest");
    }
    if (i < value.size() && !is_lws_char(value[i])) {
        return auth_error(AuthErrc::kBadSyntax, i, "expected white space after Digest");
    }
    return i;
}

}  // namespace

std::string_view to_string(DigestAlgorithm a) noexcept {
    for (const auto& n : kAlgorithms) {
        if (n.algorithm == a) return n.name;
    }
    return "MD5";
}

std::optional<DigestAlgorithm> parse_digest_algorithm(std::string_view token) noexcept {
    for (const auto& n : kAlgorithms) {
        if (ci_equal(n.name, token)) return n.algorithm;
    }
    return std::nullopt;
}

bool is_session_algorithm(DigestAlgorithm a) noexcept {
    return a == DigestAlgorithm::kMd5Sess || a == DigestAlgorithm::kSha256Sess ||
           a == DigestAlgorithm::kSha512_256Sess;
}

int algorithm_strength(DigestAlgorithm a) noexcept {
    switch (a) {
        case DigestAlgorithm::kMd5:
        case DigestAlgorithm::kMd5Sess: return 1;
        case DigestAlgorithm::kSha256:
        case DigestAlgorithm::kSha256Sess: return 2;
        case DigestAlgorithm::kSha512_256:
        case DigestAlgorithm::kSha512_256Sess: return 3;
    }
    return 0;
}

std::string_view to_string(AuthErrc e) noexcept {
    switch (e) {
        case AuthErrc::kNotDigest: return "not digest";
        case AuthErrc::kBadSyntax: return "bad syntax";
        case AuthErrc::kDuplicateParam: return "duplicate parameter";
        case AuthErrc::kMissingParam: return "missing parameter";
        case AuthErrc::kUnsupportedAlgorithm: return "unsupported algorithm";
        case AuthErrc::kUnsupportedQop: return "unsupported qop";
        case AuthErrc::kBadNonceCount: return "bad nonce-count";
    }
    return "unknown";
}

std::string_view to_string(DigestVerdict v) noexcept {
    switch (v) {
        case DigestVerdict::kOk: return "ok";
        case DigestVerdict::kMissing: return "missing";
        case DigestVerdict::kMalformed: return "malformed";
        case DigestVerdict::kRealmMismatch: return "realm mismatch";
        case DigestVerdict::kBadNonce: return "bad nonce";
        case DigestVerdict::kStale: return "stale";
        case DigestVerdict::kUriMismatch: return "uri mismatch";
        case DigestVerdict::kUnknownUser: return "unknown user";
        case DigestVerdict::kWrongResponse: return "wrong response";
        case DigestVerdict::kUnsupported: return "unsupported";
    }
    return "unknown";
}

AuthResult<std::vector<AuthParam>> parse_digest_params(std::string_view value) {
    auto start = skip_digest_scheme(value);
    if (!start) return tl::unexpected(start.error());
    std::vector<AuthParam> out;
    std::size_t i = *start;
    const auto skip_lws = [&] {
        while (i < value.size() && is_lws_char(value[i])) ++i;
    };
    while (true) {
        skip_lws();
        while (i < value.size() && (value[i] == ',' || is_lws_char(value[i]))) ++i;
        if (i >= value.size()) break;
        const std::size_t name_start = i;
        while (i < value.size() && is_token_char(value[i])) ++i;
        if (i == name_start) return auth_error(AuthErrc::kBadSyntax, i, "expected auth-param name");
        AuthParam p;
        p.name = std::string(value.substr(name_start, i - name_start));
        skip_lws();
        if (i >= value.size() || value[i] != '=') {
            return auth_error(AuthErrc::kBadSyntax, i, "expected '=' after auth-param name");
        }
        ++i;
        skip_lws();
        if (i < value.size() && value[i] == '"') {
            auto len = quoted_string_length(value.substr(i));
            if (!len) return auth_error(AuthErrc::kBadSyntax, i, "unterminated quoted-string");
            p.value = unquote(value.substr(i, *len));
            p.quoted = true;
            i += *len;
        } else {
            const std::size_t v = i;
            while (i < value.size() && is_value_char(value[i])) ++i;
            if (i == v) return auth_error(AuthErrc::kBadSyntax, i, "expected auth-param value");
            p.value = std::string(value.substr(v, i - v));
        }
        if (find_param(out, p.name) != nullptr) {
            return auth_error(AuthErrc::kDuplicateParam, name_start, "duplicate auth-param");
        }
        out.push_back(std::move(p));
        skip_lws();
        if (i < value.size() && value[i] != ',') {
            return auth_error(AuthErrc::kBadSyntax, i, "expected ',' between auth-params");
        }
    }
    if (out.empty()) return auth_error(AuthErrc::kBadSyntax, value.size(), "no auth-params");
    return out;
}

AuthResult<DigestChallenge> DigestChallenge::parse(std::string_view value) {
    auto params = parse_digest_params(value);
    if (!params) return tl::unexpected(params.error());
    DigestChallenge c;
    const AuthParam* realm = find_param(*params, "realm");
    const AuthParam* nonce = find_param(*params, "nonce");
    if (realm == nullptr) return auth_error(AuthErrc::kMissingParam, 0, "challenge without realm");
    if (nonce == nullptr) return auth_error(AuthErrc::kMissingParam, 0, "challenge without nonce");
    c.realm = realm->value;
    c.nonce = nonce->value;
    if (const auto* p = find_param(*params, "opaque")) c.opaque = p->value;
    if (const auto* p = find_param(*params, "domain")) c.domain = p->value;
    if (const auto* p = find_param(*params, "stale")) c.stale = ci_equal(p->value, "true");
    if (const auto* p = find_param(*params, "userhash")) c.userhash = ci_equal(p->value, "true");
    if (const auto* p = find_param(*params, "algorithm")) {
        auto a = parse_digest_algorithm(p->value);
        if (!a)
            return auth_error(AuthErrc::kUnsupportedAlgorithm, 0, "unsupported digest algorithm");
        c.algorithm = *a;
        c.has_algorithm = true;
    }
    if (const auto* p = find_param(*params, "qop")) {
        for (std::string_view q : CommaList(p->value)) {
            if (ci_equal(q, "auth")) c.qop_auth = true;
            if (ci_equal(q, "auth-int")) c.qop_auth_int = true;
        }
        if (!c.qop_auth && !c.qop_auth_int) {
            return auth_error(AuthErrc::kUnsupportedQop, 0, "challenge offers no supported qop");
        }
    }
    return c;
}

std::string DigestChallenge::to_string() const {
    std::string out = "Digest ";
    append_param(out, "realm", realm, true);
    if (!domain.empty()) append_param(out, "domain", domain, true);
    append_param(out, "nonce", nonce, true);
    if (!opaque.empty()) append_param(out, "opaque", opaque, true);
    if (stale) append_param(out, "stale", "TRUE", false);
    if (has_algorithm || algorithm != DigestAlgorithm::kMd5) {
        append_param(out, "algorithm", rtpx::sip::to_string(algorithm), false);
    }
    if (qop_auth || qop_auth_int) {
        append_param(out, "qop",
                     qop_auth && qop_auth_int ? "auth,auth-int" : (qop_auth ? "auth" : "auth-int"),
                     true);
    }
    if (userhash) append_param(out, "userhash", "true", false);
    return out;
}

AuthResult<DigestCredentials> DigestCredentials::parse(std::string_view value) {
    auto params = parse_digest_params(value);
    if (!params) return tl::unexpected(params.error());
    DigestCredentials c;
    struct Required {
        const char* name;
        std::string* field;
        const char* what;
    };
    const std::array<Required, 5> required{{
        {"username", &c.username, "credentials without username"},
        {"realm", &c.realm, "credentials without realm"},
        {"nonce", &c.nonce, "credentials without nonce"},
        {"uri", &c.uri, "credentials without uri"},
        {"response", &c.response, "credentials without response"},
    }};
    for (const auto& r : required) {
        const AuthParam* p = find_param(*params, r.name);
        if (p == nullptr) return auth_error(AuthErrc::kMissingParam, 0, r.what);
        *r.field = p->value;
    }
    if (const auto* p = find_param(*params, "cnonce")) c.cnonce = p->value;
    if (const auto* p = find_param(*params, "opaque")) c.opaque = p->value;
    if (const auto* p = find_param(*params, "algorithm")) {
        auto a = parse_digest_algorithm(p->value);
        if (!a)
            return auth_error(AuthErrc::kUnsupportedAlgorithm, 0, "unsupported digest algorithm");
        c.algorithm = *a;
        c.has_algorithm = true;
    }
    if (const auto* p = find_param(*params, "qop")) {
        if (!ci_equal(p->value, "auth") && !ci_equal(p->value, "auth-int")) {
            return auth_error(AuthErrc::kUnsupportedQop, 0, "qop is neither auth nor auth-int");
        }
        c.qop = ci_equal(p->value, "auth") ? "auth" : "auth-int";
        const AuthParam* nc = find_param(*params, "nc");
        if (c.cnonce.empty()) return auth_error(AuthErrc::kMissingParam, 0, "qop without cnonce");
        if (nc == nullptr) return auth_error(AuthErrc::kMissingParam, 0, "qop without nc");
        if (nc->value.size() != 8)
            return auth_error(AuthErrc::kBadNonceCount, 0, "nc is not 8 hex digits");
        std::uint32_t v = 0;
        for (char ch : nc->value) {
            const int h = hex_value(ch);
            if (h < 0) return auth_error(AuthErrc::kBadNonceCount, 0, "nc is not 8 hex digits");
            v = (v << 4) | static_cast<std::uint32_t>(h);
        }
        c.nc = v;
    }
    return c;
}

std::string DigestCredentials::to_string() const {
    std::string out = "Digest ";
    append_param(out, "username", username, true);
    append_param(out, "realm", realm, true);
    append_param(out, "nonce", nonce, true);
    append_param(out, "uri", uri, true);
    append_param(out, "response", response, true);
    if (has_algorithm || algorithm != DigestAlgorithm::kMd5) {
        append_param(out, "algorithm", rtpx::sip::to_string(algorithm), false);
    }
    if (!cnonce.empty()) append_param(out, "cnonce", cnonce, true);
    if (!opaque.empty()) append_param(out, "opaque", opaque, true);
    if (!qop.empty()) {
        append_param(out, "qop", qop, false);
        append_param(out, "nc", nc_hex(nc), false);
    }
    return out;
}

std::string digest_hex(DigestAlgorithm a, std::string_view data) {
    return hash_joined(a, {data});
}

std::string digest_ha1(DigestAlgorithm a, std::string_view username, std::string_view realm,
                       std::string_view password) {
    return hash_joined(a, {username, realm, password});
}

std::string digest_response_from_ha1(const DigestInput& in, std::string_view ha1_base) {
    const DigestAlgorithm a = in.algorithm;
    std::string ha1(ha1_base);
    if (is_session_algorithm(a)) ha1 = hash_joined(a, {ha1, in.nonce, in.cnonce});
    std::string ha2 = in.qop == "auth-int"
                          ? hash_joined(a, {in.method, in.uri, digest_hex(a, in.body)})
                          : hash_joined(a, {in.method, in.uri});
    if (in.qop.empty()) return hash_joined(a, {ha1, in.nonce, ha2});
    return hash_joined(a, {ha1, in.nonce, nc_hex(in.nc), in.cnonce, in.qop, ha2});
}

std::string digest_response(const DigestInput& in) {
    return digest_response_from_ha1(in,
                                    digest_ha1(in.algorithm, in.username, in.realm, in.password));
}

// --- UAC ---------------------------------------------------------------------------------------

AuthResult<DigestChallenge> select_challenge(const SipMessageView& response) {
    const HeaderId id =
        response.status_code() == 407 ? HeaderId::kProxyAuthenticate : HeaderId::kWwwAuthenticate;
    std::optional<DigestChallenge> best;
    std::optional<AuthError> first_error;
    for (std::size_t i = 0; i < response.header_count(); ++i) {
        const HeaderField h = response.header(i);
        if (h.id != id) continue;
        auto c = DigestChallenge::parse(h.value);
        if (!c) {
            if (!first_error) first_error = rebase_auth(c.error(), response.offset_of(h.value));
            continue;
        }
        const bool better =
            !best || algorithm_strength(c->algorithm) > algorithm_strength(best->algorithm) ||
            (algorithm_strength(c->algorithm) == algorithm_strength(best->algorithm) &&
             c->qop_auth && !best->qop_auth);
        if (better) best = std::move(*c);
    }
    if (best) return *best;
    if (first_error) return tl::unexpected(*first_error);
    return auth_error(AuthErrc::kMissingParam, 0,
                      id == HeaderId::kProxyAuthenticate ? "407 without Proxy-Authenticate"
                                                         : "401 without WWW-Authenticate");
}

DigestCredentials answer_challenge(const DigestChallenge& challenge, const DigestUser& user,
                                   std::string_view method, std::string_view digest_uri,
                                   std::string_view body, std::string_view cnonce,
                                   std::uint32_t nc) {
    DigestCredentials c;
    c.username = user.username;
    c.realm = challenge.realm;
    c.nonce = challenge.nonce;
    c.uri = std::string(digest_uri);
    c.opaque = challenge.opaque;
    c.algorithm = challenge.algorithm;
    c.has_algorithm = challenge.has_algorithm;
    if (challenge.qop_auth) {
        c.qop = "auth";
    } else if (challenge.qop_auth_int) {
        c.qop = "auth-int";
    }
    if (!c.qop.empty() || is_session_algorithm(c.algorithm)) {
        c.cnonce = cnonce.empty() ? random_hex(16) : std::string(cnonce);
    }
    if (!c.qop.empty()) c.nc = nc;
    DigestInput in;
    in.algorithm = c.algorithm;
    in.username = c.username;
    in.realm = c.realm;
    in.password = user.password;
    in.method = method;
    in.uri = c.uri;
    in.nonce = c.nonce;
    in.cnonce = c.cnonce;
    in.qop = c.qop;
    in.nc = c.nc;
    in.body = body;
    c.response = digest_response(in);
    return c;
}

AuthResult<SipMessage> retry_with_credentials(const SipMessage& request,
                                              const SipMessageView& response,
                                              const DigestUser& user, std::string_view cnonce) {
    auto challenge = select_challenge(response);
    if (!challenge) return tl::unexpected(challenge.error());
    const HeaderId creds_id =
        response.status_code() == 407 ? HeaderId::kProxyAuthorization : HeaderId::kAuthorization;
    SipMessage out = request;
    // CSeq + 1 (RFC 3261 8.1.3.5 / 22.2).
    if (SipHeader* cseq = out.find(HeaderId::kCSeq)) {
        auto parsed = CSeqView::parse(cseq->value);
        if (parsed)
            cseq->value = std::to_string(parsed->seq + 1) + " " + std::string(parsed->method_text);
    }
    // A new branch: this is a new transaction.
    if (SipHeader* via = out.find(HeaderId::kVia)) {
        const std::size_t b = via->value.find(";branch=");
        if (b != std::string::npos) {
            const std::size_t start = b + 8;
            std::size_t end = via->value.find_first_of(";,", start);
            if (end == std::string::npos) end = via->value.size();
            via->value.replace(start, end - start, make_branch());
        }
    }
    // Replace earlier credentials for this realm.
    std::erase_if(out.headers, [&](const SipHeader& h) {
        if (lookup_header(h.name) != creds_id) return false;
        auto c = DigestCredentials::parse(h.value);
        return c && c->realm == challenge->realm;
    });
    const DigestCredentials creds = answer_challenge(*challenge, user, request.method,
                                                     request.request_uri, request.body, cnonce, 1);
    out.add(creds_id, creds.to_string());
    return out;
}

// --- UAS ---------------------------------------------------------------------------------------

namespace {
constexpr std::size_t kNonceTimeBytes = 8;
constexpr std::size_t kNonceMacBytes = 16;
constexpr std::size_t kNonceHexLength = 2 * (kNonceTimeBytes + kNonceMacBytes);

std::array<unsigned char, kNonceMacBytes> nonce_mac(const DigestServerConfig& cfg,
                                                    const std::array<unsigned char, 8>& t) {
    std::vector<unsigned char> data(t.begin(), t.end());
    data.insert(data.end(), cfg.realm.begin(), cfg.realm.end());
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    std::array<unsigned char, kNonceMacBytes> out{};
    if (HMAC(EVP_sha256(), cfg.secret.data(), static_cast<int>(cfg.secret.size()), data.data(),
             data.size(), md, &len) != nullptr) {
        std::memcpy(out.data(), md, out.size());
    }
    return out;
}
}  // namespace

DigestServer::DigestServer(DigestServerConfig config) : config_(std::move(config)) {}

std::string DigestServer::make_nonce(std::chrono::seconds now) const {
    std::array<unsigned char, 8> t{};
    auto v = static_cast<std::uint64_t>(now.count());
    for (int i = 7; i >= 0; --i) {
        t[static_cast<std::size_t>(i)] = static_cast<unsigned char>(v & 0xff);
        v >>= 8;
    }
    auto mac = nonce_mac(config_, t);
    return to_hex(t.data(), t.size()) + to_hex(mac.data(), mac.size());
}

DigestVerdict DigestServer::check_nonce(std::string_view nonce, std::chrono::seconds now) const {
    if (nonce.size() != kNonceHexLength) return DigestVerdict::kBadNonce;
    std::array<unsigned char, kNonceTimeBytes + kNonceMacBytes> raw{};
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const int hi = hex_value(nonce[2 * i]);
        const int lo = hex_value(nonce[2 * i + 1]);
        if (hi < 0 || lo < 0) return DigestVerdict::kBadNonce;
        raw[i] = static_cast<unsigned char>(hi << 4 | lo);
    }
    std::array<unsigned char, 8> t{};
    std::memcpy(t.data(), raw.data(), t.size());
    auto mac = nonce_mac(config_, t);
    if (CRYPTO_memcmp(mac.data(), raw.data() + kNonceTimeBytes, mac.size()) != 0) {
        return DigestVerdict::kBadNonce;
    }
    std::uint64_t issued = 0;
    for (unsigned char b : t) issued = issued << 8 | b;
    const auto n = static_cast<std::uint64_t>(now.count());
    if (n > issued && n - issued > static_cast<std::uint64_t>(config_.nonce_lifetime.count())) {
        return DigestVerdict::kStale;
    }
    return DigestVerdict::kOk;
}

std::vector<DigestChallenge> DigestServer::challenges(std::chrono::seconds now, bool stale) const {
    std::vector<DigestChallenge> out;
    const std::string nonce = make_nonce(now);
    for (DigestAlgorithm a : config_.algorithms) {
        DigestChallenge c;
        c.realm = config_.realm;
        c.nonce = nonce;
        c.algorithm = a;
        c.has_algorithm = true;
        c.qop_auth = true;
        c.stale = stale;
        out.push_back(std::move(c));
    }
    return out;
}

SipMessage DigestServer::make_challenge_response(const SipMessageView& request,
                                                 std::chrono::seconds now, bool proxy, bool stale,
                                                 std::string_view to_tag) const {
    SipMessage r = make_response(request, proxy ? 407 : 401, {}, to_tag);
    for (const auto& c : challenges(now, stale)) {
        r.add(proxy ? HeaderId::kProxyAuthenticate : HeaderId::kWwwAuthenticate, c.to_string());
    }
    return r;
}

std::optional<DigestCredentials> DigestServer::find_credentials(const SipMessageView& request,
                                                                bool proxy,
                                                                DigestVerification& out) const {
    const HeaderId id = proxy ? HeaderId::kProxyAuthorization : HeaderId::kAuthorization;
    bool saw_other_realm = false;
    bool saw_malformed = false;
    for (std::size_t i = 0; i < request.header_count(); ++i) {
        const HeaderField h = request.header(i);
        if (h.id != id) continue;
        auto c = DigestCredentials::parse(h.value);
        if (!c) {
            saw_malformed = true;
            continue;
        }
        if (c->realm != config_.realm) {
            saw_other_realm = true;
            continue;
        }
        out.username = c->username;
        return std::move(*c);
    }
    out.verdict = saw_malformed     ? DigestVerdict::kMalformed
                  : saw_other_realm ? DigestVerdict::kRealmMismatch
                                    : DigestVerdict::kMissing;
    return std::nullopt;
}

DigestVerdict DigestServer::check_nonce_and_fields(const DigestCredentials& creds,
                                                   const SipMessageView& request,
                                                   std::chrono::seconds now) const {
    if (std::find(config_.algorithms.begin(), config_.algorithms.end(), creds.algorithm) ==
        config_.algorithms.end()) {
        return DigestVerdict::kUnsupported;
    }
    if (creds.qop != "auth") return DigestVerdict::kUnsupported;  // we offer qop="auth" only
    if (config_.require_uri_match && creds.uri != request.request_uri_text()) {
        return DigestVerdict::kUriMismatch;
    }
    return check_nonce(creds.nonce, now);
}

DigestVerdict DigestServer::check_response(const DigestCredentials& creds,
                                           const SipMessageView& request,
                                           std::string_view ha1) const {
    DigestInput in;
    in.algorithm = creds.algorithm;
    in.method = request.method_text();
    in.uri = creds.uri;
    in.nonce = creds.nonce;
    in.cnonce = creds.cnonce;
    in.qop = creds.qop;
    in.nc = creds.nc;
    const std::string expected = digest_response_from_ha1(in, ha1);
    std::string got = creds.response;
    for (char& ch : got) ch = ascii_lower(ch);
    if (got.size() != expected.size() ||
        CRYPTO_memcmp(got.data(), expected.data(), expected.size()) != 0) {
        return DigestVerdict::kWrongResponse;
    }
    return DigestVerdict::kOk;
}

}  // namespace rtpx::sip
