#pragma once
// Output operations: each registers itself with the stream's context and runs once per
// batch, in registration order.

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <ostream>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <dstream/batch/rdd.hpp>
#include <dstream/detail/access.hpp>
#include <dstream/detail/closure.hpp>
#include <dstream/detail/config.hpp>
#include <dstream/detail/paths.hpp>
#include <dstream/io/format.hpp>
#include <dstream/stream/dstream.hpp>
#include <dstream/stream/scheduler.hpp>

namespace dstream {

namespace detail {

/// What an output (`pprint`, `foreach_rdd`, `save_as_text_files`) returns: not a stream,
/// since an output ends a pipeline (`x | op` on it says so).
struct output_end {};

template <class T, class F>
class fn_output final : public output_base {
 public:
  fn_output(std::shared_ptr<node<T>> n, std::string name, F f)
      : output_base(n, std::move(name)), node_(std::move(n)), f_(std::move(f)) {}
  void run(batch_time t) override {
    auto r = node_->get(t);
    if (r) f_(*r, t);
  }

 private:
  std::shared_ptr<node<T>> node_;
  F f_;
};

template <class T, class F>
void register_output(const dstream<T>& s, std::string name, F f) {
  detail::owner_of(s).add_output(std::make_shared<fn_output<T, F>>(detail::node_of(s), std::move(name), std::move(f)));
}

}  // namespace detail

/// Output: calls `f` with the rdd of every batch (on the context's executor thread, one
/// batch at a time, in order).
///
/// Signature: `foreach_rdd(f)`, `f(rdd<T>&)` or `f(rdd<T>&, batch_time)`: `dstream<T>` → `void`.
///
/// Example: `counts | ds::foreach_rdd([](ds::rdd<std::pair<std::string, int>>& r) { save(r | ds::collect()); });`
template <class F>
class foreach_rdd_t : public detail::op_base {
 public:
  using kind = detail::stream_kind;
  explicit foreach_rdd_t(F f) : f_(std::move(f)) {}

  template <class T>
  detail::output_end apply(const dstream<T>& s) const {
    constexpr bool with_time = std::is_invocable_v<const F&, rdd<T>&, batch_time>;
    static_assert(with_time || std::is_invocable_v<const F&, rdd<T>&>,
                  "ds::foreach_rdd(f): f must be callable as f(ds::rdd<T>&) or f(ds::rdd<T>&, ds::batch_time) "
                  "with the T named below");
    detail::register_output(s, "foreach_rdd", [f = f_](rdd<T>& r, batch_time t) {
      if constexpr (with_time) {
        f(r, t);
      } else if constexpr (std::is_invocable_v<const F&, rdd<T>&>) {
        f(r);
      }
    });
    return {};
  }

 private:
  F f_;
};

namespace detail {
struct foreach_rdd_fn {
  template <class F>
  auto operator()(F&& f) const {
    return foreach_rdd_t<std::decay_t<F>>(std::forward<F>(f));
  }
};
}  // namespace detail
/// See `foreach_rdd_t`.
inline constexpr detail::foreach_rdd_fn foreach_rdd{};

/// Output: prints the first `n` elements of every batch in Spark's format: a line of 43
/// `-`, `Time: <ms> ms`, a line of 43 `-`, the elements one a line, `...` when there are
/// more, then an empty line. With `ds::python_style`, PySpark's text: `Time: 2021-01-17
/// 10:00:10` and the elements as Python writes them (`('hello', 1)`, `None`, `True`).
///
/// Signature: `pprint([n = 10 [, std::ostream& os = std::cout]])`, `pprint(ds::python_style)`,
/// `pprint(n, ds::python_style [, os])`: `dstream<T>` → `void`.
///
/// Example: `counts | ds::pprint();` or `counts | ds::pprint;`
class pprint_t : public detail::op_base {
 public:
  using kind = detail::stream_kind;
  pprint_t(std::size_t n, std::ostream& os, bool python = false) : n_(n), os_(&os), python_(python) {}

  template <class T>
  detail::output_end apply(const dstream<T>& s) const {
    static_assert(detail::printable<T>(),
                  "ds::pprint: the element type named below cannot be printed; give it an operator<< "
                  "(std::ostream&, const T&) or map it to a printable type first");
    if constexpr (detail::printable<T>()) register_printer(s);
    return {};
  }

 private:
  template <class T>
  void register_printer(const dstream<T>& s) const {
    detail::register_output(s, "pprint", [n = n_, os = os_, py = python_](rdd<T>& r, batch_time t) {
      std::string text = "-------------------------------------------\nTime: " +
                         (py ? detail::python_time(t.milliseconds()) : t.to_string()) +
                         "\n-------------------------------------------\n";
      // The first n elements, read in place from the batch's partitions (already
      // computed: no stage to run, nothing copied), then "..." when there are more.
      std::size_t left = n;
      for (std::size_t p = 0; p < r.num_partitions() && left > 0; ++p) {
        const std::span<const T> all = r.partition(p);
        const std::span<const T> part = all.first(std::min(left, all.size()));
        for (const T& x : part) {
          text += py ? format_element(x, python_style) : format_element(x);
          text += '\n';
        }
        left -= part.size();
      }
      if (r.size() > n) text += "...\n";
      text += '\n';
      *os << text << std::flush;
    });
  }

  std::size_t n_;
  std::ostream* os_;
  bool python_;
};

namespace detail {
/// `ds::pprint(n, os)` makes the closure; `ds::pprint` alone is the closure with the defaults.
struct pprint_fn : op_base {
  using kind = stream_kind;
  pprint_t operator()(std::size_t n = 10, std::ostream& os = std::cout) const { return pprint_t(n, os); }
  pprint_t operator()(python_style_t) const { return pprint_t(10, std::cout, true); }
  pprint_t operator()(std::size_t n, python_style_t, std::ostream& os = std::cout) const {
    return pprint_t(n, os, true);
  }
  template <class T>
  detail::output_end apply(const dstream<T>& s) const {
    return (*this)().apply(s);
  }
};
}  // namespace detail

/// See `pprint_t`.
inline constexpr detail::pprint_fn pprint{};

namespace detail {

// The directory work of `write_text_files`, whatever the element type (io/impl/outputs.ipp).
/// Creates the hidden temporary directory beside `dir` that `write_text_files` fills, and
/// returns its path; throws naming what cannot be created.
DSTREAM_DECL std::string begin_text_files(const std::string& dir);
/// The path of part file `i` under the temporary directory `tmp`.
DSTREAM_DECL std::string text_file_part(const std::string& tmp, std::size_t i);
/// Writes `_SUCCESS` into `tmp` and renames it to `dir`, replacing what was there.
DSTREAM_DECL void commit_text_files(const std::string& tmp, const std::string& dir);

/// Writes the partitions of `r` as `dir/part-00000`... with `_SUCCESS`, atomically: into
/// a hidden temporary directory first, renamed to `dir` once complete.
template <class T>
void write_text_files(const rdd<T>& r, const std::string& dir) {
  const std::string tmp = begin_text_files(dir);
  auto write_part = [&](std::size_t i) {
    const std::string file = text_file_part(tmp, i);
    std::ofstream out(file, std::ios::binary);
    if (!out) throw std::runtime_error("ds::save_as_text_files: cannot write " + file);
    for (const T& x : r.partition(i)) {
      detail::format_to(out, x);
      out << '\n';
    }
    out.flush();
    if (!out) throw std::runtime_error("ds::save_as_text_files: write failed on " + file);
  };
  for_each_index(detail::core_of(r), r.num_partitions(), write_part);
  commit_text_files(tmp, dir);
}

}  // namespace detail

/// Output: writes every batch as a directory `prefix-<ms>` (or `prefix-<ms>.suffix`) of
/// files `part-00000`, … (one per partition, one element a line in the pprint format) and
/// a `_SUCCESS` marker; the directory appears complete or not at all.
///
/// Signature: `save_as_text_files(prefix [, suffix])`: `dstream<T>` → `void`.
///
/// Example: `counts | ds::save_as_text_files("out/counts", "txt");`
class save_as_text_files_t : public detail::op_base {
 public:
  using kind = detail::stream_kind;
  save_as_text_files_t(std::string prefix, std::string suffix)
      : prefix_(std::move(prefix)), suffix_(std::move(suffix)) {
    if (prefix_.empty()) throw std::invalid_argument("ds::save_as_text_files: the prefix is empty");
    prefix_ = detail::local_path("ds::save_as_text_files", prefix_);
  }

  /// The directory of batch `t` (Spark's naming).
  std::string directory(batch_time t) const {
    std::string d = prefix_ + "-" + std::to_string(t.milliseconds());
    if (!suffix_.empty()) d += "." + suffix_;
    return d;
  }

  template <class T>
  detail::output_end apply(const dstream<T>& s) const {
    static_assert(detail::printable<T>(),
                  "ds::save_as_text_files: the element type named below cannot be printed; give it an operator<< "
                  "(std::ostream&, const T&) or map it to a printable type first");
    if constexpr (detail::printable<T>()) {
      detail::register_output(s, "save_as_text_files", [self = *this](rdd<T>& r, batch_time t) {
        detail::write_text_files(r, self.directory(t));
      });
    }
    return {};
  }

 private:
  std::string prefix_;
  std::string suffix_;
};

namespace detail {
struct save_as_text_files_fn {
  save_as_text_files_t operator()(std::string prefix, std::string suffix = "") const {
    return save_as_text_files_t(std::move(prefix), std::move(suffix));
  }
};
}  // namespace detail

/// See `save_as_text_files_t`.
inline constexpr detail::save_as_text_files_fn save_as_text_files{};

}  // namespace dstream

#ifdef DSTREAM_HEADER_ONLY
#include <dstream/io/impl/outputs.ipp>
#endif
