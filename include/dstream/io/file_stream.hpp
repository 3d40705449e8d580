#pragma once
// text_file_stream's input: new text files of a directory, one record per line. A file
// is read in splits of `dstream.text.split_bytes` (32 MiB) at line boundaries, one
// partition each, the splits read in parallel on the pool. Files present at start are not
// read; a checkpoint keeps which files each batch read, so a recovered batch reads the
// same files again.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <dstream/batch/rdd.hpp>
#include <dstream/batch/stage.hpp>
#include <dstream/checkpoint/serialize.hpp>
#include <dstream/detail/access.hpp>
#include <dstream/runtime/time.hpp>
#include <dstream/stream/input.hpp>
#include <dstream/text/lines.hpp>

namespace dstream::detail {

/// New text files of a directory, one partition per split of a file, one record per line.
class file_input final : public input<std::string> {
 public:
  /// `max_line`: the longest line kept, in bytes (0: no bound).
  explicit file_input(std::filesystem::path dir, std::size_t max_line = std::size_t(16) << 20)
      : dir_(std::move(dir)), max_line_(max_line) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir_, ec))
      throw std::invalid_argument("ds::streaming_context::text_file_stream: \"" + dir_.string() +
                                  "\" is not a directory");
  }

  std::string name() const override { return "text_file_stream " + dir_.string(); }

  /// Files present at start are not read (only files moved in later are).
  void start(const input_env& env) override {
    std::lock_guard lock(m_);
    env_.emplace(env);
    if (env.conf().get("dstream.text.split_bytes")) split_ = env.conf().get_count("dstream.text.split_bytes");
    if (split_ == 0) split_ = std::uint64_t(32) << 20;
    if (restored_) return;  // after recovery, files not in the checkpoint are new
    for (auto& f : list()) seen_.insert(f);
  }

  std::optional<rdd<std::string>> take(batch_time t) override {
    std::vector<std::string> fresh;
    {
      std::lock_guard lock(m_);
      if (auto it = replay_.find(t); it != replay_.end()) {
        // A batch pending at the crash runs again with the files it had.
        fresh = std::move(it->second);
        replay_.erase(it);
        for (auto& f : fresh) seen_.erase(f);
      } else {
        for (auto& f : list())
          if (!seen_.count(f)) fresh.push_back(f);
      }
    }
    std::sort(fresh.begin(), fresh.end());
    partitions_of<std::string> parts;
    for (auto& name : fresh) {
      auto lines = read(dir_ / name, parts);
      if (!lines) {
        std::error_code ec;
        if (!std::filesystem::exists(dir_ / name, ec)) {
          // Gone before it was read: nothing to try again.
          report((dir_ / name).string() + " vanished before it was read; it is skipped");
          std::lock_guard lock(m_);
          seen_.insert(name);
        }
        continue;
      }
      std::lock_guard lock(m_);
      seen_.insert(name);
    }
    {
      std::lock_guard lock(m_);
      auto& log = allocated_[t];
      for (auto& name : fresh)
        if (seen_.count(name)) log.push_back(name);
    }
    if (parts.empty()) return std::nullopt;
    return env_->context().make_rdd(std::move(parts));
  }

  // A checkpoint after batch `done` keeps the files of batches up to `done` as read, and
  // the files of later (pending) batches per batch, so those batches run again with them.
  // It also keeps the files of the done batches a window may still reach back to
  // (`remember_for`): after recovery those batches' rdds are read again for the windows.
  std::string save(batch_time done) override {
    std::lock_guard lock(m_);
    const duration remember = env_ ? env_->remember() : duration(0);
    const duration batch = env_ ? env_->batch_duration() : duration(0);
    std::set<std::string> later;
    files_by_time pending, recent;
    for (auto& [t, files] : allocated_) {
      if (t <= done) {
        if (remember > batch && t > done - remember && !files.empty()) recent[t.milliseconds()] = files;
        continue;
      }
      later.insert(files.begin(), files.end());
      pending[t.milliseconds()] = files;
    }
    std::vector<std::string> read_through;
    for (auto& f : seen_)
      if (!later.count(f)) read_through.push_back(f);
    return serialize(std::tuple(read_through, pending, recent));
  }
  void restore(std::string_view bytes) override {
    auto [read_through, pending, recent] =
        deserialize<std::tuple<std::vector<std::string>, files_by_time, files_by_time>>(bytes);
    std::lock_guard lock(m_);
    seen_ = std::set<std::string>(read_through.begin(), read_through.end());
    for (auto& [t, files] : pending) {
      seen_.insert(files.begin(), files.end());
      replay_[batch_time(t)] = files;
    }
    for (auto& [t, files] : recent) allocated_[batch_time(t)] = files;
    restored_ = true;
  }
  /// After recovery, a window reaching back to a batch read before the crash reads its
  /// files again.
  std::optional<rdd<std::string>> retake(batch_time t) override {
    std::vector<std::string> files;
    {
      std::lock_guard lock(m_);
      auto it = allocated_.find(t);
      if (it == allocated_.end() || !env_) return std::nullopt;
      files = it->second;
    }
    partitions_of<std::string> parts;
    for (auto& name : files) (void)read(dir_ / name, parts);
    return env_->context().make_rdd(std::move(parts));
  }
  void checkpointed(batch_time done) override {
    std::lock_guard lock(m_);
    if (env_) allocated_.erase(allocated_.begin(), allocated_.upper_bound(done - env_->remember()));
  }

 private:
  std::vector<std::string> list() const {
    std::vector<std::string> out;
    std::error_code ec;
    std::filesystem::directory_iterator it(dir_, ec), end;
    if (ec) {
      report("cannot list the directory " + dir_.string() + ": " + ec.message());
      return out;
    }
    for (; it != end; it.increment(ec)) {
      if (ec) break;
      std::string name = it->path().filename().string();
      if (name.empty() || name[0] == '.' || name[0] == '_') continue;
      std::error_code e2;
      if (!it->is_regular_file(e2)) continue;
      out.push_back(std::move(name));
    }
    return out;
  }

  // Reads file `p` into `parts`, one partition per split, the splits in parallel on the
  // pool. False when the file cannot be opened (reported, unless it is gone).
  bool read(const std::filesystem::path& p, partitions_of<std::string>& parts) {
    std::error_code ec;
    const std::uint64_t size = std::filesystem::file_size(p, ec);
    if (ec || !std::ifstream(p, std::ios::binary)) {
      if (!std::filesystem::exists(p, ec)) return false;  // the caller reports it
      bool first;
      {
        std::lock_guard lock(m_);
        first = reported_.insert(p.string()).second;
      }
      if (first) report("cannot read " + p.string() + "; it will be tried again at the next batch");
      return false;
    }
    const std::uint64_t split = split_ ? split_ : std::uint64_t(32) << 20;
    const std::size_t n = size == 0 ? 1 : static_cast<std::size_t>((size + split - 1) / split);
    std::vector<std::vector<std::string>> lines(n);
    std::vector<std::string> errors(n);
    for_each_index(core_of(env_->context()), n, [&](std::size_t k) {
      errors[k] = read_split(p, k * split, std::min<std::uint64_t>(size, (k + 1) * split), lines[k]);
    });
    for (auto& e : errors)
      if (!e.empty()) {
        report(e);
        return false;
      }
    for (auto& l : lines) parts.push_back(std::move(l));
    return true;
  }

  // The lines of `p` that start in [begin, end) (a line starts at 0 or after a '\n'); the
  // last is read to its end, past `end` if need be. Returns an error message, or "".
  std::string read_split(const std::filesystem::path& p, std::uint64_t begin, std::uint64_t end,
                         std::vector<std::string>& lines) const {
    std::ifstream in(p, std::ios::binary);
    if (!in) return "cannot open " + p.string();
    std::vector<char> buf(64 * 1024);
    std::uint64_t pos = 0;  // the file offset of buf[0] of the next read
    if (begin > 0) {
      // The line running at `begin` belongs to the split before: start after its '\n'.
      pos = begin - 1;
      in.seekg(static_cast<std::streamoff>(pos));
      bool found = false;
      while (!found && (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0)) {
        const auto got = static_cast<std::size_t>(in.gcount());
        const void* nl = std::memchr(buf.data(), '\n', got);
        if (!nl) {
          pos += got;
          continue;
        }
        found = true;
        pos += static_cast<std::uint64_t>(static_cast<const char*>(nl) - buf.data()) + 1;
      }
      if (!found || pos >= end) return in.bad() ? "error while reading " + p.string() : std::string();
      in.clear();
      in.seekg(static_cast<std::streamoff>(pos));
    }
    const std::uint64_t first = pos;
    line_splitter splitter(max_line_);
    auto keep = [&](std::string&& line) { lines.push_back(std::move(line)); };
    auto too_long = [&](std::uint64_t bytes, std::uint64_t line) {
      const std::string where = first == 0 ? "line " + std::to_string(line)
                                           : "line " + std::to_string(line) + " after byte " + std::to_string(first);
      report(p.string() + ": " + where + " has " + std::to_string(bytes) +
             " bytes, more than dstream.text.max_line_bytes (" + std::to_string(max_line_) +
             "); it is skipped, the rest of the file is read");
    };
    auto fresh = [] { return std::string(); };
    bool done = false;
    while (!done && (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0)) {
      const auto got = static_cast<std::size_t>(in.gcount());
      const char* from = buf.data();
      const char* to = from + got;
      // The split ends with the line holding byte end - 1: stop after the first '\n' there or later.
      if (pos + got >= end) {
        const std::size_t skip = end - 1 > pos ? static_cast<std::size_t>(end - 1 - pos) : 0;
        if (const void* nl = std::memchr(from + skip, '\n', got - skip)) {
          to = static_cast<const char*>(nl) + 1;
          done = true;
        }
      }
      splitter.feed(from, to, fresh, keep, too_long);
      pos += got;
    }
    splitter.finish(keep, too_long);
    return in.bad() ? "error while reading " + p.string() : std::string();
  }

  void report(const std::string& what) const {
    std::cerr << "dstream: text_file_stream: " << what << '\n';
    if (env_) env_->report("text_file_stream: " + what);
  }

  using files_by_time = std::map<std::int64_t, std::vector<std::string>>;

  std::filesystem::path dir_;
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
