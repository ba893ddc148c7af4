// The ringbuf record decoder (capture/sample_decoder.h) on any bytes, then
// the decoded sample through a real ProfBuf and back, read as the reader
// thread reads records (core/record.h): what went in must come out.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "capture/sample_decoder.h"
#include "capture/task_interner.h"
#include "core/profbuf.h"
#include "core/record.h"

using namespace profbufd;

namespace {

void round_trip(const capture::DecodedSample& s) {
  static capture::TaskInterner interner(64);
  ProfBuf buf(kRecordHeaderWords, 2 + kRecordHeaderWords + kMaxStackWords, 1);
  const TaskIdentity* task = interner.intern(s.comm);
  capture::write_sample(s, task, buf);
  const ProfBuf::ReadResult r = buf.read(ReadMode::kNonBlocking);
  if (r.tags.size() != 1 || r.tags[0] != task) std::abort();
  const std::size_t len = r.data[0];
  if (len != r.data.size() || len != 2 + kRecordHeaderWords + s.stack.size()) std::abort();
  if (r.data[1] != s.time_ns) std::abort();
  if (std::memcmp(&r.data[2], s.hdr.data(), sizeof(s.hdr)) != 0) std::abort();
  const auto stack = r.data.subspan(2 + kRecordHeaderWords);
  if (!std::equal(stack.begin(), stack.end(), s.stack.begin(), s.stack.end())) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Ringbuf records are 8-byte aligned; the decoder requires it.
  std::vector<std::uint64_t> words((size + 7) / 8);
  if (size) std::memcpy(words.data(), data, size);
  const capture::DecodeResult d = capture::decode_sample({reinterpret_cast<const std::byte*>(words.data()), size});
  if (!d.sample) return 0;
  if (d.sample->stack.size() > kMaxStackWords) std::abort();
  round_trip(*d.sample);
  return 0;
}
