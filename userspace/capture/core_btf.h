// Which kernel BTF libbpf relocates the BPF object against (CO-RE).
//
// By default libbpf parses all of /sys/kernel/btf/vmlinux (5-6 MB, about 9 MB of
// peak RSS and tens of milliseconds) to relocate a handful of field accesses. The
// build cuts the types the object uses out of the build kernel's BTF
// (`bpftool gen min_core_btf`, embedded with that BTF's size and CRC-32). On the
// same kernel, CoreBtf hands libbpf those few bytes instead; on any other kernel
// it declines and libbpf falls back to the full BTF, so correctness never
// depends on where the binary was built.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "common/error.h"

namespace profbufd::capture {

struct BtfIdentity {
  std::uint64_t size = 0;
  std::uint32_t crc32 = 0;
  bool operator==(const BtfIdentity&) const = default;
};

// Size and CRC-32 of everything readable from fd (read in chunks: no large buffer).
Result<BtfIdentity> btf_identity(int fd);

class CoreBtf {
 public:
  // The minimized BTF if `vmlinux` is the BTF it was cut from (`expected`),
  // else nullopt (different kernel, unreadable file, no memfd).
  static std::optional<CoreBtf> select(const std::string& vmlinux, const BtfIdentity& expected,
                                       std::span<const unsigned char> minimized);
  // select() with the BTF embedded by the build and the running kernel's BTF.
  static std::optional<CoreBtf> for_running_kernel(
      const std::string& vmlinux = "/sys/kernel/btf/vmlinux");

  CoreBtf(CoreBtf&& other) noexcept;
  CoreBtf& operator=(CoreBtf&&) = delete;
  CoreBtf(const CoreBtf&) = delete;
  ~CoreBtf();

  // A path libbpf can open (btf_custom_path): /proc/self/fd/N of a memfd.
  const std::string& path() const { return path_; }

 private:
  explicit CoreBtf(int fd);
  int fd_;
  std::string path_;
};

}  // namespace profbufd::capture
