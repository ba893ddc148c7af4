#include "metrics/owned_metrics.h"

#include <stdexcept>

namespace profbufd::metrics {

OwnedFamily::OwnedFamily(MetricType type, std::string name, std::string help,
                         std::vector<std::string> label_names)
    : type_(type),
      name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)) {
  check_family(type_, name_, help_);
  for (std::size_t k = 0; k < label_names_.size(); ++k) {
    check_label_name(label_names_[k]);
    for (std::size_t m = 0; m < k; ++m)
      if (label_names_[m] == label_names_[k])
        throw std::invalid_argument("metric \"" + name_ + "\": label \"" +
                                    label_names_[k] + "\" given twice");
  }
}

void OwnedFamily::check_arity(const std::vector<std::string>& values) const {
  if (values.size() != label_names_.size())
    throw std::invalid_argument("metric \"" + name_ + "\": " +
                                std::to_string(values.size()) + " label values for " +
                                std::to_string(label_names_.size()) + " label names");
}

MetricWriter::Labels OwnedFamily::labels_of(const std::vector<std::string>& values) const {
  MetricWriter::Labels labels;
  labels.reserve(values.size());
  for (std::size_t k = 0; k < values.size(); ++k)
    labels.emplace_back(label_names_[k], values[k]);
  return labels;
}

void OwnedFamily::declare(MetricWriter& writer) const {
  writer.declare(type_, name_, help_, label_names_, MetricWriter::Origin::kOwned);
}

void OwnedFamily::write(MetricWriter& writer, const MetricWriter::Labels& labels,
                        SampleValue value) const {
  writer.add(type_, name_, help_, labels, value, MetricWriter::Origin::kOwned);
}

}  // namespace profbufd::metrics
