// ds::sql::upsert into a real MariaDB server: the acceptance tests every database passes
// (tests/sql/acceptance.hpp), then what only a server does: errors (bad URLs, a refused
// connection, a wrong password, a missing table or column, a type mismatch), a connection
// killed in the middle of a batch, the server stopped and started again in the middle of a
// stream, and connections kept across batches.
//
// The server comes from tests/support/mariadb_server.sh: `meson test --suite sql` runs this
// program through `mariadb_server.sh run`, which starts a private server unless
// DSTREAM_MYSQL_URL names one already (scripts/dev test starts one for all its builds).

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <dstream/sql/mariadb.hpp>

#include "sql/acceptance.hpp"
#include "support/stream_support.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using sql_test::rows;
using sql_test::SI;

namespace {

std::string server_url() {
  const char* u = std::getenv("DSTREAM_MYSQL_URL");
  if (!u || !*u)
    FAIL("DSTREAM_MYSQL_URL is not set, so there is no MariaDB server to test against. Run this program "
         "through `tests/support/mariadb_server.sh run <this program>` (as `meson test --suite sql` does), which "
         "starts a private server; or start one with `tests/support/mariadb_server.sh start DIR` and export "
         "DSTREAM_MYSQL_URL=<the URL it prints> and DSTREAM_MYSQL_CONTROL=\"tests/support/mariadb_server.sh %s DIR\"");
  return u;
}

/// Runs `mariadb_server.sh stop|start DIR` on the test's server.
void control(const std::string& verb) {
  const char* c = std::getenv("DSTREAM_MYSQL_CONTROL");
  if (!c || !*c)
    FAIL("DSTREAM_MYSQL_CONTROL is not set: this test stops and starts the server; set it to "
         "\"tests/support/mariadb_server.sh %s DIR\" (mariadb_server.sh run sets it)");
  std::string command = c;
  command.replace(command.find("%s"), 2, verb);
  command += " >/dev/null";
  INFO(command);
  REQUIRE(std::system(command.c_str()) == 0);
}

/// The test's own connection to the server, through the same client library.
struct mariadb_database : sql_test::database {
  std::string url_ = server_url();
  MYSQL* db = mysql_init(nullptr);

  mariadb_database() {
    auto u = ds::sql::detail::parse_mariadb_url(url_, "test URL");
    mysql_optionsv(db, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (!mysql_real_connect(db, u.host.c_str(), u.user.c_str(), u.password.c_str(), u.database.c_str(), u.port,
                            nullptr, 0))
      FAIL("cannot connect to " << ds::sql::redact(url_) << ": " << mysql_error(db));
  }
  ~mariadb_database() override { mysql_close(db); }
  std::string url() const override { return url_; }
  rows query(const std::string& sql) override {
    if (mysql_real_query(db, sql.data(), sql.size()) != 0) FAIL(sql << ": " << mysql_error(db));
    rows out;
    MYSQL_RES* res = mysql_store_result(db);
    if (!res) return out;
    const unsigned n = mysql_num_fields(res);
    while (MYSQL_ROW row = mysql_fetch_row(res)) {
      const unsigned long* len = mysql_fetch_lengths(res);
      std::vector<std::string> r;
      for (unsigned i = 0; i < n; ++i) r.push_back(row[i] ? std::string(row[i], len[i]) : "NULL");
      out.push_back(std::move(r));
    }
    mysql_free_result(res);
    return out;
  }
  std::string key_type() const override { return "VARCHAR(255)"; }
  std::string binary_type() const override { return "VARBINARY(255)"; }
  std::string table_options() const override { return " ENGINE=InnoDB"; }
  std::string password() const { return ds::sql::detail::parse_mariadb_url(url_, "").password; }
  long connections() { return std::stol(query("SHOW GLOBAL STATUS LIKE 'Connections'")[0][1]); }
};

/// The URL with another port, where nothing listens.
std::string refused_url(const std::string& url) {
  auto u = ds::sql::detail::parse_mariadb_url(url, "");
  return "mysql://" + u.user + ":" + u.password + "@127.0.0.1:1/" + u.database;
}

}  // namespace

std::unique_ptr<sql_test::database> sql_test::open_database() { return std::make_unique<mariadb_database>(); }

TEST_CASE("mysql:// URLs that cannot be used are refused at once, without the password") {
  const auto bad = [](const std::string& url, const std::string& why) {
    CAPTURE(url);
    REQUIRE_THROWS_WITH(ds::sql::upsert(url, "t", {"k", "v"}), Contains(why) && !Contains("s3cret"));
  };
  bad("mysql://u:s3cret@host:3306", "no database named");
  bad("mysql://u:s3cret@host:99999/db", "port \"99999\"");
  bad("mysql://u:s3cret@host:x1/db", "port \"x1\" is not a number");
  bad("mysql://u:s3cret@/db", "no host named");
  bad("mysql://u:s3cret@host/db?ssl=1", "?socket=");
  bad("mysql://u:s3cret%zz@host/db", "two hex digits");
  REQUIRE_NOTHROW(ds::sql::upsert("mysql://u:p%40ss@h/db", "t", {"k", "v"}));  // port 3306; p@ss
  REQUIRE(ds::sql::detail::parse_mariadb_url("mysql://u:p%40ss@h/db", "").password == "p@ss");
  REQUIRE(ds::sql::redact("mysql://u:s3cret@h:1/d") == "mysql://u:***@h:1/d");
}

TEST_CASE("errors from the server name the URL without its password, the table and the column") {
  auto db = std::make_unique<mariadb_database>();
  db->create_wordcount("wordcount");
  db->query("DROP TABLE IF EXISTS typed");
  db->query("CREATE TABLE typed (word VARCHAR(255) PRIMARY KEY, count BIGINT NOT NULL) ENGINE=InnoDB");
  const std::string url = db->url(), shown = ds::sql::redact(url), password = db->password();
  REQUIRE(!password.empty());
  using PSS = std::pair<std::string, std::string>;
  struct one {
    std::string url, table;
    std::vector<std::string> columns;
    bool text_values;
    std::vector<std::string> said;
  };
  const auto auth_url = "mysql://dstream:wrong@" + url.substr(url.find('@') + 1);
  const std::vector<one> cases = {
      {refused_url(url), "wordcount", {"word", "count"}, false, {"connecting failed", "127.0.0.1:1"}},
      {auth_url, "wordcount", {"word", "count"}, false, {"connecting failed", "Access denied"}},
      {url, "missing", {"word", "count"}, false, {"table missing", "missing' doesn't exist"}},
      {url, "wordcount", {"word", "total"}, false, {"table wordcount", "Unknown column 'total'"}},
      {url, "typed", {"word", "count"}, true, {"table typed", "column `dstream_test`.`typed`.`count`"}},
  };
  for (auto& c : cases) {
    CAPTURE(c.url, c.table);
    auto ssc = ds::streaming_context(sql_test::manual_conf(), 1s);
    sql_test::failures f;
    ssc.add_listener(f);
    ds::rdd_queue<PSS> texts;  // the queues outlive the context's run
    ds::rdd_queue<SI> numbers;
    if (c.text_values) {
      texts.push(ssc.context().parallelize(std::vector<PSS>{{"a", "not a number"}}, 1));
      ssc.queue_stream(texts) | ds::sql::upsert(c.url, c.table, c.columns);
    } else {
      numbers.push(ssc.context().parallelize(std::vector<SI>{{"a", 1}}, 1));
      ssc.queue_stream(numbers) | ds::sql::upsert(c.url, c.table, c.columns);
    }
    ssc.start();
    stream_test::run_batch(ssc, 1000, 1000);
    ssc.stop();
    REQUIRE(f.get().size() == 1);
    const std::string why = f.get()[0];
    CAPTURE(why);
    REQUIRE_THAT(why, Contains("ds::sql::upsert(" + ds::sql::redact(c.url) + ", table " + c.table + ")"));
    REQUIRE_THAT(why, !Contains(password) && !Contains(":wrong@"));
    for (auto& s : c.said) REQUIRE_THAT(why, Contains(s));
  }
  REQUIRE(db->query("SELECT COUNT(*) FROM typed")[0][0] == "0");
}

TEST_CASE("a connection killed in the middle of a batch: the batch fails and leaves nothing, the next reconnects") {
  auto db = std::make_unique<mariadb_database>();
  db->create_wordcount("wordcount");
  // The test holds the lock of the key "w1199" in a transaction of its own: the writer sends
  // two statements of 512 rows, blocks in the third, and is killed there.
  db->query("START TRANSACTION");
  db->query("INSERT INTO wordcount VALUES ('w1199', 0)");
  std::vector<SI> big;
  for (long i = 0; i < 1500; ++i) big.emplace_back(std::string("w").append(std::to_string(i)), 1);
  auto ssc = ds::streaming_context(sql_test::manual_conf(), 1s);
  sql_test::failures f;
  ssc.add_listener(f);
  ds::rdd_queue<SI> q;
  q.push(ssc.context().parallelize(big, 1));
  q.push(ssc.context().parallelize(std::vector<SI>{{"after", 4}}, 1));
  ssc.queue_stream(q) | ds::sql::upsert(db->url(), "wordcount", {"word", "count"}, ds::sql::add);
  ssc.start();
  ssc.test_clock()->advance(1000);
  mariadb_database watcher;
  // Reading uncommitted rows, the watcher sees the writer's first two statements (1024 rows,
  // and the test's own row): the writer is then in its third, waiting for the lock.
  watcher.query("SET SESSION TRANSACTION ISOLATION LEVEL READ UNCOMMITTED");
  std::string blocked;
  REQUIRE(stream_test::eventually(20s, [&] {
    if (std::stol(watcher.query("SELECT COUNT(*) FROM wordcount")[0][0]) < 1025) return false;
    auto r = watcher.query("SELECT id FROM information_schema.processlist WHERE user = 'dstream' AND command = "
                           "'Execute' AND info LIKE 'INSERT INTO `wordcount`%'");
    if (!r.empty()) blocked = r[0][0];
    return !r.empty();
  }));
  watcher.query("KILL CONNECTION " + blocked);
  REQUIRE(ssc.wait_for_batch(ds::batch_time(1000), 20s));
  db->query("ROLLBACK");
  stream_test::run_batch(ssc, 1000, 2000);
  ssc.stop();
  REQUIRE(f.get().size() == 1);
  REQUIRE_THAT(f.get()[0], Contains("ds::sql::upsert(" + ds::sql::redact(db->url()) + ", table wordcount)") &&
                               Contains("writing rows 1025") && !Contains(db->password()));
  REQUIRE(db->query("SELECT word, count FROM wordcount") == rows{{"after", "4"}});
  REQUIRE(db->query("SELECT COUNT(*) FROM dstream_progress")[0][0] == "1");
}

TEST_CASE("connections are kept across batches: at most one per partition written at the same time") {
  auto db = std::make_unique<mariadb_database>();
  db->create_wordcount("wordcount");
  const long before = db->connections();
  std::vector<std::vector<SI>> batches;
  for (long b = 0; b < 5; ++b) batches.push_back({{"a", 1}, {"b", b}, {"c", 2}});
  REQUIRE(sql_test::write_batches(*db, "wordcount", batches, ds::sql::add).empty());
  // 5 batches of 2 partitions, written at the same time on local[2]: 1 or 2 connections, not 10.
  const long opened = db->connections() - before;
  REQUIRE(opened >= 1);
  REQUIRE(opened <= 2);
  REQUIRE(db->counts("wordcount").at(sql_test::hex("a")) == "5");
}

TEST_CASE("the server stopped and started mid-stream: clear errors between, exact totals after the replays") {
  auto db = std::make_unique<mariadb_database>();
  db->create_wordcount("wordcount");
  const std::string password = db->password();
  db.reset();  // the server goes away under this connection too
  stream_test::temp_dir tmp;
  const sql_test::word_files files(tmp.path());
  const fs::path ckpt = tmp.path() / "ckpt";
  const std::string url = server_url();
  sql_test::failures f;
  // A checkpoint every 2 batches: one after batch 2; batch 4 fails, so none after it.
  auto factory = [&] {
    ds::streaming_context ssc(sql_test::manual_conf().set("dstream.checkpoint.interval", "2s"), 1s);
    ssc.checkpoint(ckpt.string());
    ssc.add_listener(f);
    ssc.text_file_stream(files.in.string()) | ds::map([](const std::string& w) { return std::pair{w, 1L}; }) |
        ds::reduce_by_key(std::plus<>{}) | ds::sql::upsert(url, "wordcount", {"word", "count"}, ds::sql::add);
    return ssc;
  };
  {
    auto ssc = ds::streaming_context::get_or_create(ckpt.string(), factory);
    ssc.start();
    files.feed(1);
    sql_test::run_until(ssc, 1000, 60s);
    files.feed(2);
    sql_test::run_until(ssc, 2000, 60s);
    REQUIRE(f.get().empty());
    control("stop");
    files.feed(3);
    sql_test::run_until(ssc, 3000, 60s);
    files.feed(4);
    sql_test::run_until(ssc, 4000, 60s);
    control("start");
    files.feed(5);
    sql_test::run_until(ssc, 5000, 60s);
    const auto failed = f.get();
    REQUIRE(failed.size() == 2);  // batches 3 and 4
    for (auto& why : failed) {
      CAPTURE(why);
      REQUIRE_THAT(why, Contains("ds::sql::upsert(" + ds::sql::redact(url) + ", table wordcount)") &&
                            Contains("connecting failed") && !Contains(password));
    }
    ssc.stop(true, false);  // as a crash: batches 3 to 5 are not in a checkpoint
  }
  {
    auto ssc = ds::streaming_context::get_or_create(ckpt.string(), factory);
    REQUIRE(ssc.recovered());
    ssc.start();
    sql_test::run_until(ssc, 5000, 60s);  // 3 and 4 are written now, 5 finds its progress row
    files.feed(6);
    sql_test::run_until(ssc, 6000, 60s);
    ssc.stop();
  }
  REQUIRE(f.get().size() == 2);
  mariadb_database after;
  REQUIRE(after.query("SELECT word, count FROM wordcount ORDER BY word") == rows{{"a", "12"}, {"b", "6"}});
}
