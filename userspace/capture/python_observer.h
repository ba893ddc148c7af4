// Who is told of the Python frames of each sample as the loader routes it
// (capture/sample_router.h): python/code_prefetch.h, which reads their code
// objects while the process still lives.
#pragma once

#include <cstdint>
#include <span>

namespace profbufd::capture {

class PythonFrameObserver {
 public:
  virtual ~PythonFrameObserver() = default;
  // The record's Python frames, two words each (bpf/python.h), of process
  // `pid`. Called on the loader thread for every record that has any: it must
  // not block, and `words` is valid only during the call.
  virtual void python_frames(std::uint32_t pid, std::span<const std::uint64_t> words) = 0;
};

}  // namespace profbufd::capture
