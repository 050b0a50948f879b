// HttpServer: GET /metrics (Prometheus text format 0.0.4) and GET /calls (JSON) on its own
// thread (cpp-httplib). The loop thread publishes a B2buaSnapshot now and then; the HTTP thread
// only reads the last one (under a mutex) and asks the data planes for their counters itself, on
// its own flow-API connections, so a scrape never blocks the SIP loop.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <tl/expected.hpp>

#include "rtpx/cp/b2bua.hpp"
#include "rtpx/cp/media_control.hpp"

namespace httplib {
class Server;
}

namespace rtpx::cp {

// The texts, for tests and for the server.
[[nodiscard]] std::string metrics_text(const B2buaSnapshot& s, const MediaTotals& media);
[[nodiscard]] std::string calls_json(const B2buaSnapshot& s);

class HttpServer {
  public:
    // `dataplane_sockets`: flow-API sockets queried for data-plane totals on each scrape.
    HttpServer(std::string listen, std::vector<std::string> dataplane_sockets);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    [[nodiscard]] tl::expected<void, std::string> start();
    void stop();
    void publish(B2buaSnapshot snapshot);
    [[nodiscard]] int port() const noexcept { return port_; }

  private:
    [[nodiscard]] MediaTotals query_dataplanes();

    std::string listen_;
    std::vector<std::string> sockets_;
    std::unique_ptr<httplib::Server> server_;
    std::thread thread_;
    std::mutex mutex_;
    B2buaSnapshot snapshot_;
    std::mutex dp_mutex_;
    int port_ = 0;
};

}  // namespace rtpx::cp
