#!/usr/bin/env python3
"""How many frames profbufd names on Debian's own programs (root).

Runs a mix of real programs (python3.11, gzip, node --perf-basic-prof, the
sort_in_libc test program, which lives in libc's qsort) and profiles the whole
machine for --seconds with each profbufd binary given, one after the other on
the same mix, and the built one twice: with source lines (the default) and
with --no-lines. Prints, per run: its peak RSS, the profile's named_frames /
unnamed_frames (distinct frames) and, per module, the share of user frames
(weighted by samples) that have a name and the share that have a source line.

  python3 tests/bench/frame_names.py --build build [--compare OLD/profbufd]
"""
import argparse
import collections
import glob
import json
import os
import subprocess
import sys
import tempfile
import time

MODULES = ["libc.so.6", "ld-linux-x86-64.so.2", "python3.11", "node", "[anon]", "gzip",
           "sort_in_libc"]
NODE_JS = ("function hotLoop(n){let s=0;for(let i=0;i<n;i++)s+=(i*i)%7;return s}"
           "function driver(){let t=0;for(let k=0;k<100;k++)t+=hotLoop(10000+k);return t}"
           "for(;;)driver();")


def start_mix(build, work):
    data = os.path.join(work, "data.txt")
    with open(data, "w") as f:
        for i in range(400000):
            f.write(f"line {i} {i * i % 9973} of generated text\n")
    return [
        subprocess.Popen(["/usr/bin/python3.11", "-c",
                          "def work(n): return sum(i*i for i in range(n))\n"
                          "while True: work(1000)\n"]),
        subprocess.Popen(["sh", "-c", f"while :; do gzip -c {data} > /dev/null; done"]),
        subprocess.Popen(["node", "--perf-basic-prof", f"--logfile={work}/v8.log", "-e", NODE_JS],
                         cwd=work),
        subprocess.Popen([os.path.join(build, "tests/programs/sort_in_libc")],
                         stdout=subprocess.DEVNULL),
    ]


def named_share(profile):
    md = profile["metadata"]
    si = [i for i, t in enumerate(md["sample_types"]) if t["type"] == "samples"][0]
    by = collections.defaultdict(lambda: [0, 0, 0])
    for s in profile["stacks"]:
        n = s["values"][si]
        for fr in s["frames"]:
            if fr["kind"] != "user" or fr.get("inlined"):
                continue
            m = "[anon]" if fr["module"].startswith("[anon") else fr["module"]
            by[m][0] += n
            by[m][1] += n if fr["resolved"] else 0
            by[m][2] += n if "line" in fr else 0
    return by


def measure(binary, seconds, out, extra=()):
    os.makedirs(out)
    with open(os.path.join(out, "stderr.txt"), "w") as err:
        p = subprocess.Popen([binary, "--duration", f"{seconds}s", "--frequency", "199",
                              "--format", "json", "--output", out, *extra], stderr=err)
        _, status, usage = os.wait4(p.pid, 0)  # this child's own peak RSS
    if status != 0:
        sys.exit(f"frame_names: {binary} failed: " + open(err.name).read().strip())
    rss = usage.ru_maxrss  # KiB
    profile = json.load(open(glob.glob(os.path.join(out, "*.json"))[0]))
    md = profile["metadata"]
    print(f"{binary} {' '.join(extra)}: peak RSS {rss / 1024:.1f} MB")
    print(f"  named_frames {md.get('named_frames', 'absent')}")
    print(f"  unnamed_frames {md.get('unnamed_frames', 'absent')}")
    by = named_share(profile)
    for m in MODULES:
        if m in by:
            total, named, lined = by[m]
            print(f"  {m:22} {total:7} frame-samples, {100 * named / total:5.1f}% named, "
                  f"{100 * lined / total:5.1f}% with a line")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--compare", action="append", default=[], help="another profbufd binary")
    ap.add_argument("--seconds", type=int, default=15)
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("frame_names: run as root (profbufd loads BPF)")
    with tempfile.TemporaryDirectory() as work:
        mix = start_mix(a.build, work)
        try:
            time.sleep(2)
            built = os.path.join(a.build, "profbufd")
            runs = [(b, ()) for b in a.compare] + [(built, ()), (built, ("--no-lines",))]
            for i, (binary, extra) in enumerate(runs):
                measure(binary, a.seconds, os.path.join(work, f"out{i}"), extra)
        finally:
            for p in mix:
                p.kill()
            subprocess.run(["pkill", "-f", f"gzip -c {work}"], check=False)


if __name__ == "__main__":
    main()
