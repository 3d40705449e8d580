// Output operations: pprint's text byte for byte, save_as_text_files' directories and
// files, foreach_rdd with and without the batch time.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <dstream/dstream.hpp>
#include <dstream/testing.hpp>

#include "support/stream_support.hpp"

using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::string dashes(43, '-');

std::string header(std::int64_t ms) { return dashes + "\nTime: " + std::to_string(ms) + " ms\n" + dashes + "\n"; }

/// What pprint(n) prints for the batches of `input` (one input partition or two).
template <class T>
std::string pprint_of(const std::vector<std::vector<T>>& input, std::size_t n, std::size_t batches,
                      std::size_t partitions = 2) {
  std::ostringstream os;
  ds::testing::run(
      input,
      [&](ds::dstream<T> s) {
        s | ds::pprint(n, os);
        return s;
      },
      batches, ds::testing::options{.input_partitions = partitions});
  return os.str();
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("pprint prints Spark's format byte for byte") {
  SECTION("a header of 43 dashes and the time, the elements, an empty line") {
    REQUIRE(pprint_of(std::vector<std::vector<int>>{{1, 2, 3}}, 10, 1) == header(1000) + "1\n2\n3\n\n");
  }
  SECTION("the first n elements, then ... when there are more") {
    std::vector<int> many{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    REQUIRE(pprint_of(std::vector<std::vector<int>>{many}, 10, 1) ==
            header(1000) + "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n...\n\n");
    REQUIRE(pprint_of(std::vector<std::vector<int>>{{1, 2, 3}}, 2, 1) == header(1000) + "1\n2\n...\n\n");
    SECTION("exactly n elements: no ...") {
      REQUIRE(pprint_of(std::vector<std::vector<int>>{{1, 2}}, 2, 1) == header(1000) + "1\n2\n\n");
    }
    SECTION("the first n across partitions, in partition order") {
      REQUIRE(pprint_of(std::vector<std::vector<int>>{{5, 6, 7, 8, 9}}, 3, 1, 4) == header(1000) + "5\n6\n7\n...\n\n");
    }
    SECTION("n reached at the end of a partition: ... only when a later one holds more") {
      REQUIRE(pprint_of(std::vector<std::vector<int>>{{1, 2, 3, 4}}, 2, 1, 2) == header(1000) + "1\n2\n...\n\n");
      REQUIRE(pprint_of(std::vector<std::vector<int>>{{1, 2, 3, 4}}, 4, 1, 2) == header(1000) + "1\n2\n3\n4\n\n");
      REQUIRE(pprint_of(std::vector<std::vector<int>>{{1, 2}}, 2, 1, 5) == header(1000) + "1\n2\n\n");
      REQUIRE(pprint_of(std::vector<std::vector<int>>{{1, 2}}, 0, 1, 5) == header(1000) + "...\n\n");
    }
  }
  SECTION("an empty batch prints the header and the empty line") {
    REQUIRE(pprint_of(std::vector<std::vector<int>>{{7}}, 10, 3) ==
            header(1000) + "7\n\n" + header(2000) + "\n" + header(3000) + "\n");
  }
  SECTION("pairs as (k,v), nested pairs likewise") {
    REQUIRE(pprint_of(std::vector<std::vector<std::pair<std::string, int>>>{{{"a", 1}, {"b", 2}}}, 10, 1) ==
            header(1000) + "(a,1)\n(b,2)\n\n");
    using nested = std::pair<std::string, std::pair<int, std::string>>;
    REQUIRE(pprint_of(std::vector<std::vector<nested>>{{{"a", {1, "x"}}}}, 10, 1) == header(1000) + "(a,(1,x))\n\n");
  }
  SECTION("optionals as the value or None") {
    using joined = std::pair<std::string, std::pair<int, std::optional<std::string>>>;
    REQUIRE(pprint_of(std::vector<std::vector<joined>>{{{"a", {1, "x"}}, {"b", {2, std::nullopt}}}}, 10, 1) ==
            header(1000) + "(a,(1,x))\n(b,(2,None))\n\n");
  }
  SECTION("vectors as [a, b]") {
    using grouped = std::pair<std::string, std::vector<int>>;
    REQUIRE(pprint_of(std::vector<std::vector<grouped>>{{{"k", {1, 2, 3}}, {"e", {}}}}, 10, 1) ==
            header(1000) + "(k,[1, 2, 3])\n(e,[])\n\n");
  }
  SECTION("doubles with a fractional part, integral ones as 1.0") {
    REQUIRE(pprint_of(std::vector<std::vector<double>>{{1.0, 2.5, -3.0}}, 10, 1) == header(1000) + "1.0\n2.5\n-3.0\n\n");
  }
  SECTION("the output of an operator, e.g. word counts") {
    std::ostringstream os;
    ds::testing::run(
        std::vector<std::vector<std::string>>{{"to be or not to be"}},
        [&](ds::dstream<std::string> s) {
          auto counts = s | ds::flat_map([](const std::string& l) { return ds::split(l, ' '); }) |
                        ds::map([](std::string_view w) { return std::pair<std::string, int>(w, 1); }) |
                        ds::reduce_by_key(std::plus<>{}, 1) | ds::filter([](const auto& kv) { return kv.second > 1; });
          counts | ds::pprint(10, os);
          return s;
        },
        1);
    const std::string text = os.str();
    REQUIRE(text.rfind(header(1000), 0) == 0);
    std::vector<std::string> lines;
    std::istringstream body(text.substr(header(1000).size()));
    for (std::string line; std::getline(body, line);) lines.push_back(line);
    REQUIRE(lines.size() == 3);
    REQUIRE(lines.back().empty());
    std::sort(lines.begin(), lines.end() - 1);
    REQUIRE(lines == std::vector<std::string>{"(be,2)", "(to,2)", ""});
  }
}

TEST_CASE("save_as_text_files writes one directory per batch") {
  stream_test::temp_dir tmp;
  const std::string prefix = (tmp.path() / "out" / "counts").string();
  const std::vector<std::vector<int>> input{{1, 2, 3}, {}, {4}};

  SECTION("named prefix-<ms>, with part files per partition and _SUCCESS") {
    ds::testing::run(
        input,
        [&](ds::dstream<int> s) {
          s | ds::save_as_text_files(prefix);
          return s;
        },
        3);
    REQUIRE(names_in(tmp.path() / "out") == std::vector<std::string>{"counts-1000", "counts-2000", "counts-3000"});
    const fs::path first = tmp.path() / "out" / "counts-1000";
    REQUIRE(names_in(first) == std::vector<std::string>{"_SUCCESS", "part-00000", "part-00001"});
    REQUIRE(read_file(first / "part-00000") == "1\n");
    REQUIRE(read_file(first / "part-00001") == "2\n3\n");
    REQUIRE(read_file(first / "_SUCCESS").empty());
    const fs::path empty = tmp.path() / "out" / "counts-2000";
    REQUIRE(fs::exists(empty / "_SUCCESS"));
    REQUIRE(read_file(empty / "part-00000").empty());
    REQUIRE(read_file(empty / "part-00001").empty());
    REQUIRE(read_file(tmp.path() / "out" / "counts-3000" / "part-00001") == "4\n");
  }
  SECTION("named prefix-<ms>.suffix, elements in the pprint format") {
    ds::testing::run(
        std::vector<std::vector<std::pair<std::string, std::optional<double>>>>{{{"a", 1.0}, {"b", std::nullopt}}},
        [&](ds::dstream<std::pair<std::string, std::optional<double>>> s) {
          s | ds::save_as_text_files(prefix, "txt");
          return s;
        },
        1, ds::testing::options{.input_partitions = 1});
    REQUIRE(names_in(tmp.path() / "out") == std::vector<std::string>{"counts-1000.txt"});
    const fs::path dir = tmp.path() / "out" / "counts-1000.txt";
    REQUIRE(names_in(dir) == std::vector<std::string>{"_SUCCESS", "part-00000"});
    REQUIRE(read_file(dir / "part-00000") == "(a,1.0)\n(b,None)\n");
  }
  SECTION("as many part files as partitions, numbered with five digits") {
    ds::testing::run(
        input,
        [&](ds::dstream<int> s) {
          auto spread = s | ds::repartition(12);
          spread | ds::save_as_text_files(prefix);
          return spread;
        },
        1);
    auto names = names_in(tmp.path() / "out" / "counts-1000");
    REQUIRE(names.size() == 13);
    REQUIRE(names.front() == "_SUCCESS");
    REQUIRE(names[1] == "part-00000");
    REQUIRE(names.back() == "part-00011");
  }
  // Written atomically: nothing but the finished directories is left behind.
  for (const auto& e : fs::recursive_directory_iterator(tmp.path())) {
    CAPTURE(e.path().string());
    REQUIRE(e.path().filename().string().find("temporary") == std::string::npos);
  }
}

TEST_CASE("foreach_rdd calls the function with the rdd of every batch") {
  SECTION("without the batch time") {
    std::vector<std::vector<int>> seen;
    ds::testing::run(
        std::vector<std::vector<int>>{{1, 2}, {3}},
        [&](ds::dstream<int> s) {
          s | ds::map([](int x) { return x + 1; }) | ds::foreach_rdd([&](ds::rdd<int>& r) { seen.push_back(r | ds::collect()); });
          return s;
        },
        3);
    REQUIRE(seen == std::vector<std::vector<int>>{{2, 3}, {4}, {}});
  }
  SECTION("with the batch time") {
    std::vector<std::pair<std::int64_t, std::int64_t>> seen;
    ds::testing::run(
        std::vector<std::vector<int>>{{1, 2}, {3}},
        [&](ds::dstream<int> s) {
          s | ds::foreach_rdd([&](ds::rdd<int>& r, ds::batch_time t) {
            seen.emplace_back(t.milliseconds(), r | ds::count());
          });
          return s;
        },
        2, ds::testing::options{.batch = 500ms});
    REQUIRE(seen == std::vector<std::pair<std::int64_t, std::int64_t>>{{500, 2}, {1000, 1}});
  }
  SECTION("outputs run in registration order within a batch, batches in order") {
    std::vector<std::string> order;
    ds::testing::run(
        std::vector<std::vector<int>>{{1}, {2}},
        [&](ds::dstream<int> s) {
          s | ds::foreach_rdd([&](ds::rdd<int>&, ds::batch_time t) { order.push_back("a" + std::to_string(t.milliseconds())); });
          s | ds::foreach_rdd([&](ds::rdd<int>&, ds::batch_time t) { order.push_back("b" + std::to_string(t.milliseconds())); });
          return s;
        },
        2);
    REQUIRE(order == std::vector<std::string>{"a1000", "b1000", "a2000", "b2000"});
  }
}

TEST_CASE("paths may be file:// URIs; other schemes are refused by name") {
  namespace fs = std::filesystem;
  stream_test::temp_dir tmp;
  const fs::path in = tmp.path() / "in";
  fs::create_directories(in);
  auto ssc = stream_test::manual_context();
  REQUIRE_NOTHROW(ssc.checkpoint("file://" + (tmp.path() / "ckpt").string()));
  auto lines = ssc.text_file_stream("file://" + in.string());
  lines | ds::save_as_text_files("file://" + (tmp.path() / "out" / "lines").string());
  ssc.start();
  std::ofstream(tmp.path() / "f.txt") << "hello\n";
  fs::rename(tmp.path() / "f.txt", in / "f.txt");
  stream_test::run_batch(ssc, 1000, 1000);
  ssc.stop();
  REQUIRE(fs::exists(tmp.path() / "out" / "lines-1000" / "_SUCCESS"));
  REQUIRE(fs::exists(tmp.path() / "ckpt" / "checkpoint-1000"));
  REQUIRE_FALSE(fs::exists("file:"));  // nothing was created under a folder named "file:"

  auto other = stream_test::manual_context();
  REQUIRE_THROWS_WITH(other.checkpoint("hdfs://namenode/ckpt"),
                      Catch::Matchers::Contains("hdfs://") && Catch::Matchers::Contains("checkpoint"));
  REQUIRE_THROWS_WITH(other.text_file_stream("s3a://bucket/in"), Catch::Matchers::Contains("s3a://"));
  REQUIRE_THROWS_WITH(ds::save_as_text_files("hdfs://x/out"), Catch::Matchers::Contains("save_as_text_files"));
  REQUIRE_THROWS_WITH(other.checkpoint("file://otherhost/ckpt"), Catch::Matchers::Contains("another host"));
}

TEST_CASE("pprint with ds::python_style prints PySpark's text") {
  // The manual clock's batch at 1000 ms is one second after the epoch, in local time.
  const std::time_t one = 1;
  std::tm tm{};
  ::localtime_r(&one, &tm);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
  const std::string py_header = dashes + "\nTime: " + when + "\n" + dashes + "\n";
  using row = std::tuple<std::string, int, std::optional<double>, bool, std::vector<int>>;
  std::ostringstream os;
  ds::testing::run(
      std::vector<std::vector<row>>{{{"hello", 1, 2.0, true, {1, 2}}, {"it's", 2, std::nullopt, false, {}}}},
      [&](ds::dstream<row> s) {
        s | ds::pprint(10, ds::python_style, os);
        return s;
      },
      1, ds::testing::options{.input_partitions = 1});
  REQUIRE(os.str() == py_header + "('hello', 1, 2.0, True, [1, 2])\n(\"it's\", 2, None, False, [])\n\n");
  SECTION("strings are quoted and escaped as Python's repr does") {
    REQUIRE(ds::format_element(std::pair<std::string, int>("a\\b\n\t", 1), ds::python_style) == "('a\\\\b\\n\\t', 1)");
    REQUIRE(ds::format_element(std::tuple<int>(7), ds::python_style) == "(7,)");
    REQUIRE(ds::format_element(std::string("caf\xc3\xa9"), ds::python_style) == "'caf\xc3\xa9'");
  }
}
