#pragma once
// Paths as the Spark tutorial writes them: a local path, or a `file://` URI. Any other
// scheme (`hdfs://`, `s3a://`) is refused with a message, never taken as a local folder.

#include <stdexcept>
#include <string>
#include <string_view>

namespace dstream::detail {

/// The local path `where` names: `file:///tmp/x` → `/tmp/x`, `file:relative` → `relative`,
/// a path without a scheme unchanged. `what` names the caller in the error.
inline std::string local_path(std::string_view what, std::string_view where) {
  constexpr std::string_view file = "file:";
  if (where.substr(0, file.size()) == file) {
    std::string_view rest = where.substr(file.size());
    if (rest.substr(0, 2) == "//") {
      rest.remove_prefix(2);
      // file://localhost/x and file:///x are both /x; another host is not this machine.
      if (rest.substr(0, 9) == "localhost") rest.remove_prefix(9);
      if (!rest.empty() && rest.front() != '/')
        throw std::invalid_argument(std::string(what) + ": \"" + std::string(where) +
                                    "\" names another host; only local paths and file:///... URIs are supported");
    }
    if (rest.empty()) throw std::invalid_argument(std::string(what) + ": \"" + std::string(where) + "\" names no path");
    return std::string(rest);
  }
  const auto colon = where.find("://");
  if (colon != std::string_view::npos && colon > 0 &&
      where.substr(0, colon).find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789+-.") == std::string_view::npos)
    throw std::invalid_argument(std::string(what) + ": \"" + std::string(where) + "\" uses the scheme " +
                                std::string(where.substr(0, colon)) +
                                "://, which dstream cannot write or read; use a local path or a file:///... URI");
  return std::string(where);
}

}  // namespace dstream::detail
