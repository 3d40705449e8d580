#pragma once
// text_file_stream's input: new text files of a directory, one record per line. A file
// is read in splits of `dstream.text.split_bytes` (32 MiB) at line boundaries, one
// partition each, the splits read in parallel on the pool. Files present at start are not
// read; a checkpoint keeps which files each batch read, so a recovered batch reads the
// same files again.

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <dstream/batch/rdd.hpp>
#include <dstream/batch/stage.hpp>
#include <dstream/detail/config.hpp>
#include <dstream/runtime/time.hpp>
#include <dstream/stream/input.hpp>

namespace dstream::detail {

/// New text files of a directory, one partition per split of a file, one record per line.
class file_input final : public input<std::string> {
 public:
  /// `max_line`: the longest line kept, in bytes (0: no bound).
  explicit file_input(std::string dir, std::size_t max_line = std::size_t(16) << 20);

  DSTREAM_DECL std::string name() const override;

  /// Files present at start are not read (only files moved in later are).
  DSTREAM_DECL void start(const input_env& env) override;

  DSTREAM_DECL std::optional<rdd<std::string>> take(batch_time t) override;

  // A checkpoint after batch `done` keeps the files of batches up to `done` as read, and
  // the files of later (pending) batches per batch, so those batches run again with them.
  // It also keeps the files of the done batches a window may still reach back to
  // (`remember_for`): after recovery those batches' rdds are read again for the windows.
  DSTREAM_DECL std::string save(batch_time done) override;
  DSTREAM_DECL void restore(std::string_view bytes) override;
  /// After recovery, a window reaching back to a batch read before the crash reads its
  /// files again.
  DSTREAM_DECL std::optional<rdd<std::string>> retake(batch_time t) override;
  DSTREAM_DECL void checkpointed(batch_time done) override;

 private:
  std::vector<std::string> list() const;

  // Reads file `p` into `parts`, one partition per split, the splits in parallel on the
  // pool. False when the file cannot be opened (reported, unless it is gone).
  bool read(const std::string& p, partitions_of<std::string>& parts);

  // The lines of `p` that start in [begin, end) (a line starts at 0 or after a '\n'); the
  // last is read to its end, past `end` if need be. Returns an error message, or "".
  std::string read_split(const std::string& p, std::uint64_t begin, std::uint64_t end,
                         std::vector<std::string>& lines) const;

  void report(const std::string& what) const;

  using files_by_time = std::map<std::int64_t, std::vector<std::string>>;

  std::string dir_;
  std::size_t max_line_;
  std::uint64_t split_ = std::uint64_t(32) << 20;  // dstream.text.split_bytes
  mutable std::mutex m_;
  std::optional<input_env> env_;
  std::set<std::string> seen_;
  std::set<std::string> reported_;
  std::map<batch_time, std::vector<std::string>> allocated_;
  std::map<batch_time, std::vector<std::string>> replay_;
  bool restored_ = false;
};

}  // namespace dstream::detail

#ifdef DSTREAM_HEADER_ONLY
#include <dstream/io/impl/file_stream.ipp>
#endif
