#include "rtpx/sched/topology.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace rtpx::sched {
namespace {

bool hex_field(std::string_view s, std::size_t digits, unsigned& value) {
    if (s.size() != digits) return false;
    value = 0;
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (!std::isxdigit(u)) return false;
        value =
            value * 16 + static_cast<unsigned>(std::isdigit(u) ? u - '0' : (u | 0x20) - 'a' + 10);
    }
    return true;
}

}  // namespace

std::optional<std::string> canonical_pci_address(std::string_view name) {
    // [dddd:]bb:dd.f
    unsigned domain = 0, bus = 0, dev = 0, func = 0;
    std::string_view rest = name;
    if (std::count(name.begin(), name.end(), ':') == 2) {
        if (!hex_field(rest.substr(0, rest.find(':')), 4, domain)) return std::nullopt;
        rest.remove_prefix(5);
    }
    const auto colon = rest.find(':');
    const auto dot = rest.find('.');
    if (colon != 2 || dot != 5 || rest.size() != 7) return std::nullopt;
    if (!hex_field(rest.substr(0, 2), 2, bus) || !hex_field(rest.substr(3, 2), 2, dev) ||
        !hex_field(rest.substr(6, 1), 1, func) || dev > 0x1f || func > 7) {
        return std::nullopt;
    }
    char out[16];
    std::snprintf(out, sizeof out, "%04x:%02x:%02x.%x", domain, bus, dev, func);
    return std::string(out);
}

const Pu* Topology::find_pu(unsigned os_index) const noexcept {
    auto it = std::lower_bound(pus.begin(), pus.end(), os_index,
                               [](const Pu& p, unsigned v) { return p.os_index < v; });
    return it != pus.end() && it->os_index == os_index ? &*it : nullptr;
}

const NumaNode* Topology::find_numa(int os_index) const noexcept {
    for (const auto& n : numa_nodes) {
        if (static_cast<int>(n.os_index) == os_index) return &n;
    }
    return nullptr;
}

const PciDevice* Topology::find_pci(std::string_view address) const noexcept {
    const auto canonical = canonical_pci_address(address);
    if (!canonical) return nullptr;
    for (const auto& d : pci_devices) {
        if (d.address == *canonical) return &d;
    }
    return nullptr;
}

std::vector<unsigned> Topology::smt_siblings(unsigned pu_os_index) const {
    std::vector<unsigned> out;
    const Pu* pu = find_pu(pu_os_index);
    if (pu == nullptr) return out;
    for (unsigned p : cores[pu->core].pus) {
        if (p != pu_os_index) out.push_back(p);
    }
    return out;
}

bool Topology::has_smt() const noexcept {
    return std::any_of(cores.begin(), cores.end(), [](const Core& c) { return c.pus.size() > 1; });
}

}  // namespace rtpx::sched
