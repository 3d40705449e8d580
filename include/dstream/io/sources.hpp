#pragma once
// Input nodes: the queue of rdds, receivers (user ones and the socket receiver), and the
// directory of text files. Each takes the data of batch t on the generator's thread at t.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iterator>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <dstream/batch/rdd.hpp>
#include <dstream/checkpoint/checkpoint.hpp>
#include <dstream/checkpoint/serialize.hpp>
#include <dstream/runtime/receiver.hpp>
#include <dstream/stream/graph.hpp>

namespace dstream {

/// A thread-safe queue of rdds feeding a `queue_stream` (Spark's `queueStream` queue).
///
/// Example: `ds::rdd_queue<int> q; auto s = ssc.queue_stream(q); q.push(ctx.parallelize(v));`
template <class T>
class rdd_queue {
 public:
  void push(rdd<T> r) {
    std::lock_guard lock(m_);
    q_.push_back(std::move(r));
  }
  std::size_t size() const {
    std::lock_guard lock(m_);
    return q_.size();
  }
  bool empty() const { return size() == 0; }

  std::optional<rdd<T>> pop() {
    std::lock_guard lock(m_);
    if (q_.empty()) return std::nullopt;
    rdd<T> r = std::move(q_.front());
    q_.pop_front();
    return r;
  }
  std::vector<rdd<T>> pop_all() {
    std::lock_guard lock(m_);
    std::vector<rdd<T>> all(std::make_move_iterator(q_.begin()), std::make_move_iterator(q_.end()));
    q_.clear();
    return all;
  }

 private:
  mutable std::mutex m_;
  std::deque<rdd<T>> q_;
};

namespace detail {

/// Base of input nodes: the rdd taken for each batch waits here until computed.
template <class T>
class input_node : public node<T>, public input_hooks {
 public:
  explicit input_node(streaming_state& st) : node<T>(st) {}

 protected:
  void keep(batch_time t, rdd<T> r) {
    std::lock_guard lock(m_);
    taken_[t] = std::move(r);
  }
  std::optional<rdd<T>> compute(batch_time t) override {
    std::lock_guard lock(m_);
    auto it = taken_.find(t);
    if (it == taken_.end()) return empty();
    rdd<T> r = std::move(it->second);
    taken_.erase(it);
    return r;
  }
  rdd<T> empty() const { return rdd<T>(this->owner().context().state(), std::vector<typename rdd<T>::partition_type>{}); }

 private:
  std::mutex m_;
  std::map<batch_time, rdd<T>> taken_;
};

template <class T>
class queue_input final : public input_node<T> {
 public:
  queue_input(streaming_state& st, rdd_queue<T>& q, bool one_at_a_time, std::optional<rdd<T>> fallback)
      : input_node<T>(st), q_(&q), one_(one_at_a_time), fallback_(std::move(fallback)) {}

  std::int64_t allocate(batch_time t) override {
    std::optional<rdd<T>> r;
    if (one_) {
      r = q_->pop();
    } else {
      auto all = q_->pop_all();
      if (!all.empty()) {
        std::vector<typename rdd<T>::partition_type> parts;
        for (auto& x : all) parts.insert(parts.end(), x.partitions().begin(), x.partitions().end());
        r = rdd<T>(all.front().state(), std::move(parts));
      }
    }
    if (!r && fallback_) r = fallback_;
    if (!r) return 0;
    auto n = static_cast<std::int64_t>(r->size());
    this->keep(t, std::move(*r));
    return n;
  }

 private:
  rdd_queue<T>* q_;
  bool one_;
  std::optional<rdd<T>> fallback_;
};

inline double conf_double(const ::dstream::conf& c, const std::string& key, double fallback) {
  auto v = c.get(key);
  if (!v) return fallback;
  try {
    std::size_t used = 0;
    double d = std::stod(*v, &used);
    if (used != v->size()) throw std::invalid_argument(*v);
    return d;
  } catch (const std::exception&) {
    throw std::invalid_argument("dstream conf: " + key + " must be a number, got \"" + *v + "\"");
  }
}

/// A whole number of records >= 0 (0 when not set: no bound).
inline std::size_t conf_count(const ::dstream::conf& c, const std::string& key) {
  const double d = conf_double(c, key, 0);
  if (d < 0 || d > 1e15 || d != static_cast<double>(static_cast<std::int64_t>(d)))
    throw std::invalid_argument("dstream conf: " + key + " must be a whole number >= 0, got \"" + *c.get(key) + "\"");
  return static_cast<std::size_t>(d);
}

/// Conf durations are milliseconds, or carry a unit: `200ms`, `2s`.
inline std::chrono::milliseconds conf_ms(const ::dstream::conf& c, const std::string& key, std::int64_t fallback) {
  auto v = c.get(key);
  if (!v) return std::chrono::milliseconds(fallback);
  std::string s = *v;
  double scale = 1;
  if (s.size() > 2 && s.substr(s.size() - 2) == "ms") {
    s.resize(s.size() - 2);
  } else if (s.size() > 1 && s.back() == 's') {
    s.pop_back();
    scale = 1000;
  }
  try {
    std::size_t used = 0;
    double d = std::stod(s, &used);
    if (used != s.size() || d < 0) throw std::invalid_argument(s);
    return std::chrono::milliseconds(static_cast<std::int64_t>(d * scale));
  } catch (const std::exception&) {
    throw std::invalid_argument("dstream conf: " + key + " must be a duration such as 200ms or 2s, got \"" + *v + "\"");
  }
}

/// A receiver's input: supervisor, block generator, blocks as partitions; with
/// `dstream.receiver.wal.enable=true`, a write-ahead log of blocks under the checkpoint
/// directory (`receivedData/<stream id>/block-<seq>`), replayed on recovery.
template <class T>
class receiver_input final : public input_node<T> {
 public:
  receiver_input(streaming_state& st, std::unique_ptr<receiver<T>> r, int stream_id)
      : input_node<T>(st),
        r_(std::move(r)),
        stream_id_(stream_id),
        blocks_(conf_ms(st.context().conf(), "dstream.block_interval", 200),
                conf_double(st.context().conf(), "dstream.receiver.max_rate", 0),
                conf_count(st.context().conf(), "dstream.receiver.max_pending")),
        sup_(*r_, stream_id, st.bus(), conf_ms(st.context().conf(), "dstream.receiver.restart_delay", 2000)) {
    r_->attach(&sup_, [this](T* xs, std::size_t n) { blocks_.push(xs, n); }, [this] { return pool_->take(); });
  }
  ~receiver_input() override {
    blocks_.unbound();
    sup_.stop();
    blocks_.close();  // its timer thread logs through this object
  }

  void start_input(batch_time) override {
    if (this->owner().context().conf().get("dstream.receiver.wal.enable", "false") == "true") open_log();
    blocks_.open();
    sup_.start();
  }
  void stop_receiving() override {
    blocks_.unbound();  // a receiver waiting for room stores what it holds and sees the stop
    sup_.stop();
    blocks_.close();
  }
  bool has_unallocated() const override { return !blocks_.empty(); }
  std::int64_t allocate(batch_time t) override {
    std::vector<block<T>> blocks;
    {
      std::lock_guard lock(m_);
      if (auto it = replay_.find(t); it != replay_.end()) {
        blocks = std::move(it->second);
        replay_.erase(it);
      }
    }
    if (blocks.empty()) blocks = blocks_.take_all();
    std::int64_t n = 0;
    std::vector<typename rdd<T>::partition_type> parts;
    std::vector<std::uint64_t> seqs;
    for (auto& b : blocks) {
      n += static_cast<std::int64_t>(b.records.size());
      seqs.push_back(b.seq);
      // When the batch is done with it, the block's storage goes back to the receiver.
      parts.push_back(record_pool<T>::partition(pool_, std::move(b.records)));
    }
    pool_->expect(static_cast<std::size_t>(n));
    if (wal_) {
      std::lock_guard lock(m_);
      allocated_[t] = std::move(seqs);
    }
    if (!parts.empty()) this->keep(t, rdd<T>(this->owner().context().state(), std::move(parts)));
    return n;
  }

  // The log's position: every block up to `consumed` is in the state of a checkpointed
  // batch; the blocks of later (pending) batches are listed per batch.
  std::string save_position(batch_time done) override {
    if (!wal_) return {};
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
  void restore_position(std::string_view bytes) override {
    if (bytes.empty()) return;
    auto [consumed, pending] = deserialize<std::pair<std::uint64_t, std::map<std::int64_t, std::vector<std::uint64_t>>>>(bytes);
    std::lock_guard lock(m_);
    consumed_ = consumed;
    for (auto& [t, seqs] : pending) replay_seqs_[batch_time(t)] = seqs;
  }
  void checkpointed(batch_time done) override {
    if (!wal_) return;
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
    for (auto q : gone) std::filesystem::remove(block_path(q), ec);
  }

  receiver<T>& get() noexcept { return *r_; }
  std::int64_t stored() const { return blocks_.stored(); }
  std::int64_t restarts() const { return sup_.restarts(); }

 private:
  std::filesystem::path block_path(std::uint64_t seq) const {
    char name[40];
    std::snprintf(name, sizeof name, "block-%020llu", static_cast<unsigned long long>(seq));
    return log_dir_ / name;
  }

  // Opens the log: recovered blocks go back to their pending batches or to the next batch.
  void open_log() {
    if constexpr (!serializable<T>) {
      throw std::logic_error("dstream.receiver.wal.enable=true: the records of receiver stream " +
                             std::to_string(stream_id_) + " cannot be written to the log; give their type a ds::serializer");
    } else {
      namespace fs = std::filesystem;
      log_dir_ = fs::path(this->owner().checkpoint_dir()) / "receivedData" / std::to_string(stream_id_);
      std::error_code ec;
      fs::create_directories(log_dir_, ec);
      if (ec) throw std::runtime_error("dstream: cannot create the receiver log " + log_dir_.string() + ": " + ec.message());
      std::uint64_t next = consumed_;
      std::map<std::uint64_t, batch_time> owner_of;
      for (auto& [t, seqs] : replay_seqs_)
        for (auto q : seqs) owner_of[q] = t;
      std::vector<std::pair<std::uint64_t, fs::path>> files;
      for (fs::directory_iterator it(log_dir_, ec), end; !ec && it != end; it.increment(ec)) {
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
          std::lock_guard lock(m_);
          replay_[o->second].push_back(std::move(b));
        } else {
          blocks_.add_recovered(std::move(b));
        }
      }
      blocks_.set_logger([this](const block<T>& b) { write_file_durably(block_path(b.seq), serialize(b.records)); }, next);
      wal_ = true;
    }
  }

  std::unique_ptr<receiver<T>> r_;
  int stream_id_;
  block_generator<T> blocks_;
  std::shared_ptr<record_pool<T>> pool_ = std::make_shared<record_pool<T>>();
  receiver_supervisor<T> sup_;
  bool wal_ = false;
  std::filesystem::path log_dir_;
  std::mutex m_;
  std::map<batch_time, std::vector<std::uint64_t>> allocated_;
  std::map<batch_time, std::vector<std::uint64_t>> replay_seqs_;
  std::map<batch_time, std::vector<block<T>>> replay_;
  std::uint64_t consumed_ = 0;
};

/// New text files of a directory, one partition per file, one record per line.
class file_input final : public input_node<std::string> {
 public:
  file_input(streaming_state& st, std::filesystem::path dir) : input_node<std::string>(st), dir_(std::move(dir)) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir_, ec))
      throw std::invalid_argument("ds::streaming_context::text_file_stream: \"" + dir_.string() +
                                  "\" is not a directory");
  }

  /// Files present at start are not read (only files moved in later are).
  void start_input(batch_time) override {
    std::lock_guard lock(m_);
    if (restored_) return;  // after recovery, files not in the checkpoint are new
    for (auto& f : list()) seen_.insert(f);
  }

  std::int64_t allocate(batch_time t) override {
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
    std::int64_t n = 0;
    for (auto& name : fresh) {
      auto lines = read(dir_ / name);
      if (!lines) continue;
      n += static_cast<std::int64_t>(lines->size());
      parts.push_back(std::move(*lines));
      std::lock_guard lock(m_);
      seen_.insert(name);
    }
    {
      std::lock_guard lock(m_);
      auto& log = allocated_[t];
      for (auto& name : fresh)
        if (seen_.count(name)) log.push_back(name);
    }
    if (!parts.empty()) keep(t, rdd<std::string>(owner().context().state(), std::move(parts)));
    return n;
  }

  // A checkpoint after batch `done` keeps the files of batches up to `done` as read, and
  // the files of later (pending) batches per batch, so those batches run again with them.
  // It also keeps the files of the done batches a window may still reach back to
  // (`remember_for`): after recovery those batches' rdds are read again for the windows.
  std::string save_position(batch_time done) override {
    std::lock_guard lock(m_);
    std::set<std::string> later;
    files_by_time pending, recent;
    for (auto& [t, files] : allocated_) {
      if (t <= done) {
        if (remember_for > slide() && t > done - remember_for && !files.empty()) recent[t.milliseconds()] = files;
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
  void restore_position(std::string_view bytes) override {
    auto [read_through, pending, recent] =
        deserialize<std::tuple<std::vector<std::string>, files_by_time, files_by_time>>(bytes);
    {
      std::lock_guard lock(m_);
      seen_ = std::set<std::string>(read_through.begin(), read_through.end());
      for (auto& [t, files] : pending) {
        seen_.insert(files.begin(), files.end());
        replay_[batch_time(t)] = files;
      }
      for (auto& [t, files] : recent) allocated_[batch_time(t)] = files;
      restored_ = true;
    }
    for (auto& [t, files] : recent) {
      partitions_of<std::string> parts;
      for (auto& name : files)
        if (auto lines = read(dir_ / name)) parts.push_back(std::move(*lines));
      keep(batch_time(t), rdd<std::string>(owner().context().state(), std::move(parts)));
    }
  }
  void checkpointed(batch_time done) override {
    std::lock_guard lock(m_);
    allocated_.erase(allocated_.begin(), allocated_.upper_bound(done - remember_for));
  }

  /// The names of the files already read (a checkpoint keeps them).
  std::set<std::string> files_read() const {
    std::lock_guard lock(m_);
    return seen_;
  }
  void restore_files_read(std::set<std::string> s) {
    std::lock_guard lock(m_);
    seen_ = std::move(s);
  }
  const std::filesystem::path& directory() const noexcept { return dir_; }

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

  std::optional<std::vector<std::string>> read(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) {
      std::lock_guard lock(m_);
      if (reported_.insert(p.string()).second)
        report("cannot read " + p.string() + "; it will be tried again at the next batch");
      return std::nullopt;
    }
    std::vector<std::string> lines;
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      lines.push_back(std::move(line));
    }
    if (in.bad()) {
      report("error while reading " + p.string());
      return std::nullopt;
    }
    return lines;
  }

  static void report(const std::string& what) { std::cerr << "dstream: text_file_stream: " << what << '\n'; }

  using files_by_time = std::map<std::int64_t, std::vector<std::string>>;

  std::filesystem::path dir_;
  mutable std::mutex m_;
  std::set<std::string> seen_;
  std::set<std::string> reported_;
  std::map<batch_time, std::vector<std::string>> allocated_;
  std::map<batch_time, std::vector<std::string>> replay_;
  bool restored_ = false;
};

}  // namespace detail
}  // namespace dstream
