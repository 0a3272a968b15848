#!/usr/bin/env python3
"""Program-operations pages on the demo database: server time per page, as a ratio to /healthz.

Claim under test (issue 9): the director's dashboard renders in under 500 ms (p95, server time) on the demo
database. The compliance lists, a dashboard people list and the utilization list are measured beside it.

The script builds a throw-away demo database exactly as `make run` does (bench/concurrent_writes.py
`prepare`), starts gunicorn with one sync worker (so a request's server time is its own, not queueing), signs
in as the demo director, then requests each page `--rounds` times in turn, interleaved with /healthz.
Server time comes from gunicorn's access log (%(D)s, the worker's own time). It prints p50/p95 per page and
the ratio of each to /healthz's p50 from the same run, and exits non-zero if any request is not 200 or the
dashboard's p95 exceeds --budget-ms.

    .venv/bin/python bench/operations.py                   # SQLite, 40 rounds
    .venv/bin/python bench/operations.py --database-url postgres://postgres@127.0.0.1:5432/openiop_bench_ops
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from concurrent_writes import (  # noqa: E402 - the sibling script is the bench's library
    fetch,
    free_port,
    login,
    percentile,
    pg_create,
    pg_drop,
    prepare,
    server_env,
    start_gunicorn,
    stop_gunicorn,
)

PAGES = {
    "dashboard": "/operations/",
    "people (under target)": "/operations/people/?figure=under_target",
    "compliance": "/operations/compliance/",
    "utilization": "/utilization/",
    "healthz": "/healthz",
}


def server_times(access_log: str) -> dict[str, list[float]]:
    by_path = {}
    with open(access_log) as fh:
        for line in fh:
            parts = line.split()
            if len(parts) == 5 and parts[0] == "BENCH" and parts[1] == "GET" and parts[3] == "200":
                by_path.setdefault(parts[2], []).append(int(parts[4]) / 1000)
    return by_path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--budget-ms", type=float, default=500.0, help="dashboard p95 budget (server time)")
    ap.add_argument("--user", default="director")
    ap.add_argument(
        "--database-url", help="postgres://postgres@127.0.0.1:5432/openiop_bench_<x> (created, dropped)"
    )
    args = ap.parse_args()

    var_dir = tempfile.mkdtemp(prefix="openiop-bench-ops-")
    env = server_env(var_dir, args.database_url)
    if args.database_url:
        pg_create(args.database_url)
    proc = None
    try:
        prepare(env)
        port = free_port()
        proc, _, out, err = start_gunicorn(env, port, workers=1, threads=1, log_dir=var_dir)
        cookie = login(port, args.user)
        failures = []
        for _ in range(3):  # warm-up: imports, template loading, first queries (not measured below)
            for path in PAGES.values():
                fetch(port, path, "" if path == "/healthz" else cookie)
        offset = os.path.getsize(os.path.join(var_dir, "access.log"))
        t0 = time.monotonic()
        for _ in range(args.rounds):
            for name, path in PAGES.items():
                status, _, _ = fetch(port, path, "" if name == "healthz" else cookie)
                if status != 200:
                    failures.append((name, status))
        elapsed = time.monotonic() - t0
        stop_gunicorn(proc)
        proc = None
        with open(os.path.join(var_dir, "access.log")) as fh:
            fh.seek(offset)
            tail = fh.read()
        trimmed = os.path.join(var_dir, "measured.log")
        with open(trimmed, "w") as fh:
            fh.write(tail)
        times = server_times(trimmed)
        base = percentile(times.get("/healthz", []), 50)
        print(f"\n{args.rounds} rounds in {elapsed:.1f}s, {'PostgreSQL' if args.database_url else 'SQLite'}, "
              f"gunicorn 1 sync worker, server time from the access log")  # fmt: skip
        print(f"{'page':24} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'p50/healthz':>12}")
        for name, path in PAGES.items():
            values = times.get(path.split("?")[0], [])
            p50, p95 = percentile(values, 50), percentile(values, 95)
            print(f"{name:24} {len(values):>4} {p50:>8.1f} {p95:>8.1f} {p50 / base:>11.1f}x")
        dashboard_p95 = percentile(times.get("/operations/", []), 95)
        if failures:
            print(f"FAIL: non-200 answers: {failures[:10]}")
            return 1
        if not dashboard_p95 <= args.budget_ms:
            print(f"FAIL: dashboard p95 {dashboard_p95:.1f} ms > {args.budget_ms:.0f} ms")
            return 1
        print(f"OK: dashboard p95 {dashboard_p95:.1f} ms <= {args.budget_ms:.0f} ms")
        return 0
    finally:
        if proc is not None:
            stop_gunicorn(proc)
        if args.database_url:
            pg_drop(args.database_url)
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
