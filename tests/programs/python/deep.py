"""One thread DEPTH Python frames deep, spinning for SECONDS: python_cost.py's workload."""
import sys, time
def leaf(n):
    x = 0
    for i in range(n): x += i
    return x
def down(d, until):
    if d == 0:
        while time.monotonic() < until: leaf(1000)
        return
    down(d - 1, until)
down(int(sys.argv[1]), time.monotonic() + float(sys.argv[2]))
