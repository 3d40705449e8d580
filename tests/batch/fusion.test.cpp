// Fusion, proved by counting rather than timing: an instrumented element type counts its
// constructions, copies and moves, and a replaced global operator new counts allocations
// while a switch is on. A fused stage runs each element through all its operators before
// the next one, copies nothing between operators and builds no intermediate container.
//
// The replacement operator new serves the whole test executable; it only counts while
// `counting` is set, around one action on a one-thread context.

#include <catch2/catch.hpp>

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <functional>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/hana/tuple.hpp>
#include <range/v3/view/iota.hpp>

#include <dstream/batch/shuffle.hpp>
#include <dstream/ops/zip_with_index.hpp>

#include "support/batch_support.hpp"

namespace {

std::atomic<bool> counting{false};
std::atomic<std::size_t> allocations{0};

}  // namespace

// Every unaligned form is replaced, so that each delete matches its new even when a
// sanitizer runtime brings its own operators. Not inlined: g++ would otherwise see `free`
// applied to the result of `new` at each call site and warn about a mismatch that the
// replacement makes correct.
namespace {
void* counted_malloc(std::size_t size) noexcept {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size ? size : 1);
}
}  // namespace

[[gnu::noinline]] void* operator new(std::size_t size) {
  if (void* p = counted_malloc(size)) return p;
  throw std::bad_alloc();
}
[[gnu::noinline]] void* operator new[](std::size_t size) {
  if (void* p = counted_malloc(size)) return p;
  throw std::bad_alloc();
}
[[gnu::noinline]] void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return counted_malloc(size); }
[[gnu::noinline]] void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  return counted_malloc(size);
}
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

using namespace dstream_test;

namespace {

/// The allocations made by `f()`.
template <class F>
std::size_t allocations_of(F&& f) {
  allocations = 0;
  counting = true;
  f();
  counting = false;
  return allocations.load();
}

/// An element that counts what happens to it.
struct tracked {
  static inline std::atomic<int> constructed{0};
  static inline std::atomic<int> copies{0};
  static inline std::atomic<int> moves{0};
  static inline std::atomic<int> destroyed{0};
  static void reset() {
    constructed = 0;
    copies = 0;
    moves = 0;
    destroyed = 0;
  }

  int v;
  explicit tracked(int x) : v(x) { ++constructed; }
  tracked(const tracked& o) : v(o.v) { ++copies; }
  tracked(tracked&& o) noexcept : v(o.v) { ++moves; }
  tracked& operator=(const tracked& o) {
    v = o.v;
    ++copies;
    return *this;
  }
  tracked& operator=(tracked&& o) noexcept {
    v = o.v;
    ++moves;
    return *this;
  }
  ~tracked() { ++destroyed; }
};

}  // namespace

TEST_CASE("a fused stage runs each element through every operator before the next") {
  std::vector<std::string> log;
  auto r = shared_context(1).parallelize({1, 2, 3, 4}, 1);
  auto out = r | ds::map([&](int x) {
               log.push_back(std::string("map ").append(std::to_string(x)));
               return x * 10;
             }) |
             ds::filter([&](int x) {
               log.push_back(std::string("filter ").append(std::to_string(x)));
               return x != 20;
             }) |
             ds::flat_map([&](int x) {
               log.push_back(std::string("flat_map ").append(std::to_string(x)));
               return std::vector<int>{x, x + 1};
             }) |
             ds::map([&](int x) {
               log.push_back(std::string("last ").append(std::to_string(x)));
               return x;
             }) |
             ds::collect();
  REQUIRE(out == std::vector<int>{10, 11, 30, 31, 40, 41});
  REQUIRE(log == std::vector<std::string>{"map 1",    "filter 10",  "flat_map 10", "last 10",     "last 11",
                                          "map 2",    "filter 20",  "map 3",       "filter 30",   "flat_map 30",
                                          "last 30",  "last 31",    "map 4",       "filter 40",   "flat_map 40",
                                          "last 40",  "last 41"});
}

TEST_CASE("map | filter | flat_map | map into collect copies no element and builds no intermediate container") {
  constexpr int n = 1000;
  auto& ctx = shared_context(1);
  auto in = ctx.parallelize(ranges::views::iota(0, n), 1);

  auto make = [](int x) { return tracked(x); };
  auto keep_even = [](const tracked& t) { return t.v % 2 == 0; };
  // A view of zero or one element that is the element itself: what reaches the last map
  // is a reference to the very object the first map made.
  auto self_if_multiple_of_3 = [](const tracked& t) { return std::span<const tracked>(&t, t.v % 3 == 0 ? 1 : 0); };
  auto made = in | ds::map(make);
  auto up_to_flat_map = made | ds::filter(keep_even) | ds::flat_map(self_if_multiple_of_3);
  auto stage = up_to_flat_map | ds::map([](const tracked& t) { return t.v * 10; });
  // The map's result is pushed on as a temporary, the flat_map's elements as references.
  STATIC_REQUIRE(std::is_same_v<decltype(made)::element_type, tracked>);
  STATIC_REQUIRE(std::is_same_v<decltype(up_to_flat_map)::element_type, const tracked&>);

  std::vector<int> expected;
  for (int x = 0; x < n; x += 6) expected.push_back(x * 10);

  tracked::reset();
  std::vector<int> out;
  const std::size_t fused = allocations_of([&] { out = stage | ds::collect(); });
  REQUIRE(out == expected);
  CHECK(tracked::constructed == n);
  CHECK(tracked::copies == 0);
  CHECK(tracked::moves == 0);
  CHECK(tracked::destroyed == n);

  // The same action over a one-operator stage with as many outputs allocates exactly as
  // much: the four operators added no buffer of their own.
  // Both expressions are built before counting: an expression holds a copy of its rdd.
  auto plain = ctx.parallelize(expected, 1) | ds::map([](int x) { return x; });
  std::vector<int> out2;
  const std::size_t single = allocations_of([&] { out2 = plain | ds::collect(); });
  REQUIRE(out2 == expected);
  CHECK(fused == single);
  // And that is a handful (the action's bookkeeping and the growth of the result), far
  // from one per element.
  CHECK(fused < 20);
}

TEST_CASE("elements of a vector a flat_map returns are moved on, never copied") {
  constexpr int n = 200;
  auto in = shared_context(1).parallelize(ranges::views::iota(0, n), 1);
  tracked::reset();
  auto out = in | ds::flat_map([](int x) {
               std::vector<tracked> v;
               v.reserve(2);
               v.emplace_back(x);
               v.emplace_back(-x);
               return v;
             }) |
             ds::map([](tracked&& t) { return tracked(std::move(t)); }) | ds::map([](const tracked& t) { return t.v; }) |
             ds::collect();
  REQUIRE(out.size() == 2 * n);
  REQUIRE(out[2] == 1);
  REQUIRE(out[3] == -1);
  CHECK(tracked::constructed == 2 * n);
  CHECK(tracked::copies == 0);
  CHECK(tracked::moves == 2 * n);  // the one move the middle map asks for, nothing else
}

TEST_CASE("collecting a stored rdd copies each element once") {
  constexpr int n = 300;
  std::vector<tracked> source;
  source.reserve(n);
  for (int i = 0; i < n; ++i) source.emplace_back(i);
  auto r = shared_context(1).parallelize(source, 1);
  tracked::reset();
  auto out = r | ds::collect();
  REQUIRE(out.size() == static_cast<std::size_t>(n));
  REQUIRE(out.back().v == n - 1);
  CHECK(tracked::copies == n);
  CHECK(tracked::moves == 0);
  tracked::reset();
  REQUIRE((r | ds::count()) == n);
  CHECK(tracked::copies + tracked::moves + tracked::constructed == 0);
}

TEST_CASE("reduce_by_key allocates nothing for a key it has already seen") {
  // Keys longer than the small-string buffer: building a std::string key would allocate.
  constexpr int vocabulary = 40;
  constexpr int words_per_line = 8;
  constexpr int lines = 40;
  std::vector<std::string> words;
  for (int i = 0; i < vocabulary; ++i) words.push_back(std::string("vocabulary_word_number_").append(std::to_string(100 + i)));
  std::vector<std::string> small;
  for (int l = 0; l < lines; ++l) {
    std::string line;
    for (int k = 0; k < words_per_line; ++k) {
      if (k) line += ' ';
      line += words[static_cast<std::size_t>(((l * words_per_line + k) * 7) % vocabulary)];
    }
    small.push_back(line);
  }
  // Ten times the lines, the same vocabulary, met in the same order.
  std::vector<std::string> large;
  for (int rep = 0; rep < 10; ++rep) large.insert(large.end(), small.begin(), small.end());

  auto& ctx = shared_context(1);
  auto small_rdd = ctx.parallelize(small, 1);
  auto large_rdd = ctx.parallelize(large, 1);
  auto split_words = ds::flat_map([](const std::string& l) { return ds::split(l, ' '); });

  SECTION("string_view keys: ten times the input, not one allocation more") {
    auto count_words = [&](const ds::rdd<std::string>& in, ds::rdd<std::pair<std::string, int>>& out) {
      return allocations_of([&] {
        out = in | split_words | ds::map([](std::string_view w) { return std::pair{w, 1}; }) |
              ds::reduce_by_key(std::plus<>{});
      });
    };
    ds::rdd<std::pair<std::string, int>> small_counts;
    ds::rdd<std::pair<std::string, int>> large_counts;
    const std::size_t small_allocs = count_words(small_rdd, small_counts);
    const std::size_t large_allocs = count_words(large_rdd, large_counts);
    CHECK(large_allocs == small_allocs);

    auto got = sorted(large_counts | ds::collect());
    REQUIRE(got.size() == static_cast<std::size_t>(vocabulary));
    for (const auto& [w, c] : got) REQUIRE(c == 10 * lines * words_per_line / vocabulary);
    auto got_small = sorted(small_counts | ds::collect());
    REQUIRE(got_small.size() == static_cast<std::size_t>(vocabulary));
    for (const auto& [w, c] : got_small) REQUIRE(c == lines * words_per_line / vocabulary);
  }
  SECTION("control: owned std::string keys cost one allocation per word, so the measure sees them") {
    auto count_words = [&](const ds::rdd<std::string>& in) {
      ds::rdd<std::pair<std::string, int>> out;
      const std::size_t allocs = allocations_of([&] {
        out = in | split_words | ds::map([](std::string_view w) { return std::pair{std::string(w), 1}; }) |
              ds::reduce_by_key(std::plus<>{});
      });
      REQUIRE((out | ds::count()) == vocabulary);
      return allocs;
    };
    const std::size_t small_allocs = count_words(small_rdd);
    const std::size_t large_allocs = count_words(large_rdd);
    CHECK(large_allocs - small_allocs == static_cast<std::size_t>(9 * lines * words_per_line));
  }
}

TEST_CASE("a reduce without an identity calls its function once for each element after a partition's first, in order") {
  // The kernel tests for a partition's first element only until it arrives, then goes on
  // through operators built again (detail/fusion.hpp, run_seeded): nothing may be lost,
  // doubled or reordered at the switch, whatever the filter drops first, whether the first
  // element that passes expands into several, and when a partition keeps nothing.
  auto& ctx = shared_context(1);
  auto in = ctx.parallelize(ranges::views::iota(0, 40), 4);
  std::size_t calls = 0;
  auto join = [&](std::string a, const std::string& b) {
    ++calls;
    return a.append(",").append(b);
  };
  auto keep = [](int x) { return x % 10 >= 3 && (x < 20 || x >= 30); };  // partition 2 keeps nothing
  auto got = in | ds::filter(keep) | ds::flat_map([](int x) { return std::vector<int>{x, x + 100}; }) |
             ds::map([](int x) { return std::to_string(x); }) | ds::reduce(join);
  std::string want;
  std::size_t kept = 0;
  for (int x = 0; x < 40; ++x) {
    if (!keep(x)) continue;
    for (int y : {x, x + 100}) want.append(want.empty() ? "" : ",").append(std::to_string(y));
    kept += 2;
  }
  CHECK(got == want);
  CHECK(calls == kept - 1);  // within the 3 non-empty partitions, then 2 to combine them

  calls = 0;
  auto strings = ctx.parallelize(std::vector<std::string>{"a", "b", "c", "d", "e"}, 2);
  CHECK((strings | ds::reduce(join)) == "a,b,c,d,e");  // no operator before the reduce
  CHECK(calls == 4);
  auto zipped = in | ds::zip_with_index() | ds::map([](const auto& p) { return std::to_string(p.second); });
  std::string indices = "0";
  for (int i = 1; i < 40; ++i) indices.append(",").append(std::to_string(i));
  CHECK((zipped | ds::reduce(join)) == indices);  // a numbering sink is not built again
}

TEST_CASE("a stream's keyed combine starts its maps as large as the previous batch's") {
  // What a dstream's reduce_by_key does at every batch (stream/dstream.hpp): the map-side
  // maps are reserved at the sizes the last batch left in the hint, so they do not grow
  // through a rehash at every doubling; the result is the same.
  auto& ctx = shared_context(1);
  std::vector<std::pair<int, int>> pairs;
  for (int i = 0; i < 40000; ++i) pairs.emplace_back(i % 20000, 1);  // each partition: 20,000 keys
  auto in = ctx.parallelize(pairs, 2);
  const ds::reduce_by_key_t<std::plus<>> op(std::plus<>{}, 2);
  ds::detail::combine_size_hint hint;
  auto combine = [&](ds::detail::combine_size_hint* h, std::size_t& allocs) {
    ds::detail::partitions_of<std::pair<int, int>> out;
    allocs = allocations_of([&] { out = ds::detail::combine_parts(in, boost::hana::tuple<>{}, op, 2, 0, h); });
    std::size_t keys = 0;
    for (auto& part : out)
      for (auto& [k, c] : part) keys += c == 2 ? 1 : 0;
    return keys;
  };
  std::size_t without = 0, first = 0, second = 0;
  CHECK(combine(nullptr, without) == 20000);
  CHECK(combine(&hint, first) == 20000);
  CHECK(first <= without + 1);  // an empty hint reserves nothing (the one: the sizes it keeps)
  CHECK(hint.get() == std::vector<std::size_t>{20000, 20000});
  CHECK(combine(&hint, second) == 20000);
  // Each map grew from empty through about a dozen rehashes; reserved, it allocates once.
  CAPTURE(without, first, second);
  CHECK(second + 10 <= first);
}

TEST_CASE("a reduce whose function returns one of its arguments copies an element only when it wins") {
  auto& ctx = shared_context(1);
  std::vector<tracked> values;
  for (int x : {100, 1, 2, 3, 4, 5, 6, 7, 8, 9, 5, 50, 3, 4, 6, 7, 8, 9, 10, 11}) values.emplace_back(x);
  auto in = ctx.parallelize(values, 2);  // {100, 1, ..., 9} and {5, 50, 3, ..., 11}
  auto larger = [](const tracked& a, const tracked& b) -> const tracked& { return a.v >= b.v ? a : b; };
  auto stage = in | ds::filter([](const tracked& t) { return t.v != 7; });
  tracked::reset();
  const tracked best = stage | ds::reduce(larger);
  CHECK(best.v == 100);
  // The first element of each partition, then 50 when it beats 5: three copies, where an
  // assignment at every element (and at the merge of the partitions) made nineteen.
  CHECK(tracked::copies == 3);
}
