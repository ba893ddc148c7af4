#include "python/interpreter_file.h"

#include <gelf.h>
#include <libelf.h>

#include <cstring>
#include <memory>
#include <vector>

#include "process/elf_layout.h"

namespace profbufd::python {
namespace {

struct ElfCloser {
  void operator()(Elf* e) const { elf_end(e); }
};

struct Symbols {
  std::optional<GElf_Sym> runtime, version;
};

void scan(Elf* elf, Symbols& out) {
  Elf_Scn* scn = nullptr;
  while ((scn = elf_nextscn(elf, scn)) != nullptr) {
    GElf_Shdr sh;
    if (gelf_getshdr(scn, &sh) == nullptr || (sh.sh_type != SHT_DYNSYM && sh.sh_type != SHT_SYMTAB))
      continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (data == nullptr || sh.sh_entsize == 0) continue;
    const std::size_t n = sh.sh_size / sh.sh_entsize;
    for (std::size_t i = 0; i < n; ++i) {
      GElf_Sym sym;
      if (gelf_getsym(data, static_cast<int>(i), &sym) == nullptr || sym.st_shndx == SHN_UNDEF)
        continue;
      const char* name = elf_strptr(elf, sh.sh_link, sym.st_name);
      if (name == nullptr) continue;
      if (std::strcmp(name, "_PyRuntime") == 0) out.runtime = sym;
      if (std::strcmp(name, "Py_Version") == 0) out.version = sym;
    }
  }
}

// The `n` bytes the file holds at ELF vaddr `vaddr`, through its PT_LOAD segments.
bool read_at(int fd, const ElfLayout& layout, std::uint64_t vaddr, void* out, std::size_t n) {
  for (const LoadSegment& s : layout.segments) {
    if (vaddr < s.vaddr || vaddr + n > s.vaddr + s.filesz) continue;
    const auto off = static_cast<off_t>(vaddr - s.vaddr + s.offset);
    return pread(fd, out, n, off) == static_cast<ssize_t>(n);
  }
  return false;
}

std::optional<std::uint32_t> read_word(int fd, const ElfLayout& layout, std::uint64_t vaddr) {
  std::uint32_t v = 0;
  if (!read_at(fd, layout, vaddr, &v, sizeof v)) return std::nullopt;
  return v;
}

// 3.13+: _PyRuntime starts with _Py_DebugOffsets, initialized data, so the
// file holds it; empty when it does not start with the cookie.
std::vector<std::uint64_t> read_debug_offsets(int fd, const ElfLayout& layout,
                                              std::uint64_t vaddr) {
  std::vector<std::uint64_t> w(kDebugOffsetWords);
  if (!read_at(fd, layout, vaddr, w.data(), w.size() * sizeof(std::uint64_t)) ||
      std::memcmp(w.data(), kDebugCookie, sizeof(std::uint64_t)) != 0)
    return {};
  return w;
}

}  // namespace

bool looks_like_python(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  const std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  return base.starts_with("python3") || base.starts_with("libpython3");
}

std::uint32_t version_from_name(std::string_view path) {
  const std::size_t at = path.rfind("python3.");
  if (at == std::string_view::npos) return 0;
  unsigned minor = 0;
  std::size_t i = at + 8, digits = 0;
  for (; i < path.size() && path[i] >= '0' && path[i] <= '9' && digits < 3; ++i, ++digits)
    minor = minor * 10 + static_cast<unsigned>(path[i] - '0');
  return digits == 0 ? 0 : (3u << 24) | (minor << 16);
}

Result<std::optional<InterpreterFile>> read_interpreter_file(int fd, std::string_view name) {
  init_libelf();
  std::unique_ptr<Elf, ElfCloser> elf(elf_begin(fd, ELF_C_READ_MMAP, nullptr));
  if (!elf || elf_kind(elf.get()) != ELF_K_ELF)
    return make_error(ExitCode::kRuntime, "reading " + std::string(name), "not an ELF file");
  Symbols syms;
  scan(elf.get(), syms);
  if (!syms.runtime) return std::optional<InterpreterFile>{};
  InterpreterFile f;
  f.runtime_vaddr = syms.runtime->st_value;
  auto layout = read_elf_layout(elf.get(), name);
  if (!layout) return layout.error();
  f.layout = std::move(layout).value();
  if (syms.version) f.version = read_word(fd, f.layout, syms.version->st_value).value_or(0);
  if (f.version == 0) f.version = version_from_name(name);
  if (f.version >= 0x030d0000) f.debug_offsets = read_debug_offsets(fd, f.layout, f.runtime_vaddr);
  return std::optional<InterpreterFile>{f};
}

}  // namespace profbufd::python
