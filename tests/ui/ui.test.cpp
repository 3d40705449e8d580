// The status page against a running context on the manual clock, through a real HTTP
// client: /metrics and the JSON API agree with the listener after known batches, the
// page charts every batch, user strings are escaped, unknown paths are 404, oversized and
// slow requests are cut off, the port falls back when taken, and binding is loopback.

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <dstream/dstream.hpp>
#include <dstream/ui.hpp>

#include "support/stream_support.hpp"
#include "ui/http_client.hpp"

using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using stream_test::recording_listener;
using stream_test::run_batch;

namespace {

ds::conf ui_conf(const std::string& app = "ui tests") {
  return ds::conf()
      .app_name(app)
      .master("local[2]")
      .set("dstream.streaming.clock", "manual")
      .set("dstream.ui.enabled", "true")
      .set("dstream.ui.port", "0");
}

/// The value of the sample `name` (with its labels, as written) in a /metrics text.
double sample(const std::string& metrics, const std::string& name) {
  const auto at = metrics.find('\n' + name + ' ');
  if (at == std::string::npos) throw std::runtime_error("no sample " + name + " in:\n" + metrics);
  return std::stod(metrics.substr(at + name.size() + 2));
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

}  // namespace

TEST_CASE("the status page is off unless dstream.ui.enabled is true") {
  ds::streaming_context ssc(ds::conf().set("dstream.streaming.clock", "manual"), 1s);
  ds::rdd_queue<int> q;
  ssc.queue_stream(q) | ds::foreach_rdd([](auto&) {});
  ssc.start();
  REQUIRE(ssc.ui_url().empty());
  ssc.stop();
}

TEST_CASE("dstream.ui.enabled without <dstream/ui.hpp> is an error naming the header") {
  auto saved = ds::detail::ui_starter;
  ds::detail::ui_starter = nullptr;
  ds::streaming_context ssc(ui_conf(), 1s);
  ds::rdd_queue<int> q;
  ssc.queue_stream(q) | ds::foreach_rdd([](auto&) {});
  REQUIRE_THROWS_WITH(ssc.start(), Contains("#include <dstream/ui.hpp>"));
  ds::detail::ui_starter = saved;
  REQUIRE(ssc.get_state() == ds::state::initialized);
}

TEST_CASE("the ui settings are checked") {
  REQUIRE_THROWS_WITH(ds::streaming_context(ds::conf().set("dstream.ui.enable", "true"), 1s),
                      Contains("dstream.ui.enabled"));
  REQUIRE_THROWS_WITH(ds::streaming_context(ds::conf().set("dstream.ui.enabled", "yes"), 1s),
                      Contains("true or false"));
  REQUIRE_THROWS_WITH(ds::streaming_context(ds::conf().set("dstream.ui.port", "-1"), 1s), Contains("dstream.ui.port"));
}

TEST_CASE("/metrics and the JSON API match the listener after known batches") {
  ds::streaming_context ssc(ui_conf(), 1s);
  recording_listener rec;
  ssc.add_listener(rec);
  ds::rdd_queue<int> q;
  const std::vector<std::vector<int>> batches{{1, 2, 3}, {4, 5, 6, 7, 8}, {}, {9}};
  for (const auto& b : batches) q.push(ssc.context().parallelize(b, 2));
  ssc.queue_stream(q) | ds::foreach_rdd([](auto& r) {
    if ((r | ds::count()) == 1) throw std::runtime_error("a \"failure\" with <b>markup</b>");
  });
  ssc.start();
  const std::string url = ssc.ui_url();
  REQUIRE_THAT(url, Catch::Matchers::StartsWith("http://127.0.0.1:"));
  for (std::int64_t t = 1000; t <= 4000; t += 1000) run_batch(ssc, 1000, t);
  const auto completed = rec.get().completed;
  REQUIRE(completed.size() == 4);

  const auto m = ui_test::get(url, "/metrics");
  REQUIRE(m.status == 200);
  REQUIRE_THAT(m.content_type, Contains("text/plain; version=0.0.4"));
  CHECK(sample(m.body, "dstream_records_total{stream=\"0\"}") == 9);
  CHECK(sample(m.body, "dstream_batches_total{status=\"succeeded\"}") == 3);
  CHECK(sample(m.body, "dstream_batches_total{status=\"failed\"}") == 1);
  CHECK(sample(m.body, "dstream_batch_processing_seconds_count") == 4);
  CHECK(sample(m.body, "dstream_batch_scheduling_delay_seconds_bucket{le=\"+Inf\"}") == 4);
  double processing = 0, scheduling = 0;
  for (const auto& b : completed) {
    processing += static_cast<double>(b.processing_delay->count()) / 1000;
    scheduling += static_cast<double>(b.scheduling_delay->count()) / 1000;
  }
  CHECK(sample(m.body, "dstream_batch_processing_seconds_sum") == Approx(processing).margin(1e-6));
  CHECK(sample(m.body, "dstream_batch_scheduling_delay_seconds_sum") == Approx(scheduling).margin(1e-6));
  CHECK(sample(m.body, "dstream_output_operation_failures_total{output=\"0\",name=\"foreach_rdd\"}") == 1);
  CHECK(sample(m.body, "dstream_batch_interval_seconds") == 1);

  const auto stats = ui_test::get(url, "/api/v1/streaming/statistics");
  REQUIRE(stats.status == 200);
  REQUIRE_THAT(stats.content_type, Contains("application/json"));
  CHECK_THAT(stats.body, Contains("\"batchDuration\":1000"));
  CHECK_THAT(stats.body, Contains("\"numTotalCompletedBatches\":4"));
  CHECK_THAT(stats.body, Contains("\"numRetainedCompletedBatches\":4"));
  CHECK_THAT(stats.body, Contains("\"numProcessedRecords\":9"));
  CHECK_THAT(stats.body, Contains("\"avgInputRate\":2.25"));

  const auto list = ui_test::get(url, "/api/v1/streaming/batches");
  REQUIRE(list.status == 200);
  for (std::size_t i = 0; i < completed.size(); ++i) {
    const auto& b = completed[i];
    const std::string head = "{\"batchId\":" + std::to_string(b.time.milliseconds()) + ",\"batchTime\":";
    INFO(list.body);
    REQUIRE_THAT(list.body, Contains(head));
    CHECK_THAT(list.body, Contains("\"inputSize\":" + std::to_string(batches[i].size()) + ",\"schedulingDelay\":" +
                                   std::to_string(b.scheduling_delay->count()) + ",\"processingTime\":" +
                                   std::to_string(b.processing_delay->count()) + ",\"totalDelay\":" +
                                   std::to_string(b.total_delay->count())));
  }
  CHECK(list.body.find("{\"batchId\":4000") < list.body.find("{\"batchId\":1000"));  // newest first
  // The failure text is escaped: quotes and markup cannot leave the string.
  CHECK_THAT(list.body, Contains("\"firstFailureReason\":\"a \\\"failure\\\" with \\u003cb\\u003emarkup\\u003c/b\\u003e"));
  CHECK_THAT(list.body, Contains("\"numFailedOutputOps\":1"));

  const auto done = ui_test::get(url, "/api/v1/streaming/batches?status=completed");
  CHECK(count(done.body, "\"status\":\"COMPLETED\"") == 4);
  CHECK(ui_test::get(url, "/api/v1/streaming/batches?status=queued").body == "[]");
  CHECK(ui_test::get(url, "/api/v1/streaming/batches?status=<x>").status == 400);

  const auto one = ui_test::get(url, "/api/v1/streaming/batches/2000");
  REQUIRE(one.status == 200);
  CHECK_THAT(one.body, Contains("\"inputSize\":5"));
  CHECK(ui_test::get(url, "/api/v1/streaming/batches/9000").status == 404);

  const auto receivers = ui_test::get(url, "/api/v1/streaming/receivers");
  REQUIRE(receivers.status == 200);
  CHECK(receivers.body == "[]");  // a queue has no receiver
  ssc.stop();
}

TEST_CASE("the page charts every batch, and escapes what users named") {
  ds::streaming_context ssc(ui_conf("<script>alert(\"app\")</script>"), 500ms);
  ds::rdd_queue<int> q;
  for (int i = 0; i < 6; ++i) q.push(ssc.context().parallelize(std::vector<int>(static_cast<std::size_t>(i), 7), 1));
  ssc.queue_stream(q) | ds::foreach_rdd([](auto& r) {
    if ((r | ds::count()) == 3) throw std::runtime_error("<img src=x onerror=alert(1)>");
  });
  ssc.start();
  for (std::int64_t t = 500; t <= 3000; t += 500) run_batch(ssc, 500, t);
  const auto page = ui_test::get(ssc.ui_url(), "/");
  REQUIRE(page.status == 200);
  REQUIRE_THAT(page.content_type, Contains("text/html"));
  CHECK(count(page.body, "<figure class=\"chart\"") == 4);
  for (const char* id : {"input-rate", "scheduling-delay", "processing-time", "total-delay"}) {
    const auto from = page.body.find(std::string("<figure class=\"chart\" id=\"") + id);
    REQUIRE(from != std::string::npos);
    const auto chart = page.body.substr(from, page.body.find("</figure>", from) - from);
    CHECK(count(chart, "<circle class=\"point\"") == 6);
    CHECK(count(chart, "class=\"interval\"") == (std::string(id) == "input-rate" ? 0u : 1u));
  }
  CHECK(page.body.find("<script") == std::string::npos);
  CHECK_THAT(page.body, Contains("&lt;script&gt;alert(&quot;app&quot;)&lt;/script&gt;"));
  CHECK(page.body.find("<img") == std::string::npos);
  CHECK_THAT(page.body, Contains("&lt;img src=x onerror=alert(1)&gt;"));
  CHECK_THAT(page.body, Contains("http-equiv=\"refresh\" content=\"1\""));
  ssc.stop();
}

TEST_CASE("the server answers only what it serves, and refuses what it should") {
  ds::streaming_context ssc(ui_conf(), 1s);
  ds::rdd_queue<int> q;
  ssc.queue_stream(q) | ds::foreach_rdd([](auto&) {});
  ssc.start();
  const auto port = ui_test::port_of(ssc.ui_url());

  SECTION("unknown paths are 404, and the path is not echoed") {
    const auto r = ui_test::request(port, "/no/such/<page>");
    CHECK(r.status == 404);
    CHECK(r.body.find("<page>") == std::string::npos);
    CHECK(ui_test::request(port, "/api/v1/streaming/batches/12x").status == 404);
    CHECK(ui_test::request(port, "/metrics?x=1").status == 200);
  }
  SECTION("on loopback it answers only to a local Host (no DNS rebinding)") {
    const auto evil = ui_test::raw(port, "GET /metrics HTTP/1.1\r\nHost: rebind.example:4040\r\n\r\n");
    CHECK_THAT(evil, Catch::Matchers::StartsWith("HTTP/1.1 403"));
    for (const char* host : {"localhost:4040", "127.0.0.1", "[::1]:80"}) {
      const auto ok = ui_test::raw(port, std::string("GET /metrics HTTP/1.1\r\nHost: ") + host + "\r\n\r\n");
      CHECK_THAT(ok, Catch::Matchers::StartsWith("HTTP/1.1 200"));
    }
  }
  SECTION("it is read-only: only GET and HEAD") {
    CHECK(ui_test::request(port, "/metrics", ui_test::http::verb::post).status == 405);
    CHECK(ui_test::request(port, "/", ui_test::http::verb::delete_).status == 405);
    const auto head = ui_test::request(port, "/metrics", ui_test::http::verb::head);
    CHECK(head.status == 200);
    CHECK(head.body.empty());
  }
  SECTION("a request line or headers over 8 KiB are refused") {
    const auto r = ui_test::raw(port, "GET /" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK_THAT(r, Catch::Matchers::StartsWith("HTTP/1.1 431"));
    const auto h = ui_test::raw(port, "GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + std::string(9000, 'b') + "\r\n\r\n");
    CHECK_THAT(h, Catch::Matchers::StartsWith("HTTP/1.1 431"));
    const auto body = ui_test::raw(port, "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
    CHECK_THAT(body, Catch::Matchers::StartsWith("HTTP/1.1 400"));
    const auto junk = ui_test::raw(port, "\x01\x02 nonsense\r\n\r\n");
    CHECK_THAT(junk, Catch::Matchers::StartsWith("HTTP/1.1 400"));
  }
  SECTION("a slow client neither blocks others nor holds its connection past the timeout") {
    boost::asio::io_context ioc;
    ui_test::tcp::socket slow(ioc);
    slow.connect(ui_test::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
    boost::asio::write(slow, boost::asio::buffer(std::string("GET /metr")));
    CHECK(ui_test::request(port, "/metrics").status == 200);  // served while the slow one waits
    const auto start = std::chrono::steady_clock::now();
    char c;
    boost::system::error_code ec;
    const auto n = slow.read_some(boost::asio::buffer(&c, 1), ec);  // returns when the server drops it
    CHECK(n == 0);
    CHECK(ec);
    CHECK(std::chrono::steady_clock::now() - start < 8s);
  }
  ssc.stop();
}

TEST_CASE("when the port is taken, the page is on the next free one") {
  boost::asio::io_context ioc;
  ui_test::tcp::acceptor taken(ioc, ui_test::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  const unsigned short port = taken.local_endpoint().port();
  ds::streaming_context ssc(ui_conf().set("dstream.ui.port", std::to_string(port)), 1s);
  ds::rdd_queue<int> q;
  ssc.queue_stream(q) | ds::foreach_rdd([](auto&) {});
  ssc.start();
  const auto chosen = ui_test::port_of(ssc.ui_url());
  CHECK(chosen > port);
  CHECK(chosen <= port + 16);
  CHECK(ui_test::request(chosen, "/metrics").status == 200);
  ssc.stop();
}

TEST_CASE("the page listens on loopback unless dstream.ui.host says otherwise, and stops with the context") {
  auto refused = [](const std::string& address, unsigned short port) {
    boost::asio::io_context ioc;
    ui_test::tcp::socket s(ioc);
    boost::system::error_code ec;
    s.connect(ui_test::tcp::endpoint(boost::asio::ip::make_address(address), port), ec);
    return static_cast<bool>(ec);
  };
  ds::rdd_queue<int> q;
  SECTION("by default: 127.0.0.1 only (not even 127.0.0.2, let alone another interface)") {
    ds::streaming_context ssc(ui_conf(), 1s);
    ssc.queue_stream(q) | ds::foreach_rdd([](auto&) {});
    ssc.start();
    const auto url = ssc.ui_url();
    REQUIRE_THAT(url, Catch::Matchers::StartsWith("http://127.0.0.1:"));
    const auto port = ui_test::port_of(url);
    CHECK_FALSE(refused("127.0.0.1", port));
    CHECK(refused("127.0.0.2", port));
    ssc.stop();
    CHECK(refused("127.0.0.1", port));  // stopped with the context
  }
  SECTION("another address when set") {
    ds::streaming_context ssc(ui_conf().set("dstream.ui.host", "127.0.0.2"), 1s);
    ssc.queue_stream(q) | ds::foreach_rdd([](auto&) {});
    ssc.start();
    const auto url = ssc.ui_url();
    REQUIRE_THAT(url, Catch::Matchers::StartsWith("http://127.0.0.2:"));
    CHECK_FALSE(refused("127.0.0.2", ui_test::port_of(url)));
    CHECK(refused("127.0.0.1", ui_test::port_of(url)));
  }
}

namespace {

/// Stores 5 records and asks for a restart; once restarted, stores 3 and waits to be stopped.
class restarting_receiver final : public ds::receiver<int> {
 public:
  ~restarting_receiver() override { on_stop(); }
  std::string name() const override { return "<recv \"one\">"; }
  void on_start() override {
    const int n = starts_++;
    thread_ = std::thread([this, n] {
      if (n == 0) {
        store(std::vector<int>{1, 2, 3, 4, 5});
        restart("the <source> went \"away\"");
        return;
      }
      store(std::vector<int>{6, 7, 8});
      while (!is_stopped()) std::this_thread::sleep_for(1ms);
    });
  }
  void on_stop() override {
    if (thread_.joinable()) thread_.join();
  }

 private:
  int starts_ = 0;
  std::thread thread_;
};

}  // namespace

TEST_CASE("receivers: state, restarts and errors, escaped, on the page, /metrics and JSON") {
  ds::streaming_context ssc(ds::conf()
                                .app_name("ui receivers")
                                .set("dstream.ui.enabled", "true")
                                .set("dstream.ui.port", "0")
                                .set("dstream.receiver.restart_delay", "20ms")
                                .set("dstream.block_interval", "10ms"),
                            50ms);
  recording_listener rec;
  ssc.add_listener(rec);
  ssc.receiver_stream(std::make_unique<restarting_receiver>()) | ds::foreach_rdd([](auto&) {});
  ssc.start();
  auto records = [&] {
    std::int64_t n = 0;
    for (const auto& b : rec.get().completed) n += b.num_records;
    return n;
  };
  REQUIRE(stream_test::eventually(20s, [&] { return records() == 8 && rec.get().receivers_started == 2; }));
  const auto url = ssc.ui_url();

  const auto json = ui_test::get(url, "/api/v1/streaming/receivers");
  REQUIRE(json.status == 200);
  CHECK_THAT(json.body, Contains("\"streamId\":0,\"streamName\":\"\\u003crecv \\\"one\\\"\\u003e\",\"isActive\":true"));
  CHECK_THAT(json.body, Contains("\"lastErrorMessage\":\"") && Contains("the \\u003csource\\u003e went \\\"away\\\"\""));

  const auto m = ui_test::get(url, "/metrics");
  CHECK(sample(m.body, "dstream_records_total{stream=\"0\"}") == 8);
  CHECK(sample(m.body, "dstream_receiver_active{stream=\"0\",name=\"<recv \\\"one\\\">\"}") == 1);
  CHECK(sample(m.body, "dstream_receiver_restarts_total{stream=\"0\",name=\"<recv \\\"one\\\">\"}") == 1);
  CHECK(sample(m.body, "dstream_receiver_errors_total{stream=\"0\",name=\"<recv \\\"one\\\">\"}") >= 1);

  const auto page = ui_test::get(url, "/");
  CHECK_THAT(page.body, Contains("&lt;recv &quot;one&quot;&gt;"));
  CHECK_THAT(page.body, Contains("the &lt;source&gt; went &quot;away&quot;"));
  CHECK(page.body.find("<recv") == std::string::npos);
  ssc.stop();
}
