// ds::sql::upsert into SQLite: the acceptance tests every database passes
// (tests/sql/acceptance.hpp) on a file in a temporary directory, and SQLite's own errors.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <sqlite3.h>

#include <boost/hana/define_struct.hpp>

#include <dstream/sql.hpp>

#include "sql/acceptance.hpp"
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

/// A row type with a field list: written field by field, in their order.
struct visit {
  BOOST_HANA_DEFINE_STRUCT(visit, (std::string, page), (long, hits), (double, seconds));
};

using sql_test::failures;
using sql_test::manual_conf;
using sql_test::SI;

/// A database file of its own in a temporary directory.
struct sqlite_database : sql_test::database {
  stream_test::temp_dir tmp;
  fs::path file = tmp.path() / "test.db";
  std::string url() const override { return "sqlite://" + file.string(); }
  sql_test::rows query(const std::string& sql) override { return ::query(file, sql); }
  std::string key_type() const override { return "TEXT"; }
  std::string binary_type() const override { return "BLOB"; }
  std::string table_options() const override { return ""; }
};

}  // namespace

std::unique_ptr<sql_test::database> sql_test::open_database() { return std::make_unique<sqlite_database>(); }

TEST_CASE("sql::upsert errors name the URL, the table and the problem") {
  stream_test::temp_dir tmp;
  const fs::path db = tmp.path() / "e.db";
  REQUIRE_THROWS_WITH(ds::sql::upsert("postgres://x/y", "t", {"k", "v"}), Contains("unknown scheme \"postgres\""));
  // This program includes <dstream/sql.hpp> only: mysql:// names the header it needs.
  REQUIRE_THROWS_WITH(ds::sql::upsert("mysql://u:secret@h:3306/d", "t", {"k", "v"}),
                      Contains("mysql://u:***@h:3306/d") && Contains("<dstream/sql/mariadb.hpp>") && !Contains("secret"));
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

TEST_CASE("structs with a field list are written field by field") {
  sqlite_database db;
  db.query("CREATE TABLE visits (page TEXT PRIMARY KEY, hits INTEGER NOT NULL, seconds REAL NOT NULL)");
  STATIC_REQUIRE(ds::sql::detail::arity<visit>() == 3);
  auto ssc = ds::streaming_context(manual_conf(), 1s);
  ds::rdd_queue<visit> q;
  q.push(ssc.context().parallelize(std::vector<visit>{{"/a", 2, 1.5}, {"/b", 1, 0.25}}, 2));
  q.push(ssc.context().parallelize(std::vector<visit>{{"/a", 3, 2.0}}, 1));
  auto s = ssc.queue_stream(q);
  REQUIRE_THROWS_WITH(s | ds::sql::upsert(db.url(), "visits", {"page", "hits"}),
                      Contains("2 columns named, but each element has 3 parts"));
  s | ds::sql::upsert(db.url(), "visits", {"page", "hits", "seconds"}, ds::sql::add);
  ssc.start();
  run_batch(ssc, 1000, 1000);
  run_batch(ssc, 1000, 2000);
  ssc.stop();
  REQUIRE(db.query("SELECT page, hits, seconds FROM visits ORDER BY page") ==
          sql_test::rows{{"/a", "5", "3.5"}, {"/b", "1", "0.25"}});
}
