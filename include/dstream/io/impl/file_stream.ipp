#pragma once
// Definitions of io/file_stream.hpp: inline in the header-only form, compiled once in
// dstream/impl/src.cpp with DSTREAM_SEPARATE_COMPILATION (detail/config.hpp).

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
#include <system_error>
#include <tuple>
#include <utility>
#include <vector>

#include <dstream/checkpoint/serialize.hpp>
#include <dstream/detail/access.hpp>
#include <dstream/io/file_stream.hpp>
#include <dstream/text/lines.hpp>

namespace dstream::detail {

DSTREAM_DECL std::string file_input::name() const { return "text_file_stream " + dir_; }

DSTREAM_DECL file_input::file_input(std::string dir, std::size_t max_line)
    : dir_(std::move(dir)), max_line_(max_line) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir_, ec))
    throw std::invalid_argument("ds::streaming_context::text_file_stream: \"" + dir_ +
                                "\" is not a directory");
}

DSTREAM_DECL void file_input::start(const input_env& env) {
  std::lock_guard lock(m_);
  env_.emplace(env);
  if (env.conf().get("dstream.text.split_bytes")) split_ = env.conf().get_count("dstream.text.split_bytes");
  if (split_ == 0) split_ = std::uint64_t(32) << 20;
  if (restored_) return;  // after recovery, files not in the checkpoint are new
  for (auto& f : list()) seen_.insert(f);
}

DSTREAM_DECL std::optional<rdd<std::string>> file_input::take(batch_time t) {
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
    const std::filesystem::path path = std::filesystem::path(dir_) / name;
    auto lines = read(path.string(), parts);
    if (!lines) {
      std::error_code ec;
      if (!std::filesystem::exists(path, ec)) {
        // Gone before it was read: nothing to try again.
        report(path.string() + " vanished before it was read; it is skipped");
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

DSTREAM_DECL std::string file_input::save(batch_time done) {
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

DSTREAM_DECL void file_input::restore(std::string_view bytes) {
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

DSTREAM_DECL std::optional<rdd<std::string>> file_input::retake(batch_time t) {
  std::vector<std::string> files;
  {
    std::lock_guard lock(m_);
    auto it = allocated_.find(t);
    if (it == allocated_.end() || !env_) return std::nullopt;
    files = it->second;
  }
  partitions_of<std::string> parts;
  for (auto& name : files) (void)read((std::filesystem::path(dir_) / name).string(), parts);
  return env_->context().make_rdd(std::move(parts));
}

DSTREAM_DECL void file_input::checkpointed(batch_time done) {
  std::lock_guard lock(m_);
  if (env_) allocated_.erase(allocated_.begin(), allocated_.upper_bound(done - env_->remember()));
}

DSTREAM_DECL std::vector<std::string> file_input::list() const {
  std::vector<std::string> out;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir_, ec), end;
  if (ec) {
    report("cannot list the directory " + dir_ + ": " + ec.message());
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

DSTREAM_DECL bool file_input::read(const std::string& p, partitions_of<std::string>& parts) {
  std::error_code ec;
  const std::uint64_t size = std::filesystem::file_size(p, ec);
  if (ec || !std::ifstream(p, std::ios::binary)) {
    if (!std::filesystem::exists(p, ec)) return false;  // the caller reports it
    bool first;
    {
      std::lock_guard lock(m_);
      first = reported_.insert(p).second;
    }
    if (first) report("cannot read " + p + "; it will be tried again at the next batch");
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

DSTREAM_DECL std::string file_input::read_split(const std::string& p, std::uint64_t begin, std::uint64_t end,
                                                std::vector<std::string>& lines) const {
  std::ifstream in(p, std::ios::binary);
  if (!in) return "cannot open " + p;
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
    if (!found || pos >= end) return in.bad() ? "error while reading " + p : std::string();
    in.clear();
    in.seekg(static_cast<std::streamoff>(pos));
  }
  const std::uint64_t first = pos;
  line_splitter splitter(max_line_);
  auto keep = [&](std::string&& line) { lines.push_back(std::move(line)); };
  auto too_long = [&](std::uint64_t bytes, std::uint64_t line) {
    const std::string where = first == 0 ? "line " + std::to_string(line)
                                         : "line " + std::to_string(line) + " after byte " + std::to_string(first);
    report(p + ": " + where + " has " + std::to_string(bytes) +
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
  return in.bad() ? "error while reading " + p : std::string();
}

DSTREAM_DECL void file_input::report(const std::string& what) const {
  std::cerr << "dstream: text_file_stream: " << what << '\n';
  if (env_) env_->report("text_file_stream: " + what);
}

}  // namespace dstream::detail
