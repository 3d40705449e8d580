// A fuzz target for everything recovery reads back: the checkpoint file, the states of
// the stateful operators, the inputs' positions and the receivers' log entries. Any
// input must give a value or a std::exception, never a crash, a sanitizer report, or an
// allocation larger than the input justifies (run with -malloc_limit_mb).
//
// Built by `scripts/dev test` with clang++ -fsanitize=fuzzer,address,undefined and run
// for a fixed time on seeds that the same file writes when built with
// -DDSTREAM_FUZZ_SEEDS (then it is a program: `checkpoint_seeds DIR`).

#include <cstddef>
#include <cstdint>
#include <exception>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <dstream/checkpoint/checkpoint.hpp>
#include <dstream/checkpoint/serialize.hpp>
#include <dstream/detail/keyed.hpp>

namespace ds = dstream;

namespace {

using counts = ds::detail::key_map<std::string, std::int64_t>;
using keyed_state = std::pair<bool, std::vector<counts>>;  // update_state_by_key's
using files_by_time = std::map<std::int64_t, std::vector<std::string>>;
using file_position = std::tuple<std::vector<std::string>, files_by_time, files_by_time>;
using log_position = std::pair<std::uint64_t, std::map<std::int64_t, std::vector<std::uint64_t>>>;

template <class T>
void try_read(std::string_view bytes) {
  try {
    (void)ds::deserialize<T>(bytes);
  } catch (const std::exception&) {
    // a refusal is the right answer to most inputs
  }
}

void read_everything(std::string_view bytes) {
  try {
    const ds::detail::checkpoint_data d = ds::detail::decode_checkpoint(bytes);
    for (const auto& [key, state] : d.states) try_read<keyed_state>(state);
    for (const auto& [key, pos] : d.positions) {
      try_read<file_position>(pos);
      try_read<log_position>(pos);
    }
  } catch (const std::exception&) {
  }
  // The raw bytes as each payload too: a corrupt checkpoint can hand any of them anything.
  try_read<keyed_state>(bytes);
  try_read<file_position>(bytes);
  try_read<log_position>(bytes);
  try_read<std::vector<std::string>>(bytes);  // a receiver's log entry
}

ds::detail::checkpoint_data sample(int variant) {
  ds::detail::checkpoint_data d;
  d.time_ms = 1000 * (variant + 1);
  d.batch_ms = 1000;
  d.pending_ms = {d.time_ms + 1000};
  std::vector<counts> maps(2);
  for (int i = 0; i < 5 * (variant + 1); ++i) maps[i % 2].emplace("word" + std::to_string(i), i);
  d.states["#1"] = ds::serialize(keyed_state(true, maps));
  d.fingerprints["#1"] = "ds::update_state_by_key of key string, state i64";
  d.positions["input#0"] = ds::serialize(file_position({"a.txt", "b.txt"}, {{d.time_ms + 1000, {"c.txt"}}}, {}));
  d.positions["input#1"] = ds::serialize(log_position(7, {{d.time_ms + 1000, {7, 8}}}));
  return d;
}

}  // namespace

#ifdef DSTREAM_FUZZ_SEEDS
int main(int argc, char** argv) {
  if (argc != 2) return 2;
  for (int v = 0; v < 3; ++v) {
    std::ofstream(std::string(argv[1]) + "/checkpoint-" + std::to_string(v), std::ios::binary)
        << ds::detail::encode_checkpoint(sample(v));
  }
  std::ofstream(std::string(argv[1]) + "/log-entry", std::ios::binary)
      << ds::serialize(std::vector<std::string>{"one line", "", "another line"});
  return 0;
}
#else
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  read_everything(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
#endif
