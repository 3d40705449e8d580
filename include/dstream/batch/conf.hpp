#pragma once
// ds::conf — the application's configuration, as Spark's SparkConf.

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <dstream/detail/config.hpp>

namespace dstream {

/// The configuration of an application: its name, its master and free-form settings.
///
/// Signature: `conf().app_name(s).master(s).set(key, value)`
///
/// Example: `auto c = ds::conf().app_name("word count").master("local[2]");`
///
/// The master is `local` (one thread), `local[n]` (n threads) or `local[*]` (one thread
/// per core); anything else throws `std::invalid_argument` naming the value.
class conf {
 public:
  conf() = default;

  conf& app_name(std::string name) {
    app_name_ = std::move(name);
    return *this;
  }
  conf& master(std::string m);
  conf& set(std::string key, std::string value) {
    settings_[std::move(key)] = std::move(value);
    return *this;
  }

  const std::string& app_name() const noexcept { return app_name_; }
  const std::string& master() const noexcept { return master_; }

  /// The value of a setting, or nullopt when it was never set.
  std::optional<std::string> get(const std::string& key) const;
  /// The value of a setting, or `fallback`.
  std::string get(const std::string& key, std::string fallback) const;
  const std::map<std::string, std::string>& settings() const noexcept { return settings_; }

  /// A number setting, or `fallback` when unset; anything that is not a number throws
  /// `std::invalid_argument` naming the key and the value.
  double get_number(const std::string& key, double fallback) const;
  /// A count setting: a whole number >= 0 (0 when unset, which callers read as "no bound").
  std::size_t get_count(const std::string& key) const;
  /// A duration setting, or `fallback` when unset: `parse_duration`'s forms.
  std::chrono::milliseconds get_duration(const std::string& key, std::chrono::milliseconds fallback) const;

  /// The one duration syntax of settings: milliseconds (`200`), or a number with a unit
  /// (`200ms`, `1.5s`); not negative. Throws `std::invalid_argument` naming `key` and `v`.
  static std::chrono::milliseconds parse_duration(const std::string& key, const std::string& v);

  /// The number of worker threads the master asks for.
  std::size_t threads() const noexcept { return threads_; }

  /// Parses a master string; returns its thread count or throws `std::invalid_argument`.
  static std::size_t parse_master(std::string_view m);

 private:
  // The whole text is a finite decimal number.
  static bool parse_number(std::string_view s, double& out);

  static std::size_t cores() noexcept;

  std::string app_name_ = "dstream";
  std::string master_ = "local[*]";
  std::size_t threads_ = cores();
  std::map<std::string, std::string> settings_;
};

}  // namespace dstream

#ifdef DSTREAM_HEADER_ONLY
#include <dstream/batch/impl/conf.ipp>
#endif
