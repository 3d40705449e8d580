#pragma once
// <dstream/sql/sqlite.hpp>: `ds::sql::upsert` into SQLite files, `sqlite:///absolute/path.db`
// or `sqlite://relative/path.db`. Link with SQLite (`-lsqlite3`, Debian's libsqlite3-dev).
//
// One connection per output, kept across batches (SQLite has one writer at a time, so the
// partitions of a batch take turns on it); per partition `BEGIN IMMEDIATE`, the progress
// row checked, every row through one prepared `INSERT … ON CONFLICT(key) DO UPDATE`, the
// progress row written, `COMMIT`.

#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>

#include <sqlite3.h>

#include <dstream/sql/upsert.hpp>

namespace dstream::sql::detail {

/// One SQLite connection and its prepared statements, for one upsert output.
class sqlite_writer final : public writer {
 public:
  explicit sqlite_writer(const target& t) : t_(t), path_(t.url.substr(t.url.find("://") + 3)) {
    if (path_.empty()) throw std::invalid_argument("ds::sql: \"" + t_.shown + "\" names no database file");
  }
  ~sqlite_writer() override { close(); }
  sqlite_writer(const sqlite_writer&) = delete;
  sqlite_writer& operator=(const sqlite_writer&) = delete;

  void write(const rows_view& rows, std::size_t part, std::int64_t batch_ms) override {
    std::lock_guard lock(m_);
    try {
      open();
      exec("BEGIN IMMEDIATE");
      bind_progress(seen_, part, batch_ms);
      const bool done = step(seen_) == SQLITE_ROW;
      sqlite3_reset(seen_);
      if (done) {
        exec("COMMIT");
        return;
      }
      for (std::size_t r = 0; r < rows.rows; ++r) {
        for (std::size_t c = 0; c < rows.kinds.size(); ++c) bind(static_cast<int>(c + 1), rows.kinds[c], rows.at(r, c));
        if (step(upsert_) != SQLITE_DONE) fail("writing a row");
        sqlite3_reset(upsert_);
      }
      bind_progress(mark_, part, batch_ms);
      if (step(mark_) != SQLITE_DONE) fail("recording the batch in dstream_progress");
      sqlite3_reset(mark_);
      exec("COMMIT");
    } catch (...) {
      // Nothing half-written stays; the next batch starts from a fresh connection.
      if (db_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      close();
      throw;
    }
  }

 private:
  void open() {
    if (db_) return;
    if (sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK)
      fail("opening the database");
    sqlite3_busy_timeout(db_, 10000);
    exec("CREATE TABLE IF NOT EXISTS dstream_progress (output TEXT NOT NULL, part INTEGER NOT NULL, "
         "batch_ms INTEGER NOT NULL, PRIMARY KEY (output, part, batch_ms))");
    const auto u = upsert_columns_of(t_, '"', [](const std::string& col) { return "excluded." + col; });
    const std::string sql = "INSERT INTO " + quote_name(t_.table, '"') + " (" + u.names + ") VALUES (" + u.marks +
                            ") ON CONFLICT(" + quote_name(t_.columns[0], '"') + ") DO " +
                            (u.updates.empty() ? "NOTHING" : "UPDATE SET " + u.updates);
    upsert_ = prepare(sql);
    seen_ = prepare("SELECT 1 FROM dstream_progress WHERE output = ? AND part = ? AND batch_ms = ?");
    mark_ = prepare("INSERT INTO dstream_progress (output, part, batch_ms) VALUES (?, ?, ?)");
  }
  void close() {
    for (sqlite3_stmt* s : {upsert_, seen_, mark_}) sqlite3_finalize(s);
    upsert_ = seen_ = mark_ = nullptr;
    if (db_) sqlite3_close(db_);
    db_ = nullptr;
  }

  sqlite3_stmt* prepare(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &s, nullptr) != SQLITE_OK)
      fail("preparing the statement for columns (" + t_.column_list() + ")");
    return s;
  }
  void exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(std::string("running ") + sql);
  }
  int step(sqlite3_stmt* s) {
    const int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      sqlite3_reset(s);
      fail("writing");
    }
    return rc;
  }
  void bind_progress(sqlite3_stmt* s, std::size_t part, std::int64_t batch_ms) {
    sqlite3_bind_text(s, 1, t_.output.data(), static_cast<int>(t_.output.size()), SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, static_cast<sqlite3_int64>(part));
    sqlite3_bind_int64(s, 3, batch_ms);
  }
  void bind(int i, kind k, const cell& v) {
    int rc;
    switch (k) {
      case kind::real: rc = sqlite3_bind_double(upsert_, i, v.real); break;
      case kind::integer: rc = sqlite3_bind_int64(upsert_, i, static_cast<sqlite3_int64>(v.integer)); break;
      default: rc = sqlite3_bind_text(upsert_, i, v.text.data(), static_cast<int>(v.text.size()), SQLITE_STATIC);
    }
    if (rc != SQLITE_OK) fail("binding column " + t_.columns[static_cast<std::size_t>(i - 1)]);
  }

  [[noreturn]] void fail(const std::string& doing) const {
    const std::string said = db_ ? sqlite3_errmsg(db_) : "out of memory";
    throw std::runtime_error(t_.where() + ": " + doing + " failed: " + said);
  }

  const target t_;
  std::string path_;
  std::mutex m_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* upsert_ = nullptr;
  sqlite3_stmt* seen_ = nullptr;
  sqlite3_stmt* mark_ = nullptr;
};

inline std::unique_ptr<writer> make_sqlite_writer(const target& t) { return std::make_unique<sqlite_writer>(t); }

/// Makes `sqlite://` known to `ds::sql::upsert` in every program that includes this header.
inline const bool sqlite_registered = register_backend("sqlite", &make_sqlite_writer);

}  // namespace dstream::sql::detail
