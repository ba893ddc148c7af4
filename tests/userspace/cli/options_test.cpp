#include "cli/options.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "cli/byte_size.h"

namespace profbufd::cli {
namespace {

using namespace std::chrono_literals;

Result<Options> parse(std::vector<std::string_view> args) {
  return parse_options(std::span<const std::string_view>(args));
}

// The one-line message of a failed parse; fails the test if it parsed.
std::string error_line(std::vector<std::string_view> args) {
  auto r = parse(args);
  if (r.ok()) {
    ADD_FAILURE() << "parsed, expected a usage error";
    return {};
  }
  EXPECT_EQ(r.error().code, ExitCode::kUsage);
  return r.error().line();
}

std::uint64_t page_size() { return static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE)); }

TEST(ParseOptions, Defaults) {
  auto r = parse({});
  ASSERT_TRUE(r.ok()) << r.error().line();
  const Options& o = *r;
  EXPECT_FALSE(o.duration.has_value());
  EXPECT_EQ(o.frequency_hz, 99u);
  EXPECT_EQ(o.output_dir, ".");
  EXPECT_EQ(o.formats, (std::vector<OutputFormat>{OutputFormat::kPprof, OutputFormat::kJson}));
  EXPECT_FALSE(o.interval.has_value());
  EXPECT_EQ(o.keep, 0u);
  EXPECT_TRUE(o.pids.empty());
  EXPECT_FALSE(o.no_idle);
  EXPECT_FALSE(o.ringbuf_bytes.has_value());
  EXPECT_FALSE(o.http_listen.has_value());
  EXPECT_FALSE(o.http_allow_remote);
  EXPECT_FALSE(o.help);
  EXPECT_FALSE(o.version);
}

TEST(ParseOptions, EveryFlagSeparateValue) {
  const std::string page = std::to_string(page_size());
  auto r = parse({"--duration", "1h30m", "--frequency", "199", "--output", "/var/lib/profbufd",
                  "--format", "folded,pprof", "--interval", "5m", "--keep", "12", "--pid", "1",
                  "--pid", "4194304", "--no-idle", "--ringbuf-size", "16M"});
  ASSERT_TRUE(r.ok()) << r.error().line();
  const Options& o = *r;
  EXPECT_EQ(o.duration, std::chrono::nanoseconds(90min));
  EXPECT_EQ(o.frequency_hz, 199u);
  EXPECT_EQ(o.output_dir, "/var/lib/profbufd");
  EXPECT_EQ(o.formats, (std::vector<OutputFormat>{OutputFormat::kFolded, OutputFormat::kPprof}));
  EXPECT_EQ(o.interval, std::chrono::nanoseconds(5min));
  EXPECT_EQ(o.keep, 12u);
  EXPECT_EQ(o.pids, (std::vector<std::uint32_t>{1, 4194304}));
  EXPECT_TRUE(o.no_idle);
  EXPECT_EQ(o.ringbuf_bytes, 16ULL << 20);
}

TEST(ParseOptions, EveryFlagEqualsForm) {
  auto r = parse({"--duration=30s", "--frequency=49", "--output=out dir", "--format=json",
                  "--interval=10s", "--keep=3", "--pid=42", "--ringbuf-size=1M"});
  ASSERT_TRUE(r.ok()) << r.error().line();
  EXPECT_EQ(r->duration, std::chrono::nanoseconds(30s));
  EXPECT_EQ(r->frequency_hz, 49u);
  EXPECT_EQ(r->output_dir, "out dir");
  EXPECT_EQ(r->formats, (std::vector<OutputFormat>{OutputFormat::kJson}));
  EXPECT_EQ(r->interval, std::chrono::nanoseconds(10s));
  EXPECT_EQ(r->keep, 3u);
  EXPECT_EQ(r->pids, (std::vector<std::uint32_t>{42}));
  EXPECT_EQ(r->ringbuf_bytes, 1ULL << 20);
}

TEST(ParseOptions, EqualsFormKeepsEverythingAfterTheFirstEquals) {
  auto r = parse({"--output=/tmp/a=b"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->output_dir, "/tmp/a=b");
}

TEST(ParseOptions, SingleDashValuesAreValuesNotFlags) {
  // "-x" after a flag is its value (and then judged as one); only "--x" is
  // treated as a forgotten value.
  EXPECT_EQ(error_line({"--duration", "-5s"}),
            "profbufd: --duration -5s: negative durations are not allowed "
            "(units are ns, us, ms, s, m, h; e.g. --duration 30s)");
  auto r = parse({"--output", "-dir"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->output_dir, "-dir");
}

TEST(ParseOptions, LastScalarWins) {
  auto r = parse({"--frequency", "49", "--frequency", "199", "--format", "json", "--format",
                  "folded", "--output", "a", "--output", "b"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->frequency_hz, 199u);
  EXPECT_EQ(r->formats, (std::vector<OutputFormat>{OutputFormat::kFolded}));
  EXPECT_EQ(r->output_dir, "b");
}

TEST(ParseOptions, AllThreeFormatsInAnyOrder) {
  auto r = parse({"--format", "json,folded,pprof"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->formats, (std::vector<OutputFormat>{OutputFormat::kJson, OutputFormat::kFolded,
                                                   OutputFormat::kPprof}));
}

TEST(ParseOptions, HelpAndVersion) {
  for (std::string_view flag : {"--help", "-h"}) {
    auto r = parse({flag});
    ASSERT_TRUE(r.ok()) << flag;
    EXPECT_TRUE(r->help);
    EXPECT_FALSE(r->version);
  }
  auto v = parse({"--version"});
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->version);
  EXPECT_FALSE(v->help);
}

TEST(ParseOptions, HelpStopsParsingButEarlierErrorsStand) {
  auto r = parse({"--frequency", "50", "--help", "--bogus", "positional"});
  ASSERT_TRUE(r.ok()) << r.error().line();
  EXPECT_TRUE(r->help);
  EXPECT_EQ(r->frequency_hz, 50u);
  EXPECT_EQ(error_line({"--bogus", "--help"}),
            "profbufd: --bogus: unknown flag (see profbufd --help)");
}

TEST(ParseOptions, DoubleDashEndsFlags) {
  EXPECT_TRUE(parse({"--no-idle", "--"}).ok());
  EXPECT_EQ(error_line({"--", "--no-idle"}),
            "profbufd: --no-idle: unexpected argument "
            "(profbufd takes only flags; see profbufd --help)");
}

TEST(ParseOptions, PositionalArguments) {
  EXPECT_EQ(error_line({"30s"}),
            "profbufd: 30s: unexpected argument (profbufd takes only flags; see profbufd --help)");
  EXPECT_EQ(error_line({"--duration", "30s", "extra"}),
            "profbufd: extra: unexpected argument "
            "(profbufd takes only flags; see profbufd --help)");
  EXPECT_EQ(error_line({"-"}),
            "profbufd: -: unexpected argument (profbufd takes only flags; see profbufd --help)");
}

TEST(ParseOptions, UnknownFlags) {
  EXPECT_EQ(error_line({"--frequncy", "99"}),
            "profbufd: --frequncy: unknown flag (did you mean --frequency? see profbufd --help)");
  EXPECT_EQ(error_line({"-duration=30s"}),
            "profbufd: -duration: unknown flag (did you mean --duration? see profbufd --help)");
  EXPECT_EQ(error_line({"--pids=1"}),
            "profbufd: --pids: unknown flag (did you mean --pid? see profbufd --help)");
  EXPECT_EQ(error_line({"--http-listn", ":8080"}),
            "profbufd: --http-listn: unknown flag (did you mean --http-listen? see profbufd --help)");
  EXPECT_EQ(error_line({"--listen", ":8080"}),
            "profbufd: --listen: unknown flag (see profbufd --help)");
  EXPECT_EQ(error_line({"-d"}), "profbufd: -d: unknown flag (see profbufd --help)");
}

TEST(ParseOptions, MissingValues) {
  EXPECT_EQ(error_line({"--duration"}), "profbufd: --duration: needs a value (e.g. --duration 30s)");
  EXPECT_EQ(error_line({"--frequency"}),
            "profbufd: --frequency: needs a value (e.g. --frequency 99)");
  EXPECT_EQ(error_line({"--output", "--format", "json"}),
            "profbufd: --output: needs a value (e.g. --output /var/lib/profbufd)");
  EXPECT_EQ(error_line({"--format"}), "profbufd: --format: needs a value (e.g. --format pprof,json)");
  EXPECT_EQ(error_line({"--interval"}), "profbufd: --interval: needs a value (e.g. --interval 1m)");
  EXPECT_EQ(error_line({"--keep"}), "profbufd: --keep: needs a value (e.g. --keep 10)");
  EXPECT_EQ(error_line({"--pid"}), "profbufd: --pid: needs a value (e.g. --pid 1234)");
  EXPECT_EQ(error_line({"--ringbuf-size"}),
            "profbufd: --ringbuf-size: needs a value (e.g. --ringbuf-size 8M)");
  EXPECT_EQ(error_line({"--http-listen", "--http-allow-remote"}),
            "profbufd: --http-listen: needs a value (e.g. --http-listen 127.0.0.1:6060)");
}

TEST(ParseOptions, BooleanFlagsTakeNoValue) {
  EXPECT_EQ(error_line({"--no-idle=true"}),
            "profbufd: --no-idle=true: takes no value (write --no-idle alone)");
  EXPECT_EQ(error_line({"--help=1"}), "profbufd: --help=1: takes no value (write --help alone)");
  EXPECT_EQ(error_line({"--version="}),
            "profbufd: --version=: takes no value (write --version alone)");
  EXPECT_EQ(error_line({"--http-listen", ":6060", "--http-allow-remote=yes"}),
            "profbufd: --http-allow-remote=yes: takes no value (write --http-allow-remote alone)");
}

TEST(ParseOptions, DurationErrors) {
  EXPECT_EQ(error_line({"--duration", "30"}),
            "profbufd: --duration 30: missing unit "
            "(units are ns, us, ms, s, m, h; e.g. --duration 30s)");
  EXPECT_EQ(error_line({"--duration=30 s"}),
            "profbufd: --duration 30 s: unknown unit \" s\" "
            "(units are ns, us, ms, s, m, h; e.g. --duration 30s)");
  EXPECT_EQ(error_line({"--duration="}),
            "profbufd: --duration '': empty duration "
            "(units are ns, us, ms, s, m, h; e.g. --duration 30s)");
  EXPECT_EQ(error_line({"--duration", "0"}),
            "profbufd: --duration 0: must be longer than 0 "
            "(leave --duration out to profile until Ctrl-C)");
  EXPECT_EQ(error_line({"--duration", "0s"}),
            "profbufd: --duration 0s: must be longer than 0 "
            "(leave --duration out to profile until Ctrl-C)");
  EXPECT_EQ(error_line({"--duration", "3000000h"}),
            "profbufd: --duration 3000000h: too large: the longest is 2562047h47m16.854775807s "
            "(units are ns, us, ms, s, m, h; e.g. --duration 30s)");
  auto tiny = parse({"--duration", "1ns"});
  ASSERT_TRUE(tiny.ok());
  EXPECT_EQ(tiny->duration, std::chrono::nanoseconds(1));
}

TEST(ParseOptions, FrequencyErrors) {
  EXPECT_EQ(error_line({"--frequency", "abc"}),
            "profbufd: --frequency abc: not a whole number of hertz (try --frequency 99)");
  for (std::string_view bad : {"-1", "+5", "9.5", "99Hz", " 99", "0x10"}) {
    auto r = parse({"--frequency", bad});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().why, "not a whole number of hertz") << bad;
  }
  EXPECT_EQ(error_line({"--frequency="}),
            "profbufd: --frequency '': not a whole number of hertz (try --frequency 99)");
  EXPECT_EQ(error_line({"--frequency", "0"}),
            "profbufd: --frequency 0: must be at least 1 Hz (try --frequency 99)");
  EXPECT_EQ(error_line({"--frequency", "2147483648"}),
            "profbufd: --frequency 2147483648: above 2147483647 Hz (try --frequency 99)");
  EXPECT_EQ(error_line({"--frequency", "99999999999999999999999"}),
            "profbufd: --frequency 99999999999999999999999: above 2147483647 Hz "
            "(try --frequency 99)");
  auto edge = parse({"--frequency", "2147483647"});
  ASSERT_TRUE(edge.ok());
  EXPECT_EQ(edge->frequency_hz, 2147483647u);
  auto one = parse({"--frequency", "1"});
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->frequency_hz, 1u);
}

TEST(ParseOptions, OutputErrors) {
  EXPECT_EQ(error_line({"--output="}),
            "profbufd: --output '': empty directory name (try --output /var/lib/profbufd)");
}

TEST(ParseOptions, FormatErrors) {
  EXPECT_EQ(error_line({"--format", "pdf"}),
            "profbufd: --format pdf: unknown format \"pdf\" "
            "(choose from pprof, json, folded, e.g. --format pprof,folded)");
  EXPECT_EQ(error_line({"--format", "pprof,PPROF"}),
            "profbufd: --format pprof,PPROF: unknown format \"PPROF\" "
            "(choose from pprof, json, folded, e.g. --format pprof,folded)");
  EXPECT_EQ(error_line({"--format", "pprof, json"}),
            "profbufd: --format pprof, json: unknown format \" json\" "
            "(choose from pprof, json, folded, e.g. --format pprof,folded)");
  EXPECT_EQ(error_line({"--format", "pprof,json,pprof"}),
            "profbufd: --format pprof,json,pprof: \"pprof\" listed twice (list each format once)");
  for (std::string_view bad : {"", ",", "pprof,", ",json", "pprof,,json"}) {
    auto r = parse({"--format", bad});
    ASSERT_FALSE(r.ok()) << "'" << bad << "'";
    EXPECT_EQ(r.error().why, "empty entry in the format list") << "'" << bad << "'";
  }
}

TEST(ParseOptions, IntervalErrors) {
  EXPECT_EQ(error_line({"--interval", "0"}),
            "profbufd: --interval 0: shorter than the minimum interval of 100ms "
            "(try --interval 1m)");
  EXPECT_EQ(error_line({"--interval", "99ms"}),
            "profbufd: --interval 99ms: shorter than the minimum interval of 100ms "
            "(try --interval 1m)");
  EXPECT_EQ(error_line({"--interval", "1x"}),
            "profbufd: --interval 1x: unknown unit \"x\" "
            "(units are ns, us, ms, s, m, h; e.g. --interval 1m)");
  auto r = parse({"--interval", "100ms"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->interval, std::chrono::nanoseconds(100ms));
}

TEST(ParseOptions, IntervalAgainstDuration) {
  // Order on the command line does not matter: checked after all flags.
  EXPECT_EQ(error_line({"--interval", "10m", "--duration", "5m"}),
            "profbufd: --interval 10m0s: longer than --duration 5m0s, so no window would ever be "
            "complete (use an --interval no longer than --duration, or leave --interval out)");
  EXPECT_FALSE(parse({"--duration", "5m", "--interval", "5m1s"}).ok());
  auto equal = parse({"--duration", "5m", "--interval", "5m"});
  ASSERT_TRUE(equal.ok());
  EXPECT_EQ(*equal->interval, *equal->duration);
  // Not a multiple: allowed, the last window is shorter.
  EXPECT_TRUE(parse({"--duration", "5m", "--interval", "2m"}).ok());
  // No duration: runs until stopped, a window every interval.
  EXPECT_TRUE(parse({"--interval", "24h"}).ok());
}

TEST(ParseOptions, KeepErrors) {
  EXPECT_EQ(error_line({"--interval", "1m", "--keep", "0"}),
            "profbufd: --keep 0: must be at least 1 (leave --keep out to keep every window)");
  EXPECT_EQ(error_line({"--interval", "1m", "--keep", "ten"}),
            "profbufd: --keep ten: not a whole number of windows (try --keep 10)");
  EXPECT_EQ(error_line({"--interval", "1m", "--keep", "-1"}),
            "profbufd: --keep -1: not a whole number of windows (try --keep 10)");
  EXPECT_EQ(error_line({"--interval", "1m", "--keep", "4294967296"}),
            "profbufd: --keep 4294967296: too large (try --keep 10)");
  EXPECT_EQ(error_line({"--keep", "5"}),
            "profbufd: --keep 5: needs --interval: without it profbufd writes a single profile "
            "(add --interval, e.g. --interval 1m --keep 5)");
  auto r = parse({"--keep", "4294967295", "--interval", "1m"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->keep, 4294967295u);
}

TEST(ParseOptions, PidErrors) {
  EXPECT_EQ(error_line({"--pid", "0"}),
            "profbufd: --pid 0: pid 0 is the kernel's idle task, not a process "
            "(use --no-idle to leave idle time out, or name real processes)");
  EXPECT_EQ(error_line({"--pid", "abc"}),
            "profbufd: --pid abc: not a process id, which is a positive whole number "
            "(try --pid 1234)");
  for (std::string_view bad : {"-1", "+1", "1.0", "", " 1", "self"}) {
    auto r = parse({"--pid", bad});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().why, "not a process id, which is a positive whole number") << bad;
  }
  EXPECT_EQ(error_line({"--pid", "4194305"}),
            "profbufd: --pid 4194305: above the largest process id a kernel can have, 4194304 "
            "(try --pid 1234)");
  EXPECT_EQ(error_line({"--pid", "7", "--pid", "8", "--pid", "7"}),
            "profbufd: --pid 7: given twice (list each process once)");
}

TEST(ParseOptions, AtMost32Pids) {
  std::vector<std::string> storage;
  for (int pid = 1; pid <= 33; ++pid) {
    storage.push_back("--pid");
    storage.push_back(std::to_string(pid));
  }
  std::vector<std::string_view> args(storage.begin(), storage.end());
  auto r32 = parse(std::vector<std::string_view>(args.begin(), args.begin() + 64));
  ASSERT_TRUE(r32.ok()) << r32.error().line();
  EXPECT_EQ(r32->pids.size(), 32u);
  EXPECT_EQ(r32->pids.front(), 1u);
  EXPECT_EQ(r32->pids.back(), 32u);
  EXPECT_EQ(error_line(args),
            "profbufd: --pid 33: more than 32 --pid flags "
            "(profile fewer processes, or the whole system without --pid)");
}

TEST(ParseOptions, PidWithNoIdleIsAllowed) {
  auto r = parse({"--pid", "5", "--no-idle"});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->no_idle);
  EXPECT_EQ(r->pids, (std::vector<std::uint32_t>{5}));
}

TEST(ParseOptions, RingbufSize) {
  const std::uint64_t page = page_size();
  auto exact_page = parse({"--ringbuf-size", std::to_string(page)});
  ASSERT_TRUE(exact_page.ok()) << exact_page.error().line();
  EXPECT_EQ(exact_page->ringbuf_bytes, page);
  auto max = parse({"--ringbuf-size", "2G"});
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(max->ringbuf_bytes, 1ULL << 31);
  auto lower = parse({"--ringbuf-size=256k"});
  ASSERT_TRUE(lower.ok());
  EXPECT_EQ(lower->ringbuf_bytes, 256ULL << 10);

  const std::string p = format_byte_size(page);
  EXPECT_EQ(error_line({"--ringbuf-size", "1024"}),
            "profbufd: --ringbuf-size 1024: smaller than the page size, " + p +
                " (try --ringbuf-size " + p + " or more)");
  EXPECT_EQ(error_line({"--ringbuf-size", "0"}),
            "profbufd: --ringbuf-size 0: smaller than the page size, " + p +
                " (try --ringbuf-size " + p + " or more)");
  EXPECT_EQ(error_line({"--ringbuf-size", "6M"}),
            "profbufd: --ringbuf-size 6M: not a power of two (try --ringbuf-size 4M or 8M)");
  EXPECT_EQ(error_line({"--ringbuf-size", "1000000"}),
            "profbufd: --ringbuf-size 1000000: not a power of two "
            "(try --ringbuf-size 512K or 1M)");
  EXPECT_EQ(error_line({"--ringbuf-size", "4G"}),
            "profbufd: --ringbuf-size 4G: above the kernel's limit of 2G "
            "(try --ringbuf-size 2G or less)");
  EXPECT_EQ(error_line({"--ringbuf-size", "8MB"}),
            "profbufd: --ringbuf-size 8MB: not a number of bytes (try --ringbuf-size 8M)");
}

TEST(ParseOptions, HttpListenOnLoopback) {
  const std::vector<std::pair<std::string_view, HttpListen>> cases = {
      {"127.0.0.1:6060", {"127.0.0.1", 6060}},
      {":6060", {"127.0.0.1", 6060}},  // no host: loopback, not every interface
      {"[::1]:6060", {"::1", 6060}},
      {"localhost:6060", {"localhost", 6060}},
      {"127.8.9.10:1", {"127.8.9.10", 1}},
      {"[::ffff:127.0.0.1]:80", {"::ffff:127.0.0.1", 80}},
      {"127.0.0.1:65535", {"127.0.0.1", 65535}},
      {"127.0.0.1:0", {"127.0.0.1", 0}},  // a free port, chosen at bind time
  };
  for (const auto& [text, want] : cases) {
    auto r = parse({"--http-listen", text});
    ASSERT_TRUE(r.ok()) << text << ": " << r.error().line();
    ASSERT_TRUE(r->http_listen.has_value()) << text;
    EXPECT_EQ(*r->http_listen, want) << text;
    EXPECT_FALSE(r->http_allow_remote);
  }
  auto eq = parse({"--http-listen=[::1]:7070"});
  ASSERT_TRUE(eq.ok()) << eq.error().line();
  EXPECT_EQ(*eq->http_listen, (HttpListen{"::1", 7070}));
  // Given twice, the last wins (a unit's default overridden by an extra flag).
  auto last = parse({"--http-listen", "127.0.0.1:6060", "--http-listen", ":7070"});
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last->http_listen, (HttpListen{"127.0.0.1", 7070}));
}

TEST(ParseOptions, HttpListenElsewhereNeedsAllowRemote) {
  EXPECT_EQ(error_line({"--http-listen", "0.0.0.0:6060"}),
            "profbufd: --http-listen 0.0.0.0:6060: not a loopback address, and profiles reveal "
            "every process on this host (listen on 127.0.0.1 or [::1], or add "
            "--http-allow-remote to serve other machines)");
  for (std::string_view remote :
       {"0.0.0.0:6060", "[::]:6060", "192.168.1.10:6060", "10.0.0.1:80", "[::ffff:10.0.0.1]:6060",
        "[2001:db8::1]:6060", "128.0.0.1:6060"}) {
    auto refused = parse({"--http-listen", remote});
    ASSERT_FALSE(refused.ok()) << remote;
    EXPECT_EQ(refused.error().code, ExitCode::kUsage) << remote;
    EXPECT_NE(refused.error().why.find("not a loopback address"), std::string::npos) << remote;

    // Allowed when asked for, whichever order the two flags come in.
    auto after = parse({"--http-listen", remote, "--http-allow-remote"});
    ASSERT_TRUE(after.ok()) << remote << ": " << after.error().line();
    EXPECT_TRUE(after->http_allow_remote);
    auto before = parse({"--http-allow-remote", "--http-listen", remote});
    ASSERT_TRUE(before.ok()) << remote;
    EXPECT_EQ(before->http_listen, after->http_listen);
  }
  // Loopback with --http-allow-remote is fine too.
  EXPECT_TRUE(parse({"--http-listen", ":6060", "--http-allow-remote"}).ok());
}

TEST(ParseOptions, HttpMaxConnections) {
  auto unset = parse({"--http-listen", ":6060"});
  ASSERT_TRUE(unset.ok());
  EXPECT_EQ(unset->http_max_connections, std::nullopt);
  auto set = parse({"--http-listen", ":6060", "--http-max-connections", "32"});
  ASSERT_TRUE(set.ok()) << set.error().line();
  EXPECT_EQ(set->http_max_connections, 32u);
  EXPECT_TRUE(parse({"--http-listen", ":6060", "--http-max-connections", "65536"}).ok());
  EXPECT_EQ(error_line({"--http-listen", ":6060", "--http-max-connections", "0"}),
            "profbufd: --http-max-connections 0: must be 1 to 65536 (e.g. 1024)");
  EXPECT_EQ(error_line({"--http-listen", ":6060", "--http-max-connections", "65537"}),
            "profbufd: --http-max-connections 65537: must be 1 to 65536 (e.g. 1024)");
  EXPECT_NE(error_line({"--http-listen", ":6060", "--http-max-connections", "many"})
                .find("not a whole number of connections"),
            std::string::npos);
  EXPECT_EQ(error_line({"--http-max-connections", "32"}),
            "profbufd: --http-max-connections: needs --http-listen: without it there is no HTTP "
            "server (add --http-listen, e.g. --http-listen 127.0.0.1:6060)");
}

TEST(ParseOptions, HttpAllowRemoteNeedsHttpListen) {
  EXPECT_EQ(error_line({"--http-allow-remote"}),
            "profbufd: --http-allow-remote: needs --http-listen: without it there is no HTTP "
            "server (add --http-listen, e.g. --http-listen 0.0.0.0:6060 --http-allow-remote)");
}

TEST(ParseOptions, HttpListenErrors) {
  const std::string hint = " (e.g. 127.0.0.1:6060, [::1]:6060, localhost:6060 or :6060)";
  EXPECT_EQ(error_line({"--http-listen", "6060"}),
            "profbufd: --http-listen 6060: missing :PORT" + hint);
  EXPECT_EQ(error_line({"--http-listen="}), "profbufd: --http-listen '': empty address" + hint);
  EXPECT_EQ(error_line({"--http-listen", "127.0.0.1:"}),
            "profbufd: --http-listen 127.0.0.1:: missing port number" + hint);
  EXPECT_EQ(error_line({"--http-listen", "127.0.0.1:65536"}),
            "profbufd: --http-listen 127.0.0.1:65536: port 65536 is above 65535" + hint);
  EXPECT_EQ(error_line({"--http-listen", "127.0.0.1:99999999999999999999"}),
            "profbufd: --http-listen 127.0.0.1:99999999999999999999: port 99999999999999999999 "
            "is above 65535" + hint);
  EXPECT_EQ(error_line({"--http-listen", "127.0.0.1:http"}),
            "profbufd: --http-listen 127.0.0.1:http: port \"http\" is not a whole number" + hint);
  EXPECT_EQ(error_line({"--http-listen", "127.0.0.1:-1"}),
            "profbufd: --http-listen 127.0.0.1:-1: port \"-1\" is not a whole number" + hint);
  EXPECT_EQ(error_line({"--http-listen", "::1:6060"}),
            "profbufd: --http-listen ::1:6060: an IPv6 address needs brackets, as in [::1]:6060" +
                hint);
  EXPECT_EQ(error_line({"--http-listen", "[::1]6060"}),
            "profbufd: --http-listen [::1]6060: missing :PORT after the address" + hint);
  EXPECT_EQ(error_line({"--http-listen", "[::1:6060"}),
            "profbufd: --http-listen [::1:6060: no ']' after the IPv6 address" + hint);
  EXPECT_EQ(error_line({"--http-listen", "[127.0.0.1]:6060"}),
            "profbufd: --http-listen [127.0.0.1]:6060: \"127.0.0.1\" in brackets is not an IPv6 "
            "address" + hint);
  EXPECT_EQ(error_line({"--http-listen", "local host:6060"}),
            "profbufd: --http-listen local host:6060: \"local host\" is not a host name or "
            "address" + hint);
  EXPECT_EQ(error_line({"--http-listen", "http://127.0.0.1:6060"}),
            "profbufd: --http-listen http://127.0.0.1:6060: a URL; give only HOST:PORT" + hint);
}

TEST(ParseOptions, ArgcArgvSkipsProgramName) {
  const char* argv[] = {"/usr/bin/profbufd", "--duration", "2s", "--no-idle", nullptr};
  auto r = parse_options(4, argv);
  ASSERT_TRUE(r.ok()) << r.error().line();
  EXPECT_EQ(r->duration, std::chrono::nanoseconds(2s));
  EXPECT_TRUE(r->no_idle);

  char prog[] = "profbufd";
  char bad[] = "oops";
  char* mutable_argv[] = {prog, bad, nullptr};
  auto e = parse_options(2, mutable_argv);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().what, "oops");
  EXPECT_TRUE(parse_options(1, mutable_argv).ok());
}

}  // namespace
}  // namespace profbufd::cli

namespace profbufd::cli {
namespace {

TEST(ParseOptions, PyroscopeFlags) {
  auto r = parse_options(std::span<const std::string_view>(std::vector<std::string_view>{
      "--pyroscope-url", "https://profiles-prod-001.grafana.net/", "--pyroscope-user", "123456",
      "--pyroscope-password-file", "/etc/profbufd/token", "--pyroscope-tenant", "team-a",
      "--pyroscope-queue-size", "1M", "--pyroscope-timeout", "3s"}));
  ASSERT_TRUE(r.ok()) << r.error().line();
  EXPECT_EQ(*r->pyroscope_url, "https://profiles-prod-001.grafana.net") << "no trailing /";
  EXPECT_EQ(*r->pyroscope_user, "123456");
  EXPECT_EQ(*r->pyroscope_password_file, "/etc/profbufd/token");
  EXPECT_EQ(*r->pyroscope_tenant, "team-a");
  EXPECT_EQ(r->pyroscope_queue_bytes, 1u << 20);
  EXPECT_EQ(r->pyroscope_timeout, std::chrono::seconds(3));
  EXPECT_FALSE(parse({}).value().pyroscope_url.has_value());
}

TEST(ParseOptions, DebuginfodFlags) {
  auto r = parse({"--debuginfod", "https://debuginfod.debian.net http://127.0.0.1:8002",
                  "--debuginfod-timeout", "2s"});
  ASSERT_TRUE(r.ok()) << r.error().line();
  EXPECT_EQ(*r->debuginfod_urls, "https://debuginfod.debian.net http://127.0.0.1:8002");
  EXPECT_EQ(r->debuginfod_timeout, std::chrono::seconds(2));
  const Options d = parse({}).value();
  EXPECT_FALSE(d.debuginfod_urls.has_value());  // off, unless DEBUGINFOD_URLS is set
  EXPECT_EQ(d.debuginfod_timeout, std::chrono::seconds(5));
}

TEST(ParseOptions, DebuginfodMistakes) {
  EXPECT_NE(error_line({"--debuginfod", "debuginfod.debian.net"}).find("not an http://"),
            std::string::npos);
  EXPECT_NE(error_line({"--debuginfod", "http://ok https:///x"}).find("no host"),
            std::string::npos);
  EXPECT_NE(error_line({"--debuginfod", "  "}).find("no URL"), std::string::npos);
  EXPECT_NE(error_line({"--debuginfod", "http://h\x1b[2J"}).find("control characters"),
            std::string::npos);
  EXPECT_NE(error_line({"--debuginfod-timeout", "10ms"}).find("outside 100ms to 5m"),
            std::string::npos);
}

TEST(ParseOptions, PyroscopeMistakes) {
  EXPECT_NE(error_line({"--pyroscope-url", "ftp://x"}).find("not an http:// or https:// URL"),
            std::string::npos);
  EXPECT_NE(error_line({"--pyroscope-url", "http://"}).find("no host"), std::string::npos);
  EXPECT_NE(error_line({"--pyroscope-url", "http://h?x=1"}).find("query"), std::string::npos);
  // Credentials in the URL are refused, and not echoed back.
  const std::string creds = error_line({"--pyroscope-url", "https://1:glc_secret@h"});
  EXPECT_NE(creds.find("credentials in the URL"), std::string::npos);
  EXPECT_EQ(creds.find("glc_secret"), std::string::npos) << creds;
  EXPECT_NE(error_line({"--pyroscope-user", "1"}).find("needs --pyroscope-url"),
            std::string::npos);
  EXPECT_NE(error_line({"--pyroscope-url", "http://h", "--pyroscope-user", "1"})
                .find("needs both --pyroscope-user and --pyroscope-password-file"),
            std::string::npos);
  EXPECT_NE(error_line({"--pyroscope-url", "http://h", "--pyroscope-user", "1",
                        "--pyroscope-password-file", "/p", "--pyroscope-token-file", "/t"})
                .find("either basic authentication or a bearer token"),
            std::string::npos);
  EXPECT_NE(error_line({"--pyroscope-url", "http://h", "--pyroscope-queue-size", "1K"})
                .find("smaller than 64K"),
            std::string::npos);
  EXPECT_NE(error_line({"--pyroscope-url", "http://h", "--pyroscope-timeout", "1h"})
                .find("outside 100ms to 5m"),
            std::string::npos);
  EXPECT_NE(error_line({"--pyroscope-url", "http://h", "--pyroscope-tenant", "a b"})
                .find("spaces"),
            std::string::npos);
}

TEST(ParseOptions, CgroupsAccumulateAndAreChecked) {
  auto r = parse({"--cgroup", "/system.slice/nginx.service", "--cgroup=/sys/fs/cgroup/kubepods.slice",
                  "--pid", "7"});
  ASSERT_TRUE(r.ok()) << r.error().line();
  EXPECT_EQ(r->cgroups, (std::vector<std::string>{"/system.slice/nginx.service",
                                                  "/sys/fs/cgroup/kubepods.slice"}));
  EXPECT_EQ(r->pids, (std::vector<std::uint32_t>{7}));
  EXPECT_NE(error_line({"--cgroup", "system.slice"}).find("not an absolute path"),
            std::string::npos);
  EXPECT_NE(error_line({"--cgroup", "/a", "--cgroup", "/a"}).find("given twice"),
            std::string::npos);
  std::vector<std::string> many;
  for (std::size_t i = 0; i <= kMaxCgroups; ++i) many.push_back("/c" + std::to_string(i));
  std::vector<std::string_view> args;
  for (const auto& m : many) {
    args.push_back("--cgroup");
    args.push_back(m);
  }
  EXPECT_NE(error_line(args).find("more than 16 --cgroup flags"), std::string::npos);
}

TEST(ParseOptions, ConfigAndFoldedRoot) {
  auto r = parse({"--config", "/etc/profbufd/profbufd.conf", "--folded-root", "service_name"});
  ASSERT_TRUE(r.ok()) << r.error().line();
  EXPECT_EQ(r->config_path, "/etc/profbufd/profbufd.conf");
  EXPECT_EQ(r->folded_root, "service_name");
  EXPECT_FALSE(parse({}).value().config_path.has_value());
  EXPECT_NE(error_line({"--config="}).find("empty file name"), std::string::npos);
  EXPECT_NE(error_line({"--folded-root", "Service Name"}).find("not a label name"),
            std::string::npos);
}

TEST(ParseOptions, MutexMin) {
  auto d = parse({});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->mutex_min, std::chrono::nanoseconds(10us));
  auto r = parse({"--mutex-min", "250us"});
  ASSERT_TRUE(r.ok()) << r.error().line();
  EXPECT_EQ(r->mutex_min, std::chrono::nanoseconds(250us));
  auto zero = parse({"--mutex-min=0"});
  ASSERT_TRUE(zero.ok()) << zero.error().line();
  EXPECT_EQ(zero->mutex_min.count(), 0);
  EXPECT_EQ(error_line({"--mutex-min", "2s"}),
            "profbufd: --mutex-min 2s: longer than 1s (try --mutex-min 10us)");
  EXPECT_EQ(error_line({"--mutex-min", "fast"}).rfind("profbufd: --mutex-min fast: ", 0), 0u);
}

TEST(ParseOptions, HeapRate) {
  auto d = parse({});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->heap_rate, 512u * 1024);
  auto r = parse({"--heap-rate", "64K"});
  ASSERT_TRUE(r.ok()) << r.error().line();
  EXPECT_EQ(r->heap_rate, 64u * 1024);
  auto one = parse({"--heap-rate=1"});
  ASSERT_TRUE(one.ok()) << one.error().line();
  EXPECT_EQ(one->heap_rate, 1u);
  EXPECT_EQ(error_line({"--heap-rate", "0"}),
            "profbufd: --heap-rate 0: must be at least 1 byte (try --heap-rate 512K)");
  EXPECT_EQ(error_line({"--heap-rate", "lots"}).rfind("profbufd: --heap-rate lots: ", 0), 0u);
}

}  // namespace
}  // namespace profbufd::cli
