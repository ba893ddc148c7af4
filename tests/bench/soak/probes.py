"""What the soak does to the daemon and reads off it.

Puller: GET /debug/pprof/profile?seconds=5 every 30 s, each read by `go tool
pprof -raw`. (The scraper of /metrics is a process of its own: scraper.py.)
Sampler: every 10 s the daemon's RSS, open fds, threads and BPF map memory
(from /proc), with the newest scraped page's lost samples and malloc totals.
"""
import os
import re
import subprocess
import tempfile
import threading
import time
import urllib.request

METRIC = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$")


def metric_sum(page: str, name: str) -> float:
    total = 0.0
    for line in page.splitlines():
        m = METRIC.match(line)
        if m and m.group(1) == name:
            total += float(m.group(3))
    return total


def check_pprof(path: str) -> str:
    """"" when `go tool pprof -raw` reads the file, else why not."""
    r = subprocess.run(["go", "tool", "pprof", "-raw", path], capture_output=True)
    return "" if r.returncode == 0 else r.stderr.decode(errors="replace").strip()[:200]


def get(url: str, timeout: float) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read()


class Every(threading.Thread):
    """Calls tick() every period seconds until stop()."""

    def __init__(self, period: float):
        super().__init__(daemon=True)
        self.period = period
        self.done = threading.Event()

    def run(self) -> None:
        next_at = time.monotonic()
        while not self.done.is_set():
            self.tick()
            next_at += self.period
            self.done.wait(max(0.0, next_at - time.monotonic()))

    def stop(self) -> None:
        self.done.set()
        self.join()


class Puller(Every):
    def __init__(self, base: str):
        super().__init__(30.0)
        self.url = base + "/debug/pprof/profile?seconds=5"
        self.pulls, self.failures, self.errors = 0, 0, []

    def tick(self) -> None:
        try:
            body = get(self.url, 30)
            with tempfile.NamedTemporaryFile(suffix=".pb.gz") as f:
                f.write(body)
                f.flush()
                why = check_pprof(f.name)
            if why:
                raise OSError(why)
            self.pulls += 1
        except OSError as e:
            self.failures += 1
            self.errors.append(str(e))


def bpf_map_bytes(pid: int) -> int:
    """Sum of memlock over the BPF maps the process holds, each map once.

    The fdinfo of a map fd gives its map_id and memlock (for a hash map without
    preallocation, the memory its elements take now); several fds of the
    daemon may name one map.
    """
    by_id = {}
    fd_dir = f"/proc/{pid}/fd"
    for fd in os.listdir(fd_dir):
        try:
            if os.readlink(f"{fd_dir}/{fd}") != "anon_inode:bpf-map":
                continue
            with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                info = dict(line.split(":", 1) for line in f if ":" in line)
            by_id[int(info["map_id"])] = int(info["memlock"])
        except (OSError, KeyError, ValueError):
            continue
    return sum(by_id.values())


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process, from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_status(pid: int) -> dict:
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "Threads"):
                out[key] = int(value.split()[0])
    return out


class Sampler(Every):
    COLUMNS = ["t_s", "rss_kb", "fds", "threads", "map_bytes", "lost", "malloc_in_use",
               "malloc_free", "recent_profiles_bytes", "cpu_s"]

    def __init__(self, pid: int, scraper: "Scraper"):  # scraper.py
        super().__init__(10.0)
        self.pid, self.scraper, self.t0 = pid, scraper, time.monotonic()
        self.rows = []

    def tick(self) -> None:
        try:
            st = proc_status(self.pid)
            fds = len(os.listdir(f"/proc/{self.pid}/fd"))
            maps = bpf_map_bytes(self.pid)
            cpu = cpu_seconds(self.pid)
        except OSError:
            return
        page = self.scraper.page
        self.rows.append([round(time.monotonic() - self.t0, 1), st["VmRSS"], fds, st["Threads"], maps,
                          metric_sum(page, "profbufd_lost_samples_total"),
                          metric_sum(page, "profbufd_malloc_in_use_bytes"),
                          metric_sum(page, "profbufd_malloc_free_bytes"),
                          metric_sum(page, "profbufd_recent_profiles_bytes"), round(cpu, 2)])
