#!/usr/bin/env python3
"""What the page and the push cost: `sudo make bench-web [WEB_ARGS='--unwind fp']`.

Runs two HTTP daemons at once for the same time while the spin_chain workload
runs, one alone and one with --pyroscope-url pointed at a local receiver
(this script's own: it answers the Connect path 200 and counts what it gets;
no Pyroscope is installed here), and reports:

- the bytes the page's files and the vendored component add to the binary
  (the size of the generated web_assets object's data);
- GET /api/flamegraph of the newest 10 s window: size and time (median of 5);
- the store's size (profbufd_recent_profiles_bytes) and window count;
- the daemon's RSS and CPU time at the end, without and with the push;
- bytes per pushed request.

Prints a Markdown table; also written to build/bench-web.md.
"""
import argparse
import http.server
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

from ports import free_port


class Receiver(http.server.ThreadingHTTPServer):
    """Pyroscope's side of the push, as far as a cost figure needs it."""

    def __init__(self):
        self.requests, self.bytes = 0, 0
        super().__init__(("127.0.0.1", free_port()), ReceiverHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def url(self):
        return "http://127.0.0.1:%d" % self.server_address[1]


class ReceiverHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        ok = self.path == "/push.v1.PusherService/Push" and \
            self.headers.get("Content-Type") == "application/proto"
        if ok:
            self.server.requests += 1
            self.server.bytes += len(body)
        self.send_response(200 if ok else 400)
        self.send_header("Content-Type", "application/proto")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def get(port, path):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=30) as r:
        return r.read()


def metric(port, name):
    for line in get(port, "/metrics").decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return None


def proc_figures(pid):
    """RSS in MB and user+sys CPU seconds of a process."""
    with open("/proc/%d/status" % pid) as f:
        rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:")) / 1024
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return rss, cpu


def time_flamegraph(port):
    sizes, times = [], []
    for _ in range(5):
        t0 = time.monotonic()
        sizes.append(len(get(port, "/api/flamegraph")))
        times.append(time.monotonic() - t0)
    return statistics.median(sizes), statistics.median(times)


def start_daemon(build, extra):
    port = free_port()
    d = subprocess.Popen([build + "/profbufd", "--frequency", "99",
                          "--http-listen", "127.0.0.1:%d" % port] + extra,
                         stderr=subprocess.DEVNULL)
    return d, port


def measure(port, rss_cpu):
    """`rss_cpu` (proc_figures, taken before any timed request), then the
    page's and the store's figures."""
    fig = {}
    fig["rss_mb"], fig["cpu_s"] = rss_cpu
    fig["json_bytes"], fig["json_s"] = time_flamegraph(port)
    fig["store_bytes"] = metric(port, "profbufd_recent_profiles_bytes")
    fig["store_windows"] = metric(port, "profbufd_recent_profiles")
    return fig


def run_pair(build, seconds, extra, rx):
    """Both daemons at once, so that they see the same machine: what other
    jobs run there changes from one minute to the next."""
    alone = start_daemon(build, extra)
    pushed = start_daemon(build, extra + ["--pyroscope-url", rx.url()])
    try:
        time.sleep(seconds)
        # Figures of both first (RSS, CPU), then the timed requests.
        a_fig, p_fig = proc_figures(alone[0].pid), proc_figures(pushed[0].pid)
        return measure(alone[1], a_fig), measure(pushed[1], p_fig)
    finally:
        for d, _ in (alone, pushed):
            d.send_signal(signal.SIGTERM)
            d.wait(timeout=30)


def assets_bytes(build):
    out = subprocess.run(["size", "-A", build + "/obj/build/gen/web_assets.o"],
                         capture_output=True, text=True, check=True).stdout
    return sum(int(l.split()[1]) for l in out.splitlines()
               if l.startswith(".rodata") or l.startswith(".data"))


def table(alone, pushed, rx, assets, seconds):
    per_push = rx.bytes / rx.requests if rx.requests else 0
    rows = [
        ("page files + vendored component in the binary", "%.0f KB" % (assets / 1000), ""),
        ("GET /api/flamegraph, newest 10 s window", "%.0f KB in %.0f ms" % (
            alone["json_bytes"] / 1000, alone["json_s"] * 1000),
         "%.0f KB in %.0f ms" % (pushed["json_bytes"] / 1000, pushed["json_s"] * 1000)),
        ("store of recent windows", "%.1f MB, %d windows" % (
            alone["store_bytes"] / 1e6, alone["store_windows"]),
         "%.1f MB, %d windows" % (pushed["store_bytes"] / 1e6, pushed["store_windows"])),
        ("daemon RSS after %d s" % seconds, "%.0f MB" % alone["rss_mb"], "%.0f MB" % pushed["rss_mb"]),
        ("daemon CPU (user+sys) after %d s" % seconds, "%.2f s" % alone["cpu_s"],
         "%.2f s" % pushed["cpu_s"]),
        ("push requests, bytes each", "", "%d, %.0f KB" % (rx.requests, per_push / 1000)),
    ]
    out = ["| %d s at 99 Hz, a window every 10 s, both at once | HTTP daemon | + --pyroscope-url |" % seconds,
           "|---|---|---|"]
    out += ["| %s | %s | %s |" % r for r in rows]
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--seconds", type=int, default=45)
    ap.add_argument("daemon_args", nargs="*", help="more flags for both daemons (after --)")
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench-web: needs root (the daemon loads BPF programs)")
    spin = subprocess.Popen([a.build + "/tests/programs/spin_chain", "--threads", "1",
                             "--seconds", "0"], stdout=subprocess.DEVNULL)
    rx = Receiver()
    try:
        alone, pushed = run_pair(a.build, a.seconds, a.daemon_args, rx)
    finally:
        spin.kill()
        spin.wait()
    text = table(alone, pushed, rx, assets_bytes(a.build), a.seconds)
    sys.stdout.write(text)
    with open(a.build + "/bench-web.md", "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
