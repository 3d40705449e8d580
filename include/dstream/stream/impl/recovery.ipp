#pragma once
// Definitions of stream/recovery.hpp: inline in the header-only form, compiled once in
// dstream/impl/src.cpp with DSTREAM_SEPARATE_COMPILATION (detail/config.hpp).

#include <algorithm>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <iostream>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <unistd.h>

#include <dstream/stream/recovery.hpp>

namespace dstream::detail {

DSTREAM_DECL std::string checkpointer::describe(const node_base& n) {
  return n.name.empty() ? "the unnamed operator at position " + n.state_key() : "\"" + n.name + "\"";
}

DSTREAM_DECL std::string checkpointer::input_key(std::size_t i) { return "input#" + std::to_string(i); }

DSTREAM_DECL void checkpointer::prepare(const ::dstream::conf& c, duration batch, const nodes& all) {
  if (c.get("dstream.receiver.wal.enable", "false") == "true" && dir_.empty())
    throw std::logic_error("dstream.receiver.wal.enable=true needs a checkpoint directory for the log: call "
                           "ssc.checkpoint(dir) before start()");
  if (dir_.empty()) {
    for (auto& n : all)
      if (n->stateful())
        throw std::logic_error(n->operator_name() +
                               " keeps state across batches and needs a checkpoint directory: call "
                               "ssc.checkpoint(dir) before start()");
    return;
  }
  check_writable();
  remove_leftovers(dir_);
  bool stateful = false;
  duration slide = batch;
  // Checkpoints fall where every stateful node has just run: a window's state between
  // two of its slides would miss the parent batches it has not folded in yet.
  std::int64_t every = batch.count();
  for (auto& n : all) {
    if (!n->stateful()) continue;
    stateful = true;
    slide = std::max(slide, n->slide());
    every = std::lcm(every, n->slide().count());
  }
  if (auto v = c.get("dstream.checkpoint.interval")) {
    interval_ = c.get_duration("dstream.checkpoint.interval", batch);
    if (interval_.count() <= 0 || interval_.count() % batch.count() != 0)
      throw std::invalid_argument("dstream.checkpoint.interval (" + *v +
                                  ") must be a positive multiple of the batch duration (" + format_duration(batch) +
                                  ")");
  } else if (stateful) {
    // Spark's rule: a multiple of the slide of at least 10 seconds.
    std::int64_t k = (10000 + slide.count() - 1) / slide.count();
    interval_ = duration(k * slide.count());
  } else {
    interval_ = batch;
  }
  if (interval_.count() % every != 0) {
    const duration rounded((interval_.count() / every + 1) * every);
    std::cerr << "dstream: checkpoint interval " << format_duration(interval_)
              << " is not a multiple of the slide of every stateful operator; checkpointing every "
              << format_duration(rounded) << '\n';
    interval_ = rounded;
  }
}

DSTREAM_DECL void checkpointer::write(batch_time t, batch_time zero, duration batch,
                                      const std::vector<batch_time>& pending, const nodes& all, const inputs& ins) {
  checkpoint_data d;
  d.time_ms = t.milliseconds();
  d.zero_ms = zero.milliseconds();
  d.batch_ms = batch.count();
  for (auto p : pending) d.pending_ms.push_back(p.milliseconds());
  for (auto& n : all) {
    if (!n->stateful()) continue;
    auto [it, fresh] = d.states.emplace(n->state_key(), n->save_state());
    if (!fresh)
      throw std::logic_error("two stateful operators share the name \"" + n->state_key() +
                             "\"; give each its own ds::named(...)");
    d.fingerprints[n->state_key()] = n->fingerprint();
  }
  for (std::size_t i = 0; i < ins.size(); ++i) d.positions[input_key(i)] = ins[i]->save_position(t);
  write_checkpoint(dir_, d);
  last_ = t;
  std::erase_if(since_, [&](batch_time g) { return g <= t; });
  for (auto* in : ins) in->checkpointed(t);
}

DSTREAM_DECL std::optional<std::string> checkpointer::write_generated(batch_time t, batch_time zero, duration batch,
                                                                      const inputs& ins) {
  if (!enabled()) return std::nullopt;
  since_.push_back(t);
  try {
    checkpoint_data d;
    d.time_ms = last_.milliseconds();
    d.zero_ms = zero.milliseconds();
    d.batch_ms = batch.count();
    for (auto p : since_) d.pending_ms.push_back(p.milliseconds());
    for (std::size_t i = 0; i < ins.size(); ++i) d.positions[input_key(i)] = ins[i]->save_position(last_);
    ::dstream::detail::write_generated(dir_, d);
    return std::nullopt;
  } catch (const std::exception& e) {
    std::string m = "batch " + t.to_string() + " was not recorded as generated (" + e.what() +
                    "); after a crash before the next checkpoint its input would be read again in a new batch";
    std::cerr << "dstream: " << m << '\n';
    return m;
  }
}

DSTREAM_DECL void checkpointer::add_generated() {
  if (!recovery_) return;
  last_ = batch_time(recovery_->time_ms);
  auto g = read_generated(dir_);
  if (!g || g->time_ms != recovery_->time_ms || g->zero_ms != recovery_->zero_ms || g->batch_ms != recovery_->batch_ms)
    return;  // written for another checkpoint: that one's pending list stands
  recovery_->pending_ms = g->pending_ms;
  recovery_->positions = g->positions;
}

DSTREAM_DECL void checkpointer::restore(duration batch, const nodes& all, const inputs& ins) const {
  const checkpoint_data& cp = *recovery_;
  if (cp.batch_ms != batch.count())
    throw std::logic_error("ds::streaming_context: the checkpoint in " + dir_ + " was written with batch " +
                           std::to_string(cp.batch_ms) + " ms, but the context's batch is " + format_duration(batch));
  for (auto& n : all) {
    if (!n->stateful()) continue;
    n->restored_through = batch_time(cp.time_ms);
    auto it = cp.states.find(n->state_key());
    if (auto f = cp.fingerprints.find(n->state_key()); f != cp.fingerprints.end() && f->second != n->fingerprint())
      throw std::logic_error(
          "dstream: the program changed: the state saved in " + dir_ + " for " + describe(*n) + " belongs to " +
          f->second + ", but the program has " + n->fingerprint() + " there. Name each stateful operator with " +
          "ds::named(\"...\") so that its state follows it when the program changes, or move the checkpoint " +
          "directory aside to start afresh");
    if (it == cp.states.end()) {
      std::cerr << "dstream: the checkpoint has no state for " << n->operator_name() << " \"" << n->state_key()
                << "\"; it starts empty\n";
      continue;
    }
    try {
      n->restore_state(it->second);
    } catch (const std::exception& e) {
      throw std::runtime_error("dstream: cannot restore the state of " + n->operator_name() + " \"" +
                               n->state_key() + "\" from the checkpoint in " + dir_ + ": " + e.what());
    }
  }
  for (std::size_t i = 0; i < ins.size(); ++i) {
    auto it = cp.positions.find(input_key(i));
    if (it != cp.positions.end()) ins[i]->restore_position(it->second);
  }
}

DSTREAM_DECL void checkpointer::check_writable() const {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir_, ec);
  const fs::path probe = fs::path(dir_) / (".probe-" + std::to_string(::getpid()));
  try {
    if (ec) throw std::runtime_error(ec.message());
    write_file_durably(probe, "ok");
    fs::remove(probe, ec);
  } catch (const std::exception& e) {
    throw std::runtime_error("ds::streaming_context: the checkpoint directory " + dir_ +
                             " is not writable: " + e.what());
  }
}

}  // namespace dstream::detail
