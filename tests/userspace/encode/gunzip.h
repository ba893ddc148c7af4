// Test helper: gzip decompression with zlib, independent of the code under test.
#pragma once

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

namespace profbufd::testing {

// windowBits 15 + 16 accepts only a gzip wrapper, so a zlib or raw deflate
// stream fails here.
inline std::string gunzip(const std::string& gz) {
  z_stream zs{};
  EXPECT_EQ(inflateInit2(&zs, 15 + 16), Z_OK);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  zs.avail_in = static_cast<uInt>(gz.size());
  std::string out;
  char buf[4096];
  int rc;
  do {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof buf - zs.avail_out);
  } while (rc == Z_OK);
  EXPECT_EQ(rc, Z_STREAM_END);
  EXPECT_EQ(zs.avail_in, 0u) << "trailing bytes after the gzip member";
  inflateEnd(&zs);
  return out;
}

}  // namespace profbufd::testing
