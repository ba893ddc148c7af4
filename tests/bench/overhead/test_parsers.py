"""Unit tests for parsers.py, on output captured from the real tools
(tests/fixtures/bench-overhead/). Run: make test-bench-overhead, or
python3 -m unittest discover -s tests/bench/overhead -p 'test_*.py'."""

import unittest
from pathlib import Path

import parsers

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "bench-overhead"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text()


class FdinfoTest(unittest.TestCase):
    def test_program_fd_gives_its_counters(self):
        prog = parsers.parse_fdinfo_prog(fixture("fdinfo-prog.txt"))
        self.assertEqual(prog, parsers.BpfProgStats(prog_id=1410, prog_type=7, run_time_ns=1200468, run_cnt=149))

    def test_link_fd_is_not_a_program_although_it_names_one(self):
        self.assertIn("prog_id:", fixture("fdinfo-link.txt"))
        self.assertIsNone(parsers.parse_fdinfo_prog(fixture("fdinfo-link.txt")))

    def test_map_fd_is_not_a_program(self):
        self.assertIsNone(parsers.parse_fdinfo_prog("pos:\t0\nmap_type:\t27\nmap_id:\t12\n"))

    def test_program_without_counters_is_an_error_not_zero(self):
        with self.assertRaises(ValueError):
            parsers.parse_fdinfo_prog("prog_type:\t7\nprog_id:\t3\n")


class StatusTest(unittest.TestCase):
    def test_vmrss_in_kib(self):
        text = fixture("status.txt")
        expected = int(next(l for l in text.splitlines() if l.startswith("VmRSS:")).split()[1])
        self.assertEqual(parsers.parse_vmrss_kb(text), expected)
        self.assertGreater(expected, 0)

    def test_other_fields(self):
        self.assertEqual(parsers.parse_status_kb("VmHWM:\t  9000 kB\nVmRSS:\t  1234 kB\n", "VmHWM"), 9000)
        self.assertIsNone(parsers.parse_status_kb("VmRSS:\t  1234 kB\n", "VmHWM"))

    def test_zombie_has_no_vmrss(self):
        self.assertIsNone(parsers.parse_vmrss_kb("Name:\tprofbufd\nState:\tZ (zombie)\n"))

    def test_vmhwm_is_not_mistaken_for_vmrss(self):
        self.assertEqual(parsers.parse_vmrss_kb("VmHWM:\t  9000 kB\nVmRSS:\t  1234 kB\n"), 1234)


class MarkTest(unittest.TestCase):
    def test_parse_and_throughputs(self):
        a = parsers.parse_mark("mark 4608452109329 35 1796391\n")
        b = parsers.parse_mark("mark 4609452345493 90862 1990415820\n")
        self.assertEqual(a, parsers.Mark(4608452109329, 35, 1796391))
        self.assertAlmostEqual(parsers.throughput(a, b), (90862 - 35) * 1e9 / (4609452345493 - 4608452109329))
        self.assertAlmostEqual(parsers.throughput_per_cpu(a, b), (90862 - 35) * 1e9 / (1990415820 - 1796391))

    def test_old_format_and_garbage_are_errors(self):
        for line in ("mark 1 2\n", "iterations 5 seconds 1", ""):
            with self.assertRaises(ValueError, msg=line):
                parsers.parse_mark(line)

    def test_marks_out_of_order_are_errors(self):
        a, b = parsers.Mark(10, 5, 10), parsers.Mark(20, 4, 20)
        with self.assertRaises(ValueError):
            parsers.throughput(a, b)
        with self.assertRaises(ValueError):
            parsers.throughput_per_cpu(parsers.Mark(10, 5, 10), parsers.Mark(20, 6, 10))

    def test_pid_line(self):
        self.assertEqual(parsers.parse_pid_line("pid 22759 threads 2\n"), 22759)
        self.assertEqual(parsers.parse_pid_line("pid 7\n"), 7)
        with self.assertRaises(ValueError):
            parsers.parse_pid_line("spawned 3")


class ProfbufdJsonTest(unittest.TestCase):
    def test_captured_excludes_idle_accounting(self):
        count = parsers.parse_profbufd_json(fixture("profbufd.json"))
        self.assertEqual(count, parsers.SampleCount(captured=393 - 193, lost=0))
        self.assertAlmostEqual(parsers.parse_profbufd_duration_s(fixture("profbufd.json")), 2.000526022)

    def test_schema_version_2(self):
        count = parsers.parse_profbufd_json(fixture("profbufd-v2.json"))
        self.assertEqual(count, parsers.SampleCount(captured=396, lost=0))
        text = ('{"schema": "profbufd/profile", "schema_version": 2, "metadata": {"totals": [110, 1100],'
                ' "details": {"idle_accounted_samples": 3}, "lost_samples": {"ringbuf_full": 7}}}')
        self.assertEqual(parsers.parse_profbufd_json(text), parsers.SampleCount(100, 7))

    def test_lost_adds_every_reason(self):
        text = ('{"schema": "profbufd/profile", "metadata": {"total_samples": 100, "idle_accounted_samples": 0,'
                ' "lost_samples": {"ringbuf_full": 3, "profbuf_overflow": 4}}}')
        self.assertEqual(parsers.parse_profbufd_json(text), parsers.SampleCount(100, 7))

    def test_other_json_is_an_error(self):
        with self.assertRaises(ValueError):
            parsers.parse_profbufd_json('{"metadata": {}}')


class PerfStatsTest(unittest.TestCase):
    def test_no_loss(self):
        self.assertEqual(parsers.parse_perf_stats(fixture("perf-report-stats.txt")), parsers.SampleCount(396, 0))

    def test_lost_samples_of_the_sampled_event_only(self):
        # The aggregate block counts 4 LOST_SAMPLES records and 73 LOST records;
        # the cpu-clock block has the samples lost (4811), dummy:HG has its own.
        self.assertEqual(parsers.parse_perf_stats(fixture("perf-report-stats-lost.txt")),
                         parsers.SampleCount(74696, 4811))

    def test_missing_event_block_is_an_error(self):
        with self.assertRaises(ValueError):
            parsers.parse_perf_stats("\nAggregated stats:\n  SAMPLE events:  3\n")


class BpftraceTest(unittest.TestCase):
    def test_sums_the_map(self):
        self.assertEqual(parsers.parse_bpftrace_json(fixture("bpftrace.json")), parsers.SampleCount(3, 0))

    def test_sums_counts_above_one_and_several_maps(self):
        text = ('{"type": "attached_probes", "data": {"probes": 1}}\n'
                '{"type": "map", "data": {"@": {"a": 5, "b": 7}}}\n'
                '{"type": "map", "data": {"@x": {"c": 1}}}\n')
        self.assertEqual(parsers.parse_bpftrace_json(text).captured, 13)

    def test_entries_printed_with_the_same_key_all_count(self):
        text = '{"type": "map", "data": {"@": {"\\n    work_leaf+40\\n": 100, "\\n    work_leaf+40\\n": 95, "x": 1}}}\n'
        self.assertEqual(parsers.parse_bpftrace_json(text).captured, 196)

    def test_no_map_is_an_error(self):
        with self.assertRaises(ValueError):
            parsers.parse_bpftrace_json('{"type": "attached_probes", "data": {"probes": 1}}\n')

    def test_attached(self):
        self.assertTrue(parsers.bpftrace_attached(fixture("bpftrace.json")))
        self.assertTrue(parsers.bpftrace_attached("Attaching 1 probe...\n"))
        self.assertFalse(parsers.bpftrace_attached(fixture("bpftrace-stderr.txt")))
        self.assertFalse(parsers.bpftrace_attached(""))


class RusageTest(unittest.TestCase):
    def test_report(self):
        r = parsers.parse_rusage_report(fixture("rusage-exec.txt"))
        self.assertEqual(r, parsers.Rusage(pid=23203, wait_status=0, cpu_s=703e-6, maxrss_kb=1172))

    def test_cpu_is_user_plus_sys(self):
        r = parsers.parse_rusage_report("pid 9\nstatus 256 utime_us 1500000 stime_us 250000 maxrss_kb 2048\n")
        self.assertAlmostEqual(r.cpu_s, 1.75)
        self.assertEqual(r.wait_status, 256)

    def test_report_cut_short_is_an_error(self):
        with self.assertRaises(ValueError):
            parsers.parse_rusage_report("pid 9\n")


class MiscTest(unittest.TestCase):
    def test_loadavg(self):
        self.assertEqual(parsers.parse_loadavg("1.54 1.53 2.23 3/412 21000\n"), (1.54, 1.53, 2.23))
        with self.assertRaises(ValueError):
            parsers.parse_loadavg("")

    def test_churn_summary(self):
        self.assertEqual(parsers.parse_churn_summary("pid 1\nspawned 750 failed 0 seconds 3.003 rate 249.7\n"),
                         {"spawned": 750, "failed": 0, "seconds": 3.003, "rate": 249.7})
        self.assertIsNone(parsers.parse_churn_summary("pid 1\n"))

    def test_irq_time_accounting(self):
        self.assertTrue(parsers.irq_time_accounting("CONFIG_X=y\nCONFIG_IRQ_TIME_ACCOUNTING=y\n"))
        self.assertFalse(parsers.irq_time_accounting("# CONFIG_IRQ_TIME_ACCOUNTING is not set\n"))
        self.assertFalse(parsers.irq_time_accounting("CONFIG_HAVE_IRQ_TIME_ACCOUNTING=y\n"))


if __name__ == "__main__":
    unittest.main()
