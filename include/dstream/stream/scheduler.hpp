#pragma once
// The scheduler behind a streaming context: its lifecycle, the job generator (a thread that
// takes every input's data for batch t when the clock reaches t and queues the batch) and
// the executor (a thread that runs the queued batches' output operations in order; their
// stages run on the context's pool). Checkpoint policy and recovery: stream/recovery.hpp.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <dstream/batch/context.hpp>
#include <dstream/checkpoint/checkpoint.hpp>
#include <dstream/detail/config.hpp>
#include <dstream/runtime/clock.hpp>
#include <dstream/runtime/listener.hpp>
#include <dstream/runtime/pool.hpp>
#include <dstream/runtime/time.hpp>
#include <dstream/stream/input.hpp>
#include <dstream/stream/node.hpp>
#include <dstream/stream/recovery.hpp>
#include <dstream/stream/settings.hpp>

namespace dstream {

/// The lifecycle of a streaming context (Spark's `StreamingContextState`).
enum class state { initialized, active, stopped };

namespace detail {

/// The shared state behind a `streaming_context` handle and every `dstream` of it.
class scheduler : public std::enable_shared_from_this<scheduler> {
 public:
  scheduler(::dstream::context ctx, duration batch);
  ~scheduler();

  ::dstream::context& context() noexcept { return ctx_; }
  duration batch_duration() const noexcept { return batch_; }
  batch_clock& clock() noexcept { return *clock_; }
  listener_bus& bus() noexcept { return bus_; }

  ::dstream::state get_state() const {
    std::lock_guard lock(m_);
    return state_;
  }

  /// Throws unless the graph may still change.
  void check_building(const std::string& what) const;

  int register_node(node_base*) { return next_node_id_++; }

  /// Registers an input node; returns its stream id (0, 1, ... in order).
  int add_input(std::shared_ptr<node_base> n, input_hooks* hooks);
  int add_output(std::shared_ptr<output_base> o);

  void set_remember(duration d);
  void set_checkpoint_dir(std::string dir);
  /// Recovery: the checkpoint whose state, positions and pending batches `start` restores.
  void set_recovery(checkpoint_data cp);
  bool recovered() const noexcept;
  const std::string& checkpoint_dir() const noexcept;

  void start();

  /// Stops receiving, (gracefully: processes everything received), stops the threads.
  void stop(bool stop_context, bool gracefully);

  /// Waits for the stop; rethrows the first batch failure (to every caller). With a timeout: false when
  /// the context is still running when it expires.
  bool await(std::optional<duration> timeout);

  /// Waits until batch `t` has completed (or `deadline` passes); true when it has.
  bool wait_for_batch(batch_time t, std::chrono::steady_clock::time_point deadline);
  batch_time zero_time() const noexcept { return zero_; }

 private:
  struct input {
    std::shared_ptr<node_base> node;
    input_hooks* hooks;
  };
  std::vector<input_hooks*> hooks() const;

  // Writes the checkpoint after batch `t`: it sees either all of a batch being generated
  // (allocated and queued) or none of it.
  void write_checkpoint_after(batch_time t);

  void generate_loop();

  struct queued {
    batch_info info;
    std::chrono::steady_clock::time_point submitted;
  };

  void execute_loop();

  void run_batch(queued& q);

  ::dstream::context ctx_;
  duration batch_;
  std::unique_ptr<batch_clock> clock_;
  bool wall_clock_ = false;  // the system clock: total delay is measured from the batch time
  bool behind_ = false;      // the last batches waited too long to start (executor thread only)
  listener_bus bus_;

  mutable std::mutex m_;
  std::condition_variable queue_cv_;
  std::condition_variable done_cv_;
  std::condition_variable stopped_cv_;
  ::dstream::state state_ = ::dstream::state::initialized;
  bool stopping_ = false;
  bool quit_ = false;
  bool running_ = false;
  bool allocating_ = false;
  std::exception_ptr error_;
  std::deque<queued> queue_;
  batch_time next_time_{0};
  batch_time last_done_{0};
  batch_time zero_{0};

  int next_node_id_ = 0;
  std::vector<input> inputs_;
  std::vector<std::shared_ptr<output_base>> outputs_;
  std::vector<std::shared_ptr<node_base>> all_nodes_;
  duration remember_{0};
  checkpointer ckpt_;
  std::vector<batch_time> replay_;

  std::mutex problems_m_;
  std::vector<std::string> problems_;  // reported by inputs, for the next batch's info
  std::mutex gen_m_;  // held while a batch is allocated and queued, and while a checkpoint reads that
  std::thread generator_;
  std::thread executor_;
};

}  // namespace detail
}  // namespace dstream

#ifdef DSTREAM_HEADER_ONLY
#include <dstream/stream/impl/scheduler.ipp>
#endif
