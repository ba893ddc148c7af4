#!/usr/bin/env python3
"""What the heap kind's uprobes cost per malloc (root): the README's figure.

Runs tests/programs/heap_workload flat out (64-byte blocks, faster than it can
allocate) and reads the time of each round it reports, four ways: with no
probes; with profbufd's probes attached by a /debug/pprof/allocs?pid= request
(the allocations' entries), and by a /debug/pprof/heap?pid= one (their
returns and free too, for in-use); and with bcc's memleak (bpfcc-tools) on
the same pid, when it can run here, and perf record on a uprobe on malloc
sampling as often as the allocs request does. Prints nanoseconds per malloc
(each with its free, or three of four freed).
"""
import argparse
import os
import random
import signal
import subprocess
import sys
import time
import urllib.request
import threading

BLOCK = 64


def start_workload(build, rate):
    p = subprocess.Popen([f"{build}/tests/programs/heap_workload", "--block", str(BLOCK),
                          "--rate", str(rate), "--round-ms", "1000", "--seconds", "120"],
                         stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    assert line.startswith("pid "), line
    return p


def rounds(p, n=3):
    out = []
    for _ in range(n):
        p.send_signal(signal.SIGUSR1)
        words = p.stdout.readline().split()
        allocated, ns = int(words[1]), int(words[5])
        out.append(ns / (allocated / BLOCK))
    return out


def hold(url):
    try:  # the window is cut short (503) when the daemon stops: expected
        urllib.request.urlopen(url, timeout=120).read()
    except OSError:
        pass


def with_profbufd(build, p, path):
    port = random.randint(20000, 30000)
    d = subprocess.Popen([f"{build}/profbufd", "--http-listen", f"127.0.0.1:{port}"],
                         stderr=subprocess.PIPE, text=True)
    while "sampling" not in d.stderr.readline():
        pass
    url = f"http://127.0.0.1:{port}/debug/pprof/{path}?pid={p.pid}&seconds=60"
    threading.Thread(target=hold, args=(url,), daemon=True).start()
    time.sleep(1.5)  # attached
    try:
        return rounds(p)
    finally:
        d.send_signal(signal.SIGTERM)
        d.wait(30)


LIBC = "/lib/x86_64-linux-gnu/libc.so.6"


def with_perf(p):
    """perf's uprobe on malloc, one sample with its frame-pointer call chain
    per 8 192 calls (what profbufd's 512 KiB rate samples of 64-byte blocks)."""
    add = subprocess.run(["perf", "probe", "-q", "-x", LIBC, "malloc"], capture_output=True,
                         text=True)
    if add.returncode != 0:
        return None, add.stderr.strip().splitlines()[-1] if add.stderr.strip() else "perf probe"
    rec = subprocess.Popen(["perf", "record", "-q", "-e", "probe_libc:malloc", "-c", "8192", "-g",
                            "-p", str(p.pid), "-o", "/tmp/heap_cost.perf.data"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    try:
        return rounds(p), None
    finally:
        rec.send_signal(signal.SIGINT)
        rec.wait(30)
        subprocess.run(["perf", "probe", "-q", "-d", "probe_libc:malloc"], capture_output=True)


def with_memleak(p):
    m = subprocess.Popen(["memleak-bpfcc", "-p", str(p.pid), "60"], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    time.sleep(10)  # bcc compiles its program first
    if m.poll() is not None:
        why = [l for l in m.stderr.read().splitlines() if l.strip()]
        return None, why[1] if len(why) > 1 else (why[0] if why else "exited")
    try:
        return rounds(p), None
    finally:
        m.send_signal(signal.SIGINT)
        m.wait(30)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("heap_cost.py: needs root")
    fmt = lambda xs: " ".join(f"{x:.0f}" for x in xs)
    p = start_workload(a.build, 2_560_000_000)  # 40 M mallocs a round: flat out
    print("no probes:       ns/malloc", fmt(rounds(p)))
    p.kill()
    # Paced well below each cost (2.5 M and 1 M mallocs a round), so rounds run
    # flat out, yet three fit in the 60 s window.
    for path, rate in (("allocs", 160_000_000), ("heap", 64_000_000)):
        p = start_workload(a.build, rate)
        print(f"profbufd {path + ':':7} ns/malloc", fmt(with_profbufd(a.build, p, path)))
        p.kill()
    p = start_workload(a.build, 160_000_000)
    r, why = with_perf(p)
    print("perf record:     ns/malloc", fmt(r) if r else f"did not run: {why}")
    p.kill()
    p = start_workload(a.build, 64_000_000)
    r, why = with_memleak(p)
    print("bcc memleak:     ns/malloc", fmt(r) if r else f"did not run: {why}")
    p.kill()


if __name__ == "__main__":
    main()
