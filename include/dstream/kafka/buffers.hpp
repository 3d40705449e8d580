#pragma once
// What the Kafka direct stream keeps between the consumer thread and the batches: the
// messages fetched ahead per partition, a batch's offset ranges, and the storage a batch's
// records view.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include <librdkafka/rdkafka.h>

#include <dstream/kafka/record.hpp>

namespace dstream::kafka::detail {

/// The records [from, until) of one partition of a topic.
struct offset_range {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t from = 0;
  std::int64_t until = 0;
};

/// The bytes of one rdd partition: its records view `bytes`.
struct batch_storage {
  std::string topic;
  std::string bytes;
  std::vector<record> records;
  struct span {
    std::size_t at, key, value;
  };
  std::vector<span> spans;
  void fix_views() {
    const std::string_view all(bytes);
    for (std::size_t i = 0; i < records.size(); ++i) {
      records[i].topic = topic;
      records[i].key = all.substr(spans[i].at, spans[i].key);
      records[i].value = all.substr(spans[i].at + spans[i].key, spans[i].value);
    }
    spans.clear();
    spans.shrink_to_fit();
  }
};

/// The messages of one partition fetched ahead of the batches, and where its next batch starts.
struct part_buffer {
  std::deque<rd_kafka_message_t*> buf;
  std::size_t bytes = 0;
  std::int64_t next = -1;  // where the next batch starts; -1 until known
  std::int64_t seen = -1;  // one past the newest offset fetched
  bool assigned = false;
  bool paused = false;
};

// Records below where the next batch starts were taken already (fetched again after a
// reconnect or a seek): never twice.
inline void drop_before_next(part_buffer& p) {
  while (p.next >= 0 && !p.buf.empty() && p.buf.front()->offset < p.next) {
    p.bytes -= p.buf.front()->key_len + p.buf.front()->len;
    rd_kafka_message_destroy(p.buf.front());
    p.buf.pop_front();
  }
}

}  // namespace dstream::kafka::detail
