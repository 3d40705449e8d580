// kafka_word_count: counts the words of the lines of a Kafka topic in 1 second batches and
// prints each batch's counts (the guide's KafkaWordCount.py, on a direct stream).
//
//   kafka_word_count <bootstrap-servers> <topic> [--group G] [--seconds N]
//   kafka_word_count --demo [--seconds N]
//
// The consumer group defaults to "dstream-kafka-word-count"; run the program twice with the
// same --group and the two processes split the topic's partitions. With --demo it starts
// librdkafka's in-process mock cluster (the Kafka protocol on loopback, no broker to
// install), a topic "lines" of 4 partitions and a producer of sample lines, so it runs on a
// fresh machine. It runs until Ctrl-C / SIGTERM (or N seconds), then stops gracefully.

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <dstream/dstream.hpp>
#include <dstream/kafka.hpp>

#include "example_support.hpp"

namespace ds = dstream;
using namespace std::chrono_literals;

namespace {

/// The mock cluster of --demo and a producer writing sample lines to its topic "lines".
class demo_cluster {
 public:
  demo_cluster() {
    char err[512];
    rd_kafka_conf_t* c = rd_kafka_conf_new();
    rd_kafka_conf_set(c, "log_level", "3", err, sizeof err);
    owner_ = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err);
    if (!owner_) throw std::runtime_error(std::string("cannot create a Kafka client: ") + err);
    cluster_ = rd_kafka_mock_cluster_new(owner_, 3);
    if (!cluster_) throw std::runtime_error("cannot start librdkafka's mock cluster");
    rd_kafka_mock_topic_create(cluster_, "lines", 4, 1);
    rd_kafka_conf_t* pc = rd_kafka_conf_new();
    rd_kafka_conf_set(pc, "bootstrap.servers", bootstraps().c_str(), err, sizeof err);
    producer_ = rd_kafka_new(RD_KAFKA_PRODUCER, pc, err, sizeof err);
    if (!producer_) throw std::runtime_error(std::string("cannot create the demo producer: ") + err);
    topic_ = rd_kafka_topic_new(producer_, "lines", nullptr);
  }
  ~demo_cluster() {
    rd_kafka_flush(producer_, 5000);
    rd_kafka_topic_destroy(topic_);
    rd_kafka_destroy(producer_);
    rd_kafka_mock_cluster_destroy(cluster_);
    rd_kafka_destroy(owner_);
  }
  std::string bootstraps() const { return rd_kafka_mock_cluster_bootstraps(cluster_); }

  /// Produces the next sample line (keyed by its number, so the partitions share them).
  void produce_line() {
    static constexpr std::string_view samples[] = {
        "to be or not to be", "that is the question", "the quick brown fox jumps over the lazy dog",
        "a stream is a sequence of batches", "kafka keeps the records the stream reads"};
    const std::string key = std::to_string(n_);
    std::string_view line = samples[n_ % std::size(samples)];
    ++n_;
    rd_kafka_produce(topic_, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, const_cast<char*>(line.data()), line.size(),
                     key.data(), key.size(), nullptr);
    rd_kafka_poll(producer_, 0);
  }

 private:
  rd_kafka_t* owner_ = nullptr;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
  rd_kafka_t* producer_ = nullptr;
  rd_kafka_topic_t* topic_ = nullptr;
  std::uint64_t n_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  const example::command_line args(
      "kafka_word_count",
      "Usage: kafka_word_count <bootstrap-servers> <topic> [--group G] [--seconds N]\n"
      "       kafka_word_count --demo [--seconds N]\n",
      argc, argv, {"--seconds", "--group"});
  const bool demo = !args.positional().empty() && args.positional()[0] == "--demo";
  args.expect_positional(demo ? 1 : 2, demo ? 1 : 2);
  const double seconds = args.run_seconds();  // 0: until a signal
  const std::string group = args.option_or("--group", "dstream-kafka-word-count");

  try {
    std::unique_ptr<demo_cluster> cluster;
    std::string servers, topic;
    if (demo) {
      cluster = std::make_unique<demo_cluster>();
      servers = cluster->bootstraps();
      topic = "lines";
      std::cerr << "kafka_word_count: demo cluster at " << servers << ", topic lines (4 partitions)\n";
    } else {
      servers = std::string(args.positional()[0]);
      topic = std::string(args.positional()[1]);
    }
    ds::streaming_context ssc(ds::conf().app_name("KafkaWordCount").master("local[2]")
                                        .set("dstream.streaming.stop_gracefully_on_shutdown", "true"), 1s);
    auto records = ds::kafka::direct_stream(
        ssc, {{"bootstrap.servers", servers}, {"group.id", group}, {"auto.offset.reset", "earliest"}}, {topic});

    // kvs.map(lambda x: x[1]): the record's value is the line.
    auto counts = records
        | ds::flat_map([](const ds::kafka::record& r) { return ds::split(r.value, ' '); })
        | ds::map([](std::string_view word) { return std::pair{word, 1}; })
        | ds::reduce_by_key(std::plus<>{});
    counts | ds::pprint();

    ssc.start();
    std::function<void()> tick;
    if (cluster) tick = [&] {
      for (int i = 0; i < 20; ++i) cluster->produce_line();  // 200 lines a second
    };
    example::run_until_stopped(ssc, seconds, tick);
  } catch (const std::exception& e) {
    std::cerr << "kafka_word_count: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
