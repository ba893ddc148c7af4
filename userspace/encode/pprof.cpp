#include "encode/pprof.h"

#include <algorithm>
#include <map>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "encode/gzip.h"
#include "encode/protobuf.h"
#include "encode/utf8.h"

namespace profbufd {
namespace {

// Field numbers of profile.proto. They are the file format: never renumber.
namespace field {
constexpr std::uint32_t kProfileSampleType = 1;
constexpr std::uint32_t kProfileSample = 2;
constexpr std::uint32_t kProfileMapping = 3;
constexpr std::uint32_t kProfileLocation = 4;
constexpr std::uint32_t kProfileFunction = 5;
constexpr std::uint32_t kProfileStringTable = 6;
constexpr std::uint32_t kProfileTimeNanos = 9;
constexpr std::uint32_t kProfileDurationNanos = 10;
constexpr std::uint32_t kProfilePeriodType = 11;
constexpr std::uint32_t kProfilePeriod = 12;
constexpr std::uint32_t kProfileComment = 13;
constexpr std::uint32_t kProfileDefaultSampleType = 14;

constexpr std::uint32_t kValueTypeType = 1;
constexpr std::uint32_t kValueTypeUnit = 2;

constexpr std::uint32_t kSampleLocationId = 1;
constexpr std::uint32_t kSampleValue = 2;
constexpr std::uint32_t kSampleLabel = 3;

constexpr std::uint32_t kLabelKey = 1;
constexpr std::uint32_t kLabelStr = 2;
constexpr std::uint32_t kLabelNum = 3;

constexpr std::uint32_t kMappingId = 1;
constexpr std::uint32_t kMappingMemoryStart = 2;
constexpr std::uint32_t kMappingMemoryLimit = 3;
constexpr std::uint32_t kMappingFileOffset = 4;
constexpr std::uint32_t kMappingFilename = 5;
constexpr std::uint32_t kMappingBuildId = 6;
constexpr std::uint32_t kMappingHasFunctions = 7;

constexpr std::uint32_t kLocationId = 1;
constexpr std::uint32_t kLocationMappingId = 2;
constexpr std::uint32_t kLocationAddress = 3;
constexpr std::uint32_t kLocationLine = 4;

constexpr std::uint32_t kLineFunctionId = 1;
constexpr std::uint32_t kLineLine = 2;

constexpr std::uint32_t kFunctionId = 1;
constexpr std::uint32_t kFunctionName = 2;
constexpr std::uint32_t kFunctionSystemName = 3;
constexpr std::uint32_t kFunctionFilename = 4;
constexpr std::uint32_t kFunctionStartLine = 5;
}  // namespace field

// profile.proto refers to every string by its index in one table whose entry
// 0 must be "". Indices are handed out in first-use order, which makes the
// table (and the file) deterministic. Entries are stored as valid UTF-8, as
// proto3 requires of `string` fields; strings that differ only in invalid
// bytes may share an entry.
class StringTable {
 public:
  StringTable() { index(""); }

  std::int64_t index(std::string_view raw) {
    if (auto it = index_.find(raw); it != index_.end()) return it->second;
    std::string s = to_valid_utf8(raw);
    if (s != raw) {  // rare: share the entry of the sanitized text
      const std::int64_t i = index(s);
      index_.emplace(std::string(raw), i);
      return i;
    }
    const auto i = static_cast<std::int64_t>(strings_.size());
    index_.emplace(s, i);
    strings_.push_back(std::move(s));
    return i;
  }

  const std::vector<std::string>& strings() const { return strings_; }

 private:
  std::vector<std::string> strings_;  // index -> valid UTF-8 text
  std::map<std::string, std::int64_t, std::less<>> index_;  // raw or sanitized text -> index
};

class PprofBuilder {
 public:
  explicit PprofBuilder(const Profile& p) : p_(p) {}

  std::string build() {
    for (const ValueType& t : p_.sample_types)
      value_type(field::kProfileSampleType, t.type, t.unit);
    for (const Sample& s : p_.samples) sample(s);
    for (std::size_t i = 0; i < p_.mappings.size(); ++i) mapping(i);
    for (std::size_t i = 0; i < p_.locations.size(); ++i) location(i);
    functions();
    e_.int64_opt(field::kProfileTimeNanos, p_.metadata.start_unix_ns);
    e_.int64_opt(field::kProfileDurationNanos, p_.metadata.duration_ns);
    if (!p_.period_type.type.empty())
      value_type(field::kProfilePeriodType, p_.period_type.type, p_.period_type.unit);
    e_.int64_opt(field::kProfilePeriod, p_.period);
    comments();
    if (!p_.default_sample_type.empty())
      e_.int64(field::kProfileDefaultSampleType, strings_.index(p_.default_sample_type));
    // Last: every other field has registered its strings by now.
    for (const std::string& s : strings_.strings())
      e_.bytes(field::kProfileStringTable, s);
    return e_.take();
  }

 private:
  void value_type(std::uint32_t f, std::string_view type, std::string_view unit) {
    const auto m = e_.start_message();
    e_.int64_opt(field::kValueTypeType, strings_.index(type));
    e_.int64_opt(field::kValueTypeUnit, strings_.index(unit));
    e_.end_message(f, m);
  }

  void sample(const Sample& s) {
    ids_.clear();
    for (std::uint32_t loc : s.locations) {
      (void)p_.locations.at(loc);  // invariant: index in range
      ids_.push_back(std::uint64_t{loc} + 1);
    }
    const std::size_t nvalues = std::min(p_.sample_types.size(), s.values.size());
    const auto m = e_.start_message();
    e_.packed_uint64s(field::kSampleLocationId, ids_);
    e_.packed_int64s(field::kSampleValue, std::span<const std::int64_t>(s.values.data(), nvalues));
    num_label("pid", s.pid);
    num_label("tid", s.tid);
    str_label("comm", s.comm);
    for (const Label& l : s.labels) {
      if (l.numeric)
        num_label(l.key, l.num);
      else
        str_label(l.key, l.str);
    }
    e_.end_message(field::kProfileSample, m);
  }

  void num_label(std::string_view key, std::int64_t num) {
    const auto m = e_.start_message();
    e_.int64_opt(field::kLabelKey, strings_.index(key));
    e_.int64_opt(field::kLabelNum, num);
    e_.end_message(field::kSampleLabel, m);
  }

  void str_label(std::string_view key, std::string_view str) {
    const auto m = e_.start_message();
    e_.int64_opt(field::kLabelKey, strings_.index(key));
    e_.int64_opt(field::kLabelStr, strings_.index(str));
    e_.end_message(field::kSampleLabel, m);
  }

  void mapping(std::size_t i) {
    const Mapping& mp = p_.mappings[i];
    const auto m = e_.start_message();
    e_.uint64_opt(field::kMappingId, i + 1);
    e_.uint64_opt(field::kMappingMemoryStart, mp.start);
    e_.uint64_opt(field::kMappingMemoryLimit, mp.limit);
    e_.uint64_opt(field::kMappingFileOffset, mp.offset);
    e_.int64_opt(field::kMappingFilename, strings_.index(mp.file));
    e_.int64_opt(field::kMappingBuildId, strings_.index(mp.build_id));
    // Every location carries its function already: consumers must not try to
    // re-symbolize from (possibly absent or different) local binaries.
    e_.bool_opt(field::kMappingHasFunctions, true);
    e_.end_message(field::kProfileMapping, m);
  }

  void location(std::size_t i) {
    const Location& loc = p_.locations[i];
    const auto m = e_.start_message();
    e_.uint64_opt(field::kLocationId, i + 1);
    if (loc.mapping != kNoMapping) {
      (void)p_.mappings.at(loc.mapping);  // invariant: index in range
      e_.uint64_opt(field::kLocationMappingId, std::uint64_t{loc.mapping} + 1);
    }
    e_.uint64_opt(field::kLocationAddress, loc.address);
    // Inlined calls are Lines of one Location, innermost first, as pprof has it.
    if (loc.lines.empty()) {
      line(function_id(loc.function, loc.module, nullptr), 0);
    } else {
      for (const SourceLine& l : loc.lines)
        line(function_id(l.function, loc.module, &l), l.line);
    }
    e_.end_message(field::kProfileLocation, m);
  }

  void line(std::uint64_t function, std::int64_t number) {
    const auto m = e_.start_message();
    e_.uint64_opt(field::kLineFunctionId, function);
    e_.int64_opt(field::kLineLine, number);
    e_.end_message(field::kLocationLine, m);
  }

  // Two frames name the same function when name and module agree; the same
  // name in two modules (e.g. "main" of two programs) stays two functions.
  // Its file and first line come from the first source line that has them.
  std::uint64_t function_id(std::string_view name, std::string_view module,
                            const SourceLine* src) {
    auto [it, inserted] = function_ids_.try_emplace(
        std::pair<std::string_view, std::string_view>(name, module), functions_.size() + 1);
    if (inserted) functions_.push_back(Function{name, {}, 0});
    Function& f = functions_[it->second - 1];
    if (src != nullptr && f.file.empty() && !src->file.empty()) {
      f.file = src->file;
      f.start_line = src->start_line;
    }
    return it->second;
  }

  void functions() {
    for (std::size_t i = 0; i < functions_.size(); ++i) {
      const auto m = e_.start_message();
      e_.uint64_opt(field::kFunctionId, i + 1);
      const std::int64_t name = strings_.index(functions_[i].name);
      e_.int64_opt(field::kFunctionName, name);
      e_.int64_opt(field::kFunctionSystemName, name);
      e_.int64_opt(field::kFunctionFilename, strings_.index(functions_[i].file));
      e_.int64_opt(field::kFunctionStartLine, functions_[i].start_line);
      e_.end_message(field::kProfileFunction, m);
    }
  }

  void comments() {
    const ProfileMetadata& md = p_.metadata;
    std::vector<std::int64_t> ids;
    auto add = [&](const std::string& c) { ids.push_back(strings_.index(c)); };
    add("profbufd " + md.version);
    if (!md.host.empty()) add("host " + md.host);
    if (!md.kernel.empty()) add("kernel " + md.kernel);
    if (!md.kind.empty()) add("kind " + md.kind);
    for (const std::string& c : md.comments) add(c);
    for (const auto& [reason, n] : md.lost_samples)
      add("lost samples " + reason + " " + std::to_string(n));
    add("user unwind " + md.user_unwind);
    for (const auto& [reason, n] : md.truncated_stacks)
      add("truncated stacks " + reason + " " + std::to_string(n));
    for (const auto& [reason, n] : md.python_stacks)
      add("python stacks " + reason + " " + std::to_string(n));
    for (const auto& [source, n] : md.named_frames)
      add("named frames " + source + " " + std::to_string(n));
    for (const auto& [reason, n] : md.unnamed_frames)
      add("unnamed frames " + reason + " " + std::to_string(n));
    e_.packed_int64s(field::kProfileComment, ids);
  }

  const Profile& p_;
  proto::Encoder e_;
  StringTable strings_;
  std::vector<std::uint64_t> ids_;  // scratch for one sample's location ids
  // Keys view into p_'s strings, which outlive the builder.
  std::map<std::pair<std::string_view, std::string_view>, std::uint64_t> function_ids_;
  struct Function {  // views into p_'s strings
    std::string_view name, file;
    std::int64_t start_line;
  };
  std::vector<Function> functions_;  // index = function id - 1
};

}  // namespace

std::string encode_pprof_proto(const Profile& profile) {
  return PprofBuilder(profile).build();
}

Result<std::string> render_pprof(const Profile& profile) {
  return gzip_compress(encode_pprof_proto(profile));
}

}  // namespace profbufd
