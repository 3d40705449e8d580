#pragma once
// receiver_stream's input: a receiver on its supervisor's thread stores records into a
// block generator; each batch takes the blocks cut since the last one, one partition per
// block. With `dstream.receiver.wal.enable=true` blocks are logged first (checkpoint/wal.hpp).
// Flow control (on unless `dstream.backpressure.enabled=false`): the bytes a receiver's
// records hold until their batch completed are bounded, and while its batches fall behind
// the receiver is held to the rate they process (runtime/flow_control.hpp).

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <dstream/batch/conf.hpp>
#include <dstream/batch/rdd.hpp>
#include <dstream/checkpoint/serialize.hpp>
#include <dstream/checkpoint/wal.hpp>
#include <dstream/runtime/block_generator.hpp>
#include <dstream/runtime/flow_control.hpp>
#include <dstream/runtime/listener.hpp>
#include <dstream/runtime/receiver.hpp>
#include <dstream/detail/config.hpp>
#include <dstream/runtime/time.hpp>
#include <dstream/stream/input.hpp>

namespace dstream::detail {

/// The settings of receivers, read (and checked) when the stream is created.
struct receiver_settings {
  std::chrono::milliseconds block_interval{200};
  double max_rate = 0;
  std::size_t max_pending = 0;
  std::chrono::milliseconds restart_delay{2000};
  bool wal = false;
  bool backpressure = true;
  /// The bound on bytes held (with backpressure; 0: none).
  std::size_t max_bytes = std::size_t(256) << 20;
  /// The rate the estimator starts from (0: none until it has measured).
  double initial_rate = 0;
  pid_gains gains;
  /// Estimate rates (not under the manual clock, where a second means nothing).
  bool estimate = true;

  DSTREAM_DECL static receiver_settings of(const ::dstream::conf& c);
};

template <class T>
class receiver_input final : public input<T> {
 public:
  receiver_input(std::unique_ptr<receiver<T>> r, receiver_settings s)
      : r_(std::move(r)), settings_(s), blocks_(s.block_interval, s.max_rate, s.max_pending, s.max_bytes) {
    if (!r_) throw std::invalid_argument("ds::streaming_context::receiver_stream: the receiver is null");
    if (settings_.estimate && settings_.initial_rate > 0) blocks_.set_estimated_rate(settings_.initial_rate);
  }
  ~receiver_input() override {
    blocks_.unbound();
    if (sup_) sup_->stop();
    blocks_.close();  // its timer thread logs through this object
    if (rates_ && env_) env_->listeners().remove(*rates_);
  }

  std::string name() const override { return r_->name(); }

  void start(const input_env& env) override {
    env_.emplace(env);
    if (settings_.wal) {
      if constexpr (!serializable<T>) {
        throw std::logic_error("dstream.receiver.wal.enable=true: the records of receiver stream " +
                               std::to_string(env.stream_id()) +
                               " cannot be written to the log; give their type a ds::serializer");
      } else {
        auto replay = log_.open(env.checkpoint_dir() + "/receivedData/" + std::to_string(env.stream_id()), blocks_);
        std::lock_guard lock(m_);
        replay_ = std::move(replay);
      }
    }
    if (settings_.estimate) {
      rates_.emplace(*this, env.batch_duration().count(), settings_.gains);
      env.listeners().add(*rates_);
    }
    sup_.emplace(*r_, blocks_, pool_, env.stream_id(), env.listeners(), settings_.restart_delay);
    blocks_.open();
    sup_->start();
  }
  void stop_receiving() override {
    blocks_.unbound();  // a receiver waiting for room stores what it holds and sees the stop
    if (sup_) sup_->stop();
    blocks_.close();
  }
  bool has_pending() const override { return !blocks_.empty(); }

  std::optional<rdd<T>> take(batch_time t) override {
    std::vector<block<T>> blocks;
    {
      std::lock_guard lock(m_);
      if (auto it = replay_.find(t); it != replay_.end()) {
        blocks = std::move(it->second);
        replay_.erase(it);
      }
    }
    if (blocks.empty()) blocks = blocks_.take_all();
    std::size_t n = 0;
    std::size_t bytes = 0;
    std::vector<std::shared_ptr<const std::vector<T>>> parts;
    std::vector<std::uint64_t> seqs;
    for (auto& b : blocks) {
      n += b.records.size();
      bytes += b.bytes;
      seqs.push_back(b.seq);
      // When the batch is done with it, the block's storage goes back to the receiver.
      parts.push_back(record_pool<T>::partition(pool_, std::move(b.records)));
    }
    pool_->expect(n);
    {
      std::lock_guard lock(m_);
      taken_[t] = {n, bytes};
    }
    if (settings_.wal) log_.allocated(t, std::move(seqs));
    if (parts.empty()) return std::nullopt;
    return env_->context().make_rdd(std::move(parts));
  }

  std::string save(batch_time done) override { return settings_.wal ? log_.save(done) : std::string(); }
  void restore(std::string_view bytes) override {
    if (settings_.wal) log_.restore(bytes);
  }
  void checkpointed(batch_time done) override {
    if (settings_.wal) log_.checkpointed(done);
  }
  /// Batch `t` is processed: the bytes of its records are no longer held.
  void batch_completed(batch_time t, bool) override {
    std::size_t bytes = 0;
    {
      std::lock_guard lock(m_);
      auto it = taken_.find(t);
      if (it == taken_.end()) return;
      bytes = it->second.bytes;
      if (!rates_) taken_.erase(it);  // else the rate listener, which hears of it next, erases it
    }
    blocks_.release(bytes);
  }

  receiver<T>& get() noexcept { return *r_; }
  std::int64_t stored() const { return blocks_.stored(); }
  std::int64_t restarts() const { return sup_ ? sup_->restarts() : 0; }
  const block_generator<T>& blocks() const noexcept { return blocks_; }

 private:
  struct taken {
    std::size_t records = 0;
    std::size_t bytes = 0;
  };

  // Hears of each completed batch (after `batch_completed`) and sets the receiver's rate:
  // the estimate holds while the batches fall behind (one waited more than half an
  // interval to start, or took longer than an interval), and is lifted once they keep up.
  class rate_listener final : public streaming_listener {
   public:
    rate_listener(receiver_input& in, std::int64_t batch_ms, pid_gains g)
        : in_(in), batch_ms_(batch_ms), pid_(batch_ms, g) {}
    void on_batch_completed(const batch_info& info) override {
      taken mine;
      {
        std::lock_guard lock(in_.m_);
        auto it = in_.taken_.find(info.time);
        if (it == in_.taken_.end()) return;
        mine = it->second;
        in_.taken_.erase(it);
      }
      const std::int64_t processing = info.processing_delay ? info.processing_delay->count() : 0;
      const std::int64_t waiting = info.scheduling_delay ? info.scheduling_delay->count() : 0;
      const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now().time_since_epoch());
      const auto rate = pid_.update(now.count(), static_cast<std::int64_t>(mine.records), processing, waiting);
      const bool behind = 2 * waiting > batch_ms_ || processing > batch_ms_;
      if (!behind) {
        in_.blocks_.set_estimated_rate(0);
      } else if (rate) {
        in_.blocks_.set_estimated_rate(*rate);
      }
    }

   private:
    receiver_input& in_;
    std::int64_t batch_ms_;
    pid_rate_estimator pid_;
  };

  std::unique_ptr<receiver<T>> r_;
  receiver_settings settings_;
  std::optional<input_env> env_;
  block_generator<T> blocks_;
  std::shared_ptr<record_pool<T>> pool_ = std::make_shared<record_pool<T>>();
  std::optional<receiver_supervisor<T>> sup_;
  block_log<T> log_;
  std::mutex m_;
  std::map<batch_time, std::vector<block<T>>> replay_;
  std::map<batch_time, taken> taken_;  // what each batch took, until it completed
  std::optional<rate_listener> rates_;
};

}  // namespace dstream::detail

#ifdef DSTREAM_HEADER_ONLY
#include <dstream/io/impl/receiver_stream.ipp>
#endif
