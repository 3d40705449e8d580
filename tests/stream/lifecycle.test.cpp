// The lifecycle of a streaming context: states, start and stop in any order, what may be
// added when, failures of user code, listener events, remember, masters.

// First, before any other header: a declaration that only names the library's types
// through <dstream/fwd.hpp>, as a user's header does. The full headers below must then
// define the very types declared there (a mismatch does not compile).
#include <dstream/fwd.hpp>

namespace fwd_use {
dstream::dstream<int> doubled(dstream::dstream<int>& in);
int batches_seen(const dstream::streaming_context& ssc, const dstream::batch_info& last);
}  // namespace fwd_use

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <dstream/dstream.hpp>
#include <dstream/testing.hpp>

#include "support/stream_support.hpp"

using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using stream_test::manual_context;
using stream_test::recording_listener;
using stream_test::run_batch;

namespace {

auto ignore = ds::foreach_rdd([](auto&) {});

}  // namespace

dstream::dstream<int> fwd_use::doubled(dstream::dstream<int>& in) {
  return in | ds::map([](int x) { return 2 * x; });
}
int fwd_use::batches_seen(const dstream::streaming_context&, const dstream::batch_info& last) {
  return static_cast<int>(last.time.milliseconds() / 1000);
}

TEST_CASE("functions declared with <dstream/fwd.hpp> alone take and return the library's types") {
  auto ssc = manual_context();
  ds::rdd_queue<int> q;
  auto in = ssc.queue_stream(q);
  std::vector<int> seen;
  fwd_use::doubled(in) | ds::foreach_rdd([&](const ds::rdd<int>& r) {
    for (int x : r | ds::collect()) seen.push_back(x);
  });
  q.push(ssc.context().parallelize(std::vector<int>{1, 2, 3}, 1));
  ssc.start();
  run_batch(ssc, 1000, 1000);
  ssc.stop();
  CHECK(seen == std::vector<int>{2, 4, 6});
  ds::batch_info info;
  info.time = ds::batch_time(3000);
  CHECK(fwd_use::batches_seen(ssc, info) == 3);
}

TEST_CASE("a streaming context goes from initialized to active to stopped") {
  auto ssc = manual_context();
  ds::rdd_queue<int> q;
  ssc.queue_stream(q) | ignore;
  REQUIRE(ssc.get_state() == ds::state::initialized);

  ssc.start();
  REQUIRE(ssc.get_state() == ds::state::active);

  SECTION("start twice is harmless") {
    ssc.start();
    REQUIRE(ssc.get_state() == ds::state::active);
    run_batch(ssc, 1000, 1000);
    ssc.stop();
    REQUIRE(ssc.get_state() == ds::state::stopped);
  }
  SECTION("stop twice is harmless") {
    ssc.stop();
    REQUIRE(ssc.get_state() == ds::state::stopped);
    ssc.stop();
    ssc.stop(false, true);
    REQUIRE(ssc.get_state() == ds::state::stopped);
  }
  SECTION("start after stop throws std::logic_error") {
    ssc.stop();
    REQUIRE_THROWS_AS(ssc.start(), std::logic_error);
    REQUIRE_THROWS_WITH(ssc.start(), Contains("stopped"));
    REQUIRE(ssc.get_state() == ds::state::stopped);
  }
  SECTION("await_termination returns once another thread stops the context") {
    REQUIRE_FALSE(ssc.await_termination_or_timeout(10ms));
    std::thread stopper([&] { ssc.stop(); });
    ssc.await_termination();
    stopper.join();
    REQUIRE(ssc.get_state() == ds::state::stopped);
    REQUIRE(ssc.await_termination_or_timeout(10ms));
  }
}

TEST_CASE("a graceful stop with nothing received does not wait for another batch") {
  auto ssc = manual_context(1h);
  ds::rdd_queue<int> q;
  int batches = 0;
  ssc.queue_stream(q) | ds::foreach_rdd([&](ds::rdd<int>&) { ++batches; });
  ssc.start();
  run_batch(ssc, 3'600'000, 3'600'000);
  const auto before = std::chrono::steady_clock::now();
  ssc.stop(true, true);
  // The clock stands still: waiting for the next batch would wait for the timeout.
  REQUIRE(std::chrono::steady_clock::now() - before < 5s);
  REQUIRE(batches == 1);
}

TEST_CASE("stop called from an output operation or a listener throws std::logic_error instead of waiting for itself") {
  auto ssc = manual_context();
  ds::rdd_queue<int> q;
  std::optional<std::string> from_output;
  ssc.queue_stream(q) | ds::foreach_rdd([&](ds::rdd<int>&) {
    try {
      ssc.stop();
    } catch (const std::logic_error& e) {
      from_output = e.what();
    }
  });
  struct stopping_listener : ds::streaming_listener {
    ds::streaming_context* ssc = nullptr;
    std::optional<std::string> message;
    void on_batch_completed(const ds::batch_info&) override {
      try {
        ssc->stop();
      } catch (const std::logic_error& e) {
        message = e.what();
      }
    }
  } listener;
  listener.ssc = &ssc;
  ssc.add_listener(listener);
  ssc.start();
  run_batch(ssc, 1000, 1000);
  REQUIRE(from_output.has_value());
  REQUIRE_THAT(*from_output, Contains("another thread"));
  REQUIRE(listener.message.has_value());
  REQUIRE(ssc.get_state() == ds::state::active);
  std::thread([&] { ssc.stop(); }).join();
  REQUIRE(ssc.get_state() == ds::state::stopped);
}

TEST_CASE("stop before start is allowed, and the context cannot start afterwards") {
  auto ssc = manual_context();
  ds::rdd_queue<int> q;
  ssc.queue_stream(q) | ignore;
  ssc.stop();
  REQUIRE(ssc.get_state() == ds::state::stopped);
  ssc.stop();
  REQUIRE_THROWS_AS(ssc.start(), std::logic_error);
}

TEST_CASE("stop stops the underlying context unless told not to") {
  ds::context ctx{ds::conf().app_name("lifecycle").master("local[2]").set("dstream.streaming.clock", "manual")};
  SECTION("stop(false) leaves the context usable") {
    {
      ds::streaming_context ssc(ctx, 1s);
      ds::rdd_queue<int> q;
      ssc.queue_stream(q) | ignore;
      ssc.start();
      ssc.stop(false);
    }
    REQUIRE_FALSE(ctx.stopped());
    REQUIRE((ctx.parallelize(std::vector{1, 2, 3}) | ds::count()) == 3);
  }
  SECTION("stop() stops it") {
    ds::streaming_context ssc(ctx, 1s);
    ds::rdd_queue<int> q;
    ssc.queue_stream(q) | ignore;
    ssc.start();
    ssc.stop();
    REQUIRE(ctx.stopped());
  }
}

TEST_CASE("a started context destroyed without stop stops itself") {
  ds::rdd_queue<int> q;
  int batches = 0;
  {
    auto ssc = manual_context();
    ssc.queue_stream(q) | ds::foreach_rdd([&](ds::rdd<int>&) { ++batches; });
    ssc.start();
    run_batch(ssc, 1000, 1000);
  }
  REQUIRE(batches == 1);
}

TEST_CASE("starting with no output operation throws std::logic_error naming outputs") {
  auto ssc = manual_context();
  ds::rdd_queue<int> q;
  auto s = ssc.queue_stream(q) | ds::map([](int x) { return x; });
  (void)s;
  REQUIRE_THROWS_AS(ssc.start(), std::logic_error);
  REQUIRE_THROWS_WITH(ssc.start(), Contains("output"));
  REQUIRE(ssc.get_state() == ds::state::initialized);
}

TEST_CASE("inputs, operators and outputs cannot be added once started or stopped") {
  auto ssc = manual_context();
  ds::rdd_queue<int> q;
  ds::dstream<int> s = ssc.queue_stream(q);
  ds::dstream<std::pair<int, int>> kv = s | ds::map([](int x) { return std::pair<int, int>(x, x); });
  s | ignore;
  kv | ignore;
  stream_test::temp_dir dir;

  auto check_all = [&](const std::string& why) {
    CAPTURE(why);
    SECTION("a source") {
      ds::rdd_queue<int> q2;
      REQUIRE_THROWS_AS(ssc.queue_stream(q2), std::logic_error);
      REQUIRE_THROWS_WITH(ssc.queue_stream(q2), Contains(why));
      REQUIRE_THROWS_AS(ssc.text_file_stream(dir.path().string()), std::logic_error);
      REQUIRE_THROWS_AS(ssc.socket_text_stream("localhost", 9), std::logic_error);
    }
    SECTION("an operator") {
      auto narrow = s | ds::map([](int x) { return x + 1; });
      REQUIRE_THROWS_AS(ds::dstream<int>(narrow), std::logic_error);
      REQUIRE_THROWS_WITH(ds::dstream<int>(narrow), Contains(why));
      REQUIRE_THROWS_AS(kv | ds::reduce_by_key(std::plus<>{}), std::logic_error);
      REQUIRE_THROWS_AS(kv | ds::join(kv), std::logic_error);
      REQUIRE_THROWS_AS(s | ds::repartition(3), std::logic_error);
      REQUIRE_THROWS_AS(s | ds::count(), std::logic_error);
      REQUIRE_THROWS_AS(s | ds::reduce(std::plus<>{}), std::logic_error);
      REQUIRE_THROWS_AS(s | ds::union_with(s), std::logic_error);
      REQUIRE_THROWS_AS(s | ds::transform([](ds::rdd<int> r) { return r; }), std::logic_error);
      REQUIRE_THROWS_AS(s | ds::transform_with(s, [](ds::rdd<int> a, ds::rdd<int>) { return a; }), std::logic_error);
    }
    SECTION("an output") {
      std::ostringstream os;
      REQUIRE_THROWS_AS(s | ds::pprint(10, os), std::logic_error);
      REQUIRE_THROWS_WITH(s | ds::pprint(10, os), Contains(why));
      REQUIRE_THROWS_AS(s | ignore, std::logic_error);
      REQUIRE_THROWS_AS(s | ds::map([](int x) { return x; }) | ignore, std::logic_error);
      REQUIRE_THROWS_AS(s | ds::save_as_text_files((dir.path() / "out").string()), std::logic_error);
    }
    SECTION("remember") { REQUIRE_THROWS_AS(ssc.remember(5s), std::logic_error); }
  };

  ssc.start();
  SECTION("after start") { check_all("start"); }
  SECTION("after stop") {
    ssc.stop();
    check_all("stopped");
  }
}

TEST_CASE("a user function that throws fails its batch") {
  auto ssc = manual_context();
  recording_listener listener;
  ssc.add_listener(listener);
  ds::rdd_queue<int> q;
  q.push(ssc.context().parallelize(std::vector{1, 2, 3}, 2));
  q.push(ssc.context().parallelize(std::vector{4}, 1));
  std::vector<int> seen;
  ssc.queue_stream(q) | ds::map([](int x) {
    if (x == 2) throw std::runtime_error("bad record 2");
    return x;
  }) | ds::foreach_rdd([&](ds::rdd<int>& r) {
    auto v = r | ds::collect();
    seen.insert(seen.end(), v.begin(), v.end());
  });
  ssc.start();
  run_batch(ssc, 1000, 1000);

  auto rec = listener.get();
  REQUIRE(rec.completed.size() == 1);
  REQUIRE(rec.completed[0].output_failures.size() == 1);
  REQUIRE_THAT(rec.completed[0].output_failures.at(0), Contains("bad record 2"));
  REQUIRE(rec.events[3] == "output completed 0 1000 ms failed");

  SECTION("await_termination rethrows it") {
    REQUIRE_THROWS_WITH(ssc.await_termination(), Contains("bad record 2"));
  }
  SECTION("await_termination_or_timeout rethrows it") {
    REQUIRE_THROWS_WITH(ssc.await_termination_or_timeout(5s), Contains("bad record 2"));
  }
  SECTION("the following batches still run") {
    run_batch(ssc, 1000, 2000);
    REQUIRE(seen == std::vector<int>{4});
    REQUIRE(listener.get().completed.at(1).output_failures.empty());
  }
  SECTION("every waiter hears of it, on every call, also after the stop") {
    std::vector<std::string> heard(2);
    std::vector<std::thread> waiters;
    for (std::size_t i = 0; i < heard.size(); ++i) {
      waiters.emplace_back([&, i] {
        try {
          ssc.await_termination();
        } catch (const std::exception& e) {
          heard[i] = e.what();
        }
      });
    }
    for (auto& w : waiters) w.join();
    REQUIRE_THAT(heard[0], Contains("bad record 2"));
    REQUIRE_THAT(heard[1], Contains("bad record 2"));
    ssc.stop();
    REQUIRE_THROWS_WITH(ssc.await_termination_or_timeout(1s), Contains("bad record 2"));
  }
  ssc.stop();
}

TEST_CASE("stop() from a stage running on the pool throws at once instead of waiting for itself") {
  auto ssc = manual_context();
  ds::rdd_queue<int> q;
  q.push(ssc.context().parallelize(std::vector{1, 2, 3, 4}, 2));
  std::atomic<int> refused{0};
  ssc.queue_stream(q) | ds::foreach_rdd([&](ds::rdd<int>& r) {
    r | ds::foreach([&](int) {
      try {
        ssc.stop();
      } catch (const std::logic_error& e) {
        if (std::string(e.what()).find("another thread") != std::string::npos) ++refused;
      }
    });
  });
  ssc.start();
  run_batch(ssc, 1000, 1000);
  REQUIRE(refused == 4);
  REQUIRE(ssc.get_state() == ds::state::active);
  ssc.stop();
  REQUIRE(ssc.get_state() == ds::state::stopped);
}

TEST_CASE("the failure of ds::testing::run's pipeline reaches its caller") {
  REQUIRE_THROWS_WITH(ds::testing::run(
                          std::vector<std::vector<int>>{{1}, {2}},
                          [](ds::dstream<int> s) {
                            return s | ds::map([](int x) {
                                     if (x == 2) throw std::runtime_error("two is not allowed");
                                     return x;
                                   });
                          },
                          3),
                      Contains("two is not allowed"));
}

TEST_CASE("listeners see each batch submitted, started, its outputs, completed, in order") {
  auto ssc = manual_context();
  recording_listener listener;
  ssc.add_listener(listener);
  ds::rdd_queue<int> q;
  q.push(ssc.context().parallelize(std::vector{1, 2, 3}, 2));
  auto s = ssc.queue_stream(q);
  std::ostringstream os;
  s | ds::pprint(10, os);
  s | ds::map([](int x) { return x * 2; }) | ignore;
  ssc.start();
  run_batch(ssc, 1000, 1000);
  run_batch(ssc, 1000, 2000);
  ssc.stop();

  auto rec = listener.get();
  REQUIRE(rec.events == std::vector<std::string>{
                            "submitted 1000 ms",          "started 1000 ms",
                            "output started 0 1000 ms",   "output completed 0 1000 ms",
                            "output started 1 1000 ms",   "output completed 1 1000 ms",
                            "completed 1000 ms",          "submitted 2000 ms",
                            "started 2000 ms",            "output started 0 2000 ms",
                            "output completed 0 2000 ms", "output started 1 2000 ms",
                            "output completed 1 2000 ms", "completed 2000 ms",
                        });
  REQUIRE(rec.completed.size() == 2);
  REQUIRE(rec.completed[0].time == ds::batch_time(1000));
  REQUIRE(rec.completed[0].num_records == 3);
  REQUIRE(rec.completed[1].num_records == 0);
  for (const auto& b : rec.completed) {
    REQUIRE(b.scheduling_delay.has_value());
    REQUIRE(b.processing_delay.has_value());
    REQUIRE(b.total_delay.has_value());
    REQUIRE(*b.total_delay >= *b.processing_delay);
    REQUIRE(b.output_failures.empty());
  }
}

TEST_CASE("a listener that throws does not stop the batches") {
  struct throwing : ds::streaming_listener {
    void on_batch_started(const ds::batch_info&) override { throw std::runtime_error("listener bug"); }
  } bad;
  recording_listener good;
  auto ssc = manual_context();
  ssc.add_listener(bad);
  ssc.add_listener(good);
  ds::rdd_queue<int> q;
  ssc.queue_stream(q) | ignore;
  ssc.start();
  run_batch(ssc, 1000, 1000);
  ssc.stop();
  REQUIRE(good.get().completed.size() == 1);
}

TEST_CASE("remember keeps the rdds of past batches for queries from outputs") {
  auto run = [](std::optional<ds::duration> remember) {
    auto ssc = manual_context();
    if (remember) ssc.remember(*remember);
    ds::rdd_queue<int> q;
    for (int i = 1; i <= 5; ++i) q.push(ssc.context().parallelize(std::vector{i}, 1));
    ds::dstream<int> s = ssc.queue_stream(q);
    std::optional<std::vector<int>> first_batch;
    s | ds::foreach_rdd([&, s](ds::rdd<int>&, ds::batch_time t) {
      if (t != ds::batch_time(5000)) return;
      if (auto old = s.compute(ds::batch_time(1000))) first_batch = *old | ds::collect();
    });
    ssc.start();
    for (int i = 1; i <= 5; ++i) run_batch(ssc, 1000, i * 1000);
    ssc.stop();
    return first_batch;
  };
  REQUIRE(run(5s) == std::vector<int>{1});
  // Without it the rdd of batch 1000 is gone by 5000: asked again, the input has nothing.
  REQUIRE(run(std::nullopt) == std::vector<int>{});
}

TEST_CASE("a master string that is not local, local[n] or local[*] throws std::invalid_argument naming it") {
  for (const char* bad : {"local[0]", "yarn", "local[]", "local[-1]", "spark://host:7077", ""}) {
    CAPTURE(bad);
    REQUIRE_THROWS_AS(ds::conf().master(bad), std::invalid_argument);
    REQUIRE_THROWS_WITH(ds::conf().master(bad), Contains("\"" + std::string(bad) + "\""));
  }
  REQUIRE(ds::conf().master("local").threads() == 1);
  REQUIRE(ds::conf().master("local[3]").threads() == 3);
  REQUIRE(ds::conf().master("local[*]").threads() >= 1);
  ds::streaming_context ssc(ds::conf().master("local[3]"), 1s);
  REQUIRE(ssc.context().default_parallelism() == 3);
}

TEST_CASE("a batch duration that is not positive throws std::invalid_argument") {
  REQUIRE_THROWS_AS(ds::streaming_context(ds::conf().master("local[1]"), 0ms), std::invalid_argument);
}

TEST_CASE("a window-less reduce gives no element for an empty batch, count gives 0") {
  const std::vector<std::vector<int>> input{{1, 2}, {}, {5}};
  REQUIRE(ds::testing::run(input, [](ds::dstream<int> s) { return s | ds::reduce(std::plus<>{}); }, 4) ==
          std::vector<std::vector<int>>{{3}, {}, {5}, {}});
  REQUIRE(ds::testing::run(input, [](ds::dstream<int> s) { return s | ds::count(); }, 4) ==
          std::vector<std::vector<std::int64_t>>{{2}, {0}, {1}, {0}});
}

TEST_CASE("a dstream leads back to its streaming context and its context") {
  auto ssc = manual_context(1s, "local[3]");
  ds::rdd_queue<int> q;
  auto s = ssc.queue_stream(q);
  auto view = s.streaming_context();
  REQUIRE(view.batch_duration() == 1s);
  REQUIRE(view.context().default_parallelism() == 3);
  REQUIRE(s.slide_duration() == 1s);
}

TEST_CASE("every dstream setting is checked when the context is built") {
  auto with = [](const std::string& key, const std::string& value) {
    return ds::conf().master("local[1]").set(key, value);
  };
  SECTION("a misspelt key names the nearest known one") {
    REQUIRE_THROWS_WITH(ds::streaming_context(with("dstream.reciever.max_pending", "10"), 1s),
                        Contains("dstream.reciever.max_pending") && Contains("did you mean \"dstream.receiver.max_pending\""));
  }
  SECTION("booleans are true or false") {
    REQUIRE_THROWS_WITH(ds::streaming_context(with("dstream.receiver.wal.enable", "yes"), 1s),
                        Contains("dstream.receiver.wal.enable") && Contains("true or false") && Contains("yes"));
  }
  SECTION("choices are checked") {
    REQUIRE_THROWS_WITH(ds::streaming_context(with("dstream.streaming.clock", "manul"), 1s),
                        Contains("system|manual") && Contains("manul"));
  }
  SECTION("rates are not negative") {
    REQUIRE_THROWS_WITH(ds::streaming_context(with("dstream.receiver.max_rate", "-10"), 1s),
                        Contains("dstream.receiver.max_rate") && Contains("-10"));
  }
  SECTION("durations have one syntax") {
    REQUIRE_THROWS_WITH(ds::streaming_context(with("dstream.block_interval", "-5ms"), 1s),
                        Contains("dstream.block_interval") && Contains("-5ms"));
    REQUIRE_THROWS_WITH(ds::streaming_context(with("dstream.checkpoint.interval", "ten seconds"), 1s),
                        Contains("dstream.checkpoint.interval"));
    REQUIRE_NOTHROW(ds::streaming_context(with("dstream.block_interval", "1.5s"), 1s));
    REQUIRE_NOTHROW(ds::streaming_context(with("dstream.block_interval", "250"), 1s));
  }
  SECTION("settings of other namespaces are left to their owners") {
    REQUIRE_NOTHROW(ds::streaming_context(with("myapp.anything", "x"), 1s));
  }
}

TEST_CASE("a batch that waits more than three intervals to start carries a falling-behind warning") {
  auto ssc = manual_context(20ms);
  recording_listener listener;
  ssc.add_listener(listener);
  ds::rdd_queue<int> q;
  for (int i = 0; i < 3; ++i) q.push(ssc.context().parallelize(std::vector{i}, 1));
  ssc.queue_stream(q) | ds::foreach_rdd([](ds::rdd<int>&, ds::batch_time t) {
    // The first batch takes longer than three intervals: the next one waits that long.
    if (t.milliseconds() == 20) std::this_thread::sleep_for(100ms);
  });
  ssc.start();
  ssc.test_clock()->advance(60);  // three batches due at once
  REQUIRE(ssc.wait_for_batch(ds::batch_time(60), 20s));
  ssc.stop();
  const auto done = listener.get().completed;
  REQUIRE(done.size() == 3);
  REQUIRE(done[1].warnings.size() == 1);
  REQUIRE_THAT(done[1].warnings[0], Contains("falling behind") && Contains("batch 40 ms") &&
                                        Contains("dstream.receiver.max_rate"));
}
