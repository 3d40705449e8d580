#pragma once
// Definitions of stream/scheduler.hpp: inline in the header-only form, compiled once in
// dstream/impl/src.cpp with DSTREAM_SEPARATE_COMPILATION (detail/config.hpp).

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <dstream/stream/scheduler.hpp>

namespace dstream::detail {

DSTREAM_DECL scheduler::scheduler(::dstream::context ctx, duration batch) : ctx_(std::move(ctx)), batch_(batch) {
  check_settings(ctx_.conf());
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

DSTREAM_DECL scheduler::~scheduler() {
  try {
    stop(false, false);
  } catch (...) {
  }
}

DSTREAM_DECL void scheduler::check_building(const std::string& what) const {
  std::lock_guard lock(m_);
  if (state_ == ::dstream::state::active)
    throw std::logic_error(what + ": the streaming context is already started; add every input, operator and output "
                                  "before start()");
  if (state_ == ::dstream::state::stopped)
    throw std::logic_error(what + ": the streaming context is stopped; build a new ds::streaming_context");
}

DSTREAM_DECL void scheduler::start() {
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
  std::vector<std::shared_ptr<node_base>> roots;
  for (auto& o : outputs_) roots.push_back(o->target());
  for (auto& in : inputs_) roots.push_back(in.node);
  all_nodes_ = plan_graph(roots, remember_);
  ckpt_.prepare(ctx_.conf(), batch_, all_nodes_);
  ckpt_.add_generated();
  const auto& recovery = ckpt_.recovery();
  std::int64_t now = clock_->now_ms();
  std::int64_t b = batch_.count();
  // As Spark: the first batch is the next multiple of the batch interval after now.
  batch_time first((now / b + 1) * b);
  zero_ = first - batch_;
  if (recovery) {
    // The graph keeps its zero time; batches pending at the crash run again first.
    zero_ = batch_time(recovery->zero_ms);
    first = std::max(first, batch_time(recovery->time_ms) + batch_);
    for (auto p : recovery->pending_ms) {
      if (batch_time(p) > batch_time(recovery->time_ms)) replay_.push_back(batch_time(p));
    }
    std::sort(replay_.begin(), replay_.end());
    if (!replay_.empty()) first = std::max(first, replay_.back() + batch_);
  }
  for (auto& n : all_nodes_) n->initialize(zero_);
  if (recovery) ckpt_.restore(batch_, all_nodes_, hooks());
  next_time_ = first;
  for (std::size_t i = 0; i < inputs_.size(); ++i) {
    inputs_[i].hooks->start_input(input_env(ctx_, batch_, zero_, inputs_[i].node->remember_for, ckpt_.dir(),
                                            static_cast<int>(i), bus_, [this](std::string m) {
                                              std::lock_guard lock(problems_m_);
                                              problems_.push_back(std::move(m));
                                            }));
  }
  if (ckpt_.enabled() && !recovery) {
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

DSTREAM_DECL void scheduler::stop(bool stop_context, bool gracefully) {
  // A library thread cannot wait for the work it is part of: an output or a listener
  // would wait for its own batch, a stage for the pool it runs on.
  if (current_bus != nullptr || thread_pool::on_any_worker())
    throw std::logic_error("ds::streaming_context::stop: called from a thread of the library (an output operation, "
                           "a stage running on the pool, a listener or a receiver event), which stop() would wait "
                           "for; call it from another thread (for example: set a flag, and stop from main())");
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
      return !pending && !allocating_ && queue_.empty() && !running_;
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

DSTREAM_DECL bool scheduler::await(std::optional<duration> timeout) {
  std::unique_lock lock(m_);
  auto done = [&] { return state_ == ::dstream::state::stopped || error_ != nullptr; };
  if (timeout) {
    if (!stopped_cv_.wait_for(lock, *timeout, done)) return false;
  } else {
    stopped_cv_.wait(lock, done);
  }
  // Every waiter, now or later, hears of the failure.
  if (error_) std::rethrow_exception(error_);
  return true;
}

DSTREAM_DECL void scheduler::write_checkpoint_after(batch_time t) {
  std::lock_guard gen_lock(gen_m_);
  std::vector<batch_time> pending;
  {
    std::lock_guard lock(m_);
    for (auto& q : queue_) pending.push_back(q.info.time);
  }
  ckpt_.write(t, zero_, batch_, pending, all_nodes_, hooks());
}

DSTREAM_DECL void scheduler::generate_loop() {
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
    for (std::size_t i = 0; i < inputs_.size(); ++i) {
      auto& in = inputs_[i];
      try {
        const std::int64_t n = in.hooks->allocate(t);
        info.num_records += n;
        if (n != 0) info.stream_records[static_cast<int>(i)] += n;
      } catch (const std::exception& e) {
        std::string m = "input failed to take the data of batch " + t.to_string() + ": " + e.what();
        std::cerr << "dstream: " << m << "; the batch runs without it\n";
        std::lock_guard lock(problems_m_);
        problems_.push_back(std::move(m));
      }
    }
    {
      std::lock_guard lock(problems_m_);
      info.input_errors = std::move(problems_);
      problems_.clear();
    }
    if (auto m = ckpt_.write_generated(t, zero_, batch_, hooks())) info.warnings.push_back(std::move(*m));
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

DSTREAM_DECL void scheduler::execute_loop() {
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

DSTREAM_DECL void scheduler::run_batch(queued& q) {
  using clk = std::chrono::steady_clock;
  batch_info& info = q.info;
  const batch_time t = info.time;
  auto started = clk::now();
  info.scheduling_delay = std::chrono::duration_cast<duration>(started - q.submitted);
  warn_if_behind(info, batch_, behind_);
  bus_.post(&streaming_listener::on_batch_started, info);
  std::exception_ptr first_error = run_outputs(outputs_, t, bus_, info);
  auto ended = clk::now();
  info.processing_delay = std::chrono::duration_cast<duration>(ended - started);
  // From the batch time: on wall time as Spark measures it; under the manual clock,
  // whose time stands still, as the time spent queued and running.
  if (wall_clock_) {
    info.total_delay = duration(std::max<std::int64_t>(0, clock_->now_ms() - t.milliseconds()));
  } else {
    info.total_delay = *info.scheduling_delay + *info.processing_delay;
  }
  for (auto& n : all_nodes_) n->end_batch(!first_error);
  for (auto& n : all_nodes_) n->forget_before(t);
  if (!first_error && ckpt_.due(t, zero_)) {
    try {
      write_checkpoint_after(t);
    } catch (const std::exception& e) {
      std::cerr << "dstream: checkpoint after batch " << t << " failed: " << e.what() << '\n';
      info.output_failures[-1] = std::string("checkpoint: ") + e.what();
      if (!first_error) first_error = std::current_exception();
    }
  }
  for (auto& in : inputs_) {
    try {
      in.hooks->batch_completed(t, !first_error);
    } catch (const std::exception& e) {
      std::cerr << "dstream: an input failed after batch " << t << ": " << e.what() << '\n';
      info.output_failures[-2] = std::string("input: ") + e.what();
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


DSTREAM_DECL int scheduler::add_input(std::shared_ptr<node_base> n, input_hooks* hooks) {
  check_building("adding an input");
  inputs_.push_back(input{std::move(n), hooks});
  return static_cast<int>(inputs_.size()) - 1;
}

DSTREAM_DECL int scheduler::add_output(std::shared_ptr<output_base> o) {
  check_building("adding an output operation");
  outputs_.push_back(std::move(o));
  return static_cast<int>(outputs_.size()) - 1;
}

DSTREAM_DECL void scheduler::set_remember(duration d) {
  check_building("ds::streaming_context::remember");
  remember_ = d;
}

DSTREAM_DECL void scheduler::set_checkpoint_dir(std::string dir) {
  check_building("ds::streaming_context::checkpoint");
  ckpt_.set_dir(std::move(dir));
}

DSTREAM_DECL void scheduler::set_recovery(checkpoint_data cp) { ckpt_.set_recovery(std::move(cp)); }
DSTREAM_DECL bool scheduler::recovered() const noexcept { return ckpt_.recovery().has_value(); }
DSTREAM_DECL const std::string& scheduler::checkpoint_dir() const noexcept { return ckpt_.dir(); }

DSTREAM_DECL bool scheduler::wait_for_batch(batch_time t, std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(m_);
  return done_cv_.wait_until(lock, deadline, [&] { return last_done_ >= t || state_ == ::dstream::state::stopped; }) &&
         last_done_ >= t;
}

DSTREAM_DECL std::vector<input_hooks*> scheduler::hooks() const {
  std::vector<input_hooks*> h;
  for (auto& in : inputs_) h.push_back(in.hooks);
  return h;
}

DSTREAM_DECL node_base::node_base(scheduler& st, std::vector<std::shared_ptr<node_base>> parents)
    : sched_(&st), parents_(std::move(parents)), id_(st.register_node(this)) {}

DSTREAM_DECL duration node_base::slide() const {
  return parents_.empty() ? sched_->batch_duration() : parents_.front()->slide();
}

}  // namespace dstream::detail
