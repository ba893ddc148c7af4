// Every writer of a profile (pprof, JSON, folded, the page's flame graph, the
// goroutine text) on a Profile built from the input: any bytes in every name
// (thread names and symbols are a process's to choose), any counts and
// values, within the Profile's invariants (model/profile.h). What comes out
// must be what its reader accepts:
// - pprof: well-formed protobuf whose string table starts with "" and is
//   valid UTF-8, whose every string index is in the table, every id refers
//   to a message that exists, and every sample has one value per type;
// - JSON, the flame graph: a document nlohmann parses (which rejects invalid
//   UTF-8), with one stack per sample;
// - folded: lines of "stack value" whose names hold no control character.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>

#include "../userspace/encode/proto_wire.h"
#include "encode/flame_graph.h"
#include "encode/folded.h"
#include "encode/goroutine_text.h"
#include "encode/json_writer.h"
#include "encode/pprof.h"
#include "encode/utf8.h"

using namespace profbufd;
namespace wire = profbufd::testing::wire;

namespace {

// The input, read front to back; past its end every read is 0 or "".
struct Input {
  std::string_view in;
  std::uint8_t byte() {
    if (in.empty()) return 0;
    const auto b = static_cast<std::uint8_t>(in.front());
    in.remove_prefix(1);
    return b;
  }
  std::uint64_t u64() {
    std::uint64_t v = 0;
    const std::size_t n = std::min<std::size_t>(8, in.size());
    std::memcpy(&v, in.data(), n);
    in.remove_prefix(n);
    return v;
  }
  std::string str() {
    const std::size_t n = std::min<std::size_t>(byte() % 24, in.size());
    std::string s(in.substr(0, n));
    in.remove_prefix(n);
    return s;
  }
};

Location location(Input& in, std::size_t mappings) {
  Location l;
  l.address = in.u64();
  const std::uint8_t m = in.byte();
  l.mapping = mappings == 0 || m == 0xff ? kNoMapping : m % mappings;
  l.function = in.str();
  l.module = in.str();
  l.offset = in.u64();
  l.kind = static_cast<FrameKind>(in.byte() % 4);
  l.resolved = in.byte() & 1;
  for (int n = in.byte() % 3; n > 0; --n)
    l.lines.push_back({in.str(), in.str(), static_cast<std::int64_t>(in.u64() % 100000),
                       static_cast<std::int64_t>(in.byte())});
  return l;
}

Sample sample(Input& in, std::size_t types, std::size_t locations) {
  Sample s;
  for (int n = in.byte() % 8; n > 0; --n)
    s.locations.push_back(static_cast<std::uint32_t>(in.byte() % locations));
  for (std::size_t i = 0; i < types; ++i) s.values[i] = static_cast<std::int64_t>(in.u64() >> 16);
  s.pid = static_cast<std::uint32_t>(in.u64());
  s.tid = static_cast<std::uint32_t>(in.u64());
  s.comm = in.str();
  for (int n = in.byte() % 3; n > 0; --n) {
    Label l;
    l.key = in.str();
    l.numeric = in.byte() & 1;
    if (l.numeric) l.num = static_cast<std::int64_t>(in.u64());
    else l.str = in.str();
    s.labels.push_back(std::move(l));
  }
  return s;
}

void metadata(Input& in, ProfileMetadata& m) {
  m.kind = in.str();
  m.host = in.str();
  m.kernel = in.str();
  m.start_unix_ns = static_cast<std::int64_t>(in.u64() >> 2);
  m.duration_ns = static_cast<std::int64_t>(in.u64() >> 24);
  m.cpus = in.byte();
  for (int n = in.byte() % 3; n > 0; --n) m.lost_samples[in.str()] = in.u64() >> 8;
  for (int n = in.byte() % 3; n > 0; --n) m.comments.push_back(in.str());
  for (int n = in.byte() % 2; n > 0; --n) m.details.emplace_back(in.str(), in.byte());
  if (in.byte() & 1) m.folded_root = in.str();
}

Profile profile(Input& in) {
  Profile p;
  metadata(in, p.metadata);
  for (int n = 1 + in.byte() % kMaxSampleTypes; n > 0; --n)
    p.sample_types.push_back({in.str(), in.str()});
  if (in.byte() & 1) p.default_sample_type = p.sample_types[in.byte() % p.sample_types.size()].type;
  p.period_type = {in.str(), in.str()};
  p.period = static_cast<std::int64_t>(in.u64() >> 8);
  for (int n = in.byte() % 4; n > 0; --n)
    p.mappings.push_back({in.u64(), in.u64(), in.u64(), in.str(), in.str(), (in.byte() & 1) != 0});
  for (int n = 1 + in.byte() % 12; n > 0; --n) p.locations.push_back(location(in, p.mappings.size()));
  for (int n = in.byte() % 12; n > 0; --n)
    p.samples.push_back(sample(in, p.sample_types.size(), p.locations.size()));
  return p;
}

void require(bool ok) {
  if (!ok) std::abort();
}

// The ids of the messages in field `number` of the profile, each once.
std::set<std::uint64_t> ids(const std::vector<wire::Field>& top, std::uint32_t number) {
  std::set<std::uint64_t> out;
  for (const wire::Field& f : wire::all(top, number))
    require(out.insert(wire::one(wire::parse(f.bytes), 1)).second);
  return out;
}

// Every string index `fields` (by number) carry lies in the table.
void strings_in_table(const std::vector<wire::Field>& msg, std::initializer_list<std::uint32_t> fields,
                      std::size_t table) {
  for (std::uint32_t n : fields)
    for (const wire::Field& f : wire::all(msg, n)) require(f.varint < table);
}

void check_pprof(const Profile& p) {
  const auto top = wire::parse(encode_pprof_proto(p));
  const auto table = wire::all(top, 6);
  require(!table.empty() && table[0].bytes.empty());
  for (const wire::Field& s : table) require(is_valid_utf8(s.bytes));
  strings_in_table(top, {8, 14}, table.size());
  for (std::uint64_t c : wire::packed(top, 13)) require(c < table.size());
  for (std::uint32_t vt : {1u, 11u})
    for (const wire::Field& f : wire::all(top, vt)) strings_in_table(wire::parse(f.bytes), {1, 2}, table.size());
  const auto mappings = ids(top, 3), locations = ids(top, 4), functions = ids(top, 5);
  for (const wire::Field& f : wire::all(top, 3)) strings_in_table(wire::parse(f.bytes), {5, 6}, table.size());
  for (const wire::Field& f : wire::all(top, 5)) strings_in_table(wire::parse(f.bytes), {2, 3, 4}, table.size());
  for (const wire::Field& f : wire::all(top, 4)) {
    const auto loc = wire::parse(f.bytes);
    const std::uint64_t m = wire::one(loc, 2);
    require(m == 0 || mappings.count(m));
    for (const wire::Field& line : wire::all(loc, 4)) require(functions.count(wire::one(wire::parse(line.bytes), 1)));
  }
  const auto samples = wire::all(top, 2);
  require(samples.size() == p.samples.size());
  for (const wire::Field& f : samples) {
    const auto s = wire::parse(f.bytes);
    for (std::uint64_t id : wire::packed(s, 1)) require(locations.count(id));
    require(wire::packed(s, 2).size() == p.sample_types.size());
    for (const wire::Field& l : wire::all(s, 3)) strings_in_table(wire::parse(l.bytes), {1, 2, 4}, table.size());
  }
}

void check_json(const Profile& p) {
  const auto doc = nlohmann::json::parse(render_json(p));  // throws on invalid UTF-8
  require(doc.at("stacks").size() == p.samples.size());
  for (std::size_t i = 0; i < p.sample_types.size(); ++i) {
    const auto page = nlohmann::json::parse(flame_graph_json(p, p, {1, i, 1 + i * 50}));
    require(page.is_object());
  }
}

void check_folded(const Profile& p) {
  const std::string text = render_folded(p, p.samples.size() % p.sample_types.size());
  std::string_view rest = text;
  while (!rest.empty()) {
    const std::size_t nl = rest.find('\n');
    require(nl != std::string_view::npos);  // every line ends in '\n'
    const std::string_view line = rest.substr(0, nl);
    const std::size_t sp = line.rfind(' ');
    require(sp != std::string_view::npos && sp + 1 < line.size());
    for (char c : line.substr(sp + 1)) require((c >= '0' && c <= '9') || c == '-');
    for (char c : line.substr(0, sp)) require(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f);
    rest.remove_prefix(nl + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in{{reinterpret_cast<const char*>(data), size}};
  const Profile p = profile(in);
  check_pprof(p);
  check_json(p);
  check_folded(p);
  (void)render_goroutine_text(p);
  return 0;
}
