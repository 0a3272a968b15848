#!/usr/bin/env python3
"""Closed-loop HTTP load generator for bench/pages.py, run as its own process.

Reads one JSON job on stdin (never argv, so session cookies and tokens do not show in `ps`):

    {"port": 8123, "path": "/my-day/", "headers": {"Cookie": "..."}, "requests": 400, "concurrency": 16,
     "expect": "text the real page contains", "time_cap": 300}

and sends `requests` GETs to 127.0.0.1:port from `concurrency` threads, each on its own keep-alive
connection (http.client reconnects by itself when the server closes it, as gunicorn's sync workers do after
every response). Each thread sends its next request as soon as the previous answer is read, so there are
always `concurrency` requests in flight: the load the issue describes, not an open-loop arrival rate.

Prints one JSON object: per-request latencies in ms (from sending the request to reading the whole body),
status counts, how many 200 bodies lacked `expect`, transport errors and the elapsed time. Only the
standard library; loopback only.
"""

from __future__ import annotations

import collections
import http.client
import json
import sys
import threading
import time

HOST = "127.0.0.1"


def run(job: dict) -> dict:
    port, path = int(job["port"]), job["path"]
    headers = {"Host": f"{HOST}:{port}", **job.get("headers", {})}
    expect = job.get("expect", "").encode()
    total, concurrency = int(job["requests"]), int(job["concurrency"])
    stop_at = time.monotonic() + float(job.get("time_cap", 300))
    lock = threading.Lock()
    issued = [0]
    latencies: list[float] = []
    statuses: collections.Counter = collections.Counter()
    missing_expect = [0]
    samples: list[str] = []  # the first few bodies or statuses that failed, for the report
    transport_errors: list[str] = []

    def take() -> bool:
        with lock:
            if issued[0] >= total or time.monotonic() >= stop_at:
                return False
            issued[0] += 1
            return True

    def worker() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        try:
            while take():
                started = time.perf_counter()
                try:
                    conn.request("GET", path, headers=headers)
                    response = conn.getresponse()
                    body = response.read()
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()  # the next request opens a fresh connection
                    with lock:
                        transport_errors.append(repr(exc))
                    continue
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    latencies.append(elapsed)
                    statuses[response.status] += 1
                    if response.status != 200:
                        failure = f"HTTP {response.status} {response.getheader('Location') or ''}"
                    elif expect and expect not in body:
                        missing_expect[0] += 1
                        failure = f"200 without the expected text: {body[:200].decode(errors='replace')}"
                    else:
                        failure = ""
                    if failure and len(samples) < 5:
                        samples.append(failure)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "elapsed_s": time.monotonic() - started,
        "latencies_ms": latencies,
        "statuses": {str(k): v for k, v in statuses.items()},
        "missing_expect": missing_expect[0],
        "samples": samples,
        "transport_errors": transport_errors[:20],
        "transport_error_count": len(transport_errors),
        "capped": issued[0] < total,
    }


def main() -> int:
    job = json.load(sys.stdin)
    json.dump(run(job), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
