#pragma once
// <dstream/sql/mariadb.hpp>: `ds::sql::upsert` into MySQL or MariaDB,
// `mysql://user:password@host:port/database` (port 3306 when left out; `?socket=/path` for a
// Unix socket; `%XX` escapes in the user, password and database). Link with MariaDB
// Connector/C (`pkg-config --libs libmariadb`, Debian's libmariadb-dev), which speaks to both.
//
// Per partition of a batch, on a connection of the output's pool (kept across batches,
// one per partition written at the same time): `START TRANSACTION`; the progress row
// `(output, part, batch_ms)` inserted first (a duplicate means the batch was written:
// nothing more is done); the rows through prepared multi-row statements,
// `INSERT … VALUES (?, ?), (?, ?), … ON DUPLICATE KEY UPDATE`, up to 512 rows each;
// `COMMIT`. The session is strict (`STRICT_ALL_TABLES`): a value that does not fit its
// column is an error naming the column, never silently cut. The table must be
// transactional (InnoDB, the default) for a failed partition to leave nothing behind.
// A connection that fails is closed and rolled back by the server; a pooled one found dead
// before anything was sent (the server restarted) is replaced at once.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#if __has_include(<mysql.h>)
#include <mysql.h>
#else
#include <mariadb/mysql.h>
#endif

#include <dstream/sql/upsert.hpp>

namespace dstream::sql::detail {

/// Where `mysql://user:password@host:port/database[?socket=path]` points.
struct mariadb_url {
  std::string user, password, host, database, socket;
  unsigned port = 3306;
};

inline std::string percent_decode(std::string_view s, const std::string& shown) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    auto hex = [&](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    const int hi = i + 2 < s.size() ? hex(s[i + 1]) : -1, lo = i + 2 < s.size() ? hex(s[i + 2]) : -1;
    if (hi < 0 || lo < 0) throw std::invalid_argument("ds::sql: \"" + shown + "\": a % not followed by two hex digits");
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

inline mariadb_url parse_mariadb_url(const std::string& url, const std::string& shown) {
  const std::string expected = "; expected mysql://user:password@host:port/database";
  auto bad = [&](const std::string& why) { return std::invalid_argument("ds::sql: \"" + shown + "\": " + why + expected); };
  std::string_view rest(url);
  rest.remove_prefix(rest.find("://") + 3);
  mariadb_url u;
  if (const auto q = rest.find('?'); q != std::string_view::npos) {
    std::string_view query = rest.substr(q + 1);
    rest = rest.substr(0, q);
    if (query.rfind("socket=", 0) != 0 || query.find('&') != std::string_view::npos)
      throw bad("the only option understood is ?socket=/path/to/socket, not \"" + std::string(query) + "\"");
    u.socket = percent_decode(query.substr(7), shown);
  }
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos || slash + 1 == rest.size()) throw bad("no database named");
  u.database = percent_decode(rest.substr(slash + 1), shown);
  std::string_view auth = rest.substr(0, slash);
  if (const auto at = auth.rfind('@'); at != std::string_view::npos) {
    std::string_view who = auth.substr(0, at);
    auth = auth.substr(at + 1);
    const auto colon = who.find(':');
    u.user = percent_decode(who.substr(0, colon), shown);
    if (colon != std::string_view::npos) u.password = percent_decode(who.substr(colon + 1), shown);
  }
  std::string_view port;
  if (!auth.empty() && auth.front() == '[') {  // [::1]:3306
    const auto close = auth.find(']');
    if (close == std::string_view::npos) throw bad("an unclosed [ in the host");
    u.host = std::string(auth.substr(1, close - 1));
    if (close + 1 < auth.size()) {
      if (auth[close + 1] != ':') throw bad("text after the host's ]");
      port = auth.substr(close + 2);
    }
  } else {
    const auto colon = auth.find(':');
    u.host = std::string(auth.substr(0, colon));
    if (colon != std::string_view::npos) port = auth.substr(colon + 1);
  }
  if (u.host.empty() && u.socket.empty()) throw bad("no host named");
  if (!port.empty() || auth.find(':') != std::string_view::npos) {
    unsigned p = 0;
    for (char c : port) {
      if (c < '0' || c > '9' || p > 65535) throw bad("port \"" + std::string(port) + "\" is not a number");
      p = p * 10 + static_cast<unsigned>(c - '0');
    }
    if (port.empty() || p == 0 || p > 65535) throw bad("port \"" + std::string(port) + "\" is not in 1..65535");
    u.port = p;
  }
  return u;
}

/// One output's pool of MySQL/MariaDB connections.
class mariadb_writer final : public writer {
 public:
  explicit mariadb_writer(const target& t) : t_(t), u_(parse_mariadb_url(t.url, t.shown)) {
    static std::once_flag library;  // mysql_library_init is not thread-safe: once, here
    std::call_once(library, [] { mysql_library_init(0, nullptr, nullptr); });
    output_ = t_.output;
    if (output_.size() > 255) {  // the progress table's key column: a prefix and a hash
      std::uint64_t h = 14695981039346656037ull;
      for (unsigned char c : output_) h = (h ^ c) * 1099511628211ull;
      char hex[17];
      std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
      output_ = output_.substr(0, 200) + "#" + hex;
    }
    chunk_ = std::min<std::size_t>(512, 60000 / t_.columns.size());
    if (chunk_ == 0) throw std::invalid_argument(t_.where() + ": more than 60000 columns");
  }

  bool concurrent() const override { return true; }

  void write(const rows_view& rows, std::size_t part, std::int64_t batch_ms) override {
    std::unique_ptr<connection> c = take();
    const bool pooled = c != nullptr;
    try {
      if (!c) c = connect();
      if (!c->query("START TRANSACTION") && pooled && c->gone()) {
        // Idle in the pool while the server restarted: nothing was sent, so a new
        // connection can begin again.
        c.reset();
        c = connect();
        c->check(c->query("START TRANSACTION"), "starting a transaction");
      } else {
        c->check(c->ok, "starting a transaction");
      }
      if (!mark(*c, part, batch_ms)) {
        c->check(mysql_commit(c->db) == 0, "ending the transaction of a batch written before");
        give_back(std::move(c));
        return;
      }
      for (std::size_t r = 0; r < rows.rows;) {
        std::size_t n = std::min(chunk_, rows.rows - r);
        while (n > 1 && bytes(rows, r, n) > (std::size_t(4) << 20)) n /= 2;  // under max_allowed_packet
        put(*c, rows, r, n, part);
        r += n;
      }
      c->check(mysql_commit(c->db) == 0, "committing partition " + std::to_string(part));
      give_back(std::move(c));
    } catch (...) {
      // Closing the connection rolls back whatever it began; the next batch opens another.
      if (c && c->db) mysql_rollback(c->db);
      throw;
    }
  }

 private:
  struct connection {
    const target* t = nullptr;
    MYSQL* db = nullptr;
    MYSQL_STMT* mark = nullptr;
    std::map<std::size_t, MYSQL_STMT*> upserts;  // by number of rows
    std::vector<MYSQL_BIND> binds;                // of the statement being sent
    std::vector<unsigned long> lengths;
    bool ok = true;

    ~connection() {
      for (auto& [n, s] : upserts) mysql_stmt_close(s);
      if (mark) mysql_stmt_close(mark);
      if (db) mysql_close(db);
    }
    bool query(std::string_view sql) {
      ok = mysql_real_query(db, sql.data(), sql.size()) == 0;
      return ok;
    }
    bool gone() const {
      const unsigned e = mysql_errno(db);
      return e == 2006 || e == 2013 || e == 2055;  // server gone, lost, lost at handshake
    }
    void check(bool good, const std::string& doing) const {
      if (!good) fail(doing, mysql_error(db), mysql_errno(db));
    }
    void check(MYSQL_STMT* s, bool good, const std::string& doing) const {
      if (!good) fail(doing, mysql_stmt_error(s), mysql_stmt_errno(s));
    }
    [[noreturn]] void fail(const std::string& doing, const char* said, unsigned code) const {
      throw std::runtime_error(t->where() + ": " + doing + " failed: " + said + " (error " + std::to_string(code) + ")");
    }
  };

  std::unique_ptr<connection> take() {
    std::lock_guard lock(m_);
    if (idle_.empty()) return nullptr;
    auto c = std::move(idle_.back());
    idle_.pop_back();
    return c;
  }
  void give_back(std::unique_ptr<connection> c) {
    std::lock_guard lock(m_);
    idle_.push_back(std::move(c));
  }

  std::unique_ptr<connection> connect() {
    auto c = std::make_unique<connection>();
    c->t = &t_;
    c->db = mysql_init(nullptr);
    if (!c->db) throw std::runtime_error(t_.where() + ": out of memory making a connection");
    const unsigned connect_s = 10, io_s = 60;
    mysql_optionsv(c->db, MYSQL_OPT_CONNECT_TIMEOUT, &connect_s);
    mysql_optionsv(c->db, MYSQL_OPT_READ_TIMEOUT, &io_s);
    mysql_optionsv(c->db, MYSQL_OPT_WRITE_TIMEOUT, &io_s);
    mysql_optionsv(c->db, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (!mysql_real_connect(c->db, u_.host.empty() ? nullptr : u_.host.c_str(), u_.user.c_str(),
                            u_.password.c_str(), u_.database.c_str(), u_.port,
                            u_.socket.empty() ? nullptr : u_.socket.c_str(), 0))
      c->fail("connecting", mysql_error(c->db), mysql_errno(c->db));
    c->check(c->query("SET SESSION sql_mode = CONCAT_WS(',', @@SESSION.sql_mode, 'STRICT_ALL_TABLES')") &&
                 mysql_autocommit(c->db, 0) == 0,
             "setting up the session");
    c->check(c->query("CREATE TABLE IF NOT EXISTS dstream_progress (output VARCHAR(255) NOT NULL, "
                      "part BIGINT NOT NULL, batch_ms BIGINT NOT NULL, PRIMARY KEY (output, part, batch_ms)) "
                      "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"),
             "creating the table dstream_progress");
    c->mark = prepare(*c, "INSERT INTO dstream_progress (output, part, batch_ms) VALUES (?, ?, ?)",
                      "preparing the insert into dstream_progress");
    return c;
  }

  MYSQL_STMT* prepare(connection& c, const std::string& sql, const std::string& doing) {
    MYSQL_STMT* s = mysql_stmt_init(c.db);
    c.check(s != nullptr, doing);
    if (mysql_stmt_prepare(s, sql.data(), sql.size()) != 0) {
      const std::string said = mysql_stmt_error(s);
      const unsigned code = mysql_stmt_errno(s);
      mysql_stmt_close(s);
      c.fail(doing, said.c_str(), code);
    }
    return s;
  }

  /// Inserts the progress row; false when it was there (the batch was written).
  bool mark(connection& c, std::size_t part, std::int64_t batch_ms) {
    MYSQL_BIND b[3] = {};
    unsigned long length = output_.size();
    long long p = static_cast<long long>(part), ms = batch_ms;
    b[0].buffer_type = MYSQL_TYPE_STRING;
    b[0].buffer = output_.data();
    b[0].buffer_length = length;
    b[0].length = &length;
    b[1].buffer_type = MYSQL_TYPE_LONGLONG;
    b[1].buffer = &p;
    b[2].buffer_type = MYSQL_TYPE_LONGLONG;
    b[2].buffer = &ms;
    c.check(c.mark, mysql_stmt_bind_param(c.mark, b) == 0, "binding the progress row");
    if (mysql_stmt_execute(c.mark) == 0) return true;
    if (mysql_stmt_errno(c.mark) == 1062) return false;  // ER_DUP_ENTRY
    c.check(c.mark, false, "recording the batch in dstream_progress");
    return false;
  }

  /// The statement inserting `n` rows: built and prepared once per connection and size.
  MYSQL_STMT* upsert_of(connection& c, std::size_t n) {
    if (auto it = c.upserts.find(n); it != c.upserts.end()) return it->second;
    if (c.upserts.size() >= 16) {  // odd tail sizes: keep only a few
      for (auto& [k, s] : c.upserts) mysql_stmt_close(s);
      c.upserts.clear();
    }
    // VALUES(col): the value the row would have inserted (MySQL 5.x, 8.x and MariaDB).
    auto u = upsert_columns_of(t_, '`', [](const std::string& col) { return "VALUES(" + col + ")"; });
    const std::string key = quote_name(t_.columns[0], '`');
    if (u.updates.empty()) u.updates = key + " = " + key;
    const std::string row = "(" + u.marks + ")";
    std::string sql = "INSERT INTO " + quote_name(t_.table, '`') + " (" + u.names + ") VALUES ";
    sql.reserve(sql.size() + n * (row.size() + 2) + u.updates.size() + 32);
    for (std::size_t i = 0; i < n; ++i) sql += (i ? ", " : "") + row;
    sql += " ON DUPLICATE KEY UPDATE " + u.updates;
    MYSQL_STMT* s = prepare(c, sql, "preparing the upsert into columns (" + t_.column_list() + ")");
    c.upserts.emplace(n, s);
    return s;
  }

  static std::size_t bytes(const rows_view& rows, std::size_t r, std::size_t n) {
    std::size_t b = 0;
    for (std::size_t i = r * rows.kinds.size(); i < (r + n) * rows.kinds.size(); ++i) b += rows.cells[i].text.size() + 8;
    return b;
  }

  /// Rows [r, r + n) of a partition as one statement.
  void put(connection& c, const rows_view& rows, std::size_t r, std::size_t n, std::size_t part) {
    MYSQL_STMT* s = upsert_of(c, n);
    const std::size_t cols = rows.kinds.size();
    std::vector<MYSQL_BIND>& binds = c.binds;
    std::vector<unsigned long>& lengths = c.lengths;
    binds.assign(n * cols, MYSQL_BIND{});
    lengths.resize(n * cols);
    static const char empty[1] = {};
    for (std::size_t i = 0; i < n * cols; ++i) {
      MYSQL_BIND& b = binds[i];
      const cell& v = rows.cells[r * cols + i];
      switch (rows.kinds[i % cols]) {
        case kind::integer:
          b.buffer_type = MYSQL_TYPE_LONGLONG;
          b.buffer = const_cast<std::int64_t*>(&v.integer);  // input only: never written
          break;
        case kind::real:
          b.buffer_type = MYSQL_TYPE_DOUBLE;
          b.buffer = const_cast<double*>(&v.real);
          break;
        case kind::text:
          b.buffer_type = MYSQL_TYPE_STRING;
          b.buffer = const_cast<char*>(v.text.empty() ? empty : v.text.data());
          lengths[i] = v.text.size();
          b.buffer_length = lengths[i];
          b.length = &lengths[i];
          break;
      }
    }
    if (mysql_stmt_bind_param(s, binds.data()) != 0 || mysql_stmt_execute(s) != 0)
      c.check(s, false, "writing rows " + std::to_string(r + 1) + "–" + std::to_string(r + n) + " of partition " +
                            std::to_string(part));
  }

  const target t_;
  const mariadb_url u_;
  std::string output_;
  std::size_t chunk_ = 512;
  std::mutex m_;
  std::vector<std::unique_ptr<connection>> idle_;
};

inline std::unique_ptr<writer> make_mariadb_writer(const target& t) { return std::make_unique<mariadb_writer>(t); }

/// Makes `mysql://` known to `ds::sql::upsert` in every program that includes this header.
inline const bool mariadb_registered = register_backend("mysql", &make_mariadb_writer);

}  // namespace dstream::sql::detail
