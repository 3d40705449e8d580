#pragma once
// Definitions of batch/stage.hpp: inline in the header-only form, compiled once in
// dstream/impl/src.cpp with DSTREAM_SEPARATE_COMPILATION (detail/config.hpp).

#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>

#include <dstream/batch/stage.hpp>

namespace dstream::detail {

DSTREAM_DECL context_core::context_core(::dstream::conf c) : conf_(std::move(c)), threads_(conf_.threads()) {
  pool_ = std::make_unique<thread_pool>(threads_);
}

DSTREAM_DECL bool context_core::stopped() const {
  std::lock_guard lock(m_);
  return stopped_;
}

DSTREAM_DECL void context_core::stop() {
  std::unique_lock lock(m_);
  stopped_ = true;
  idle_.wait(lock, [&] { return active_ == 0; });
  pool_.reset();
}

DSTREAM_DECL thread_pool* context_core::enter() {
  std::lock_guard lock(m_);
  if (stopped_)
    throw std::logic_error("dstream: the context '" + conf_.app_name() +
                           "' was stopped; create a new ds::context to run more actions");
  ++active_;
  return pool_.get();
}

DSTREAM_DECL void context_core::leave() {
  std::lock_guard lock(m_);
  if (--active_ == 0) idle_.notify_all();
}

}  // namespace dstream::detail
