#pragma once
// Checkpoint directories. A checkpoint after batch t is `<dir>/checkpoint-<t>/data`:
// written under a hidden temporary name, flushed to disk, then renamed, so a checkpoint
// directory either is complete or does not exist. The file carries a format version and
// a checksum; the newest checkpoint that reads back whole wins, and the last three are
// kept. A corrupt or truncated one is reported with its path and skipped.
//
// Between checkpoints, `<dir>/generated` (same format, no states) is rewritten as each
// batch is generated: the batches generated since the newest checkpoint and what each
// input gave them, so that a recovery runs them again at the same times with the same input.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <dstream/checkpoint/serialize.hpp>
#include <dstream/detail/config.hpp>

namespace dstream::detail {

inline constexpr std::uint32_t checkpoint_version = 2;  // 2: with operators' fingerprints
inline constexpr std::string_view checkpoint_magic = "DSTRMCKP";
inline constexpr std::size_t checkpoints_kept = 3;

/// What a checkpoint holds.
struct checkpoint_data {
  std::int64_t time_ms = 0;   // the batch after which it was written
  std::int64_t zero_ms = 0;   // the graph's zero time
  std::int64_t batch_ms = 0;  // the batch interval
  std::vector<std::int64_t> pending_ms;         // batches generated but not completed
  std::map<std::string, std::string> states;     // stateful operators, by state key
  std::map<std::string, std::string> fingerprints;  // what each state key's operator was (kind, types)
  std::map<std::string, std::string> positions;  // inputs, by input key
};

/// 64-bit FNV-1a: enough to catch a torn or altered file.
DSTREAM_DECL std::uint64_t checksum(std::string_view bytes) noexcept;
DSTREAM_DECL std::string encode_checkpoint(const checkpoint_data& d);
/// Throws `std::runtime_error` saying what is wrong (the caller adds the path).
DSTREAM_DECL checkpoint_data decode_checkpoint(std::string_view bytes);
/// Writes `bytes` to `path` and flushes it to disk; throws naming the path.
DSTREAM_DECL void write_file_durably(const std::string& path, std::string_view bytes);
DSTREAM_DECL void sync_directory(const std::string& dir);
DSTREAM_DECL std::optional<std::int64_t> checkpoint_time_of(const std::string& p);
/// Writes checkpoint `d` under `dir` atomically and keeps the newest three.
DSTREAM_DECL void write_checkpoint(const std::string& dir, const checkpoint_data& d);
/// Replaces `<dir>/generated` with `d` atomically (written aside, flushed, renamed).
DSTREAM_DECL void write_generated(const std::string& dir, const checkpoint_data& d);
/// `<dir>/generated`, or nullopt when there is none; throws naming it when it is corrupt.
DSTREAM_DECL std::optional<checkpoint_data> read_generated(const std::string& dir);
/// Removes what writers that died left under `dir`: temporary checkpoint directories and
/// probe files (their names start with `.tmp-checkpoint-` and `.probe-`).
DSTREAM_DECL void remove_leftovers(const std::string& dir);
/// The newest checkpoint under `dir` that reads back whole, or nullopt when there is none.
/// Newer ones that are corrupt are reported with their path and renamed aside
/// (`corrupt-checkpoint-<ms>`, kept as evidence, never deleted). When checkpoints exist
/// and none can be used, throws `std::runtime_error` naming each file and its fault, and
/// changes nothing: a fresh start would silently lose the state they hold.
DSTREAM_DECL std::optional<checkpoint_data> read_latest_checkpoint(const std::string& dir,
                                                          std::vector<std::string>* errors = nullptr);

}  // namespace dstream::detail

#ifdef DSTREAM_HEADER_ONLY
#include <dstream/checkpoint/impl/checkpoint.ipp>
#endif
