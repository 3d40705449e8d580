// kafka: the direct stream's throughput. Lines are produced to librdkafka's in-process mock
// cluster (the Kafka protocol on loopback), then read by `ds::kafka::direct_stream` into the
// word count at 100 ms batches on local[2], beside two references in the same run:
//   - librdkafka's consumer alone reading the same topic from its start: the mock cluster's
//     own ceiling on this machine;
//   - the same word count over the same lines from an in-memory queue (`queue_stream`, the
//     lines pushed before start() as one rdd of as many partitions as the topic has), at
//     the same 100 ms batches: the library's ceiling without Kafka.
// Each rate is lines per second of wall time until every line is read (the consumer) or
// every word counted (the streams; checked exact), from the first record read (the
// consumer), the first partitions assigned (the direct stream: joining the group takes the
// mock cluster about 3 s, which is not throughput) or start() (the queue stream). Each
// figure is the fastest of 3 runs; each run reads the topic from its start under a consumer
// group of its own. The queue stream ends within its first batch, so its figure includes
// the wait for that batch's time and is a lower bound.
//
// The mock cluster keeps at most 5 MB (and 100,000 message sets) a partition and drops
// the oldest beyond that, so the topic has 16 partitions of about 3.5 MB: the program
// checks after producing that every partition still starts at offset 0.
//
//   kafka_bench [lines a partition = 60000]

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <dstream/dstream.hpp>
#include <dstream/kafka.hpp>

namespace ds = dstream;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

constexpr int partitions = 16;
constexpr std::size_t words_per_line = 8;
constexpr const char* topic = "lines";
// The mock cluster holds a fetch for fetch.wait.max.ms when a partition of the request has
// no new data (a broker answers once fetch.min.bytes are there): with librdkafka's default
// of 500 ms, both consumers here got data about once a second. Both use 10 ms. And
// librdkafka 2.0 stops fetching once queued.min.messages (100,000) wait in its queue, and
// looks again only about a second later: the consumer alone sets 1,000,000, as the direct
// stream does unless told otherwise.
constexpr const char* fetch_wait_ms = "10";

double seconds_since(steady::time_point t0) { return std::chrono::duration<double>(steady::now() - t0).count(); }

std::runtime_error failure(std::string what, const char* detail) {
  what += ": ";
  what += detail;
  return std::runtime_error(what);
}

// Lines of 8 words drawn from 1,000 words of 3 to 8 letters (fixed seed).
std::vector<std::string> make_lines(std::size_t count) {
  std::mt19937_64 rng(20261203);
  std::vector<std::string> vocabulary(1000);
  for (auto& w : vocabulary) {
    w.assign(3 + rng() % 6, 'a');
    for (auto& ch : w) ch = static_cast<char>('a' + rng() % 26);
  }
  std::vector<std::string> lines(count);
  for (auto& line : lines)
    for (std::size_t i = 0; i < words_per_line; ++i) {
      if (i) line += ' ';
      line += vocabulary[rng() % vocabulary.size()];
    }
  return lines;
}

// A configuration built from key/value pairs; throws naming the key librdkafka refused.
rd_kafka_conf_t* make_conf(std::initializer_list<std::pair<const char*, std::string>> props) {
  rd_kafka_conf_t* c = rd_kafka_conf_new();
  char err[512];
  for (const auto& [k, v] : props)
    if (rd_kafka_conf_set(c, k, v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(c);
      throw failure(std::string("configuration key ") + k, err);
    }
  return c;
}

class mock_cluster {
 public:
  mock_cluster() {
    char err[512];
    owner_ = rd_kafka_new(RD_KAFKA_PRODUCER, make_conf({{"log_level", "3"}}), err, sizeof err);
    if (!owner_) throw failure("cannot create the mock cluster's client", err);
    mock_ = rd_kafka_mock_cluster_new(owner_, 3);
    if (!mock_) throw std::runtime_error("cannot start librdkafka's mock cluster");
    if (rd_kafka_mock_topic_create(mock_, topic, partitions, 1) != RD_KAFKA_RESP_ERR_NO_ERROR)
      throw std::runtime_error("the mock cluster did not create the topic");
  }
  mock_cluster(const mock_cluster&) = delete;
  mock_cluster& operator=(const mock_cluster&) = delete;
  ~mock_cluster() {
    rd_kafka_mock_cluster_destroy(mock_);
    rd_kafka_destroy(owner_);
  }
  std::string bootstraps() const { return rd_kafka_mock_cluster_bootstraps(mock_); }

  // Line i goes to partition i % partitions; then checks that every partition holds its
  // lines from offset 0 (the mock cluster drops old message sets beyond 5 MB a partition).
  void produce(const std::vector<std::string>& lines) const {
    char err[512];
    const std::unique_ptr<rd_kafka_t, decltype(&rd_kafka_destroy)> producer(
        rd_kafka_new(RD_KAFKA_PRODUCER,
                     make_conf({{"bootstrap.servers", bootstraps()},
                                {"linger.ms", "50"},
                                {"batch.size", "1000000"},
                                {"batch.num.messages", "100000"}}),
                     err, sizeof err),
        &rd_kafka_destroy);
    rd_kafka_t* p = producer.get();
    if (!p) throw failure("cannot create the producer", err);
    for (std::size_t i = 0; i < lines.size(); ++i) {
      for (;;) {
        auto e = rd_kafka_producev(p, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(static_cast<std::int32_t>(i % partitions)),
                                   RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                   RD_KAFKA_V_VALUE(const_cast<char*>(lines[i].data()), lines[i].size()), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR) break;
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) throw failure("produce", rd_kafka_err2str(e));
        rd_kafka_poll(p, 10);
      }
      rd_kafka_poll(p, 0);
    }
    if (rd_kafka_flush(p, 60000) != RD_KAFKA_RESP_ERR_NO_ERROR) throw std::runtime_error("produce: the flush timed out");
    for (std::int32_t part = 0; part < partitions; ++part) {
      std::int64_t low = -1, high = -1;
      auto e = rd_kafka_query_watermark_offsets(p, topic, part, &low, &high, 10000);
      const auto want = static_cast<std::int64_t>((lines.size() + partitions - 1 - part) / partitions);
      if (e != RD_KAFKA_RESP_ERR_NO_ERROR || low != 0 || high != want)
        throw std::runtime_error("partition " + std::to_string(part) + " holds offsets " + std::to_string(low) + ".." +
                                 std::to_string(high) + ", not 0.." + std::to_string(want) +
                                 " (the mock cluster keeps 5 MB a partition: fewer lines a partition)");
    }
  }

 private:
  rd_kafka_t* owner_ = nullptr;
  rd_kafka_mock_cluster_t* mock_ = nullptr;
};

// librdkafka's consumer alone, subscribed as the direct stream is (a group of its own, from
// the earliest offsets), until every line is read.
double consumer_alone(const mock_cluster& c, std::size_t lines, const std::string& group) {
  char err[512];
  rd_kafka_conf_t* conf = make_conf({{"bootstrap.servers", c.bootstraps()},
                                     {"group.id", group},
                                     {"enable.auto.commit", "false"},
                                     {"auto.offset.reset", "earliest"},
                                     {"fetch.wait.max.ms", fetch_wait_ms},
                                     {"queued.min.messages", "1000000"}});
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!rk) throw failure("cannot create the consumer", err);
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic, RD_KAFKA_PARTITION_UA);
  const auto subscribed = steady::now();
  rd_kafka_subscribe(rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  std::size_t n = 0, bytes = 0;
  steady::time_point t0{};
  while (n < lines && seconds_since(subscribed) < 120) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (!m) continue;
    if (!m->err) {
      if (n++ == 0) t0 = steady::now();
      bytes += m->len;
    } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      std::fprintf(stderr, "  consumer: %s\n", rd_kafka_message_errstr(m));
    }
    rd_kafka_message_destroy(m);
  }
  const double s = seconds_since(t0);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  if (n != lines) throw std::runtime_error("the consumer alone read " + std::to_string(n) + " of the lines");
  if (bytes == 0) throw std::runtime_error("the consumer alone read no bytes");
  return s;
}

// The word count; `counted` gets every batch's total of counts.
template <class Lines>
void word_count(Lines& lines, std::atomic<std::int64_t>& counted) {
  lines | ds::flat_map(ds::words) | ds::map([](std::string_view w) { return std::pair{w, std::int64_t{1}}; })
      | ds::reduce_by_key(std::plus<>{}) | ds::foreach_rdd([&counted](ds::rdd<std::pair<std::string, std::int64_t>>& r) {
          std::int64_t n = 0;
          for (std::size_t i = 0; i < r.num_partitions(); ++i)
            for (const auto& kv : r.partition(i)) n += kv.second;
          counted += n;
        });
}

// When the direct stream was first given partitions (it tells listeners as an input that
// starts again, its partitions in its name).
class assignment_listener : public ds::streaming_listener {
 public:
  void on_receiver_started(const ds::receiver_info& r) override {
    if (r.name.find("[partitions:") == std::string::npos || r.name.find("[partitions: none]") != std::string::npos)
      return;
    steady::rep unset = 0;
    at_.compare_exchange_strong(unset, steady::now().time_since_epoch().count());
  }
  /// The first assignment's time, if there was one.
  std::optional<steady::time_point> at() const {
    const steady::rep t = at_.load();
    if (t == 0) return std::nullopt;
    return steady::time_point(steady::duration(t));
  }

 private:
  std::atomic<steady::rep> at_{0};  // 0: no partitions assigned yet
};

// Starts `ssc` and waits until `counted` reaches `expected` words (at most 120 s); the
// time runs from `from()` when it gives one (the assignment), else from start().
template <class From>
double run_until_counted(ds::streaming_context& ssc, std::atomic<std::int64_t>& counted, std::int64_t expected,
                         const char* what, From from) {
  const auto started = steady::now();
  ssc.start();
  while (counted.load() < expected && seconds_since(started) < 120) std::this_thread::sleep_for(200us);
  const auto t0 = from().value_or(started);
  const double s = seconds_since(t0);
  ssc.stop(true, false);
  if (counted.load() != expected)
    throw std::runtime_error(std::string(what) + " counted " + std::to_string(counted.load()) + " words, not " +
                             std::to_string(expected));
  return s;
}

ds::conf stream_conf(const char* name) { return ds::conf().app_name(name).master("local[2]"); }

double direct_stream(const mock_cluster& c, std::int64_t words, const std::string& group) {
  ds::streaming_context ssc(stream_conf("kafka word count"), 100ms);
  auto records = ds::kafka::direct_stream(
      ssc,
      {{"bootstrap.servers", c.bootstraps()},
       {"group.id", group},
       {"auto.offset.reset", "earliest"},
       {"fetch.wait.max.ms", fetch_wait_ms}},
      {topic});
  auto lines = records | ds::map([](const ds::kafka::record& r) { return r.value; });
  std::atomic<std::int64_t> counted{0};
  word_count(lines, counted);
  assignment_listener assigned;
  ssc.add_listener(assigned);
  return run_until_counted(ssc, counted, words, "the direct stream", [&] { return assigned.at(); });
}

double queue_stream(const std::vector<std::string>& lines, std::int64_t words) {
  ds::streaming_context ssc(stream_conf("in-memory word count"), 100ms);
  ds::rdd_queue<std::string> queue;
  auto stream = ssc.queue_stream(queue);
  std::atomic<std::int64_t> counted{0};
  word_count(stream, counted);
  queue.push(ssc.context().parallelize(lines, partitions));
  return run_until_counted(ssc, counted, words, "the queue stream", [] { return std::optional<steady::time_point>(); });
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  const long per_partition = argc > 1 ? std::atol(argv[1]) : 60000;
  if (per_partition <= 0) {
    std::fprintf(stderr, "usage: kafka_bench [lines a partition > 0, default 60000]\n");
    return 2;
  }
  try {
    const std::size_t count = static_cast<std::size_t>(per_partition) * partitions;
    const auto lines = make_lines(count);
    std::size_t bytes = 0;
    for (const auto& l : lines) bytes += l.size();
    const auto words = static_cast<std::int64_t>(count * words_per_line);
    mock_cluster cluster;
    const auto t0 = steady::now();
    cluster.produce(lines);
    std::printf("kafka: %zu lines (%zu words each, %.1f MB) produced to %d partitions of the mock cluster in %.2f s\n",
                count, words_per_line, static_cast<double>(bytes) / 1e6, partitions, seconds_since(t0));
    double alone = 1e9, stream = 1e9, memory = 1e9;
    for (int run = 0; run < 3; ++run) {
      const std::string n = std::to_string(run);
      alone = std::min(alone, consumer_alone(cluster, count, "bench-alone-" + n));
      stream = std::min(stream, direct_stream(cluster, words, "bench-stream-" + n));
      memory = std::min(memory, queue_stream(lines, words));
    }
    const double n = static_cast<double>(count);
    std::printf("  %-60s %8s %10s\n", "lines/s, fastest of 3 (to the last line counted)", "seconds", "M lines/s");
    std::printf("  %-60s %8.3f %10.2f\n", "librdkafka's consumer alone (the mock cluster's ceiling)", alone, n / alone / 1e6);
    std::printf("  %-60s %8.3f %10.2f\n", "word count, kafka::direct_stream, 100 ms batches, local[2]", stream,
                n / stream / 1e6);
    std::printf("  %-60s %8.3f %10.2f\n", "word count, queue_stream of the same lines, 100 ms batches", memory,
                n / memory / 1e6);
    const double ratio = memory / stream;
    std::printf("  direct_stream / in-memory queue: %.2f (target >= 0.50: %s); direct_stream / consumer alone: %.2f\n",
                ratio, ratio >= 0.5 ? "met" : "NOT met", alone / stream);
    std::printf("  binding: %s\n", alone > memory ? "the mock cluster (its consumer alone is slower than the in-memory count)"
                                                 : "the library (the in-memory count is slower than the consumer alone)");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kafka_bench: %s\n", e.what());
    return 1;
  }
}
