#pragma once
// Definitions of batch/context.hpp: inline in the header-only form, compiled once in
// dstream/impl/src.cpp with DSTREAM_SEPARATE_COMPILATION (detail/config.hpp).

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include <dstream/batch/context.hpp>

namespace dstream {

DSTREAM_DECL context::context(::dstream::conf c) : core_(std::make_shared<detail::context_core>(std::move(c))) {}

DSTREAM_DECL void context::stop() { core_->stop(); }
DSTREAM_DECL bool context::stopped() const { return core_->stopped(); }

DSTREAM_DECL void context::check_running(const char* what) const {
  if (core_->stopped())
    throw std::logic_error(std::string("ds::context::") + what + ": the context was stopped; create a new ds::context");
}

}  // namespace dstream
