"""The soak's load: process churn, and real Debian programs restarted every minute.

Churn is tests/programs/churn (short-lived processes, each re-executed, so each
has a fresh address space). The real programs are Debian's own binaries, built
without frame pointers: python3.11 and node in a loop of calls, and the
compressors on a file of random bytes. Every RESTART_S each is stopped and
started again, so the profiler keeps meeting new pids of the same binaries.
"""
import os
import shutil
import signal
import subprocess
import threading
import time

RESTART_S = 60

PYTHON_LOOP = """
def leaf(n):
    s = 0
    for i in range(n):
        s += i * i
    return s
def middle(n):
    return leaf(n) + leaf(n // 2)
while True:
    middle(20000)
"""

NODE_LOOP = """
function leaf(n) { let s = 0; for (let i = 0; i < n; i++) s += Math.sqrt(i); return s; }
function middle(n) { return leaf(n) + leaf(n >> 1); }
for (;;) middle(200000);
"""


def compressor(tool: str, data: str) -> list[str]:
    # sh loops the compressor over the file until killed; stdout is discarded.
    return ["sh", "-c", f"while :; do {tool} -c < {data} > /dev/null; done"]


def real_programs(data: str) -> dict[str, list[str]]:
    progs = {
        "python3.11": ["/usr/bin/python3.11", "-c", PYTHON_LOOP],
        "node": ["node", "-e", NODE_LOOP],
        "gzip": compressor("gzip -6", data),
        "bzip2": compressor("bzip2 -9", data),
        "xz": compressor("xz -1 -T1", data),
        "zstd": compressor("zstd -3 -q", data),
    }
    # Each key is the binary's name; one that is not installed is left out.
    return {k: v for k, v in progs.items() if shutil.which(k)}


def make_data(path: str, size: int = 8 << 20) -> str:
    # Half random, half repetitive: the compressors do real work on both.
    with open(path, "wb") as f:
        f.write(os.urandom(size // 2))
        f.write(b"profbufd soak " * (size // 2 // 14))
    return path


def spawn(argv: list[str]) -> subprocess.Popen:
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def stop(p: subprocess.Popen) -> None:
    if p.poll() is None:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    p.wait()


class Load:
    """Runs churn and the real programs until stop(); counts the restarts."""

    def __init__(self, build: str, out: str, churn_rate: int):
        self.churn_argv = [os.path.join(build, "tests/programs/churn"), "--rate", str(churn_rate),
                           "--seconds", "1000000", "--burn-ms", "1"]
        self.programs = real_programs(make_data(os.path.join(out, "soak-data.bin")))
        self.restarts = 0
        self.churn_out = os.path.join(out, "churn.out")
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        with open(self.churn_out, "w") as out:
            self.churn = subprocess.Popen(self.churn_argv, stdout=out, stderr=subprocess.STDOUT)
        self._thread.start()

    def _run(self) -> None:
        running = {}
        while not self._done.is_set():
            for name, argv in self.programs.items():
                if name in running:
                    stop(running[name])
                    self.restarts += 1
                running[name] = spawn(argv)
            self._done.wait(RESTART_S)
        for p in running.values():
            stop(p)

    def stop(self) -> str:
        self._done.set()
        self._thread.join()
        self.churn.send_signal(signal.SIGTERM)
        self.churn.wait(timeout=30)
        # Its last line: "spawned N failed N seconds S rate R".
        with open(self.churn_out) as f:
            lines = f.read().strip().splitlines()
        return lines[-1] if lines else ""
