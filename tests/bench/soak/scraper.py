"""The soak's Prometheus: GET /metrics every second, from a process of its own.

A thread of the soak would share the GIL and the CPU share of the churn,
the puller and the sampler, and a slow answer would measure them as much as
the daemon. The process keeps the newest page in a file and its counts
(scrapes, failures, answers over 1 s, the slowest) in another, both replaced
atomically after every scrape; the soak reads them whenever it likes.

    python3 scraper.py URL DIR     (stops on SIGTERM)
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from probes import get

PAGE, COUNTS = "page.txt", "counts.json"


def replace(path: str, data: bytes) -> None:
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.replace(path + ".tmp", path)


def scrape_forever(url: str, where: str) -> None:
    counts = {"scrapes": 0, "failures": 0, "slow": 0, "worst_s": 0.0}
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    next_at = time.monotonic()
    while True:
        t = time.monotonic()
        try:
            replace(os.path.join(where, PAGE), get(url, 10))
            counts["scrapes"] += 1
        except OSError:
            counts["failures"] += 1
        took = time.monotonic() - t
        counts["worst_s"] = max(counts["worst_s"], took)
        counts["slow"] += took > 1.0
        replace(os.path.join(where, COUNTS), json.dumps(counts).encode())
        next_at += 1.0
        time.sleep(max(0.0, next_at - time.monotonic()))


class Scraper:
    """The soak's handle on the scraping process: start(), page, the counts, stop()."""

    def __init__(self, base: str):
        self.url = base + "/metrics"
        self.dir = tempfile.mkdtemp(prefix="soak-scraper-")
        self.proc = None
        self.scrapes = self.failures = self.slow = 0
        self.worst_s = 0.0

    def start(self) -> None:
        self.proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), self.url, self.dir])

    @property
    def page(self) -> str:
        try:
            with open(os.path.join(self.dir, PAGE), encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)
        try:
            with open(os.path.join(self.dir, COUNTS)) as f:
                c = json.load(f)
            self.scrapes, self.failures, self.slow, self.worst_s = (
                c["scrapes"], c["failures"], c["slow"], c["worst_s"])
        except (OSError, ValueError, KeyError):
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


if __name__ == "__main__":
    scrape_forever(sys.argv[1], sys.argv[2])
