#pragma once
// `ds::kafka::send`: an output that produces every element of a batch to a topic and
// counts the batch done only when every delivery report came back successful.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <librdkafka/rdkafka.h>

#include <dstream/batch/rdd.hpp>
#include <dstream/detail/closure.hpp>
#include <dstream/io/format.hpp>
#include <dstream/io/outputs.hpp>
#include <dstream/kafka/record.hpp>
#include <dstream/stream/dstream.hpp>

namespace dstream::kafka {

/// No key: the producer's partitioner spreads the records.
struct no_key {};

namespace detail {

/// Calls `f` with the bytes of an element (or of a key): text as it is (not copied), other
/// values as pprint prints them.
template <class T, class F>
void with_bytes(const T& x, F&& f) {
  if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    f(std::string_view(x));
  } else {
    const std::string s = ::dstream::format_element(x);
    f(std::string_view(s));
  }
}

/// The delivery reports of one batch.
struct deliveries {
  std::atomic<std::int64_t> pending{0};
  std::atomic<std::int64_t> failed{0};
  std::mutex m;
  std::string first_error;
};

/// One producer per `send` output, made at its first batch and flushed when it goes.
class producer {
 public:
  producer(config props, std::string topic) : props_(std::move(props)), topic_(std::move(topic)) {
    if (topic_.empty()) throw std::invalid_argument("ds::kafka::send: an empty topic name");
    if (!props_.count("partitioner")) props_["partitioner"] = "murmur2_random";  // as a JVM producer
    conf_handle check("ds::kafka::send to topic " + topic_, props_);
    if (auto it = props_.find("message.timeout.ms"); it != props_.end()) timeout_ms_ = std::stoll(it->second);
  }
  ~producer() {
    if (!rk_) return;
    rd_kafka_flush(rk_, 10000);
    rd_kafka_topic_destroy(rkt_);
    rd_kafka_destroy(rk_);
  }
  producer(const producer&) = delete;
  producer& operator=(const producer&) = delete;

  std::string where() const { return "ds::kafka::send to topic " + topic_ + " at " + servers_of(props_); }

  /// Produces one batch's elements (through `each(emit)`) and waits for every report.
  template <class Each>
  void send_batch(Each each, batch_time t) {
    std::lock_guard lock(m_);
    open();
    deliveries d;
    each([&](std::string_view key, bool keyed, std::string_view value) {
      d.pending.fetch_add(1);
      for (;;) {
        const int rc = rd_kafka_produce(rkt_, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, const_cast<char*>(value.data()),
                                        value.size(), keyed ? key.data() : nullptr, keyed ? key.size() : 0, &d);
        const rd_kafka_resp_err_t e = rc == 0 ? RD_KAFKA_RESP_ERR_NO_ERROR : rd_kafka_last_error();
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR) break;
        if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
          rd_kafka_poll(rk_, 10);  // delivery reports make room
          continue;
        }
        d.pending.fetch_sub(1);
        d.failed.fetch_add(1);
        std::lock_guard l(d.m);
        if (d.first_error.empty()) d.first_error = rd_kafka_err2str(e);
        break;
      }
    });
    // Every message is delivered or has failed by message.timeout.ms (plus a margin).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms_ + 5000);
    while (d.pending.load() > 0 && std::chrono::steady_clock::now() < deadline) rd_kafka_poll(rk_, 20);
    if (d.pending.load() > 0 || d.failed.load() > 0) {
      std::string why = d.pending.load() > 0 ? std::to_string(d.pending.load()) + " records got no delivery report"
                                             : std::to_string(d.failed.load()) + " records were not delivered";
      if (!d.first_error.empty()) why += " (" + d.first_error + ")";
      if (d.pending.load() > 0) {
        // Reports still to come must not find `d` gone: wait them out with no deadline.
        while (d.pending.load() > 0) rd_kafka_poll(rk_, 100);
      }
      throw std::runtime_error(where() + ": batch " + t.to_string() + ": " + why);
    }
  }

 private:
  void open() {
    if (rk_) return;
    conf_handle c("ds::kafka::send to topic " + topic_, props_);
    rd_kafka_conf_set_dr_msg_cb(c.get(), &producer::on_delivery);
    rk_ = c.create(RD_KAFKA_PRODUCER);
    rkt_ = rd_kafka_topic_new(rk_, topic_.c_str(), nullptr);
    if (!rkt_) {
      const std::string why = rd_kafka_err2str(rd_kafka_last_error());
      rd_kafka_destroy(rk_);
      rk_ = nullptr;
      throw std::runtime_error(where() + ": " + why);
    }
  }
  static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
    auto* d = static_cast<deliveries*>(m->_private);
    if (m->err) {
      std::lock_guard l(d->m);
      if (d->first_error.empty()) d->first_error = rd_kafka_err2str(m->err);
      d->failed.fetch_add(1);
    }
    d->pending.fetch_sub(1);
  }

  config props_;
  std::string topic_;
  std::int64_t timeout_ms_ = 300000;  // librdkafka's default message.timeout.ms
  std::mutex m_;
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_topic_t* rkt_ = nullptr;
};

}  // namespace detail

/// Output: produces every element of every batch to `topic` (the value: text as it is,
/// other values as pprint prints them; the key: `key_fn(element)` when given). A batch
/// counts as done only when every record was acknowledged; a failed delivery fails it,
/// naming the topic. The default partitioner is `murmur2_random`, as a JVM producer's.
///
/// Signature: `send(config, topic [, key_fn])`: `dstream<T>` → `void`.
///
/// Example: `counts | ds::kafka::send({{"bootstrap.servers", b}}, "counts", [](auto& kv) { return kv.first; });`
template <class KeyFn>
class send_t : public ::dstream::detail::op_base {
 public:
  using kind = ::dstream::detail::stream_kind;
  send_t(std::shared_ptr<detail::producer> p, KeyFn key) : p_(std::move(p)), key_(std::move(key)) {}

  template <class T>
  void apply(const dstream<T>& s) const {
    if constexpr (!std::is_same_v<KeyFn, no_key>)
      static_assert(std::is_invocable_v<const KeyFn&, const T&>,
                    "ds::kafka::send(conf, topic, key_fn): key_fn must be callable with a const T& of the stream");
    ::dstream::detail::register_output(s, "kafka::send", [p = p_, key = key_](rdd<T>& r, batch_time t) {
      (void)key;  // unused without a key function
      p->send_batch(
          [&](auto emit) {
            for (std::size_t i = 0; i < r.num_partitions(); ++i)
              for (const T& x : r.partition(i))
                detail::with_bytes(x, [&](std::string_view value) {
                  if constexpr (std::is_same_v<KeyFn, no_key>) {
                    emit(std::string_view(), false, value);
                  } else {
                    detail::with_bytes(key(x), [&](std::string_view k) { emit(k, true, value); });
                  }
                });
          },
          t);
    });
  }

 private:
  std::shared_ptr<detail::producer> p_;
  KeyFn key_;
};

/// See `send_t`.
template <class KeyFn = no_key>
send_t<KeyFn> send(config props, std::string topic, KeyFn key_fn = {}) {
  return send_t<KeyFn>(std::make_shared<detail::producer>(std::move(props), std::move(topic)), std::move(key_fn));
}

}  // namespace dstream::kafka
