// Flow control's parts: what a record is counted as holding, the byte budget that makes
// a receiver wait, and the rate estimator, against figures worked out by hand.
// Meant to be run under the thread sanitizer as well.

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <dstream/runtime/flow_control.hpp>

namespace ds = dstream;

namespace {

/// Waits (yielding) until `pred()` or 10 s passed; returns `pred()`.
template <class P>
bool eventually(P pred) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!pred() && std::chrono::steady_clock::now() < end) std::this_thread::yield();
  return pred();
}

}  // namespace

TEST_CASE("a record is counted as itself and what it owns on the heap") {
  using ds::detail::record_bytes;
  REQUIRE(record_bytes(42) == sizeof(int));
  REQUIRE(record_bytes(std::string("short")) == sizeof(std::string));  // held inline
  const std::string line(1000, 'x');
  REQUIRE(record_bytes(line) == sizeof(std::string) + line.capacity());
  REQUIRE(record_bytes(std::pair<std::string, int>(line, 1)) == sizeof(std::pair<std::string, int>) + line.capacity());
  REQUIRE(record_bytes(std::vector<double>(100)) == sizeof(std::vector<double>) + 100 * sizeof(double));
}

TEST_CASE("byte_budget makes acquire wait for room and lets an oversized one through alone") {
  ds::detail::byte_budget budget(100);
  budget.acquire(60);
  std::atomic<bool> got{false};
  std::thread second([&] {
    budget.acquire(60);
    got = true;
  });
  REQUIRE(eventually([&] { return budget.waiters() == 1; }));
  REQUIRE_FALSE(got.load());
  REQUIRE(budget.held() == 60);
  budget.release(60);
  second.join();
  REQUIRE(got.load());
  REQUIRE(budget.held() == 60);
  budget.release(60);
  budget.acquire(500);  // larger than the limit, but nothing else is held
  REQUIRE(budget.held() == 500);
  REQUIRE(budget.peak() == 500);
  budget.release(500);
  REQUIRE(budget.held() == 0);
}

TEST_CASE("byte_budget lets every waiter through once unbounded") {
  ds::detail::byte_budget budget(10);
  budget.acquire(10);
  std::thread waiter([&] { budget.acquire(10); });
  REQUIRE(eventually([&] { return budget.waiters() == 1; }));
  budget.unbound();
  waiter.join();
  REQUIRE(budget.held() == 20);
}

TEST_CASE("a byte_budget of 0 bounds nothing") {
  ds::detail::byte_budget budget(0);
  budget.acquire(1u << 30);
  budget.acquire(1u << 30);
  REQUIRE(budget.held() == std::size_t(2) << 30);
}

TEST_CASE("the rate estimator follows the processing rate and corrects for the backlog") {
  ds::detail::pid_rate_estimator pid(1000);  // 1 s batches; gains 1, 0.2, 0; at least 100/s
  // The first batch only sets the starting point: 1000 records in 100 ms, 10000/s.
  REQUIRE_FALSE(pid.update(1000, 1000, 100, 0).has_value());
  // 1000 records in 200 ms: 5000/s; the error of 5000 is taken off in full.
  REQUIRE(pid.update(2000, 1000, 200, 0) == Approx(5000));
  // The same rate, but the batch waited a whole interval: a batch's worth (5000) is
  // behind, of which the integral gain takes 0.2.
  REQUIRE(pid.update(3000, 1000, 200, 1000) == Approx(4000));
  // A batch of 10 records in a second is 10/s, but the estimate stays at least 100/s.
  REQUIRE(pid.update(4000, 10, 1000, 0) == Approx(100));
  REQUIRE(pid.rate() == Approx(100));
  // Nothing to learn: no records, no processing time, a time not after the last.
  REQUIRE_FALSE(pid.update(5000, 0, 100, 0).has_value());
  REQUIRE_FALSE(pid.update(5000, 100, 0, 0).has_value());
  REQUIRE_FALSE(pid.update(4000, 100, 100, 0).has_value());
}

TEST_CASE("the derivative gain reacts to the error's change per second") {
  ds::detail::pid_rate_estimator pid(1000, {1.0, 0.0, 0.5, 100});
  REQUIRE_FALSE(pid.update(1000, 1000, 100, 0).has_value());  // 10000/s
  // Error 10000 - 5000 = 5000, up from 0 in 2 s: 2500/s, of which half is taken off too.
  REQUIRE(pid.update(3000, 1000, 200, 0) == Approx(10000 - 5000 - 0.5 * 2500));
}
