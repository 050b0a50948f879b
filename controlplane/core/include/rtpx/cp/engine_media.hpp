// EngineMediaControl: MediaControl on rtpx::media::MediaEngine (real data planes over the flow
// API). The route's SRTP policy picks the profile of the SDP sent towards the B leg; the A leg
// keeps the profile it offered. Round trips: the early flows (commit_early) are sent without
// waiting for the reply (a refusal is logged when it arrives); the final batch (commit) waits,
// since the 200 OK must not go out before the flows exist; the calls ended in one loop pass share
// one stats query and one delete batch (end_call + flush_ended).
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include <tl/expected.hpp>

#include "rtpx/cp/config.hpp"
#include "rtpx/cp/media_control.hpp"
#include "rtpx/media/media.hpp"

namespace rtpx::cp {

[[nodiscard]] std::vector<media::DataplaneConfig> media_dataplanes(const Config& config);

class EngineMediaControl final : public MediaControl {
  public:
    explicit EngineMediaControl(media::MediaEngine engine) : engine_(std::move(engine)) {}

    tl::expected<std::string, std::string> offer(const std::string& call, CallLeg from,
                                                 std::string_view sdp,
                                                 const MediaPolicy& policy) override;
    tl::expected<std::string, std::string> answer(const std::string& call, CallLeg from,
                                                  std::string_view sdp,
                                                  const MediaPolicy& policy) override;
    tl::expected<void, std::string> commit(const std::string& call) override;
    tl::expected<void, std::string> commit_early(const std::string& call) override;
    std::optional<std::array<LegMediaStats, 2>> stats(const std::string& call) override;
    void release(const std::string& call) override;
    void release_many(const std::vector<std::string>& calls) override;
    void end_call(const std::string& call, StatsDone done) override;
    void flush_ended() override;
    std::optional<std::string> save(const std::string& call) override;
    bool restore(const std::string& call, std::string_view json) override;
    void reattach() override;
    [[nodiscard]] int event_fd() const noexcept override { return engine_.event_fd(); }
    std::vector<std::pair<std::string, flowapi::Event>> drain_events() override;

    [[nodiscard]] media::MediaEngine& engine() noexcept { return engine_; }

  private:
    [[nodiscard]] media::LegOptions options_for(const std::string& call, CallLeg leg,
                                                const MediaPolicy& policy) const;

    media::MediaEngine engine_;
    std::unordered_map<std::uint64_t, std::string> by_session_;
    std::unordered_map<std::string, media::Transport> a_transport_;  // what A offered first
    std::vector<std::string> ending_;     // end_call() since the last flush_ended(), and ...
    std::vector<StatsDone> ending_done_;  // ... what to call with their statistics
};

}  // namespace rtpx::cp
