#pragma once
// <dstream/sql.hpp>: writing a stream's pairs or tuples into a database table, exactly
// once across crashes. Link with SQLite (`-lsqlite3`, Debian's libsqlite3-dev).
//
// `stream | ds::sql::upsert("sqlite:///tmp/words.db", "wordcount", {"word", "count"})`
// writes each element as one row: the first column is the key (the table must have a
// PRIMARY KEY or UNIQUE constraint on it), the others take the element's other parts.
// With `ds::sql::set` (the default) a row replaces the values of its key; with
// `ds::sql::add` they are added (`count = count + excluded.count`).
//
// Each partition of a batch is one transaction, holding its rows and a row of the
// progress table `dstream_progress(output, part, batch_ms)`. A batch that runs again
// after a crash (recovery runs it at the same batch time with the same input) finds its
// progress rows and writes nothing twice. Statements are prepared and bound, never built
// from values; the connection stays open across batches and is opened again after a
// failure. Errors name the URL, the table and what the database said; the batch fails and
// its transaction is rolled back.

#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <sqlite3.h>

#include <dstream/batch/rdd.hpp>
#include <dstream/detail/closure.hpp>
#include <dstream/io/outputs.hpp>
#include <dstream/stream/dstream.hpp>

namespace dstream::sql {

/// How a row meets an existing row of its key: its values replace, or are added.
enum class mode { set, add };
/// The values of a row replace those of its key (the default).
inline constexpr mode set = mode::set;
/// The values of a row are added to those of its key (counts, sums).
inline constexpr mode add = mode::add;

namespace detail {

/// What `url` names: `sqlite:///absolute/path.db` or `sqlite://relative/path.db`.
struct location {
  std::string scheme;
  std::string path;
};

inline location parse_url(const std::string& url) {
  const auto sep = url.find("://");
  if (sep == std::string::npos)
    throw std::invalid_argument("ds::sql: \"" + url + "\" is not a URL; expected sqlite:///path/to/file.db");
  location l{url.substr(0, sep), url.substr(sep + 3)};
  if (l.scheme == "mysql")
    throw std::invalid_argument("ds::sql: mysql:// URLs are not supported by this version of dstream yet; "
                                "use sqlite:///path/to/file.db");
  if (l.scheme != "sqlite")
    throw std::invalid_argument("ds::sql: unknown scheme \"" + l.scheme + "\" in \"" + url +
                                "\"; expected sqlite:///path/to/file.db");
  if (l.path.empty()) throw std::invalid_argument("ds::sql: \"" + url + "\" names no database file");
  return l;
}

/// An SQL identifier, quoted: a table or column name is never spliced in raw.
inline std::string quote_name(std::string_view name) {
  std::string q = "\"";
  for (char c : name) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + '"';
}

/// The parts of an element as a tuple of references (a pair, a tuple, or one value).
template <class T>
auto parts_of(const T& x) {
  if constexpr (requires { std::tuple_size<T>::value; }) {
    return std::apply([](const auto&... p) { return std::tie(p...); }, x);
  } else {
    return std::tie(x);
  }
}

template <class T>
constexpr std::size_t arity() {
  if constexpr (requires { std::tuple_size<T>::value; }) {
    return std::tuple_size_v<T>;
  } else {
    return 1;
  }
}

template <class V>
concept bindable = std::is_arithmetic_v<std::remove_cvref_t<V>> || std::is_convertible_v<const V&, std::string_view>;

/// One SQLite connection and its prepared statements, for one upsert output.
class sqlite_writer {
 public:
  sqlite_writer(std::string url, std::string table, std::vector<std::string> columns, mode m)
      : url_(std::move(url)), path_(parse_url(url_).path), table_(std::move(table)), columns_(std::move(columns)),
        mode_(m) {
    if (columns_.empty()) throw std::invalid_argument(where() + ": no columns given");
    output_ = table_;
    for (auto& c : columns_) output_ += ":" + c;
  }
  ~sqlite_writer() { close(); }
  sqlite_writer(const sqlite_writer&) = delete;
  sqlite_writer& operator=(const sqlite_writer&) = delete;

  /// Writes partition `part` of batch `batch_ms` in one transaction, unless it was written.
  template <class T>
  void write(const T* rows, std::size_t n, std::size_t part, std::int64_t batch_ms) {
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
      for (std::size_t i = 0; i < n; ++i) {
        int k = 0;
        std::apply([&](const auto&... p) { (bind(upsert_, ++k, p), ...); }, parts_of(rows[i]));
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

  std::string where() const { return "ds::sql::upsert(" + url_ + ", table " + table_ + ")"; }

 private:
  void open() {
    if (db_) return;
    if (sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK)
      fail("opening the database");
    sqlite3_busy_timeout(db_, 10000);
    exec("CREATE TABLE IF NOT EXISTS dstream_progress (output TEXT NOT NULL, part INTEGER NOT NULL, "
         "batch_ms INTEGER NOT NULL, PRIMARY KEY (output, part, batch_ms))");
    std::string names, marks, updates;
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      names += (i ? ", " : "") + quote_name(columns_[i]);
      marks += i ? ", ?" : "?";
      if (i == 0) continue;
      const std::string c = quote_name(columns_[i]);
      updates += (i > 1 ? ", " : "") + c + " = " + (mode_ == mode::add ? c + " + excluded." + c : "excluded." + c);
    }
    std::string sql = "INSERT INTO " + quote_name(table_) + " (" + names + ") VALUES (" + marks + ") ON CONFLICT(" +
                      quote_name(columns_[0]) + ") DO " + (updates.empty() ? "NOTHING" : "UPDATE SET " + updates);
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
      fail("preparing the statement for columns (" + join_columns() + ")");
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
    sqlite3_bind_text(s, 1, output_.data(), static_cast<int>(output_.size()), SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, static_cast<sqlite3_int64>(part));
    sqlite3_bind_int64(s, 3, batch_ms);
  }
  template <class V>
  void bind(sqlite3_stmt* s, int i, const V& v) {
    int rc;
    if constexpr (std::is_floating_point_v<V>) {
      rc = sqlite3_bind_double(s, i, static_cast<double>(v));
    } else if constexpr (std::is_arithmetic_v<V>) {
      rc = sqlite3_bind_int64(s, i, static_cast<sqlite3_int64>(v));
    } else {
      const std::string_view text(v);
      rc = sqlite3_bind_text(s, i, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
    }
    if (rc != SQLITE_OK) fail("binding column " + columns_[static_cast<std::size_t>(i - 1)]);
  }

  [[noreturn]] void fail(const std::string& doing) const {
    const std::string said = db_ ? sqlite3_errmsg(db_) : "out of memory";
    throw std::runtime_error(where() + ": " + doing + " failed: " + said);
  }
  std::string join_columns() const {
    std::string s;
    for (auto& c : columns_) s += (s.empty() ? "" : ", ") + c;
    return s;
  }

  std::string url_, path_, table_;
  std::vector<std::string> columns_;
  mode mode_;
  std::string output_;  // this output's name in dstream_progress
  std::mutex m_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* upsert_ = nullptr;
  sqlite3_stmt* seen_ = nullptr;
  sqlite3_stmt* mark_ = nullptr;
};

}  // namespace detail

/// Output: writes every element of every batch as a row of `table` (see the top of this
/// header). Elements are pairs or tuples with as many parts as `columns` (or single values
/// for one column), each part a number or text.
///
/// Signature: `upsert(url, table, {columns...} [, ds::sql::set | ds::sql::add])`:
/// `dstream<T>` → `void`.
///
/// Example: `counts | ds::sql::upsert("sqlite:///tmp/words.db", "wordcount", {"word", "count"}, ds::sql::add);`
class upsert_t : public ::dstream::detail::op_base {
 public:
  using kind = ::dstream::detail::stream_kind;
  explicit upsert_t(std::shared_ptr<detail::sqlite_writer> w, std::size_t columns)
      : w_(std::move(w)), columns_(columns) {}

  template <class T>
  void apply(const dstream<T>& s) const {
    if (detail::arity<T>() != columns_)
      throw std::invalid_argument(w_->where() + ": " + std::to_string(columns_) + " columns named, but each element has " +
                                  std::to_string(detail::arity<T>()) + " parts");
    check_parts<T>();
    ::dstream::detail::register_output(s, "sql::upsert", [w = w_](rdd<T>& r, batch_time t) {
      for (std::size_t i = 0; i < r.num_partitions(); ++i) {
        auto part = r.partition(i);
        w->write(part.data(), part.size(), i, t.milliseconds());
      }
    });
  }

 private:
  template <class T>
  static void check_parts() {
    using parts = decltype(detail::parts_of(std::declval<const T&>()));
    []<std::size_t... I>(std::index_sequence<I...>) {
      static_assert((detail::bindable<std::remove_cvref_t<std::tuple_element_t<I, parts>>> && ...),
                    "ds::sql::upsert: every part of an element must be a number or text (std::string, "
                    "std::string_view, const char*)");
    }(std::make_index_sequence<std::tuple_size_v<parts>>{});
  }

  std::shared_ptr<detail::sqlite_writer> w_;
  std::size_t columns_;
};

/// See `upsert_t`.
inline upsert_t upsert(std::string url, std::string table, std::vector<std::string> columns, mode m = mode::set) {
  const std::size_t n = columns.size();
  return upsert_t(std::make_shared<detail::sqlite_writer>(std::move(url), std::move(table), std::move(columns), m), n);
}

}  // namespace dstream::sql
