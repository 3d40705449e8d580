#pragma once
// The status page's machine-readable views of a snapshot: Prometheus' text exposition
// format (version 0.0.4) for /metrics, and JSON shaped like Spark's streaming REST API
// (statistics, batches, receivers). Every user string (app, stream, operator names, error
// messages) goes through an escape of its format; bytes that are not UTF-8 become U+FFFD.

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include <dstream/ui/status.hpp>

namespace dstream::detail {

/// `s` with every byte sequence that is not well-formed UTF-8 replaced by U+FFFD.
inline std::string ui_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = len != 0 && i + len <= s.size() && !(len == 2 && c < 0xC2) && !(len == 4 && c > 0xF4);
    for (std::size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) >> 6) == 0x2;
    if (ok && len == 3) {
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);  // overlong, surrogate
    }
    if (ok && len == 4) {
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
    }
    if (ok) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

/// `s` as a JSON string literal, quotes included; `<`, `>` and `&` are escaped too, so the
/// text is inert wherever it is pasted.
inline std::string ui_json_string(std::string_view s) {
  std::string out = "\"";
  for (char ch : ui_utf8(s)) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || ch == '<' || ch == '>' || ch == '&') {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  return out + '"';
}

/// A Prometheus label value: backslash, double quote and newline escaped.
inline std::string ui_label(std::string_view s) {
  std::string out;
  for (char ch : ui_utf8(s)) {
    if (ch == '\\') out += "\\\\";
    else if (ch == '"') out += "\\\"";
    else if (ch == '\n') out += "\\n";
    else out += ch;
  }
  return out;
}

/// A number as JSON and Prometheus write it (no exponent for what the page shows).
inline std::string ui_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

/// A running total for Prometheus: enough digits that scrapes see it grow.
inline std::string ui_total(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.12g", v);
  return buf;
}

/// A time as Spark's REST API writes it: `2015-03-10T22:36:55.000GMT`.
inline std::string ui_gmt(std::int64_t ms) {
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dGMT", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(((ms % 1000) + 1000) % 1000));
  return buf;
}

/// Records per second of a batch (Spark's input rate: records over the batch interval).
inline double ui_rate(const ui_snapshot& s, const ui_batch& b) {
  return s.batch_ms > 0 ? static_cast<double>(b.records) * 1000.0 / static_cast<double>(s.batch_ms) : 0;
}

/// GET /metrics.
inline std::string ui_metrics(const ui_snapshot& s) {
  std::string o;
  auto family = [&](const char* name, const char* type, const char* help) {
    o += std::string("# HELP ") + name + ' ' + help + "\n# TYPE " + name + ' ' + type + '\n';
  };
  family("dstream_records_total", "counter", "Records received by an input stream, over all completed batches.");
  for (const auto& [stream, n] : s.stream_records)
    o += "dstream_records_total{stream=\"" + std::to_string(stream) + "\"} " + std::to_string(n) + '\n';
  family("dstream_batches_total", "counter", "Completed batches, by outcome.");
  o += "dstream_batches_total{status=\"succeeded\"} " + std::to_string(s.batches_succeeded) + '\n';
  o += "dstream_batches_total{status=\"failed\"} " + std::to_string(s.batches_failed) + '\n';
  auto histogram = [&](const char* name, const char* help, const ui_histogram& h) {
    family(name, "histogram", help);
    std::uint64_t below = 0;
    for (std::size_t i = 0; i < h.bounds.size(); ++i) {
      below += h.in_bucket[i];
      o += std::string(name) + "_bucket{le=\"" + ui_number(h.bounds[i]) + "\"} " + std::to_string(below) + '\n';
    }
    o += std::string(name) + "_bucket{le=\"+Inf\"} " + std::to_string(h.count) + '\n';
    o += std::string(name) + "_sum " + ui_total(h.sum) + '\n';
    o += std::string(name) + "_count " + std::to_string(h.count) + '\n';
  };
  histogram("dstream_batch_processing_seconds", "Time from the start to the end of a batch's processing.",
            s.processing);
  histogram("dstream_batch_scheduling_delay_seconds", "Time a batch waited between submission and start.",
            s.scheduling);
  histogram("dstream_batch_total_delay_seconds", "Time from a batch's time to the end of its processing.", s.total);
  family("dstream_batches_active", "gauge", "Batches queued or being processed.");
  o += "dstream_batches_active " + std::to_string(s.active.size()) + '\n';
  family("dstream_batch_interval_seconds", "gauge", "The batch interval.");
  o += "dstream_batch_interval_seconds " + ui_number(static_cast<double>(s.batch_ms) / 1000) + '\n';
  family("dstream_receiver_active", "gauge", "1 when the receiver of a stream runs, else 0.");
  for (const auto& [id, r] : s.receivers)
    o += "dstream_receiver_active{stream=\"" + std::to_string(id) + "\",name=\"" + ui_label(r.name) + "\"} " +
         (r.active ? "1" : "0") + '\n';
  family("dstream_receiver_restarts_total", "counter", "Times a receiver was started again after its first start.");
  for (const auto& [id, r] : s.receivers)
    o += "dstream_receiver_restarts_total{stream=\"" + std::to_string(id) + "\",name=\"" + ui_label(r.name) + "\"} " +
         std::to_string(r.starts > 0 ? r.starts - 1 : 0) + '\n';
  family("dstream_receiver_errors_total", "counter", "Errors a receiver reported.");
  for (const auto& [id, r] : s.receivers)
    o += "dstream_receiver_errors_total{stream=\"" + std::to_string(id) + "\",name=\"" + ui_label(r.name) + "\"} " +
         std::to_string(r.errors) + '\n';
  family("dstream_output_operation_seconds_total", "counter", "Time spent in an output operation, all batches.");
  for (const auto& [id, out] : s.outputs)
    o += "dstream_output_operation_seconds_total{output=\"" + std::to_string(id) + "\",name=\"" + ui_label(out.name) +
         "\"} " + ui_total(out.seconds) + '\n';
  family("dstream_output_operation_failures_total", "counter", "Failed runs of an output operation.");
  for (const auto& [id, out] : s.outputs)
    o += "dstream_output_operation_failures_total{output=\"" + std::to_string(id) + "\",name=\"" +
         ui_label(out.name) + "\"} " + std::to_string(out.failures) + '\n';
  if (s.last_completed_wall_ms) {
    family("dstream_last_batch_completed_timestamp_seconds", "gauge", "Wall time the last batch completed.");
    o += "dstream_last_batch_completed_timestamp_seconds " +
         std::to_string(*s.last_completed_wall_ms / 1000) + '\n';
  }
  return o;
}

/// GET /api/v1/streaming/statistics: Spark's StreamingStatistics.
inline std::string ui_json_statistics(const ui_snapshot& s) {
  int active = 0;
  for (const auto& [id, r] : s.receivers) active += r.active ? 1 : 0;
  std::string o = "{\"startTime\":" + ui_json_string(ui_gmt(s.start_wall_ms)) +
                  ",\"batchDuration\":" + std::to_string(s.batch_ms) +
                  ",\"numReceivers\":" + std::to_string(s.receivers.size()) +
                  ",\"numActiveReceivers\":" + std::to_string(active) +
                  ",\"numInactiveReceivers\":" + std::to_string(static_cast<int>(s.receivers.size()) - active) +
                  ",\"numTotalCompletedBatches\":" + std::to_string(s.batches_succeeded + s.batches_failed) +
                  ",\"numRetainedCompletedBatches\":" + std::to_string(s.completed.size()) +
                  ",\"numActiveBatches\":" + std::to_string(s.active.size()) +
                  ",\"numProcessedRecords\":" + std::to_string(s.records_total) +
                  ",\"numReceivedRecords\":" + std::to_string(s.records_total);
  if (!s.completed.empty()) {
    double rate = 0, sched = 0, proc = 0, total = 0;
    for (const auto& b : s.completed) {
      rate += ui_rate(s, b);
      sched += static_cast<double>(b.scheduling_ms.value_or(0));
      proc += static_cast<double>(b.processing_ms.value_or(0));
      total += static_cast<double>(b.total_ms.value_or(0));
    }
    const double n = static_cast<double>(s.completed.size());
    o += ",\"avgInputRate\":" + ui_number(rate / n) + ",\"avgSchedulingDelay\":" + ui_number(sched / n) +
         ",\"avgProcessingTime\":" + ui_number(proc / n) + ",\"avgTotalDelay\":" + ui_number(total / n);
  }
  return o + "}";
}

inline std::string ui_json_batch(const ui_snapshot& s, const ui_batch& b) {
  const char* status = b.state == ui_batch::phase::completed    ? "COMPLETED"
                       : b.state == ui_batch::phase::processing ? "PROCESSING"
                                                                : "QUEUED";
  const int total = static_cast<int>(s.outputs.size());
  std::string o = "{\"batchId\":" + std::to_string(b.time_ms) + ",\"batchTime\":" +
                  ui_json_string(ui_gmt(b.time_ms)) + ",\"status\":\"" + status +
                  "\",\"batchDuration\":" + std::to_string(s.batch_ms) + ",\"inputSize\":" +
                  std::to_string(b.records);
  if (b.scheduling_ms) o += ",\"schedulingDelay\":" + std::to_string(*b.scheduling_ms);
  if (b.processing_ms) o += ",\"processingTime\":" + std::to_string(*b.processing_ms);
  if (b.total_ms) o += ",\"totalDelay\":" + std::to_string(*b.total_ms);
  const int done = b.state == ui_batch::phase::completed ? total : b.outputs_done;
  o += ",\"numActiveOutputOps\":" + std::to_string(b.state == ui_batch::phase::processing ? total - done : 0) +
       ",\"numCompletedOutputOps\":" + std::to_string(done - b.outputs_failed) +
       ",\"numFailedOutputOps\":" + std::to_string(b.outputs_failed) + ",\"numTotalOutputOps\":" +
       std::to_string(total);
  if (!b.failure.empty()) o += ",\"firstFailureReason\":" + ui_json_string(b.failure);
  return o + "}";
}

/// GET /api/v1/streaming/batches: newest first, as Spark lists them.
inline std::string ui_json_batches(const ui_snapshot& s) {
  std::string o = "[";
  auto add = [&](const ui_batch& b) {
    if (o.size() > 1) o += ',';
    o += ui_json_batch(s, b);
  };
  for (auto it = s.active.rbegin(); it != s.active.rend(); ++it) add(it->second);
  for (auto it = s.completed.rbegin(); it != s.completed.rend(); ++it) add(*it);
  return o + "]";
}

/// GET /api/v1/streaming/receivers: Spark's ReceiverInfo, one per receiver.
inline std::string ui_json_receivers(const ui_snapshot& s, const std::string& host) {
  std::string o = "[";
  for (const auto& [id, r] : s.receivers) {
    if (o.size() > 1) o += ',';
    // Records per second over every completed batch (Spark averages its retained ones).
    const auto batches = s.batches_succeeded + s.batches_failed;
    const auto it = s.stream_records.find(id);
    const double rate = batches == 0 || s.batch_ms <= 0 || it == s.stream_records.end()
                            ? 0
                            : static_cast<double>(it->second) * 1000.0 /
                                  (static_cast<double>(batches) * static_cast<double>(s.batch_ms));
    o += "{\"streamId\":" + std::to_string(id) + ",\"streamName\":" + ui_json_string(r.name) +
         ",\"isActive\":" + (r.active ? "true" : "false") + ",\"executorId\":\"driver\",\"executorHost\":" +
         ui_json_string(host) + ",\"avgEventRate\":" + ui_number(rate);
    if (r.errors > 0)
      o += ",\"lastErrorTime\":" + ui_json_string(ui_gmt(r.last_error_wall_ms)) +
           ",\"lastErrorMessage\":" + ui_json_string(r.last_error) + ",\"lastError\":" + ui_json_string(r.last_error);
    o += "}";
  }
  return o + "]";
}

}  // namespace dstream::detail
