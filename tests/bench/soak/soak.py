#!/usr/bin/env python3
"""An hour of profbufd under load: `sudo make soak [SOAK_ARGS='--seconds 600']`.

Runs the daemon at 999 Hz on every CPU with 10 s windows and --keep 5, while
tests/bench/soak/load.py churns hundreds of processes a second and restarts
Debian's python3.11, node and compressors every minute; /metrics is scraped
every second and /debug/pprof/profile pulled every 30 s (probes.py). Every 10 s
it samples the daemon's RSS, fds, threads, BPF map memory, lost samples and
malloc totals. Writes into build/soak/:

  samples.csv   the samples
  soak.svg      their plot
  soak.md       the goals of issue 15 met or not, and the run's figures

Exit status 0 when every goal is met, 1 otherwise. A benchmark, not a test.
"""
import argparse
import csv
import os
import signal
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ports import free_port  # noqa: E402
from load import Load  # noqa: E402
from plot import svg  # noqa: E402
from probes import Puller, Sampler, metric_sum  # noqa: E402
from scraper import Scraper  # noqa: E402
from report import markdown  # noqa: E402
from windows import WindowChecker  # noqa: E402


def start_daemon(args, out: str, port: int) -> subprocess.Popen:
    windows = os.path.join(out, "windows")
    os.makedirs(windows, exist_ok=True)
    for name in os.listdir(windows):
        os.unlink(os.path.join(windows, name))
    argv = [os.path.join(args.build, "profbufd"), "--frequency", str(args.frequency),
            "--interval", "10s", "--keep", "5", "--output", windows,
            "--http-listen", f"127.0.0.1:{port}"] + args.daemon_args
    log = open(os.path.join(out, "profbufd.log"), "w")
    return subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)


def wait_healthy(base: str, daemon: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            sys.exit(f"soak: profbufd exited with {daemon.returncode} (see profbufd.log in the output directory)")
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    sys.exit("soak: profbufd did not answer /healthz within 60 s")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build", default="build")
    p.add_argument("--out", default=None, help="default: BUILD/soak")
    p.add_argument("--seconds", type=int, default=3600)
    p.add_argument("--warmup", type=int, default=None,
                   help="seconds left out of the slope (default: 10 min, or a third of a shorter run)")
    p.add_argument("--frequency", type=int, default=999)
    p.add_argument("--churn-rate", type=int, default=300)
    p.add_argument("daemon_args", nargs="*", help="more profbufd flags, after --")
    return p.parse_args()


def write_outputs(out: str, rows: list[dict], report: str) -> None:
    with open(os.path.join(out, "samples.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=Sampler.COLUMNS)
        w.writeheader()
        w.writerows(rows)
    with open(os.path.join(out, "soak.svg"), "w") as f:
        f.write(svg(rows))
    with open(os.path.join(out, "soak.md"), "w") as f:
        f.write(report)


def main() -> int:
    args = parse_args()
    if os.geteuid() != 0:
        sys.exit("soak: needs root to load the BPF programs (run: sudo make soak)")
    out = args.out or os.path.join(args.build, "soak")
    os.makedirs(out, exist_ok=True)
    warmup = args.warmup if args.warmup is not None else min(600, args.seconds // 3)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    daemon = start_daemon(args, out, port)
    wait_healthy(base, daemon)
    load = Load(args.build, out, args.churn_rate)
    scraper, puller = Scraper(base), Puller(base)
    sampler = Sampler(daemon.pid, scraper)
    windows = WindowChecker(os.path.join(out, "windows"))
    threads = [scraper, puller, sampler, windows]
    load.start()
    for t in threads:
        t.start()
    t0 = time.monotonic()
    while time.monotonic() - t0 < args.seconds and daemon.poll() is None:
        time.sleep(1)
        if int(time.monotonic() - t0) % 60 == 0 and sampler.rows:
            r = sampler.rows[-1]
            print(f"soak: {r[0]:.0f} s: RSS {r[1] / 1024:.1f} MiB, malloc in use "
                  f"{r[6] / 2**20:.1f} MiB, free {r[7] / 2**20:.1f} MiB, fds {r[2]}, "
                  f"threads {r[3]}, lost {r[5]:.0f}", flush=True)
    churn = load.stop()
    page = scraper.page
    for t in (puller, scraper, sampler):
        t.stop()
    crashed = daemon.poll()
    daemon.send_signal(signal.SIGTERM)
    status = daemon.wait(timeout=60)
    windows.tick()
    windows.stop()
    rows = [dict(zip(Sampler.COLUMNS, r)) for r in sampler.rows]
    settings = (f"{args.seconds} s at {args.frequency} Hz on {os.cpu_count()} CPUs, 10 s windows, "
                f"--keep 5, churn at {args.churn_rate}/s, programs: {', '.join(load.programs)} "
                f"restarted every minute; warm-up {warmup} s")
    extra = [f"churn: {churn}", f"program restarts: {load.restarts}",
             f"/metrics: {scraper.scrapes} scrapes, {scraper.failures} failed, {scraper.slow} over 1 s, "
             f"slowest {scraper.worst_s:.2f} s",
             f"/debug/pprof/profile: {puller.pulls} pulls read by go tool pprof, {puller.failures} failed "
             + "; ".join(puller.errors[:3]),
             f"samples taken: {metric_sum(page, 'profbufd_samples_total'):.0f}",
             f"profbufd CPU: {rows[-1]['cpu_s'] if rows else 0:.1f} s in {args.seconds} s",
             f"profbufd exit status {status}" + (" (it died during the run)" if crashed is not None else "")]
    report, ok = markdown(settings, rows, warmup, windows, extra,
                          metric_sum(page, "profbufd_lost_samples_total"))
    ok = ok and crashed is None and status == 0
    write_outputs(out, rows, report)
    print(report)
    print(f"soak: figure {os.path.join(out, 'soak.svg')}, samples {os.path.join(out, 'samples.csv')}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
