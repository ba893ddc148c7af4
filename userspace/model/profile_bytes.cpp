#include "model/profile_bytes.h"

#include <string>

namespace profbufd {
namespace {

// libstdc++ keeps up to 15 characters inside the string object itself.
constexpr std::size_t kInlineChars = 15;

std::size_t heap(const std::string& s) {
  return s.capacity() > kInlineChars ? s.capacity() + 1 : 0;
}

}  // namespace

std::size_t approximate_bytes(const Profile& p) {
  std::size_t n = sizeof(Profile);
  const ProfileMetadata& md = p.metadata;
  n += heap(md.kind) + heap(md.version) + heap(md.host) + heap(md.kernel);
  for (const auto& [reason, count] : md.lost_samples)
    n += 64 + heap(reason) + sizeof(count);  // a map node
  for (const auto* by : {&md.truncated_stacks, &md.python_stacks, &md.named_frames, &md.unnamed_frames})
    for (const auto& [reason, count] : *by) n += 64 + heap(reason) + sizeof(count);
  n += heap(md.user_unwind);
  for (const auto& [name, value] : md.details) n += sizeof(value) + sizeof(name) + heap(name);
  for (const std::string& c : md.comments) n += sizeof(c) + heap(c);
  for (const ValueType& t : p.sample_types) n += sizeof(t) + heap(t.type) + heap(t.unit);
  n += heap(p.default_sample_type) + heap(p.period_type.type) + heap(p.period_type.unit);
  n += p.mappings.capacity() * sizeof(Mapping);
  for (const Mapping& m : p.mappings) n += heap(m.file) + heap(m.build_id);
  n += p.locations.capacity() * sizeof(Location);
  for (const Location& l : p.locations) {
    n += heap(l.function) + heap(l.module) + l.lines.capacity() * sizeof(SourceLine);
    for (const SourceLine& s : l.lines) n += heap(s.function) + heap(s.file);
  }
  n += p.samples.capacity() * sizeof(Sample);
  for (const Sample& s : p.samples) {
    n += s.locations.capacity() * sizeof(std::uint32_t) + heap(s.comm);
    n += s.labels.capacity() * sizeof(Label);
    for (const Label& l : s.labels) n += heap(l.key) + heap(l.str);
  }
  return n;
}

}  // namespace profbufd
