#pragma once
// When and what the scheduler checkpoints, and how a recovered checkpoint is put back:
// every stateful node's state under its key, every input's position, the batches pending
// at the crash. The file format itself is checkpoint/checkpoint.hpp's.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <dstream/batch/conf.hpp>
#include <dstream/checkpoint/checkpoint.hpp>
#include <dstream/detail/config.hpp>
#include <dstream/runtime/time.hpp>
#include <dstream/stream/node.hpp>

namespace dstream::detail {

/// The checkpoint policy of one streaming context.
class checkpointer {
 public:
  using nodes = std::vector<std::shared_ptr<node_base>>;
  using inputs = std::vector<input_hooks*>;

  void set_dir(std::string dir) { dir_ = std::move(dir); }
  const std::string& dir() const noexcept { return dir_; }
  bool enabled() const noexcept { return !dir_.empty(); }

  /// The checkpoint `start` recovers from (`get_or_create`).
  void set_recovery(checkpoint_data cp) { recovery_ = std::move(cp); }
  const std::optional<checkpoint_data>& recovery() const noexcept { return recovery_; }

  /// Before start: every stateful node has a directory to write to, the directory is
  /// writable, and the interval is settled (Spark's rule unless set).
  void prepare(const ::dstream::conf& c, duration batch, const nodes& all);

  /// True when a checkpoint is due after batch `t`.
  bool due(batch_time t, batch_time zero) const { return enabled() && (t - zero).count() % interval_.count() == 0; }

  /// Writes the checkpoint after batch `t`: `pending` are the batches generated and not
  /// yet run, which a recovery runs again.
  void write(batch_time t, batch_time zero, duration batch, const std::vector<batch_time>& pending, const nodes& all,
             const inputs& ins);

  /// Batch `t` was generated: records it, with every batch generated since the last
  /// checkpoint and what the inputs gave them, so that a recovery runs them again with
  /// the same input (and an output can recognise a batch it has written). On failure,
  /// the warning for the batch (also logged).
  std::optional<std::string> write_generated(batch_time t, batch_time zero, duration batch, const inputs& ins);

  /// After loading the recovered checkpoint: when batches were generated after it, they
  /// run again first, with what the inputs gave them then.
  void add_generated();

  /// Puts the recovered state and positions back, before the inputs start.
  void restore(duration batch, const nodes& all, const inputs& ins) const;

 private:
  static std::string describe(const node_base& n);
  static std::string input_key(std::size_t i);

  void check_writable() const;

  std::string dir_;
  duration interval_{1};
  batch_time last_{0};             // the newest checkpoint written
  std::vector<batch_time> since_;  // batches generated after it
  std::optional<checkpoint_data> recovery_;
};

}  // namespace dstream::detail

#ifdef DSTREAM_HEADER_ONLY
#include <dstream/stream/impl/recovery.ipp>
#endif
