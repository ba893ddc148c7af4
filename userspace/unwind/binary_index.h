// What the unwinder knows of each binary a process maps: the key its table is
// stored under (the GNU build ID, else device, inode and size) and its ELF
// layout (for each mapping's load bias), read once per file, not per process.
//
// Files are opened as the symbolizer opens them (process/binary_path.h):
// through the process's own root, or map_files for deleted binaries. The vDSO
// has no file: it is the same image in every process on a kernel, so it is read
// once from profbufd's own address space.
//
// Bounded: at most `capacity` files are remembered (least recently used go).
// Not thread-safe: the unwinder's thread owns it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "common/error.h"
#include "process/elf_layout.h"
#include "process/proc_maps.h"
#include "symbolize/lru_cache.h"

namespace profbufd::unwind {

struct BinaryInfo {
  std::string key;  // "build-id:<hex>" or "file:<dev>:<inode>:<size>"
  ElfLayout layout;
};

class BinaryIndex {
 public:
  explicit BinaryIndex(std::string procfs_root = "/proc", std::size_t capacity = 1024);

  // The binary behind a file mapping of `pid`. Errors: the file cannot be
  // opened (the process went away, a permission) or is not ELF.
  Result<BinaryInfo> file(std::uint32_t pid, const MapEntry& m);
  // The vDSO; nullopt if profbufd cannot read its own.
  const std::optional<BinaryInfo>& vdso();
  // The vDSO image (for building its table), empty if unavailable.
  std::span<const std::byte> vdso_image() const;

 private:
  struct FileKey {
    std::uint64_t dev, inode;
    std::string path;
    bool operator==(const FileKey&) const = default;
  };
  struct FileKeyHash {
    std::size_t operator()(const FileKey& k) const;
  };

  std::string procfs_root_;
  symbolize::LruCache<FileKey, BinaryInfo, FileKeyHash> files_;
  bool vdso_read_ = false;
  std::optional<BinaryInfo> vdso_;
  std::span<const std::byte> vdso_image_;
};

}  // namespace profbufd::unwind
