#include "sinks/profile_files.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "encode/render.h"
#include "scratch_dir.h"
#include "../encode/test_profile.h"

namespace profbufd {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::list_dir;
using testing::read_file;
using testing::sample_profile;
using testing::ScratchDir;

TEST(ProfileFiles, WindowStemIsPrefixPlusUtcStamp) {
  EXPECT_EQ(window_stem(testing::kSampleStartNs), "profbufd-20261121T195300.123Z");
}

TEST(ProfileFiles, ParsesOnlyExactProfileFileNames) {
  EXPECT_EQ(parse_profile_file_name("profbufd-20261121T195300.123Z.pb.gz"),
            "profbufd-20261121T195300.123Z");
  EXPECT_EQ(parse_profile_file_name("profbufd-20261121T195300.123Z.json"),
            "profbufd-20261121T195300.123Z");
  EXPECT_EQ(parse_profile_file_name("profbufd-20261121T195300.123Z.folded"),
            "profbufd-20261121T195300.123Z");
  for (const char* other : {
           "profbufd-20261121T195300.123Z.txt",       // unknown extension
           "profbufd-20261121T195300.123Z.pb",        // partial extension
           "profbufd-20261121T195300.123Z",           // no extension
           "profbufd-notes.json",                     // not a stamp
           "profbufd-20261121T195300.12Z.json",       // short stamp
           "profbufd-2026112xT195300.123Z.json",      // non-digit
           "profbufd-20261121T195300.123Z.json.bak",  // suffix after
           "xprofbufd-20261121T195300.123Z.json",     // prefix before
           ".profbufd-20261121T195300.123Z.json.tmp.1.0",  // write in progress
           "other.json", ""}) {
    EXPECT_EQ(parse_profile_file_name(other), std::nullopt) << other;
  }
}

// Kinds other than cpu carry their name; the cpu kind keeps the plain stem.
TEST(ProfileFiles, OtherKindsNameTheirFiles) {
  EXPECT_EQ(window_stem(testing::kSampleStartNs, "cpu"), "profbufd-20261121T195300.123Z");
  EXPECT_EQ(window_stem(testing::kSampleStartNs, "block"), "profbufd-block-20261121T195300.123Z");
  EXPECT_EQ(parse_profile_file_name("profbufd-block-20261121T195300.123Z.pb.gz"),
            "profbufd-block-20261121T195300.123Z");
  for (const char* other : {"profbufd--20261121T195300.123Z.json",       // empty kind
                            "profbufd-Block-20261121T195300.123Z.json",  // not lowercase
                            "profbufd-block20261121T195300.123Z.json",   // no dash
                            "profbufd-block-.json"})
    EXPECT_EQ(parse_profile_file_name(other), std::nullopt) << other;
}

TEST(ProfileFiles, PruneKeepsTheNewestWindowsOfEachKind) {
  ScratchDir d;
  for (const char* stem : {"profbufd-20261121T195000.000Z", "profbufd-20261121T195100.000Z",
                           "profbufd-block-20261121T195000.000Z",
                           "profbufd-block-20261121T195100.000Z"})
    testing::write_file(d.file(std::string(stem) + ".json"), "j");
  Result<std::vector<std::string>> r = prune_windows(d.path(), 1);
  ASSERT_TRUE(r.ok()) << r.error().line();
  EXPECT_THAT(*r, ElementsAre("profbufd-20261121T195000.000Z.json",
                              "profbufd-block-20261121T195000.000Z.json"));
}

TEST(ProfileFiles, WriteWindowWritesEachFormatUnderOneStem) {
  ScratchDir d;
  const Profile p = sample_profile();
  Result<std::vector<std::string>> r = write_window(
      d.path(), p,
      {OutputFormat::kPprof, OutputFormat::kJson, OutputFormat::kFolded, OutputFormat::kJson});
  ASSERT_TRUE(r.ok()) << r.error().line();
  const std::string stem = d.path() + "/profbufd-20261121T195300.123Z";
  EXPECT_THAT(*r, ElementsAre(stem + ".pb.gz", stem + ".json", stem + ".folded"));
  EXPECT_THAT(list_dir(d.path()), ElementsAre("profbufd-20261121T195300.123Z.folded",
                                              "profbufd-20261121T195300.123Z.json",
                                              "profbufd-20261121T195300.123Z.pb.gz"));
  for (OutputFormat f : {OutputFormat::kPprof, OutputFormat::kJson, OutputFormat::kFolded})
    EXPECT_EQ(read_file(stem + std::string(extension(f))), *render(p, f)) << format_name(f);
}

TEST(ProfileFiles, WriteWindowOnlyRequestedFormats) {
  ScratchDir d;
  Result<std::vector<std::string>> r = write_window(d.path(), sample_profile(),
                                                    {OutputFormat::kFolded});
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(list_dir(d.path()), ElementsAre("profbufd-20261121T195300.123Z.folded"));
  ASSERT_TRUE(write_window(d.path(), sample_profile(), {}).ok());
  EXPECT_EQ(list_dir(d.path()).size(), 1u);
}

TEST(ProfileFiles, WriteWindowReportsTheFailingFile) {
  ScratchDir d;
  const std::string missing = d.file("gone");
  Result<std::vector<std::string>> r =
      write_window(missing, sample_profile(), {OutputFormat::kJson});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ExitCode::kWriteFailed);
  EXPECT_THAT(r.error().line(),
              HasSubstr("writing " + missing + "/profbufd-20261121T195300.123Z.json"));
}

// Names used by the retention tests: five windows, oldest first.
const char* const kStems[] = {
    "profbufd-20261121T195000.000Z", "profbufd-20261121T195100.000Z",
    "profbufd-20261121T195200.000Z", "profbufd-20261121T195300.000Z",
    "profbufd-20261121T195400.000Z"};

TEST(ProfileFiles, PruneKeepsNewestWindowsAndTouchesNothingElse) {
  ScratchDir d;
  for (const char* stem : kStems) {
    testing::write_file(d.file(std::string(stem) + ".pb.gz"), "p");
    testing::write_file(d.file(std::string(stem) + ".json"), "j");
  }
  testing::write_file(d.file(std::string(kStems[0]) + ".folded"), "f");  // one more format
  // Things retention must never touch:
  const std::vector<std::string> foreign = {
      "profbufd-notes.txt",
      "profbufd-20001121T195300.123Z.txt",
      ".profbufd-20001121T195300.123Z.json.tmp.123.0",  // a write in progress
      "other.json",
      "profbufd-2000.json",
  };
  for (const std::string& f : foreign) testing::write_file(d.file(f), "x");
  ASSERT_EQ(::mkdir(d.file("profbufd-19991121T195300.123Z.json").c_str(), 0755), 0);
  ASSERT_EQ(::symlink("other.json", d.file("profbufd-19981121T195300.123Z.json").c_str()), 0);

  Result<std::vector<std::string>> r = prune_windows(d.path(), 2);
  ASSERT_TRUE(r.ok()) << r.error().line();
  EXPECT_THAT(*r, ElementsAre("profbufd-20261121T195000.000Z.folded",
                              "profbufd-20261121T195000.000Z.json",
                              "profbufd-20261121T195000.000Z.pb.gz",
                              "profbufd-20261121T195100.000Z.json",
                              "profbufd-20261121T195100.000Z.pb.gz",
                              "profbufd-20261121T195200.000Z.json",
                              "profbufd-20261121T195200.000Z.pb.gz"));
  EXPECT_THAT(list_dir(d.path()),
              ElementsAre(".profbufd-20001121T195300.123Z.json.tmp.123.0", "other.json",
                          "profbufd-19981121T195300.123Z.json",
                          "profbufd-19991121T195300.123Z.json",
                          "profbufd-2000.json", "profbufd-20001121T195300.123Z.txt",
                          "profbufd-20261121T195300.000Z.json",
                          "profbufd-20261121T195300.000Z.pb.gz",
                          "profbufd-20261121T195400.000Z.json",
                          "profbufd-20261121T195400.000Z.pb.gz", "profbufd-notes.txt"));
}

TEST(ProfileFiles, PruneWithEnoughRoomOrZeroKeepsEverything) {
  ScratchDir d;
  for (const char* stem : kStems) testing::write_file(d.file(std::string(stem) + ".json"), "j");
  for (std::size_t keep : {std::size_t{0}, std::size_t{5}, std::size_t{100}}) {
    Result<std::vector<std::string>> r = prune_windows(d.path(), keep);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->empty()) << "keep " << keep;
  }
  EXPECT_EQ(list_dir(d.path()).size(), 5u);
  Result<std::vector<std::string>> r = prune_windows(d.path(), 1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 4u);
  EXPECT_THAT(list_dir(d.path()), ElementsAre("profbufd-20261121T195400.000Z.json"));
}

TEST(ProfileFiles, PruneOfMissingDirectoryIsAnError) {
  ScratchDir d;
  Result<std::vector<std::string>> r = prune_windows(d.file("gone"), 3);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ExitCode::kWriteFailed);
}

TEST(ProfileFiles, PeriodicWritesWithRetentionKeepTheLastN) {
  ScratchDir d;
  Profile p = sample_profile();
  for (int i = 0; i < 6; ++i) {
    p.metadata.start_unix_ns = testing::kSampleStartNs + i * 10'000'000'000LL;
    ASSERT_TRUE(write_window(d.path(), p, {OutputFormat::kPprof, OutputFormat::kFolded}).ok());
    ASSERT_TRUE(prune_windows(d.path(), 3).ok());
  }
  EXPECT_THAT(list_dir(d.path()), ElementsAre("profbufd-20261121T195330.123Z.folded",
                                              "profbufd-20261121T195330.123Z.pb.gz",
                                              "profbufd-20261121T195340.123Z.folded",
                                              "profbufd-20261121T195340.123Z.pb.gz",
                                              "profbufd-20261121T195350.123Z.folded",
                                              "profbufd-20261121T195350.123Z.pb.gz"));
}

}  // namespace
}  // namespace profbufd
