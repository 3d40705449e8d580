#pragma once
// Definitions of checkpoint/wal.hpp: inline in the header-only form, compiled once in
// dstream/impl/src.cpp with DSTREAM_SEPARATE_COMPILATION (detail/config.hpp).

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <dstream/checkpoint/checkpoint.hpp>
#include <dstream/checkpoint/wal.hpp>

namespace dstream::detail {

DSTREAM_DECL std::vector<block_log_files::entry> block_log_files::open(const std::string& dir) {
  namespace fs = std::filesystem;
  dir_ = dir;
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) throw std::runtime_error("dstream: cannot create the receiver log " + dir_ + ": " + ec.message());
  std::vector<entry> found;
  next_ = consumed_;
  std::map<std::uint64_t, batch_time> owner_of;
  for (auto& [t, seqs] : pending_)
    for (auto q : seqs) owner_of[q] = t;
  std::vector<std::pair<std::uint64_t, fs::path>> files;
  for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.rfind("block-", 0) != 0) continue;
    try {
      files.emplace_back(std::stoull(name.substr(6)), it->path());
    } catch (...) {
      continue;
    }
  }
  std::sort(files.begin(), files.end());
  for (auto& [seq, path] : files) {
    next_ = std::max(next_, seq + 1);
    if (seq < consumed_) {
      fs::remove(path, ec);  // already in a checkpointed state
      continue;
    }
    entry e;
    e.seq = seq;
    if (auto o = owner_of.find(seq); o != owner_of.end()) e.owner = o->second;
    found.push_back(e);
  }
  return found;
}

DSTREAM_DECL std::string block_log_files::read(std::uint64_t seq) const {
  std::ifstream in(path_of(seq), std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

DSTREAM_DECL void block_log_files::write(std::uint64_t seq, std::string_view bytes) const {
  write_file_durably(path_of(seq), bytes);
}

DSTREAM_DECL void block_log_files::report_unreadable(std::uint64_t seq, const char* why) const {
  std::cerr << "dstream: receiver log entry " << path_of(seq) << " is unreadable (" << why
            << "); it was written partly when the process died and is skipped\n";
}

DSTREAM_DECL void block_log_files::allocated(batch_time t, std::vector<std::uint64_t> seqs) {
  std::lock_guard lock(m_);
  allocated_[t] = std::move(seqs);
}

DSTREAM_DECL std::string block_log_files::save(batch_time done) {
  std::lock_guard lock(m_);
  std::uint64_t consumed = consumed_;
  std::map<std::int64_t, std::vector<std::uint64_t>> pending;
  for (auto& [t, seqs] : allocated_) {
    if (t <= done) {
      for (auto q : seqs) consumed = std::max(consumed, q + 1);
    } else {
      pending[t.milliseconds()] = seqs;
    }
  }
  return serialize(std::pair(consumed, pending));
}

DSTREAM_DECL void block_log_files::restore(std::string_view bytes) {
  if (bytes.empty()) return;
  auto [consumed, pending] =
      deserialize<std::pair<std::uint64_t, std::map<std::int64_t, std::vector<std::uint64_t>>>>(bytes);
  std::lock_guard lock(m_);
  consumed_ = consumed;
  for (auto& [t, seqs] : pending) pending_[batch_time(t)] = seqs;
}

DSTREAM_DECL void block_log_files::checkpointed(batch_time done) {
  std::vector<std::uint64_t> gone;
  {
    std::lock_guard lock(m_);
    for (auto it = allocated_.begin(); it != allocated_.end() && it->first <= done;) {
      for (auto q : it->second) {
        gone.push_back(q);
        consumed_ = std::max(consumed_, q + 1);
      }
      it = allocated_.erase(it);
    }
  }
  std::error_code ec;
  for (auto q : gone) std::filesystem::remove(path_of(q), ec);
}

DSTREAM_DECL std::string block_log_files::path_of(std::uint64_t seq) const {
  char name[40];
  std::snprintf(name, sizeof name, "block-%020llu", static_cast<unsigned long long>(seq));
  return (std::filesystem::path(dir_) / name).string();
}

}  // namespace dstream::detail
