#pragma once
// receiver_stream's input: a receiver on its supervisor's thread stores records into a
// block generator; each batch takes the blocks cut since the last one, one partition per
// block. With `dstream.receiver.wal.enable=true` blocks are logged first (checkpoint/wal.hpp).

#include <chrono>
#include <cstdint>
#include <filesystem>
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
#include <dstream/runtime/receiver.hpp>
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

  static receiver_settings of(const ::dstream::conf& c) {
    receiver_settings s;
    s.block_interval = c.get_duration("dstream.block_interval", s.block_interval);
    s.max_rate = c.get_number("dstream.receiver.max_rate", 0);
    s.max_pending = c.get_count("dstream.receiver.max_pending");
    s.restart_delay = c.get_duration("dstream.receiver.restart_delay", s.restart_delay);
    s.wal = c.get("dstream.receiver.wal.enable", "false") == "true";
    return s;
  }
};

template <class T>
class receiver_input final : public input<T> {
 public:
  receiver_input(std::unique_ptr<receiver<T>> r, receiver_settings s)
      : r_(std::move(r)), settings_(s), blocks_(s.block_interval, s.max_rate, s.max_pending) {
    if (!r_) throw std::invalid_argument("ds::streaming_context::receiver_stream: the receiver is null");
  }
  ~receiver_input() override {
    blocks_.unbound();
    if (sup_) sup_->stop();
    blocks_.close();  // its timer thread logs through this object
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
        auto replay = log_.open(std::filesystem::path(env.checkpoint_dir()) / "receivedData" /
                                    std::to_string(env.stream_id()),
                                blocks_);
        std::lock_guard lock(m_);
        replay_ = std::move(replay);
      }
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
    std::vector<std::shared_ptr<const std::vector<T>>> parts;
    std::vector<std::uint64_t> seqs;
    for (auto& b : blocks) {
      n += b.records.size();
      seqs.push_back(b.seq);
      // When the batch is done with it, the block's storage goes back to the receiver.
      parts.push_back(record_pool<T>::partition(pool_, std::move(b.records)));
    }
    pool_->expect(n);
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

  receiver<T>& get() noexcept { return *r_; }
  std::int64_t stored() const { return blocks_.stored(); }
  std::int64_t restarts() const { return sup_ ? sup_->restarts() : 0; }

 private:
  std::unique_ptr<receiver<T>> r_;
  receiver_settings settings_;
  std::optional<input_env> env_;
  block_generator<T> blocks_;
  std::shared_ptr<record_pool<T>> pool_ = std::make_shared<record_pool<T>>();
  std::optional<receiver_supervisor<T>> sup_;
  block_log<T> log_;
  std::mutex m_;
  std::map<batch_time, std::vector<block<T>>> replay_;
};

}  // namespace dstream::detail
