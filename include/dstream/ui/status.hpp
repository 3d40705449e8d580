#pragma once
// What the status page shows, kept by a listener on the context's bus: the recent batches,
// running totals and histograms, receivers and output operations. Its hooks copy a few
// numbers under the listener's own mutex and return; the HTTP thread reads a copy
// (`snapshot()`), so a request never holds up a batch for longer than that copy.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include <dstream/runtime/listener.hpp>
#include <dstream/runtime/time.hpp>

namespace dstream::detail {

/// Milliseconds since the epoch on the wall clock (for "when", never for durations).
inline std::int64_t ui_wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// One batch as the page lists it.
struct ui_batch {
  enum class phase { queued, processing, completed };
  std::int64_t time_ms = 0;
  std::int64_t records = 0;
  std::optional<std::int64_t> scheduling_ms;
  std::optional<std::int64_t> processing_ms;
  std::optional<std::int64_t> total_ms;
  phase state = phase::queued;
  int outputs_done = 0;
  int outputs_failed = 0;
  std::string failure;  // the first failure of the batch (output, checkpoint, input), else empty
  std::string notes;    // input errors and warnings, one a line
};

/// A Prometheus histogram of seconds (the client libraries' default buckets and 1 ms).
struct ui_histogram {
  static constexpr std::array<double, 12> bounds{0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                 0.25,  0.5,   1,    2.5,   5,    10};
  std::array<std::uint64_t, bounds.size()> in_bucket{};  // not cumulative: the bucket of each value
  std::uint64_t count = 0;
  double sum = 0;

  void observe(double seconds) {
    for (std::size_t i = 0; i < bounds.size(); ++i) {
      if (seconds <= bounds[i]) {
        ++in_bucket[i];
        break;
      }
    }
    ++count;
    sum += seconds;
  }
};

struct ui_receiver {
  int stream_id = 0;
  std::string name;
  bool active = false;
  int starts = 0;
  std::uint64_t errors = 0;
  std::string last_error;
  std::int64_t last_error_wall_ms = 0;
};

struct ui_output {
  int id = 0;
  std::string name;
  std::uint64_t runs = 0;
  std::uint64_t failures = 0;
  double seconds = 0;
  std::optional<std::int64_t> last_ms;
};

/// Everything the page, /metrics and the JSON API render, copied out at once.
struct ui_snapshot {
  std::string app_name;
  std::int64_t batch_ms = 0;
  std::int64_t start_wall_ms = 0;
  std::size_t retained = 1000;
  std::deque<ui_batch> completed;              // oldest first, at most `retained`
  std::map<std::int64_t, ui_batch> active;     // queued or processing, by time
  std::uint64_t batches_succeeded = 0;
  std::uint64_t batches_failed = 0;
  std::int64_t records_total = 0;
  std::map<int, std::int64_t> stream_records;  // every batch since start, by input stream
  ui_histogram processing;
  ui_histogram scheduling;
  ui_histogram total;
  std::map<int, ui_receiver> receivers;
  std::map<int, ui_output> outputs;
  std::optional<std::int64_t> last_completed_wall_ms;
};

/// The listener behind the status page. Added to a context's bus before it starts.
class ui_status final : public streaming_listener {
 public:
  ui_status(std::string app_name, duration batch, std::size_t retained) {
    s_.app_name = std::move(app_name);
    s_.batch_ms = batch.count();
    s_.start_wall_ms = ui_wall_ms();
    s_.retained = retained == 0 ? 1 : retained;
  }

  ui_snapshot snapshot() const {
    std::lock_guard lock(m_);
    return s_;
  }

  void on_batch_submitted(const batch_info& b) override {
    ui_batch row;
    row.time_ms = b.time.milliseconds();
    row.records = b.num_records;
    row.notes = notes_of(b);
    std::lock_guard lock(m_);
    s_.active[row.time_ms] = std::move(row);
  }
  void on_batch_started(const batch_info& b) override {
    std::lock_guard lock(m_);
    auto& row = s_.active[b.time.milliseconds()];
    row.time_ms = b.time.milliseconds();
    row.records = b.num_records;
    row.state = ui_batch::phase::processing;
    if (b.scheduling_delay) row.scheduling_ms = b.scheduling_delay->count();
  }
  void on_batch_completed(const batch_info& b) override {
    std::string failure = b.output_failures.empty() ? std::string() : b.output_failures.begin()->second;
    std::string notes = notes_of(b);
    const std::int64_t wall = ui_wall_ms();
    std::lock_guard lock(m_);
    ui_batch row;
    if (auto it = s_.active.find(b.time.milliseconds()); it != s_.active.end()) {
      row = std::move(it->second);
      s_.active.erase(it);
    }
    row.time_ms = b.time.milliseconds();
    row.records = b.num_records;
    row.state = ui_batch::phase::completed;
    if (b.scheduling_delay) row.scheduling_ms = b.scheduling_delay->count();
    if (b.processing_delay) row.processing_ms = b.processing_delay->count();
    if (b.total_delay) row.total_ms = b.total_delay->count();
    row.outputs_failed = static_cast<int>(b.output_failures.size());
    row.failure = std::move(failure);
    row.notes = std::move(notes);
    (row.failure.empty() ? s_.batches_succeeded : s_.batches_failed) += 1;
    s_.records_total += b.num_records;
    for (const auto& [stream, n] : b.stream_records) s_.stream_records[stream] += n;
    if (row.scheduling_ms) s_.scheduling.observe(static_cast<double>(*row.scheduling_ms) / 1000);
    if (row.processing_ms) s_.processing.observe(static_cast<double>(*row.processing_ms) / 1000);
    if (row.total_ms) s_.total.observe(static_cast<double>(*row.total_ms) / 1000);
    s_.last_completed_wall_ms = wall;
    s_.completed.push_back(std::move(row));
    while (s_.completed.size() > s_.retained) s_.completed.pop_front();
  }
  void on_output_operation_completed(const output_operation_info& o) override {
    std::lock_guard lock(m_);
    auto& out = s_.outputs[o.id];
    out.id = o.id;
    if (out.name.empty()) out.name = o.name;
    ++out.runs;
    if (o.failure) ++out.failures;
    if (o.duration_taken) {
      out.seconds += static_cast<double>(o.duration_taken->count()) / 1000;
      out.last_ms = o.duration_taken->count();
    }
    if (auto it = s_.active.find(o.time.milliseconds()); it != s_.active.end()) {
      ++it->second.outputs_done;
      if (o.failure && it->second.failure.empty()) it->second.failure = *o.failure;
    }
  }
  void on_receiver_started(const receiver_info& r) override {
    std::lock_guard lock(m_);
    auto& rec = receiver(r);
    rec.active = true;
    ++rec.starts;
  }
  void on_receiver_stopped(const receiver_info& r) override {
    std::lock_guard lock(m_);
    receiver(r).active = false;
  }
  void on_receiver_error(const receiver_info& r) override {
    const std::int64_t wall = ui_wall_ms();
    std::lock_guard lock(m_);
    auto& rec = receiver(r);
    ++rec.errors;
    rec.last_error = r.last_error;
    rec.last_error_wall_ms = wall;
  }

 private:
  static std::string notes_of(const batch_info& b) {
    std::string n;
    for (const auto& e : b.input_errors) n += e + '\n';
    for (const auto& w : b.warnings) n += w + '\n';
    return n;
  }
  ui_receiver& receiver(const receiver_info& r) {
    auto& rec = s_.receivers[r.stream_id];
    rec.stream_id = r.stream_id;
    rec.name = r.name;
    return rec;
  }

  mutable std::mutex m_;
  ui_snapshot s_;
};

}  // namespace dstream::detail
