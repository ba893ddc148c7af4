// Test helper: drains a ProfBuf into owned records, following the record
// layout of userspace/core/record.h. Shared by the capture unit
// tests and tests/e2e/capture_test.cpp.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "core/record.h"
#include "core/profbuf.h"

namespace profbufd::capture::test_util {

struct Record {
  std::uint64_t time = 0;
  std::vector<std::uint64_t> hdr;
  std::vector<std::uint64_t> stack;
  const void* tag = nullptr;

  bool is_overflow() const { return tag == nullptr; }
  RecordHeader header() const { return RecordHeader::unpack(hdr); }
  StackInfo info() const { return header().stack; }
  const TaskIdentity* task() const { return static_cast<const TaskIdentity*>(tag); }
};

// Reads until nothing is left (kNonBlocking) or EOF. `eof` reports which.
inline std::vector<Record> drain(ProfBuf& buf, bool* eof = nullptr) {
  std::vector<Record> out;
  for (;;) {
    const ProfBuf::ReadResult r = buf.read(ReadMode::kNonBlocking);
    if (eof) *eof = r.eof;
    if (r.data.empty()) return out;
    std::size_t i = 0;
    for (const void* tag : r.tags) {
      EXPECT_LT(i, r.data.size());
      if (i >= r.data.size()) return out;
      const std::size_t len = r.data[i];
      EXPECT_GE(len, 2 + kRecordHeaderWords);
      if (len < 2 + kRecordHeaderWords || i + len > r.data.size()) return out;
      Record rec;
      rec.time = r.data[i + 1];
      rec.hdr.assign(r.data.begin() + i + 2, r.data.begin() + i + 2 + kRecordHeaderWords);
      rec.stack.assign(r.data.begin() + i + 2 + kRecordHeaderWords, r.data.begin() + i + len);
      rec.tag = tag;
      out.push_back(std::move(rec));
      i += len;
    }
    EXPECT_EQ(i, r.data.size());
  }
}

}  // namespace profbufd::capture::test_util
