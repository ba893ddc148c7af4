// The locations and mappings of one Profile while it is built: one Location per
// distinct frame (kernel address; user binary + address; synthetic name), one
// Mapping per executable mapping, symbolized on first use. It is also the
// ProfileAssembly a kind's finish() adds to.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <unordered_map>

#include "model/profile.h"
#include "model/profile_assembly.h"

namespace profbufd {

class ProcessMaps;
class Symbolizer;
struct SymbolizedFrame;

class LocationTable final : public ProfileAssembly {
 public:
  LocationTable(Profile& p, Symbolizer& s) : p_(p), sym_(s) {}

  std::uint32_t kernel(std::uint64_t addr);
  // `maps` is the snapshot taken when pid was first seen (null: none). An
  // address outside it is looked up once more in a fresh read of the maps
  // (once per process per profile), for code mapped after the snapshot;
  // without a snapshot, never (the pid may run another program by now), nor
  // when `may_refresh` is false (a program the pid ran before its newest).
  std::uint32_t user(std::uint32_t pid, const ProcessMaps* maps, std::uint64_t addr,
                     bool may_refresh = true);
  // A Python frame of pid (its two words, bpf/python.h). Frames of one
  // function at one line are one location, whatever process ran them.
  std::uint32_t python(std::uint32_t pid, std::uint64_t word0, std::uint64_t word1);
  // Whether location `index` is CPython's _PyEval_EvalFrameDefault, whose
  // native frames the Python frames it ran replace.
  bool is_python_eval(std::uint32_t index) const;

  Profile& profile() override { return p_; }
  std::uint32_t synthetic(std::string_view name) override;

  // Sets the kernel mapping's range to the addresses seen. Call once, last.
  void finish();

 private:
  using UserKey = std::tuple<std::string, std::uint64_t, std::uint32_t, std::uint64_t>;
  using MappingKey = std::tuple<std::string, std::uint64_t, std::uint64_t, std::uint64_t>;
  using PythonWords = std::tuple<std::uint32_t, std::uint64_t, std::uint64_t>;  // pid, words
  using PythonKey = std::tuple<std::string, std::string, std::int64_t>;  // function, file, line

  const ProcessMaps* refreshed(std::uint32_t pid);
  std::uint32_t add(std::uint64_t addr, std::uint32_t mapping, const SymbolizedFrame& f,
                    FrameKind kind);
  std::uint32_t kernel_mapping();
  std::uint32_t user_mapping(const SymbolizedFrame& f);

  Profile& p_;
  Symbolizer& sym_;
  std::unordered_map<std::uint64_t, std::uint32_t> kernel_locs_;
  std::map<UserKey, std::uint32_t> user_locs_;
  std::map<std::string, std::uint32_t, std::less<>> synthetic_locs_;
  std::map<MappingKey, std::uint32_t> mappings_;
  std::map<PythonWords, std::uint32_t> python_words_;
  std::map<PythonKey, std::uint32_t> python_locs_;
  std::unordered_map<std::uint32_t, std::unique_ptr<ProcessMaps>> refreshed_;
  std::uint32_t kernel_mapping_ = kNoMapping;
  std::uint64_t kernel_lo_ = UINT64_MAX, kernel_hi_ = 0;
};

}  // namespace profbufd
