// sql_word_count: running word totals of the lines read from a TCP server, written to a
// database table every second (the guide's MySQL program, done with ds::sql::upsert).
//
//   sql_word_count <hostname> <port> [--db URL] [--checkpoint DIR] [--seconds N]
//
// URL is `sqlite:///path.db` (the default: /tmp/dstream-wordcount.db, its table created when
// missing) or `mysql://user:password@host:port/database` for MySQL or MariaDB, where the
// table is yours to create, as in the guide:
//
//   CREATE TABLE wordcount (word VARCHAR(255) PRIMARY KEY, count BIGINT NOT NULL) ENGINE=InnoDB;
//
// Where the guide builds each INSERT by formatting values into SQL text (injectable),
// commits once per row (slow) and inserts again after a restart (duplicates), this
// writes each partition of a batch in one transaction of bound statements, replaces the
// total of each word (an upsert), and records the batch in `dstream_progress` in the same
// transaction, so a batch run again after a crash writes nothing twice. Feed it with
// `line_server 9999`; read the table with `sqlite3 /tmp/dstream-wordcount.db 'select * from wordcount'`
// (or `mariadb -e 'select * from wordcount' database`).

#include <chrono>
#include <exception>
#include <filesystem>
#include <iostream>
#include <numeric>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include <sqlite3.h>

#include <dstream/dstream.hpp>
#include <dstream/sql.hpp>          // sqlite://
#include <dstream/sql/mariadb.hpp>  // mysql://

#include "example_support.hpp"

namespace ds = dstream;
using namespace std::chrono_literals;

namespace {

std::optional<long> add_counts(std::span<const long> new_values, std::optional<long> last_sum) {
  return std::accumulate(new_values.begin(), new_values.end(), 0L) + last_sum.value_or(0);
}

// The table the guide creates by hand; here created when missing.
void create_table(const std::string& url) {
  const std::string path = url.substr(std::string_view("sqlite://").size());
  sqlite3* db = nullptr;
  char* err = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK ||
      sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS wordcount (word TEXT PRIMARY KEY, count INTEGER NOT NULL)",
                   nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string why = err ? err : sqlite3_errmsg(db);
    sqlite3_free(err);
    sqlite3_close(db);
    throw std::runtime_error("cannot create the table wordcount in " + path + ": " + why);
  }
  sqlite3_close(db);
}

}  // namespace

int main(int argc, char** argv) {
  const example::command_line args(
      "sql_word_count", "Usage: sql_word_count <hostname> <port> [--db sqlite:///path.db | --db mysql://user:password@host:port/database]\n"
      "       [--checkpoint DIR] [--seconds N]\n",
      argc, argv, {"--db", "--checkpoint", "--seconds"});
  args.expect_positional(2, 2);
  const auto tmp = std::filesystem::temp_directory_path();
  const std::string db = args.option_or("--db", "sqlite://" + (tmp / "dstream-wordcount.db").string());
  const std::string checkpoint = args.option_or("--checkpoint", (tmp / "dstream-sql-checkpoint").string());
  const double seconds = args.run_seconds();  // 0: until a signal
  const std::string host(args.positional()[0]);
  const int port = args.port(args.positional()[1]);

  try {
    if (db.rfind("sqlite://", 0) == 0) create_table(db);
    auto ssc = ds::streaming_context::get_or_create(checkpoint, [&] {
      ds::streaming_context s(ds::conf().app_name("SqlWordCount").master("local[2]")
                                        .set("dstream.ui.enabled", "true")  // the page: examples/status_page.cpp, linked in
                                        .set("dstream.streaming.stop_gracefully_on_shutdown", "true"), 1s);  // Ctrl-C: stop gracefully
      s.checkpoint(checkpoint);
      auto running_counts = s.socket_text_stream(host, port)
          | ds::flat_map([](const std::string& line) { return ds::split(line, ' '); })
          | ds::filter([](std::string_view word) { return !word.empty(); })
          | ds::map([](std::string_view word) { return std::pair{std::string(word), 1L}; })
          | ds::update_state_by_key(add_counts)
          | ds::named("running_counts");
      running_counts | ds::pprint();
      running_counts | ds::sql::upsert(db, "wordcount", {"word", "count"});
      return s;
    });
    if (ssc.recovered()) std::cerr << "sql_word_count: recovered from " << checkpoint << '\n';
    std::cerr << "sql_word_count: writing to " << ds::sql::redact(db) << '\n';  // never the password
    ssc.start();
    std::cerr << "sql_word_count: status page at " << ssc.ui_url() << '\n';
    example::run_until_stopped(ssc, seconds);
  } catch (const std::exception& e) {
    std::cerr << "sql_word_count: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
