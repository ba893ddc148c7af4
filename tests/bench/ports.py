"""A free TCP port on loopback, for the bench scripts that start profbufd's
HTTP server (or a receiver of its push) beside a workload."""

import socket


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
