"""The soak's scraping process against a real HTTP server on loopback."""
import http.server
import os
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scraper import Scraper  # noqa: E402

PAGE = b"# TYPE profbufd_lost_samples_total counter\nprofbufd_lost_samples_total 0\n"


class Metrics(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (the http.server name)
        self.send_response(200 if self.path == "/metrics" else 404)
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args):
        pass


def wait_for(predicate, seconds=30.0):
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.05)
    return predicate()


class ScraperTest(unittest.TestCase):
    def test_keeps_the_newest_page_and_counts_scrapes(self):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Metrics)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        scraper = Scraper(f"http://127.0.0.1:{server.server_address[1]}")
        scraper.start()
        try:
            self.assertTrue(wait_for(lambda: scraper.page != ""))
            self.assertEqual(scraper.page, PAGE.decode())
        finally:
            scraper.stop()
            server.shutdown()
        self.assertGreaterEqual(scraper.scrapes, 1)
        self.assertEqual(scraper.failures, 0)
        self.assertFalse(os.path.exists(scraper.dir), "its files are removed at stop")

    def test_counts_a_refused_connection_as_a_failure(self):
        with socket.socket() as s:  # a port nobody listens on once closed
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        scraper = Scraper(f"http://127.0.0.1:{port}")
        scraper.start()
        counts = os.path.join(scraper.dir, "counts.json")
        try:
            self.assertTrue(wait_for(lambda: os.path.exists(counts)))
        finally:
            scraper.stop()
        self.assertGreaterEqual(scraper.failures, 1)
        self.assertEqual(scraper.scrapes, 0)
        self.assertEqual(scraper.page, "")


if __name__ == "__main__":
    unittest.main()
