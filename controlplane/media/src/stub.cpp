// Temporary stub so that rtpx_media links while the implementation lands.
#include <nlohmann/json.hpp>

#include "rtpx/media/media.hpp"

namespace rtpx::media {
namespace {
MediaError todo() { return {MediaError::Code::kState, "not implemented yet"}; }
}  // namespace

std::string_view to_string(MediaError::Code) noexcept { return "error"; }

PortPools::PortPools(const std::vector<DataplaneConfig>&) {}
const Interface* PortPools::find(std::string_view) const noexcept { return nullptr; }
const Interface* PortPools::find(const flowapi::IpAddress&) const noexcept { return nullptr; }
std::size_t PortPools::dataplane_of(const Interface&) const noexcept { return 0; }
std::optional<std::size_t> PortPools::dataplane_of(const flowapi::IpAddress&) const noexcept { return {}; }
tl::expected<std::uint16_t, MediaError> PortPools::allocate(const Interface&) { return tl::unexpected(todo()); }
bool PortPools::reserve(const flowapi::IpAddress&, std::uint16_t) { return false; }
void PortPools::release(const flowapi::IpAddress&, std::uint16_t) {}
bool PortPools::in_use(const flowapi::IpAddress&, std::uint16_t) const noexcept { return false; }
std::size_t PortPools::used(std::string_view) const noexcept { return 0; }

struct MediaSession::Impl {};
MediaSession::MediaSession(std::uint64_t id, std::string call_id, PortPools& pools)
    : id_(id), call_id_(std::move(call_id)), pools_(&pools) {}
MediaSession::~MediaSession() = default;
tl::expected<std::string, MediaError> MediaSession::offer(Leg, std::string_view, const LegOptions&) { return tl::unexpected(todo()); }
tl::expected<std::string, MediaError> MediaSession::answer(Leg, std::string_view, const LegOptions&) { return tl::unexpected(todo()); }
flowapi::Batch MediaSession::take_changes() { return {}; }
flowapi::Batch MediaSession::teardown() { return {}; }
void MediaSession::set_tag(Leg leg, std::string tag) { tags_[index(leg)] = std::move(tag); }
const std::string& MediaSession::tag(Leg leg) const noexcept { return tags_[index(leg)]; }
std::optional<Leg> MediaSession::leg_of_tag(std::string_view) const noexcept { return {}; }
bool MediaSession::has_pending_offer() const noexcept { return false; }
std::string MediaSession::codec() const { return {}; }
std::vector<flowapi::FlowSpec> MediaSession::flows() const { return {}; }
nlohmann::json MediaSession::to_json() const { return {}; }
tl::expected<std::unique_ptr<MediaSession>, MediaError> MediaSession::from_json(const nlohmann::json&, PortPools&) { return tl::unexpected(todo()); }
void MediaSession::adopt_flows(const std::vector<flowapi::FlowSpec>&) {}

struct MediaEngine::Impl { PortPools pools; };
MediaEngine::MediaEngine(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
MediaEngine::MediaEngine(MediaEngine&&) noexcept = default;
MediaEngine& MediaEngine::operator=(MediaEngine&&) noexcept = default;
MediaEngine::~MediaEngine() = default;
tl::expected<MediaEngine, MediaError> MediaEngine::create(std::vector<DataplaneConfig>) { return tl::unexpected(todo()); }
MediaEngine MediaEngine::create_offline(std::vector<DataplaneConfig>) { return MediaEngine(std::make_unique<Impl>()); }
MediaSession& MediaEngine::create_session(std::string) { std::abort(); }
MediaSession* MediaEngine::find(std::string_view) { return nullptr; }
void MediaEngine::erase(std::string_view) {}
std::vector<MediaSession*> MediaEngine::sessions() { return {}; }
tl::expected<void, MediaError> MediaEngine::delete_call(std::string_view) { return tl::unexpected(todo()); }
tl::expected<MediaSession*, MediaError> MediaEngine::restore_session(const nlohmann::json&) { return tl::unexpected(todo()); }
tl::expected<void, MediaError> MediaEngine::apply(const flowapi::Batch&) { return tl::unexpected(todo()); }
tl::expected<std::array<LegStats, 2>, MediaError> MediaEngine::stats(const MediaSession&) { return tl::unexpected(todo()); }
int MediaEngine::event_fd() const noexcept { return -1; }
std::vector<std::pair<std::uint64_t, flowapi::Event>> MediaEngine::drain_events() { return {}; }
tl::expected<std::size_t, MediaError> MediaEngine::reattach() { return tl::unexpected(todo()); }
PortPools& MediaEngine::port_pools() noexcept { return impl_->pools; }
bool MediaEngine::dataplane_connected(std::size_t) const noexcept { return false; }
}  // namespace rtpx::media
