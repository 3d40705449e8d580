#pragma once
// The stream graph's nodes. A node (`node<T>`) produces one rdd per batch time, cached for
// as long as something downstream may ask for it (`remember`). Inputs take their data for
// a batch on the job generator's thread, so what belongs to batch t is fixed at time t;
// output operations run once per batch at which their node has an rdd.

#include <chrono>
#include <exception>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <dstream/batch/rdd.hpp>
#include <dstream/detail/config.hpp>
#include <dstream/stream/input.hpp>
#include <dstream/runtime/listener.hpp>
#include <dstream/runtime/time.hpp>

namespace dstream {

namespace detail {

class scheduler;

/// What every stream node shares: its place in the graph and its timing.
class node_base {
 public:
  explicit node_base(scheduler& st, std::vector<std::shared_ptr<node_base>> parents = {});
  virtual ~node_base() = default;
  node_base(const node_base&) = delete;
  node_base& operator=(const node_base&) = delete;

  scheduler& owner() const noexcept { return *sched_; }
  const std::vector<std::shared_ptr<node_base>>& parents() const noexcept { return parents_; }
  int id() const noexcept { return id_; }

  /// The interval between two rdds of this node: the parent's (or the batch interval).
  virtual duration slide() const;
  /// How far back a child may look (a window reaches back its length).
  virtual duration reach() const { return duration(0); }

  /// The time the graph started minus one batch; rdds exist at zero + k·slide, k ≥ 1.
  batch_time zero_time() const noexcept { return zero_; }
  bool is_time_valid(batch_time t) const { return t > zero_ && t.is_multiple_of(slide(), zero_); }

  /// Called once at start, parents first.
  virtual void initialize(batch_time zero) { zero_ = zero; }
  /// Drops cached rdds older than `t - keep`.
  virtual void forget_before(batch_time t) = 0;

  /// The longest a child needs this node's rdds, set by the graph before start.
  duration remember_for{0};

  /// A name for checkpoints and messages (`ds::named`), else empty.
  std::string name;

  // Stateful nodes (windows with an inverse, update_state_by_key, map_with_state) carry
  // state from batch to batch; a checkpoint keeps it under the node's key.
  virtual bool stateful() const { return false; }
  /// The operator, for messages (`ds::update_state_by_key`).
  virtual std::string operator_name() const { return "stream"; }
  virtual std::string save_state() const { return {}; }
  virtual void restore_state(std::string_view) {}
  /// What a checkpoint records of this operator to recognise its state: the operator and
  /// its key and state types as the serializer names them.
  virtual std::string fingerprint() const { return operator_name(); }
  /// After every output of a batch ran: a stateful node keeps the state the batch made
  /// when `succeeded`, else puts back the state from before it (a failed batch changes
  /// no state).
  virtual void end_batch(bool /*succeeded*/) {}
  /// The key of this node's state in checkpoints: its name, else its position.
  std::string state_key() const { return name.empty() ? "#" + std::to_string(id_) : name; }
  /// Set on stateful nodes restored from the checkpoint after this batch: their state holds
  /// every batch up to it, so none of those is computed again (it would count twice).
  std::optional<batch_time> restored_through;

 private:
  scheduler* sched_;
  std::vector<std::shared_ptr<node_base>> parents_;
  int id_;
  batch_time zero_{0};
};

/// A node producing `rdd<T>` per batch time.
template <class T>
class node : public node_base {
 public:
  using node_base::node_base;
  using value_type = T;

  /// The rdd of batch `t` (computed once, then cached), or nullopt when this node has
  /// none at `t` (e.g. a window between two slides).
  std::optional<rdd<T>> get(batch_time t) {
    std::unique_lock lock(m_);
    if (auto it = cache_.find(t); it != cache_.end()) return it->second;
    lock.unlock();
    if (!is_time_valid(t) || (restored_through && t <= *restored_through)) return std::nullopt;
    std::optional<rdd<T>> r = compute(t);
    lock.lock();
    cache_.emplace(t, r);
    return r;
  }

  void forget_before(batch_time t) override {
    std::lock_guard lock(m_);
    cache_.erase(cache_.begin(), cache_.lower_bound(t - remember_for));
  }

 protected:
  virtual std::optional<rdd<T>> compute(batch_time t) = 0;

 private:
  std::mutex m_;
  std::map<batch_time, std::optional<rdd<T>>> cache_;
};

/// The scheduler's view of an input (see `ds::input<T>` in stream/input.hpp, which
/// `input_node` adapts to this).
class input_hooks {
 public:
  virtual ~input_hooks() = default;
  virtual void start_input(const input_env& env) = 0;
  virtual void stop_receiving() = 0;
  /// Takes the data of batch `t`; returns its record count.
  virtual std::int64_t allocate(batch_time t) = 0;
  virtual bool has_unallocated() const = 0;
  virtual void stop_input() = 0;
  virtual std::string save_position(batch_time done) = 0;
  virtual void restore_position(std::string_view saved) = 0;
  virtual void checkpointed(batch_time done) = 0;
  virtual void batch_completed(batch_time t, bool succeeded) = 0;
};

/// An output operation: runs once per batch time at which its node has an rdd.
class output_base {
 public:
  output_base(std::shared_ptr<node_base> n, std::string name) : node_(std::move(n)), name_(std::move(name)) {}
  virtual ~output_base() = default;
  const std::string& name() const noexcept { return name_; }
  const std::shared_ptr<node_base>& target() const noexcept { return node_; }
  /// Runs the output for batch `t` (nothing when the node has no rdd at t).
  virtual void run(batch_time t) = 0;

 private:
  std::shared_ptr<node_base> node_;
  std::string name_;
};

/// Runs every output of batch `t` in order, reporting each to listeners and each failure
/// in `info`; returns the first failure (the following outputs still run).
DSTREAM_DECL std::exception_ptr run_outputs(const std::vector<std::shared_ptr<output_base>>& outputs, batch_time t,
                                            listener_bus& bus, batch_info& info);

/// Batches that wait more than three intervals to start mean the input comes faster than
/// it is processed, and what waits is held in memory: such a batch carries a warning; the
/// log says it once (`behind` remembers), and again when the batches have caught up.
DSTREAM_DECL void warn_if_behind(batch_info& info, duration batch, bool& behind);

/// The nodes reachable from `roots`, parents first; sets how long each keeps its rdds
/// (at least `remember`, and as far back as any child reaches).
DSTREAM_DECL std::vector<std::shared_ptr<node_base>> plan_graph(const std::vector<std::shared_ptr<node_base>>& roots,
                                                                duration remember);

}  // namespace detail
}  // namespace dstream

#ifdef DSTREAM_HEADER_ONLY
#include <dstream/stream/impl/node.ipp>
#endif
