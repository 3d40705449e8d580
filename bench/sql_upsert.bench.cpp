// sql_upsert: rows per second written into SQLite by ds::sql::upsert's writer (bound
// statements, one transaction per partition) beside the tutorial's way (each INSERT
// built as text from the values, one commit per row), on the same rows in the same run,
// into a database file under /tmp.
//
//   sql_upsert_bench [ROWS]     (default 400000 rows for upsert; the tutorial's way gets 1/100 of them)

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include <sqlite3.h>

#include <dstream/sql.hpp>

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

// ds::sql::upsert's writer: 4 partitions of a batch, each one transaction.
double upsert_rows_per_s(std::size_t n) {
  const fs::path p = fresh_db("upsert");
  const auto rows = rows_of(n);
  dstream::sql::detail::sqlite_writer w("sqlite://" + p.string(), "wordcount", {"word", "count"}, dstream::sql::set);
  const std::size_t parts = 4, each = n / parts;
  const auto start = clk::now();
  for (std::size_t k = 0; k < parts; ++k) w.write(rows.data() + k * each, each, k, 1000);
  const double s = std::chrono::duration<double>(clk::now() - start).count();
  fs::remove(p);
  return static_cast<double>(parts * each) / s;
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

}  // namespace

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::stoul(argv[1]) : 400000;
  try {
    const double ours = upsert_rows_per_s(n);
    const double theirs = tutorial_rows_per_s(std::max<std::size_t>(n / 100, 100));
    std::printf("sql::upsert into SQLite:     %10.0f rows/s  (%zu rows, 4 partitions, one transaction each)\n", ours, n);
    std::printf("the tutorial's way (SQLite): %10.0f rows/s  (statement text per row, a commit per row)\n", theirs);
    std::printf("ratio: %.0fx the tutorial's way (target >= 20x); %s 100000 rows/s on one core\n", ours / theirs,
                ours >= 100000 ? "meets" : "below");
  } catch (const std::exception& e) {
    std::cerr << "sql_upsert_bench: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
