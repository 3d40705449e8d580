// <dstream/kafka.hpp> against librdkafka's in-process mock cluster (the Kafka protocol on
// loopback): every record exactly once and in its partition, a restart through
// get_or_create resuming after the last completed batch, send round trips and failed
// deliveries failing the batch, a broker down and up mid-stream losing nothing.

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <dstream/kafka.hpp>

#include "support/stream_support.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;

namespace {

/// A mock cluster of `brokers` brokers, owned by a producer handle that also writes to it.
class mock_cluster {
 public:
  explicit mock_cluster(int brokers = 3) {
    char err[512];
    rd_kafka_conf_t* c = rd_kafka_conf_new();
    rd_kafka_conf_set(c, "log_level", "0", err, sizeof err);
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err);
    REQUIRE(rk_ != nullptr);
    mc_ = rd_kafka_mock_cluster_new(rk_, brokers);
    REQUIRE(mc_ != nullptr);
    // A second producer speaks to the cluster through its bootstrap address.
    rd_kafka_conf_t* pc = rd_kafka_conf_new();
    rd_kafka_conf_set(pc, "bootstrap.servers", bootstraps().c_str(), err, sizeof err);
    rd_kafka_conf_set(pc, "log_level", "0", err, sizeof err);
    producer_ = rd_kafka_new(RD_KAFKA_PRODUCER, pc, err, sizeof err);
    REQUIRE(producer_ != nullptr);
  }
  ~mock_cluster() {
    rd_kafka_flush(producer_, 10000);
    rd_kafka_destroy(producer_);
    rd_kafka_mock_cluster_destroy(mc_);
    rd_kafka_destroy(rk_);
  }
  std::string bootstraps() const { return rd_kafka_mock_cluster_bootstraps(mc_); }
  rd_kafka_mock_cluster_t* get() const { return mc_; }
  void create_topic(const std::string& t, int partitions) {
    REQUIRE(rd_kafka_mock_topic_create(mc_, t.c_str(), partitions, 1) == RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  /// Produces `value` with `key` to `partition` of `topic`, waiting for every delivery.
  void produce(const std::string& topic, const std::vector<std::pair<std::int32_t, std::pair<std::string, std::string>>>& recs) {
    rd_kafka_topic_t* t = rd_kafka_topic_new(producer_, topic.c_str(), nullptr);
    for (auto& [p, kv] : recs) {
      while (rd_kafka_produce(t, p, RD_KAFKA_MSG_F_COPY, const_cast<char*>(kv.second.data()), kv.second.size(),
                              kv.first.data(), kv.first.size(), nullptr) != 0)
        rd_kafka_poll(producer_, 10);
    }
    REQUIRE(rd_kafka_flush(producer_, 30000) == RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_destroy(t);
  }

 private:
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_mock_cluster_t* mc_ = nullptr;
  rd_kafka_t* producer_ = nullptr;
};

/// `prefix` followed by `i` ("k12"). Appended, not `"k" + std::to_string(i)`: at -O3 g++ 12
/// warns falsely (-Wrestrict) on that operator+ once inlined here.
std::string tagged(const char* prefix, int i) {
  std::string s(prefix);
  s += std::to_string(i);
  return s;
}

/// Records `key_i` → `value_i` for i in [first, last), record i to partition i % parts.
std::vector<std::pair<std::int32_t, std::pair<std::string, std::string>>> keyed(int first, int last, int parts) {
  std::vector<std::pair<std::int32_t, std::pair<std::string, std::string>>> out;
  for (int i = first; i < last; ++i) out.push_back({i % parts, {tagged("k", i), tagged("v", i)}});
  return out;
}

ds::kafka::config consumer_props(const mock_cluster& mc, const std::string& group) {
  return {{"bootstrap.servers", mc.bootstraps()},
          {"group.id", group},
          {"auto.offset.reset", "earliest"},
          {"session.timeout.ms", "6000"},
          {"log_level", "0"}};
}

/// What one record looked like in its batch: its key and value, its Kafka partition, and
/// the Kafka partitions that shared its rdd partition.
struct seen_record {
  std::string key, value;
  std::int32_t partition;
  std::int64_t offset;
  std::set<std::int32_t> rdd_partition_holds;
};

using seen_log = stream_test::guarded<std::vector<seen_record>>;

/// Records every batch into `log`, after `before(rdd)` (which may throw to fail the batch).
void record_into(ds::dstream<ds::kafka::record> s, seen_log& log,
                 std::function<void(const ds::rdd<ds::kafka::owned_record>&)> before = {}) {
  s | ds::foreach_rdd([&log, before](ds::rdd<ds::kafka::owned_record>& r) {
    if (before) before(r);
    std::vector<seen_record> batch;
    for (std::size_t i = 0; i < r.num_partitions(); ++i) {
      std::set<std::int32_t> holds;
      for (auto& x : r.partition(i)) holds.insert(x.partition);
      for (auto& x : r.partition(i))
        batch.push_back({std::string(x.key), std::string(x.value), x.partition, x.offset, holds});
    }
    log.update([&](auto& v) { v.insert(v.end(), batch.begin(), batch.end()); });
  });
}

ds::conf manual_conf() {
  return ds::conf().app_name("kafka tests").master("local[2]").set("dstream.streaming.clock", "manual");
}

/// Runs batches on `ssc` (1 s apart, from `time_ms`) until `log` holds `n` records; returns
/// the next batch time.
std::int64_t run_until(ds::streaming_context& ssc, std::int64_t time_ms, seen_log& log, std::size_t n) {
  for (int i = 0; i < 600 && log.get().size() < n; ++i) {
    time_ms += 1000;
    stream_test::run_batch(ssc, 1000, time_ms);
    if (log.get().size() < n) std::this_thread::sleep_for(20ms);  // the consumer fetches meanwhile
  }
  return time_ms;
}

/// Every key of [first, last) exactly once, each in the partition it was produced to.
void check_exactly(const std::vector<seen_record>& got, int first, int last, int parts) {
  std::map<std::string, int> times;
  for (auto& r : got) {
    ++times[r.key];
    const int i = std::stoi(r.key.substr(1));
    REQUIRE(r.value == tagged("v", i));
    REQUIRE(r.partition == i % parts);
    REQUIRE(r.rdd_partition_holds == std::set<std::int32_t>{r.partition});
  }
  REQUIRE(got.size() == static_cast<std::size_t>(last - first));
  for (int i = first; i < last; ++i) REQUIRE(times[tagged("k", i)] == 1);
}

/// Remembers the errors inputs and outputs reported.
struct problems : ds::streaming_listener {
  stream_test::guarded<std::vector<std::string>> seen;
  void on_batch_completed(const ds::batch_info& b) override {
    seen.update([&](auto& v) {
      for (auto& e : b.input_errors) v.push_back(e);
      for (auto& [id, why] : b.output_failures) v.push_back(why);
    });
  }
  void on_receiver_started(const ds::receiver_info& r) override {
    seen.update([&](auto& v) { v.push_back("started: " + r.name); });
  }
  void on_receiver_error(const ds::receiver_info& r) override {
    seen.update([&](auto& v) { v.push_back("receiver: " + r.last_error); });
  }
  bool any(const std::string& part) const {
    for (auto& s : seen.get())
      if (s.find(part) != std::string::npos) return true;
    return false;
  }
};

// The partition a JVM producer's default partitioner gives a keyed record: Kafka's 32-bit
// murmur2 of the key (seed 0x9747b28c), its sign bit cleared, modulo the partitions. Written
// out here so that the test checks librdkafka's murmur2_random against it.
std::int32_t jvm_partition(std::string_view key, std::int32_t partitions) {
  constexpr std::uint32_t m = 0x5bd1e995;
  const auto n = static_cast<std::uint32_t>(key.size());
  std::uint32_t h = 0x9747b28cu ^ n;
  const auto byte = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(key[i])); };
  std::size_t i = 0;
  for (; i + 4 <= key.size(); i += 4) {
    std::uint32_t k = byte(i) | byte(i + 1) << 8 | byte(i + 2) << 16 | byte(i + 3) << 24;
    k *= m;
    k ^= k >> 24;
    k *= m;
    h = h * m ^ k;
  }
  switch (key.size() - i) {
    case 3: h ^= byte(i + 2) << 16; [[fallthrough]];
    case 2: h ^= byte(i + 1) << 8; [[fallthrough]];
    case 1: h = (h ^ byte(i)) * m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<std::int32_t>((h & 0x7fffffffu) % static_cast<std::uint32_t>(partitions));
}

}  // namespace

TEST_CASE("direct_stream: 100 000 keyed records on 4 partitions arrive once each, in their partition", "[kafka]") {
  mock_cluster mc;
  mc.create_topic("words", 4);
  mc.produce("words", keyed(0, 100000, 4));
  seen_log log;
  auto ssc = ds::streaming_context(manual_conf(), 1s);
  record_into(ds::kafka::direct_stream(ssc, consumer_props(mc, "g1"), {"words"}), log);
  ssc.start();
  run_until(ssc, 0, log, 100000);
  ssc.stop();
  check_exactly(log.get(), 0, 100000, 4);
}

TEST_CASE("direct_stream: a restart with get_or_create sees exactly the records after the last completed batch",
          "[kafka]") {
  mock_cluster mc;
  mc.create_topic("lines", 4);
  stream_test::temp_dir tmp;
  const std::string ckpt = (tmp.path() / "ckpt").string();
  seen_log first, second;
  auto build = [&](seen_log& log) {
    return [&mc, &log, ckpt] {
      auto ssc = ds::streaming_context(manual_conf(), 1s);
      ssc.checkpoint(ckpt);
      record_into(ds::kafka::direct_stream(ssc, consumer_props(mc, "g2"), {"lines"}), log);
      return ssc;
    };
  };
  mc.produce("lines", keyed(0, 3000, 4));
  std::int64_t t = 0;
  {
    auto ssc = ds::streaming_context::get_or_create(ckpt, build(first));
    REQUIRE_FALSE(ssc.recovered());
    ssc.start();
    t = run_until(ssc, ssc.test_clock()->now_ms(), first, 3000);
    ssc.stop(true, false);
  }
  check_exactly(first.get(), 0, 3000, 4);
  mc.produce("lines", keyed(3000, 5000, 4));
  {
    auto ssc = ds::streaming_context::get_or_create(ckpt, build(second));
    REQUIRE(ssc.recovered());
    ssc.start();
    ssc.test_clock()->set_time(t);
    run_until(ssc, t, second, 2000);
    ssc.stop(true, false);
  }
  check_exactly(second.get(), 3000, 5000, 4);
}

TEST_CASE("send: records round-trip through a topic, keyed with murmur2_random", "[kafka]") {
  mock_cluster mc;
  mc.create_topic("out", 4);
  mc.create_topic("in", 2);
  mc.produce("in", keyed(0, 200, 2));
  seen_log log;
  auto ssc = ds::streaming_context(manual_conf(), 1s);
  auto in = ds::kafka::direct_stream(ssc, consumer_props(mc, "g3"), {"in"});
  in | ds::map([](const ds::kafka::record& r) { return std::pair(std::string(r.key), std::string(r.value)); }) |
      ds::kafka::send({{"bootstrap.servers", mc.bootstraps()}, {"log_level", "0"}}, "out",
                      [](const std::pair<std::string, std::string>& kv) { return kv.first; });
  record_into(ds::kafka::direct_stream(ssc, consumer_props(mc, "g3-out"), {"out"}), log);
  ssc.start();
  run_until(ssc, 0, log, 200);
  ssc.stop();
  auto got = log.get();
  REQUIRE(got.size() == 200);
  std::map<std::string, std::int32_t> partition_of;
  for (auto& r : got) {
    REQUIRE(r.value == "(" + r.key + "," + "v" + r.key.substr(1) + ")");
    REQUIRE(partition_of.emplace(r.key, r.partition).second);
    REQUIRE(r.partition == jvm_partition(r.key, 4));  // where a JVM producer puts the key
  }
  // The keys spread over all four partitions.
  std::set<std::int32_t> used;
  for (auto& [k, p] : partition_of) used.insert(p);
  REQUIRE(used.size() == 4);
}

TEST_CASE("send: a delivery that fails fails the batch, naming the topic", "[kafka]") {
  auto ssc = ds::streaming_context(manual_conf(), 1s);
  problems seen;
  ssc.add_listener(seen);
  ds::rdd_queue<std::string> q;
  q.push(ssc.context().parallelize(std::vector<std::string>{"a", "b", "c"}, 2));
  ssc.queue_stream(q) | ds::kafka::send({{"bootstrap.servers", "127.0.0.1:1"},
                                         {"message.timeout.ms", "500"},
                                         {"log_level", "0"}},
                                        "nowhere");
  ssc.start();
  ssc.test_clock()->advance(1000);
  REQUIRE_THROWS_WITH(ssc.await_termination_or_timeout(30s), Contains("topic nowhere") && Contains("not delivered"));
  ssc.stop();
  REQUIRE(seen.any("topic nowhere"));
}

TEST_CASE("direct_stream: bad properties and a missing group.id are errors naming them", "[kafka]") {
  auto ssc = ds::streaming_context(manual_conf(), 1s);
  REQUIRE_THROWS_WITH(ds::kafka::direct_stream(ssc, {{"bootstrap.servers", "x:1"}}, {"t"}), Contains("group.id"));
  REQUIRE_THROWS_WITH(ds::kafka::direct_stream(ssc, {{"group.id", "g"}, {"no.such.property", "1"}}, {"t"}),
                      Contains("no.such.property"));
  REQUIRE_THROWS_WITH(ds::kafka::direct_stream(ssc, {{"group.id", "g"}, {"enable.auto.commit", "true"}}, {"t"}),
                      Contains("enable.auto.commit"));
}

TEST_CASE("direct_stream: an unreachable bootstrap server is reported by name", "[kafka]") {
  auto ssc = ds::streaming_context(manual_conf(), 1s);
  problems seen;
  ssc.add_listener(seen);
  seen_log log;
  record_into(ds::kafka::direct_stream(ssc, {{"bootstrap.servers", "127.0.0.1:1"}, {"group.id", "g"}, {"log_level", "0"}},
                                       {"t"}),
              log);
  ssc.start();
  REQUIRE(stream_test::eventually(20s, [&] { return seen.any("127.0.0.1:1"); }));
  ssc.stop();
}

TEST_CASE("direct_stream: a broker down and up mid-stream loses and repeats nothing", "[kafka]") {
  mock_cluster mc(3);
  mc.create_topic("events", 4);
  mc.produce("events", keyed(0, 2000, 4));
  seen_log log;
  problems seen;
  auto ssc = ds::streaming_context(manual_conf(), 1s);
  ssc.add_listener(seen);
  record_into(ds::kafka::direct_stream(ssc, consumer_props(mc, "g4"), {"events"}), log);
  ssc.start();
  std::int64_t t = run_until(ssc, 0, log, 2000);
  for (int b = 1; b <= 3; ++b) rd_kafka_mock_broker_set_down(mc.get(), b);
  for (int i = 0; i < 3; ++i) {
    t += 1000;
    stream_test::run_batch(ssc, 1000, t);
    std::this_thread::sleep_for(300ms);
  }
  for (int b = 1; b <= 3; ++b) rd_kafka_mock_broker_set_up(mc.get(), b);
  mc.produce("events", keyed(2000, 4000, 4));
  run_until(ssc, t, log, 4000);
  ssc.stop();
  REQUIRE(seen.any("127.0.0.1:"));  // the brokers that went down are named
  REQUIRE(seen.any("[partitions: events-0 events-1 events-2 events-3]"));  // the rebalance reached listeners
  check_exactly(log.get(), 0, 4000, 4);
}

TEST_CASE("direct_stream: a batch that failed runs again after a restart with the same offset ranges", "[kafka]") {
  mock_cluster mc;
  mc.create_topic("retry", 4);
  stream_test::temp_dir tmp;
  const std::string ckpt = (tmp.path() / "ckpt").string();
  seen_log log;
  std::atomic<bool> fail{false};
  std::atomic<std::size_t> failed_with{0};
  auto factory = [&] {
    auto ssc = ds::streaming_context(manual_conf(), 1s);
    ssc.checkpoint(ckpt);
    auto s = ds::kafka::direct_stream(ssc, consumer_props(mc, "g5"), {"retry"});
    // The first non-empty batch after `fail` is set throws before anything is recorded.
    record_into(s, log, [&](const ds::rdd<ds::kafka::owned_record>& r) {
      if (r.size() > 0 && fail.exchange(false)) {
        failed_with = r.size();
        throw std::runtime_error("the sink is down");
      }
    });
    return ssc;
  };
  mc.produce("retry", keyed(0, 1000, 4));
  std::int64_t t = 0;
  {
    auto ssc = ds::streaming_context::get_or_create(ckpt, factory);
    ssc.start();
    t = run_until(ssc, 0, log, 1000);
    fail = true;
    mc.produce("retry", keyed(1000, 2000, 4));
    for (int i = 0; i < 100 && failed_with == 0; ++i) {
      t += 1000;
      stream_test::run_batch(ssc, 1000, t);
      std::this_thread::sleep_for(50ms);
    }
    REQUIRE(failed_with > 0);
    REQUIRE_THROWS_WITH(ssc.await_termination_or_timeout(1s), Contains("the sink is down"));
    ssc.stop(true, false);
  }
  const std::size_t before = log.get().size();
  REQUIRE(before < 2000);
  {
    auto ssc = ds::streaming_context::get_or_create(ckpt, factory);
    REQUIRE(ssc.recovered());
    ssc.start();
    ssc.test_clock()->set_time(t);
    // The failed batch runs again first, with exactly the records it had.
    REQUIRE(ssc.wait_for_batch(ds::batch_time(t), 30s));
    REQUIRE(log.get().size() == before + failed_with);
    run_until(ssc, t, log, 2000);
    ssc.stop(true, false);
  }
  check_exactly(log.get(), 0, 2000, 4);
}

TEST_CASE("direct_stream: an unknown topic is reported by name", "[kafka]") {
  mock_cluster mc;
  // The mock cluster would create the topic on first use: have it answer as a broker
  // without auto-creation does.
  rd_kafka_mock_topic_set_error(mc.get(), "no-such-topic", RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
  auto ssc = ds::streaming_context(manual_conf(), 1s);
  problems seen;
  ssc.add_listener(seen);
  seen_log log;
  record_into(ds::kafka::direct_stream(ssc, consumer_props(mc, "g6"), {"no-such-topic"}), log);
  ssc.start();
  REQUIRE(stream_test::eventually(20s, [&] { return seen.any("no-such-topic"); }));
  ssc.stop();
}

TEST_CASE("direct_stream: dstream.kafka.max_rate_per_partition caps what a batch takes of each partition", "[kafka]") {
  mock_cluster mc;
  mc.create_topic("capped", 4);
  mc.produce("capped", keyed(0, 2000, 4));
  stream_test::guarded<std::vector<std::map<std::int32_t, int>>> batches;  // records per partition, per batch
  auto ssc = ds::streaming_context(manual_conf().set("dstream.kafka.max_rate_per_partition", "100"), 1s);
  seen_log log;
  auto s = ds::kafka::direct_stream(ssc, consumer_props(mc, "g7"), {"capped"});
  record_into(s, log, [&](const ds::rdd<ds::kafka::owned_record>& r) {
    std::map<std::int32_t, int> per;
    for (std::size_t i = 0; i < r.num_partitions(); ++i)
      for (auto& x : r.partition(i)) ++per[x.partition];
    if (!per.empty()) batches.update([&](auto& v) { v.push_back(per); });
  });
  ssc.start();
  run_until(ssc, 0, log, 2000);
  ssc.stop();
  check_exactly(log.get(), 0, 2000, 4);
  const auto got = batches.get();
  REQUIRE(got.size() >= 5);  // 500 records a partition, at most 100 a batch
  for (auto& per : got)
    for (auto& [p, n] : per) REQUIRE(n <= 100);
}
