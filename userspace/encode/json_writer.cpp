#include "encode/json_writer.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <vector>

#include "encode/json_text.h"
#include "encode/time_format.h"

namespace profbufd {
namespace {

using json_text::append_hex_string;
using json_text::append_number;
using json_text::append_string;

const char* kind_name(FrameKind k) {
  switch (k) {
    case FrameKind::kKernel: return "kernel";
    case FrameKind::kUser: return "user";
    case FrameKind::kSynthetic: return "synthetic";
    case FrameKind::kPython: return "python";
  }
  return "user";
}

void value_type(std::string& o, const ValueType& t) {
  o += "{\"type\":";
  append_string(o, t.type);
  o += ",\"unit\":";
  append_string(o, t.unit);
  o += '}';
}

// "key": as a member name, comma first unless it is the first member.
void key(std::string& o, std::string_view k, bool first = false) {
  if (!first) o += ',';
  append_string(o, k);
  o += ':';
}

void identity(std::string& o, const ProfileMetadata& md) {
  key(o, "kind", true);
  append_string(o, md.kind);
  key(o, "version");
  append_string(o, md.version);
  key(o, "host");
  append_string(o, md.host);
  key(o, "kernel");
  append_string(o, md.kernel);
  key(o, "start");
  append_string(o, format_rfc3339_utc(md.start_unix_ns));
  key(o, "start_unix_ns");
  append_number(o, md.start_unix_ns);
  key(o, "duration_ns");
  append_number(o, md.duration_ns);
  key(o, "cpus");
  append_number(o, std::uint64_t{md.cpus});
}

void shape(std::string& o, const Profile& p) {
  key(o, "sample_types");
  append_sample_types_json(o, p.sample_types);
  key(o, "default_sample_type");
  append_string(o, p.default_sample_type);
  key(o, "period_type");
  value_type(o, p.period_type);
  key(o, "period");
  append_number(o, p.period);
  key(o, "totals");
  o += '[';
  for (std::size_t i = 0; i < p.sample_types.size(); ++i) {
    if (i) o += ',';
    append_number(o, p.total(i));
  }
  o += ']';
}

// "name": {"reason": n, ...}
void counts(std::string& o, std::string_view name,
            const std::map<std::string, std::uint64_t>& by_reason) {
  key(o, name);
  o += '{';
  bool first = true;
  for (const auto& [reason, n] : by_reason) {
    key(o, reason, first);
    append_number(o, n);
    first = false;
  }
  o += '}';
}

void metadata(std::string& o, const Profile& p) {
  const ProfileMetadata& md = p.metadata;
  o += '{';
  identity(o, md);
  shape(o, p);
  counts(o, "lost_samples", md.lost_samples);
  key(o, "user_unwind");
  append_string(o, md.user_unwind);
  counts(o, "truncated_stacks", md.truncated_stacks);
  counts(o, "python_stacks", md.python_stacks);
  counts(o, "named_frames", md.named_frames);
  counts(o, "unnamed_frames", md.unnamed_frames);
  key(o, "details");
  o += '{';
  bool first = true;
  for (const auto& [name, v] : md.details) {
    key(o, name, first);
    append_number(o, v);
    first = false;
  }
  o += '}';
  key(o, "comments");
  o += '[';
  for (std::size_t i = 0; i < md.comments.size(); ++i) {
    if (i) o += ',';
    append_string(o, md.comments[i]);
  }
  o += "]}";
}

void frame_object(std::string& o, const Location& loc, std::string_view function,
                  const SourceLine* line, bool inlined) {
  o += '{';
  key(o, "function", true);
  append_string(o, function);
  key(o, "module");
  append_string(o, loc.module);
  key(o, "offset");
  append_hex_string(o, loc.offset);
  key(o, "address");
  append_hex_string(o, loc.address);
  key(o, "kind");
  append_string(o, kind_name(loc.kind));
  o += loc.resolved ? ",\"resolved\":true" : ",\"resolved\":false";
  if (line != nullptr) {
    if (!line->file.empty()) {
      key(o, "file");
      append_string(o, line->file);
    }
    if (line->line > 0) {
      key(o, "line");
      append_number(o, line->line);
    }
    if (loc.kind == FrameKind::kPython && line->start_line > 0) {  // the def's line
      key(o, "start_line");
      append_number(o, line->start_line);
    }
  }
  if (inlined) o += ",\"inlined\":true";
  o += '}';
}

// The frame objects of one Location, rendered once and reused by every stack:
// one, or with inlined calls one per source line, innermost first, the
// inlined ones marked "inlined": true.
std::string frame(const Location& loc) {
  std::string o;
  if (loc.lines.empty()) {
    frame_object(o, loc, loc.function, nullptr, false);
    return o;
  }
  for (std::size_t i = 0; i < loc.lines.size(); ++i) {
    if (i) o += ',';
    const bool last = i + 1 == loc.lines.size();
    frame_object(o, loc, last ? std::string_view(loc.function) : loc.lines[i].function,
                 &loc.lines[i], !last);
  }
  return o;
}

void labels(std::string& o, const Sample& s) {
  o += "{\"pid\":";
  append_number(o, std::uint64_t{s.pid});
  o += ",\"tid\":";
  append_number(o, std::uint64_t{s.tid});
  o += ",\"comm\":";
  append_string(o, s.comm);
  for (const Label& l : s.labels) {
    key(o, l.key);
    if (l.numeric)
      append_number(o, l.num);
    else
      append_string(o, l.str);
  }
  o += '}';
}

void stack(std::string& o, const Profile& p, const Sample& s,
           const std::vector<std::string>& frames) {
  o += "{\"values\":[";
  for (std::size_t i = 0; i < p.sample_types.size(); ++i) {
    if (i) o += ',';
    append_number(o, s.values[i]);
  }
  o += "],\"labels\":";
  labels(o, s);
  o += ",\"frames\":[";
  for (std::size_t i = 0; i < s.locations.size(); ++i) {
    if (i) o += ',';
    o += frames.at(s.locations[i]);
  }
  o += "]}";
}

// Where a document goes: whole into the string, or in pieces to `out` (then
// the string holds only the piece being written).
struct JsonOut {
  std::string& o;
  const std::function<void(std::string_view)>* out = nullptr;
  void maybe_flush() {
    if (out != nullptr && o.size() >= kJsonPieceBytes) flush();
  }
  void flush() {
    if (out == nullptr || o.empty()) return;
    (*out)(o);
    o.clear();
  }
};

void stacks(JsonOut& j, const Profile& p) {
  std::string& o = j.o;
  std::vector<std::string> frames;
  frames.reserve(p.locations.size());
  for (const Location& loc : p.locations) frames.push_back(frame(loc));

  std::size_t by = p.sample_index(p.default_sample_type);
  if (by >= p.sample_types.size()) by = 0;
  std::vector<std::size_t> order(p.samples.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return p.samples[a].values[by] > p.samples[b].values[by];
  });
  // One allocation for the whole document, give or take: frames dominate. In
  // pieces, one piece and the stack that ends it.
  std::size_t bytes = o.size() + 2;
  for (const Sample& s : p.samples) {
    bytes += 96 + s.comm.size() + 24 * s.labels.size();
    for (std::uint32_t loc : s.locations) bytes += loc < frames.size() ? frames[loc].size() + 1 : 0;
  }
  o.reserve(j.out != nullptr ? std::min(bytes, 2 * kJsonPieceBytes) : bytes);
  o += '[';
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (i) o += ',';
    stack(o, p, p.samples[order[i]], frames);
    j.maybe_flush();
  }
  o += ']';
}

void document(JsonOut& j, const Profile& profile) {
  std::string& o = j.o;
  o += "{\"schema\":\"profbufd/profile\",\"schema_version\":";
  append_number(o, std::int64_t{kJsonSchemaVersion});
  o += ",\"metadata\":";
  metadata(o, profile);
  o += ",\"stacks\":";
  stacks(j, profile);
  o += "}\n";
  j.flush();
}

}  // namespace

void append_sample_types_json(std::string& out, const std::vector<ValueType>& types) {
  out += '[';
  for (std::size_t i = 0; i < types.size(); ++i) {
    if (i) out += ',';
    value_type(out, types[i]);
  }
  out += ']';
}

std::string render_json(const Profile& profile) {
  std::string o;
  JsonOut j{o};
  document(j, profile);
  return o;
}

void render_json_in_pieces(const Profile& profile,
                           const std::function<void(std::string_view)>& out) {
  std::string piece;
  JsonOut j{piece, &out};
  document(j, profile);
}

}  // namespace profbufd
