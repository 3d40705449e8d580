#pragma once
// <dstream/kafka.hpp>: Kafka in and out through librdkafka. Link with `-lrdkafka`
// (Debian's librdkafka-dev; Meson: `dependency('rdkafka')`); the rest of the library
// needs no librdkafka.
//
// In: `ds::kafka::direct_stream(ssc, {{"bootstrap.servers", b}, {"group.id", g}}, {"topic"})`
// is a `dstream<ds::kafka::record>` in the manner of Spark's direct stream: each batch is
// one offset range per assigned partition (one rdd partition each); a consumer thread
// fetches while batches run; offsets are committed to the group only after every output
// of the batch succeeded, and the ranges are kept in checkpoints, so a context recovered
// with `get_or_create` resumes exactly after the last completed batch and a batch cut
// short by a crash runs again with the same records. Processes with the same `group.id`
// split the topics' partitions between them; a partition assigned later starts from the
// group's committed offset. After each rebalance, listeners get `on_receiver_started` with
// the partitions now assigned at the end of the name (`... [partitions: t-0 t-1]`).
// Problems (an unreachable broker, an unknown topic) go to the log and to listeners
// (`on_receiver_error`, and the batch's `input_errors`), naming the broker or topic; the
// consumer keeps trying and nothing is lost.
// Settings: `dstream.kafka.max_rate_per_partition` (records per second and partition a
// batch takes at most); `dstream.backpressure.max_bytes` bounds the bytes fetched ahead.
//
// Out: `stream | ds::kafka::send(props, topic [, key_fn])` (see kafka/send.hpp).

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <dstream/kafka/direct_input.hpp>
#include <dstream/kafka/record.hpp>
#include <dstream/kafka/send.hpp>
#include <dstream/streaming_context.hpp>

namespace dstream::kafka {

/// A stream of the records of `topics` (Spark's `KafkaUtils.createDirectStream`); see the
/// top of this header. `props` are librdkafka's consumer properties and need `group.id`;
/// `enable.auto.commit` is the stream's own business. Bad properties throw
/// `std::invalid_argument` naming the property.
///
/// Signature: `direct_stream(ssc, props, topics)` → `dstream<ds::kafka::record>`.
///
/// Example: `auto lines = ds::kafka::direct_stream(ssc, {{"bootstrap.servers", "localhost:9092"},
///                                                        {"group.id", "word-count"}}, {"lines"});`
inline dstream<record> direct_stream(streaming_context& ssc, config props, std::vector<std::string> topics) {
  return ssc.add_input(std::make_unique<detail::direct_input>(std::move(props), std::move(topics)));
}

}  // namespace dstream::kafka
