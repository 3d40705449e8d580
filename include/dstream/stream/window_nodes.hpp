#pragma once
// Window nodes. A plain window unions its parent's rdds over the window. The incremental
// reduce keeps, per parent batch, that batch's values reduced by key (a "pane"); each
// slide it folds in the panes that enter and takes out, with the inverse function, those
// that leave, so its cost follows the data entering and leaving, not the window's length.

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/hana/tuple.hpp>

#include <dstream/batch/rdd.hpp>
#include <dstream/checkpoint/serialize.hpp>
#include <dstream/detail/access.hpp>
#include <dstream/detail/keyed.hpp>
#include <dstream/ops/reduce_by_key.hpp>
#include <dstream/stream/scheduler.hpp>
#include <dstream/runtime/time.hpp>

namespace dstream::detail {

/// Throws `std::invalid_argument` unless `d` is a positive multiple of `parent_slide`.
inline void check_multiple(const std::string& op, const char* what, duration d, duration parent_slide) {
  if (d.count() <= 0 || d.count() % parent_slide.count() != 0)
    throw std::invalid_argument(op + ": the " + what + " duration (" + format_duration(d) +
                                ") must be a positive multiple of the parent stream's slide duration (" +
                                format_duration(parent_slide) + ")");
}

template <class T>
class window_node final : public node<T> {
 public:
  window_node(std::shared_ptr<node<T>> parent, duration len, duration slide)
      : node<T>(parent->owner(), {parent}), parent_(std::move(parent)), len_(len), slide_(slide) {}

  duration slide() const override { return slide_; }
  duration reach() const override { return len_; }

 protected:
  std::optional<rdd<T>> compute(batch_time t) override {
    const duration step = parent_->slide();
    std::vector<typename rdd<T>::partition_type> parts;
    for (batch_time x = t - len_ + step; x <= t; x = x + step) {
      if (auto r = parent_->get(x)) parts.insert(parts.end(), r->partitions().begin(), r->partitions().end());
    }
    return rdd_of_parts<T>(core_of(this->owner().context()), std::move(parts));
  }

 private:
  std::shared_ptr<node<T>> parent_;
  duration len_;
  duration slide_;
};

struct keep_all {
  template <class X>
  bool operator()(const X&) const noexcept {
    return true;
  }
};

/// `reduce_by_key_and_window(f, inv, len, slide, n, filter)`.
template <class K, class V, class F, class Inv, class Filter>
class reduced_window_node final : public node<std::pair<K, V>> {
 public:
  using E = std::pair<K, V>;
  reduced_window_node(std::shared_ptr<node<E>> parent, F f, Inv inv, duration len, duration slide, std::size_t n,
                      Filter filter)
      : node<E>(parent->owner(), {parent}),
        parent_(std::move(parent)),
        f_(std::move(f)),
        inv_(std::move(inv)),
        filter_(std::move(filter)),
        len_(len),
        slide_(slide),
        n_(n ? n : 1),
        state_(n_) {}

  duration slide() const override { return slide_; }
  bool stateful() const override { return true; }
  std::string operator_name() const override { return "ds::reduce_by_key_and_window"; }
  std::string fingerprint() const override {
    return operator_name() + " of key " + type_tag<K>() + ", value " + type_tag<V>() + ", window " +
           format_duration(len_) + " every " + format_duration(slide_);
  }

  std::string save_state() const override {
    writer w;
    w(last_ ? last_->milliseconds() : std::int64_t(-1));
    w.size(state_.size());
    for (const auto& m : state_) w(m);
    w.size(panes_.size());
    for (const auto& [t, p] : panes_) {
      w(t.milliseconds());
      w(p);
    }
    return std::move(w).take();
  }
  void restore_state(std::string_view bytes) override {
    reader r(bytes);
    auto last = r.get<std::int64_t>();
    std::size_t n = r.size();
    std::vector<map_t> all;
    for (std::size_t i = 0; i < n; ++i) all.push_back(r.get<map_t>());
    std::map<batch_time, partitions_of<E>> panes;
    std::size_t np = r.size();
    for (std::size_t i = 0; i < np; ++i) {
      batch_time t(r.get<std::int64_t>());
      panes[t] = r.get<partitions_of<E>>();
    }
    if (!r.done()) throw std::runtime_error("trailing bytes in the window state");
    // Re-partition when the count changed between runs.
    state_.assign(n_, map_t());
    for (auto& m : all)
      for (auto& [k, v] : m) state_[partition_of(k, n_)].emplace(k, std::move(v));
    for (auto& [t, p] : panes) {
      partitions_of<E> re(n_);
      for (auto& part : p)
        for (auto& kv : part) re[partition_of(kv.first, n_)].push_back(std::move(kv));
      panes_[t] = std::move(re);
    }
    last_ = last < 0 ? std::nullopt : std::optional<batch_time>(batch_time(last));
  }

 protected:
  // A failed batch needs no undo here: the window's result is a function of the panes
  // (the parent batches' data), not of the batches before. A slide that throws leaves
  // `last_` where it was, so the next slide rebuilds the state from the panes; a slide
  // whose batch fails later holds exactly the panes of its window, as a rebuild would.
  std::optional<rdd<E>> compute(batch_time t) override {
    const duration step = parent_->slide();
    // The panes of the parent batches that enter the window now.
    for (batch_time x = t - slide_ + step; x <= t; x = x + step) {
      if (panes_.count(x)) continue;
      panes_[x] = pane(x);
    }
    auto& st = *core_of(this->owner().context());
    if (last_ && *last_ == t - slide_) {
      // Incremental: panes in (last - len, t - len] leave, panes in (last, t] enter.
      std::vector<const partitions_of<E>*> leaving, entering;
      for (auto it = panes_.upper_bound(*last_ - len_); it != panes_.end() && it->first <= t - len_; ++it)
        leaving.push_back(&it->second);
      for (auto it = panes_.upper_bound(*last_); it != panes_.end() && it->first <= t; ++it)
        entering.push_back(&it->second);
      st.parallel_for(n_, [&](std::size_t j) {
        map_t& m = state_[j];
        if (!leaving.empty()) {
          map_t old;
          for (auto* p : leaving) fold((*p)[j], old);
          for (auto& [k, v] : old) {
            auto it = m.find(k);
            if (it != m.end()) it->second = inv_(std::move(it->second), v);
          }
        }
        for (auto* p : entering) fold((*p)[j], m);
        filter(m);
      });
    } else {
      // From the panes: at the first window, and after a gap.
      std::vector<const partitions_of<E>*> inside;
      for (auto it = panes_.upper_bound(t - len_); it != panes_.end() && it->first <= t; ++it)
        inside.push_back(&it->second);
      st.parallel_for(n_, [&](std::size_t j) {
        map_t m;
        for (auto* p : inside) fold((*p)[j], m);
        filter(m);
        state_[j] = std::move(m);
      });
    }
    last_ = t;
    panes_.erase(panes_.begin(), panes_.upper_bound(t - len_));
    partitions_of<E> out(n_);
    st.parallel_for(n_, [&](std::size_t j) {
      out[j].reserve(state_[j].size());
      for (const auto& kv : state_[j]) out[j].emplace_back(kv.first, kv.second);
    });
    return rdd_of_parts<E>(core_of(this->owner().context()), std::move(out));
  }

 private:
  using map_t = key_map<K, V>;

  partitions_of<E> pane(batch_time x) {
    auto r = parent_->get(x);
    if (!r) return partitions_of<E>(n_);
    return combine_parts(*r, boost::hana::tuple<>{}, reduce_by_key_t<F>(f_, n_), n_, 0, &pane_sizes_);
  }
  void fold(const std::vector<E>& part, map_t& m) {
    for (const auto& [k, v] : part) {
      auto it = m.find(k);
      if (it != m.end()) {
        it->second = f_(std::move(it->second), v);
      } else {
        m.emplace(k, v);
      }
    }
  }
  void filter(map_t& m) {
    if constexpr (!std::is_same_v<Filter, keep_all>) {
      boost::unordered::erase_if(m, [&](const auto& kv) { return !filter_(E(kv.first, kv.second)); });
    }
  }

  std::shared_ptr<node<E>> parent_;
  F f_;
  Inv inv_;
  Filter filter_;
  duration len_;
  duration slide_;
  std::size_t n_;
  std::vector<map_t> state_;
  std::map<batch_time, partitions_of<E>> panes_;
  std::optional<batch_time> last_;
  combine_size_hint pane_sizes_;  // each pane's maps start as large as the last pane's
};

}  // namespace dstream::detail
