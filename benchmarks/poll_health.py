"""Polls a health endpoint every 100 ms until a stop file exists (or a time limit passes), then
prints a JSON summary: samples, failures, longest and total outage in milliseconds. The poll
interval is 100 ms unless a fourth argument gives it in seconds.

Standard library only: it runs inside a bot host, fed on standard input:
    docker exec -i <host> python3 - <url> <stop file> [<max seconds> [<interval seconds>]]
Used by benchmarks/sandbox.py and tests/integration/test_sandbox_e2e.py to measure the
downtime of an update.
"""

import json
import os
import sys
import time
import urllib.request


def poll(url, stop, limit, interval=0.1):
    samples = failures = 0
    outage = longest = 0.0
    down_since = None
    deadline = time.monotonic() + limit
    while not os.path.exists(stop) and time.monotonic() < deadline:
        started = time.monotonic()
        try:
            with urllib.request.urlopen(url, timeout=max(interval, 0.5)) as answer:
                healthy = answer.status == 200
        except Exception:  # pylint: disable=broad-exception-caught
            healthy = False
        samples += 1
        if healthy:
            if down_since is not None:
                longest = max(longest, started - down_since)
                outage += started - down_since
                down_since = None
        else:
            failures += 1
            if down_since is None:
                down_since = started
        time.sleep(max(0.0, interval - (time.monotonic() - started)))
    if down_since is not None:
        longest = max(longest, time.monotonic() - down_since)
        outage += time.monotonic() - down_since
    return {"samples": samples, "failures": failures,
            "longest_outage_ms": round(longest * 1000), "total_outage_ms": round(outage * 1000)}


if __name__ == "__main__":
    print(json.dumps(poll(sys.argv[1], sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 900.0,
                          float(sys.argv[4]) if len(sys.argv) > 4 else 0.1)))
