// Fuzz target: UriView::parse and NameAddrView::parse on the same bytes, parameter and URI-header
// iteration, and the properties of an accepted URI: every field is a view inside the input,
// parameter and header iteration terminate, and an IPv6 reference host keeps its brackets.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "rtpx/sip/headers.hpp"
#include "rtpx/sip/uri.hpp"

using namespace rtpx::sip;

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

void check_inside(std::string_view part, std::string_view whole) {
    if (part.empty()) return;
    check(part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

void check_uri(const UriView& u, std::string_view text) {
    for (std::string_view part :
         {u.scheme_text, u.user, u.password, u.host, u.params, u.headers, u.opaque}) {
        check_inside(part, text);
    }
    if (u.host_is_ipv6) check(u.host.size() >= 3 && u.host.front() == '[' && u.host.back() == ']');
    std::size_t n = 0;
    for (const Param& p : u.param_range()) {
        check_inside(p.name, text);
        check(++n <= text.size());
    }
    n = 0;
    for (const UriHeader& h : u.header_range()) {
        check_inside(h.name, text);
        check(++n <= text.size() + 1);
    }
    (void)u.lr();
    (void)u.transport();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto u = UriView::parse(text)) {
        check_uri(*u, text);
    } else {
        check(u.error().offset <= size);
    }
    if (auto n = NameAddrView::parse(text, true)) {
        if (!n->star) check_uri(n->uri, text);
        (void)n->tag();
        (void)n->q();
        (void)n->expires();
        (void)n->display_name_unquoted();
    } else {
        check(n.error().offset <= size);
    }
    if (auto v = ViaView::parse(text)) {
        (void)v->branch();
        (void)v->ttl();
        (void)v->rport();
    }
    (void)check_params(text);
    std::size_t items = 0;
    for (auto item : CommaList(text)) {
        check_inside(item, text);
        check(++items <= size);
    }
    return 0;
}
