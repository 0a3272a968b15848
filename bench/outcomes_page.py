#!/usr/bin/env python3
"""The outcomes page on an already seeded synthetic database: server time per request, as a ratio to /healthz.

Claim under test (issue 10): the outcomes dashboard renders in at most 500 ms (p95, server time) at size L on
PostgreSQL. Unlike operations.py, this does not build a database: it serves one seeded with
`seed_synthetic --size L` (give its DATABASE_URL, or the OPENIOP_VAR_DIR of a SQLite one), which it only
reads, apart from the session and audit rows that signing in and each page view write.

It collects static files into a throw-away directory, starts gunicorn with one sync worker (a request's server
time is then its own, not queueing), signs in as the synthetic director of the first program and requests
in turn, `--rounds` times: the page as it opens (the program's last 90 days, PHQ-9), the program-year
(the last 365 days) on each charted instrument, and /healthz. Server time is gunicorn's access log %(D)s. It
prints p50/p95 per page and the ratio to /healthz's p50, and exits non-zero if any answer is not 200 or a
page's p95 exceeds --budget-ms.

    .venv/bin/python bench/outcomes_page.py --database-url postgres://postgres@127.0.0.1:5432/openiop_x_l
    .venv/bin/python bench/outcomes_page.py --sqlite-var-dir /tmp/x/sqlite_l
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import shutil
import sys
import tempfile
import time
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from concurrent_writes import (  # noqa: E402 - the sibling script is the bench's library
    fetch,
    free_port,
    login,
    manage,
    percentile,
    server_env,
    start_gunicorn,
    stop_gunicorn,
)

PROGRAM_RE = re.compile(r"program=([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")
INSTRUMENTS = ("PHQ-9", "GAD-7", "PCL-5")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--database-url", help="postgres://... of a seeded synthetic database")
    ap.add_argument("--sqlite-var-dir", help="an OPENIOP_VAR_DIR holding a seeded openiop.sqlite3")
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--budget-ms", type=float, default=500.0, help="p95 budget per page (server time)")
    ap.add_argument("--user", default="syn01-director")
    args = ap.parse_args()
    if bool(args.database_url) == bool(args.sqlite_var_dir):
        ap.error("give exactly one of --database-url and --sqlite-var-dir")

    log_dir = tempfile.mkdtemp(prefix="openiop-bench-outcomes-")
    if args.database_url:
        env = server_env(log_dir, args.database_url)
    else:
        env = server_env(os.path.abspath(args.sqlite_var_dir), None)
    proc = None
    try:
        manage(env, "createcachetable")
        manage(env, "collectstatic", "--no-input", "-v0")
        port = free_port()
        proc, _, _, _ = start_gunicorn(env, port, workers=1, threads=1, log_dir=log_dir)
        cookie = login(port, args.user)
        status, body, _ = fetch(port, "/measures/outcomes/", cookie)
        found = PROGRAM_RE.search(body.decode())
        if status != 200 or not found:
            raise SystemExit(f"/measures/outcomes/ -> HTTP {status}, no program in the page")
        zone = zoneinfo.ZoneInfo(os.environ.get("TIME_ZONE", "America/New_York"))
        today = datetime.datetime.now(zone).date()
        year = f"from={today - datetime.timedelta(days=364)}&to={today}"
        pages = {"opening (90 days, PHQ-9)": "/measures/outcomes/"}
        for code in INSTRUMENTS:
            pages[f"year {code}"] = f"/measures/outcomes/?program={found.group(1)}&instrument={code}&{year}"
        pages["healthz"] = "/healthz"
        # The access log has the path without the query: tell the year pages apart by request order.
        failures = []
        for _ in range(2):  # warm-up: imports, templates, first queries (not measured)
            for path in pages.values():
                fetch(port, path, "" if path == "/healthz" else cookie)
        offset = os.path.getsize(os.path.join(log_dir, "access.log"))
        times: dict[str, list[float]] = {name: [] for name in pages}
        t0 = time.monotonic()
        for _ in range(args.rounds):
            for name, path in pages.items():
                status, _, _ = fetch(port, path, "" if name == "healthz" else cookie)
                if status != 200:
                    failures.append((name, status))
        elapsed = time.monotonic() - t0
        stop_gunicorn(proc)
        proc = None
        # gunicorn may not have flushed the warm-up's lines when the offset was taken, so the measured
        # requests are the log's last lines (nothing reaches the server after them), and there must be
        # at least that many after the offset.
        with open(os.path.join(log_dir, "access.log")) as fh:
            fh.seek(offset)
            lines = [line for line in fh if line.startswith("BENCH GET ")]
        names = list(pages)
        if len(lines) < len(names) * args.rounds:
            raise SystemExit(f"{len(lines)} access-log lines for {len(names) * args.rounds} requests")
        lines = lines[-len(names) * args.rounds :]
        for index, line in enumerate(lines):  # one worker, one request at a time: the log is in our order
            _bench, _method, path, _status, micros = line.split()
            name = names[index % len(names)]
            if path != pages[name].split("?")[0]:
                raise SystemExit(f"access log out of order: {path} where {pages[name]} was expected")
            times[name].append(int(micros) / 1000)
        base = percentile(times["healthz"], 50)
        print(f"\n{args.rounds} rounds in {elapsed:.1f}s, {'PostgreSQL' if args.database_url else 'SQLite'}, "
              f"gunicorn 1 sync worker, server time from the access log")  # fmt: skip
        print(f"{'page':28} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'p50/healthz':>12}")
        over = []
        for name in pages:
            values = times[name]
            p50, p95 = percentile(values, 50), percentile(values, 95)
            print(
                f"{name:28} {len(values):>4} {p50:>8.1f} {p95:>8.1f} {max(values):>8.1f} {p50 / base:>11.1f}x"
            )
            if name != "healthz" and not p95 <= args.budget_ms:
                over.append(f"{name} p95 {p95:.1f} ms")
        if failures:
            print(f"FAIL: non-200 answers: {failures[:10]}")
            return 1
        if over:
            print(f"FAIL: over the {args.budget_ms:.0f} ms budget: {'; '.join(over)}")
            return 1
        print(f"OK: every outcomes page p95 <= {args.budget_ms:.0f} ms")
        return 0
    finally:
        if proc is not None:
            stop_gunicorn(proc)
        shutil.rmtree(log_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
