// A bounded map that forgets the least recently used entry first. Bounded two
// ways: by entry count and by a total weight the caller assigns per entry (the
// symbolizer weighs a loaded binary by its heap bytes, since one C++ binary can
// outweigh sixty small libraries).
//
// Invariants: size() <= max_entries; weight() <= max_weight unless the newest
// entry alone is heavier (it is kept: the caller is about to use it);
// order_ front is the most recently used; index_ maps each key to its node.
// Not thread-safe: the owner serializes access.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <list>
#include <stdexcept>
#include <unordered_map>
#include <utility>

namespace profbufd::symbolize {

template <typename K, typename V, typename Hash = std::hash<K>>
class LruCache {
 public:
  explicit LruCache(std::size_t max_entries,
                    std::size_t max_weight = std::numeric_limits<std::size_t>::max())
      : max_entries_(max_entries), max_weight_(max_weight) {
    if (max_entries_ == 0) throw std::invalid_argument("LruCache: max_entries must be > 0");
  }

  // The value for `key`, now the most recently used, or nullptr. The pointer is
  // valid until the next put() or erase().
  V* get(const K& key) {
    const auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    order_.splice(order_.begin(), order_, it->second);
    return &it->second->value;
  }

  // Inserts or replaces `key`, makes it the most recently used, then evicts from
  // the least recently used end until within bounds. Returns the stored value.
  V& put(const K& key, V value, std::size_t weight = 1) {
    if (const auto it = index_.find(key); it != index_.end()) {
      weight_ -= it->second->weight;
      order_.erase(it->second);
      index_.erase(it);
    }
    order_.push_front(Node{key, std::move(value), weight});
    index_.emplace(key, order_.begin());
    weight_ += weight;
    while (order_.size() > 1 && (order_.size() > max_entries_ || weight_ > max_weight_)) {
      Node& victim = order_.back();
      weight_ -= victim.weight;
      index_.erase(victim.key);
      order_.pop_back();
      ++evictions_;
    }
    return order_.front().value;
  }

  bool erase(const K& key) {
    const auto it = index_.find(key);
    if (it == index_.end()) return false;
    weight_ -= it->second->weight;
    order_.erase(it->second);
    index_.erase(it);
    return true;
  }

  bool contains(const K& key) const { return index_.count(key) != 0; }
  std::size_t size() const { return order_.size(); }
  std::size_t weight() const { return weight_; }
  std::uint64_t evictions() const { return evictions_; }

 private:
  struct Node {
    K key;
    V value;
    std::size_t weight;
  };

  std::size_t max_entries_;
  std::size_t max_weight_;
  std::size_t weight_ = 0;
  std::uint64_t evictions_ = 0;
  std::list<Node> order_;
  std::unordered_map<K, typename std::list<Node>::iterator, Hash> index_;
};

}  // namespace profbufd::symbolize
