import json
import unittest

import stacks

PERF_SCRIPT = """unwind_nofp 11778 
\t            13a4 burn (/b/unwind_nofp)
\t            13d9 deep_leaf (/b/unwind_nofp)
\t           27304 __libc_start_main@@GLIBC_2.34 (/usr/lib/x86_64-linux-gnu/libc.so.6)
\t            12b0 _start (/b/unwind_nofp)

unwind_nofp 11778 
\tffffffff81000000 asm_sysvec_apic_timer_interrupt ([kernel.kallsyms])
\t            13aa burn (/b/unwind_nofp)

other 12 
\t            13aa main (/b/other)

unwind_nofp 11779 
\t            13aa burn+0x10 (/b/unwind_nofp)
\t            7f00 [unknown] ([unknown])
"""


class PerfScriptTest(unittest.TestCase):
    def test_stacks_of_one_comm_leaf_first_without_kernel_frames(self):
        got = stacks.perf_script_stacks(PERF_SCRIPT, "unwind_nofp")
        self.assertEqual(got, [(["burn", "deep_leaf", "__libc_start_main", "_start"], 1),
                               (["burn"], 1), (["burn", "[unknown]"], 1)])

    def test_shape(self):
        s = stacks.shape(stacks.perf_script_stacks(PERF_SCRIPT, "unwind_nofp"))
        self.assertEqual((s.samples, s.reach_entry, s.median_depth), (3, 1, 2.0))
        self.assertAlmostEqual(s.entry_pct, 100 / 3)


class ProfbufdJsonTest(unittest.TestCase):
    def test_user_frames_of_one_comm_weighted(self):
        doc = {"stacks": [
            {"labels": {"comm": "w"}, "values": [5], "frames": [
                {"kind": "kernel", "function": "k"}, {"kind": "user", "function": "leaf"},
                {"kind": "user", "function": "main"}, {"kind": "user", "function": "__libc_start_call_main"}]},
            {"labels": {"comm": "w"}, "values": [3], "frames": [
                {"kind": "user", "function": "leaf"}, {"kind": "truncated", "function": "[truncated: depth_limit]"}]},
            {"labels": {"comm": "x"}, "values": [9], "frames": [{"kind": "user", "function": "_start"}]},
        ]}
        got = stacks.profbufd_stacks(json.dumps(doc), "w")
        self.assertEqual(got, [(["leaf", "main", "__libc_start_call_main"], 5), (["leaf"], 3)])
        s = stacks.shape(got)
        self.assertEqual((s.samples, s.reach_entry, s.median_depth), (8, 5, 3.0))

    def test_entry_only_counts_among_the_outermost_frames(self):
        self.assertFalse(stacks.reaches_entry(["_start", "a", "b", "c"]))
        self.assertTrue(stacks.reaches_entry(["a", "start_thread", "clone3"]))
        self.assertIsNone(stacks.shape([]).entry_pct)


if __name__ == "__main__":
    unittest.main()
