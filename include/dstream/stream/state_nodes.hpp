#pragma once
// State carried from batch to batch: a hash map per partition, keys placed as the shuffle
// places them, so a batch's grouped values meet their state in the same partition.
// `update_state_by_key` scans its whole state once a batch (every key is called);
// `map_with_state` touches only the keys with data (and, with a timeout, those timing out).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/hana/tuple.hpp>

#include <dstream/batch/rdd.hpp>
#include <dstream/checkpoint/serialize.hpp>
#include <dstream/detail/access.hpp>
#include <dstream/detail/keyed.hpp>
#include <dstream/ops/group_by_key.hpp>
#include <dstream/runtime/time.hpp>
#include <dstream/stream/scheduler.hpp>

namespace dstream {

/// The state of one key inside a `map_with_state` function (Spark's `State`).
template <class S>
class keyed_state {
 public:
  keyed_state() = default;
  keyed_state(std::optional<S> s, bool timing_out) : s_(std::move(s)), timing_out_(timing_out) {}

  bool exists() const noexcept { return s_.has_value(); }
  /// The state; throws `std::out_of_range` when there is none.
  const S& get() const {
    if (!s_) throw std::out_of_range("ds::keyed_state::get(): the key has no state (check exists() first)");
    return *s_;
  }
  const std::optional<S>& get_option() const noexcept { return s_; }
  /// Sets the state; not allowed while the key is timing out (it is being removed).
  void update(S s) {
    if (timing_out_)
      throw std::logic_error("ds::keyed_state::update(): the state of a key that is timing out cannot be updated");
    s_ = std::move(s);
    updated_ = true;
    removed_ = false;
  }
  void remove() {
    if (timing_out_)
      throw std::logic_error("ds::keyed_state::remove(): the state of a key that is timing out is removed already");
    s_.reset();
    removed_ = true;
    updated_ = false;
  }
  bool is_timing_out() const noexcept { return timing_out_; }

  bool was_updated() const noexcept { return updated_; }
  bool was_removed() const noexcept { return removed_; }
  std::optional<S>& value() noexcept { return s_; }

 private:
  std::optional<S> s_;
  bool timing_out_ = false;
  bool updated_ = false;
  bool removed_ = false;
};

namespace detail {

/// Seeds partitioned state maps from an rdd of (key, state).
template <class K, class S, class Map, class Make>
void seed_state(std::vector<Map>& maps, const std::optional<rdd<std::pair<K, S>>>& initial, Make make) {
  if (!initial) return;
  for (std::size_t i = 0; i < initial->num_partitions(); ++i)
    for (const auto& [k, s] : initial->partition(i))
      maps[partition_of(k, maps.size())].insert_or_assign(k, make(s));
}

// A keyed operator's state in a checkpoint: whether the initial state was applied (a
// checkpoint taken before the first batch must not lose it), then the partitions' maps.
template <class Map>
std::string save_keyed(bool seeded, const std::vector<Map>& maps) {
  return serialize(std::pair(seeded, maps));
}
/// Reads what `save_keyed` wrote into `maps`, placing each key in its partition (the
/// partition count may differ from the saved one); returns the `seeded` flag.
template <class Map>
bool restore_keyed(std::string_view bytes, std::vector<Map>& maps) {
  auto [seeded, all] = deserialize<std::pair<bool, std::vector<Map>>>(bytes);
  const std::size_t n = maps.size();
  maps.assign(n, Map());
  for (auto& m : all)
    for (auto& [k, s] : m) maps[partition_of(k, n)].emplace(k, std::move(s));
  return seeded;
}

template <class T>
std::optional<rdd<T>> or_empty(std::optional<rdd<T>> r, scheduler& st) {
  if (r) return r;
  return rdd_of_parts<T>(core_of(st.context()), partitions_of<T>{});
}

/// `update_state_by_key`.
template <class K, class V, class S, class F, bool WithTime>
class update_state_node final : public node<std::pair<K, S>> {
 public:
  using E = std::pair<K, V>;
  using Out = std::pair<K, S>;
  update_state_node(std::shared_ptr<node<E>> parent, F f, std::size_t n, std::optional<rdd<Out>> initial)
      : node<Out>(parent->owner(), {parent}), parent_(std::move(parent)), f_(std::move(f)), n_(n ? n : 1),
        state_(n_), initial_(std::move(initial)) {}

  bool stateful() const override { return true; }
  std::string operator_name() const override { return "ds::update_state_by_key"; }
  std::string fingerprint() const override {
    return operator_name() + " of key " + type_tag<K>() + ", state " + type_tag<S>();
  }
  std::string save_state() const override { return save_keyed(seeded_, state_); }
  void restore_state(std::string_view bytes) override { seeded_ = restore_keyed(bytes, state_); }

 protected:
  // The batch's new state is computed aside (the function gets a copy of each key's
  // state) and applied in place only once every output of the batch succeeded: a
  // function that throws, or any failed output, leaves the state as it was.
  std::optional<rdd<Out>> compute(batch_time t) override {
    if (!seeded_) {
      seed_state<K, S>(state_, initial_, [](const S& s) { return s; });
      seeded_ = true;
    }
    auto in = or_empty(parent_->get(t), this->owner());
    auto grouped = combine_parts(*in, boost::hana::tuple<>{}, group_by_key_t(n_), n_);
    partitions_of<Out> out(n_);
    std::vector<pending> next(n_);
    core_of(this->owner().context())->parallel_for(n_, [&](std::size_t j) {
      const map_t& old = state_[j];
      auto& g = grouped[j];
      key_map<K, std::size_t> index;  // the batch's keys, by position in `g`
      index.reserve(g.size());
      for (std::size_t k = 0; k < g.size(); ++k) index.emplace(g[k].first, k);
      std::vector<bool> seen(g.size(), false);
      pending& p = next[j];
      p.old.reserve(old.size());
      out[j].reserve(old.size() + g.size());
      // In the map's own order: `commit` walks it again in the same order.
      for (const auto& kv : old) {
        // A key with no values this batch is called with an empty vector (one, shared).
        static const std::vector<V> none;
        const std::vector<V>* vs = &none;
        if (auto it = index.find(kv.first); it != index.end()) {
          seen[it->second] = true;
          vs = &g[it->second].second;
        }
        p.old.push_back(call(t, kv.first, *vs, std::optional<S>(kv.second)));
        if (p.old.back()) out[j].emplace_back(kv.first, *p.old.back());
      }
      for (std::size_t k = 0; k < g.size(); ++k) {
        if (seen[k]) continue;
        auto r = call(t, g[k].first, g[k].second, std::nullopt);
        if (!r) continue;
        out[j].emplace_back(g[k].first, *r);
        p.added.emplace_back(std::move(g[k].first), std::move(*r));
      }
    });
    next_ = std::move(next);
    return rdd_of_parts<Out>(core_of(this->owner().context()), std::move(out));
  }

  void end_batch(bool succeeded) override {
    if (!next_) return;
    if (succeeded) {
      core_of(this->owner().context())->parallel_for(n_, [&](std::size_t j) { commit(state_[j], (*next_)[j]); });
    }
    next_.reset();
  }

 private:
  // A partition's next state: the new value (or removal) of each old key, in the map's
  // iteration order, and the keys that are new.
  struct pending {
    std::vector<std::optional<S>> old;
    std::vector<std::pair<K, S>> added;
  };

  static void commit(key_map<K, S>& m, pending& p) {
    std::vector<K> removed;
    std::size_t i = 0;
    for (auto& kv : m) {
      auto& r = p.old[i++];
      if (r) {
        kv.second = std::move(*r);
      } else {
        removed.push_back(kv.first);
      }
    }
    for (auto& k : removed) m.erase(k);
    for (auto& [k, s] : p.added) m.emplace(std::move(k), std::move(s));
  }

 private:
  using map_t = key_map<K, S>;

  // The values reach `f` as the batch's `const std::vector<V>&`, which `f` may take as
  // `std::span<const V>`, `const std::vector<V>&`, `std::vector<V>` (a copy) or any range.
  std::optional<S> call(batch_time t, const K& k, const std::vector<V>& vs, std::optional<S> s) const {
    if constexpr (WithTime) {
      return f_(t, k, vs, std::move(s));
    } else {
      (void)t;
      (void)k;
      return f_(vs, std::move(s));
    }
  }

  std::shared_ptr<node<E>> parent_;
  F f_;
  std::size_t n_;
  std::vector<map_t> state_;
  std::optional<std::vector<pending>> next_;  // the running batch's, until it ends
  std::optional<rdd<Out>> initial_;
  bool seeded_ = false;
};

template <class S>
struct timed_state {
  S value;
  std::int64_t updated_ms = 0;
};

}  // namespace detail

template <class S>
struct serializer<detail::timed_state<S>> {
  static void write(writer& w, const detail::timed_state<S>& x) {
    w(x.value);
    w(x.updated_ms);
  }
  static detail::timed_state<S> read(reader& r) {
    S v = r.get<S>();
    std::int64_t t = r.get<std::int64_t>();
    return {std::move(v), t};
  }
};

namespace detail {

/// `map_with_state`: its output is what the function returns; `snapshot(t)` is the whole
/// state after batch t.
template <class K, class V, class S, class U, class F, bool WithTime, bool Optional>
class map_with_state_node final : public node<U> {
 public:
  using E = std::pair<K, V>;
  map_with_state_node(std::shared_ptr<node<E>> parent, F f, std::size_t n,
                      std::optional<rdd<std::pair<K, S>>> initial, std::optional<duration> timeout)
      : node<U>(parent->owner(), {parent}), parent_(std::move(parent)), f_(std::move(f)), n_(n ? n : 1),
        state_(n_), initial_(std::move(initial)), timeout_(timeout) {}

  bool stateful() const override { return true; }
  std::string operator_name() const override { return "ds::map_with_state"; }
  std::string fingerprint() const override {
    return operator_name() + " of key " + type_tag<K>() + ", state " + type_tag<S>();
  }
  std::string save_state() const override { return save_keyed(seeded_, state_); }
  void restore_state(std::string_view bytes) override { seeded_ = restore_keyed(bytes, state_); }

  /// The whole state after batch `t` (computing the batch first if needed).
  rdd<std::pair<K, S>> snapshot(batch_time t) {
    this->get(t);
    partitions_of<std::pair<K, S>> out(n_);
    core_of(this->owner().context())->parallel_for(n_, [&](std::size_t j) {
      out[j].reserve(state_[j].size());
      for (const auto& kv : state_[j]) out[j].emplace_back(kv.first, kv.second.value);
    });
    return rdd_of_parts<std::pair<K, S>>(core_of(this->owner().context()), std::move(out));
  }

 protected:
  std::optional<rdd<U>> compute(batch_time t) override {
    const std::int64_t now = t.milliseconds();
    if (!seeded_) {
      seed_state<K, S>(state_, initial_, [now](const S& s) { return timed_state<S>{s, now}; });
      seeded_ = true;
    }
    auto in = or_empty(parent_->get(t), this->owner());
    // Records meet their keys' state partition by partition, in arrival order. Each key's
    // state is noted before it changes, so a throwing function or a failed output of the
    // batch puts every key back as it was (see `end_batch`).
    records_ = partition_by_key(*in, n_);
    undo_.assign(n_, undo_log());
    partitions_of<U> out(n_);
    try {
      core_of(this->owner().context())->parallel_for(n_, [&](std::size_t j) { run_partition(t, j, out[j]); });
    } catch (...) {
      end_batch(false);
      throw;
    }
    return rdd_of_parts<U>(core_of(this->owner().context()), std::move(out));
  }

  void end_batch(bool succeeded) override {
    if (!succeeded) {
      for (std::size_t j = 0; j < undo_.size(); ++j) {
        auto& log = undo_[j].entries;
        for (auto it = log.rbegin(); it != log.rend(); ++it) {
          if (it->second) {
            state_[j].insert_or_assign(*it->first, std::move(*it->second));
          } else {
            state_[j].erase(*it->first);
          }
        }
      }
    }
    undo_.clear();
    records_.clear();
  }

 private:
  using map_t = key_map<K, timed_state<S>>;
  using R = std::conditional_t<Optional, std::optional<U>, U>;

  // What a partition's keys held before the running batch changed them, in order; the
  // keys point into the batch's records (or `timed_out`), kept until the batch ends.
  struct undo_log {
    std::vector<std::pair<const K*, std::optional<timed_state<S>>>> entries;
    std::vector<K> timed_out;
  };

  void run_partition(batch_time t, std::size_t j, std::vector<U>& out) {
    const std::int64_t now = t.milliseconds();
    map_t& m = state_[j];
    undo_log& log = undo_[j];
    log.entries.reserve(records_[j].size());
    out.reserve(records_[j].size());
    for (auto& [k, v] : records_[j]) {
      auto it = m.find(k);
      log.entries.emplace_back(&k, it != m.end() ? std::optional<timed_state<S>>(it->second) : std::nullopt);
      keyed_state<S> ks(it != m.end() ? std::optional<S>(std::move(it->second.value)) : std::nullopt, false);
      emit(out, call(t, k, std::optional<V>(std::move(v)), ks));
      // The state was moved into `ks`: it goes back unless the function removed it.
      if (ks.was_removed()) {
        if (it != m.end()) m.erase(it);
      } else if (ks.exists()) {
        if (it != m.end()) {
          it->second.value = std::move(*ks.value());
          if (ks.was_updated() || timeout_) it->second.updated_ms = now;
        } else {
          m.emplace(k, timed_state<S>{std::move(*ks.value()), now});
        }
      }
    }
    if (timeout_) {
      const std::int64_t threshold = now - timeout_->count();
      for (auto& kv : m)
        if (kv.second.updated_ms < threshold) log.timed_out.push_back(kv.first);
      for (const K& k : log.timed_out) {
        auto it = m.find(k);
        log.entries.emplace_back(&k, it->second);
        keyed_state<S> ks(it->second.value, true);
        emit(out, call(t, k, std::nullopt, ks));
        m.erase(k);
      }
    }
  }

  R call(batch_time t, const K& k, std::optional<V> v, keyed_state<S>& s) const {
    if constexpr (WithTime) {
      return f_(t, k, std::move(v), s);
    } else {
      (void)t;
      return f_(k, std::move(v), s);
    }
  }
  static void emit(std::vector<U>& out, R&& r) {
    if constexpr (Optional) {
      if (r) out.push_back(std::move(*r));
    } else {
      out.push_back(std::move(r));
    }
  }

  std::shared_ptr<node<E>> parent_;
  F f_;
  std::size_t n_;
  std::vector<map_t> state_;
  std::optional<rdd<std::pair<K, S>>> initial_;
  std::optional<duration> timeout_;
  bool seeded_ = false;
  partitions_of<std::pair<K, V>> records_;  // the running batch's, by partition
  std::vector<undo_log> undo_;
};

/// The state snapshots of a `map_with_state` node.
template <class K, class S, class M>
class snapshot_node final : public node<std::pair<K, S>> {
 public:
  explicit snapshot_node(std::shared_ptr<M> m) : node<std::pair<K, S>>(m->owner(), {m}), m_(std::move(m)) {}

 protected:
  std::optional<rdd<std::pair<K, S>>> compute(batch_time t) override { return m_->snapshot(t); }

 private:
  std::shared_ptr<M> m_;
};

}  // namespace detail
}  // namespace dstream
