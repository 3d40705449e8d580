#pragma once
// The listener bus: what happens to batches, output operations and receivers, reported to
// user listeners (Spark's StreamingListener). Events are delivered in order, one at a
// time, on the thread that raised them; a listener that throws is logged and ignored.

#include <cstdint>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <dstream/detail/config.hpp>
#include <dstream/runtime/time.hpp>

namespace dstream {

/// A batch as listeners see it.
struct batch_info {
  batch_time time;
  /// Records received by all inputs for this batch.
  std::int64_t num_records = 0;
  /// The same records by input stream id (an input that took none is absent).
  std::map<int, std::int64_t> stream_records;
  /// From submission to the start of processing.
  std::optional<duration> scheduling_delay;
  /// From the start to the end of processing.
  std::optional<duration> processing_delay;
  /// From the batch time to the end of processing.
  std::optional<duration> total_delay;
  /// The failure message of each failed output operation, by output id.
  std::map<int, std::string> output_failures;
  /// Problems the inputs met while taking this batch's data (a file that vanished or
  /// cannot be read, an input that threw), each naming the input and the place.
  std::vector<std::string> input_errors;
  /// What the context noticed about this batch that needs attention (it waited more than
  /// three batch intervals to start: the stream is falling behind its input).
  std::vector<std::string> warnings;
};

/// One output operation (pprint, save_as_text_files, foreach_rdd ...) of one batch.
struct output_operation_info {
  batch_time time;
  int id = 0;
  std::string name;
  std::optional<duration> duration_taken;
  std::optional<std::string> failure;
};

/// A receiver as listeners see it.
struct receiver_info {
  int stream_id = 0;
  std::string name;
  bool active = false;
  std::string last_error;
};

/// Base class of user listeners: override what you need (every hook does nothing).
class streaming_listener {
 public:
  virtual ~streaming_listener() = default;
  virtual void on_batch_submitted(const batch_info&) {}
  virtual void on_batch_started(const batch_info&) {}
  virtual void on_batch_completed(const batch_info&) {}
  virtual void on_output_operation_started(const output_operation_info&) {}
  virtual void on_output_operation_completed(const output_operation_info&) {}
  virtual void on_receiver_started(const receiver_info&) {}
  virtual void on_receiver_stopped(const receiver_info&) {}
  virtual void on_receiver_error(const receiver_info&) {}
};

/// Delivers events to the listeners of one streaming context, one at a time, in order; a
/// listener that throws is logged and ignored.
class listener_bus {
 public:
  void add(streaming_listener& l) {
    std::lock_guard lock(m_);
    listeners_.push_back(&l);
  }
  /// Stops delivering to `l` (a listener that goes away before the bus).
  void remove(streaming_listener& l) {
    std::lock_guard lock(m_);
    std::erase(listeners_, &l);
  }

  template <class Event, class Info>
  void post(Event event, const Info& info) {
    std::lock_guard lock(m_);
    for (streaming_listener* l : listeners_) {
      try {
        (l->*event)(info);
      } catch (const std::exception& e) {
        report_throw(e.what());
      } catch (...) {
        report_throw(nullptr);
      }
    }
  }

 private:
  // Logs a listener's exception (`what`, or null for one that is not a std::exception).
  static void report_throw(const char* what);

  std::mutex m_;
  std::vector<streaming_listener*> listeners_;
};

namespace detail {

/// The bus of the streaming context whose runtime thread (job generator, executor,
/// receiver supervisor) is the current thread, else null: such a thread cannot wait for
/// its own context to stop.
inline thread_local const listener_bus* current_bus = nullptr;

}  // namespace detail
}  // namespace dstream

#ifdef DSTREAM_HEADER_ONLY
#include <dstream/runtime/impl/listener.ipp>
#endif
