"""Unit tests for report.py: medians, total cost, ratios, the RSS verdict, and
the table's shape, on made-up runs."""

import unittest

import report
from runner import ProfilerRun


def run(name="profbufd", freq=99, cpu=0.1, rss_kb=10240, bpf=None, captured=1980, lost=0, expected=1980,
        slow=1.0, slow_cpu=0.5):
    return ProfilerRun(name=name, freq=freq, cpu_s=cpu, maxrss_kb=rss_kb, wall_s=10.5, sampling_s=10.0,
                       bpf_ns_per_sample=bpf, captured=captured, lost=lost, expected=expected,
                       slowdown_pct=slow, slowdown_cpu_pct=slow_cpu)


class TotalCostTest(unittest.TestCase):
    def test_adds_bpf_time_for_captured_and_lost_samples(self):
        r = run(cpu=0.1, bpf=4000.0, captured=1900, lost=100)
        self.assertAlmostEqual(report.total_cost_s(r), 0.1 + 4000e-9 * 2000)

    def test_without_a_bpf_program_it_is_the_cpu(self):
        self.assertEqual(report.total_cost_s(run(name="perf", cpu=0.22, bpf=None)), 0.22)


class SummarizeTest(unittest.TestCase):
    def test_medians_and_lost_sum(self):
        runs = [run(cpu=0.3, rss_kb=30 * 1024, lost=1, slow=5.0), run(cpu=0.1, rss_kb=10 * 1024, slow=1.0),
                run(cpu=0.2, rss_kb=20 * 1024, lost=2, slow=-1.0)]
        s = report.summarize("profbufd", "profbufd", 99, runs)
        self.assertAlmostEqual(s.cpu_s, 0.2)
        self.assertAlmostEqual(s.maxrss_mb, 20.0)
        self.assertAlmostEqual(s.slowdown_pct, 1.0)
        self.assertEqual(s.lost_total, 3)
        self.assertEqual(s.reps, 3)
        self.assertIsNone(s.bpf_ns)

    def test_median_ignores_missing_values(self):
        self.assertEqual(report.median([None, 3.0, 1.0]), 2.0)
        self.assertIsNone(report.median([None]))


class TableTest(unittest.TestCase):
    def test_ratios_against_profbufd_at_the_same_frequency(self):
        summaries = [
            report.summarize("profbufd", "profbufd", 99, [run(cpu=0.1, bpf=None)]),
            report.summarize("perf", "perf record -a -g", 99, [run(name="perf", cpu=0.25, rss_kb=20480)]),
            report.summarize("profbufd", "profbufd", 999, [run(freq=999, cpu=0.2)]),
            report.summarize("perf", "perf record -a -g", 999, [run(name="perf", freq=999, cpu=0.2)]),
        ]
        lines = report.comparison_table(summaries).splitlines()
        self.assertEqual(len(lines), 2 + 4)
        header_cells = lines[0].count("|")
        self.assertTrue(all(l.count("|") == header_cells for l in lines))
        perf99 = [c.strip() for c in lines[3].split("|")[1:-1]]
        self.assertEqual(perf99[0], "perf record -a -g")
        self.assertEqual(perf99[-3:], ["2.5×", "2.5×", "2.0×"])
        perf999 = [c.strip() for c in lines[5].split("|")[1:-1]]
        self.assertEqual(perf999[-3], "1.0×")
        self.assertIn("1,980 / 1,980 (100.0%)", lines[2])

    def test_reference_rows_only_have_a_total_for_ten_second_runs(self):
        ten = report.reference_summaries(10.0)
        self.assertEqual([s.freq for s in ten], [99, 999])
        self.assertAlmostEqual(ten[0].total_cost_s, 0.09 + 3700e-9 * 99 * 2 * 10)
        self.assertTrue(all(s.total_cost_s is None for s in report.reference_summaries(2.0)))
        table = report.comparison_table(ten)
        self.assertIn("not run here", table)


class RssVerdictTest(unittest.TestCase):
    def test_flat_after_startup_is_bounded(self):
        series = [(0.0, 3000)] + [(float(t), 11000 + (t % 3) * 100) for t in range(1, 61)]
        v = report.rss_verdict(series)
        self.assertTrue(v.bounded)
        self.assertEqual((v.min_kb, v.max_kb, v.last_kb), (3000, 11200, series[-1][1]))

    def test_steady_growth_is_not_bounded(self):
        series = [(float(t), 10000 + 200 * t) for t in range(61)]  # +200 KiB every second
        v = report.rss_verdict(series)
        self.assertFalse(v.bounded)
        self.assertEqual(v.first_window_max_kb, 12000)
        self.assertEqual(v.last_window_max_kb, 22000)

    def test_small_growth_within_slack_is_bounded(self):
        series = [(float(t), 10000 + (1500 if t > 50 else 0)) for t in range(61)]
        self.assertTrue(report.rss_verdict(series).bounded)

    def test_empty(self):
        self.assertIsNone(report.rss_verdict([]))

    def test_timeline_every_five_seconds(self):
        series = [(t + 0.01, 1024 * (t + 1)) for t in range(12)]
        self.assertEqual(report.rss_timeline(series), "0s 1.0, 5s 6.0, 10s 11.0 (MB)")


class PeakOriginTest(unittest.TestCase):
    def test_startup_peak_is_named(self):
        hwm = [(0.0, 2224), (1.0, 20980), (2.0, 20980), (30.0, 21000)]
        self.assertEqual(report.peak_origin(hwm, 21000),
                         "the peak is reached during start-up: VmHWM was 20.5 MB at t=1.0 s")

    def test_late_peak_is_not_blamed_on_startup(self):
        self.assertIsNone(report.peak_origin([(0.0, 2000), (1.0, 11000), (50.0, 30000)], 30000))
        self.assertIsNone(report.peak_origin([], 30000))


if __name__ == "__main__":
    unittest.main()
