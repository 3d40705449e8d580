#pragma once
// Definitions of streaming_context.hpp: inline in the header-only form, compiled once in
// dstream/impl/src.cpp with DSTREAM_SEPARATE_COMPILATION (detail/config.hpp).

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include <dstream/io/file_stream.hpp>
#include <dstream/io/socket_stream.hpp>
#include <dstream/stream/shutdown.hpp>
#include <dstream/streaming_context.hpp>

namespace dstream {

DSTREAM_DECL streaming_context::streaming_context(::dstream::conf c, duration batch)
    : sched_(std::make_shared<detail::scheduler>(::dstream::context(std::move(c)), batch)) {}

DSTREAM_DECL streaming_context::streaming_context(::dstream::context& ctx, duration batch)
    : sched_(std::make_shared<detail::scheduler>(ctx, batch)) {}

DSTREAM_DECL streaming_context::streaming_context(std::shared_ptr<detail::scheduler> st, bool owner)
    : sched_(std::move(st)), owner_(owner) {}

DSTREAM_DECL streaming_context::streaming_context(streaming_context&& o) noexcept
    : sched_(std::move(o.sched_)), ui_(std::move(o.ui_)), owner_(o.owner_) {
  o.owner_ = false;
}

DSTREAM_DECL streaming_context& streaming_context::operator=(streaming_context&& o) noexcept {
  if (this != &o) {
    release();
    sched_ = std::move(o.sched_);
    ui_ = std::move(o.ui_);
    owner_ = o.owner_;
    o.owner_ = false;
  }
  return *this;
}

DSTREAM_DECL dstream<std::string> streaming_context::socket_text_stream(const std::string& host, int port) {
  if (port <= 0 || port > 65535)
    throw std::invalid_argument("ds::streaming_context::socket_text_stream: port " + std::to_string(port) +
                                " is not in 1..65535");
  return receiver_stream(std::make_unique<detail::socket_line_receiver>(host, port, max_line_bytes()));
}

DSTREAM_DECL dstream<std::string> streaming_context::text_file_stream(const std::string& directory) {
  return add_input(
      std::make_unique<detail::file_input>(detail::local_path("ds::streaming_context::text_file_stream", directory),
                                           max_line_bytes()));
}

DSTREAM_DECL void streaming_context::checkpoint(const std::string& dir) {
  if (dir.empty()) throw std::invalid_argument("ds::streaming_context::checkpoint: the directory is empty");
  sched_->set_checkpoint_dir(detail::local_path("ds::streaming_context::checkpoint", dir));
}

DSTREAM_DECL void streaming_context::start() {
  if (!ui_ && sched_->get_state() == ::dstream::state::initialized &&
      context().conf().get("dstream.ui.enabled", "false") == "true") {
    if (!detail::ui_starter)
      throw std::logic_error("ds::streaming_context::start: dstream.ui.enabled=true, but the status page is not "
                             "compiled in; #include <dstream/ui.hpp> in one file of the program (it brings in "
                             "Boost.Beast), or set dstream.ui.enabled=false");
    ui_ = detail::ui_starter(*this);
  }
  try {
    sched_->start();
  } catch (...) {
    if (ui_ && sched_->get_state() == ::dstream::state::initialized) ui_.reset();
    throw;
  }
  if (context().conf().get("dstream.streaming.stop_gracefully_on_shutdown", "false") == "true")
    detail::shutdown_hook::stop_on_signals(sched_);
}

DSTREAM_DECL void streaming_context::stop(bool stop_context, bool stop_gracefully) {
  sched_->stop(stop_context, stop_gracefully);
  if (ui_) ui_->stop();
}

DSTREAM_DECL bool streaming_context::wait_for_batch(batch_time t, duration timeout) {
  return sched_->wait_for_batch(t, std::chrono::steady_clock::now() + timeout);
}

DSTREAM_DECL std::size_t streaming_context::max_line_bytes() {
  return context().conf().get("dstream.text.max_line_bytes") ? context().conf().get_count("dstream.text.max_line_bytes")
                                                              : std::size_t(16) << 20;
}

DSTREAM_DECL void streaming_context::release() {
  if (owner_ && sched_) {
    try {
      sched_->stop(false, false);
    } catch (...) {
      // Still running (stopped from one of its own threads): its bus may still post to
      // the status page's listener, which must then outlive it.
      (void)ui_.release();
    }
  }
  ui_.reset();
}

DSTREAM_DECL streaming_context::~streaming_context() { release(); }

DSTREAM_DECL ::dstream::context& streaming_context::context() { return sched_->context(); }
DSTREAM_DECL duration streaming_context::batch_duration() const { return sched_->batch_duration(); }
DSTREAM_DECL bool streaming_context::recovered() const { return sched_->recovered(); }
DSTREAM_DECL void streaming_context::remember(duration d) { sched_->set_remember(d); }
DSTREAM_DECL std::string streaming_context::ui_url() const { return ui_ ? ui_->url() : std::string(); }
DSTREAM_DECL void streaming_context::await_termination() { sched_->await(std::nullopt); }
DSTREAM_DECL bool streaming_context::await_termination_or_timeout(duration timeout) { return sched_->await(timeout); }
DSTREAM_DECL ::dstream::state streaming_context::get_state() const { return sched_->get_state(); }
DSTREAM_DECL void streaming_context::add_listener(streaming_listener& l) { sched_->bus().add(l); }

DSTREAM_DECL manual_clock* streaming_context::test_clock() {
  return dynamic_cast<manual_clock*>(&sched_->clock());
}

}  // namespace dstream
