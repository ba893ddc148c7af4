// An ELF file opened with libelf for the duration of a test, and its sections
// and executable segments as the tests look them up.
#pragma once

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "process/elf_layout.h"

namespace profbufd::unwind::testing {

struct Section {
  Elf_Data* data = nullptr;  // null if the file has no such section
  std::uint64_t addr = 0, size = 0;
};

class ElfFile {
 public:
  explicit ElfFile(const std::string& path) {
    init_libelf();
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw std::runtime_error("cannot open " + path);
    elf_ = elf_begin(fd_, ELF_C_READ_MMAP, nullptr);
    if (elf_ == nullptr) throw std::runtime_error("not ELF: " + path);
  }
  ~ElfFile() {
    elf_end(elf_);
    ::close(fd_);
  }
  ElfFile(const ElfFile&) = delete;
  ElfFile& operator=(const ElfFile&) = delete;

  Elf* elf() const { return elf_; }
  int fd() const { return fd_; }

  Section section(const char* name) const {
    std::size_t shstrndx = 0;
    elf_getshdrstrndx(elf_, &shstrndx);
    for (Elf_Scn* scn = elf_nextscn(elf_, nullptr); scn; scn = elf_nextscn(elf_, scn)) {
      GElf_Shdr sh;
      if (gelf_getshdr(scn, &sh) == nullptr) continue;
      const char* n = elf_strptr(elf_, shstrndx, sh.sh_name);
      if (n != nullptr && std::strcmp(n, name) == 0)
        return Section{elf_getdata(scn, nullptr), sh.sh_addr, sh.sh_size};
    }
    return {};
  }

  // [vaddr, vaddr + memsz) of each PT_LOAD segment with PF_X.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> exec_segments() const {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
    std::size_t n = 0;
    elf_getphdrnum(elf_, &n);
    for (std::size_t i = 0; i < n; ++i) {
      GElf_Phdr ph;
      if (gelf_getphdr(elf_, static_cast<int>(i), &ph) != nullptr && ph.p_type == PT_LOAD &&
          (ph.p_flags & PF_X))
        out.emplace_back(ph.p_vaddr, ph.p_vaddr + ph.p_memsz);
    }
    return out;
  }

 private:
  int fd_ = -1;
  Elf* elf_ = nullptr;
};

}  // namespace profbufd::unwind::testing
