#include "metrics/metric_writer.h"

#include <algorithm>
#include <stdexcept>

namespace profbufd::metrics {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// <0 / 0 / >0 like strcmp, but a run of digits compares as a number, so CPU and
// PID labels read in numeric order. Leading zeros: the shorter spelling first, so
// that distinct strings never compare equal.
int natural_compare(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (is_digit(a[i]) && is_digit(b[j])) {
      std::size_t ie = i, je = j;
      while (ie < a.size() && is_digit(a[ie])) ++ie;
      while (je < b.size() && is_digit(b[je])) ++je;
      std::string_view da = a.substr(i, ie - i), db = b.substr(j, je - j);
      const std::string_view ta = da.substr(std::min(da.find_first_not_of('0'), da.size()));
      const std::string_view tb = db.substr(std::min(db.find_first_not_of('0'), db.size()));
      if (ta.size() != tb.size()) return ta.size() < tb.size() ? -1 : 1;
      if (const int c = ta.compare(tb); c != 0) return c;
      if (da.size() != db.size()) return da.size() < db.size() ? -1 : 1;
      i = ie;
      j = je;
      continue;
    }
    if (a[i] != b[j])
      return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]) ? -1 : 1;
    ++i;
    ++j;
  }
  if (i == a.size() && j == b.size()) return 0;
  return i == a.size() ? -1 : 1;
}

std::string describe(std::string_view name) { return "metric \"" + std::string(name) + "\""; }

}  // namespace

bool MetricWriter::NaturalLess::operator()(const std::vector<std::string>& a,
                                           const std::vector<std::string>& b) const {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t k = 0; k < n; ++k)
    if (const int c = natural_compare(a[k], b[k]); c != 0) return c < 0;
  return a.size() < b.size();
}

MetricWriter::Family& MetricWriter::declare(MetricType type, std::string_view name,
                                             std::string_view help,
                                             const std::vector<std::string>& label_names,
                                             Origin origin) {
  check_family(type, name, help);
  for (std::size_t k = 0; k < label_names.size(); ++k) {
    check_label_name(label_names[k]);
    for (std::size_t m = 0; m < k; ++m)
      if (label_names[m] == label_names[k])
        throw std::invalid_argument(describe(name) + ": label \"" + label_names[k] +
                                    "\" given twice");
  }

  auto it = families_.find(name);
  if (it == families_.end())
    return families_
        .emplace(std::string(name), Family{type, std::string(help), origin, label_names, {}})
        .first->second;

  Family& f = it->second;
  if (f.origin != origin)
    throw std::logic_error(describe(name) +
                           ": written by a collector and also owned by the registry");
  if (f.type != type)
    throw std::logic_error(describe(name) + ": declared as both " +
                           std::string(type_name(f.type)) + " and " +
                           std::string(type_name(type)));
  if (f.help != help) throw std::logic_error(describe(name) + ": declared with two help texts");
  // Same size and no duplicates on either side: equal as sets iff each is found.
  bool same = f.label_names.size() == label_names.size();
  for (std::size_t k = 0; same && k < label_names.size(); ++k)
    same = std::find(f.label_names.begin(), f.label_names.end(), label_names[k]) !=
           f.label_names.end();
  if (!same) throw std::logic_error(describe(name) + ": series with different label names");
  return f;
}

void MetricWriter::add(MetricType type, std::string_view name, std::string_view help,
                       const Labels& labels, SampleValue value, Origin origin) {
  std::vector<std::string> names;
  names.reserve(labels.size());
  for (const auto& l : labels) names.push_back(l.first);
  Family& f = declare(type, name, help, names, origin);

  // Label values in the family's label order; declare() made sure all are there.
  std::vector<std::string> values;
  values.reserve(f.label_names.size());
  for (const std::string& label : f.label_names)
    values.push_back(std::find_if(labels.begin(), labels.end(), [&](const auto& l) {
                       return l.first == label;
                     })->second);
  if (!f.series.emplace(std::move(values), value).second)
    throw std::logic_error(describe(name) + ": the same series written twice");
}

std::string MetricWriter::text() const {
  std::string out;
  for (const auto& [name, f] : families_) {
    if (f.series.empty()) continue;
    out += "# HELP " + name + " " + escape_help(f.help) + "\n";
    out += "# TYPE " + name + " " + std::string(type_name(f.type)) + "\n";
    for (const auto& [values, value] : f.series) {
      out += name;
      if (!values.empty()) {
        out += '{';
        for (std::size_t k = 0; k < values.size(); ++k) {
          if (k > 0) out += ',';
          out += f.label_names[k] + "=\"" + escape_label_value(values[k]) + "\"";
        }
        out += '}';
      }
      out += ' ' + value.text() + '\n';
    }
  }
  return out;
}

}  // namespace profbufd::metrics
