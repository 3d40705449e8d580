#pragma once
// The status page of a streaming context (Spark's Streaming tab), a Prometheus endpoint and
// a JSON API, served by an embedded HTTP server when `dstream.ui.enabled=true`.
//
// Include this header in one file of the program (it brings in Boost.Beast); the context
// then starts the page in `start()` and stops it in `stop()`:
//
//   GET /                               the page: charts, batches, receivers, outputs
//   GET /metrics                        Prometheus text format 0.0.4
//   GET /api/v1/streaming/statistics    JSON shaped like Spark's streaming REST API;
//   GET /api/v1/streaming/batches       also ?status=completed|processing|queued, and
//                                       .../batches/<batch time in ms>
//   GET /api/v1/streaming/receivers
//
// Settings: `dstream.ui.enabled` (default false: a library opens no port unasked),
// `dstream.ui.host` (default 127.0.0.1: loopback only, unless set), `dstream.ui.port`
// (default 4040; when taken, the next free one of the 16 after it; 0: any free port),
// `dstream.ui.retained_batches` (default 1000: the batches charted and listed).
//
// Example:
//   #include <dstream/ui.hpp>
//   ds::streaming_context ssc(ds::conf().set("dstream.ui.enabled", "true"), 1s);
//   ...; ssc.start(); std::cout << "status page: " << ssc.ui_url() << '\n';

#include <chrono>
#include <cstddef>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <dstream/streaming_context.hpp>
#include <dstream/ui/page.hpp>
#include <dstream/ui/render.hpp>
#include <dstream/ui/server.hpp>
#include <dstream/ui/status.hpp>

namespace dstream::detail {

/// Answers one GET from a snapshot of the listener. The batches list takes Spark's
/// `?status=queued|processing|completed`.
inline ui_response ui_route(const ui_status& status, std::string_view target, const std::string& host) {
  constexpr std::string_view json = "application/json; charset=utf-8";
  constexpr std::string_view batches = "/api/v1/streaming/batches/";
  const auto q = target.find('?');
  const std::string_view path = target.substr(0, q);
  const std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  if (path == "/api/v1/streaming/batches" && !query.empty()) {
    const std::string_view key = "status=";
    const std::string_view want = query.substr(0, key.size()) == key ? query.substr(key.size()) : std::string_view();
    std::optional<ui_batch::phase> phase;
    if (want == "queued" || want == "QUEUED") phase = ui_batch::phase::queued;
    if (want == "processing" || want == "PROCESSING") phase = ui_batch::phase::processing;
    if (want == "completed" || want == "COMPLETED") phase = ui_batch::phase::completed;
    if (!phase) return {400, "text/plain; charset=utf-8", "status must be queued, processing or completed\n"};
    ui_snapshot s = status.snapshot();
    if (*phase == ui_batch::phase::completed) s.active.clear();
    else {
      s.completed.clear();
      std::erase_if(s.active, [&](const auto& kv) { return kv.second.state != *phase; });
    }
    return {200, std::string(json), ui_json_batches(s)};
  }
  if (path == "/" || path == "/index.html") return {200, "text/html; charset=utf-8", ui_page(status.snapshot())};
  if (path == "/metrics")
    return {200, "text/plain; version=0.0.4; charset=utf-8", ui_metrics(status.snapshot())};
  if (path == "/api/v1/streaming/statistics") return {200, std::string(json), ui_json_statistics(status.snapshot())};
  if (path == "/api/v1/streaming/batches") return {200, std::string(json), ui_json_batches(status.snapshot())};
  if (path == "/api/v1/streaming/receivers") return {200, std::string(json), ui_json_receivers(status.snapshot(), host)};
  if (path.substr(0, batches.size()) == batches && path.size() > batches.size() && path.size() < batches.size() + 19 &&
      path.substr(batches.size()).find_first_not_of("0123456789") == std::string_view::npos) {
    const std::int64_t t = std::stoll(std::string(path.substr(batches.size())));
    const ui_snapshot s = status.snapshot();
    if (auto it = s.active.find(t); it != s.active.end()) return {200, std::string(json), ui_json_batch(s, it->second)};
    for (const auto& b : s.completed)
      if (b.time_ms == t) return {200, std::string(json), ui_json_batch(s, b)};
  }
  return {404, "text/plain; charset=utf-8", "not found\n"};
}

/// The status page of one context: the listener on its bus and the server reading it.
class ui_instance final : public ui_service {
 public:
  explicit ui_instance(streaming_context& ssc)
      : host_(ssc.context().conf().get("dstream.ui.host", "127.0.0.1")),
        status_(ssc.context().conf().app_name(), ssc.batch_duration(), retained(ssc.context().conf())),
        server_(host_, port(ssc.context().conf()),
                [this](std::string_view path) { return ui_route(status_, path, host_); },
                std::chrono::seconds(5)) {
    ssc.add_listener(status_);
    const unsigned wanted = port(ssc.context().conf());
    if (wanted != 0 && server_.port() != wanted)
      std::cerr << "dstream: port " << wanted << " is taken; the status page is on port " << server_.port() << '\n';
    std::cerr << "dstream: status page at " << url() << '\n';
  }

  std::string url() const override {
    const bool v6 = host_.find(':') != std::string::npos;
    return "http://" + (v6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(server_.port()) + "/";
  }
  void stop() override { server_.stop(); }

 private:
  static std::size_t retained(const ::dstream::conf& c) {
    return c.get("dstream.ui.retained_batches") ? std::max<std::size_t>(1, c.get_count("dstream.ui.retained_batches"))
                                                : 1000;
  }
  static unsigned port(const ::dstream::conf& c) {
    if (!c.get("dstream.ui.port")) return 4040;
    const std::size_t p = c.get_count("dstream.ui.port");
    if (p > 65535) throw std::invalid_argument("ds::conf: dstream.ui.port must be in 0..65535, got " + std::to_string(p));
    return static_cast<unsigned>(p);
  }

  std::string host_;
  ui_status status_;
  ui_server server_;  // last: its thread reads status_ and host_, and stops first
};

inline std::unique_ptr<ui_service> start_ui(streaming_context& ssc) { return std::make_unique<ui_instance>(ssc); }

/// Registers the status page with every streaming context of the program.
inline const bool ui_registered = (ui_starter = &start_ui, true);

}  // namespace dstream::detail
