// The processes of the multi-process Kafka tests (driven by kafka_processes.py).
//
//   kafka_worker cluster <topic> <partitions>
//       starts librdkafka's mock cluster, creates the topic, prints its bootstrap servers
//       on stdout, then reads commands on stdin: `produce FIRST LAST` produces records
//       k<i> → w<i % 37> for i in [FIRST, LAST), record i to partition i % partitions,
//       and answers `ok`; end of input stops it.
//   kafka_worker totals <bootstraps> <topic> <group> <checkpoint dir> <result file>
//       word totals of the values with update_state_by_key, recovered with get_or_create;
//       after each batch the whole state goes to <result file> atomically ("word count").
//   kafka_worker log <bootstraps> <topic> <group> <checkpoint dir> <result file>
//       appends the key of every record of every batch to <result file>, one a line.
//   kafka_worker sql <bootstraps> <topic> <group> <checkpoint dir> <SQLite file>
//       Kafka into a database: each batch's word counts added to the table `added`
//       (ds::sql::upsert, ds::sql::add: a replayed batch must not add twice), and the
//       update_state_by_key totals set in the table `totals` (ds::sql::set); the driver
//       creates both tables (word TEXT PRIMARY KEY, n INTEGER).
// The consumers run until SIGTERM / SIGINT (then stop gracefully); batches of 200 ms.

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numeric>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <dstream/dstream.hpp>
#include <dstream/kafka.hpp>
#include <dstream/sql.hpp>

namespace ds = dstream;

namespace {

std::atomic<bool> stop_requested{false};
void on_signal(int) { stop_requested = true; }

int cluster(const std::string& topic, int partitions) {
  char err[512];
  rd_kafka_conf_t* c = rd_kafka_conf_new();
  rd_kafka_conf_set(c, "log_level", "0", err, sizeof err);
  rd_kafka_t* owner = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err);
  rd_kafka_mock_cluster_t* mc = owner ? rd_kafka_mock_cluster_new(owner, 3) : nullptr;
  if (!mc) {
    std::cerr << "kafka_worker: cannot start the mock cluster: " << err << '\n';
    return 1;
  }
  rd_kafka_mock_topic_create(mc, topic.c_str(), partitions, 1);
  const std::string servers = rd_kafka_mock_cluster_bootstraps(mc);
  rd_kafka_conf_t* pc = rd_kafka_conf_new();
  rd_kafka_conf_set(pc, "bootstrap.servers", servers.c_str(), err, sizeof err);
  rd_kafka_conf_set(pc, "log_level", "0", err, sizeof err);
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, pc, err, sizeof err);
  rd_kafka_topic_t* t = rd_kafka_topic_new(producer, topic.c_str(), nullptr);
  std::cout << servers << std::endl;
  std::string cmd;
  long first = 0, last = 0;
  while (std::cin >> cmd >> first >> last) {
    for (long i = first; i < last; ++i) {
      std::string key = "k", value = "w";  // (not "k" + s: g++ 12 -O3 warns falsely about it)
      key += std::to_string(i);
      value += std::to_string(i % 37);
      while (rd_kafka_produce(t, static_cast<std::int32_t>(i % partitions), RD_KAFKA_MSG_F_COPY,
                              const_cast<char*>(value.data()), value.size(), key.data(), key.size(), nullptr) != 0)
        rd_kafka_poll(producer, 10);
    }
    const bool ok = rd_kafka_flush(producer, 30000) == RD_KAFKA_RESP_ERR_NO_ERROR;
    std::cout << (ok ? "ok" : "failed") << std::endl;
  }
  rd_kafka_topic_destroy(t);
  rd_kafka_destroy(producer);
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(owner);
  return 0;
}

void write_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << text;
  }
  std::filesystem::rename(tmp, path);
}

int consume(const std::string& mode, const std::string& servers, const std::string& topic, const std::string& group,
            const std::string& ckpt, const std::string& result) {
  using namespace std::chrono_literals;
  auto ssc = ds::streaming_context::get_or_create(ckpt, [&] {
    ds::streaming_context s(
        ds::conf().app_name("kafka worker").master("local[2]").set("dstream.checkpoint.interval", "200ms"), 200ms);
    s.checkpoint(ckpt);
    ds::kafka::config props{{"bootstrap.servers", servers},
                            {"group.id", group},
                            {"auto.offset.reset", "earliest"},
                            {"session.timeout.ms", "6000"},
                            {"heartbeat.interval.ms", "500"},
                            {"log_level", "0"}};
    // A restarted word total waits for its killed predecessor's session to time out before
    // the group assigns it the partitions: 3 s instead of 6 keeps six kills quick. (The mock
    // cluster of librdkafka 2.0.2 does not shorten this with group.instance.id.)
    if (mode != "log") props["session.timeout.ms"] = "3000";
    auto records = ds::kafka::direct_stream(s, props, {topic});
    if (mode == "sql") {
      const std::string db = "sqlite://" + result;
      auto words = records | ds::map([](const ds::kafka::record& r) { return std::pair{r.value, std::int64_t(1)}; });
      words | ds::reduce_by_key(std::plus<>{}) | ds::sql::upsert(db, "added", {"word", "n"}, ds::sql::add);
      words |
          ds::update_state_by_key([](std::span<const std::int64_t> vs, std::optional<std::int64_t> st) {
            return std::optional<std::int64_t>(st.value_or(0) + std::accumulate(vs.begin(), vs.end(), std::int64_t(0)));
          }) |
          ds::named("totals") | ds::sql::upsert(db, "totals", {"word", "n"}, ds::sql::set);
    } else if (mode == "totals") {
      auto totals = records | ds::map([](const ds::kafka::record& r) { return std::pair{r.value, std::int64_t(1)}; }) |
                    ds::update_state_by_key([](std::span<const std::int64_t> vs, std::optional<std::int64_t> st) {
                      return std::optional<std::int64_t>(st.value_or(0) +
                                                         std::accumulate(vs.begin(), vs.end(), std::int64_t(0)));
                    }) |
                    ds::named("totals");
      totals | ds::foreach_rdd([result](ds::rdd<std::pair<std::string, std::int64_t>>& r) {
        std::string text;
        for (auto& [w, n] : r | ds::collect()) text += w + " " + std::to_string(n) + "\n";
        write_atomically(result, text);  // the whole state: writing it again is harmless
      });
    } else {
      records | ds::foreach_rdd([result](ds::rdd<ds::kafka::owned_record>& r) {
        std::string text;
        for (auto& x : r | ds::collect()) text += x.key + " " + std::to_string(x.partition) + "\n";
        std::ofstream out(result, std::ios::app);
        out << text << std::flush;
      });
    }
    return s;
  });
  std::cerr << "kafka_worker: " << (ssc.recovered() ? "recovered from " : "fresh start in ") << ckpt << '\n';
  ssc.start();
  while (!stop_requested)
    if (ssc.await_termination_or_timeout(50ms)) return 0;
  ssc.stop(true, true);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  const std::vector<std::string> a(argv + 1, argv + argc);
  try {
    if (a.size() == 3 && a[0] == "cluster") return cluster(a[1], std::stoi(a[2]));
    if (a.size() == 6 && (a[0] == "totals" || a[0] == "log" || a[0] == "sql")) return consume(a[0], a[1], a[2], a[3], a[4], a[5]);
  } catch (const std::exception& e) {
    std::cerr << "kafka_worker: " << e.what() << '\n';
    return 1;
  }
  std::cerr << "usage: kafka_worker cluster <topic> <partitions> | "
               "kafka_worker totals|log|sql <bootstraps> <topic> <group> <checkpoint dir> <result file>\n";
  return 2;
}
