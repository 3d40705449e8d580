#pragma once
// The write-ahead log of one receiver (`dstream.receiver.wal.enable=true`): every block is
// written and synced under `<checkpoint>/receivedData/<stream id>/block-<seq>` before it
// counts as received; a checkpoint records which blocks its batches consumed and which
// blocks pending batches had; recovery gives pending batches their blocks again and the
// rest to the next batch; blocks in a checkpointed state are deleted.

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
#include <dstream/checkpoint/serialize.hpp>
#include <dstream/runtime/block_generator.hpp>
#include <dstream/runtime/time.hpp>

namespace dstream::detail {

template <class T>
class block_log {
 public:
  /// Opens the log under `dir`: recovered blocks of batches pending at the crash are
  /// returned by batch; the others go to `blocks` for the next batch. From now on every
  /// block `blocks` cuts is logged first.
  std::map<batch_time, std::vector<block<T>>> open(std::filesystem::path dir, block_generator<T>& blocks) {
    namespace fs = std::filesystem;
    dir_ = std::move(dir);
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec) throw std::runtime_error("dstream: cannot create the receiver log " + dir_.string() + ": " + ec.message());
    std::map<batch_time, std::vector<block<T>>> replay;
    std::uint64_t next = consumed_;
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
      next = std::max(next, seq + 1);
      if (seq < consumed_) {
        fs::remove(path, ec);  // already in a checkpointed state
        continue;
      }
      std::ifstream in(path, std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      block<T> b;
      b.seq = seq;
      try {
        b.records = deserialize<std::vector<T>>(bytes);
      } catch (const std::exception& e) {
        std::cerr << "dstream: receiver log entry " << path.string() << " is unreadable (" << e.what()
                  << "); it was written partly when the process died and is skipped\n";
        continue;
      }
      if (auto o = owner_of.find(seq); o != owner_of.end()) {
        replay[o->second].push_back(std::move(b));
      } else {
        blocks.add_recovered(std::move(b));
      }
    }
    blocks.set_logger([this](const block<T>& b) { write_file_durably(path_of(b.seq), serialize(b.records)); }, next);
    return replay;
  }

  /// Batch `t` took the blocks `seqs`.
  void allocated(batch_time t, std::vector<std::uint64_t> seqs) {
    std::lock_guard lock(m_);
    allocated_[t] = std::move(seqs);
  }

  // Every block up to `consumed` is in the state of a checkpointed batch; the blocks of
  // later (pending) batches are listed per batch.
  std::string save(batch_time done) {
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
  void restore(std::string_view bytes) {
    if (bytes.empty()) return;
    auto [consumed, pending] =
        deserialize<std::pair<std::uint64_t, std::map<std::int64_t, std::vector<std::uint64_t>>>>(bytes);
    std::lock_guard lock(m_);
    consumed_ = consumed;
    for (auto& [t, seqs] : pending) pending_[batch_time(t)] = seqs;
  }
  /// Batch `done` is checkpointed: its blocks and those of earlier batches go.
  void checkpointed(batch_time done) {
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

 private:
  std::filesystem::path path_of(std::uint64_t seq) const {
    char name[40];
    std::snprintf(name, sizeof name, "block-%020llu", static_cast<unsigned long long>(seq));
    return dir_ / name;
  }

  std::filesystem::path dir_;
  std::mutex m_;
  std::map<batch_time, std::vector<std::uint64_t>> allocated_;
  std::map<batch_time, std::vector<std::uint64_t>> pending_;  // from the checkpoint recovered
  std::uint64_t consumed_ = 0;
};

}  // namespace dstream::detail
