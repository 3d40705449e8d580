#pragma once
// The stream graph and the machinery that runs it every batch interval.
//
// Nodes (`node<T>`) produce one rdd per batch time, cached for as long as something
// downstream may ask for it (`remember`). Inputs take their data for a batch on the
// job generator's thread (`allocate`), so what belongs to batch t is fixed at time t.
// Output operations run batch by batch, in order, on the executor thread; stages run on
// the context's pool. Receivers run on their own threads.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <exception>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <unistd.h>

#include <dstream/batch/context.hpp>
#include <dstream/batch/rdd.hpp>
#include <dstream/checkpoint/checkpoint.hpp>
#include <dstream/runtime/clock.hpp>
#include <dstream/runtime/listener.hpp>
#include <dstream/runtime/time.hpp>

namespace dstream {

/// The lifecycle of a streaming context (Spark's `StreamingContextState`).
enum class state { initialized, active, stopped };

namespace detail {

class streaming_state;

/// What every stream node shares: its place in the graph and its timing.
class node_base {
 public:
  explicit node_base(streaming_state& st, std::vector<std::shared_ptr<node_base>> parents = {});
  virtual ~node_base() = default;
  node_base(const node_base&) = delete;
  node_base& operator=(const node_base&) = delete;

  streaming_state& owner() const noexcept { return *st_; }
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
  /// The key of this node's state in checkpoints: its name, else its position.
  std::string state_key() const { return name.empty() ? "#" + std::to_string(id_) : name; }
  /// Set on stateful nodes restored from the checkpoint after this batch: their state holds
  /// every batch up to it, so none of those is computed again (it would count twice).
  std::optional<batch_time> restored_through;

 private:
  streaming_state* st_;
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

/// An input node: it takes the data of batch t when the generator reaches t.
class input_hooks {
 public:
  virtual ~input_hooks() = default;
  /// At start, on the starting thread (receivers start here).
  virtual void start_input(batch_time /*zero*/) {}
  /// Receivers stop taking data (the first step of a stop).
  virtual void stop_receiving() {}
  /// Takes the data received for batch `t`; returns its record count.
  virtual std::int64_t allocate(batch_time t) = 0;
  /// True while received data has not been allocated to a batch yet.
  virtual bool has_unallocated() const { return false; }
  /// At the end of a stop, after the last batch.
  virtual void stop_input() {}
  /// What a checkpoint after batch `done` keeps of this input (files read, logged blocks).
  virtual std::string save_position(batch_time /*done*/) { return {}; }
  /// Restores what `save_position` saved, before start.
  virtual void restore_position(std::string_view) {}
  /// After batch `done` was checkpointed: what it needs no longer may go (WAL segments).
  virtual void checkpointed(batch_time /*done*/) {}
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

/// The shared state behind a `streaming_context` handle and every `dstream` of it.
class streaming_state : public std::enable_shared_from_this<streaming_state> {
 public:
  std::shared_ptr<streaming_state> shared_from_this_state() { return shared_from_this(); }
  int next_stream_id() { return stream_ids_++; }

  streaming_state(::dstream::context ctx, duration batch)
      : ctx_(std::move(ctx)), batch_(batch) {
    if (batch.count() <= 0)
      throw std::invalid_argument("ds::streaming_context: the batch duration must be positive, got " +
                                  format_duration(batch));
    if (ctx_.conf().get("dstream.streaming.clock", "system") == "manual") {
      clock_ = std::make_unique<manual_clock>();
    } else {
      clock_ = std::make_unique<system_batch_clock>();
      wall_clock_ = true;
    }
  }
  ~streaming_state() {
    try {
      stop(false, false);
    } catch (...) {
    }
  }

  ::dstream::context& context() noexcept { return ctx_; }
  duration batch_duration() const noexcept { return batch_; }
  batch_clock& clock() noexcept { return *clock_; }
  listener_bus& bus() noexcept { return bus_; }

  ::dstream::state get_state() const {
    std::lock_guard lock(m_);
    return state_;
  }

  /// Throws unless the graph may still change.
  void check_building(const std::string& what) const {
    std::lock_guard lock(m_);
    if (state_ == ::dstream::state::active)
      throw std::logic_error(what + ": the streaming context is already started; add every input, operator and output "
                                    "before start()");
    if (state_ == ::dstream::state::stopped)
      throw std::logic_error(what + ": the streaming context is stopped; build a new ds::streaming_context");
  }

  int register_node(node_base*) { return next_node_id_++; }

  void add_input(std::shared_ptr<node_base> n, input_hooks* hooks) {
    inputs_.push_back(input{std::move(n), hooks});
  }
  int add_output(std::shared_ptr<output_base> o) {
    check_building("adding an output operation");
    outputs_.push_back(std::move(o));
    return static_cast<int>(outputs_.size()) - 1;
  }
  std::size_t num_outputs() const noexcept { return outputs_.size(); }

  void set_remember(duration d) {
    check_building("ds::streaming_context::remember");
    remember_ = d;
  }
  void set_checkpoint_dir(std::string dir) {
    check_building("ds::streaming_context::checkpoint");
    checkpoint_dir_ = std::move(dir);
  }
  /// Recovery: the checkpoint whose state, positions and pending batches `start` restores.
  void set_recovery(checkpoint_data cp) { recovery_ = std::move(cp); }
  bool recovered() const noexcept { return recovery_.has_value(); }
  const std::string& checkpoint_dir() const noexcept { return checkpoint_dir_; }

  void start() {
    {
      std::lock_guard lock(m_);
      if (state_ == ::dstream::state::active) {
        std::cerr << "dstream: start() called on a streaming context that is already started; ignored\n";
        return;
      }
      if (state_ == ::dstream::state::stopped)
        throw std::logic_error("ds::streaming_context::start: the context was stopped and cannot be restarted; "
                               "build a new ds::streaming_context");
      if (outputs_.empty())
        throw std::logic_error("ds::streaming_context::start: no output operation is registered; add one "
                               "(pprint, save_as_text_files, foreach_rdd) so the graph has something to run");
    }
    prepare_graph();
    if (checkpoint_dir_.empty()) {
      for (auto& n : all_nodes_)
        if (n->stateful())
          throw std::logic_error(n->operator_name() +
                                 " keeps state across batches and needs a checkpoint directory: call "
                                 "ssc.checkpoint(dir) before start()");
    }
    prepare_checkpointing();
    std::int64_t now = clock_->now_ms();
    std::int64_t b = batch_.count();
    // As Spark: the first batch is the next multiple of the batch interval after now.
    batch_time first((now / b + 1) * b);
    zero_ = first - batch_;
    if (recovery_) {
      // The graph keeps its zero time; batches pending at the crash run again first.
      zero_ = batch_time(recovery_->zero_ms);
      first = std::max(first, batch_time(recovery_->time_ms) + batch_);
      for (auto p : recovery_->pending_ms) {
        if (batch_time(p) > batch_time(recovery_->time_ms)) replay_.push_back(batch_time(p));
      }
      std::sort(replay_.begin(), replay_.end());
      if (!replay_.empty()) first = std::max(first, replay_.back() + batch_);
    }
    for (auto& n : all_nodes_) n->initialize(zero_);
    if (recovery_) restore(*recovery_);
    next_time_ = first;
    for (auto& in : inputs_) in.hooks->start_input(zero_);
    if (!checkpoint_dir_.empty() && !recovery_) {
      // A first checkpoint at the zero time: a crash before the first batch's checkpoint
      // then recovers with what the inputs had at start (files present then stay old).
      write_checkpoint_after(zero_);
    }
    {
      std::lock_guard lock(m_);
      state_ = ::dstream::state::active;
    }
    clock_->reset_interrupt();
    executor_ = std::thread([this] { execute_loop(); });
    generator_ = std::thread([this] { generate_loop(); });
  }

  /// Stops receiving, (gracefully: processes everything received), stops the threads.
  void stop(bool stop_context, bool gracefully) {
    if (current_bus == &bus_)
      throw std::logic_error("ds::streaming_context::stop: called from an output operation, a listener or a receiver "
                             "event of the same context, which stop() would wait for; call it from another thread");
    {
      std::unique_lock lock(m_);
      if (state_ == ::dstream::state::stopped) return;
      if (state_ == ::dstream::state::initialized) {
        state_ = ::dstream::state::stopped;
        lock.unlock();
        if (stop_context) ctx_.stop();
        return;
      }
      if (stopping_) {
        // Another thread is stopping: wait for it.
        stopped_cv_.wait(lock, [&] { return state_ == ::dstream::state::stopped; });
        return;
      }
      stopping_ = true;
    }
    for (auto& in : inputs_) in.hooks->stop_receiving();
    if (gracefully) {
      // Everything received is now in blocks; wait until a batch has taken it and every
      // batch generated so far has run (as Spark, not for a batch that would be empty).
      const auto limit = std::chrono::steady_clock::now() +
                         std::max<std::chrono::milliseconds>(10 * batch_, std::chrono::seconds(10));
      std::unique_lock lock(m_);
      done_cv_.wait_until(lock, limit, [&] {
        bool pending = false;
        for (auto& in : inputs_) pending = pending || in.hooks->has_unallocated();
        return (!pending && !allocating_ && queue_.empty() && !running_) || fatal_;
      });
    }
    clock_->interrupt();
    {
      std::lock_guard lock(m_);
      quit_ = true;
      queue_.clear();
    }
    queue_cv_.notify_all();
    if (generator_.joinable()) generator_.join();
    if (executor_.joinable()) executor_.join();
    for (auto& in : inputs_) in.hooks->stop_input();
    if (stop_context) ctx_.stop();
    {
      std::lock_guard lock(m_);
      state_ = ::dstream::state::stopped;
    }
    stopped_cv_.notify_all();
    done_cv_.notify_all();
  }

  /// Waits for the stop; rethrows the first batch failure. With a timeout: false when
  /// the context is still running when it expires.
  bool await(std::optional<duration> timeout) {
    std::unique_lock lock(m_);
    auto done = [&] { return state_ == ::dstream::state::stopped || error_ != nullptr; };
    if (timeout) {
      if (!stopped_cv_.wait_for(lock, *timeout, done)) return false;
    } else {
      stopped_cv_.wait(lock, done);
    }
    if (error_) {
      auto e = error_;
      error_ = nullptr;
      std::rethrow_exception(e);
    }
    return true;
  }

  /// Waits until batch `t` has completed (or `deadline` passes); true when it has.
  bool wait_for_batch(batch_time t, std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(m_);
    return done_cv_.wait_until(lock, deadline, [&] { return last_done_ >= t || state_ == ::dstream::state::stopped; }) &&
           last_done_ >= t;
  }
  batch_time last_completed() const {
    std::lock_guard lock(m_);
    return last_done_;
  }
  batch_time zero_time() const noexcept { return zero_; }

 private:
  struct input {
    std::shared_ptr<node_base> node;
    input_hooks* hooks;
  };

  // Orders the nodes parents-first and sets how long each keeps its rdds.
  void prepare_graph() {
    all_nodes_.clear();
    std::vector<node_base*> seen;
    std::function<void(const std::shared_ptr<node_base>&)> visit = [&](const std::shared_ptr<node_base>& n) {
      if (std::find(seen.begin(), seen.end(), n.get()) != seen.end()) return;
      seen.push_back(n.get());
      for (auto& p : n->parents()) visit(p);
      all_nodes_.push_back(n);
    };
    for (auto& o : outputs_) visit(o->target());
    for (auto& in : inputs_) visit(in.node);
    for (auto& n : all_nodes_) n->remember_for = std::max(n->remember_for, std::max(remember_, n->slide()));
    // Children first: a node needs its parents' rdds as far back as it reaches.
    for (auto it = all_nodes_.rbegin(); it != all_nodes_.rend(); ++it) {
      for (auto& p : (*it)->parents()) {
        p->remember_for = std::max(p->remember_for, (*it)->remember_for + (*it)->reach());
      }
    }
  }

  // Checks the checkpoint directory and settles the interval, before anything starts.
  void prepare_checkpointing() {
    const auto& c = ctx_.conf();
    if (c.get("dstream.receiver.wal.enable", "false") == "true" && checkpoint_dir_.empty())
      throw std::logic_error("dstream.receiver.wal.enable=true needs a checkpoint directory for the log: call "
                             "ssc.checkpoint(dir) before start()");
    if (checkpoint_dir_.empty()) return;
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(checkpoint_dir_, ec);
    const fs::path probe = fs::path(checkpoint_dir_) / (".probe-" + std::to_string(::getpid()));
    try {
      if (ec) throw std::runtime_error(ec.message());
      write_file_durably(probe, "ok");
      fs::remove(probe, ec);
    } catch (const std::exception& e) {
      throw std::runtime_error("ds::streaming_context: the checkpoint directory " + checkpoint_dir_ +
                               " is not writable: " + e.what());
    }
    bool stateful = false;
    duration slide = batch_;
    // Checkpoints fall where every stateful node has just run: a window's state between
    // two of its slides would miss the parent batches it has not folded in yet.
    std::int64_t every = batch_.count();
    for (auto& n : all_nodes_) {
      if (!n->stateful()) continue;
      stateful = true;
      slide = std::max(slide, n->slide());
      every = std::lcm(every, n->slide().count());
    }
    if (auto v = c.get("dstream.checkpoint.interval")) {
      checkpoint_interval_ = parse_interval(*v);
      if (checkpoint_interval_.count() <= 0 || checkpoint_interval_.count() % batch_.count() != 0)
        throw std::invalid_argument("dstream.checkpoint.interval (" + *v +
                                    ") must be a positive multiple of the batch duration (" + format_duration(batch_) +
                                    ")");
    } else if (stateful) {
      // Spark's rule: a multiple of the slide of at least 10 seconds.
      std::int64_t k = (10000 + slide.count() - 1) / slide.count();
      checkpoint_interval_ = duration(k * slide.count());
    } else {
      checkpoint_interval_ = batch_;
    }
    if (checkpoint_interval_.count() % every != 0) {
      const duration rounded((checkpoint_interval_.count() / every + 1) * every);
      std::cerr << "dstream: checkpoint interval " << format_duration(checkpoint_interval_)
                << " is not a multiple of the slide of every stateful operator; checkpointing every "
                << format_duration(rounded) << '\n';
      checkpoint_interval_ = rounded;
    }
  }

  static duration parse_interval(const std::string& v) {
    std::string s = v;
    std::int64_t scale = 1;
    if (s.size() > 2 && s.compare(s.size() - 2, 2, "ms") == 0) {
      s.resize(s.size() - 2);
    } else if (!s.empty() && s.back() == 's') {
      s.pop_back();
      scale = 1000;
    }
    try {
      std::size_t used = 0;
      long long n = std::stoll(s, &used);
      if (used != s.size()) throw std::invalid_argument(v);
      return duration(n * scale);
    } catch (const std::exception&) {
      throw std::invalid_argument("dstream.checkpoint.interval: \"" + v + "\" is not a duration such as 10s or 500ms");
    }
  }

  std::string input_key(std::size_t i) const { return "input#" + std::to_string(i); }

  void write_checkpoint_after(batch_time t) {
    checkpoint_data d;
    d.time_ms = t.milliseconds();
    d.zero_ms = zero_.milliseconds();
    d.batch_ms = batch_.count();
    std::lock_guard gen_lock(gen_m_);
    {
      std::lock_guard lock(m_);
      for (auto& q : queue_) d.pending_ms.push_back(q.info.time.milliseconds());
    }
    for (auto& n : all_nodes_) {
      if (!n->stateful()) continue;
      auto [it, fresh] = d.states.emplace(n->state_key(), n->save_state());
      if (!fresh)
        throw std::logic_error("two stateful operators share the name \"" + n->state_key() +
                               "\"; give each its own ds::named(...)");
    }
    for (std::size_t i = 0; i < inputs_.size(); ++i) d.positions[input_key(i)] = inputs_[i].hooks->save_position(t);
    write_checkpoint(checkpoint_dir_, d);
    for (auto& in : inputs_) in.hooks->checkpointed(t);
  }

  void restore(const checkpoint_data& cp) {
    if (cp.batch_ms != batch_.count())
      throw std::logic_error("ds::streaming_context: the checkpoint in " + checkpoint_dir_ + " was written with batch " +
                             std::to_string(cp.batch_ms) + " ms, but the context's batch is " + format_duration(batch_));
    for (auto& n : all_nodes_) {
      if (!n->stateful()) continue;
      n->restored_through = batch_time(cp.time_ms);
      auto it = cp.states.find(n->state_key());
      if (it == cp.states.end()) {
        std::cerr << "dstream: the checkpoint has no state for " << n->operator_name() << " \"" << n->state_key()
                  << "\"; it starts empty\n";
        continue;
      }
      try {
        n->restore_state(it->second);
      } catch (const std::exception& e) {
        throw std::runtime_error("dstream: cannot restore the state of " + n->operator_name() + " \"" +
                                 n->state_key() + "\" from the checkpoint in " + checkpoint_dir_ + ": " + e.what());
      }
    }
    for (std::size_t i = 0; i < inputs_.size(); ++i) {
      auto it = cp.positions.find(input_key(i));
      if (it != cp.positions.end()) inputs_[i].hooks->restore_position(it->second);
    }
  }

  void generate_loop() {
    current_bus = &bus_;
    std::size_t replayed = 0;
    for (;;) {
      batch_time t;
      const bool replay = replayed < replay_.size();
      if (replay) {
        t = replay_[replayed++];
      } else {
        std::lock_guard lock(m_);
        t = next_time_;
      }
      if (!replay && !clock_->wait_until(t.milliseconds())) return;
      batch_info info;
      info.time = t;
      // A checkpoint sees either all of this batch (allocated and queued) or none of it.
      std::lock_guard gen_lock(gen_m_);
      {
        // A graceful stop waits for data being taken now to be queued.
        std::lock_guard lock(m_);
        allocating_ = true;
      }
      for (auto& in : inputs_) {
        try {
          info.num_records += in.hooks->allocate(t);
        } catch (const std::exception& e) {
          std::cerr << "dstream: input failed to take the data of batch " << t << ": " << e.what() << '\n';
        }
      }
      // Posted before the batch is queued: the executor may start it at once, and
      // listeners must see it submitted before started.
      bus_.post(&streaming_listener::on_batch_submitted, info);
      {
        std::lock_guard lock(m_);
        queue_.push_back(queued{info, std::chrono::steady_clock::now()});
        allocating_ = false;
        if (!replay) next_time_ = t + batch_;
      }
      queue_cv_.notify_all();
    }
  }

  struct queued {
    batch_info info;
    std::chrono::steady_clock::time_point submitted;
  };

  void execute_loop() {
    current_bus = &bus_;
    for (;;) {
      queued q;
      {
        std::unique_lock lock(m_);
        queue_cv_.wait(lock, [&] { return quit_ || !queue_.empty(); });
        if (quit_ && queue_.empty()) return;
        q = std::move(queue_.front());
        queue_.pop_front();
        running_ = true;
      }
      run_batch(q);
      {
        std::lock_guard lock(m_);
        running_ = false;
        last_done_ = q.info.time;
      }
      done_cv_.notify_all();
    }
  }

  void run_batch(queued& q) {
    using clk = std::chrono::steady_clock;
    batch_info& info = q.info;
    const batch_time t = info.time;
    auto started = clk::now();
    info.scheduling_delay = std::chrono::duration_cast<duration>(started - q.submitted);
    bus_.post(&streaming_listener::on_batch_started, info);
    std::exception_ptr first_error;
    for (std::size_t i = 0; i < outputs_.size(); ++i) {
      output_operation_info op;
      op.time = t;
      op.id = static_cast<int>(i);
      op.name = outputs_[i]->name();
      bus_.post(&streaming_listener::on_output_operation_started, op);
      auto op_start = clk::now();
      try {
        outputs_[i]->run(t);
      } catch (const std::exception& e) {
        op.failure = e.what();
        if (!first_error) first_error = std::current_exception();
      } catch (...) {
        op.failure = "an exception that is not a std::exception";
        if (!first_error) first_error = std::current_exception();
      }
      op.duration_taken = std::chrono::duration_cast<duration>(clk::now() - op_start);
      if (op.failure) {
        info.output_failures[op.id] = *op.failure;
        std::cerr << "dstream: output operation " << op.id << " (" << op.name << ") of batch " << t
                  << " failed: " << *op.failure << '\n';
      }
      bus_.post(&streaming_listener::on_output_operation_completed, op);
    }
    auto ended = clk::now();
    info.processing_delay = std::chrono::duration_cast<duration>(ended - started);
    // From the batch time: on wall time as Spark measures it; under the manual clock,
    // whose time stands still, as the time spent queued and running.
    if (wall_clock_) {
      info.total_delay = duration(std::max<std::int64_t>(0, clock_->now_ms() - t.milliseconds()));
    } else {
      info.total_delay = *info.scheduling_delay + *info.processing_delay;
    }
    for (auto& n : all_nodes_) n->forget_before(t);
    if (!first_error && !checkpoint_dir_.empty() && (t - zero_).count() % checkpoint_interval_.count() == 0) {
      try {
        write_checkpoint_after(t);
      } catch (const std::exception& e) {
        std::cerr << "dstream: checkpoint after batch " << t << " failed: " << e.what() << '\n';
        info.output_failures[-1] = std::string("checkpoint: ") + e.what();
        if (!first_error) first_error = std::current_exception();
      }
    }
    bus_.post(&streaming_listener::on_batch_completed, info);
    if (first_error) {
      std::lock_guard lock(m_);
      if (!error_) error_ = first_error;
      stopped_cv_.notify_all();
    }
  }

  ::dstream::context ctx_;
  duration batch_;
  std::unique_ptr<batch_clock> clock_;
  bool wall_clock_ = false;  // the system clock: total delay is measured from the batch time
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
  bool fatal_ = false;
  std::exception_ptr error_;
  std::deque<queued> queue_;
  batch_time next_time_{0};
  batch_time last_done_{0};
  batch_time zero_{0};

  int next_node_id_ = 0;
  int stream_ids_ = 0;
  std::vector<input> inputs_;
  std::vector<std::shared_ptr<output_base>> outputs_;
  std::vector<std::shared_ptr<node_base>> all_nodes_;
  duration remember_{0};
  std::string checkpoint_dir_;
  duration checkpoint_interval_{1};
  std::optional<checkpoint_data> recovery_;
  std::vector<batch_time> replay_;

  std::mutex gen_m_;  // held while a batch is allocated and queued, and while a checkpoint reads that
  std::thread generator_;
  std::thread executor_;
};

inline node_base::node_base(streaming_state& st, std::vector<std::shared_ptr<node_base>> parents)
    : st_(&st), parents_(std::move(parents)), id_(st.register_node(this)) {}

inline duration node_base::slide() const {
  return parents_.empty() ? st_->batch_duration() : parents_.front()->slide();
}

}  // namespace detail
}  // namespace dstream
