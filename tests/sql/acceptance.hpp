#pragma once
// The acceptance tests of ds::sql::upsert that every database must pass, written once:
// tests/sql/sql.test.cpp runs them on SQLite, tests/sql/mariadb.test.cpp on a real MariaDB
// server. The including file defines `sql_test::open_database()`.
//
// Values stored verbatim (quotes, backslashes, an injection attempt, non-ASCII text, NUL-free
// binary) in both modes; a batch replayed at the same batch time changes nothing (both
// modes); a failure in the middle of a partition leaves none of its rows; batches run again
// after a crash (same batch times, same input, from the checkpoint) are written once.

#include <catch2/catch.hpp>

#include <cstdint>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <dstream/sql/upsert.hpp>

#include "support/stream_support.hpp"

namespace sql_test {

namespace fs = std::filesystem;
using rows = std::vector<std::vector<std::string>>;
using SI = std::pair<std::string, long>;

/// A database the tests write to, and read back through their own connection.
struct database {
  virtual ~database() = default;
  /// The URL given to ds::sql::upsert.
  virtual std::string url() const = 0;
  /// Runs one statement; the rows of a SELECT, each column as text ("NULL" for NULL).
  virtual rows query(const std::string& sql) = 0;
  /// The column type of a text key and the table options, in this database's dialect.
  virtual std::string key_type() const = 0;
  virtual std::string binary_type() const = 0;
  virtual std::string table_options() const = 0;
  /// Drops `table` and the progress table: each test starts from nothing.
  void fresh(const std::string& table) {
    query("DROP TABLE IF EXISTS " + table);
    query("DROP TABLE IF EXISTS dstream_progress");
  }
  void create_wordcount(const std::string& table, const std::string& check = "") {
    fresh(table);
    query("CREATE TABLE " + table + " (word " + key_type() + " PRIMARY KEY, count BIGINT NOT NULL" +
          (check.empty() ? "" : ", CHECK (" + check + ")") + ")" + table_options());
  }
  /// `SELECT word, count` as a map, the words as hex (byte for byte, whatever their encoding).
  std::map<std::string, std::string> counts(const std::string& table) {
    std::map<std::string, std::string> got;
    for (auto& r : query("SELECT HEX(word), count FROM " + table)) got[r[0]] = r[1];
    return got;
  }
};

std::unique_ptr<database> open_database();

inline std::string hex(const std::string& s) {
  static const char* digits = "0123456789ABCDEF";
  std::string h;
  for (unsigned char c : s) {
    h += digits[c >> 4];
    h += digits[c & 15];
  }
  return h;
}

inline ds::conf manual_conf() {
  return ds::conf().app_name("sql tests").master("local[2]").set("dstream.streaming.clock", "manual");
}

/// Keeps each completed batch's output failures.
struct failures : ds::streaming_listener {
  stream_test::guarded<std::vector<std::string>> seen;
  void on_batch_completed(const ds::batch_info& b) override {
    for (auto& [id, why] : b.output_failures) seen.update([&](auto& v) { v.push_back(why); });
  }
  std::vector<std::string> get() { return seen.get(); }
};

/// Runs one streaming context over `batches` (one rdd each, `parts` partitions) into
/// `table`, batch i at time (i + 1) s; returns the failures its batches reported.
inline std::vector<std::string> write_batches(const database& db, const std::string& table,
                                              const std::vector<std::vector<SI>>& batches, ds::sql::mode m,
                                              std::size_t parts = 2) {
  auto ssc = ds::streaming_context(manual_conf(), std::chrono::seconds(1));
  failures f;
  ssc.add_listener(f);
  ds::rdd_queue<SI> q;
  for (auto& b : batches) q.push(ssc.context().parallelize(b, parts));
  ssc.queue_stream(q) | ds::sql::upsert(db.url(), table, {"word", "count"}, m);
  ssc.start();
  for (std::size_t i = 1; i <= batches.size(); ++i)
    stream_test::run_batch(ssc, 1000, static_cast<std::int64_t>(i) * 1000);
  ssc.stop();
  return f.get();
}

/// A directory a text_file_stream reads, fed one file a batch as a producer moves finished
/// files in (`<root>/in`, written first under `<root>/staging`).
struct word_files {
  fs::path in, staging;
  explicit word_files(const fs::path& root) : in(root / "in"), staging(root / "staging") {
    fs::create_directories(in);
    fs::create_directories(staging);
  }
  /// The file of batch `batch`: the words a, b, a, one a line.
  void feed(int batch) const {
    const std::string name = "f" + std::to_string(batch);
    std::ofstream(staging / name) << "a\nb\na\n";
    fs::rename(staging / name, in / name);
  }
};

/// Sets the manual clock to `ms` (also after a restart, when the clock starts again at 0)
/// and waits for the batch at `ms`.
inline void run_until(ds::streaming_context& ssc, std::int64_t ms,
                      std::chrono::seconds timeout = std::chrono::seconds(20)) {
  ssc.test_clock()->set_time(ms);
  REQUIRE(ssc.wait_for_batch(ds::batch_time(ms), timeout));
}

}  // namespace sql_test

TEST_CASE("sql::upsert stores every value verbatim, replacing (set) or adding (add)") {
  using namespace sql_test;
  auto db = open_database();
  db->create_wordcount("wordcount");
  std::string binary;  // every byte but NUL
  for (int c = 1; c < 256; ++c) binary += static_cast<char>(c);
  const std::vector<std::string> hostile = {"it's",     "back\\slash", "'); DROP TABLE wordcount; --", "Grüße ✓ 日本",
                                            "\"quoted\"", "tab\there",   "`tick`",                       "100%_"};
  const bool adding = GENERATE(false, true);
  CAPTURE(adding);
  std::vector<SI> first;
  for (auto& w : hostile) first.emplace_back(w, 2);
  const auto failed =
      write_batches(*db, "wordcount", {first, {{"it's", 5}}}, adding ? ds::sql::add : ds::sql::set);
  REQUIRE(failed.empty());
  auto got = db->counts("wordcount");
  REQUIRE(got.size() == hostile.size());
  for (auto& w : hostile) {
    CAPTURE(w);
    REQUIRE(got.count(hex(w)) == 1);
    REQUIRE(got[hex(w)] == (w == "it's" ? (adding ? "7" : "5") : "2"));
  }
  // One progress row per partition and batch: 2 + 2 (the second batch's second partition is empty).
  REQUIRE(db->query("SELECT COUNT(*) FROM dstream_progress")[0][0] == "4");

  SECTION("bytes that are not text, into a binary column") {
    db->query("DROP TABLE IF EXISTS blobs");
    db->query("CREATE TABLE blobs (k " + db->key_type() + " PRIMARY KEY, v " + db->binary_type() + ")" +
              db->table_options());
    auto ssc = ds::streaming_context(manual_conf(), std::chrono::seconds(1));
    ds::rdd_queue<std::pair<std::string, std::string>> q;
    q.push(ssc.context().parallelize(std::vector<std::pair<std::string, std::string>>{{"all", binary}}, 1));
    ssc.queue_stream(q) | ds::sql::upsert(db->url(), "blobs", {"k", "v"});
    ssc.start();
    stream_test::run_batch(ssc, 1000, 1000);
    ssc.stop();
    REQUIRE(db->query("SELECT HEX(v) FROM blobs WHERE k = 'all'") == rows{{hex(binary)}});
  }
}

TEST_CASE("a batch replayed at the same batch time changes nothing, in both modes") {
  using namespace sql_test;
  auto db = open_database();
  db->create_wordcount("wordcount");
  const std::vector<std::vector<SI>> batches = {{{"a", 1}, {"b", 2}, {"c", 3}}, {{"a", 10}, {"d", 4}}};
  SECTION("add: the same input again is not counted twice") {
    REQUIRE(write_batches(*db, "wordcount", batches, ds::sql::add).empty());
    const auto before = db->counts("wordcount");
    REQUIRE(before == std::map<std::string, std::string>{{hex("a"), "11"}, {hex("b"), "2"}, {hex("c"), "3"}, {hex("d"), "4"}});
    REQUIRE(write_batches(*db, "wordcount", batches, ds::sql::add).empty());
    REQUIRE(db->counts("wordcount") == before);
  }
  SECTION("set: a replay, even with other values, writes nothing") {
    REQUIRE(write_batches(*db, "wordcount", batches, ds::sql::set).empty());
    const auto before = db->counts("wordcount");
    REQUIRE(before.at(hex("a")) == "10");
    REQUIRE(write_batches(*db, "wordcount", {{{"a", 99}, {"e", 1}}, {{"b", 99}}}, ds::sql::set).empty());
    REQUIRE(db->counts("wordcount") == before);
  }
  SECTION("the next batch time is written as usual") {
    REQUIRE(write_batches(*db, "wordcount", {batches[0]}, ds::sql::add).empty());
    REQUIRE(write_batches(*db, "wordcount", batches, ds::sql::add).empty());  // batch 1 again, then batch 2
    REQUIRE(db->counts("wordcount").at(hex("a")) == "11");
  }
}

TEST_CASE("a failure in the middle of a partition leaves none of its rows; the next batch writes") {
  using namespace sql_test;
  auto db = open_database();
  db->create_wordcount("wordcount", "count < 100000");
  // 1500 rows in one partition, the 1200th breaks the CHECK: a MariaDB writer has sent two
  // statements of 512 rows when the third fails.
  std::vector<SI> big;
  for (long i = 0; i < 1500; ++i) big.emplace_back(std::string("w").append(std::to_string(i)), i == 1199 ? 500000 : i);
  const auto failed = write_batches(*db, "wordcount", {big, {{"after", 4}}}, ds::sql::add, 1);
  REQUIRE(failed.size() == 1);
  REQUIRE_THAT(failed[0], Catch::Contains("table wordcount") && Catch::Contains("ds::sql::upsert(" +
                                                                                 ds::sql::redact(db->url())));
  REQUIRE(db->query("SELECT word, count FROM wordcount") == rows{{"after", "4"}});
  REQUIRE(db->query("SELECT COUNT(*) FROM dstream_progress")[0][0] == "1");
}

TEST_CASE("batches run again after a crash are written once, in both modes") {
  using namespace sql_test;
  auto db = open_database();
  db->create_wordcount("wordcount");
  stream_test::temp_dir tmp;
  const word_files files(tmp.path());
  const fs::path ckpt = tmp.path() / "ckpt";
  const bool adding = GENERATE(false, true);
  CAPTURE(adding);
  // Checkpoints every 3 batches: batches 4 and 5 ran, and wrote, after the last one. With
  // `set`, the running totals (update_state_by_key) are written; with `add`, each batch's counts.
  auto factory = [&] {
    ds::streaming_context ssc(manual_conf().set("dstream.checkpoint.interval", "3s"), std::chrono::seconds(1));
    ssc.checkpoint(ckpt.string());
    auto counts = ssc.text_file_stream(files.in.string()) | ds::map([](const std::string& w) { return std::pair{w, 1L}; }) |
                  ds::reduce_by_key(std::plus<>{});
    if (adding) {
      counts | ds::sql::upsert(db->url(), "wordcount", {"word", "count"}, ds::sql::add);
    } else {
      counts | ds::update_state_by_key([](std::span<const long> v, std::optional<long> s) -> std::optional<long> {
        return std::accumulate(v.begin(), v.end(), s.value_or(0L));
      }) | ds::sql::upsert(db->url(), "wordcount", {"word", "count"}, ds::sql::set);
    }
    return ssc;
  };
  {
    auto ssc = ds::streaming_context::get_or_create(ckpt.string(), factory);
    ssc.start();
    for (int i = 1; i <= 5; ++i) {
      files.feed(i);
      run_until(ssc, i * 1000);
    }
    ssc.stop(true, false);  // as a crash: batches 4 and 5 are not in a checkpoint
  }
  {
    auto ssc = ds::streaming_context::get_or_create(ckpt.string(), factory);
    REQUIRE(ssc.recovered());
    ssc.start();
    run_until(ssc, 5000);  // 4 and 5 run again, and find their progress rows
    files.feed(6);
    run_until(ssc, 6000);
    ssc.stop();
  }
  REQUIRE(db->query("SELECT word, count FROM wordcount ORDER BY word") == rows{{"a", "12"}, {"b", "6"}});
}
