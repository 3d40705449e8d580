#pragma once
// generator_stream: a deterministic source for tests and benchmarks. Batch t holds the
// records f(t, 0), f(t, 1), ..., f(t, n - 1), cut into contiguous partitions; the same
// program gives the same batches on every run, whatever the thread count, and again
// after a recovery (nothing needs to be saved: the records are a function of the time).
//
// Written only against the public source interface (stream/input.hpp).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <dstream/batch/rdd.hpp>
#include <dstream/runtime/time.hpp>
#include <dstream/stream/input.hpp>

namespace dstream {

/// How many records a generator stream makes per batch, in how many partitions.
struct generator_options {
  std::size_t records_per_batch = 1000;
  /// 0: the context's default parallelism.
  std::size_t partitions = 0;
};

/// The input behind `generator_stream`.
template <class T, class F>
class generator_input final : public input<T> {
 public:
  generator_input(F f, generator_options o) : f_(std::move(f)), o_(o) {}

  std::string name() const override { return "generator_stream"; }
  void start(const input_env& env) override { env_.emplace(env); }

  std::optional<rdd<T>> take(batch_time t) override { return make(t); }
  /// The same batch again, as often as asked (windows after a recovery).
  std::optional<rdd<T>> retake(batch_time t) override { return make(t); }

 private:
  rdd<T> make(batch_time t) const {
    const std::size_t n = o_.records_per_batch;
    const std::size_t p = o_.partitions ? o_.partitions : env_->context().default_parallelism();
    std::vector<std::vector<T>> parts(p);
    for (std::size_t j = 0; j < p; ++j) {
      const std::size_t begin = j * n / p;
      const std::size_t end = (j + 1) * n / p;
      parts[j].reserve(end - begin);
      for (std::size_t i = begin; i < end; ++i) parts[j].push_back(f_(t, static_cast<std::int64_t>(i)));
    }
    return env_->context().make_rdd(std::move(parts));
  }

  F f_;
  generator_options o_;
  std::optional<input_env> env_;
};

/// A stream whose batch at time t holds `f(t, i)` for i in [0, records_per_batch).
///
/// Signature: `generator_stream(ssc, f [, generator_options])`, `f(batch_time, std::int64_t) -> T`
/// → `dstream<T>`. (`ssc` is a `ds::streaming_context`; it is a template parameter so that
/// this header needs only the source interface.)
///
/// Example: `auto s = ds::generator_stream(ssc, [](ds::batch_time t, std::int64_t i) { return i % 10; });`
template <class Context, class F>
auto generator_stream(Context& ssc, F f, generator_options o = {}) {
  static_assert(std::is_invocable_v<const F&, batch_time, std::int64_t>,
                "ds::generator_stream(ssc, f): f must be callable as f(ds::batch_time, std::int64_t index)");
  using T = std::decay_t<std::invoke_result_t<const F&, batch_time, std::int64_t>>;
  static_assert(!std::is_void_v<T>, "ds::generator_stream(ssc, f): f must return the record");
  return ssc.add_input(std::make_unique<generator_input<T, F>>(std::move(f), o));
}

}  // namespace dstream
