#pragma once
// The node of an input: adapts a public `ds::input<T>` to the graph and the scheduler. The
// rdd taken for each batch waits here until the graph computes that batch.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include <dstream/batch/rdd.hpp>
#include <dstream/runtime/time.hpp>
#include <dstream/stream/input.hpp>
#include <dstream/stream/node.hpp>

namespace dstream::detail {

template <class T>
class input_node final : public node<T>, public input_hooks {
 public:
  input_node(scheduler& st, std::unique_ptr<input<T>> in) : node<T>(st), in_(std::move(in)) {
    if (!in_) throw std::invalid_argument("ds::streaming_context::add_input: the input is null");
  }

  input<T>& source() noexcept { return *in_; }

  void start_input(const input_env& env) override {
    {
      std::lock_guard lock(m_);
      env_.emplace(env);
    }
    in_->start(env);
  }
  void stop_receiving() override { in_->stop_receiving(); }
  std::int64_t allocate(batch_time t) override {
    std::optional<rdd<T>> r = in_->take(t);
    if (!r) return 0;
    const auto n = static_cast<std::int64_t>(r->size());
    std::lock_guard lock(m_);
    taken_[t] = std::move(*r);
    return n;
  }
  bool has_unallocated() const override { return in_->has_pending(); }
  void stop_input() override { in_->stop(); }
  std::string save_position(batch_time done) override { return in_->save(done); }
  void restore_position(std::string_view saved) override { in_->restore(saved); }
  void checkpointed(batch_time done) override { in_->checkpointed(done); }
  void batch_completed(batch_time t, bool succeeded) override { in_->batch_completed(t, succeeded); }

 protected:
  std::optional<rdd<T>> compute(batch_time t) override {
    {
      std::lock_guard lock(m_);
      auto it = taken_.find(t);
      if (it != taken_.end()) {
        rdd<T> r = std::move(it->second);
        taken_.erase(it);
        return r;
      }
    }
    if (auto r = in_->retake(t)) return r;
    return empty();
  }

 private:
  rdd<T> empty() const {
    std::lock_guard lock(m_);
    if (!env_) return rdd<T>();
    return env_->context().make_rdd(std::vector<std::vector<T>>{});
  }

  std::unique_ptr<input<T>> in_;
  mutable std::mutex m_;
  std::optional<input_env> env_;
  std::map<batch_time, rdd<T>> taken_;
};

}  // namespace dstream::detail
