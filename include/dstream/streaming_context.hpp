#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include <dstream/batch/conf.hpp>
#include <dstream/batch/context.hpp>
#include <dstream/batch/rdd.hpp>
#include <dstream/checkpoint/checkpoint.hpp>
#include <dstream/detail/access.hpp>
#include <dstream/detail/config.hpp>
#include <dstream/detail/paths.hpp>
#include <dstream/io/queue_stream.hpp>
#include <dstream/io/receiver_stream.hpp>
#include <dstream/runtime/clock.hpp>
#include <dstream/runtime/listener.hpp>
#include <dstream/runtime/receiver.hpp>
#include <dstream/runtime/time.hpp>
#include <dstream/stream/dstream.hpp>
#include <dstream/stream/input.hpp>
#include <dstream/stream/input_node.hpp>
#include <dstream/stream/scheduler.hpp>

namespace dstream {

class streaming_context;

namespace detail {

/// The status page of a running context, as the context holds it (see <dstream/ui.hpp>).
struct ui_service {
  virtual ~ui_service() = default;
  virtual std::string url() const = 0;
  virtual void stop() = 0;
};

/// Starts the status page of a context; set by <dstream/ui.hpp>, so that only a program
/// that includes it pulls in Boost.Beast. Null otherwise.
inline std::unique_ptr<ui_service> (*ui_starter)(streaming_context&) = nullptr;

}  // namespace detail

/// The entry point of streaming (Spark's `StreamingContext`): sources, the batch clock,
/// the lifecycle.
///
/// Signature: `streaming_context(conf, duration batch)` or `streaming_context(context&, duration batch)`.
/// A movable handle, not copyable; destroying it stops the streams (not a shared `context`).
///
/// Example:
/// `ds::streaming_context ssc(ds::conf().master("local[2]"), 1s);`
/// `ssc.socket_text_stream("localhost", 9999) | ds::flat_map(split) | ds::pprint();`
/// `ssc.start(); ssc.await_termination();`
class streaming_context {
 public:
  streaming_context(::dstream::conf c, duration batch);
  streaming_context(::dstream::context& ctx, duration batch);

  streaming_context(const streaming_context&) = delete;
  streaming_context& operator=(const streaming_context&) = delete;
  streaming_context(streaming_context&& o) noexcept;
  streaming_context& operator=(streaming_context&& o) noexcept;
  ~streaming_context();

  ::dstream::context& context();
  duration batch_duration() const;

  /// Recovers a context from the newest complete checkpoint under `dir`, or creates it:
  /// `factory()` builds the graph (and calls `checkpoint(dir)`) either way; on recovery
  /// the state of stateful operators, the inputs' positions and the batches pending at
  /// the crash come back when `start()` runs. A corrupt checkpoint is reported with its
  /// path and the previous complete one is used.
  template <class Factory>
  static streaming_context get_or_create(const std::string& dir, Factory factory) {
    auto cp = detail::read_latest_checkpoint(detail::local_path("ds::streaming_context::get_or_create", dir));
    streaming_context ssc = factory();
    if (ssc.sched_->checkpoint_dir().empty()) ssc.checkpoint(dir);
    if (cp) ssc.sched_->set_recovery(std::move(*cp));
    return ssc;
  }
  /// True when `get_or_create` found a checkpoint to recover from.
  bool recovered() const;

  // ---- sources -------------------------------------------------------------------------

  /// Registers a source (see `ds::input<T>`, stream/input.hpp); returns its stream.
  ///
  /// Example: `auto s = ssc.add_input(std::make_unique<my_input>(args));`
  template <class I>
    requires std::is_base_of_v<input<typename I::value_type>, I>
  dstream<typename I::value_type> add_input(std::unique_ptr<I> in) {
    using T = typename I::value_type;
    sched_->check_building("ds::streaming_context::add_input");
    auto n = std::make_shared<detail::input_node<T>>(*sched_, std::unique_ptr<input<T>>(std::move(in)));
    sched_->add_input(n, n.get());
    return detail::stream_of<T>(n);
  }

  /// A stream of the rdds pushed into `q`: one per batch (`one_at_a_time`) or all queued
  /// ones together; `default_rdd` for batches when the queue is empty.
  template <class T>
  dstream<T> queue_stream(rdd_queue<T>& q, bool one_at_a_time = true,
                          std::optional<std::type_identity_t<rdd<T>>> default_rdd = std::nullopt) {
    return add_input(std::make_unique<detail::queue_input<T>>(q, one_at_a_time, std::move(default_rdd)));
  }

  /// Lines read from a TCP server; reconnects when the connection is lost or refused.
  dstream<std::string> socket_text_stream(const std::string& host, int port);

  /// Lines of the files moved into `directory` after start (hidden and `_` files ignored).
  dstream<std::string> text_file_stream(const std::string& directory);

  /// The records a user receiver stores (`R` derives from `ds::receiver<T>`).
  ///
  /// Example: `auto s = ssc.receiver_stream(std::make_unique<my_receiver>(port));`
  template <class R>
    requires std::is_base_of_v<receiver<typename R::value_type>, R>
  dstream<typename R::value_type> receiver_stream(std::unique_ptr<R> r) {
    using T = typename R::value_type;
    if (!r) throw std::invalid_argument("ds::streaming_context::receiver_stream: the receiver is null");
    return add_input(std::make_unique<detail::receiver_input<T>>(std::unique_ptr<receiver<T>>(std::move(r)),
                                                                 detail::receiver_settings::of(context().conf())));
  }

  // ---- lifecycle -----------------------------------------------------------------------

  /// Where checkpoints go (needed by stateful operators).
  void checkpoint(const std::string& dir);
  /// Keeps every stream's rdds for at least `d` (for queries from `foreach_rdd`).
  void remember(duration d);

  /// Starts the batches; with `dstream.ui.enabled=true`, the status page first (which
  /// needs `#include <dstream/ui.hpp>` in the program). With
  /// `dstream.streaming.stop_gracefully_on_shutdown=true`, SIGINT and SIGTERM then stop
  /// the context gracefully (the batches received so far are processed and output), so
  /// `await_termination()` returns (stream/shutdown.hpp).
  void start();
  /// The status page's address (`http://127.0.0.1:4040/`) while it runs, else empty.
  std::string ui_url() const;
  /// Stops receiving and processing (gracefully: first processes everything received),
  /// and the underlying `context` too when `stop_context`; then the status page. Idempotent.
  void stop(bool stop_context = true, bool stop_gracefully = false);
  /// Waits until stopped; rethrows the error of a failed batch.
  void await_termination();
  /// As `await_termination`, at most `timeout`; true when stopped.
  bool await_termination_or_timeout(duration timeout);
  ::dstream::state get_state() const;
  void add_listener(streaming_listener& l);

  /// The manual clock when the conf sets `dstream.streaming.clock=manual`, else null.
  manual_clock* test_clock();
  /// Waits until the batch at `t` has run (or `timeout` passes); true when it has.
  bool wait_for_batch(batch_time t, duration timeout = std::chrono::seconds(30));

 private:
  friend struct detail::access;

  // `dstream.text.max_line_bytes`: the longest line the text sources keep (default 16 MiB;
  // 0: no bound). A longer line is reported and skipped.
  std::size_t max_line_bytes();
  streaming_context(std::shared_ptr<detail::scheduler> st, bool owner);

  void release();

  std::shared_ptr<detail::scheduler> sched_;
  std::unique_ptr<detail::ui_service> ui_;  // its listener is on sched_'s bus: release() stops the batches first
  bool owner_ = true;
};

}  // namespace dstream

#ifdef DSTREAM_HEADER_ONLY
#include <dstream/impl/streaming_context.ipp>
#endif
