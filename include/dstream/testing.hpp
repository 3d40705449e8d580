#pragma once
// Helpers to test streaming pipelines deterministically, in the manner of Spark's
// TestSuiteBase: a manual clock starting at 0, batch i (0-based) at (i+1)·batch, input
// batch i cut into `input_partitions` contiguous slices, outputs collected per batch.
//
// Example:
// `auto out = ds::testing::run(input, [](ds::dstream<int> s) { return s | ds::map(twice); }, 4);`

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

#include <dstream/batch/conf.hpp>
#include <dstream/batch/rdd.hpp>
#include <dstream/io/outputs.hpp>
#include <dstream/ops/collect.hpp>
#include <dstream/stream/dstream.hpp>
#include <dstream/stream/input.hpp>
#include <dstream/streaming_context.hpp>

namespace dstream::testing {

/// How `run` runs.
struct options {
  duration batch = std::chrono::seconds(1);
  std::string master = "local[2]";
  std::size_t input_partitions = 2;
  /// A fresh temporary directory (removed afterwards) when empty.
  std::string checkpoint_dir = "";
};

namespace detail {

/// An input whose batch i is `batches[i]`, sliced as Spark's makeRDD slices.
template <class T>
class vector_input final : public input<T> {
 public:
  vector_input(std::vector<std::vector<T>> batches, std::size_t slices)
      : batches_(std::move(batches)), slices_(slices ? slices : 1) {}

  std::string name() const override { return "ds::testing input"; }
  void start(const input_env& env) override { env_.emplace(env); }

  std::optional<rdd<T>> take(batch_time t) override {
    auto i = static_cast<std::size_t>((t - env_->zero_time()).count() / env_->batch_duration().count()) - 1;
    if (i >= batches_.size()) return std::nullopt;
    const auto& v = batches_[i];
    std::vector<std::vector<T>> parts(slices_);
    for (std::size_t j = 0; j < slices_; ++j) {
      for (std::size_t k = j * v.size() / slices_; k < (j + 1) * v.size() / slices_; ++k) parts[j].push_back(v[k]);
    }
    return env_->context().make_rdd(std::move(parts));
  }

 private:
  std::vector<std::vector<T>> batches_;
  std::size_t slices_;
  std::optional<input_env> env_;
};

template <class T>
dstream<T> input_stream(streaming_context& ssc, const std::vector<std::vector<T>>& batches, std::size_t slices) {
  return ssc.add_input(std::make_unique<vector_input<T>>(batches, slices));
}

/// A temporary directory removed when this goes out of scope.
class temp_dir {
 public:
  temp_dir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "dstream-test-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("ds::testing: cannot create a temporary directory");
    path_ = pattern;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
};

template <class Build>
auto run_with(std::size_t num_batches, const options& o, Build build) {
  streaming_context ssc(::dstream::conf().app_name("dstream test").master(o.master).set("dstream.streaming.clock", "manual"),
                        o.batch);
  std::optional<temp_dir> tmp;
  if (o.checkpoint_dir.empty()) tmp.emplace();
  ssc.checkpoint(o.checkpoint_dir.empty() ? tmp->path().string() : o.checkpoint_dir);

  auto out = ::dstream::detail::as_dstream(build(ssc));
  using Out = typename decltype(out)::value_type;
  std::vector<std::vector<Out>> result;
  std::mutex m;
  out | foreach_rdd([&](rdd<Out>& r) {
    auto v = r | collect();
    std::lock_guard lock(m);
    result.push_back(std::move(v));
  });
  ssc.start();
  manual_clock* clock = ssc.test_clock();
  const std::int64_t b = o.batch.count();
  for (std::size_t i = 0; i < num_batches; ++i) {
    clock->advance(b);
    batch_time t(static_cast<std::int64_t>(i + 1) * b);
    if (!ssc.wait_for_batch(t)) {
      ssc.stop();
      throw std::runtime_error("ds::testing::run: batch " + t.to_string() + " did not complete within 30 s");
    }
  }
  ssc.stop();
  ssc.await_termination();  // rethrows the failure of a batch
  return result;
}

}  // namespace detail

/// Runs `operation` over a stream of `input` (one inner vector per batch) for
/// `num_batches` batches; returns what the resulting stream produced, per batch.
template <class In, class Operation>
auto run(const std::vector<std::vector<In>>& input, Operation operation, std::size_t num_batches, options o = {}) {
  return detail::run_with(num_batches, o, [&](streaming_context& ssc) {
    return operation(detail::input_stream(ssc, input, o.input_partitions));
  });
}

/// The same with two input streams.
template <class A, class B, class Operation>
auto run(const std::vector<std::vector<A>>& input1, const std::vector<std::vector<B>>& input2, Operation operation,
         std::size_t num_batches, options o = {}) {
  return detail::run_with(num_batches, o, [&](streaming_context& ssc) {
    auto a = detail::input_stream(ssc, input1, o.input_partitions);
    auto b = detail::input_stream(ssc, input2, o.input_partitions);
    return operation(a, b);
  });
}

}  // namespace dstream::testing
