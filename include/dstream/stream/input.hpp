#pragma once
// The public source interface: what a source implements to feed a stream, and what the
// streaming context tells it. Every built-in source (queue, socket, text files, receivers,
// the generator) and `ds::testing` are written against this and nothing else.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <dstream/batch/conf.hpp>
#include <dstream/batch/context.hpp>
#include <dstream/batch/rdd.hpp>
#include <dstream/runtime/listener.hpp>
#include <dstream/runtime/time.hpp>

namespace dstream {

/// What the streaming context tells an input when it starts.
///
/// Example: `rdd<T> r = env.context().make_rdd(std::move(partitions));`
class input_env {
 public:
  input_env(::dstream::context ctx, duration batch, batch_time zero, duration remember, std::string checkpoint_dir,
            int stream_id, listener_bus& listeners, std::function<void(std::string)> report)
      : ctx_(std::move(ctx)),
        batch_(batch),
        zero_(zero),
        remember_(remember),
        checkpoint_dir_(std::move(checkpoint_dir)),
        stream_id_(stream_id),
        listeners_(&listeners),
        report_(std::move(report)) {}

  /// The context whose pool runs the stages; the input makes its rdds with it.
  const ::dstream::context& context() const noexcept { return ctx_; }
  const ::dstream::conf& conf() const noexcept { return ctx_.conf(); }
  /// The batch interval: batch k (k >= 1) runs at `zero_time() + k·batch_duration()`.
  duration batch_duration() const noexcept { return batch_; }
  batch_time zero_time() const noexcept { return zero_; }
  /// How far back the graph may ask for this input's batches (windows reach back).
  duration remember() const noexcept { return remember_; }
  /// The checkpoint directory, empty when the context does not checkpoint.
  const std::string& checkpoint_dir() const noexcept { return checkpoint_dir_; }
  /// This input's number in its context (0, 1, ... in the order the inputs were added).
  int stream_id() const noexcept { return stream_id_; }
  /// Where receiver events (started, stopped, error) go.
  listener_bus& listeners() const noexcept { return *listeners_; }
  /// Reports a problem met while taking data (say what and where, and what happens
  /// next): listeners see it in the `input_errors` of the batch being taken (or the next).
  void report(std::string message) const {
    if (report_) report_(std::move(message));
  }

 private:
  ::dstream::context ctx_;
  duration batch_;
  batch_time zero_;
  duration remember_;
  std::string checkpoint_dir_;
  int stream_id_;
  listener_bus* listeners_;
  std::function<void(std::string)> report_;
};

/// A source of a stream of `T` (Spark's `InputDStream`): it hands over the data of each
/// batch, says what a checkpoint keeps of it, and hears when a batch has completed.
///
/// Register one with `ssc.add_input(std::make_unique<my_input>(...))`, which returns the
/// `dstream<T>`. Calls come from the context's threads, one at a time per input, except
/// `stop_receiving`, `has_pending` and `stop`, which may overlap `take`.
///
/// Signature: implement `take`; override the rest as needed.
///
/// Example (the generator source, io/generator_stream.hpp):
/// `std::optional<rdd<T>> take(batch_time t) override { return env_.context().make_rdd(parts_of(t)); }`
template <class T>
class input {
 public:
  using value_type = T;
  virtual ~input() = default;

  /// A name for messages (`text_file_stream /data/in`).
  virtual std::string name() const { return "input"; }
  /// Once, when the context starts (after `restore` on recovery); receivers start here.
  virtual void start(const input_env&) {}
  /// The data of batch `t`, taken on the job generator's thread when the clock reaches
  /// `t` (or when a batch pending at a crash runs again); nullopt when there is none.
  virtual std::optional<rdd<T>> take(batch_time t) = 0;
  /// The data of a batch `t` taken before a restart, when a window reaches back to it
  /// after recovery; nullopt (an empty batch) when the input cannot give it again.
  virtual std::optional<rdd<T>> retake(batch_time /*t*/) { return std::nullopt; }
  /// Stop accepting new data (the first step of a stop); what was received stays to be taken.
  virtual void stop_receiving() {}
  /// True while data was received that no batch has taken yet (a graceful stop waits).
  virtual bool has_pending() const { return false; }
  /// After the last batch of a stop.
  virtual void stop() {}
  /// What a checkpoint written after batch `done` keeps of this input.
  virtual std::string save(batch_time /*done*/) { return {}; }
  /// Restores what `save` returned, before `start`.
  virtual void restore(std::string_view /*saved*/) {}
  /// Batch `done` and every one before it are in a checkpoint: what they need may go.
  virtual void checkpointed(batch_time /*done*/) {}
  /// Every output of batch `t` ran: `succeeded` is false when one of them failed (and
  /// the batch's checkpoint, if one was due, was written before this call).
  virtual void batch_completed(batch_time /*t*/, bool /*succeeded*/) {}
};

}  // namespace dstream
