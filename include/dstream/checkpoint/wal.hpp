#pragma once
// The write-ahead log of one receiver (`dstream.receiver.wal.enable=true`): every block is
// written and synced under `<checkpoint>/receivedData/<stream id>/block-<seq>` before it
// counts as received; a checkpoint records which blocks its batches consumed and which
// blocks pending batches had; recovery gives pending batches their blocks again and the
// rest to the next batch; blocks in a checkpointed state are deleted.

#include <cstdint>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <dstream/checkpoint/serialize.hpp>
#include <dstream/detail/config.hpp>
#include <dstream/runtime/block_generator.hpp>
#include <dstream/runtime/time.hpp>

namespace dstream::detail {

/// What the log of one receiver does whatever its record type: the block files under its
/// directory, and which blocks each batch took (`block_log<T>` adds the records' encoding).
class block_log_files {
 public:
  /// A block file found at `open`: its sequence number, and the batch pending at the crash
  /// that had it (none: the block goes to the next batch).
  struct entry {
    std::uint64_t seq = 0;
    std::optional<batch_time> owner;
  };

  /// Opens the log under `dir`: deletes the blocks already in a checkpointed state and
  /// returns the others, oldest first.
  std::vector<entry> open(const std::string& dir);
  /// The sequence number of the next block, after those found by `open`.
  std::uint64_t next_seq() const noexcept { return next_; }
  /// The bytes of block `seq` (empty when it cannot be read).
  std::string read(std::uint64_t seq) const;
  /// Writes block `seq` and flushes it to disk; throws naming the file.
  void write(std::uint64_t seq, std::string_view bytes) const;
  /// Block `seq` cannot be decoded: says so (it was written partly when the process died).
  void report_unreadable(std::uint64_t seq, const char* why) const;

  /// Batch `t` took the blocks `seqs`.
  void allocated(batch_time t, std::vector<std::uint64_t> seqs);
  // Every block up to `consumed` is in the state of a checkpointed batch; the blocks of
  // later (pending) batches are listed per batch.
  std::string save(batch_time done);
  void restore(std::string_view bytes);
  /// Batch `done` is checkpointed: its blocks and those of earlier batches go.
  void checkpointed(batch_time done);

 private:
  std::string path_of(std::uint64_t seq) const;

  std::string dir_;
  std::mutex m_;
  std::map<batch_time, std::vector<std::uint64_t>> allocated_;
  std::map<batch_time, std::vector<std::uint64_t>> pending_;  // from the checkpoint recovered
  std::uint64_t consumed_ = 0;
  std::uint64_t next_ = 0;
};

template <class T>
class block_log {
 public:
  /// Opens the log under `dir`: recovered blocks of batches pending at the crash are
  /// returned by batch; the others go to `blocks` for the next batch. From now on every
  /// block `blocks` cuts is logged first.
  std::map<batch_time, std::vector<block<T>>> open(const std::string& dir, block_generator<T>& blocks) {
    std::map<batch_time, std::vector<block<T>>> replay;
    for (const auto& e : files_.open(dir)) {
      block<T> b;
      b.seq = e.seq;
      try {
        b.records = deserialize<std::vector<T>>(files_.read(e.seq));
      } catch (const std::exception& ex) {
        files_.report_unreadable(e.seq, ex.what());
        continue;
      }
      if (e.owner) {
        replay[*e.owner].push_back(std::move(b));
      } else {
        blocks.add_recovered(std::move(b));
      }
    }
    blocks.set_logger([this](const block<T>& b) { files_.write(b.seq, serialize(b.records)); }, files_.next_seq());
    return replay;
  }

  /// Batch `t` took the blocks `seqs`.
  void allocated(batch_time t, std::vector<std::uint64_t> seqs) { files_.allocated(t, std::move(seqs)); }
  std::string save(batch_time done) { return files_.save(done); }
  void restore(std::string_view bytes) { files_.restore(bytes); }
  /// Batch `done` is checkpointed: its blocks and those of earlier batches go.
  void checkpointed(batch_time done) { files_.checkpointed(done); }

 private:
  block_log_files files_;
};

}  // namespace dstream::detail

#ifdef DSTREAM_HEADER_ONLY
#include <dstream/checkpoint/impl/wal.ipp>
#endif
