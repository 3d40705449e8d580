#pragma once
// What a Kafka direct stream carries, and the librdkafka handles both directions share:
// a configuration built from a map of properties, with errors that name the property.
// Link with librdkafka (`-lrdkafka`, Debian's librdkafka-dev).

#include <cstdint>
#include <map>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <librdkafka/rdkafka.h>

#include <dstream/detail/traits.hpp>

namespace dstream::kafka {

/// librdkafka properties (`bootstrap.servers`, `group.id`, ...), by name.
using config = std::map<std::string, std::string>;

/// One Kafka record of a direct stream's batch. `key` and `value` view bytes kept by the
/// batch's partition (no copy per record): use them while the batch's rdd lives, or turn
/// the record into an `owned_record` (a stage boundary such as `repartition` does that).
///
/// Example: `stream | ds::map([](const ds::kafka::record& r) { return std::string(r.value); })`
struct record {
  std::string_view key;    // empty when the record has no key
  std::string_view value;  // empty for a null value (a tombstone)
  std::string_view topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::int64_t timestamp = -1;  // milliseconds since the epoch; -1 when the record has none
};

/// A record that owns its bytes.
struct owned_record {
  std::string key;
  std::string value;
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::int64_t timestamp = -1;

  owned_record() = default;
  explicit owned_record(const record& r)
      : key(r.key), value(r.value), topic(r.topic), partition(r.partition), offset(r.offset), timestamp(r.timestamp) {}
  friend bool operator==(const owned_record&, const owned_record&) = default;
};

/// `topic-partition@offset key=value` (what `pprint` shows of a record).
inline std::ostream& operator<<(std::ostream& os, const record& r) {
  return os << r.topic << '-' << r.partition << '@' << r.offset << ' ' << r.key << '=' << r.value;
}
inline std::ostream& operator<<(std::ostream& os, const owned_record& r) {
  return os << record{r.key, r.value, r.topic, r.partition, r.offset, r.timestamp};
}

namespace detail {

/// A librdkafka configuration being built; freed unless handed to `rd_kafka_new`.
class conf_handle {
 public:
  /// `who` names the caller in errors (`ds::kafka::direct_stream`).
  conf_handle(std::string who, const config& props) : who_(std::move(who)), c_(rd_kafka_conf_new()) {
    try {
      for (const auto& [k, v] : props) set(k, v);
    } catch (...) {
      rd_kafka_conf_destroy(c_);  // no destructor runs for a constructor that throws
      throw;
    }
  }
  ~conf_handle() {
    if (c_) rd_kafka_conf_destroy(c_);
  }
  conf_handle(const conf_handle&) = delete;
  conf_handle& operator=(const conf_handle&) = delete;

  void set(const std::string& key, const std::string& value) {
    char err[512];
    if (rd_kafka_conf_set(c_, key.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK)
      throw std::invalid_argument(who_ + ": property " + key + "=" + value + ": " + err);
  }
  rd_kafka_conf_t* get() const noexcept { return c_; }

  /// Creates the client; the configuration now belongs to it.
  rd_kafka_t* create(rd_kafka_type_t type) {
    char err[512];
    rd_kafka_t* rk = rd_kafka_new(type, c_, err, sizeof err);
    if (!rk) throw std::runtime_error(who_ + ": cannot create the Kafka client: " + err);
    c_ = nullptr;
    return rk;
  }

 private:
  std::string who_;
  rd_kafka_conf_t* c_;
};

/// A topic-partition list, made by its first `add` (an empty one allocates nothing) and
/// freed at the end of the scope.
struct partition_list {
  rd_kafka_topic_partition_list_t* p = nullptr;
  partition_list() = default;
  ~partition_list() {
    if (p) rd_kafka_topic_partition_list_destroy(p);
  }
  partition_list(const partition_list&) = delete;
  partition_list& operator=(const partition_list&) = delete;
  void add(const std::string& topic, std::int32_t partition, std::int64_t offset) {
    if (!p) p = rd_kafka_topic_partition_list_new(4);
    rd_kafka_topic_partition_list_add(p, topic.c_str(), partition)->offset = offset;
  }
  bool empty() const noexcept { return !p || p->cnt == 0; }
};

/// What `direct_stream` refuses at the call: no topic, an empty topic name, no `group.id`,
/// and automatic offset commits or stores (the stream commits itself after each batch).
inline void check_direct_stream_properties(const config& props, const std::vector<std::string>& topics) {
  if (topics.empty()) throw std::invalid_argument("ds::kafka::direct_stream: no topic given");
  for (auto& t : topics)
    if (t.empty()) throw std::invalid_argument("ds::kafka::direct_stream: an empty topic name");
  if (!props.count("group.id"))
    throw std::invalid_argument("ds::kafka::direct_stream: the properties have no group.id (the consumer group "
                                "whose committed offsets the stream keeps)");
  for (const char* k : {"enable.auto.commit", "enable.auto.offset.store"}) {
    auto it = props.find(k);
    if (it != props.end() && it->second != "false")
      throw std::invalid_argument(std::string("ds::kafka::direct_stream: ") + k + "=" + it->second +
                                  " is not allowed: the stream commits offsets itself once a batch's outputs "
                                  "succeeded; leave it unset");
  }
}

/// `bootstrap.servers` of `props`, for messages.
inline std::string servers_of(const config& props) {
  auto it = props.find("bootstrap.servers");
  if (it == props.end()) it = props.find("metadata.broker.list");
  return it == props.end() ? std::string("(no bootstrap.servers)") : it->second;
}

}  // namespace detail
}  // namespace dstream::kafka

namespace dstream::detail {
/// A record crossing a stage boundary keeps its bytes.
template <>
struct owned<::dstream::kafka::record> {
  using type = ::dstream::kafka::owned_record;
};
}  // namespace dstream::detail
