// rtpx-controlplane: the SIP B2BUA that anchors call media on rtpx-dataplane.
//
//   rtpx-controlplane --config FILE [--check] [--dataplane-wait SECONDS]
//
// Exit status: 0 after SIGTERM/SIGINT, 1 when a listener, the records file, the HTTP server or a
// data plane cannot be set up, 2 for usage and configuration errors (the message names the file,
// line and key; nothing is started). --check only validates the file and prints "config ok".
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include <spdlog/spdlog.h>

#include "rtpx/cp/b2bua.hpp"
#include "rtpx/cp/config.hpp"
#include "rtpx/cp/engine_media.hpp"
#include "rtpx/cp/http_server.hpp"
#include "rtpx/ng/server.hpp"
#include "rtpx/sip/transport/event_loop.hpp"

namespace {

rtpx::sip::EventLoop* g_loop = nullptr;
volatile std::sig_atomic_t g_stop = 0;

void on_signal(int) {
    g_stop = 1;
    if (g_loop != nullptr) g_loop->stop();  // an eventfd write and an atomic store
}

int usage(const char* what = nullptr) {
    if (what != nullptr) std::cerr << "rtpx-controlplane: " << what << "\n";
    std::cerr << "usage: rtpx-controlplane --config FILE [--check] [--dataplane-wait SECONDS]\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::string config_path;
    bool check_only = false;
    int dataplane_wait_s = 10;
    for (int i = 1; i < argc; ++i) {
        std::string opt = argv[i];
        if (opt == "--config" && i + 1 < argc) {
            config_path = argv[++i];
        } else if (opt == "--check") {
            check_only = true;
        } else if (opt == "--dataplane-wait" && i + 1 < argc) {
            dataplane_wait_s = std::atoi(argv[++i]);
        } else if (opt == "-h" || opt == "--help") {
            usage();
            return 0;
        } else {
            return usage(("unknown argument " + opt).c_str());
        }
    }
    if (config_path.empty()) return usage("--config FILE is required");

    auto config = rtpx::cp::load_config(config_path);
    if (!config) {
        std::cerr << "rtpx-controlplane: " << config.error().message << "\n";
        return 2;
    }
    if (config->dataplanes.empty()) {
        std::cerr << "rtpx-controlplane: " << config_path
                  << ": at least one [[dataplane]] is required (media is always anchored)\n";
        return 2;
    }
    if (check_only) {
        std::cout << "config ok: " << config->listeners.size() << " listeners, "
                  << config->routes.size() << " routes, " << config->dataplanes.size()
                  << " data planes\n";
        return 0;
    }
    spdlog::set_level(spdlog::level::from_str(config->log_level));
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");

    // Data planes: they may still be starting (demo, systemd ordering): retry for a while.
    auto dataplanes = rtpx::cp::media_dataplanes(*config);
    std::unique_ptr<rtpx::cp::EngineMediaControl> media;
    for (int attempt = 0;; ++attempt) {
        auto engine = rtpx::media::MediaEngine::create(dataplanes);
        if (engine) {
            media = std::make_unique<rtpx::cp::EngineMediaControl>(std::move(*engine));
            break;
        }
        if (attempt >= dataplane_wait_s * 4 || g_stop) {
            std::cerr << "rtpx-controlplane: data plane: " << engine.error().what << "\n";
            return 1;
        }
        if (attempt == 0) spdlog::info("waiting for the data planes: {}", engine.error().what);
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }

    rtpx::sip::EventLoop loop;
    rtpx::cp::B2bua b2bua(*config, loop, *media);
    if (auto r = b2bua.start(); !r) {
        std::cerr << "rtpx-controlplane: " << r.error() << "\n";
        return 1;
    }

    std::unique_ptr<rtpx::cp::HttpServer> http;
    std::function<void()> publish;
    if (!config->http_listen.empty()) {
        std::vector<std::string> sockets;
        for (const auto& d : config->dataplanes) sockets.push_back(d.socket);
        http = std::make_unique<rtpx::cp::HttpServer>(config->http_listen, sockets);
        if (auto r = http->start(); !r) {
            std::cerr << "rtpx-controlplane: " << r.error() << "\n";
            return 1;
        }
        // The loop thread publishes its state for the HTTP thread every 250 ms.
        publish = [&] {
            http->publish(b2bua.snapshot());
            loop.add_timer(std::chrono::milliseconds(250), publish);
        };
        publish();
    }

    // [ng]: the rtpengine ng protocol on the same loop and the same MediaEngine as the B2BUA, so
    // ports and data-plane links are shared between SIP calls and ng-driven calls.
    std::unique_ptr<rtpx::ng::MediaBackend> ng_backend;
    std::unique_ptr<rtpx::ng::Server> ng_server;
    if (!config->ng_listen.empty()) {
        rtpx::ng::ServerConfig ng_config;
        ng_config.listen = {config->ng_listen};
        ng_config.max_sessions = config->limits.max_calls;
        ng_backend = std::make_unique<rtpx::ng::MediaBackend>(media->engine());
        ng_server = std::make_unique<rtpx::ng::Server>(ng_config, *ng_backend);
        if (auto r = ng_server->listen(loop); !r) {
            std::cerr << "rtpx-controlplane: ng: " << r.error() << "\n";
            return 1;
        }
        spdlog::info("ng protocol on {}", config->ng_listen);
    }

    g_loop = &loop;
    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);
    spdlog::info("rtpx-controlplane running ({} listeners, {} routes)", config->listeners.size(),
                 config->routes.size());
    if (!g_stop) loop.run();

    // Shutdown: BYE every call on both legs, give the BYEs a moment to leave, stop.
    spdlog::info("shutting down: ending {} calls", b2bua.active_calls());
    b2bua.end_all("shutdown");
    std::signal(SIGTERM, SIG_DFL);
    std::signal(SIGINT, SIG_DFL);
    g_loop = nullptr;
    loop.run_until([] { return false; }, std::chrono::milliseconds(500));
    if (http) http->stop();
    return 0;
}
