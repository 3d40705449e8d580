#pragma once
// Definitions of stream/node.hpp: inline in the header-only form, compiled once in
// dstream/impl/src.cpp with DSTREAM_SEPARATE_COMPILATION (detail/config.hpp).

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <dstream/stream/node.hpp>

namespace dstream::detail {

DSTREAM_DECL std::exception_ptr run_outputs(const std::vector<std::shared_ptr<output_base>>& outputs, batch_time t,
                                      listener_bus& bus, batch_info& info) {
  using clk = std::chrono::steady_clock;
  std::exception_ptr first_error;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    output_operation_info op;
    op.time = t;
    op.id = static_cast<int>(i);
    op.name = outputs[i]->name();
    bus.post(&streaming_listener::on_output_operation_started, op);
    auto op_start = clk::now();
    try {
      outputs[i]->run(t);
    } catch (const std::exception& e) {
      op.failure = e.what();
      if (!first_error) first_error = std::current_exception();
    } catch (...) {
      op.failure = "an exception that is not a std::exception";
      if (!first_error) first_error = std::current_exception();
    }
    op.duration_taken = std::chrono::duration_cast<duration>(clk::now() - op_start);
    if (op.failure) {
      info.output_failures[op.id] = *op.failure;
      std::cerr << "dstream: output operation " << op.id << " (" << op.name << ") of batch " << t
                << " failed: " << *op.failure << '\n';
    }
    bus.post(&streaming_listener::on_output_operation_completed, op);
  }
  return first_error;
}

DSTREAM_DECL void warn_if_behind(batch_info& info, duration batch, bool& behind) {
  const duration waited = *info.scheduling_delay;
  if (waited > 3 * batch) {
    info.warnings.push_back("falling behind: batch " + info.time.to_string() + " waited " + format_duration(waited) +
                            " to start, more than 3 batch intervals of " + format_duration(batch) +
                            "; data arrives faster than it is processed and waits in memory (limit the "
                            "sources with dstream.receiver.max_rate or dstream.receiver.max_pending)");
    if (!behind) std::cerr << "dstream: " << info.warnings.back() << '\n';
    behind = true;
  } else if (behind && waited < batch) {
    std::cerr << "dstream: batches have caught up (batch " << info.time << " waited " << format_duration(waited)
              << ")\n";
    behind = false;
  }
}

DSTREAM_DECL std::vector<std::shared_ptr<node_base>> plan_graph(const std::vector<std::shared_ptr<node_base>>& roots,
                                                          duration remember) {
  std::vector<std::shared_ptr<node_base>> order;
  std::vector<node_base*> seen;
  std::function<void(const std::shared_ptr<node_base>&)> visit = [&](const std::shared_ptr<node_base>& n) {
    if (std::find(seen.begin(), seen.end(), n.get()) != seen.end()) return;
    seen.push_back(n.get());
    for (auto& p : n->parents()) visit(p);
    order.push_back(n);
  };
  for (auto& r : roots) visit(r);
  for (auto& n : order) n->remember_for = std::max(n->remember_for, std::max(remember, n->slide()));
  // Children first: a node needs its parents' rdds as far back as it reaches.
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    for (auto& p : (*it)->parents()) p->remember_for = std::max(p->remember_for, (*it)->remember_for + (*it)->reach());
  }
  return order;
}

}  // namespace dstream::detail
