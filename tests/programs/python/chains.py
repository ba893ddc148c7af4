"""Known Python call chains for profbufd's e2e tests (tests/e2e/python_test.cpp).

Each thread spins for --seconds in one chain of nested functions, each chain
ending in a leaf that burns CPU in pure Python:

  main thread:   main_loop -> recurse(depth) x N -> Walker.step -> leaf_main
  thread "json": json_loop -> json.dumps(default=encode_hook) [C] -> encode_hook -> leaf_json
  thread "sort": sort_loop -> sorted(key=sort_key) [C] -> sort_key -> leaf_sort

It prints one line, "ready <pid>", once every thread runs, so that the test
starts profiling then.
"""
import argparse
import json
import os
import sys
import threading
import time


def leaf_main(n):
    x = 0
    for i in range(n):
        x += i * i
    return x


class Walker:
    def step(self, n):
        return leaf_main(n)


def recurse(depth, walker, n):
    if depth == 0:
        return walker.step(n)
    return recurse(depth - 1, walker, n)


def main_loop(until, depth):
    walker = Walker()
    while time.monotonic() < until:
        recurse(depth, walker, 2000)


def leaf_json(n):
    x = 0
    for i in range(n):
        x ^= i
    return x


def encode_hook(obj):
    return leaf_json(3000)


def json_loop(until):
    payload = [object() for _ in range(4)]
    while time.monotonic() < until:
        json.dumps(payload, default=encode_hook)


def leaf_sort(n):
    x = 1
    for i in range(n):
        x = (x * 3 + i) % 1000003
    return x


def sort_key(v):
    return leaf_sort(500) + v


def sort_loop(until):
    while time.monotonic() < until:
        sorted(range(8), key=sort_key)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--depth", type=int, default=5)
    args = ap.parse_args()
    until = time.monotonic() + args.seconds
    threads = [threading.Thread(target=json_loop, args=(until,), name="json"),
               threading.Thread(target=sort_loop, args=(until,), name="sort")]
    for t in threads:
        t.start()
    print("ready", os.getpid(), flush=True)
    main_loop(until, args.depth)
    for t in threads:
        t.join()


if __name__ == "__main__":
    sys.exit(main())
