// The rtpx-dataplane process: EAL, ports, mempools, the flow table, worker lcores, and the
// control thread (the main lcore) serving the flow API on a Unix stream socket, resolving
// neighbours, raising events and answering DPDK telemetry (/rtpx/stats, /rtpx/flows).
//
// Lcores (placement.hpp): the sched/ placement plan, on this machine's live topology or on the
// lcores the configuration pins. The main lcore runs the control thread; each worker polls RX
// queue <worker index> of the ports it reads directly (run-to-completion) and the ring of its
// dispatcher for ports with too few RX queues (dispatcher.hpp); every worker sends on TX queue
// <worker index> of every port.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "rtpx/dataplane/config.hpp"
#include "rtpx/flowapi/wire.hpp"

namespace rtpx::dataplane {

class Dataplane {
  public:
    // Initialises the EAL (program name, lcores, config.eal, extra_eal, one --vdev/-a per port;
    // --in-memory unless a file prefix, --no-shconf or --in-memory was given), configures and
    // starts the ports, applies `static_flows` (rtpx-dataplane --flows: in place before the first
    // packet is read) and launches the workers. Errors are for the operator.
    [[nodiscard]] static tl::expected<std::unique_ptr<Dataplane>, std::string> start(
        const Config& config, const std::vector<std::string>& extra_eal, const std::string& program,
        const flowapi::Batch& static_flows = {});

    ~Dataplane();  // stops workers and ports, frees everything and calls rte_eal_cleanup
    Dataplane(const Dataplane&) = delete;
    Dataplane& operator=(const Dataplane&) = delete;

    // Where the main lcore and the workers run (a few lines for the log).
    [[nodiscard]] const std::string& placement() const;

    // Control thread only.
    [[nodiscard]] flowapi::BatchReply apply(const flowapi::Batch& batch);
    [[nodiscard]] flowapi::StatsReply stats(const std::vector<flowapi::FlowKey>& keys) const;
    [[nodiscard]] flowapi::DumpReply dump() const;
    [[nodiscard]] flowapi::DataplaneTotals totals() const;

    // Opens the control socket and serves it (and the workers' messages) until `stop` is set.
    [[nodiscard]] tl::expected<void, std::string> run(const std::atomic<bool>& stop);

    struct State;

  private:
    Dataplane() = default;
    std::unique_ptr<State> state_;
};

}  // namespace rtpx::dataplane
