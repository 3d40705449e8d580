// sql_upsert: rows per second written by ds::sql::upsert's writer (bound statements, one
// transaction per partition) beside the tutorial's way (each INSERT built as text from the
// values, one commit per row), on the same rows in the same run: into a database file under
// /tmp (SQLite), and into MySQL/MariaDB when a mysql:// URL is given (or DSTREAM_MYSQL_URL
// is set; `tests/support/mariadb_server.sh run ./sql_upsert_bench` starts a private server).
//
//   sql_upsert_bench [ROWS [mysql://user:password@host:port/database]]
//   (default 400000 rows for upsert; the tutorial's way gets 1/100 of them)

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>
#include <utility>
#include <vector>
#include <memory>

#include <cstdlib>

#include <sqlite3.h>

#include <dstream/sql.hpp>
#include <dstream/sql/mariadb.hpp>

namespace {

namespace fs = std::filesystem;
using clk = std::chrono::steady_clock;

void exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string why = err ? err : "?";
    sqlite3_free(err);
    throw std::runtime_error(sql + ": " + why);
  }
}

fs::path fresh_db(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("dstream-bench-" + name + ".db");
  fs::remove(p);
  sqlite3* db = nullptr;
  sqlite3_open(p.c_str(), &db);
  exec(db, "CREATE TABLE wordcount (word TEXT PRIMARY KEY, count INTEGER NOT NULL)");
  sqlite3_close(db);
  return p;
}

std::vector<std::pair<std::string, long>> rows_of(std::size_t n) {
  std::vector<std::pair<std::string, long>> rows;
  rows.reserve(n);
  for (std::size_t i = 0; i < n; ++i) rows.emplace_back("word" + std::to_string(i), static_cast<long>(i % 97));
  return rows;
}

// ds::sql::upsert's writer, as its output calls it: 4 partitions of a batch, each one
// transaction; on a server the partitions are written at the same time (as on local[4]).
double upsert_rows_per_s(const std::string& url, std::size_t n) {
  const auto rows = rows_of(n);
  auto t = std::make_shared<dstream::sql::detail::target>();
  t->url = url;
  t->shown = dstream::sql::redact(url);
  t->table = "wordcount";
  t->columns = {"word", "count"};
  t->output = "wordcount:word:count";
  auto w = dstream::sql::detail::make_writer(*t);
  const std::size_t parts = 4, each = n / parts;
  auto part = [&](std::size_t k) {
    std::vector<dstream::sql::detail::cell> cells;
    dstream::sql::detail::write_partition(*w, rows.data() + k * each, each, k, 1000, cells);
  };
  const auto start = clk::now();
  if (w->concurrent()) {
    std::vector<std::thread> threads;
    for (std::size_t k = 0; k < parts; ++k) threads.emplace_back(part, k);
    for (auto& th : threads) th.join();
  } else {
    for (std::size_t k = 0; k < parts; ++k) part(k);
  }
  return static_cast<double>(parts * each) / std::chrono::duration<double>(clk::now() - start).count();
}

double sqlite_upsert_rows_per_s(std::size_t n) {
  const fs::path p = fresh_db("upsert");
  const double r = upsert_rows_per_s("sqlite://" + p.string(), n);
  fs::remove(p);
  return r;
}

// The tutorial's way: "insert into wordcount(word,count) values ('%s', '%s')" per row,
// committed one by one (sqlite3_exec in autocommit mode).
double tutorial_rows_per_s(std::size_t n) {
  const fs::path p = fresh_db("tutorial");
  const auto rows = rows_of(n);
  sqlite3* db = nullptr;
  sqlite3_open(p.c_str(), &db);
  const auto start = clk::now();
  for (const auto& [word, count] : rows) {
    const std::string sql =
        "insert into wordcount(word,count) values ('" + word + "', '" + std::to_string(count) + "')";
    sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  }
  const double s = std::chrono::duration<double>(clk::now() - start).count();
  sqlite3_close(db);
  fs::remove(p);
  return static_cast<double>(n) / s;
}

// MySQL/MariaDB, through the test helper's kind of connection.
MYSQL* mysql_connect(const std::string& url) {
  const auto u = dstream::sql::detail::parse_mariadb_url(url, dstream::sql::redact(url));
  MYSQL* db = mysql_init(nullptr);
  if (!mysql_real_connect(db, u.host.c_str(), u.user.c_str(), u.password.c_str(), u.database.c_str(), u.port, nullptr,
                          0))
    throw std::runtime_error(dstream::sql::redact(url) + ": " + mysql_error(db));
  return db;
}
void mysql_exec(MYSQL* db, const std::string& sql) {
  if (mysql_query(db, sql.c_str()) != 0) throw std::runtime_error(sql.substr(0, 80) + ": " + mysql_error(db));
}
void mysql_fresh(const std::string& url) {
  MYSQL* db = mysql_connect(url);
  mysql_exec(db, "DROP TABLE IF EXISTS wordcount");
  mysql_exec(db, "DROP TABLE IF EXISTS dstream_progress");
  mysql_exec(db, "CREATE TABLE wordcount (word VARCHAR(255) PRIMARY KEY, count BIGINT NOT NULL) ENGINE=InnoDB");
  mysql_close(db);
}

// The tutorial's way on a server: one connection, each statement built as text and
// committed on its own (autocommit).
double mysql_tutorial_rows_per_s(const std::string& url, std::size_t n) {
  mysql_fresh(url);
  const auto rows = rows_of(n);
  MYSQL* db = mysql_connect(url);
  const auto start = clk::now();
  for (const auto& [word, count] : rows)
    mysql_exec(db, "insert into wordcount(word,count) values ('" + word + "', '" + std::to_string(count) + "')");
  const double s = std::chrono::duration<double>(clk::now() - start).count();
  mysql_close(db);
  return static_cast<double>(n) / s;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::stoul(argv[1]) : 400000;
  const char* env = std::getenv("DSTREAM_MYSQL_URL");
  const std::string mysql = argc > 2 ? argv[2] : env ? env : "";
  try {
    const double ours = sqlite_upsert_rows_per_s(n);
    const double theirs = tutorial_rows_per_s(std::max<std::size_t>(n / 100, 100));
    std::printf("sql::upsert into SQLite:     %10.0f rows/s  (%zu rows, 4 partitions, one transaction each)\n", ours, n);
    std::printf("the tutorial's way (SQLite): %10.0f rows/s  (statement text per row, a commit per row)\n", theirs);
    std::printf("ratio: %.0fx the tutorial's way (target >= 20x); %s 100000 rows/s on one core\n", ours / theirs,
                ours >= 100000 ? "meets" : "below");
    if (mysql.empty()) {
      std::printf("MySQL/MariaDB: no server (give a mysql:// URL or set DSTREAM_MYSQL_URL)\n");
      return 0;
    }
    mysql_fresh(mysql);
    const double m_ours = upsert_rows_per_s(mysql, n);
    const double m_theirs = mysql_tutorial_rows_per_s(mysql, std::max<std::size_t>(n / 100, 100));
    std::printf("sql::upsert into MariaDB:     %10.0f rows/s  (%zu rows, 4 partitions at once, one transaction each)\n",
                m_ours, n);
    std::printf("the tutorial's way (MariaDB): %10.0f rows/s  (statement text per row, a commit per row)\n", m_theirs);
    std::printf("ratio: %.0fx the tutorial's way (target >= 10x)\n", m_ours / m_theirs);
  } catch (const std::exception& e) {
    std::cerr << "sql_upsert_bench: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
