#!/usr/bin/env python3
"""What Python frames cost, and how complete they are (make bench-python, root).

For each interpreter (Debian's python3.11, and pyenv's CPython 3.12 and 3.13
where the machine has them; --python to choose):

1. BPF time per CPU sample (kernel.bpf_stats_enabled) of the interpreter
   running tests/programs/python/deep.py about 30 Python frames deep, profiled
   at 999 Hz, with Python walking on and off (--no-python): the difference is
   the Python walk.
2. The share of Python samples whose walk completed, and whose chain is one of
   the known ones, over a run of tests/programs/python/chains.py (three threads).

No peer runs here: py-spy is not packaged for Debian 12.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import time

DEBIAN_PY = "/usr/bin/python3.11"


def interpreters():
    found = [DEBIAN_PY]
    root = os.environ.get("PYENV_ROOT", "/root/.pyenv")
    for minor in ("3.12", "3.13"):
        found += sorted(glob.glob(f"{root}/versions/{minor}.*/bin/python{minor}"))[-1:]
    return found


def prog_ids():
    out = subprocess.run(["bpftool", "-j", "prog", "show"], capture_output=True, text=True).stdout
    return {p["id"]: p for p in json.loads(out)}


def profile(build, pid, seconds, extra, out):
    return subprocess.Popen([f"{build}/profbufd", "--duration", f"{seconds}s", "--frequency", "999",
                             "--pid", str(pid), "--format", "json", "--output", out] + extra,
                            stderr=subprocess.DEVNULL)


def newest(out):
    return json.load(open(max(glob.glob(f"{out}/*.json"), key=os.path.getmtime)))


def bpf_cost(python, build, depth, extra):
    with tempfile.TemporaryDirectory() as out:
        py = subprocess.Popen([python, "tests/programs/python/deep.py", str(depth), "14"])
        time.sleep(0.5)
        before = set(prog_ids())
        d = profile(build, py.pid, 10, extra, out)
        time.sleep(9)
        progs = [p for i, p in prog_ids().items()
                 if i not in before and p.get("name") == "on_cpu_clock" and p.get("run_cnt")]
        d.wait()
        py.kill()
        py.wait()
        ns = sum(p["run_time_ns"] for p in progs) / max(1, sum(p["run_cnt"] for p in progs))
        return ns, newest(out)["metadata"]["python_stacks"]


def completeness(python, build, seconds):
    with tempfile.TemporaryDirectory() as out:
        py = subprocess.Popen([python, "tests/programs/python/chains.py", "--seconds", str(seconds + 3)],
                              stdout=subprocess.DEVNULL)
        time.sleep(0.5)
        profile(build, py.pid, seconds, [], out).wait()
        py.wait()
        doc = newest(out)
    ends = doc["metadata"]["python_stacks"]
    total = sum(ends.values())
    leaves = 0
    py_samples = 0
    for st in doc["stacks"]:
        names = [f["function"] for f in st["frames"] if f["kind"] == "python"]
        if not names:
            continue
        py_samples += st["values"][0]
        if names[0] in ("leaf_main", "leaf_json", "leaf_sort") and names[-1] in (
                "<module>", "Thread._bootstrap"):
            leaves += st["values"][0]
    return total, ends, py_samples, leaves


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--depth", type=int, default=28, help="recursion depth (+2 frames)")
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--python", action="append", help="an interpreter (repeatable)")
    a = ap.parse_args()
    for python in a.python or interpreters():
        report(python, a)


def report(python, a):
    subprocess.run(["sysctl", "-q", "kernel.bpf_stats_enabled=1"], check=True)
    try:
        on, on_ends = bpf_cost(python, a.build, a.depth, [])
        off, _ = bpf_cost(python, a.build, a.depth, ["--no-python"])
    finally:
        subprocess.run(["sysctl", "-q", "kernel.bpf_stats_enabled=0"])
    print(f"{python}: BPF per sample, {a.depth + 2} Python frames deep: {on / 1000:.1f} us with "
          f"Python frames, {off / 1000:.1f} us without: the Python walk {(on - off) / 1000:.1f} us "
          f"({on_ends})")
    total, ends, py_samples, leaves = completeness(python, a.build, a.seconds)
    print(f"{python}: chains.py, {a.seconds} s, 3 threads: {ends['complete']} of {total} Python "
          f"walks complete ({100.0 * ends['complete'] / max(1, total):.2f}%); {leaves} of "
          f"{py_samples} Python samples from a leaf to the outermost frame "
          f"({100.0 * leaves / max(1, py_samples):.2f}%)", flush=True)


if __name__ == "__main__":
    sys.exit(main())
