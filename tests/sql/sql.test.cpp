// ds::sql::upsert into SQLite: values stored verbatim through bound statements, set and
// add, a failing partition rolled back whole, clear errors, and a batch run again after a
// restart (same batch time, same input) written once.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <sqlite3.h>

#include <dstream/sql.hpp>

#include "support/stream_support.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using stream_test::run_batch;

namespace {

/// Runs `sql` on the database file and returns its rows, each column as text.
std::vector<std::vector<std::string>> query(const fs::path& db, const std::string& sql) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  std::vector<std::vector<std::string>> rows;
  char* err = nullptr;
  const int rc = sqlite3_exec(
      h, sql.c_str(),
      [](void* out, int n, char** values, char**) {
        std::vector<std::string> row;
        for (int i = 0; i < n; ++i) row.emplace_back(values[i] ? values[i] : "NULL");
        static_cast<std::vector<std::vector<std::string>>*>(out)->push_back(std::move(row));
        return 0;
      },
      &rows, &err);
  const std::string message = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(h);
  if (rc != SQLITE_OK) FAIL(sql << ": " << message);
  return rows;
}

ds::conf manual_conf() {
  return ds::conf().app_name("sql tests").master("local[2]").set("dstream.streaming.clock", "manual");
}

/// Keeps each completed batch's output failures.
struct failures : ds::streaming_listener {
  stream_test::guarded<std::vector<std::string>> seen;
  void on_batch_completed(const ds::batch_info& b) override {
    for (auto& [id, why] : b.output_failures) seen.update([&](auto& v) { v.push_back(why); });
  }
};

using SI = std::pair<std::string, long>;

}  // namespace

TEST_CASE("sql::upsert stores every value verbatim, replacing (set) or adding (add)") {
  stream_test::temp_dir tmp;
  const fs::path db = tmp.path() / "words.db";
  query(db, "CREATE TABLE wordcount (word TEXT PRIMARY KEY, count INTEGER NOT NULL)");
  const std::vector<std::string> hostile = {"it's",   "back\\slash", "'); DROP TABLE wordcount; --",
                                            "Grüße ✓", "\"quoted\"",  "tab\there"};
  const bool adding = GENERATE(false, true);
  CAPTURE(adding);
  auto ssc = ds::streaming_context(manual_conf(), 1s);
  ds::rdd_queue<SI> q;
  std::vector<SI> batch;
  for (auto& w : hostile) batch.emplace_back(w, 2);
  q.push(ssc.context().parallelize(batch, 2));
  q.push(ssc.context().parallelize(std::vector<SI>{{"it's", 5}}, 1));
  ssc.queue_stream(q) |
      ds::sql::upsert("sqlite://" + db.string(), "wordcount", {"word", "count"}, adding ? ds::sql::add : ds::sql::set);
  ssc.start();
  run_batch(ssc, 1000, 1000);
  run_batch(ssc, 1000, 2000);
  ssc.stop();
  std::map<std::string, std::string> got;
  for (auto& row : query(db, "SELECT word, count FROM wordcount")) got[row[0]] = row[1];
  REQUIRE(got.size() == hostile.size());
  for (auto& w : hostile) {
    CAPTURE(w);
    REQUIRE(got.count(w) == 1);
    REQUIRE(got[w] == (w == "it's" ? (adding ? "7" : "5") : "2"));
  }
  // One progress row per partition and batch: 2 + 1.
  REQUIRE(query(db, "SELECT count(*) FROM dstream_progress")[0][0] == "3");
}

TEST_CASE("a partition that fails is rolled back whole, the batch fails naming the table, the next one writes") {
  stream_test::temp_dir tmp;
  const fs::path db = tmp.path() / "t.db";
  query(db, "CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER CHECK (v < 100))");
  auto ssc = ds::streaming_context(manual_conf(), 1s);
  failures f;
  ssc.add_listener(f);
  ds::rdd_queue<SI> q;
  q.push(ssc.context().parallelize(std::vector<SI>{{"a", 1}, {"b", 500}, {"c", 3}}, 1));  // b breaks the CHECK
  q.push(ssc.context().parallelize(std::vector<SI>{{"d", 4}}, 1));
  ssc.queue_stream(q) | ds::sql::upsert("sqlite://" + db.string(), "t", {"k", "v"});
  ssc.start();
  run_batch(ssc, 1000, 1000);
  run_batch(ssc, 1000, 2000);
  ssc.stop();
  REQUIRE(f.seen.get().size() == 1);
  REQUIRE_THAT(f.seen.get()[0], Contains("sqlite://" + db.string()) && Contains("table t") && Contains("CHECK"));
  REQUIRE(query(db, "SELECT k, v FROM t") == std::vector<std::vector<std::string>>{{"d", "4"}});
}

TEST_CASE("sql::upsert errors name the URL, the table and the problem") {
  stream_test::temp_dir tmp;
  const fs::path db = tmp.path() / "e.db";
  REQUIRE_THROWS_WITH(ds::sql::upsert("postgres://x/y", "t", {"k", "v"}), Contains("unknown scheme \"postgres\""));
  REQUIRE_THROWS_WITH(ds::sql::upsert("mysql://u:secret@h:3306/d", "t", {"k", "v"}),
                      Contains("mysql://") && !Contains("secret"));
  REQUIRE_THROWS_WITH(ds::sql::upsert("words.db", "t", {"k"}), Contains("not a URL"));
  REQUIRE_THROWS_WITH(ds::sql::upsert("sqlite://" + db.string(), "t", {}), Contains("no columns"));

  auto ssc = ds::streaming_context(manual_conf(), 1s);
  failures f;
  ssc.add_listener(f);
  ds::rdd_queue<SI> q;
  q.push(ssc.context().parallelize(std::vector<SI>{{"a", 1}}, 1));
  auto s = ssc.queue_stream(q);
  // Two parts, three columns: refused when the output is added.
  REQUIRE_THROWS_WITH(s | ds::sql::upsert("sqlite://" + db.string(), "t", {"k", "v", "w"}),
                      Contains("3 columns named, but each element has 2 parts"));
  s | ds::sql::upsert("sqlite://" + db.string(), "missing", {"k", "v"});
  ssc.start();
  run_batch(ssc, 1000, 1000);
  ssc.stop();
  REQUIRE(f.seen.get().size() == 1);
  REQUIRE_THAT(f.seen.get()[0], Contains("table missing") && Contains("no such table"));
}

TEST_CASE("batches run again after a restart are written once, in add mode too") {
  stream_test::temp_dir tmp;
  const fs::path db = tmp.path() / "w.db";
  const fs::path in = tmp.path() / "in";
  const fs::path staging = tmp.path() / "staging";
  const fs::path ckpt = tmp.path() / "ckpt";
  fs::create_directories(in);
  fs::create_directories(staging);
  query(db, "CREATE TABLE wordcount (word TEXT PRIMARY KEY, count INTEGER NOT NULL)");
  // Checkpoints every 3 batches: batches 4 and 5 ran, and wrote, after the last one.
  auto factory = [&] {
    ds::streaming_context ssc(manual_conf().set("dstream.checkpoint.interval", "3s"), 1s);
    ssc.checkpoint(ckpt.string());
    ssc.text_file_stream(in.string()) | ds::map([](const std::string& w) { return std::pair{w, 1L}; }) |
        ds::reduce_by_key(std::plus<>{}) |
        ds::sql::upsert("sqlite://" + db.string(), "wordcount", {"word", "count"}, ds::sql::add);
    return ssc;
  };
  auto feed = [&](int batch) {
    const std::string name = "f" + std::to_string(batch);
    std::ofstream(staging / name) << "a\nb\na\n";
    fs::rename(staging / name, in / name);
  };
  auto run_until = [](ds::streaming_context& ssc, std::int64_t ms) {
    ssc.test_clock()->set_time(ms);
    REQUIRE(ssc.wait_for_batch(ds::batch_time(ms), 20s));
  };
  {
    auto ssc = ds::streaming_context::get_or_create(ckpt.string(), factory);
    ssc.start();
    for (int i = 1; i <= 5; ++i) {
      feed(i);
      run_until(ssc, i * 1000);
    }
    ssc.stop(true, false);  // as a crash: batches 4 and 5 are not in a checkpoint
  }
  {
    auto ssc = ds::streaming_context::get_or_create(ckpt.string(), factory);
    REQUIRE(ssc.recovered());
    ssc.start();
    run_until(ssc, 5000);  // 4 and 5 run again, and find their progress rows
    feed(6);
    run_until(ssc, 6000);
    ssc.stop();
  }
  REQUIRE(query(db, "SELECT word, count FROM wordcount ORDER BY word") ==
          std::vector<std::vector<std::string>>{{"a", "12"}, {"b", "6"}});
}
