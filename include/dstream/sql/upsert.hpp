#pragma once
// The part of `ds::sql::upsert` every database shares: the output itself, the rows it
// hands to a database's writer, URLs (and keeping their passwords out of messages), and the
// table of databases. Each database is a header of its own that adds itself to that table
// when included (`sql/sqlite.hpp`: `sqlite://`, `sql/mariadb.hpp`: `mysql://`), so a program
// links only the client libraries of the databases it includes; see `<dstream/sql.hpp>`.

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/hana/accessors.hpp>
#include <boost/hana/concept/struct.hpp>
#include <boost/hana/second.hpp>
#include <boost/hana/unpack.hpp>

#include <dstream/batch/rdd.hpp>
#include <dstream/batch/stage.hpp>
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

/// `url` as it may be shown: the password of `scheme://user:password@host…` replaced by
/// `***` (every message of `upsert` shows URLs this way).
///
/// Signature: `redact(url) -> std::string`.
///
/// Example: `ds::sql::redact("mysql://app:pw@db:3306/shop")` is `"mysql://app:***@db:3306/shop"`.
inline std::string redact(const std::string& url) {
  const auto sep = url.find("://");
  if (sep == std::string::npos) return url;
  const auto start = sep + 3;
  const auto at = url.rfind('@', url.find('/', start));
  if (at == std::string::npos || at < start) return url;
  const auto colon = url.find(':', start);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

namespace detail {

/// What a column holds, fixed by the element type: each part binds as one of these.
enum class kind : unsigned char { integer, real, text };

/// One value of a row; `text` views the element's own storage (nothing is copied).
struct cell {
  std::int64_t integer = 0;
  double real = 0;
  std::string_view text;
};

/// The rows of one partition, row by row: `cells[r * kinds.size() + c]`.
struct rows_view {
  const cell* cells = nullptr;
  std::size_t rows = 0;
  std::vector<kind> kinds;
  const cell& at(std::size_t r, std::size_t c) const { return cells[r * kinds.size() + c]; }
};

/// What one `upsert` writes to, as every writer needs it.
struct target {
  std::string url;    // as given: only a writer's connect() reads it
  std::string shown;  // without the password: for every message
  std::string scheme;
  std::string table;
  std::vector<std::string> columns;
  mode how = mode::set;
  std::string output;  // this output's name in dstream_progress: the table and its columns

  std::string where() const { return "ds::sql::upsert(" + shown + ", table " + table + ")"; }
  std::string column_list() const {
    std::string s;
    for (auto& c : columns) s += (s.empty() ? "" : ", ") + c;
    return s;
  }
};

/// One output's connection(s) to one database. `write` is called for each partition of
/// each batch, and must write the rows and the progress row `(output, part, batch_ms)` in
/// one transaction, or nothing when that progress row exists; on any failure it rolls back,
/// drops the connection (the next call opens another) and throws a `std::runtime_error`
/// that starts with `target::where()`.
class writer {
 public:
  virtual ~writer() = default;
  virtual void write(const rows_view& rows, std::size_t part, std::int64_t batch_ms) = 0;
  /// True when partitions may be written at the same time (a connection each).
  virtual bool concurrent() const { return false; }
};

/// A table or column name quoted with `q` (a `q` inside doubled): never spliced in raw.
inline std::string quote_name(std::string_view name, char q) {
  std::string s(1, q);
  for (char c : name) {
    if (c == q) s += q;
    s += c;
  }
  return s + q;
}

/// The column parts of an upsert statement, names quoted with `q`: `names` (`"a", "b"`),
/// `marks` (`?, ?`) and `updates`, the non-key columns each set to `incoming(col)` (the
/// row's new value), or to `col + incoming(col)` when adding; empty for a key alone.
struct upsert_columns {
  std::string names, marks, updates;
};
template <class Incoming>
upsert_columns upsert_columns_of(const target& t, char q, Incoming incoming) {
  upsert_columns u;
  for (std::size_t i = 0; i < t.columns.size(); ++i) {
    const std::string col = quote_name(t.columns[i], q);
    u.names += (i ? ", " : "") + col;
    u.marks += i ? ", ?" : "?";
    if (i == 0) continue;
    u.updates += (i > 1 ? ", " : "") + col + " = " + (t.how == mode::add ? col + " + " + incoming(col) : incoming(col));
  }
  return u;
}

/// Makes the writer of a target; throws `std::invalid_argument` for a URL it cannot use
/// (connecting waits for the first batch).
using writer_factory = std::unique_ptr<writer> (*)(const target&);

struct registry {
  std::mutex m;
  std::map<std::string, writer_factory, std::less<>> factories;
};
inline registry& backends() {
  static registry r;
  return r;
}

/// Called by each database's header (through an inline variable) when it is included.
inline bool register_backend(std::string scheme, writer_factory f) {
  auto& r = backends();
  std::lock_guard lock(r.m);
  r.factories[std::move(scheme)] = f;
  return true;
}

inline std::unique_ptr<writer> make_writer(target& t) {
  const auto sep = t.url.find("://");
  if (sep == std::string::npos)
    throw std::invalid_argument("ds::sql: \"" + t.shown +
                                "\" is not a URL; expected sqlite:///path/to/file.db or "
                                "mysql://user:password@host:port/database");
  t.scheme = t.url.substr(0, sep);
  if (t.columns.empty()) throw std::invalid_argument(t.where() + ": no columns given");
  writer_factory f = nullptr;
  {
    auto& r = backends();
    std::lock_guard lock(r.m);
    if (auto it = r.factories.find(t.scheme); it != r.factories.end()) f = it->second;
  }
  if (f) return f(t);
  if (t.scheme == "sqlite")
    throw std::invalid_argument("ds::sql: \"" + t.shown + "\" needs #include <dstream/sql/sqlite.hpp> (link sqlite3)");
  if (t.scheme == "mysql" || t.scheme == "mariadb")
    throw std::invalid_argument("ds::sql: \"" + t.shown +
                                "\" needs #include <dstream/sql/mariadb.hpp> (link libmariadb); "
                                "MySQL and MariaDB URLs are spelled mysql://user:password@host:port/database");
  throw std::invalid_argument("ds::sql: unknown scheme \"" + t.scheme + "\" in \"" + t.shown +
                              "\"; expected sqlite:///path/to/file.db or mysql://user:password@host:port/database");
}

/// A struct with a field list: `BOOST_HANA_DEFINE_STRUCT` or `BOOST_HANA_ADAPT_STRUCT`.
template <class T>
concept field_list = boost::hana::Struct<T>::value;

/// The parts of an element as a tuple of references: a pair, a tuple, a struct with a
/// field list (its fields in their order), or one value.
template <class T>
auto parts_of(const T& x) {
  if constexpr (field_list<T>) {
    return boost::hana::unpack(boost::hana::accessors<T>(),
                               [&](auto... field) { return std::tie(boost::hana::second(field)(x)...); });
  } else if constexpr (requires { std::tuple_size<T>::value; }) {
    return std::apply([](const auto&... p) { return std::tie(p...); }, x);
  } else {
    return std::tie(x);
  }
}

template <class T>
constexpr std::size_t arity() {
  return std::tuple_size_v<decltype(parts_of(std::declval<const T&>()))>;
}

template <class V>
concept bindable = std::is_arithmetic_v<std::remove_cvref_t<V>> || std::is_convertible_v<const V&, std::string_view>;

template <class V>
constexpr kind kind_of() {
  if constexpr (std::is_floating_point_v<V>) {
    return kind::real;
  } else if constexpr (std::is_arithmetic_v<V>) {
    return kind::integer;
  } else {
    return kind::text;
  }
}

template <class V>
void fill(cell& c, const V& v) {
  if constexpr (std::is_floating_point_v<V>) {
    c.real = static_cast<double>(v);
  } else if constexpr (std::is_arithmetic_v<V>) {
    c.integer = static_cast<std::int64_t>(v);
  } else {
    c.text = std::string_view(v);
  }
}

template <class T>
std::vector<kind> kinds_of() {
  using parts = decltype(parts_of(std::declval<const T&>()));
  return []<std::size_t... I>(std::index_sequence<I...>) {
    return std::vector<kind>{kind_of<std::remove_cvref_t<std::tuple_element_t<I, parts>>>()...};
  }(std::make_index_sequence<std::tuple_size_v<parts>>{});
}

/// Writes one partition's elements through `w`: their parts as cells (text viewed, not copied).
template <class T>
void write_partition(writer& w, const T* xs, std::size_t n, std::size_t part, std::int64_t batch_ms,
                     std::vector<cell>& cells) {
  rows_view rows;
  rows.kinds = kinds_of<T>();
  cells.assign(n * rows.kinds.size(), cell{});
  std::size_t at = 0;
  for (std::size_t i = 0; i < n; ++i)
    std::apply([&](const auto&... p) { (fill(cells[at++], p), ...); }, parts_of(xs[i]));
  rows.cells = cells.data();
  rows.rows = n;
  w.write(rows, part, batch_ms);
}

}  // namespace detail

/// Output: writes every element of every batch as a row of `table` (see `<dstream/sql.hpp>`).
/// Elements are pairs, tuples or structs with a field list (`BOOST_HANA_DEFINE_STRUCT`,
/// `BOOST_HANA_ADAPT_STRUCT`) with as many parts as `columns` (or single values for one
/// column), each part a number or text.
///
/// Signature: `upsert(url, table, {columns...} [, ds::sql::set | ds::sql::add])`:
/// `dstream<T>` → `void`.
///
/// Example: `counts | ds::sql::upsert("sqlite:///tmp/words.db", "wordcount", {"word", "count"}, ds::sql::add);`
class upsert_t : public ::dstream::detail::op_base {
 public:
  using kind = ::dstream::detail::stream_kind;
  upsert_t(std::shared_ptr<detail::writer> w, std::shared_ptr<const detail::target> t)
      : w_(std::move(w)), t_(std::move(t)) {}

  template <class T>
  void apply(const dstream<T>& s) const {
    if (detail::arity<T>() != t_->columns.size())
      throw std::invalid_argument(t_->where() + ": " + std::to_string(t_->columns.size()) +
                                  " columns named, but each element has " + std::to_string(detail::arity<T>()) +
                                  " parts");
    check_parts<T>();
    ::dstream::detail::register_output(s, "sql::upsert", [w = w_](rdd<T>& r, batch_time t) {
      auto one = [&](std::size_t i) {
        std::vector<detail::cell> cells;
        auto part = r.partition(i);
        detail::write_partition(*w, part.data(), part.size(), i, t.milliseconds(), cells);
      };
      // A server takes the partitions at the same time, on the context's pool; SQLite
      // (one writer at a time) one after another.
      if (w->concurrent()) {
        ::dstream::detail::for_each_index(::dstream::detail::core_of(r), r.num_partitions(), one);
      } else {
        for (std::size_t i = 0; i < r.num_partitions(); ++i) one(i);
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

  std::shared_ptr<detail::writer> w_;
  std::shared_ptr<const detail::target> t_;
};

/// See `upsert_t`. Throws `std::invalid_argument` for a malformed URL, a scheme whose header
/// is not included, or no columns; the database is first reached by the first batch.
inline upsert_t upsert(std::string url, std::string table, std::vector<std::string> columns, mode m = mode::set) {
  auto t = std::make_shared<detail::target>();
  t->shown = redact(url);
  t->url = std::move(url);
  t->table = std::move(table);
  t->columns = std::move(columns);
  t->how = m;
  t->output = t->table;
  for (auto& c : t->columns) t->output += ":" + c;
  std::shared_ptr<detail::writer> w = detail::make_writer(*t);
  return upsert_t(std::move(w), std::move(t));
}

}  // namespace dstream::sql
