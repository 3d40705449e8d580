#pragma once
// The input of `ds::kafka::direct_stream`: a consumer thread fetches from the assigned
// partitions into per-partition buffers (pausing a partition that is far ahead); each batch
// cuts one offset range per assigned partition from them, one rdd partition each. The
// ranges of every batch since the last checkpoint are saved with it, so a batch cut short
// by a crash runs again with the same records; offsets are committed to the group only
// after every output of the batch succeeded.

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include <librdkafka/rdkafka.h>

#include <dstream/batch/rdd.hpp>
#include <dstream/checkpoint/serialize.hpp>
#include <dstream/kafka/buffers.hpp>
#include <dstream/kafka/record.hpp>
#include <dstream/runtime/listener.hpp>
#include <dstream/runtime/time.hpp>
#include <dstream/stream/input.hpp>

namespace dstream::kafka::detail {

class direct_input final : public input<record> {
 public:
  direct_input(config props, std::vector<std::string> topics) : props_(std::move(props)), topics_(std::move(topics)) {
    check_direct_stream_properties(props_, topics_);
    name_ = "kafka direct_stream";
    for (auto& t : topics_) name_ += " " + t;
    name_ += " at " + servers_of(props_);
    conf_handle c("ds::kafka::direct_stream", props_);  // bad properties fail here, at the call
  }
  ~direct_input() override { stop(); }

  std::string name() const override { return name_; }

  void start(const input_env& env) override {
    env_.emplace(env);
    const auto& c = env.conf();
    if (c.get("dstream.kafka.max_rate_per_partition"))
      max_rate_ = c.get_number("dstream.kafka.max_rate_per_partition", 0);
    if (c.get("dstream.backpressure.max_bytes")) max_bytes_ = c.get_count("dstream.backpressure.max_bytes");
    conf_handle conf("ds::kafka::direct_stream", props_);
    conf.set("enable.auto.commit", "false");
    conf.set("enable.auto.offset.store", "false");
    // librdkafka 2.0 stops fetching once 100,000 messages wait in its queue and looks again only about a
    // second later (1 s gaps in a fast stream); the batches' bound (max_bytes_) is the flow control here.
    if (!props_.count("queued.min.messages")) conf.set("queued.min.messages", "1000000");
    rd_kafka_conf_set_opaque(conf.get(), this);
    rd_kafka_conf_set_rebalance_cb(conf.get(), &direct_input::on_rebalance);
    rd_kafka_conf_set_error_cb(conf.get(), &direct_input::on_error);
    rd_kafka_conf_set_offset_commit_cb(conf.get(), &direct_input::on_commit);
    rk_ = conf.create(RD_KAFKA_CONSUMER);
    rd_kafka_poll_set_consumer(rk_);
    partition_list subs;
    for (auto& t : topics_) subs.add(t, RD_KAFKA_PARTITION_UA, RD_KAFKA_OFFSET_INVALID);
    if (auto e = rd_kafka_subscribe(rk_, subs.p); e != RD_KAFKA_RESP_ERR_NO_ERROR)
      throw std::runtime_error(name_ + ": cannot subscribe: " + rd_kafka_err2str(e));
    quit_ = false;
    poller_ = std::thread([this] { poll_loop(); });
    env.listeners().post(&streaming_listener::on_receiver_started, info(true, ""));
  }

  std::optional<rdd<record>> take(batch_time t) override {
    std::unique_lock lock(m_);
    std::vector<offset_range> ranges;
    if (auto it = replay_.find(t); it != replay_.end()) {
      ranges = std::move(it->second);
      replay_.erase(it);
      // A batch pending at the crash: wait until the consumer has fetched its ranges.
      const auto deadline = std::chrono::steady_clock::now() + replay_wait_;
      auto fetched = [&] {
        for (auto& r : ranges) {
          auto p = parts_.find({r.topic, r.partition});
          if (r.until > r.from && (p == parts_.end() || p->second.seen < r.until)) return false;
        }
        return true;
      };
      if (!cv_.wait_until(lock, deadline, [&] { return fetched() || quit_; }))
        report_locked("batch " + t.to_string() + " runs again after a restart, but not all of its offset ranges "
                      "could be fetched again within " + std::to_string(replay_wait_.count()) +
                      " ms; it runs with the records that arrived");
      for (auto& r : ranges) parts_[{r.topic, r.partition}].next = r.from;
    } else {
      const std::size_t cap = max_per_batch();
      for (auto& [tp, p] : parts_) {
        if (!p.assigned) continue;
        drop_before_next(p);
        if (p.next < 0) {
          if (p.buf.empty()) continue;  // nothing fetched yet: its start is not known
          p.next = p.buf.front()->offset;
        }
        std::int64_t until = p.next;
        std::size_t n = 0;
        for (auto* m : p.buf) {
          if (n == cap) break;
          until = m->offset + 1;
          ++n;
        }
        ranges.push_back({tp.first, tp.second, p.next, until});
      }
    }
    // The range's records, copied into the partition's storage; the buffers let them go.
    std::vector<std::shared_ptr<const std::vector<record>>> out;
    for (auto& r : ranges) {
      auto& p = parts_[{r.topic, r.partition}];
      drop_before_next(p);
      auto store = std::make_shared<batch_storage>();
      store->topic = r.topic;
      std::size_t bytes = 0, n = 0;
      for (auto* m : p.buf) {
        if (m->offset >= r.until) break;
        bytes += m->key_len + m->len;
        ++n;
      }
      store->bytes.reserve(bytes);
      store->records.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        rd_kafka_message_t* m = p.buf.front();
        p.buf.pop_front();
        p.bytes -= m->key_len + m->len;
        const std::size_t at = store->bytes.size();
        if (m->key) store->bytes.append(static_cast<const char*>(m->key), m->key_len);
        if (m->payload) store->bytes.append(static_cast<const char*>(m->payload), m->len);
        rd_kafka_timestamp_type_t type;
        const std::int64_t ts = rd_kafka_message_timestamp(m, &type);
        store->records.push_back(record{{}, {}, {}, r.partition, m->offset, ts});
        store->spans.push_back({at, m->key ? m->key_len : 0, m->payload ? m->len : 0});
        rd_kafka_message_destroy(m);
      }
      store->fix_views();
      p.next = r.until;
      out.emplace_back(store, &store->records);
    }
    allocated_[t] = ranges;
    lock.unlock();
    cv_.notify_all();  // the consumer may resume partitions that were paused
    if (out.empty()) return std::nullopt;
    return env_->context().make_rdd(std::move(out));
  }

  void stop_receiving() override {}

  void stop() override {
    {
      std::lock_guard lock(m_);
      if (!rk_) return;
      quit_ = true;
    }
    cv_.notify_all();
    if (poller_.joinable()) poller_.join();
    rd_kafka_consumer_close(rk_);
    {
      std::lock_guard lock(m_);
      for (auto& [tp, p] : parts_) {
        for (auto* m : p.buf) rd_kafka_message_destroy(m);
        p.buf.clear();
        p.bytes = 0;
      }
    }
    rd_kafka_destroy(rk_);
    rk_ = nullptr;
    if (env_) env_->listeners().post(&streaming_listener::on_receiver_stopped, info(false, ""));
  }

  // Where each partition's next batch starts (the first batch after `done`), and the
  // ranges of the batches generated after `done`.
  std::string save(batch_time done) override {
    std::lock_guard lock(m_);
    std::map<std::pair<std::string, std::int32_t>, std::int64_t> start;
    for (auto& [tp, p] : parts_)
      if (p.next >= 0) start[tp] = p.next;
    std::map<std::int64_t, std::vector<range_row>> pending;
    for (auto it = allocated_.rbegin(); it != allocated_.rend() && it->first > done; ++it) {
      auto& rows = pending[it->first.milliseconds()];
      for (auto& r : it->second) {
        start[{r.topic, r.partition}] = r.from;  // the earliest pending batch wins
        rows.emplace_back(r.topic, r.partition, r.from, r.until);
      }
    }
    std::vector<range_row> positions;
    for (auto& [tp, off] : start) positions.emplace_back(tp.first, tp.second, off, off);
    return serialize(std::tuple(positions, pending));
  }

  void restore(std::string_view bytes) override {
    auto [positions, pending] =
        deserialize<std::tuple<std::vector<range_row>, std::map<std::int64_t, std::vector<range_row>>>>(bytes);
    std::lock_guard lock(m_);
    for (auto& [topic, partition, from, until] : positions) parts_[{topic, partition}].next = from;
    for (auto& [ms, rows] : pending)
      for (auto& [topic, partition, from, until] : rows)
        replay_[batch_time(ms)].push_back({topic, partition, from, until});
  }

  void checkpointed(batch_time done) override {
    std::lock_guard lock(m_);
    allocated_.erase(allocated_.begin(), allocated_.upper_bound(done));
  }

  void batch_completed(batch_time t, bool succeeded) override {
    std::unique_lock lock(m_);
    completed_ = std::max(completed_, t);
    auto it = allocated_.find(t);
    if (!succeeded && !failed_) {
      failed_ = true;
      report_locked("batch " + t.to_string() + " failed: its offsets and those of later batches are not committed "
                    "to group " + props_.at("group.id"));
    }
    if (it != allocated_.end() && !failed_ && rk_) {
      partition_list offsets;
      for (auto& r : it->second) {
        auto p = parts_.find({r.topic, r.partition});
        if (r.until > r.from && p != parts_.end() && p->second.assigned) offsets.add(r.topic, r.partition, r.until);
      }
      if (!offsets.empty()) rd_kafka_commit(rk_, offsets.p, 1);
    }
    if (env_ && env_->checkpoint_dir().empty()) allocated_.erase(allocated_.begin(), allocated_.upper_bound(t));
    lock.unlock();
    cv_.notify_all();
  }

 private:
  using range_row = std::tuple<std::string, std::int32_t, std::int64_t, std::int64_t>;

  std::size_t max_per_batch() const {
    if (max_rate_ <= 0 || !env_) return static_cast<std::size_t>(-1);
    const double n = max_rate_ * static_cast<double>(env_->batch_duration().count()) / 1000.0;
    return std::max<std::size_t>(1, static_cast<std::size_t>(n));
  }

  void poll_loop() {
    ::dstream::detail::current_bus = &env_->listeners();
    // Buffers are checked against their bounds every 64 records and whenever a poll comes
    // back empty (so paused partitions resume), not for every record.
    std::size_t since_check = 64;
    for (;;) {
      {
        std::lock_guard lock(m_);
        if (quit_) return;
      }
      if (since_check >= 64) {
        flow_control();
        since_check = 0;
      }
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, 50);
      if (!m) {
        since_check = 64;
        continue;
      }
      ++since_check;
      if (m->err) {
        on_message_error(m);
        rd_kafka_message_destroy(m);
        continue;
      }
      {
        std::lock_guard lock(m_);
        auto& p = parts_[{rd_kafka_topic_name(m->rkt), m->partition}];
        if (!p.assigned || (p.next >= 0 && m->offset < p.next)) {
          rd_kafka_message_destroy(m);
          continue;
        }
        p.seen = std::max(p.seen, m->offset + 1);
        p.bytes += m->key_len + m->len;
        p.buf.push_back(m);
        reported_.clear();  // data flows again: a new problem is worth a report
      }
      cv_.notify_all();
    }
  }

  // Pauses a partition whose buffer holds more than its share of the byte bound (or of
  // what the rate bound lets two batches take); resumes it at half.
  void flow_control() {
    partition_list pause, resume;  // allocated only when a partition changes
    {
      std::lock_guard lock(m_);
      std::size_t assigned = 0;
      for (auto& [tp, p] : parts_) assigned += p.assigned;
      const std::size_t share = max_bytes_ / std::max<std::size_t>(1, assigned);
      const std::size_t cap = max_per_batch();
      for (auto& [tp, p] : parts_) {
        if (!p.assigned) continue;
        const bool full = p.bytes > share || (cap != static_cast<std::size_t>(-1) && p.buf.size() > 2 * cap);
        const bool low = p.bytes <= share / 2 && (cap == static_cast<std::size_t>(-1) || p.buf.size() <= cap);
        if (full && !p.paused) {
          p.paused = true;
          pause.add(tp.first, tp.second, RD_KAFKA_OFFSET_INVALID);
        } else if (low && p.paused) {
          p.paused = false;
          resume.add(tp.first, tp.second, RD_KAFKA_OFFSET_INVALID);
        }
      }
    }
    if (!pause.empty()) rd_kafka_pause_partitions(rk_, pause.p);
    if (!resume.empty()) rd_kafka_resume_partitions(rk_, resume.p);
  }

  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* list,
                           void* opaque) {
    static_cast<direct_input*>(opaque)->rebalance(rk, err, list);
  }

  void rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* list) {
    const bool cooperative = std::string_view(rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE";
    std::string names;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      {
        std::lock_guard lock(m_);
        for (int i = 0; i < list->cnt; ++i) {
          auto& e = list->elems[i];
          auto& p = parts_[{e.topic, e.partition}];
          p.assigned = true;
          p.paused = false;
          // A position from the checkpoint wins; otherwise the group's committed offset.
          if (p.next >= 0) e.offset = p.next;
          names += std::string(names.empty() ? "" : ", ") + e.topic + "-" + std::to_string(e.partition);
        }
      }
      if (cooperative) {
        if (auto* e = rd_kafka_incremental_assign(rk, list)) rd_kafka_error_destroy(e);
      } else {
        rd_kafka_assign(rk, list);
      }
      log("assigned " + (names.empty() ? std::string("no partitions") : names));
    } else {
      {
        // The batches in flight finish before their partitions go to another member.
        std::unique_lock lock(m_);
        const batch_time newest = allocated_.empty() ? batch_time(0) : allocated_.rbegin()->first;
        cv_.wait_for(lock, std::chrono::seconds(30), [&] { return quit_ || completed_ >= newest; });
        for (int i = 0; i < list->cnt; ++i) {
          auto& e = list->elems[i];
          auto it = parts_.find({e.topic, e.partition});
          if (it == parts_.end()) continue;
          for (auto* m : it->second.buf) rd_kafka_message_destroy(m);
          parts_.erase(it);  // assigned again later, it starts from the committed offset
          names += std::string(names.empty() ? "" : ", ") + e.topic + "-" + std::to_string(e.partition);
        }
      }
      if (cooperative) {
        if (auto* e = rd_kafka_incremental_unassign(rk, list)) rd_kafka_error_destroy(e);
      } else {
        rd_kafka_assign(rk, nullptr);
      }
      if (!names.empty()) log("revoked " + names);
    }
    cv_.notify_all();
    // Listeners hear of every rebalance: the input "starts" again with its new partitions.
    if (env_) {
      receiver_info i = info(true, "");
      i.name += " [partitions:" + assignment() + "]";
      env_->listeners().post(&streaming_listener::on_receiver_started, i);
    }
  }

  // The partitions assigned now (" t-0 t-1", or " none").
  std::string assignment() {
    std::lock_guard lock(m_);
    std::string a;
    for (auto& [tp, p] : parts_)
      if (p.assigned) a += " " + tp.first + "-" + std::to_string(tp.second);
    return a.empty() ? " none" : a;
  }

  static void on_error(rd_kafka_t*, int err, const char* reason, void* opaque) {
    auto* self = static_cast<direct_input*>(opaque);
    std::string what = reason;
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
      what = "all brokers are down or unreachable (bootstrap.servers=" + servers_of(self->props_) + "): " + what;
    self->report(what + "; the consumer keeps trying, nothing is lost");
  }

  static void on_commit(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t*, void* opaque) {
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET)
      static_cast<direct_input*>(opaque)->report(std::string("committing offsets failed: ") + rd_kafka_err2str(err) +
                                                 "; the next batch's commit covers them");
  }

  void on_message_error(const rd_kafka_message_t* m) {
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) return;
    std::string where = m->rkt ? std::string("topic ") + rd_kafka_topic_name(m->rkt) : std::string("consumer");
    if (m->rkt && m->partition >= 0) where += " partition " + std::to_string(m->partition);
    report(where + ": " + rd_kafka_message_errstr(m));
  }

  receiver_info info(bool active, std::string error) const {
    receiver_info i;
    i.stream_id = env_ ? env_->stream_id() : 0;
    i.name = name_;
    i.active = active;
    i.last_error = std::move(error);
    return i;
  }

  void log(const std::string& what) const { std::clog << "dstream: " << name_ << ": " << what << '\n'; }

  void report(const std::string& what) {
    std::lock_guard lock(m_);
    report_locked(what);
  }
  // Once per problem until records flow again (librdkafka repeats itself).
  void report_locked(const std::string& what) {
    if (!reported_.insert(what).second) return;
    std::cerr << "dstream: " << name_ << ": " << what << '\n';
    if (env_) {
      env_->report(name_ + ": " + what);
      env_->listeners().post(&streaming_listener::on_receiver_error, info(true, what));
    }
  }

  config props_;
  std::vector<std::string> topics_;
  std::string name_;
  std::optional<input_env> env_;
  double max_rate_ = 0;                              // dstream.kafka.max_rate_per_partition
  std::size_t max_bytes_ = std::size_t(256) << 20;   // dstream.backpressure.max_bytes
  std::chrono::milliseconds replay_wait_{30000};
  rd_kafka_t* rk_ = nullptr;
  std::thread poller_;
  std::mutex m_;
  std::condition_variable cv_;
  bool quit_ = false;
  bool failed_ = false;
  batch_time completed_{0};
  std::map<std::pair<std::string, std::int32_t>, part_buffer> parts_;
  std::map<batch_time, std::vector<offset_range>> allocated_;
  std::map<batch_time, std::vector<offset_range>> replay_;
  std::set<std::string> reported_;
};

}  // namespace dstream::kafka::detail
