// libdw asked directly, address by address: the rule of the libdw row
// (Dwarf_Frame) covering one vaddr, reduced by classify(). The tables are
// built in one pass over the FDEs; this looks every address up on its own.
#pragma once

#include <elfutils/libdw.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "elf_file.h"
#include "unwind.h"
#include "unwind/rule_classify.h"

namespace profbufd::unwind::testing {

struct LibdwRow {
  uw_rule rule{};
  std::uint64_t start = 0, end = 0;  // the libdw row's range
  bool signal = false;
};

class LibdwOracle {
 public:
  explicit LibdwOracle(const std::string& path) : file_(path) {
    cfi_ = dwarf_getcfi_elf(file_.elf());
    if (cfi_ == nullptr) throw std::runtime_error("libdw has no CFI for " + path);
  }
  ~LibdwOracle() { dwarf_cfi_end(cfi_); }
  LibdwOracle(const LibdwOracle&) = delete;
  LibdwOracle& operator=(const LibdwOracle&) = delete;

  // The row covering `vaddr`, or nullopt where no FDE covers it.
  std::optional<LibdwRow> at(std::uint64_t vaddr) const {
    Dwarf_Frame* frame = nullptr;
    if (dwarf_cfi_addrframe(cfi_, vaddr, &frame) != 0) return std::nullopt;
    std::unique_ptr<Dwarf_Frame, decltype(&std::free)> owned(frame, &std::free);
    LibdwRow r;
    Dwarf_Addr start = 0, end = 0;
    dwarf_frame_info(frame, &start, &end, &r.signal);
    r.start = start;
    r.end = end;
    r.rule = classify(frame, r.signal);
    return r;
  }

  // classify() of the frame at `vaddr` told `signal` whatever the CIE says.
  std::optional<uw_rule> classify_as(std::uint64_t vaddr, bool signal) const {
    Dwarf_Frame* frame = nullptr;
    if (dwarf_cfi_addrframe(cfi_, vaddr, &frame) != 0) return std::nullopt;
    std::unique_ptr<Dwarf_Frame, decltype(&std::free)> owned(frame, &std::free);
    return classify(frame, signal);
  }

 private:
  ElfFile file_;
  Dwarf_CFI* cfi_ = nullptr;
};

}  // namespace profbufd::unwind::testing
