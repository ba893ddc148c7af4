#include "symbolize/elf_symbols.h"

#include <elf.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "symbolize/dwarf_lines.h"
#include "symbolize/xz.h"

namespace profbufd::symbolize {
namespace {

Error elf_error(std::string_view name, std::string_view why) {
  return make_error(ExitCode::kRuntime, "reading ELF file " + std::string(name), std::string(why));
}

std::size_t leading_underscores(std::string_view s) {
  const auto n = s.find_first_not_of('_');
  return n == std::string_view::npos ? s.size() : n;
}

}  // namespace

// Reads one Elf handle into an ElfSymbols; lives only during load_fd().
class ElfReader {
 public:
  ElfReader(Elf* elf, std::string_view name) : elf_(elf), name_(name) {}

  Result<ElfSymbols> read(const DebugOpener& debug) && {
    auto layout = read_elf_layout(elf_, name_);
    if (!layout) return layout.error();
    out_.layout_ = std::move(layout).value();
    const Sections own = read_sections(elf_, false);
    out_.dwarf_ = has_dwarf_lines(elf_) ? ElfSymbols::DwarfIn::kBinary : ElfSymbols::DwarfIn::kNone;
    if (!own.symtab && debug) {
      if (DebugFile f = debug(out_.layout_.build_id, own.link); f.fd) {
        const bool dwarf = read_debug_file(f.fd.get());
        out_.debug_file_remote_ = out_.has_debug_file_ && f.remote;
        if (dwarf && out_.dwarf_ == ElfSymbols::DwarfIn::kNone) {
          out_.dwarf_ = ElfSymbols::DwarfIn::kDebugFile;
          out_.debug_fd_ = std::move(f.fd);
        }
      }
    }
    if (!own.symtab && !out_.has_debug_file_ && !own.mini_debuginfo.empty())
      read_mini_debuginfo(own.mini_debuginfo);
    finish_symbols();
    return std::move(out_);
  }

 private:
  struct Candidate {
    std::uint64_t start;
    std::uint64_t size;
    std::uint32_t name;         // offset into names_
    std::uint8_t binding_rank;  // global 0, weak 1, local 2
    bool from_debug;
  };

  struct Sections {
    bool symtab = false;
    std::optional<DebugLink> link;
    std::string_view mini_debuginfo;  // .gnu_debugdata, while the Elf is open
  };

  // Reads the function symbols of every symbol table of `elf`, and says
  // whether it has .symtab and what its .gnu_debuglink names.
  Sections read_sections(Elf* elf, bool from_debug) {
    Sections found;
    reserve_for_tables(elf);
    std::size_t shstrndx = 0;
    if (elf_getshdrstrndx(elf, &shstrndx) != 0) shstrndx = 0;
    Elf_Scn* scn = nullptr;
    while ((scn = elf_nextscn(elf, scn)) != nullptr) {
      GElf_Shdr shdr;
      if (gelf_getshdr(scn, &shdr) == nullptr) continue;
      if (shdr.sh_type == SHT_SYMTAB || shdr.sh_type == SHT_DYNSYM)
        read_symbols(elf, scn, shdr, from_debug);
      found.symtab |= shdr.sh_type == SHT_SYMTAB;
      const char* name = shstrndx != 0 ? elf_strptr(elf, shstrndx, shdr.sh_name) : nullptr;
      if (name == nullptr || shdr.sh_type != SHT_PROGBITS) continue;
      const bool link = std::strcmp(name, ".gnu_debuglink") == 0;
      if (!link && std::strcmp(name, ".gnu_debugdata") != 0) continue;
      Elf_Data* d = elf_getdata(scn, nullptr);
      if (d == nullptr || d->d_buf == nullptr) continue;
      const std::string_view bytes(static_cast<const char*>(d->d_buf), d->d_size);
      if (link)
        found.link = parse_debug_link(bytes);
      else
        found.mini_debuginfo = bytes;
    }
    return found;
  }

  // Room for every symbol of `elf`'s symbol tables in candidates_ and for
  // their string tables in names_, at once. The sizes are those of the bytes
  // the file holds (a section with data in it: libelf checks that it lies
  // inside the file; SHT_NOBITS has none), counted in real symbol entries,
  // never what headers a hostile file can inflate say.
  void reserve_for_tables(Elf* elf) {
    const std::size_t entry = gelf_fsize(elf, ELF_T_SYM, 1, EV_CURRENT);
    std::size_t symbols = 0, name_bytes = 0;
    Elf_Scn* scn = nullptr;
    while (entry != 0 && (scn = elf_nextscn(elf, scn)) != nullptr) {
      GElf_Shdr shdr;
      if (gelf_getshdr(scn, &shdr) == nullptr ||
          (shdr.sh_type != SHT_SYMTAB && shdr.sh_type != SHT_DYNSYM))
        continue;
      const Elf_Data* syms = elf_getdata(scn, nullptr);
      const Elf_Data* strs = elf_getdata(elf_getscn(elf, shdr.sh_link), nullptr);
      if (syms == nullptr || strs == nullptr || syms->d_buf == nullptr || strs->d_buf == nullptr)
        continue;
      symbols += syms->d_size / entry;
      name_bytes += strs->d_size;
    }
    candidates_.reserve(candidates_.size() + symbols);
    names_.reserve(name_bytes);
  }

  // MiniDebugInfo: an xz-compressed ELF file holding the .symtab that
  // stripping removed (symbolize/xz.h bounds it).
  void read_mini_debuginfo(std::string_view compressed) {
    std::optional<std::string> bytes = xz_decompress(compressed);
    if (!bytes) return;
    std::unique_ptr<Elf, decltype(&elf_end)> elf(elf_memory(bytes->data(), bytes->size()),
                                                 &elf_end);
    if (!elf || elf_kind(elf.get()) != ELF_K_ELF) return;
    read_sections(elf.get(), true);
    out_.has_debug_file_ = true;
  }

  // Reads the debug file's symbols; says whether it has DWARF lines.
  bool read_debug_file(int fd) {
    std::unique_ptr<Elf, decltype(&elf_end)> elf(elf_begin(fd, ELF_C_READ_MMAP, nullptr),
                                                 &elf_end);
    if (!elf || elf_kind(elf.get()) != ELF_K_ELF) return false;
    read_sections(elf.get(), true);
    out_.has_debug_file_ = true;
    return has_dwarf_lines(elf.get());
  }

  void read_symbols(Elf* elf, Elf_Scn* scn, const GElf_Shdr& shdr, bool from_debug) {
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (data == nullptr || shdr.sh_entsize == 0) return;
    const std::size_t count = shdr.sh_size / shdr.sh_entsize;
    for (std::size_t i = 0; i < count; ++i) {
      GElf_Sym sym;
      if (gelf_getsym(data, static_cast<int>(i), &sym) == nullptr) continue;
      const int type = GELF_ST_TYPE(sym.st_info);
      if (type != STT_FUNC && type != STT_GNU_IFUNC) continue;
      if (sym.st_shndx == SHN_UNDEF || sym.st_value == 0) continue;
      const char* name = elf_strptr(elf, shdr.sh_link, sym.st_name);
      if (name == nullptr || *name == '\0') continue;
      const int bind = GELF_ST_BIND(sym.st_info);
      const std::uint8_t rank = bind == STB_GLOBAL ? 0 : bind == STB_WEAK ? 1 : 2;
      candidates_.push_back(
          Candidate{sym.st_value, sym.st_size, names_.add(name), rank, from_debug});
    }
  }

  // True if a should name the address rather than b (same start).
  bool better(const Candidate& a, const Candidate& b) const {
    if ((a.size != 0) != (b.size != 0)) return a.size != 0;
    if (a.binding_rank != b.binding_rank) return a.binding_rank < b.binding_rank;
    const std::string_view an = names_.get(a.name), bn = names_.get(b.name);
    const auto au = leading_underscores(an), bu = leading_underscores(bn);
    if (au != bu) return au < bu;
    return an.size() < bn.size();
  }

  // The candidate that names each start address: the better of those at
  // one address, with the widest size among them (aliases may disagree).
  std::vector<std::pair<const Candidate*, std::uint64_t>> survivors() const {
    std::vector<std::pair<const Candidate*, std::uint64_t>> out;
    for (const Candidate& c : candidates_) {
      if (!out.empty() && c.start == out.back().first->start) {
        auto& [best, widest] = out.back();
        widest = std::max(widest, c.size);
        if (better(c, *best)) best = &c;
        continue;
      }
      out.emplace_back(&c, c.size);
    }
    return out;
  }

  // The survivors into the result, each table allocated once at its size.
  void finish_symbols() {
    std::stable_sort(candidates_.begin(), candidates_.end(),
                     [](const Candidate& a, const Candidate& b) { return a.start < b.start; });
    const auto kept = survivors();
    std::size_t name_bytes = 0;
    for (const auto& [c, widest] : kept) name_bytes += names_.get(c->name).size() + 1;
    auto& syms = out_.symbols_;
    syms.reserve(kept.size());
    out_.arena_.reserve(name_bytes);
    for (const auto& [c, widest] : kept) {
      const std::uint32_t name = out_.arena_.add(names_.get(c->name));
      if (name >= ElfSymbols::kFromDebug) break;  // 2 GiB of names: not a real binary
      syms.push_back(ElfSymbols::Symbol{
          c->start, static_cast<std::uint32_t>(std::min<std::uint64_t>(widest, UINT32_MAX)),
          name | (c->from_debug ? ElfSymbols::kFromDebug : 0)});
    }
    out_.layout_.segments.shrink_to_fit();
  }

  Elf* elf_;
  std::string_view name_;
  ElfSymbols out_;
  std::vector<Candidate> candidates_;  // .symtab and .dynsym together (duplicates merge)
  StringArena names_;                  // every candidate name; survivors are copied
};

Result<ElfSymbols> ElfSymbols::load_fd(int fd, std::string_view name, const DebugOpener& debug) {
  init_libelf();
  std::unique_ptr<Elf, decltype(&elf_end)> elf(elf_begin(fd, ELF_C_READ_MMAP, nullptr), &elf_end);
  if (!elf) return elf_error(name, elf_errmsg(-1));
  return ElfReader(elf.get(), name).read(debug);
}

Result<ElfSymbols> ElfSymbols::load(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return elf_error(path, std::strerror(errno));
  auto result = load_fd(fd, path);
  ::close(fd);
  return result;
}

std::optional<ElfSymbol> ElfSymbols::find(std::uint64_t vaddr) const {
  const auto it = std::upper_bound(symbols_.begin(), symbols_.end(), vaddr,
                                   [](std::uint64_t a, const Symbol& s) { return a < s.start; });
  if (it == symbols_.begin()) return std::nullopt;
  const Symbol& s = *std::prev(it);
  const std::uint64_t offset = vaddr - s.start;
  if (s.size != 0 && offset >= s.size) return std::nullopt;
  if (s.size == 0) {
    // An unsized symbol reaches up to the next symbol, but not past the end of
    // its segment: otherwise "_fini" would claim everything after the code.
    const bool same_segment = std::any_of(
        layout_.segments.begin(), layout_.segments.end(),
        [&](const LoadSegment& g) { return s.start >= g.vaddr && vaddr < g.vaddr + g.filesz; });
    if (!same_segment) return std::nullopt;
  }
  return ElfSymbol{arena_.get(s.name & ~kFromDebug), s.start, s.size, offset,
                   (s.name & kFromDebug) != 0};
}

std::size_t ElfSymbols::memory_bytes() const {
  return sizeof(*this) + symbols_.capacity() * sizeof(Symbol) +
         layout_.segments.capacity() * sizeof(LoadSegment) + layout_.build_id.capacity() +
         arena_.bytes();
}

}  // namespace profbufd::symbolize
