#pragma once
// Definitions of runtime/listener.hpp: inline in the header-only form, compiled once in
// dstream/impl/src.cpp with DSTREAM_SEPARATE_COMPILATION (detail/config.hpp).

#include <iostream>

#include <dstream/runtime/listener.hpp>

namespace dstream {

DSTREAM_DECL void listener_bus::report_throw(const char* what) {
  if (what)
    std::cerr << "dstream: a streaming listener threw: " << what << '\n';
  else
    std::cerr << "dstream: a streaming listener threw\n";
}

}  // namespace dstream
