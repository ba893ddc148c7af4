#include "metrics/registry.h"

#include <stdexcept>

namespace profbufd::metrics {

template <typename F>
F& Registry::declare(const std::string& name, const std::string& help,
                     const std::vector<std::string>& label_names) {
  std::lock_guard lock(families_mu_);
  auto it = families_.find(name);
  if (it == families_.end()) {
    // The constructor checks names and throws before anything is registered.
    auto family = std::make_unique<F>(name, help, label_names);
    F& ref = *family;
    families_.emplace(name, std::move(family));
    return ref;
  }
  F* existing = dynamic_cast<F*>(it->second.get());
  if (existing == nullptr || existing->help() != help ||
      existing->label_names() != label_names)
    throw std::logic_error("metric \"" + name +
                           "\": declared twice with a different type, help or labels");
  return *existing;
}

CounterFamily& Registry::counter(const std::string& name, const std::string& help,
                                 const std::vector<std::string>& label_names) {
  return declare<CounterFamily>(name, help, label_names);
}

GaugeFamily& Registry::gauge(const std::string& name, const std::string& help,
                             const std::vector<std::string>& label_names) {
  return declare<GaugeFamily>(name, help, label_names);
}

Registry::CollectorId Registry::add_collector(Collector collector) {
  if (!collector) throw std::invalid_argument("metrics: empty collector");
  std::lock_guard lock(collectors_mu_);
  const CollectorId id = next_id_++;
  collectors_.emplace(id, std::move(collector));
  return id;
}

void Registry::remove_collector(CollectorId id) {
  std::lock_guard lock(collectors_mu_);
  collectors_.erase(id);
}

std::string Registry::render() const {
  MetricWriter writer;
  {
    // Owned families first, so that a collector writing one of their names is
    // caught as a clash by the writer.
    std::lock_guard lock(families_mu_);
    for (const auto& [name, family] : families_) family->collect(writer);
  }
  {
    std::lock_guard lock(collectors_mu_);
    for (const auto& [id, collector] : collectors_) collector(writer);
  }
  return writer.text();
}

}  // namespace profbufd::metrics
