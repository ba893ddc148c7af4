#include "unwind/binary_index.h"

#include <libelf.h>
#include <sys/auxv.h>
#include <sys/stat.h>

#include <functional>
#include <memory>

#include "common/file_text.h"
#include "process/binary_path.h"

namespace profbufd::unwind {
namespace {

Result<BinaryInfo> info_of(Elf* elf, std::string_view name, const std::string& fallback_key) {
  auto layout = read_elf_layout(elf, name);
  if (!layout) return layout.error();
  BinaryInfo b;
  b.key = layout->build_id.empty() ? fallback_key : "build-id:" + layout->build_id;
  b.layout = std::move(layout).value();
  return b;
}

// The [vdso] line of profbufd's own maps: where the image is and how big.
std::span<const std::byte> own_vdso() {
  const auto base = getauxval(AT_SYSINFO_EHDR);
  if (base == 0) return {};
  const FileText maps = read_file_text("/proc/self/maps");
  auto parsed = parse_maps(maps.text);
  if (maps.err != 0 || !parsed) return {};
  for (const MapEntry& m : *parsed)
    if (m.path == "[vdso]" && m.start == base)
      return {reinterpret_cast<const std::byte*>(m.start), m.end - m.start};
  return {};
}

}  // namespace

std::size_t BinaryIndex::FileKeyHash::operator()(const FileKey& k) const {
  return std::hash<std::string>()(k.path) ^ (k.inode * 0x9e3779b97f4a7c15ULL) ^ (k.dev << 1);
}

BinaryIndex::BinaryIndex(std::string procfs_root, std::size_t capacity)
    : procfs_root_(std::move(procfs_root)), files_(capacity) {}

Result<BinaryInfo> BinaryIndex::file(std::uint32_t pid, const MapEntry& m) {
  const FileKey key{(std::uint64_t{m.dev_major} << 32) | m.dev_minor, m.inode, m.path};
  if (const BinaryInfo* known = files_.get(key)) return *known;
  auto fd = symbolize::open_mapped_file(procfs_root_, pid, m);
  if (!fd) return fd.error();
  struct stat st {};
  ::fstat(fd->get(), &st);
  init_libelf();
  std::unique_ptr<Elf, decltype(&elf_end)> elf(elf_begin(fd->get(), ELF_C_READ_MMAP, nullptr),
                                              &elf_end);
  if (!elf)
    return make_error(ExitCode::kRuntime, "reading ELF file " + m.path, elf_errmsg(-1));
  auto info = info_of(elf.get(), m.path,
                      "file:" + std::to_string(key.dev) + ":" + std::to_string(m.inode) + ":" +
                          std::to_string(st.st_size));
  if (!info) return info.error();
  return files_.put(key, std::move(info).value());
}

const std::optional<BinaryInfo>& BinaryIndex::vdso() {
  if (vdso_read_) return vdso_;
  vdso_read_ = true;
  vdso_image_ = own_vdso();
  if (vdso_image_.empty()) return vdso_;
  init_libelf();
  char* base = reinterpret_cast<char*>(const_cast<std::byte*>(vdso_image_.data()));
  std::unique_ptr<Elf, decltype(&elf_end)> elf(elf_memory(base, vdso_image_.size()), &elf_end);
  if (!elf) return vdso_;
  auto info = info_of(elf.get(), "[vdso]", "vdso");
  if (info) vdso_ = std::move(info).value();
  return vdso_;
}

std::span<const std::byte> BinaryIndex::vdso_image() const { return vdso_image_; }

}  // namespace profbufd::unwind
