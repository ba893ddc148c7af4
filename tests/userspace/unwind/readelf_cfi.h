// `readelf --debug-dump=frames-interp` as an independent oracle: binutils'
// own reading of the CIEs and FDEs of a binary, and of the rule table each FDE
// makes (CFA, saved registers, return address), parsed into structs.
//
// readelf prints an FDE's table only when the FDE has instructions of its own;
// an FDE without gets its CIE's initial row here.
#pragma once

#include <cctype>
#include <cstdint>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "unwind_test_util.h"

namespace profbufd::unwind::testing {

struct ReadelfRow {
  std::uint64_t loc = 0;
  std::string cfa;                           // "rsp+16", "rbp+16", "exp", ...
  std::map<std::string, std::string> regs;   // column -> "c-16", "u", "s", ...
};

struct ReadelfFde {
  std::uint64_t lo = 0, hi = 0;
  bool eh = true;          // in .eh_frame (else .debug_frame)
  std::string aug;         // its CIE's augmentation
  std::vector<ReadelfRow> rows;
  bool has_register_column(const std::string& r) const {
    return !rows.empty() && rows.front().regs.count(r) != 0;
  }
};

namespace detail {

struct ReadelfCie {
  std::string aug;
  std::vector<ReadelfRow> rows;
};

// The words of a line; readelf prints a register rule as "r9 (r9)", one
// column in two words, kept together here.
inline std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) {
    if (!out.empty() && w.front() == '(')
      out.back() += " " + w;
    else
      out.push_back(w);
  }
  return out;
}

// "0000000000026000 rsp+16 ...": 16 hex digits and a space.
inline bool is_row(const std::string& l) {
  if (l.size() < 17 || l[16] != ' ') return false;
  for (int i = 0; i < 16; ++i)
    if (!std::isxdigit(static_cast<unsigned char>(l[i]))) return false;
  return true;
}

// "rsp+16" -> ("rsp", 16); "c-8" -> ("c", -8); nullopt if not of that form.
inline std::optional<std::pair<std::string, std::int64_t>> reg_offset(const std::string& s) {
  const auto at = s.find_first_of("+-");
  if (at == 0 || at == std::string::npos || at + 1 == s.size()) return std::nullopt;
  for (std::size_t i = at + 1; i < s.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
  return std::make_pair(s.substr(0, at), std::stoll(s.substr(at)));
}

struct ReadelfParser {
  std::vector<ReadelfFde> fdes;
  std::map<std::pair<bool, std::uint64_t>, ReadelfCie> cies;
  bool eh = true;
  ReadelfCie* cie = nullptr;
  ReadelfFde* fde = nullptr;
  std::uint64_t fde_cie = 0;
  std::vector<std::string> columns;

  void finish_fde() {
    if (fde == nullptr) return;
    const ReadelfCie& c = cies.at({fde->eh, fde_cie});
    fde->aug = c.aug;
    if (fde->rows.empty() && !c.rows.empty()) {
      fde->rows.push_back(c.rows.back());
      fde->rows.back().loc = fde->lo;
    }
    fde = nullptr;
  }

  void row(const std::vector<std::string>& w) {
    std::vector<ReadelfRow>* rows = fde ? &fde->rows : cie ? &cie->rows : nullptr;
    if (rows == nullptr || w.size() != columns.size() + 2) return;
    ReadelfRow r;
    r.loc = std::stoull(w[0], nullptr, 16);
    r.cfa = w[1];
    for (std::size_t i = 0; i < columns.size(); ++i) r.regs[columns[i]] = w[i + 2];
    rows->push_back(std::move(r));
  }

  void line(const std::string& l) {
    static const std::regex kCie(R"(^([0-9a-f]{8}) [0-9a-f]+ [0-9a-f]+ CIE \"([^\"]*)\".*)");
    static const std::regex kFde(
        R"(^([0-9a-f]{8}) [0-9a-f]+ [0-9a-f]+ FDE cie=([0-9a-f]+) pc=([0-9a-f]+)\.\.([0-9a-f]+).*)");
    std::smatch m;
    if (is_row(l)) {
      row(words(l));
    } else if (l.find("Contents of the .eh_frame section") == 0) {
      finish_fde();
      eh = true;
    } else if (l.find("Contents of the .debug_frame section") == 0) {
      finish_fde();
      eh = false;
    } else if (l.find(" CIE ") != std::string::npos && std::regex_match(l, m, kCie)) {
      finish_fde();
      cie = &cies[{eh, std::stoull(m[1], nullptr, 16)}];
      cie->aug = m[2];
    } else if (l.find(" FDE ") != std::string::npos && std::regex_match(l, m, kFde)) {
      finish_fde();
      cie = nullptr;
      fdes.push_back(ReadelfFde{std::stoull(m[3], nullptr, 16), std::stoull(m[4], nullptr, 16),
                                eh, "", {}});
      fde = &fdes.back();
      fde_cie = std::stoull(m[2], nullptr, 16);
    } else if (l.find("   LOC") == 0) {
      columns = words(l);
      columns.erase(columns.begin(), columns.begin() + 2);  // "LOC", "CFA"
    }
  }
};

}  // namespace detail

// Every FDE of `path` with its table, in section order; throws if readelf fails.
// Read once per file_key().
inline std::vector<ReadelfFde> readelf_fdes(const std::string& path) {
  static std::map<std::string, std::vector<ReadelfFde>> cache;
  const std::string key = file_key(path);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  // readelf exits 1 when a binary lacks one of the sections asked for (libc has
  // no .debug_frame), so its status says nothing: its output does.
  const auto out =
      run("readelf --wide --debug-dump=frames-interp '" + path + "' 2>/dev/null; true");
  if (!out || out->find("Contents of the .") == std::string::npos)
    throw std::runtime_error("readelf printed no CFI for " + path);
  detail::ReadelfParser p;
  p.fdes.reserve(out->size() / 64);
  std::istringstream in(*out);
  for (std::string l; std::getline(in, l);) p.line(l);
  p.finish_fde();
  return cache.emplace(key, std::move(p.fdes)).first->second;
}

// What the walker's rule must be where readelf shows `row` (of an FDE whose
// CIE has augmentation `aug`): nullopt if it matches, else why not.
inline std::optional<std::string> mismatch(const ReadelfRow& row, const std::string& aug,
                                           const uw_rule& r) {
  auto fail = [&](const std::string& why) {
    return std::optional<std::string>(why + ": readelf CFA " + row.cfa + ", ra " +
                                      (row.regs.count("ra") ? row.regs.at("ra") : "?") +
                                      ", ours " + to_string(r));
  };
  if (aug.find('S') != std::string::npos)
    return r.cfa_kind == UW_CMD_SIGNAL ? std::nullopt : fail("signal frame");
  const std::string ra = row.regs.count("ra") ? row.regs.at("ra") : "";
  if (ra == "u") return r.cfa_kind == UW_CMD_STOP ? std::nullopt : fail("undefined ra");
  if (ra != "c-8") return r.cfa_kind == UW_CMD_BAD_RA ? std::nullopt : fail("ra elsewhere");
  if (row.cfa == "exp") {
    const bool expr = r.cfa_kind == UW_CFA_PLT || r.cfa_kind == UW_CFA_DEREF_RSP ||
                      r.cfa_kind == UW_CFA_DEREF_RBP || r.cfa_kind == UW_CMD_BAD_CFA_EXPR;
    return expr ? std::nullopt : fail("CFA expression");
  }
  const auto cfa = detail::reg_offset(row.cfa);
  if (!cfa) return fail("unparsed CFA");
  if (cfa->first == "rsp" || cfa->first == "rbp") {
    const int kind = cfa->first == "rsp" ? UW_CFA_RSP : UW_CFA_RBP;
    if (r.cfa_kind != kind || r.cfa_off != cfa->second) return fail("CFA register rule");
  } else {
    return r.cfa_kind == UW_CMD_BAD_CFA_REG ? std::nullopt : fail("CFA in another register");
  }
  const std::string rbp = row.regs.count("rbp") ? row.regs.at("rbp") : "u";
  // readelf's "u" is both "never saved" (same value, by the x86-64 ABI) and
  // DW_CFA_undefined.
  if (rbp == "u")
    return r.rbp_kind == UW_RBP_SAME || r.rbp_kind == UW_RBP_UNDEF ? std::nullopt
                                                                   : fail("rbp not saved");
  if (rbp == "s") return r.rbp_kind == UW_RBP_SAME ? std::nullopt : fail("rbp same value");
  if (const auto saved = detail::reg_offset(rbp); saved && saved->first == "c")
    return r.rbp_kind == UW_RBP_CFA_OFF && r.rbp_off == saved->second ? std::nullopt
                                                                      : fail("rbp saved");
  return r.rbp_kind == UW_RBP_BAD ? std::nullopt : fail("rbp rule " + rbp);
}

}  // namespace profbufd::unwind::testing
