// Selecting the samples of a profile by their labels: the page's comm and pid
// filters, and the same for any label a kind or a later stage adds (a
// container, a systemd unit) without code that knows its name.
//
// A filter maps a label key to the values it accepts. A sample matches when,
// for every key of the filter, its value of that key is one of the accepted
// ones: values of one key are alternatives (pid=1 or pid=2), keys narrow
// (comm=nginx and pid=1). A sample without the key does not match.
//
// Lost samples ("[lost: <reason>]", profile.h) belong to no process: they are
// kept whatever the filter, so a filtered view still shows what was lost
// while it was collected and its totals still say so.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/profile.h"

namespace profbufd {

struct LabelFilter {
  std::map<std::string, std::vector<std::string>, std::less<>> accept;

  bool empty() const { return accept.empty(); }
  bool matches(const Sample& s) const;
};

// The value of label `key` of `s` as text: "pid", "tid" (decimal), "comm",
// or one of Sample::labels (numbers in decimal). Unset when it has none.
std::optional<std::string> sample_label(const Sample& s, std::string_view key);

// Every label key samples of `p` carry: pid, tid, comm, then the keys of
// Sample::labels in first-seen order.
std::vector<std::string> label_keys(const Profile& p);

// True for the samples that stand for lost records: one synthetic location
// named "[lost: ...]".
bool is_lost_sample(const Profile& p, const Sample& s);

// `p` with only the samples `filter` matches, and the lost samples
// (select_samples). An empty filter returns a copy of `p`.
Profile filter_profile(const Profile& p, const LabelFilter& filter);

// `p` with only the samples at `indices` (ascending), and only the locations
// and mappings they use (locations in their old order, mappings in order of
// first use): a part of a profile
// costs what it holds, in memory and on the wire.
Profile select_samples(const Profile& p, const std::vector<std::size_t>& indices);

}  // namespace profbufd
