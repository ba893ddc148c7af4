"""Unit tests of the soak's arithmetic, parsing and figure (no daemon needed)."""
import os
import sys
import unittest
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plot import svg  # noqa: E402
from probes import metric_sum  # noqa: E402
from report import flat, goals, slope_per_hour  # noqa: E402


class Windows:
    def __init__(self, valid=10, invalid=(), gone=0):
        self.valid, self.invalid, self.gone = valid, list(invalid), gone


def rows(rss_kb, fds=None, threads=None):
    n = len(rss_kb)
    fds = fds or [20] * n
    threads = threads or [21] * n
    return [{"t_s": 10.0 * i, "rss_kb": rss_kb[i], "fds": fds[i], "threads": threads[i],
             "map_bytes": 1 << 20, "lost": 0, "malloc_in_use": 1 << 20, "malloc_free": 1 << 19}
            for i in range(n)]


def verdict(checks):
    return {name.split(" (")[0]: ok for name, ok, _ in checks}


class SoakTest(unittest.TestCase):
    def test_slope_is_per_hour(self):
        self.assertAlmostEqual(slope_per_hour([0, 1800, 3600], [10, 15, 20]), 10.0)
        self.assertEqual(slope_per_hour([5], [1]), 0.0)

    def test_flat_tolerates_noise_not_a_rising_peak(self):
        self.assertTrue(flat([20, 23, 21, 22, 20, 23, 22, 21]))
        self.assertFalse(flat([20, 20, 21, 22, 24, 26, 28, 30]))

    def test_a_plateau_meets_the_goals(self):
        v = verdict(goals(rows([30 * 1024] * 40), 100, Windows(), 0))
        self.assertTrue(all(v.values()), v)

    def test_growth_lost_samples_and_bad_windows_fail(self):
        growing = [20 * 1024 + 100 * i for i in range(40)]  # ~35 MiB/h
        v = verdict(goals(rows(growing), 0, Windows(invalid=["x: bad"]), 3))
        self.assertFalse(v["RSS slope under 1.0% per hour"])
        self.assertFalse(v["0 lost samples"])
        self.assertFalse(v["every window file valid"])
        v = verdict(goals(rows([40 * 1024] * 10), 0, Windows(valid=0), 0))
        self.assertFalse(v["RSS after warm-up at most 32 MiB"])
        self.assertFalse(v["every window file valid"])

    def test_leaking_fds_fail(self):
        v = verdict(goals(rows([1024] * 8, fds=[20, 21, 22, 24, 26, 28, 30, 32]), 0, Windows(), 0))
        self.assertFalse(v["open fds flat"])

    def test_metric_sum_adds_every_series_of_a_name_only(self):
        page = ("# HELP profbufd_lost_samples_total x\n"
                'profbufd_lost_samples_total{reason="ringbuf_full"} 3\n'
                'profbufd_lost_samples_total{reason="profbuf_overflow"} 4\n'
                "profbufd_lost_samples_total_other 100\n"
                "profbufd_malloc_free_bytes 1.5e+06\n")
        self.assertEqual(metric_sum(page, "profbufd_lost_samples_total"), 7)
        self.assertEqual(metric_sum(page, "profbufd_malloc_free_bytes"), 1.5e6)
        self.assertEqual(metric_sum(page, "absent"), 0)

    def test_figure_is_well_formed_svg(self):
        root = ET.fromstring(svg(rows([20000, 21000, 20500])))
        self.assertTrue(root.tag.endswith("svg"))
        lines = [e for e in root.iter() if e.tag.endswith("polyline")]
        self.assertEqual(len(lines), 7)


if __name__ == "__main__":
    unittest.main()
