// The public source interface (ds::input<T>, ssc.add_input) and the generator source
// written on it: what the context calls and when, what a checkpoint keeps, and the
// generator's deterministic batches. Manual clock throughout.

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <dstream/dstream.hpp>
#include <dstream/testing.hpp>

#include "support/stream_support.hpp"

using namespace std::chrono_literals;
using stream_test::manual_context;
using stream_test::run_batch;

namespace {

/// What an input heard from its context, in order.
struct journal {
  std::mutex m;
  std::vector<std::string> calls;
  std::optional<std::string> restored;
  void add(std::string s) {
    std::lock_guard lock(m);
    calls.push_back(std::move(s));
  }
  std::vector<std::string> get() {
    std::lock_guard lock(m);
    return calls;
  }
};

/// Batch t holds the single record t/1000; saves the last batch it gave out.
class counting_input final : public ds::input<std::int64_t> {
 public:
  explicit counting_input(journal& j) : j_(&j) {}
  std::string name() const override { return "counting input"; }
  void start(const ds::input_env& env) override {
    env_.emplace(env);
    j_->add("start zero=" + env.zero_time().to_string() + " batch=" + std::to_string(env.batch_duration().count()));
  }
  std::optional<ds::rdd<std::int64_t>> take(ds::batch_time t) override {
    j_->add("take " + t.to_string());
    last_ = t.milliseconds() / 1000;
    return env_->context().make_rdd(std::vector<std::vector<std::int64_t>>{{last_}});
  }
  std::string save(ds::batch_time done) override {
    j_->add("save " + done.to_string());
    return "through " + done.to_string();
  }
  void restore(std::string_view saved) override {
    std::lock_guard lock(j_->m);
    j_->restored = std::string(saved);
  }
  void batch_completed(ds::batch_time t, bool succeeded) override {
    j_->add("completed " + t.to_string() + (succeeded ? " ok" : " failed"));
  }

 private:
  journal* j_;
  std::optional<ds::input_env> env_;
  std::int64_t last_ = 0;
};

template <class T>
std::vector<std::vector<T>> run_generator(const std::string& master, int batches, ds::generator_options o) {
  auto ssc = manual_context(1s, master);
  std::mutex m;
  std::vector<std::vector<T>> out;
  auto s = ds::generator_stream(ssc, [](ds::batch_time t, std::int64_t i) { return t.milliseconds() * 10 + i; }, o);
  s | ds::foreach_rdd([&](ds::rdd<T>& r) {
    std::vector<T> flat;
    for (std::size_t p = 0; p < r.num_partitions(); ++p) {
      for (const T& x : r.partition(p)) flat.push_back(x);
      flat.push_back(-1);  // partition boundary
    }
    std::lock_guard lock(m);
    out.push_back(std::move(flat));
  });
  ssc.start();
  for (int i = 1; i <= batches; ++i) run_batch(ssc, 1000, i * 1000);
  ssc.stop();
  ssc.await_termination();
  return out;
}

}  // namespace

TEST_CASE("a source added with add_input is started, taken once per batch and told how each batch ended",
          "[input]") {
  journal j;
  auto ssc = manual_context();
  auto s = ssc.add_input(std::make_unique<counting_input>(j));
  stream_test::guarded<std::vector<std::int64_t>> seen;
  s | ds::foreach_rdd([&](ds::rdd<std::int64_t>& r) {
    auto v = r | ds::collect();
    seen.update([&](auto& all) { all.insert(all.end(), v.begin(), v.end()); });
    if (v == std::vector<std::int64_t>{2}) throw std::runtime_error("output fails in batch 2");
  });
  ssc.start();
  for (int i = 1; i <= 3; ++i) run_batch(ssc, 1000, i * 1000);
  ssc.stop();
  REQUIRE_THROWS_WITH(ssc.await_termination(), Catch::Matchers::Contains("batch 2"));

  REQUIRE(seen.get() == std::vector<std::int64_t>{1, 2, 3});
  REQUIRE(j.get() == std::vector<std::string>{"start zero=0 ms batch=1000", "take 1000 ms", "completed 1000 ms ok",
                                              "take 2000 ms", "completed 2000 ms failed", "take 3000 ms",
                                              "completed 3000 ms ok"});
}

TEST_CASE("a checkpoint keeps what a source saves and recovery gives it back before start", "[input]") {
  stream_test::temp_dir tmp;
  const std::string dir = (tmp.path() / "ckpt").string();
  auto build = [&](journal& j) {
    return [&] {
      auto ssc = manual_context();
      ssc.checkpoint(dir);
      ssc.add_input(std::make_unique<counting_input>(j)) | ds::foreach_rdd([](ds::rdd<std::int64_t>&) {});
      return ssc;
    };
  };
  {
    journal j;
    auto ssc = ds::streaming_context::get_or_create(dir, build(j));
    REQUIRE_FALSE(ssc.recovered());
    ssc.start();
    for (int i = 1; i <= 2; ++i) run_batch(ssc, 1000, i * 1000);
    ssc.stop();
    auto calls = j.get();
    // The first checkpoint is written at start (zero time), then one after each batch.
    REQUIRE(std::count(calls.begin(), calls.end(), "save 2000 ms") == 1);
    REQUIRE_FALSE(j.restored);
  }
  journal j2;
  auto ssc = ds::streaming_context::get_or_create(dir, build(j2));
  REQUIRE(ssc.recovered());
  ssc.start();
  ssc.stop();
  REQUIRE(j2.restored == std::optional<std::string>("through 2000 ms"));
  REQUIRE(j2.get().front().rfind("start", 0) == 0);
}

TEST_CASE("add_input refuses a null source and a source added after start", "[input]") {
  journal j;
  auto ssc = manual_context();
  REQUIRE_THROWS_AS(ssc.add_input(std::unique_ptr<counting_input>()), std::invalid_argument);
  ssc.add_input(std::make_unique<counting_input>(j)) | ds::foreach_rdd([](ds::rdd<std::int64_t>&) {});
  ssc.start();
  REQUIRE_THROWS_AS(ssc.add_input(std::make_unique<counting_input>(j)), std::logic_error);
  ssc.stop();
}

TEST_CASE("generator_stream gives f(t, i) for every index, in contiguous partitions", "[input][generator]") {
  auto out = run_generator<std::int64_t>("local[2]", 2, {.records_per_batch = 5, .partitions = 2});
  REQUIRE(out == std::vector<std::vector<std::int64_t>>{{10000, 10001, -1, 10002, 10003, 10004, -1},
                                                        {20000, 20001, -1, 20002, 20003, 20004, -1}});
}

TEST_CASE("generator_stream is deterministic whatever the thread count", "[input][generator]") {
  const ds::generator_options o{.records_per_batch = 1000, .partitions = 3};
  auto one = run_generator<std::int64_t>("local[1]", 3, o);
  auto two = run_generator<std::int64_t>("local[2]", 3, o);
  REQUIRE(one.size() == 3);
  REQUIRE(one == two);
  // Default partitions: the context's parallelism.
  auto dflt = run_generator<std::int64_t>("local[2]", 1, {.records_per_batch = 4});
  REQUIRE(std::count(dflt[0].begin(), dflt[0].end(), -1) == 2);
}

TEST_CASE("generator_stream feeds windows and stateful operators like any source", "[input][generator]") {
  stream_test::temp_dir tmp;
  auto ssc = manual_context();
  ssc.checkpoint(tmp.path().string());
  stream_test::guarded<std::vector<std::int64_t>> counts;
  auto s = ds::generator_stream(ssc, [](ds::batch_time, std::int64_t i) { return i; }, {.records_per_batch = 10});
  s | ds::count_by_window(3s, 1s) | ds::foreach_rdd([&](ds::rdd<std::int64_t>& r) {
    auto v = r | ds::collect();
    counts.update([&](auto& all) { all.insert(all.end(), v.begin(), v.end()); });
  });
  ssc.start();
  for (int i = 1; i <= 4; ++i) run_batch(ssc, 1000, i * 1000);
  ssc.stop();
  ssc.await_termination();
  REQUIRE(counts.get() == std::vector<std::int64_t>{10, 20, 30, 30});
}

namespace {

/// Reports a problem while taking every second batch.
class complaining_input final : public ds::input<int> {
 public:
  void start(const ds::input_env& env) override { env_.emplace(env); }
  std::optional<ds::rdd<int>> take(ds::batch_time t) override {
    if (t.milliseconds() % 2000 == 0) env_->report("complaining input: nothing at " + t.to_string());
    return std::nullopt;
  }

 private:
  std::optional<ds::input_env> env_;
};

}  // namespace

TEST_CASE("what an input reports while taking a batch reaches listeners with that batch", "[input]") {
  auto ssc = manual_context();
  stream_test::recording_listener listener;
  ssc.add_listener(listener);
  ssc.add_input(std::make_unique<complaining_input>()) | ds::foreach_rdd([](ds::rdd<int>&) {});
  ssc.start();
  for (int i = 1; i <= 3; ++i) run_batch(ssc, 1000, i * 1000);
  ssc.stop();
  auto done = listener.get().completed;
  REQUIRE(done.size() == 3);
  REQUIRE(done[0].input_errors.empty());
  REQUIRE(done[1].input_errors == std::vector<std::string>{"complaining input: nothing at 2000 ms"});
  REQUIRE(done[2].input_errors.empty());
}

TEST_CASE("a file that vanished before it was read is reported with its path and not tried again", "[input]") {
  stream_test::temp_dir tmp;
  const auto dir = tmp.path() / "in";
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "kept.txt") << "one\ntwo\n";
  }
  ds::detail::file_input in(dir);
  // A checkpoint said batch 2000 was to read kept.txt and gone.txt; gone.txt is gone now.
  using files_by_time = std::map<std::int64_t, std::vector<std::string>>;
  in.restore(ds::serialize(
      std::tuple(std::vector<std::string>{}, files_by_time{{2000, {"gone.txt", "kept.txt"}}}, files_by_time{})));
  ds::context ctx(ds::conf().master("local[1]"));
  ds::listener_bus bus;
  std::vector<std::string> reports;
  in.start(ds::input_env(ctx, 1000ms, ds::batch_time(0), 1000ms, "", 0, bus,
                         [&](std::string m) { reports.push_back(std::move(m)); }));
  auto r = in.take(ds::batch_time(2000));
  REQUIRE(r);
  REQUIRE((*r | ds::collect()) == std::vector<std::string>{"one", "two"});
  REQUIRE(reports.size() == 1);
  REQUIRE_THAT(reports[0], Catch::Matchers::Contains((dir / "gone.txt").string()) &&
                               Catch::Matchers::Contains("vanished") && Catch::Matchers::Contains("skipped"));
  REQUIRE_FALSE(in.take(ds::batch_time(3000)));
  REQUIRE(reports.size() == 1);
  ctx.stop();
}

TEST_CASE("lines are cut at \\n whatever the chunks, and a line over the bound is skipped and reported",
          "[input][lines]") {
  auto cut = [](const std::string& text, std::size_t chunk, std::size_t max) {
    ds::detail::line_splitter s(max);
    std::vector<std::string> lines;
    std::vector<std::string> longs;
    auto keep = [&](std::string&& l) { lines.push_back(std::move(l)); };
    auto too_long = [&](std::uint64_t bytes, std::uint64_t line) {
      longs.push_back(std::to_string(line) + ":" + std::to_string(bytes));
    };
    for (std::size_t i = 0; i < text.size(); i += chunk) {
      const char* p = text.data() + i;
      s.feed(p, p + std::min(chunk, text.size() - i), [] { return std::string(); }, keep, too_long);
    }
    s.finish(keep, too_long);
    return std::pair(lines, longs);
  };
  const std::string text = "one\r\ntwo\n" + std::string(50, 'x') + "\n\nlast";
  for (std::size_t chunk : {1, 3, 7, 64, 1000}) {
    CAPTURE(chunk);
    auto [lines, longs] = cut(text, chunk, 10);
    REQUIRE(lines == std::vector<std::string>{"one", "two", "", "last"});
    REQUIRE(longs == std::vector<std::string>{"3:50"});
    auto [all, none] = cut(text, chunk, 0);  // no bound
    REQUIRE(all.size() == 5);
    REQUIRE(none.empty());
  }
  auto [lines, longs] = cut("ok\n" + std::string(30, 'y'), 4, 10);  // the long line is the last, unended
  REQUIRE(lines == std::vector<std::string>{"ok"});
  REQUIRE(longs == std::vector<std::string>{"2:30"});
}

TEST_CASE("text_file_stream skips a line over dstream.text.max_line_bytes, naming the file and the line",
          "[input][lines]") {
  stream_test::temp_dir tmp;
  const auto dir = tmp.path() / "in";
  std::filesystem::create_directories(dir);
  ds::detail::file_input in(dir, 100);
  ds::context ctx(ds::conf().master("local[1]"));
  ds::listener_bus bus;
  std::vector<std::string> reports;
  in.start(ds::input_env(ctx, 1000ms, ds::batch_time(0), 1000ms, "", 0, bus,
                         [&](std::string m) { reports.push_back(std::move(m)); }));
  {
    std::ofstream(dir / "f.txt") << "a\n" << std::string(300, 'x') << "\nb\n";
  }
  auto r = in.take(ds::batch_time(1000));
  REQUIRE(r);
  REQUIRE((*r | ds::collect()) == std::vector<std::string>{"a", "b"});
  REQUIRE(reports.size() == 1);
  REQUIRE_THAT(reports[0], Catch::Matchers::Contains((dir / "f.txt").string()) &&
                               Catch::Matchers::Contains("line 2") && Catch::Matchers::Contains("300 bytes") &&
                               Catch::Matchers::Contains("dstream.text.max_line_bytes"));
  ctx.stop();
}
