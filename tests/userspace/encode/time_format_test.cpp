#include "encode/time_format.h"

#include <gtest/gtest.h>

namespace profbufd {
namespace {

TEST(TimeFormat, Rfc3339KeepsNanoseconds) {
  EXPECT_EQ(format_rfc3339_utc(1795290780123456789), "2026-11-21T19:53:00.123456789Z");
  EXPECT_EQ(format_rfc3339_utc(0), "1970-01-01T00:00:00.000000000Z");
}

TEST(TimeFormat, BeforeTheEpochRoundsDown) {
  // 1 ns before the epoch is the last nanosecond of 1969, not 1970 minus.
  EXPECT_EQ(format_rfc3339_utc(-1), "1969-12-31T23:59:59.999999999Z");
  EXPECT_EQ(format_file_stamp_utc(-1), "19691231T235959.999Z");
}

TEST(TimeFormat, FileStampTruncatesToMilliseconds) {
  EXPECT_EQ(format_file_stamp_utc(1795290780123456789), "20261121T195300.123Z");
  EXPECT_EQ(format_file_stamp_utc(1795290780999999999), "20261121T195300.999Z");
  EXPECT_EQ(format_file_stamp_utc(0), "19700101T000000.000Z");
}

TEST(TimeFormat, LeapDay) {
  // 2024-02-29T12:00:00Z
  EXPECT_EQ(format_rfc3339_utc(1709208000LL * 1'000'000'000),
            "2024-02-29T12:00:00.000000000Z");
}

TEST(TimeFormat, Int64ExtremesKeepFixedWidth) {
  EXPECT_EQ(format_file_stamp_utc(INT64_MAX).size(), 20u);  // year 2262
  EXPECT_EQ(format_file_stamp_utc(INT64_MIN).size(), 20u);  // year 1677
  EXPECT_EQ(format_rfc3339_utc(INT64_MAX), "2262-04-11T23:47:16.854775807Z");
  EXPECT_EQ(format_rfc3339_utc(INT64_MIN), "1677-09-21T00:12:43.145224192Z");
}

}  // namespace
}  // namespace profbufd
