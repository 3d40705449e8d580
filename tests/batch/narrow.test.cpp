// Narrow operators on rdds: each is checked partition by partition against a plain loop
// over Spark's slices, for every input shape (empty rdd, empty partitions, one and many
// partitions) and for ints, strings, pairs and move-only elements.

#include <catch2/catch.hpp>

#include <cstddef>
#include <memory>
#include <numeric>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <range/v3/view/iota.hpp>
#include <range/v3/view/transform.hpp>

#include "support/batch_support.hpp"

using namespace dstream_test;

namespace {

/// Runs `input(size) | op` for every shape and compares each output partition with
/// `reference(slice)`, then the collected result with the slices' results concatenated.
template <class MakeInput, class Op, class Reference>
void check_per_partition(MakeInput input, const Op& op, Reference reference) {
  for (const shape& sh : shapes()) {
    CAPTURE(sh.size, sh.slices);
    const auto in = input(sh.size);
    const auto r = shared_context().parallelize(in, sh.slices);
    const auto out = (r | op).materialize();
    const auto got = partitions_of(out);
    const auto slices = reference_slices(in, sh.slices);
    REQUIRE(got.size() == sh.slices);
    using out_t = typename decltype(out)::value_type;
    std::vector<out_t> all;
    for (std::size_t j = 0; j < slices.size(); ++j) {
      CAPTURE(j);
      std::vector<out_t> expected = reference(slices[j]);
      REQUIRE(got[j] == expected);
      all.insert(all.end(), expected.begin(), expected.end());
    }
    REQUIRE((r | op | ds::collect()) == all);
  }
}

/// The reference of an element-wise operator: `f` on each element of a slice.
template <class F>
auto each(F f) {
  return [f](const auto& slice) {
    std::vector<std::remove_cvref_t<decltype(f(slice.front()))>> out;
    for (const auto& x : slice) out.push_back(f(x));
    return out;
  };
}

/// The reference of a one-to-many operator: the elements `f` appends for each element.
template <class Out, class F>
auto expand(F f) {
  return [f](const auto& slice) {
    std::vector<Out> out;
    for (const auto& x : slice) f(x, out);
    return out;
  };
}

template <class R>
std::vector<std::string> pieces(const R& v) {
  std::vector<std::string> out;
  for (std::string_view p : v) out.emplace_back(p);
  return out;
}

using boxed = std::unique_ptr<int>;

}  // namespace

TEST_CASE("map applies f to every element and keeps the partitioning") {
  SECTION("ints") {
    auto f = [](int x) { return x * 3 + 1; };
    check_per_partition(ints, ds::map(f), each(f));
  }
  SECTION("strings") {
    auto f = [](const std::string& s) { return s + "!"; };
    check_per_partition(strings, ds::map(f), each(f));
  }
  SECTION("pairs") {
    auto f = [](const std::pair<std::string, int>& p) { return std::pair{p.second, p.first + "x"}; };
    check_per_partition(pairs, ds::map(f), each(f));
  }
  SECTION("a function returning a view gives owned elements") {
    auto view = ds::map([](const std::string& s) { return std::string_view(s).substr(0, 2); });
    using expr = decltype(shared_context().parallelize(strings(1)) | view);
    STATIC_REQUIRE(std::is_same_v<expr::element_type, std::string_view>);
    STATIC_REQUIRE(std::is_same_v<expr::value_type, std::string>);
    check_per_partition(strings, view, each([](const std::string& s) { return s.substr(0, 2); }));
  }
}

TEST_CASE("flat_map pushes every element of the range f returns") {
  SECTION("a std::vector returned by value") {
    auto f = [](int x) { return std::vector<int>(static_cast<std::size_t>(x % 3), x); };
    check_per_partition(ints, ds::flat_map(f), expand<int>([&](int x, auto& out) {
                          for (int y : f(x)) out.push_back(y);
                        }));
  }
  SECTION("a std::optional gives zero or one element") {
    auto f = [](int x) -> std::optional<int> {
      if (x % 2 == 0) return std::nullopt;
      return x * 10;
    };
    check_per_partition(ints, ds::flat_map(f), expand<int>([](int x, auto& out) {
                          if (x % 2 != 0) out.push_back(x * 10);
                        }));
  }
  SECTION("a range-v3 iota view") {
    check_per_partition(ints, ds::flat_map([](int x) { return ranges::views::iota(0, x % 4); }),
                        expand<int>([](int x, auto& out) {
                          for (int i = 0; i < x % 4; ++i) out.push_back(i);
                        }));
  }
  SECTION("a range-v3 transform view") {
    auto f = [](int x) {
      return ranges::views::iota(0, x % 3) | ranges::views::transform([x](int i) { return x * 100 + i; });
    };
    check_per_partition(ints, ds::flat_map(f), expand<int>([](int x, auto& out) {
                          for (int i = 0; i < x % 3; ++i) out.push_back(x * 100 + i);
                        }));
  }
  SECTION("a reference to a container inside the element") {
    auto input = [](std::size_t n) {
      std::vector<std::pair<int, std::vector<int>>> v;
      for (std::size_t i = 0; i < n; ++i) v.emplace_back(int(i), std::vector<int>(i % 3, int(i)));
      return v;
    };
    auto f = [](const std::pair<int, std::vector<int>>& p) -> const std::vector<int>& { return p.second; };
    check_per_partition(input, ds::flat_map(f), expand<int>([](const auto& p, auto& out) {
                          out.insert(out.end(), p.second.begin(), p.second.end());
                        }));
  }
  SECTION("ds::split over strings gives owned words") {
    auto op = ds::flat_map([](const std::string& s) { return ds::split(s, ' '); });
    using expr = decltype(shared_context().parallelize(strings(1)) | op);
    STATIC_REQUIRE(std::is_same_v<expr::value_type, std::string>);
    check_per_partition(strings, op, expand<std::string>([](const std::string& s, auto& out) {
                          for (auto& w : pieces(ds::split(s, ' '))) out.push_back(w);
                        }));
  }
  SECTION("pairs") {
    auto f = [](const std::pair<std::string, int>& p) {
      return std::vector<std::pair<std::string, int>>{{p.first, p.second}, {p.first + "'", -p.second}};
    };
    check_per_partition(pairs, ds::flat_map(f), expand<std::pair<std::string, int>>([&](const auto& p, auto& out) {
                          for (auto& q : f(p)) out.push_back(q);
                        }));
  }
}

TEST_CASE("split cuts text at every delimiter and keeps empty pieces") {
  using v = std::vector<std::string>;
  CHECK(pieces(ds::split("a b c", ' ')) == v{"a", "b", "c"});
  CHECK(pieces(ds::split("a  b", ' ')) == v{"a", "", "b"});
  CHECK(pieces(ds::split("", ' ')) == v{""});
  CHECK(pieces(ds::split("a b ", ' ')) == v{"a", "b", ""});
  CHECK(pieces(ds::split(" a", ' ')) == v{"", "a"});
  CHECK(pieces(ds::split(" ", ' ')) == v{"", ""});
  CHECK(pieces(ds::split("word", ' ')) == v{"word"});
  CHECK(pieces(ds::split("x,,y,", ',')) == v{"x", "", "y", ""});

  SECTION("pieces are views into the text, not copies") {
    const std::string text = "alpha beta  gamma";
    for (std::string_view p : ds::split(text, ' ')) {
      CHECK(p.data() >= text.data());
      CHECK(p.data() + p.size() <= text.data() + text.size());
    }
  }
  SECTION("an rdd of lines becomes an rdd of words, empty words included") {
    std::vector<std::string> lines{"a b", "", "c  d "};
    for (std::size_t slices : {1u, 2u, 8u}) {
      auto words = shared_context().parallelize(lines, slices) |
                   ds::flat_map([](const std::string& l) { return ds::split(l, ' '); }) | ds::collect();
      CHECK(words == v{"a", "b", "", "c", "", "d", ""});
    }
  }
}

TEST_CASE("split's block scan (what flat_map uses) gives the pieces its iterators give") {
  // Texts of every length up to 70 around the 16-byte blocks, delimiters at every density,
  // at the ends and in runs; each scanned inside a larger buffer, so a read past the text
  // would be seen by ASan only in the copy, and a piece is checked to point into the text.
  std::mt19937 rng(7);
  for (std::size_t n = 0; n <= 70; ++n) {
    for (int density : {0, 1, 4, 16}) {
      std::string text(n, 'a');
      for (auto& ch : text) {
        ch = static_cast<char>('a' + rng() % 26);
        if (density != 0 && static_cast<int>(rng() % 16) < density) ch = ',';
      }
      const std::string copy = text;  // exactly n bytes of heap for ASan
      const std::string_view t(copy.data(), n);
      std::vector<std::string_view> by_iterators;
      for (std::string_view p : ds::split(t, ',')) by_iterators.push_back(p);
      std::vector<std::string_view> pushed;
      ds::split(t, ',').push_each([&](std::string_view p) {
        CHECK((p.data() >= t.data() && p.data() + p.size() <= t.data() + t.size()));
        pushed.push_back(p);
      });
      REQUIRE(pushed.size() == by_iterators.size());
      for (std::size_t i = 0; i < pushed.size(); ++i) {
        CHECK(pushed[i].data() == by_iterators[i].data());
        CHECK(pushed[i].size() == by_iterators[i].size());
      }
    }
  }
}

TEST_CASE("words' block scan (what flat_map uses) gives the words its iterators give") {
  const std::string blanks = " \t\n\v\f\r";
  std::mt19937 rng(8);
  for (std::size_t n = 0; n <= 70; ++n) {
    for (int density : {0, 1, 4, 10, 16}) {
      std::string text(n, 'a');
      for (auto& ch : text) {
        ch = static_cast<char>(rng() % 3 == 0 ? 0x80 + rng() % 128 : 'a' + rng() % 26);  // bytes >= 0x80 are letters
        if (density != 0 && static_cast<int>(rng() % 16) < density) ch = blanks[rng() % blanks.size()];
      }
      const std::string copy = text;
      const std::string_view t(copy.data(), n);
      std::vector<std::string_view> by_iterators;
      for (std::string_view w : ds::words(t)) by_iterators.push_back(w);
      std::vector<std::string_view> pushed;
      ds::words(t).push_each([&](std::string_view w) { pushed.push_back(w); });
      REQUIRE(pushed.size() == by_iterators.size());
      for (std::size_t i = 0; i < pushed.size(); ++i) {
        CHECK(pushed[i].data() == by_iterators[i].data());
        CHECK(pushed[i].size() == by_iterators[i].size());
      }
    }
  }
}

TEST_CASE("words and split_by: the library's splitters for flat_map") {
  using v = std::vector<std::string>;
  CHECK(pieces(ds::words("  a b\tc\n")) == v{"a", "b", "c"});
  CHECK(pieces(ds::words("")) == v{});
  CHECK(pieces(ds::words(" \t ")) == v{});
  CHECK(pieces(ds::words("word")) == v{"word"});
  CHECK(pieces(ds::split_by(',')("x,,y")) == v{"x", "", "y"});

  SECTION("views into a lasting string, owned strings for a temporary one") {
    const std::string text = "alpha beta";
    for (std::string_view p : ds::words(text)) CHECK((p.data() >= text.data() && p.data() < text.data() + text.size()));
    STATIC_REQUIRE(std::is_same_v<decltype(ds::words(std::string("a b"))), std::vector<std::string>>);
    STATIC_REQUIRE(std::is_same_v<decltype(ds::split_by(' ')(std::string("a b"))), std::vector<std::string>>);
    CHECK(ds::words(std::string("a  b")) == v{"a", "b"});
  }
  SECTION("ds::flat_map(ds::words) and ds::flat_map(ds::split_by(' ')) on lines") {
    std::vector<std::string> lines{"a b", "", "c  d "};
    for (std::size_t slices : {1u, 2u, 8u}) {
      CHECK((shared_context().parallelize(lines, slices) | ds::flat_map(ds::words) | ds::collect()) == v{"a", "b", "c", "d"});
      CHECK((shared_context().parallelize(lines, slices) | ds::flat_map(ds::split_by(' ')) | ds::collect()) ==
            v{"a", "b", "", "c", "", "d", ""});
    }
  }
  SECTION("on temporary strings made earlier in the stage (owned pieces, no dangling)") {
    std::vector<std::string> lines{"x y", "z"};
    auto words = shared_context().parallelize(lines) | ds::map([](const std::string& l) { return l + " w"; }) |
                 ds::flat_map(ds::words) | ds::collect();
    CHECK(words == v{"x", "y", "w", "z", "w"});
  }
  SECTION("a by-value parameter is fine when the result owns its pieces") {
    std::vector<std::string> lines{"a b"};
    auto words = shared_context().parallelize(lines) | ds::flat_map([](std::string l) { return ds::words(std::move(l)); }) |
                 ds::collect();
    CHECK(words == v{"a", "b"});
  }
}

TEST_CASE("filter keeps the elements matching the predicate") {
  SECTION("ints") {
    auto p = [](int x) { return x % 2 == 1; };
    check_per_partition(ints, ds::filter(p), expand<int>([&](int x, auto& out) {
                          if (p(x)) out.push_back(x);
                        }));
  }
  SECTION("strings") {
    auto p = [](std::string_view s) { return !s.empty(); };
    check_per_partition(strings, ds::filter(p), expand<std::string>([&](const std::string& s, auto& out) {
                          if (p(s)) out.push_back(s);
                        }));
  }
  SECTION("pairs") {
    auto p = [](const std::pair<std::string, int>& kv) { return kv.second % 3 == 0; };
    check_per_partition(pairs, ds::filter(p), expand<std::pair<std::string, int>>([&](const auto& kv, auto& out) {
                          if (p(kv)) out.push_back(kv);
                        }));
  }
  SECTION("nothing matches") {
    check_per_partition(ints, ds::filter([](int) { return false; }), [](const auto&) { return std::vector<int>{}; });
  }
}

TEST_CASE("map_values and flat_map_values transform values and keep keys") {
  SECTION("map_values") {
    check_per_partition(pairs, ds::map_values([](int v) { return v * 2; }),
                        each([](const std::pair<std::string, int>& p) { return std::pair{p.first, p.second * 2}; }));
  }
  SECTION("map_values to another type") {
    check_per_partition(pairs, ds::map_values([](int v) { return std::to_string(v); }),
                        each([](const std::pair<std::string, int>& p) { return std::pair{p.first, std::to_string(p.second)}; }));
  }
  SECTION("flat_map_values with a vector") {
    check_per_partition(pairs, ds::flat_map_values([](int v) { return std::vector<int>{v, v + 100}; }),
                        expand<std::pair<std::string, int>>([](const auto& p, auto& out) {
                          out.emplace_back(p.first, p.second);
                          out.emplace_back(p.first, p.second + 100);
                        }));
  }
  SECTION("flat_map_values with an optional") {
    auto f = [](int v) -> std::optional<std::string> {
      if (v % 2) return std::nullopt;
      return std::string(static_cast<std::size_t>(v % 5), '*');
    };
    check_per_partition(pairs, ds::flat_map_values(f),
                        expand<std::pair<std::string, std::string>>([&](const auto& p, auto& out) {
                          if (auto w = f(p.second)) out.emplace_back(p.first, *w);
                        }));
  }
  SECTION("flat_map_values over string values with ds::split") {
    auto input = [](std::size_t n) {
      std::vector<std::pair<int, std::string>> v;
      for (std::size_t i = 0; i < n; ++i) v.emplace_back(int(i % 3), i % 2 ? "x y" : "z");
      return v;
    };
    check_per_partition(input, ds::flat_map_values([](const std::string& s) { return ds::split(s, ' '); }),
                        expand<std::pair<int, std::string>>([](const auto& p, auto& out) {
                          for (auto& w : pieces(ds::split(p.second, ' '))) out.emplace_back(p.first, w);
                        }));
  }
}

TEST_CASE("map_partitions calls f once per partition, empty ones included") {
  auto summary = [](std::span<const int> p) {
    return std::vector<int>{static_cast<int>(p.size()), std::accumulate(p.begin(), p.end(), 0)};
  };
  auto summary_ref = [&](const std::vector<int>& slice) { return summary(slice); };
  SECTION("as the first operator of a stage") { check_per_partition(ints, ds::map_partitions(summary), summary_ref); }
  SECTION("after another operator") {
    check_per_partition(ints, ds::map([](int x) { return x + 1; }) | ds::map_partitions(summary),
                        [&](const std::vector<int>& slice) {
                          std::vector<int> plus;
                          for (int x : slice) plus.push_back(x + 1);
                          return summary(plus);
                        });
  }
  SECTION("returning the partition itself (a span)") {
    check_per_partition(strings, ds::map_partitions([](std::span<const std::string> p) { return p; }),
                        [](const std::vector<std::string>& slice) { return slice; });
  }
  SECTION("returning a view over the partition") {
    auto f = [](std::span<const std::string> p) {
      return p | ranges::views::transform([](const std::string& s) { return s.size(); });
    };
    check_per_partition(strings, ds::map_partitions(f), each([](const std::string& s) { return s.size(); }));
  }
  SECTION("pairs") {
    auto f = [](std::span<const std::pair<std::string, int>> p) {
      std::vector<std::pair<std::size_t, int>> out{{p.size(), 0}};
      for (const auto& kv : p) out[0].second += kv.second;
      return out;
    };
    check_per_partition(pairs, ds::map_partitions(f), [&](const auto& slice) { return f(slice); });
  }
}

TEST_CASE("glom gives one vector per partition") {
  SECTION("ints, as the first operator") {
    check_per_partition(ints, ds::glom(), [](const std::vector<int>& s) { return std::vector<std::vector<int>>{s}; });
  }
  SECTION("strings, after another operator") {
    check_per_partition(strings, ds::filter([](const std::string& s) { return s.size() > 3; }) | ds::glom(),
                        [](const std::vector<std::string>& s) {
                          std::vector<std::string> kept;
                          for (const auto& x : s)
                            if (x.size() > 3) kept.push_back(x);
                          return std::vector<std::vector<std::string>>{kept};
                        });
  }
  SECTION("pairs") {
    check_per_partition(pairs, ds::glom(), [](const std::vector<std::pair<std::string, int>>& s) {
      return std::vector<std::vector<std::pair<std::string, int>>>{s};
    });
  }
  SECTION("an operator after glom sees the whole partition") {
    check_per_partition(ints, ds::glom() | ds::map([](const std::vector<int>& p) { return p.size(); }),
                        [](const std::vector<int>& s) { return std::vector<std::size_t>{s.size()}; });
  }
}

TEST_CASE("key_by pairs each element with its key") {
  SECTION("ints") {
    check_per_partition(ints, ds::key_by([](int x) { return x % 3; }), each([](int x) { return std::pair{x % 3, x}; }));
  }
  SECTION("strings") {
    check_per_partition(strings, ds::key_by([](const std::string& s) { return s.size(); }),
                        each([](const std::string& s) { return std::pair{s.size(), s}; }));
  }
  SECTION("pairs") {
    check_per_partition(pairs, ds::key_by([](const std::pair<std::string, int>& p) { return p.second; }),
                        each([](const std::pair<std::string, int>& p) { return std::pair{p.second, p}; }));
  }
}

TEST_CASE("law: map(f) | map(g) equals map(g after f)") {
  auto f = [](int x) { return x * 5 - 2; };
  auto g = [](int x) { return std::to_string(x) + "#"; };
  auto fs = [](const std::string& s) { return s.size(); };
  auto gs = [](std::size_t n) { return n * n; };
  for (const shape& sh : shapes()) {
    CAPTURE(sh.size, sh.slices);
    auto r = shared_context().parallelize(ints(sh.size), sh.slices);
    auto composed = ds::map([&](int x) { return g(f(x)); });
    REQUIRE(partitions_of((r | ds::map(f) | ds::map(g)).materialize()) == partitions_of((r | composed).materialize()));
    // A composed pipeline object is the same as applying its operators one by one.
    auto pipeline = ds::map(f) | ds::map(g);
    REQUIRE((r | pipeline | ds::collect()) == (r | composed | ds::collect()));

    auto s = shared_context().parallelize(strings(sh.size), sh.slices);
    REQUIRE((s | ds::map(fs) | ds::map(gs) | ds::collect()) ==
            (s | ds::map([&](const std::string& x) { return gs(fs(x)); }) | ds::collect()));
  }
}

TEST_CASE("law: filter(p) | filter(q) equals filter(p && q)") {
  auto p = [](int x) { return x % 2 == 0; };
  auto q = [](int x) { return x > 3; };
  auto ps = [](const std::pair<std::string, int>& kv) { return kv.first != "k1"; };
  auto qs = [](const std::pair<std::string, int>& kv) { return kv.second % 3 != 0; };
  for (const shape& sh : shapes()) {
    CAPTURE(sh.size, sh.slices);
    auto r = shared_context().parallelize(ints(sh.size), sh.slices);
    auto both = ds::filter([&](int x) { return p(x) && q(x); });
    REQUIRE(partitions_of((r | ds::filter(p) | ds::filter(q)).materialize()) == partitions_of((r | both).materialize()));
    REQUIRE((r | (ds::filter(p) | ds::filter(q)) | ds::collect()) == (r | both | ds::collect()));

    auto s = shared_context().parallelize(pairs(sh.size), sh.slices);
    REQUIRE((s | ds::filter(ps) | ds::filter(qs) | ds::collect()) ==
            (s | ds::filter([&](const auto& kv) { return ps(kv) && qs(kv); }) | ds::collect()));
  }
}

TEST_CASE("narrow operators pass move-only elements along") {
  auto box = ds::map([](int x) { return std::make_unique<int>(x); });
  // Sections sit outside the loop over shapes: Catch2 enters a section once per run.
  auto for_each_shape = [](auto check) {
    for (const shape& sh : shapes()) {
      CAPTURE(sh.size, sh.slices);
      const auto in = ints(sh.size);
      check(sh, in, shared_context().parallelize(in, sh.slices));
    }
  };

  SECTION("map, filter and flat_map take them by value") {
    for_each_shape([&](const shape&, const std::vector<int>& in, const ds::rdd<int>& r) {
      auto out = r | box | ds::filter([](const boxed& b) { return *b != 3; }) | ds::flat_map([](boxed b) {
                   std::vector<boxed> v;
                   if (*b % 2 == 0) v.push_back(std::move(b));
                   return v;
                 }) |
                 ds::map([](boxed b) {
                   *b += 1000;
                   return b;
                 }) |
                 ds::collect();
      std::vector<int> expected;
      for (int x : in)
        if (x != 3 && x % 2 == 0) expected.push_back(x + 1000);
      REQUIRE(unbox(out) == expected);
    });
  }
  SECTION("flat_map returning an optional of a move-only type") {
    for_each_shape([&](const shape&, const std::vector<int>& in, const ds::rdd<int>& r) {
      auto out = r | ds::flat_map([](int x) -> std::optional<boxed> {
                   if (x % 3 == 0) return std::nullopt;
                   return std::make_unique<int>(-x);
                 }) |
                 ds::collect();
      std::vector<int> expected;
      for (int x : in)
        if (x % 3 != 0) expected.push_back(-x);
      REQUIRE(unbox(out) == expected);
    });
  }
  SECTION("key_by, map_values and flat_map_values") {
    for_each_shape([&](const shape&, const std::vector<int>& in, const ds::rdd<int>& r) {
      auto keyed = r | box | ds::key_by([](const boxed& b) { return *b % 2; });
      auto out = keyed | ds::map_values([](boxed b) { return std::make_unique<int>(*b * 2); }) | ds::collect();
      auto fmv = keyed | ds::flat_map_values([](const boxed& b) { return std::vector<int>{*b, *b}; }) | ds::collect();
      std::vector<std::pair<int, int>> got;
      for (auto& [k, v] : out) got.emplace_back(k, *v);
      std::vector<std::pair<int, int>> expected;
      std::vector<std::pair<int, int>> expected_fmv;
      for (int x : in) {
        expected.emplace_back(x % 2, x * 2);
        expected_fmv.emplace_back(x % 2, x);
        expected_fmv.emplace_back(x % 2, x);
      }
      REQUIRE(got == expected);
      REQUIRE(fmv == expected_fmv);
    });
  }
  SECTION("glom and map_partitions after a map that makes them") {
    for_each_shape([&](const shape& sh, const std::vector<int>& in, const ds::rdd<int>& r) {
      auto globbed = r | box | ds::glom() | ds::collect();
      REQUIRE(globbed.size() == sh.slices);
      auto sizes = r | box | ds::map_partitions([](std::span<const boxed> p) {
                     int total = 0;
                     for (const auto& b : p) total += *b;
                     return std::vector<int>{total};
                   }) |
                   ds::collect();
      const auto slices = reference_slices(in, sh.slices);
      for (std::size_t j = 0; j < slices.size(); ++j) {
        CAPTURE(j);
        REQUIRE(unbox(globbed[j]) == slices[j]);
        REQUIRE(sizes[j] == std::accumulate(slices[j].begin(), slices[j].end(), 0));
      }
    });
  }
  SECTION("a materialised rdd of them is read by reference") {
    for_each_shape([&](const shape& sh, const std::vector<int>& in, const ds::rdd<int>& r) {
      ds::rdd<boxed> stored = r | box;
      REQUIRE(stored.num_partitions() == sh.slices);
      REQUIRE((stored | ds::map([](const boxed& b) { return *b; }) | ds::collect()) == in);
      REQUIRE((stored | ds::filter([](const boxed& b) { return *b > 5; }) |
               ds::map([](const boxed& b) { return *b; }) | ds::collect()) ==
              (r | ds::filter([](int x) { return x > 5; }) | ds::collect()));
    });
  }
}

TEST_CASE("parallelize takes move-only elements from a moved vector") {
  std::vector<boxed> v;
  for (int i = 0; i < 5; ++i) v.push_back(std::make_unique<int>(i));
  auto r = shared_context().parallelize(std::move(v), 2);
  REQUIRE(partitions_of((r | ds::map([](const boxed& b) { return *b; })).materialize()) ==
          std::vector<std::vector<int>>{{0, 1}, {2, 3, 4}});
}

TEST_CASE("narrow operators are lazy: nothing runs until an action") {
  int calls = 0;
  auto r = shared_context(1).parallelize(ints(10), 2);
  auto expr = r | ds::map([&](int x) {
                ++calls;
                return x;
              }) |
              ds::filter([&](int) {
                ++calls;
                return true;
              });
  REQUIRE(calls == 0);
  REQUIRE(expr.num_partitions() == 2);
  REQUIRE((expr | ds::count()) == 10);
  REQUIRE(calls == 20);
}
