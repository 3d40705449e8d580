#pragma once
// Definitions of io/receiver_stream.hpp: inline in the header-only form, compiled once in
// dstream/impl/src.cpp with DSTREAM_SEPARATE_COMPILATION (detail/config.hpp).

#include <dstream/io/receiver_stream.hpp>

namespace dstream::detail {

DSTREAM_DECL receiver_settings receiver_settings::of(const ::dstream::conf& c) {
  receiver_settings s;
  s.block_interval = c.get_duration("dstream.block_interval", s.block_interval);
  s.max_rate = c.get_number("dstream.receiver.max_rate", 0);
  s.max_pending = c.get_count("dstream.receiver.max_pending");
  s.restart_delay = c.get_duration("dstream.receiver.restart_delay", s.restart_delay);
  s.wal = c.get("dstream.receiver.wal.enable", "false") == "true";
  s.backpressure = c.get("dstream.backpressure.enabled", "true") == "true";
  if (c.get("dstream.backpressure.max_bytes")) s.max_bytes = c.get_count("dstream.backpressure.max_bytes");
  if (!s.backpressure) s.max_bytes = 0;
  s.initial_rate = c.get_number("dstream.backpressure.initial_rate", 0);
  s.gains.proportional = c.get_number("dstream.backpressure.pid.proportional", s.gains.proportional);
  s.gains.integral = c.get_number("dstream.backpressure.pid.integral", s.gains.integral);
  s.gains.derivative = c.get_number("dstream.backpressure.pid.derived", s.gains.derivative);
  s.gains.min_rate = c.get_number("dstream.backpressure.pid.min_rate", s.gains.min_rate);
  s.estimate = s.backpressure && c.get("dstream.streaming.clock", "system") != "manual";
  return s;
}

}  // namespace dstream::detail
