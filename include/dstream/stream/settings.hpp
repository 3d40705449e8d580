#pragma once
// Every `dstream.*` setting the library reads, with what its value must be. A streaming
// context checks its conf against this table when it is built: a misspelt key or a value
// of the wrong form is an error then, never a setting silently ignored.

#include <cstddef>
#include <string_view>

#include <dstream/batch/conf.hpp>
#include <dstream/detail/config.hpp>

namespace dstream::detail {

enum class setting_kind { boolean, duration, rate, count, choice, text };

struct setting {
  std::string_view key;
  setting_kind kind;
  std::string_view choices = {};  // for `choice`: the allowed values, separated by '|'
};

inline constexpr setting known_settings[] = {
    {"dstream.streaming.clock", setting_kind::choice, "system|manual"},
    {"dstream.streaming.stop_gracefully_on_shutdown", setting_kind::boolean},
    {"dstream.block_interval", setting_kind::duration},
    {"dstream.checkpoint.interval", setting_kind::duration},
    {"dstream.receiver.max_rate", setting_kind::rate},
    {"dstream.receiver.max_pending", setting_kind::count},
    {"dstream.receiver.restart_delay", setting_kind::duration},
    {"dstream.receiver.wal.enable", setting_kind::boolean},
    {"dstream.kafka.max_rate_per_partition", setting_kind::rate},
    {"dstream.text.max_line_bytes", setting_kind::count},
    {"dstream.text.split_bytes", setting_kind::count},
    {"dstream.backpressure.enabled", setting_kind::boolean},
    {"dstream.backpressure.max_bytes", setting_kind::count},
    {"dstream.backpressure.initial_rate", setting_kind::rate},
    {"dstream.backpressure.pid.proportional", setting_kind::rate},
    {"dstream.backpressure.pid.integral", setting_kind::rate},
    {"dstream.backpressure.pid.derived", setting_kind::rate},
    {"dstream.backpressure.pid.min_rate", setting_kind::rate},
    {"dstream.ui.enabled", setting_kind::boolean},
    {"dstream.ui.host", setting_kind::text},
    {"dstream.ui.port", setting_kind::count},
    {"dstream.ui.retained_batches", setting_kind::count},
};

/// The edit distance between two keys (for "did you mean").
DSTREAM_DECL std::size_t edit_distance(std::string_view a, std::string_view b);

/// Throws `std::invalid_argument` for the first `dstream.*` setting of `c` that is
/// unknown (naming the nearest known key) or whose value is not of its kind.
DSTREAM_DECL void check_settings(const ::dstream::conf& c);

}  // namespace dstream::detail

#ifdef DSTREAM_HEADER_ONLY
#include <dstream/stream/impl/settings.ipp>
#endif
