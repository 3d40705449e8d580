// Sources: the queue of rdds (manual clock), the socket text stream against a real
// loopback server (system clock, short batches, waits on conditions with deadlines),
// user receivers with a graceful stop, and the text file stream on a temporary directory.

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <dstream/dstream.hpp>
#include <dstream/testing.hpp>

#include "support/stream_support.hpp"

using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using stream_test::guarded;
using stream_test::manual_context;
using stream_test::recording_listener;
using stream_test::run_batch;
namespace fs = std::filesystem;

namespace {

// ---------------------------------------------------------------------------------------
// A line server on 127.0.0.1: a thread accepts connections; the test sends text to the
// latest one, drops it, or takes the whole server down and brings it back on the same port.

class line_server {
 public:
  /// Listens on `port` (0: an ephemeral port).
  explicit line_server(int port = 0) { listen_on(port); }
  ~line_server() { shut_down(); }
  line_server(const line_server&) = delete;
  line_server& operator=(const line_server&) = delete;

  int port() const noexcept { return port_; }

  /// Waits until a client is connected; false when `timeout` passes first.
  bool wait_for_client(std::chrono::milliseconds timeout) {
    std::unique_lock lock(m_);
    return cv_.wait_for(lock, timeout, [&] { return client_ >= 0; });
  }
  /// Waits until `n` connections were accepted in all; false when `timeout` passes first.
  bool wait_for_connections(int n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(m_);
    return cv_.wait_for(lock, timeout, [&] { return connections_ >= n; });
  }

  /// Sends `text` to the connected client, whole.
  void send(std::string_view text) {
    std::lock_guard lock(m_);
    if (client_ < 0) throw std::runtime_error("line_server: no client");
    while (!text.empty()) {
      ssize_t n = ::send(client_, text.data(), text.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw std::runtime_error(std::string("line_server: send failed: ") + std::strerror(errno));
      text.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  /// Closes the connection to the client (the server keeps listening).
  void drop_client() {
    std::lock_guard lock(m_);
    if (client_ >= 0) ::close(client_);
    client_ = -1;
  }

  /// Closes the client and the listening socket and stops the accepting thread.
  void shut_down() {
    quit_ = true;
    if (thread_.joinable()) thread_.join();
    drop_client();
    if (listener_ >= 0) ::close(listener_);
    listener_ = -1;
  }

  /// Listens again on the same port.
  void restart() {
    shut_down();
    listen_on(port_);
  }

 private:
  void listen_on(int port) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener_ < 0) throw std::runtime_error("line_server: socket failed");
    int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error(std::string("line_server: bind failed: ") + std::strerror(errno));
    if (::listen(listener_, 8) != 0) throw std::runtime_error("line_server: listen failed");
    socklen_t len = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    quit_ = false;
    thread_ = std::thread([this] { accept_loop(); });
  }

  void accept_loop() {
    while (!quit_) {
      pollfd p{listener_, POLLIN, 0};
      int r = ::poll(&p, 1, 10);
      if (r <= 0) continue;
      int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      {
        std::lock_guard lock(m_);
        if (client_ >= 0) ::close(client_);
        client_ = fd;
        ++connections_;
      }
      cv_.notify_all();
    }
  }

  int port_ = 0;
  int listener_ = -1;
  std::atomic<bool> quit_{false};
  std::thread thread_;
  mutable std::mutex m_;
  std::condition_variable cv_;
  int client_ = -1;
  int connections_ = 0;
};

/// A port on which nothing listens (bound once to find a free one, then released).
int unused_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

/// A context on the system clock with short batches and a quick receiver restart.
ds::streaming_context fast_context(const std::string& master = "local[2]") {
  return ds::streaming_context(ds::conf()
                                   .app_name("sources")
                                   .master(master)
                                   .set("dstream.receiver.restart_delay", "50ms")
                                   .set("dstream.block_interval", "10ms"),
                               50ms);
}

/// Everything a stream produced, in order, and how many batches had data.
struct collected {
  std::vector<std::string> lines;
  int batches = 0;
};

void collect_lines(const ds::dstream<std::string>& s, guarded<collected>& out) {
  s | ds::foreach_rdd([&out](ds::rdd<std::string>& r) {
    auto v = r | ds::collect();
    out.update([&](collected& c) {
      c.lines.insert(c.lines.end(), v.begin(), v.end());
      if (!v.empty()) ++c.batches;
    });
  });
}

/// A started context on the system clock with a socket stream on 127.0.0.1:`port`: its
/// lines are collected, its events recorded.
struct socket_run {
  recording_listener listener;
  guarded<collected> out;
  ds::streaming_context ssc;  // declared last: stopped before what its threads write to
  explicit socket_run(int port) : ssc(fast_context()) {
    ssc.add_listener(listener);
    collect_lines(ssc.socket_text_stream("127.0.0.1", port), out);
    ssc.start();
  }
};

std::int64_t records_of(const recording_listener& l) {
  std::int64_t n = 0;
  for (const auto& b : l.get().completed) n += b.num_records;
  return n;
}

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

}  // namespace

// ---------------------------------------------------------------------------------------

TEST_CASE("queue_stream gives the rdds pushed into the queue") {
  auto ssc = manual_context();
  auto& ctx = ssc.context();
  ds::rdd_queue<int> q;
  q.push(ctx.parallelize(std::vector{1, 2}, 2));
  q.push(ctx.parallelize(std::vector{3}, 1));
  q.push(ctx.parallelize(std::vector{4, 5, 6}, 3));
  guarded<std::vector<std::vector<int>>> seen;
  auto record = ds::foreach_rdd([&](ds::rdd<int>& r) {
    auto v = r | ds::collect();
    seen.update([&](auto& s) { s.push_back(v); });
  });

  SECTION("one at a time") {
    ssc.queue_stream(q) | record;
    ssc.start();
    for (int i = 1; i <= 4; ++i) run_batch(ssc, 1000, i * 1000);
    REQUIRE(seen.get() == std::vector<std::vector<int>>{{1, 2}, {3}, {4, 5, 6}, {}});
  }
  SECTION("all queued ones together") {
    ssc.queue_stream(q, false) | record;
    ssc.start();
    for (int i = 1; i <= 2; ++i) run_batch(ssc, 1000, i * 1000);
    REQUIRE(seen.get() == std::vector<std::vector<int>>{{1, 2, 3, 4, 5, 6}, {}});
  }
  SECTION("the default rdd when the queue is empty") {
    ssc.queue_stream(q, true, ctx.parallelize(std::vector{9}, 1)) | record;
    ssc.start();
    for (int i = 1; i <= 5; ++i) run_batch(ssc, 1000, i * 1000);
    REQUIRE(seen.get() == std::vector<std::vector<int>>{{1, 2}, {3}, {4, 5, 6}, {9}, {9}});
  }
  SECTION("rdds pushed after start") {
    ds::rdd_queue<int> late;
    auto s = ssc.queue_stream(late);
    s | record;
    recording_listener listener;
    ssc.add_listener(listener);
    ssc.start();
    run_batch(ssc, 1000, 1000);
    late.push(ctx.parallelize(std::vector{7, 8}, 2));
    run_batch(ssc, 1000, 2000);
    late.push(ctx.parallelize(std::vector{10}, 1));
    late.push(ctx.parallelize(std::vector{11}, 1));
    run_batch(ssc, 1000, 3000);
    run_batch(ssc, 1000, 4000);
    REQUIRE(seen.get() == std::vector<std::vector<int>>{{}, {7, 8}, {10}, {11}});
    REQUIRE(records_of(listener) == 4);
  }
  ssc.stop();
}

// ---------------------------------------------------------------------------------------

TEST_CASE("socket_text_stream reads lines from a server, in order") {
  line_server server;
  socket_run run(server.port());
  auto& [listener, out, ssc] = run;
  REQUIRE(server.wait_for_client(10s));

  std::vector<std::string> expected;
  SECTION("\\n and \\r\\n line endings, lines split across writes") {
    server.send("one\ntwo\r\nthr");
    server.send("ee\n\nfive\r\n");
    expected = {"one", "two", "three", "", "five"};
    REQUIRE(out.wait_for(10s, [&](const collected& c) { return c.lines.size() >= expected.size(); }));
    REQUIRE(out.get().lines == expected);
  }
  SECTION("many lines over many batches") {
    for (int i = 0; i < 2000; ++i) {
      expected.push_back("line " + std::to_string(i));
      server.send(expected.back() + "\n");
      if (i % 500 == 499) {
        // Let a few batches pass so the lines spread over them.
        const auto before = listener.get().completed.size();
        REQUIRE(listener.wait_for(10s, [&](const auto& r) { return r.completed.size() >= before + 2; }));
      }
    }
    REQUIRE(out.wait_for(10s, [&](const collected& c) { return c.lines.size() >= expected.size(); }));
    REQUIRE(out.get().lines == expected);
    REQUIRE(out.get().batches > 1);
  }
  ssc.stop(true, true);
  // Everything received was processed.
  REQUIRE(records_of(listener) == static_cast<std::int64_t>(out.get().lines.size()));
  REQUIRE(out.get().lines == expected);
}

TEST_CASE("socket_text_stream skips a line over dstream.text.max_line_bytes (16 MiB by default) and goes on") {
  line_server server;
  socket_run run(server.port());
  auto& [listener, out, ssc] = run;
  REQUIRE(server.wait_for_client(10s));
  server.send("before\n");
  server.send(std::string(std::size_t(17) << 20, 'x'));
  server.send("\nafter\n");
  REQUIRE(out.wait_for(10s, [](const collected& c) { return c.lines.size() >= 2; }));
  REQUIRE(listener.wait_for(10s, [](const auto& r) { return !r.receiver_errors.empty(); }));
  ssc.stop(true, true);
  REQUIRE(out.get().lines == std::vector<std::string>{"before", "after"});
  const auto errors = listener.get().receiver_errors;
  REQUIRE_THAT(errors.at(0).last_error, Contains("line 2") && Contains(std::to_string(std::size_t(17) << 20)) &&
                                            Contains("dstream.text.max_line_bytes") && Contains("skipped"));
}

TEST_CASE("socket_text_stream resumes when the server closes and comes back") {
  line_server server;
  socket_run run(server.port());
  auto& [listener, out, ssc] = run;
  REQUIRE(server.wait_for_client(10s));
  server.send("a\nb\n");
  REQUIRE(out.wait_for(10s, [](const collected& c) { return c.lines.size() >= 2; }));

  SECTION("the connection is dropped, the server keeps listening") {
    server.drop_client();
    REQUIRE(server.wait_for_connections(2, 10s));
    REQUIRE(server.wait_for_client(10s));
    server.send("c\n");
  }
  SECTION("the whole server goes away for a while, then listens on the same port again") {
    server.shut_down();
    // The receiver notices, and its reconnections are refused while the server is down.
    REQUIRE(listener.wait_for(10s, [](const auto& r) { return r.receiver_errors.size() >= 3; }));
    server.restart();
    REQUIRE(server.wait_for_client(10s));
    server.send("c\n");
  }
  REQUIRE(out.wait_for(10s, [](const collected& c) { return c.lines.size() >= 3; }));
  ssc.stop(true, true);
  REQUIRE(out.get().lines == std::vector<std::string>{"a", "b", "c"});
  REQUIRE(records_of(listener) == 3);
  const auto rec = listener.get();
  REQUIRE(rec.receivers_started >= 2);
  REQUIRE(rec.receivers_stopped == rec.receivers_started);
}

TEST_CASE("a refused connection is reported to listeners and retried") {
  const int port = unused_port();
  socket_run run(port);
  auto& [listener, out, ssc] = run;
  REQUIRE(listener.wait_for(10s, [](const auto& r) { return r.receiver_errors.size() >= 3; }));
  const auto rec = listener.get();
  REQUIRE_THAT(rec.receiver_errors.front().last_error, Contains("cannot connect") && Contains(std::to_string(port)));
  REQUIRE(rec.receiver_errors.front().name.find(std::to_string(port)) != std::string::npos);
  // The context keeps running batches meanwhile.
  REQUIRE(listener.wait_for(10s, [](const auto& r) { return r.completed.size() >= 2; }));
  REQUIRE(ssc.get_state() == ds::state::active);
  ssc.stop();
  REQUIRE(out.get().lines.empty());
}

namespace {

/// Whether a connection to 127.0.0.1:`port` waits for the other side's answer (state
/// SYN_SENT in /proc/net/tcp).
bool connecting_to(int port) {
  std::ifstream in("/proc/net/tcp");
  std::string line;
  std::getline(in, line);  // the header
  char want[8];
  std::snprintf(want, sizeof want, ":%04X", port);
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, st;
    fields >> slot >> local >> remote >> st;
    if (remote.size() >= 5 && remote.compare(remote.size() - 5, 5, want) == 0 && st == "02") return true;
  }
  return false;
}

}  // namespace

TEST_CASE("stop() does not wait for a connection attempt that gets no answer") {
  // A listening socket with a full accept queue (backlog 0, one connection never
  // accepted): the kernel drops further connection requests, so a blocking connect()
  // would wait for the system's timeout, minutes.
  int listener_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(listener_fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(listener_fd, 0) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(listener_fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  int filler = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  ::connect(filler, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  pollfd p{filler, POLLOUT, 0};
  REQUIRE(::poll(&p, 1, 10'000) == 1);  // the one connection the queue holds

  {
    auto ssc = fast_context();
    guarded<collected> out;
    collect_lines(ssc.socket_text_stream("127.0.0.1", port), out);
    ssc.start();
    REQUIRE(stream_test::eventually(10s, [&] { return connecting_to(port); }));
    auto stopping = std::async(std::launch::async, [&] { ssc.stop(); });
    REQUIRE(stopping.wait_for(10s) == std::future_status::ready);
    stopping.get();
    REQUIRE(ssc.get_state() == ds::state::stopped);
    REQUIRE(!connecting_to(port));  // the attempt was abandoned, its socket closed
  }
  ::close(filler);
  ::close(listener_fd);
}

TEST_CASE("a socket receiver leaves local[1]'s one worker to the batches") {
  line_server server;
  auto ssc = fast_context("local[1]");
  recording_listener listener;
  ssc.add_listener(listener);
  guarded<collected> out;
  auto lines = ssc.socket_text_stream("127.0.0.1", server.port());
  auto counts = lines | ds::map([](const std::string& l) { return std::pair<std::string, int>(l, 1); }) |
                ds::reduce_by_key(std::plus<>{});
  guarded<std::map<std::string, int>> totals;
  counts | ds::foreach_rdd([&](ds::rdd<std::pair<std::string, int>>& r) {
    auto v = r | ds::collect();
    totals.update([&](auto& m) {
      for (auto& [k, n] : v) m[k] += n;
    });
  });
  ssc.start();
  REQUIRE(server.wait_for_client(10s));
  for (int i = 0; i < 30; ++i) server.send(i % 3 == 0 ? "x\n" : "y\n");
  REQUIRE(totals.wait_for(10s, [](const auto& m) {
    auto x = m.find("x");
    auto y = m.find("y");
    return x != m.end() && y != m.end() && x->second + y->second == 30;
  }));
  ssc.stop(true, true);
  REQUIRE(totals.get() == std::map<std::string, int>{{"x", 10}, {"y", 20}});
  REQUIRE(records_of(listener) == 30);
}

// ---------------------------------------------------------------------------------------

namespace {

/// Stores 0, 1, 2 ... from its own thread until stopped or `limit` records are stored;
/// counts the records whose store() returned.
class counting_receiver final : public ds::receiver<int> {
 public:
  counting_receiver(std::atomic<std::int64_t>& stored, int limit) : stored_(stored), limit_(limit) {}
  ~counting_receiver() override { on_stop(); }

  void on_start() override {
    quit_ = false;
    thread_ = std::thread([this] {
      for (int i = 0; i < limit_ && !quit_; ++i) {
        try {
          store(i);
        } catch (const std::logic_error&) {
          return;  // stopped
        }
        ++stored_;
        // A source with a finite rate: a burst of 200 records per millisecond.
        if (i % 200 == 199) std::this_thread::sleep_for(1ms);
      }
    });
  }
  void on_stop() override {
    quit_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::string name() const override { return "counting receiver"; }

 private:
  std::atomic<std::int64_t>& stored_;
  int limit_;
  std::atomic<bool> quit_{false};
  std::thread thread_;
};

}  // namespace

TEST_CASE("a graceful stop processes every record a receiver stored") {
  std::atomic<std::int64_t> stored{0};
  auto ssc = fast_context();
  recording_listener listener;
  ssc.add_listener(listener);
  auto s = ssc.receiver_stream(std::unique_ptr<ds::receiver<int>>(new counting_receiver(stored, 10'000'000)));
  guarded<std::int64_t> processed;
  guarded<std::int64_t> sum;
  s | ds::count() | ds::foreach_rdd([&](ds::rdd<std::int64_t>& r) {
    auto n = r | ds::reduce(std::plus<>{});
    processed.update([&](std::int64_t& p) { p += n; });
  });
  s | ds::map([](int x) { return static_cast<std::int64_t>(x); }) | ds::foreach_rdd([&](ds::rdd<std::int64_t>& r) {
    if (r.size() == 0) return;
    auto n = r | ds::reduce(std::plus<>{});
    sum.update([&](std::int64_t& p) { p += n; });
  });
  ssc.start();
  // Stop while the receiver is still storing.
  REQUIRE(processed.wait_for(10s, [](std::int64_t p) { return p >= 5000; }));
  ssc.stop(true, true);
  const std::int64_t n = stored.load();
  CAPTURE(n);
  REQUIRE(n < 10'000'000);
  REQUIRE(processed.get() == n);
  REQUIRE(sum.get() == n * (n - 1) / 2);  // 0 .. n-1, each exactly once
  REQUIRE(records_of(listener) == n);
}

namespace {

/// A receiver driven by the test: what its thread does on each start is a script.
class scripted_receiver final : public ds::receiver<std::string> {
 public:
  /// `script(self, start_number)` runs on the receiver's thread at each start.
  using script_fn = std::function<void(scripted_receiver&, int)>;
  scripted_receiver(script_fn script, bool throw_on_first_start)
      : script_(std::move(script)), throw_first_(throw_on_first_start) {}
  ~scripted_receiver() override { on_stop(); }

  void on_start() override {
    const int n = starts_++;
    if (throw_first_ && n == 0) throw std::runtime_error("device not ready");
    thread_ = std::thread([this, n] { script_(*this, n); });
  }
  void on_stop() override {
    if (thread_.joinable()) thread_.join();
  }

 private:
  script_fn script_;
  bool throw_first_;
  int starts_ = 0;
  std::thread thread_;
};

}  // namespace

TEST_CASE("a user receiver stores records, restarts on request and survives on_start throwing") {
  auto ssc = fast_context();
  recording_listener listener;
  ssc.add_listener(listener);
  guarded<collected> out;
  bool throw_first = false;
  SECTION("restart(reason) stops and starts the receiver again, reporting the reason") {}
  SECTION("on_start throwing is reported and the receiver is started again") { throw_first = true; }
  auto script = [](scripted_receiver& r, int start) {
    if (start == 0) {
      r.store(std::string("first"));
      r.restart("the source went away");
      return;
    }
    if (start == 1) r.store(std::vector<std::string>{"second", "third"});
    while (!r.is_stopped()) std::this_thread::sleep_for(1ms);
  };
  collect_lines(ssc.receiver_stream(std::unique_ptr<ds::receiver<std::string>>(new scripted_receiver(script, throw_first))),
                out);
  ssc.start();
  const std::size_t expected = throw_first ? 2 : 3;
  REQUIRE(out.wait_for(10s, [&](const collected& c) { return c.lines.size() >= expected; }));
  ssc.stop(true, true);
  const auto lines = out.get().lines;
  if (throw_first) {
    // Start 0 threw; start 1 stored two records.
    REQUIRE(lines == std::vector<std::string>{"second", "third"});
  } else {
    REQUIRE(lines == std::vector<std::string>{"first", "second", "third"});
  }
  const auto rec = listener.get();
  REQUIRE(!rec.receiver_errors.empty());
  REQUIRE_THAT(rec.receiver_errors.front().last_error,
               Contains(throw_first ? "device not ready" : "the source went away"));
  REQUIRE(rec.receiver_errors.front().name == "receiver");
  REQUIRE(rec.receivers_started == (throw_first ? 1 : 2));
  REQUIRE(records_of(listener) == static_cast<std::int64_t>(lines.size()));
}

TEST_CASE("a partition's records go back to the receiver's pool once nothing holds them") {
  using pool_t = ds::detail::record_pool<std::string>;
  const std::vector<std::string> first = {"a record longer than the small-string buffer, number 0",
                                          "a record longer than the small-string buffer, number 1",
                                          "a record longer than the small-string buffer, number 2"};
  auto pool = std::make_shared<pool_t>();
  pool->expect(first.size());  // room for 6 records
  // Until the receiver asks for records, the pool keeps none.
  pool_t::partition(pool, std::vector<std::string>(first)).reset();
  REQUIRE(pool->take().empty());  // the first request
  auto part = pool_t::partition(pool, std::vector<std::string>(first));
  const char* buffer = part->front().data();
  auto copy = part;
  part.reset();
  REQUIRE(pool->take().empty());  // a copy still holds the records
  copy.reset();
  auto back = pool->take();
  REQUIRE(back == first);
  REQUIRE(back.front().data() == buffer);  // the same storage, not a copy
  REQUIRE(pool->take().empty());            // given out once

  // More records than the pool has room for are freed, not kept.
  pool_t::partition(pool, std::vector<std::string>(7, first[0])).reset();
  REQUIRE(pool->take().empty());
  // A partition that outlives its pool is freed normally (ASan checks for the leak).
  auto orphan = pool_t::partition(pool, std::vector<std::string>(first));
  pool.reset();
  orphan.reset();
}

TEST_CASE("a receiver overwrites recycled records of finished batches and the stream sees the new values") {
  auto ssc = fast_context();
  guarded<collected> out;
  std::vector<std::string> recycled_values;
  bool store_emptied = false;
  const std::vector<std::string> first = {"a line longer than the small-string buffer, first 0",
                                          "a line longer than the small-string buffer, first 1"};
  const std::vector<std::string> second = {"second 0, also longer than the small-string buffer",
                                           "second 1, also longer than the small-string buffer"};
  auto script = [&](scripted_receiver& r, int) {
    (void)r.recycled();  // asked before storing: from now on records come back
    r.store(std::vector<std::string>(first));
    // The receiver's own polling: its records come back once their batch is done.
    while (!r.is_stopped()) {
      auto v = r.recycled();
      if (v.empty()) {
        std::this_thread::sleep_for(1ms);
        continue;
      }
      recycled_values = v;
      v.resize(second.size());
      for (std::size_t i = 0; i < v.size(); ++i) v[i].assign(second[i]);
      r.store(std::move(v));
      store_emptied = v.empty();  // NOLINT(bugprone-use-after-move): store leaves it empty
      break;
    }
    while (!r.is_stopped()) std::this_thread::sleep_for(1ms);
  };
  collect_lines(ssc.receiver_stream(std::unique_ptr<ds::receiver<std::string>>(new scripted_receiver(script, false))),
                out);
  ssc.start();
  REQUIRE(out.wait_for(10s, [](const collected& c) { return c.lines.size() >= 4; }));
  ssc.stop(true, true);
  auto expected = first;
  expected.insert(expected.end(), second.begin(), second.end());
  REQUIRE(out.get().lines == expected);
  REQUIRE(recycled_values == first);
  REQUIRE(store_emptied);
}

TEST_CASE("dstream.receiver.max_rate limits how fast a receiver stores") {
  auto ssc = ds::streaming_context(
      ds::conf().master("local[2]").set("dstream.receiver.max_rate", "1000").set("dstream.block_interval", "10ms"), 50ms);
  std::atomic<bool> done{false};
  std::chrono::steady_clock::duration took{};
  auto script = [&](scripted_receiver& r, int) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 300 && !r.is_stopped(); ++i) r.store(std::to_string(i));
    took = std::chrono::steady_clock::now() - start;
    done = true;
    while (!r.is_stopped()) std::this_thread::sleep_for(1ms);
  };
  guarded<collected> out;
  collect_lines(ssc.receiver_stream(std::unique_ptr<ds::receiver<std::string>>(new scripted_receiver(script, false))),
                out);
  ssc.start();
  REQUIRE(out.wait_for(20s, [](const collected& c) { return c.lines.size() >= 300; }));
  ssc.stop(true, true);
  REQUIRE(done);
  // 300 records at 1000 a second, starting with an empty bucket: at least about 0.3 s.
  REQUIRE(took >= 250ms);
  REQUIRE(out.get().lines.size() == 300);
}

namespace {

/// Stores "0", "1", … one at a time up to `n` or until stopped, counting each store
/// that returned.
scripted_receiver::script_fn store_numbers(int n, std::atomic<int>& stored) {
  return [n, &stored](scripted_receiver& r, int) {
    for (int i = 0; i < n && !r.is_stopped(); ++i) {
      try {
        r.store(std::to_string(i));
      } catch (const std::logic_error&) {
        return;  // stopped
      }
      ++stored;
    }
    while (!r.is_stopped()) std::this_thread::sleep_for(1ms);
  };
}

/// A context whose receivers hold at most `max_pending` records not yet in a batch.
ds::conf bounded_conf(const char* max_pending) {
  return ds::conf().app_name("sources").master("local[2]").set("dstream.receiver.max_pending", max_pending);
}

/// A receiver stream of `store_numbers(n, stored)`, its lines collected into `out`.
void collect_numbers(ds::streaming_context& ssc, int n, std::atomic<int>& stored, guarded<collected>& out) {
  collect_lines(
      ssc.receiver_stream(std::unique_ptr<ds::receiver<std::string>>(new scripted_receiver(store_numbers(n, stored), false))),
      out);
}

std::vector<std::string> numbers(int n) {
  std::vector<std::string> v;
  for (int i = 0; i < n; ++i) v.push_back(std::to_string(i));
  return v;
}

/// On the manual clock with a bound of room for 100 of `store_numbers`' records: before
/// any batch the receiver is held at the bound, and each batch makes room for exactly as
/// many records as it took.
void expect_held_at_100(ds::conf conf) {
  auto ssc = ds::streaming_context(conf.set("dstream.streaming.clock", "manual"), 1s);
  std::atomic<int> stored{0};
  guarded<collected> out;
  collect_numbers(ssc, 1000, stored, out);
  ssc.start();
  REQUIRE(stream_test::eventually(10s, [&] { return stored.load() == 100; }));
  run_batch(ssc, 1000, 1000);
  REQUIRE(out.get().lines == numbers(100));
  REQUIRE(stream_test::eventually(10s, [&] { return stored.load() == 200; }));
  run_batch(ssc, 1000, 2000);
  REQUIRE(out.get().lines == numbers(200));
  REQUIRE(stream_test::eventually(10s, [&] { return stored.load() == 300; }));
  ssc.stop();  // the waiting receiver is let through and then sees the stop
}

}  // namespace

TEST_CASE("dstream.receiver.max_pending makes store() wait until a batch takes the records") {
  expect_held_at_100(bounded_conf("100"));
}

TEST_CASE("a graceful stop lets a receiver waiting for room through and processes what it stored") {
  auto ssc = ds::streaming_context(bounded_conf("10").set("dstream.block_interval", "10ms"), 50ms);
  std::atomic<int> stored{0};
  guarded<collected> out;
  collect_numbers(ssc, 10'000'000, stored, out);
  ssc.start();
  REQUIRE(out.wait_for(10s, [](const collected& c) { return c.lines.size() >= 50; }));
  ssc.stop(true, true);
  const int n = stored.load();
  CAPTURE(n);
  REQUIRE(n < 10'000'000);
  REQUIRE(out.get().lines == numbers(n));
}

TEST_CASE("dstream.backpressure.max_bytes bounds the bytes held until their batch completed") {
  // Each record ("0" … "999", held inline) counts as one std::string: room for 100,
  // freed when the batch that took them completed.
  const std::size_t each = ds::detail::record_bytes(std::string("0"));
  expect_held_at_100(
      ds::conf().app_name("sources").master("local[2]").set("dstream.backpressure.max_bytes", std::to_string(100 * each)));
}

TEST_CASE("dstream.backpressure.enabled=false lifts the byte bound") {
  auto conf = ds::conf()
                  .app_name("sources")
                  .master("local[2]")
                  .set("dstream.streaming.clock", "manual")
                  .set("dstream.backpressure.enabled", "false")
                  .set("dstream.backpressure.max_bytes", "64");
  auto ssc = ds::streaming_context(conf, 1s);
  std::atomic<int> stored{0};
  guarded<collected> out;
  collect_numbers(ssc, 1000, stored, out);
  ssc.start();
  REQUIRE(stream_test::eventually(10s, [&] { return stored.load() == 1000; }));
  run_batch(ssc, 1000, 1000);
  REQUIRE(out.get().lines == numbers(1000));
  ssc.stop();
}

TEST_CASE("dstream.backpressure settings are checked") {
  auto with = [](const char* key, const char* value) {
    return ds::conf().app_name("sources").master("local[2]").set(key, value);
  };
  REQUIRE_THROWS_WITH(ds::streaming_context(with("dstream.backpressure.enabled", "yes"), 1s),
                      Contains("dstream.backpressure.enabled") && Contains("true or false"));
  REQUIRE_THROWS_WITH(ds::streaming_context(with("dstream.backpressure.max_bytes", "-1"), 1s),
                      Contains("dstream.backpressure.max_bytes"));
  REQUIRE_THROWS_WITH(ds::streaming_context(with("dstream.backpressure.pid.min_rate", "-3"), 1s),
                      Contains("dstream.backpressure.pid.min_rate"));
  REQUIRE_THROWS_WITH(ds::streaming_context(with("dstream.backpresure.enabled", "true"), 1s),
                      Contains("did you mean \"dstream.backpressure.enabled\""));
}

TEST_CASE("dstream.receiver.max_pending must be a whole number >= 0") {
  // Checked when the context is built, with every other setting.
  for (const char* bad : {"-5", "2.5", "many", "1e30"}) {
    REQUIRE_THROWS_WITH(ds::streaming_context(bounded_conf(bad), 1s),
                        Contains("dstream.receiver.max_pending") && Contains(bad));
  }
}

TEST_CASE("receiver_stream rejects a null receiver") {
  auto ssc = fast_context();
  REQUIRE_THROWS_AS(ssc.receiver_stream(std::unique_ptr<ds::receiver<int>>()), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------

TEST_CASE("text_file_stream reads each file moved into the directory once") {
  stream_test::temp_dir tmp;
  const fs::path dir = tmp.path() / "incoming";
  const fs::path staging = tmp.path() / "staging";
  fs::create_directories(dir);
  fs::create_directories(staging);
  write_file(dir / "before.txt", "old line\n");

  auto ssc = manual_context();
  recording_listener listener;
  ssc.add_listener(listener);
  guarded<std::vector<std::vector<std::string>>> batches;
  ssc.text_file_stream(dir.string()) | ds::foreach_rdd([&](ds::rdd<std::string>& r) {
    auto v = r | ds::collect();
    std::sort(v.begin(), v.end());
    batches.update([&](auto& b) { b.push_back(v); });
  });
  ssc.start();
  std::int64_t t = 0;
  auto next_batch = [&] {
    t += 1000;
    run_batch(ssc, 1000, t);
    return batches.get().back();
  };
  auto move_in = [&](const std::string& name, const std::string& text) {
    write_file(staging / name, text);
    fs::rename(staging / name, dir / name);
  };

  REQUIRE(next_batch().empty());  // the file present at start is not read

  SECTION("five files, one a batch") {
    for (int i = 0; i < 5; ++i) {
      const std::string f = "f" + std::to_string(i);
      move_in(f + ".txt", f + " a\n" + f + " b\r\n");
      REQUIRE(next_batch() == std::vector<std::string>{f + " a", f + " b"});
    }
  }
  SECTION("five files in one batch") {
    for (int i = 0; i < 5; ++i) move_in("g" + std::to_string(i), "g" + std::to_string(i) + "\n");
    REQUIRE(next_batch() == std::vector<std::string>{"g0", "g1", "g2", "g3", "g4"});
  }
  SECTION("hidden and _ files are ignored") {
    move_in(".hidden", "hidden\n");
    move_in("_partial", "partial\n");
    move_in("seen.txt", "seen\n");
    REQUIRE(next_batch() == std::vector<std::string>{"seen"});
  }
  SECTION("a file written in two steps and moved in is read whole") {
    {
      std::ofstream half(staging / "half.txt", std::ios::binary);
      half << "first\n" << std::flush;
      REQUIRE(next_batch().empty());
      half << "second";  // no newline at the end
    }
    fs::rename(staging / "half.txt", dir / "half.txt");
    REQUIRE(next_batch() == std::vector<std::string>{"first", "second"});
  }
  // Nothing is read twice.
  REQUIRE(next_batch().empty());
  REQUIRE(next_batch().empty());
  ssc.stop();
  std::int64_t lines = 0;
  for (const auto& b : batches.get()) lines += static_cast<std::int64_t>(b.size());
  REQUIRE(records_of(listener) == lines);
}

TEST_CASE("text_file_stream reads a file in splits at line boundaries, one partition each") {
  // Empty lines, lines of every length up to 12, and a last line without a newline.
  std::string text;
  std::vector<std::string> expected;
  for (int i = 0; i < 40; ++i) {
    expected.emplace_back(static_cast<std::size_t>(i % 13), static_cast<char>('a' + i % 26));
    text += expected.back() + "\n";
  }
  expected.emplace_back("last, without a newline");
  text += expected.back();
  for (std::size_t split : {std::size_t(1), std::size_t(2), std::size_t(7), std::size_t(13), std::size_t(64),
                            text.size() - 1, text.size(), text.size() + 5}) {
    CAPTURE(split);
    stream_test::temp_dir tmp;
    auto ssc = ds::streaming_context(ds::conf()
                                         .app_name("splits")
                                         .master("local[2]")
                                         .set("dstream.streaming.clock", "manual")
                                         .set("dstream.text.split_bytes", std::to_string(split)),
                                     1s);
    guarded<std::pair<std::size_t, std::vector<std::string>>> seen;
    ssc.text_file_stream(tmp.path().string()) | ds::foreach_rdd([&](ds::rdd<std::string>& r) {
      auto lines = r | ds::collect();
      seen.update([&](auto& v) {
        v.first += r.num_partitions();
        v.second.insert(v.second.end(), lines.begin(), lines.end());
      });
    });
    ssc.start();
    write_file(tmp.path() / "big.txt", text);
    run_batch(ssc, 1000, 1000);
    ssc.stop();
    REQUIRE(seen.get().second == expected);
    REQUIRE(seen.get().first == (text.size() + split - 1) / split);
  }
}

TEST_CASE("text_file_stream on a directory that does not exist throws std::invalid_argument naming it") {
  auto ssc = manual_context();
  REQUIRE_THROWS_AS(ssc.text_file_stream("/nonexistent/dstream-test-dir"), std::invalid_argument);
  REQUIRE_THROWS_WITH(ssc.text_file_stream("/nonexistent/dstream-test-dir"), Contains("/nonexistent/dstream-test-dir"));
}
