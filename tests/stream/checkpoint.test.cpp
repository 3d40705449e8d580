// Checkpoints, recovery and the receiver's write-ahead log, on the manual clock: how
// often checkpoints are written and how many are kept, unusable checkpoint directories,
// corrupt checkpoints (the previous one is used and the bad file named), get_or_create
// continuing stateful streams exactly where they were, and records a receiver logged but
// never processed coming back exactly once after a restart.

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
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
using stream_test::temp_dir;
namespace fs = std::filesystem;

namespace {

using SI = std::pair<std::string, int>;
using SL = std::pair<std::string, std::int64_t>;

auto sum_update = [](std::span<const int> vs, std::optional<int> s) -> std::optional<int> {
  return s.value_or(0) + std::accumulate(vs.begin(), vs.end(), 0);
};

/// A conf on the manual clock, checkpointing after every `interval` when given.
ds::conf manual_conf(const std::string& interval = "") {
  auto c = ds::conf().app_name("checkpoint tests").master("local[2]").set("dstream.streaming.clock", "manual");
  if (!interval.empty()) c.set("dstream.checkpoint.interval", interval);
  return c;
}

std::vector<std::int64_t> checkpoint_times(const fs::path& dir) {
  std::vector<std::int64_t> out;
  for (auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("checkpoint-", 0) == 0) out.push_back(std::stoll(name.substr(11)));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

/// Text files moved atomically into a directory a text_file_stream watches.
class file_feed {
 public:
  explicit file_feed(const fs::path& root) : incoming_(root / "incoming"), staging_(root / "staging") {
    fs::create_directories(incoming_);
    fs::create_directories(staging_);
  }
  void move_in(const std::string& name, const std::string& text) {
    write_file(staging_ / name, text);
    fs::rename(staging_ / name, incoming_ / name);
  }
  const fs::path& incoming() const noexcept { return incoming_; }

 private:
  fs::path incoming_, staging_;
};

/// Replaces std::cerr's buffer while alive, to read what the library reports.
class cerr_capture {
 public:
  cerr_capture() : old_(std::cerr.rdbuf(buf_.rdbuf())) {}
  ~cerr_capture() { std::cerr.rdbuf(old_); }
  cerr_capture(const cerr_capture&) = delete;
  cerr_capture& operator=(const cerr_capture&) = delete;
  std::string text() const { return buf_.str(); }

 private:
  std::ostringstream buf_;
  std::streambuf* old_;
};

/// Advances a (possibly just recovered) context's manual clock to `time_ms` and waits
/// for that batch.
void run_until(ds::streaming_context& ssc, std::int64_t time_ms) {
  ds::manual_clock* clock = ssc.test_clock();
  REQUIRE(clock != nullptr);
  clock->set_time(time_ms);
  if (!ssc.wait_for_batch(ds::batch_time(time_ms), 20s))
    throw std::runtime_error("batch " + std::to_string(time_ms) + " ms did not complete");
}

/// Pairs as text, for readable failures.
std::string show(const std::vector<SI>& v) {
  std::string out;
  for (const auto& [k, n] : v) out += "(" + k + "," + std::to_string(n) + ")";
  return out;
}

template <class T>
std::vector<T> sorted(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// ---- a word-count pipeline over a directory, with every kind of state ----------------------

/// What the outputs of one batch saw.
struct batch_outputs {
  std::vector<SI> totals;      // update_state_by_key, named
  std::vector<SI> window;      // reduce_by_key_and_window with inverse, 3 s / 1 s
  std::vector<SI> window2;     // reduce_by_key_and_window with inverse, 4 s / 2 s (every other batch)
  std::vector<SI> counts;      // map_with_state snapshots
  std::vector<SI> naive;       // reduce_by_key_and_window without inverse, 3 s / 1 s (no state of its own)
  bool operator==(const batch_outputs&) const = default;
};
using outputs_by_time = std::map<std::int64_t, batch_outputs>;

/// Builds the pipeline; `extra` adds unnamed stateful operators first, which shifts the
/// positions of every node (the names must still find their state). Without `window2`,
/// checkpoints can fall after every batch (with it, every other batch).
ds::streaming_context word_pipeline(const fs::path& ckpt, const fs::path& input, guarded<outputs_by_time>& out,
                                    bool extra = false, bool window2 = true) {
  ds::streaming_context ssc(manual_conf("1000ms"), 1s);
  ssc.checkpoint(ckpt.string());
  auto words = ssc.text_file_stream(input.string()) |
               ds::flat_map([](const std::string& l) { return ds::split(l, ' '); }) |
               ds::filter([](std::string_view w) { return !w.empty(); }) |
               ds::map([](std::string_view w) { return SI(std::string(w), 1); });
  ds::dstream<SI> pairs = words;
  if (extra) {
    pairs | ds::map_values([](int v) { return v * 2; }) | ds::update_state_by_key(sum_update) |
        ds::foreach_rdd([](auto&) {});
  }
  auto record = [&out](std::vector<SI> batch_outputs::*field) {
    return ds::foreach_rdd([&out, field](ds::rdd<SI>& r, ds::batch_time t) {
      auto v = sorted(r | ds::collect());
      out.update([&](outputs_by_time& m) { m[t.milliseconds()].*field = std::move(v); });
    });
  };
  ds::dstream<SI> totals = pairs | ds::update_state_by_key(sum_update) | ds::named("totals");
  totals | record(&batch_outputs::totals);
  // A window over a stateful stream: after recovery it must not make the state count a
  // batch again.
  totals | ds::window(2s, 1s) | ds::foreach_rdd([](auto&) {});
  // A window without state of its own: after recovery it needs the files of batches
  // before the checkpoint again.
  pairs | ds::reduce_by_key_and_window(std::plus<>{}, 3s, 1s) | record(&batch_outputs::naive);
  pairs | ds::reduce_by_key_and_window(std::plus<>{}, std::minus<>{}, 3s, 1s) | ds::named("window") |
      record(&batch_outputs::window);
  if (window2) {
    pairs | ds::reduce_by_key_and_window(std::plus<>{}, std::minus<>{}, 4s, 2s) | ds::named("window2") |
        record(&batch_outputs::window2);
  }
  auto counts = pairs | ds::map_with_state(ds::state_spec([](const std::string&, std::optional<int> v,
                                                              ds::keyed_state<int>& st) {
                  st.update(st.get_option().value_or(0) + v.value_or(0));
                  return 0;
                }));
  counts | ds::foreach_rdd([](auto&) {});
  counts.state_snapshots() | ds::named("counts") | record(&batch_outputs::counts);
  return ssc;
}

// The words of the file moved in before batch i (1-based), or none.
const std::map<int, std::string> word_files{
    {1, "a b a\n"}, {2, "b c\n"}, {3, "a a a\nd\n"}, {5, "c\n"}, {6, "b a\n"}, {7, "e\n"}, {9, "a\n"},
};
constexpr int total_batches = 10;

void feed(file_feed& f, int batch) {
  if (auto it = word_files.find(batch); it != word_files.end()) f.move_in("f" + std::to_string(batch), it->second);
}

/// Batches `first` … `last` on the started `ssc`, each after its file was moved in.
void feed_and_run(ds::streaming_context& ssc, file_feed& files, int first, int last) {
  for (int i = first; i <= last; ++i) {
    feed(files, i);
    run_until(ssc, i * 1000);
  }
}

/// A word pipeline without its extra outputs, checkpointing into <tmp>/ckpt, fed from
/// files, its outputs recorded.
struct recovery_setup {
  temp_dir tmp;
  file_feed files{tmp.path()};
  fs::path ckpt = tmp.path() / "ckpt";
  guarded<outputs_by_time> out;

  ds::streaming_context pipeline() { return word_pipeline(ckpt, files.incoming(), out, false, false); }
  /// A first run through get_or_create: batches 1 … `last`, then a stop that does not wait.
  void first_run(int last) {
    auto ssc = ds::streaming_context::get_or_create(ckpt.string(), [this] { return pipeline(); });
    ssc.start();
    feed_and_run(ssc, files, 1, last);
    ssc.stop(true, false);
  }
};

/// Runs every batch in one context.
outputs_by_time uninterrupted_run() {
  temp_dir tmp;
  file_feed files(tmp.path());
  guarded<outputs_by_time> out;
  auto ssc = word_pipeline(tmp.path() / "ckpt", files.incoming(), out);
  ssc.start();
  feed_and_run(ssc, files, 1, total_batches);
  ssc.stop();
  return out.get();
}

// ---- a line server on 127.0.0.1 for the socket stream --------------------------------------

class loopback_server {
 public:
  loopback_server() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) throw std::runtime_error("socket() failed");
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 8) != 0)
      throw std::runtime_error("bind/listen failed");
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~loopback_server() {
    stop_ = true;
    acceptor_.join();
    ::close(listen_fd_);
    for (int fd : clients_.get()) ::close(fd);
  }
  loopback_server(const loopback_server&) = delete;
  loopback_server& operator=(const loopback_server&) = delete;

  int port() const noexcept { return port_; }

  /// Waits until `n` connections were accepted in all.
  bool wait_for_clients(std::size_t n, std::chrono::milliseconds timeout) {
    return clients_.wait_for(timeout, [&](const std::vector<int>& c) { return c.size() >= n; });
  }
  /// Sends to the newest connection.
  void send(const std::string& text) {
    const int fd = clients_.get().back();
    std::size_t done = 0;
    while (done < text.size()) {
      ssize_t w = ::send(fd, text.data() + done, text.size() - done, MSG_NOSIGNAL);
      if (w <= 0) throw std::runtime_error("send() failed");
      done += static_cast<std::size_t>(w);
    }
  }

 private:
  void accept_loop() {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) clients_.update([&](std::vector<int>& c) { c.push_back(fd); });
    }
  }

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  guarded<std::vector<int>> clients_;
  std::thread acceptor_;
};

/// The records in the receiver's log files (nullopt while one is being written).
std::optional<std::vector<std::string>> logged_records(const fs::path& log_dir) {
  std::vector<std::string> all;
  std::error_code ec;
  if (!fs::is_directory(log_dir, ec)) return all;
  for (auto& e : fs::directory_iterator(log_dir, ec)) {
    if (e.path().filename().string().rfind("block-", 0) != 0) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    try {
      auto v = ds::deserialize<std::vector<std::string>>(bytes);
      all.insert(all.end(), v.begin(), v.end());
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return sorted(all);
}

std::size_t count_block_files(const fs::path& log_dir) {
  std::size_t n = 0;
  std::error_code ec;
  if (!fs::is_directory(log_dir, ec)) return 0;
  for (auto& e : fs::directory_iterator(log_dir, ec))
    if (e.path().filename().string().rfind("block-", 0) == 0) ++n;
  return n;
}

}  // namespace

// ---- when checkpoints are written ----------------------------------------------------------

TEST_CASE("checkpoints are written every interval, at zero time first, and the newest three are kept",
          "[checkpoint]") {
  temp_dir tmp;
  const fs::path ckpt = tmp.path() / "ckpt";
  std::string interval;
  std::vector<std::int64_t> expected;
  SECTION("every batch") {
    interval = "1000ms";
    expected = {3000, 4000, 5000};
  }
  SECTION("every other batch") {
    interval = "2s";
    expected = {0, 2000, 4000};
  }
  SECTION("by default with state: every 10 s") {
    expected = {0};
  }
  ds::streaming_context ssc(manual_conf(interval), 1s);
  ssc.checkpoint(ckpt.string());
  ds::rdd_queue<SI> q;
  ssc.queue_stream(q) | ds::update_state_by_key(sum_update) | ds::foreach_rdd([](auto&) {});
  ssc.start();
  REQUIRE(checkpoint_times(ckpt) == std::vector<std::int64_t>{0});
  for (int i = 1; i <= 5; ++i) stream_test::run_batch(ssc, 1000, i * 1000);
  ssc.stop();
  REQUIRE(checkpoint_times(ckpt) == expected);
  for (auto t : expected) REQUIRE(fs::is_regular_file(ckpt / ("checkpoint-" + std::to_string(t)) / "data"));
  // Nothing half-written is left behind.
  for (auto& e : fs::directory_iterator(ckpt)) REQUIRE(e.path().filename().string().rfind(".tmp", 0) != 0);
}

TEST_CASE("checkpoints fall where every stateful operator has just run", "[checkpoint]") {
  // A 2 s slide and a 3 s slide with an interval of one batch: every 6 s.
  temp_dir tmp;
  const fs::path ckpt = tmp.path() / "ckpt";
  ds::streaming_context ssc(manual_conf("1000ms"), 1s);
  ssc.checkpoint(ckpt.string());
  ds::rdd_queue<SI> q;
  ds::dstream<SI> s = ssc.queue_stream(q);
  s | ds::reduce_by_key_and_window(std::plus<>{}, std::minus<>{}, 4s, 2s) | ds::foreach_rdd([](auto&) {});
  s | ds::window(3s, 3s) | ds::update_state_by_key(sum_update) | ds::foreach_rdd([](auto&) {});
  std::string report;
  {
    cerr_capture capture;
    ssc.start();
    report = capture.text();
  }
  CHECK_THAT(report, Contains("6000 ms"));
  for (int i = 1; i <= 7; ++i) stream_test::run_batch(ssc, 1000, i * 1000);
  ssc.stop();
  REQUIRE(checkpoint_times(ckpt) == std::vector<std::int64_t>{0, 6000});
}

TEST_CASE("a checkpoint interval that is not a multiple of the batch throws std::invalid_argument", "[checkpoint]") {
  temp_dir tmp;
  ds::streaming_context ssc(manual_conf("1500ms"), 1s);
  ssc.checkpoint((tmp.path() / "ckpt").string());
  ds::rdd_queue<SI> q;
  ssc.queue_stream(q) | ds::update_state_by_key(sum_update) | ds::foreach_rdd([](auto&) {});
  REQUIRE_THROWS_AS(ssc.start(), std::invalid_argument);
  REQUIRE_THROWS_WITH(ssc.start(), Contains("1500ms") && Contains("dstream.checkpoint.interval"));
}

TEST_CASE("an unwritable checkpoint directory fails at start, naming it", "[checkpoint]") {
  temp_dir tmp;
  const fs::path file = tmp.path() / "plain-file";
  write_file(file, "not a directory\n");
  const fs::path ckpt = file / "ckpt";
  auto ssc = stream_test::manual_context();
  ssc.checkpoint(ckpt.string());
  ds::rdd_queue<SI> q;
  ssc.queue_stream(q) | ds::update_state_by_key(sum_update) | ds::foreach_rdd([](auto&) {});
  REQUIRE_THROWS_WITH(ssc.start(), Contains(ckpt.string()));
  REQUIRE(ssc.get_state() == ds::state::initialized);
}

TEST_CASE("the receiver log needs a checkpoint directory", "[checkpoint]") {
  ds::streaming_context ssc(manual_conf().set("dstream.receiver.wal.enable", "true"), 1s);
  ssc.socket_text_stream("127.0.0.1", 9) | ds::foreach_rdd([](auto&) {});
  REQUIRE_THROWS_AS(ssc.start(), std::logic_error);
  REQUIRE_THROWS_WITH(ssc.start(), Contains("checkpoint"));
}

TEST_CASE("two stateful operators with the same name fail the checkpoint, naming it", "[checkpoint]") {
  temp_dir tmp;
  ds::streaming_context ssc(manual_conf("1000ms"), 1s);
  ssc.checkpoint((tmp.path() / "ckpt").string());
  ds::rdd_queue<SI> q;
  ds::dstream<SI> s = ssc.queue_stream(q);
  s | ds::update_state_by_key(sum_update) | ds::named("same") | ds::foreach_rdd([](auto&) {});
  s | ds::reduce_by_key_and_window(std::plus<>{}, std::minus<>{}, 2s, 1s) | ds::named("same") |
      ds::foreach_rdd([](auto&) {});
  REQUIRE_THROWS_WITH(ssc.start(), Contains("\"same\""));
}

// ---- recovery --------------------------------------------------------------------------------

TEST_CASE("get_or_create without a checkpoint builds a fresh context", "[checkpoint]") {
  temp_dir tmp;
  file_feed files(tmp.path());
  guarded<outputs_by_time> out;
  const fs::path ckpt = tmp.path() / "ckpt";
  int calls = 0;
  auto ssc = ds::streaming_context::get_or_create(ckpt.string(), [&] {
    ++calls;
    return word_pipeline(ckpt, files.incoming(), out);
  });
  REQUIRE(calls == 1);
  REQUIRE_FALSE(ssc.recovered());
}

TEST_CASE("get_or_create continues every kind of state exactly where the checkpoint left it", "[checkpoint]") {
  const outputs_by_time reference = uninterrupted_run();
  REQUIRE(reference.size() == total_batches);
  // Sanity: the reference itself is what the words say.
  REQUIRE(reference.at(10000).totals == std::vector<SI>{{"a", 7}, {"b", 3}, {"c", 2}, {"d", 1}, {"e", 1}});
  REQUIRE(reference.at(10000).counts == reference.at(10000).totals);
  REQUIRE(reference.at(4000).window == std::vector<SI>{{"a", 3}, {"b", 1}, {"c", 1}, {"d", 1}});
  REQUIRE(reference.at(4000).window2 == std::vector<SI>{{"a", 5}, {"b", 2}, {"c", 1}, {"d", 1}});
  REQUIRE(reference.at(4000).naive == reference.at(4000).window);

  temp_dir tmp;
  file_feed files(tmp.path());
  const fs::path ckpt = tmp.path() / "ckpt";
  guarded<outputs_by_time> out;
  int stop_after = 4;
  bool extra = false;
  SECTION("stopped after an even batch") { stop_after = 4; }
  SECTION("stopped after an odd batch (between two slides of the 2 s window)") { stop_after = 3; }
  SECTION("stopped after the first batch") { stop_after = 1; }
  SECTION("the graph gained unnamed stateful operators: the names find their state") {
    stop_after = 4;
    extra = true;
  }
  {
    auto ssc = ds::streaming_context::get_or_create(ckpt.string(),
                                                    [&] { return word_pipeline(ckpt, files.incoming(), out); });
    REQUIRE_FALSE(ssc.recovered());
    ssc.start();
    feed_and_run(ssc, files, 1, stop_after);
    ssc.stop(true, false);
  }
  // Checkpoints fall every other batch (the 2 s window): the recovered context starts at
  // the batch after the newest one, and batches after it that ran before the stop run again.
  const std::int64_t newest = checkpoint_times(ckpt).back();
  REQUIRE(newest == (stop_after / 2) * 2000);
  {
    int calls = 0;
    auto ssc = ds::streaming_context::get_or_create(ckpt.string(), [&] {
      ++calls;
      return word_pipeline(ckpt, files.incoming(), out, extra);
    });
    REQUIRE(calls == 1);
    REQUIRE(ssc.recovered());
    ssc.start();
    for (int i = static_cast<int>(newest / 1000) + 1; i <= total_batches; ++i) {
      if (i > stop_after) feed(files, i);
      run_until(ssc, i * 1000);
    }
    ssc.stop();
  }
  const outputs_by_time got = out.get();
  for (int i = 1; i <= total_batches; ++i) {
    INFO("batch at " << i * 1000 << " ms, stopped after batch " << stop_after);
    REQUIRE(got.count(i * 1000) == 1);
    const batch_outputs& g = got.at(i * 1000);
    const batch_outputs& r = reference.at(i * 1000);
    CHECK(show(g.totals) == show(r.totals));
    CHECK(show(g.window) == show(r.window));
    CHECK(show(g.window2) == show(r.window2));
    CHECK(show(g.counts) == show(r.counts));
    CHECK(show(g.naive) == show(r.naive));
  }
}

TEST_CASE("batches generated after the last checkpoint run again at their times with the same files",
          "[checkpoint]") {
  temp_dir tmp;
  file_feed files(tmp.path());
  const fs::path ckpt = tmp.path() / "ckpt";
  using lines_by_time = std::map<std::int64_t, std::vector<std::string>>;
  guarded<lines_by_time> out;
  // Checkpoints every 3 batches: after batch 3, batches 4 and 5 are only recorded as generated.
  auto factory = [&] {
    ds::streaming_context ssc(manual_conf("3000ms"), 1s);
    ssc.checkpoint(ckpt.string());
    ssc.text_file_stream(files.incoming().string()) | ds::foreach_rdd([&](ds::rdd<std::string>& r, ds::batch_time t) {
      auto v = r | ds::collect();
      std::sort(v.begin(), v.end());
      out.update([&](lines_by_time& m) { m[t.milliseconds()] = v; });
    });
    return ssc;
  };
  auto file_of = [](int batch) { return "f" + std::to_string(batch); };
  {
    auto ssc = ds::streaming_context::get_or_create(ckpt.string(), factory);
    ssc.start();
    for (int i = 1; i <= 5; ++i) {
      files.move_in(file_of(i), file_of(i) + "\n");
      run_until(ssc, i * 1000);
    }
    ssc.stop(true, false);  // as a crash: no checkpoint after batch 5
  }
  REQUIRE(checkpoint_times(ckpt).back() == 3000);
  out.update([](lines_by_time& m) { m.clear(); });
  {
    auto ssc = ds::streaming_context::get_or_create(ckpt.string(), factory);
    REQUIRE(ssc.recovered());
    ssc.start();
    run_until(ssc, 5000);
    files.move_in(file_of(6), file_of(6) + "\n");
    run_until(ssc, 6000);
    ssc.stop();
  }
  // Each file in its own batch, as before the restart: never two batches' files in one.
  REQUIRE(out.get() == lines_by_time{{4000, {"f4"}}, {5000, {"f5"}}, {6000, {"f6"}}});
}

TEST_CASE("a corrupt newest checkpoint is reported by path and the previous one is used", "[checkpoint]") {
  recovery_setup setup;
  auto& [tmp, files, ckpt, out] = setup;
  auto factory = [&setup] { return setup.pipeline(); };
  setup.first_run(3);
  const outputs_by_time before = out.get();
  REQUIRE(checkpoint_times(ckpt) == std::vector<std::int64_t>{1000, 2000, 3000});
  const fs::path newest = ckpt / "checkpoint-3000" / "data";
  std::string bytes;
  {
    std::ifstream in(newest, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  REQUIRE(bytes.size() > 64);
  SECTION("truncated") { write_file(newest, bytes.substr(0, bytes.size() / 2)); }
  SECTION("one byte flipped") {
    bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x20);
    write_file(newest, bytes);
  }
  SECTION("emptied") { write_file(newest, ""); }
  SECTION("the data file is gone") { fs::remove(newest); }
  // The file of batch 3 is taken away: the batch at 3000 then runs on the state of the
  // checkpoint after 2000 alone, which its output shows.
  fs::remove(files.incoming() / "f3");
  out.update([](outputs_by_time& m) { m.clear(); });
  std::string report;
  std::optional<ds::streaming_context> ssc;
  {
    cerr_capture capture;
    ssc.emplace(ds::streaming_context::get_or_create(ckpt.string(), factory));
    report = capture.text();
  }
  REQUIRE(ssc->recovered());
  CHECK_THAT(report, Contains(newest.string()));
  ssc->start();
  run_until(*ssc, 3000);  // the first batch after the checkpoint of 2000
  ssc->stop();
  const outputs_by_time got = out.get();
  REQUIRE(got.count(3000) == 1);
  CHECK(show(got.at(3000).totals) == show(before.at(2000).totals));
  CHECK(show(got.at(3000).counts) == show(before.at(2000).counts));
}

TEST_CASE("when every checkpoint is unusable, get_or_create throws naming each and keeps them", "[checkpoint]") {
  recovery_setup setup;
  auto& [tmp, files, ckpt, out] = setup;
  auto factory = [&setup] { return setup.pipeline(); };
  setup.first_run(1);
  const auto times = checkpoint_times(ckpt);
  REQUIRE(times == std::vector<std::int64_t>{0, 1000});
  for (auto t : times) write_file(ckpt / ("checkpoint-" + std::to_string(t)) / "data", "garbage");
  std::string message;
  try {
    ds::streaming_context::get_or_create(ckpt.string(), factory);
  } catch (const std::runtime_error& e) {
    message = e.what();
  }
  CHECK_THAT(message, Contains(ckpt.string()) && Contains("cannot be recovered"));
  for (auto t : times) CHECK_THAT(message, Contains((ckpt / ("checkpoint-" + std::to_string(t)) / "data").string()));
  // The evidence stays, and a second attempt fails the same way.
  REQUIRE(checkpoint_times(ckpt) == times);
  REQUIRE_THROWS_AS(ds::streaming_context::get_or_create(ckpt.string(), factory), std::runtime_error);
}

TEST_CASE("a corrupt newer checkpoint is renamed aside, never deleted", "[checkpoint]") {
  recovery_setup setup;
  auto& [tmp, files, ckpt, out] = setup;
  auto factory = [&setup] { return setup.pipeline(); };
  setup.first_run(2);
  REQUIRE(checkpoint_times(ckpt) == std::vector<std::int64_t>{0, 1000, 2000});
  write_file(ckpt / "checkpoint-2000" / "data", "garbage");
  {
    cerr_capture capture;
    auto ssc = ds::streaming_context::get_or_create(ckpt.string(), factory);
    REQUIRE(ssc.recovered());
    CHECK_THAT(capture.text(), Contains("corrupt-checkpoint-2000"));
  }
  REQUIRE(checkpoint_times(ckpt) == std::vector<std::int64_t>{0, 1000});
  REQUIRE(read_file(ckpt / "corrupt-checkpoint-2000" / "data") == "garbage");
}

TEST_CASE("a checkpoint write that fails leaves nothing behind, so the next one can succeed", "[checkpoint]") {
  stream_test::temp_dir tmp;
  const fs::path mnt = tmp.path() / "small";
  fs::create_directories(mnt);
  const std::string cmd = "mount -t tmpfs -o size=256k tmpfs '" + mnt.string() + "' 2>/dev/null";
  if (std::system(cmd.c_str()) != 0) {
    WARN("skipped: mounting a small tmpfs was refused here (needs root)");
    return;
  }
  struct unmount {
    std::string at;
    ~unmount() { (void)std::system(("umount '" + at + "'").c_str()); }
  } guard{mnt.string()};
  ds::detail::checkpoint_data big;
  big.states["s"] = std::string(400 * 1024, 'x');  // more than the disk holds
  REQUIRE_THROWS(ds::detail::write_checkpoint(mnt, big));
  for (auto& e : fs::directory_iterator(mnt)) FAIL("left behind: " << e.path());
  ds::detail::checkpoint_data small;
  small.time_ms = 1000;
  small.states["s"] = std::string(100 * 1024, 'y');  // fits only if the failed write's space came back
  REQUIRE_NOTHROW(ds::detail::write_checkpoint(mnt, small));
  REQUIRE(fs::exists(mnt / "checkpoint-1000" / "data"));
}

TEST_CASE("start-up removes what a writer that died left in the checkpoint directory", "[checkpoint]") {
  stream_test::temp_dir tmp;
  const fs::path dir = tmp.path() / "ckpt";
  fs::create_directories(dir / ".tmp-checkpoint-5000-99999");
  write_file(dir / ".tmp-checkpoint-5000-99999" / "data", "half");
  write_file(dir / ".probe-99999", "ok");
  auto ssc = stream_test::manual_context();
  ssc.checkpoint(dir.string());
  ds::rdd_queue<int> q;
  ssc.queue_stream(q) | ds::foreach_rdd([](ds::rdd<int>&) {});
  ssc.start();
  ssc.stop();
  REQUIRE_FALSE(fs::exists(dir / ".tmp-checkpoint-5000-99999"));
  REQUIRE_FALSE(fs::exists(dir / ".probe-99999"));
  REQUIRE(fs::exists(dir / "checkpoint-0"));
}

TEST_CASE("a checkpoint written with another batch duration is refused at start", "[checkpoint]") {
  temp_dir tmp;
  const fs::path ckpt = tmp.path() / "ckpt";
  auto build = [&](ds::duration batch) {
    ds::streaming_context ssc(manual_conf(), batch);
    ssc.checkpoint(ckpt.string());
    ds::rdd_queue<SI> q;
    ssc.queue_stream(q) | ds::update_state_by_key(sum_update) | ds::foreach_rdd([](auto&) {});
    return ssc;
  };
  {
    auto ssc = ds::streaming_context::get_or_create(ckpt.string(), [&] { return build(1s); });
    ssc.start();
    ssc.stop();
  }
  auto ssc = ds::streaming_context::get_or_create(ckpt.string(), [&] { return build(2s); });
  REQUIRE(ssc.recovered());
  REQUIRE_THROWS_WITH(ssc.start(), Contains("batch"));
}

// ---- the receiver's write-ahead log -------------------------------------------------------------

TEST_CASE("records a receiver logged but never processed come back once after a restart", "[checkpoint][wal]") {
  loopback_server server;
  temp_dir tmp;
  const fs::path ckpt = tmp.path() / "ckpt";
  const fs::path log_dir = ckpt / "receivedData" / "0";
  guarded<std::map<std::int64_t, std::vector<std::string>>> out;
  auto factory = [&] {
    ds::streaming_context ssc(manual_conf("1000ms")
                                  .set("dstream.receiver.wal.enable", "true")
                                  .set("dstream.block_interval", "20ms")
                                  .set("dstream.receiver.restart_delay", "50ms"),
                              1s);
    ssc.checkpoint(ckpt.string());
    ssc.socket_text_stream("127.0.0.1", server.port()) |
        ds::foreach_rdd([&out](ds::rdd<std::string>& r, ds::batch_time t) {
          auto v = r | ds::collect();
          out.update([&](auto& m) { m[t.milliseconds()] = v; });
        });
    return ssc;
  };
  const std::vector<std::string> first_lines{"one", "three", "two"};

  // A first run receives three lines and is killed before any batch runs.
  {
    auto ssc = ds::streaming_context::get_or_create(ckpt.string(), factory);
    REQUIRE_FALSE(ssc.recovered());
    ssc.start();
    REQUIRE(server.wait_for_clients(1, 10s));
    // One line at a time, each logged before the next is sent: a line that arrives after
    // a block was cut is logged within a block interval, not only when more data comes.
    std::vector<std::string> sent;
    for (std::string line : {"one", "two", "three"}) {
      server.send(line + "\n");
      sent.push_back(line);
      REQUIRE(stream_test::eventually(10s, [&] { return logged_records(log_dir) == sorted(sent); }));
    }
    REQUIRE(logged_records(log_dir) == first_lines);
    ssc.stop(false, false);
  }
  REQUIRE(out.get().empty());
  REQUIRE(count_block_files(log_dir) >= 1);

  // The restarted one processes them (and a line received afterwards) exactly once.
  {
    auto ssc = ds::streaming_context::get_or_create(ckpt.string(), factory);
    REQUIRE(ssc.recovered());
    ssc.start();
    REQUIRE(server.wait_for_clients(2, 10s));
    server.send("four\n");
    REQUIRE(stream_test::eventually(10s, [&] {
      auto r = logged_records(log_dir);
      return r && std::count(r->begin(), r->end(), "four") == 1;
    }));
    run_until(ssc, 1000);
    REQUIRE(sorted(out.get().at(1000)) == std::vector<std::string>{"four", "one", "three", "two"});
    // The batch is checkpointed: its log entries are gone.
    REQUIRE(count_block_files(log_dir) == 0);
    run_until(ssc, 2000);
    REQUIRE(out.get().at(2000).empty());
    ssc.stop(false, false);
  }

  // Nothing is replayed a second time.
  out.update([](auto& m) { m.clear(); });
  {
    auto ssc = ds::streaming_context::get_or_create(ckpt.string(), factory);
    REQUIRE(ssc.recovered());
    ssc.start();
    run_until(ssc, 3000);
    ssc.stop(false, false);
  }
  const auto last = out.get();
  REQUIRE(last.size() == 1);
  REQUIRE(last.at(3000).empty());
}

TEST_CASE("without the log, a receiver writes nothing under the checkpoint directory", "[checkpoint][wal]") {
  loopback_server server;
  temp_dir tmp;
  const fs::path ckpt = tmp.path() / "ckpt";
  guarded<std::vector<std::string>> out;
  ds::streaming_context ssc(manual_conf("1000ms").set("dstream.block_interval", "20ms"), 1s);
  ssc.checkpoint(ckpt.string());
  ssc.socket_text_stream("127.0.0.1", server.port()) | ds::foreach_rdd([&out](ds::rdd<std::string>& r) {
    auto v = r | ds::collect();
    out.update([&](auto& all) { all.insert(all.end(), v.begin(), v.end()); });
  });
  ssc.start();
  REQUIRE(server.wait_for_clients(1, 10s));
  server.send("x\n");
  // Batches run until one has taken the line.
  std::int64_t t = 0;
  REQUIRE(stream_test::eventually(10s, [&] {
    t += 1000;
    run_until(ssc, t);
    return out.get().size() == 1;
  }));
  ssc.stop();
  REQUIRE(out.get() == std::vector<std::string>{"x"});
  REQUIRE_FALSE(fs::exists(ckpt / "receivedData"));
}

TEST_CASE("a changed program does not get another operator's state: the fingerprint names what differs",
          "[checkpoint]") {
  stream_test::temp_dir tmp;
  const std::string dir = (tmp.path() / "ckpt").string();
  const std::vector<std::vector<std::pair<std::string, int>>> input{{{"a", 1}, {"b", 2}}};
  auto run_once = [&](auto build) {
    auto ssc = ds::streaming_context::get_or_create(dir, [&] {
      auto c = stream_test::manual_context();
      c.checkpoint(dir);
      build(ds::testing::detail::input_stream(c, input, 1)) | ds::foreach_rdd([](auto&) {});
      return c;
    });
    ssc.start();
    run_until(ssc, ssc.recovered() ? 2000 : 1000);
    ssc.stop();
  };
  auto counts = [](ds::dstream<std::pair<std::string, int>> s) {
    return s | ds::update_state_by_key([](std::span<const int> vs, std::optional<int> st) {
             return std::optional<int>(st.value_or(0) + static_cast<int>(vs.size()));
           });
  };
  run_once(counts);
  SECTION("the same program recovers") { REQUIRE_NOTHROW(run_once(counts)); }
  SECTION("a state type of the same size is refused, naming both") {
    auto as_float = [](ds::dstream<std::pair<std::string, int>> s) {
      return s | ds::update_state_by_key([](std::span<const int> vs, std::optional<float> st) {
               return std::optional<float>(st.value_or(0.f) + static_cast<float>(vs.size()));
             });
    };
    REQUIRE_THROWS_WITH(run_once(as_float), Contains("program changed") && Contains("state i32") &&
                                                Contains("state f32") && Contains("ds::named"));
  }
  SECTION("another kind of operator at the same place is refused") {
    auto mapped = [](ds::dstream<std::pair<std::string, int>> s) {
      return s | ds::map_with_state(ds::state_spec([](const std::string& k, std::optional<int>, ds::keyed_state<int>&) {
               return k;
             }));
    };
    REQUIRE_THROWS_WITH(run_once(mapped), Contains("ds::update_state_by_key of key string, state i32") &&
                                              Contains("ds::map_with_state"));
  }
}
