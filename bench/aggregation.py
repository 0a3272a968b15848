#!/usr/bin/env python3
"""Outcomes of one program over one program-year, on SQLite and on PostgreSQL: timed, and checked identical.

Claim under test (issue 10): the program-year aggregation at size L gives the same figures on both databases,
and how long it takes on each. The figures come from the code the outcomes page uses: the selectors
(measures/selectors_outcomes.py: `outcome_view` for the synthetic director, then `outcome_records`) and the
pure core (measures/outcomes.py: `program_outcomes`), for every charted instrument (PHQ-9, GAD-7, PCL-5).

Each database is read by its own child process (its own settings: `OPENIOP_VAR_DIR` for SQLite,
`DATABASE_URL` for PostgreSQL), so both go through exactly the same code and configuration. A child first
refuses a database holding any non-synthetic patient: this tool reads figures without an audit event, so it
only ever reads made-up people. It computes each instrument's report `--repeat` times (after one warm-up)
and returns the timings and a canonical JSON of the result: every figure of every summary (overall, by
track, by primary clinician) with floats at full precision, plus a SHA-256 of the episode records the
selector returned (dates, discharge reason, scores, track, clinician; not the run-specific UUIDs).

The parent prints the figures and the median/min times per database, then compares the canonical JSON and
exits 1 naming the first differences if the databases disagree (2 if a child fails).

    .venv/bin/python bench/aggregation.py --sqlite-var-dir /tmp/x/sqlite_l \
        --database-url postgres://postgres@127.0.0.1:5432/openiop_x_l          # both, compared
    .venv/bin/python bench/aggregation.py --sqlite-var-dir /tmp/x/sqlite_l    # one database, timed only

Both databases must hold the same `seed_synthetic --size L --seed 1` seeded on the same day (the seed's
dates are relative to its day). The period defaults to the 365 days ending today.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

DEFAULT_PROGRAM = "SYN01 Adult MH"
DIRECTOR_OF = "{}-director"  # syn01-director directs SYN01


# --- Child: one database --------------------------------------------------------------------------------


def _plain(value):
    """A report as plain JSON: dates as ISO text, floats kept exact (json writes repr, which round-trips)."""
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _records_digest(records) -> str:
    """What the selector returned, minus the UUIDs (generated per run), in a fixed order."""
    rows = sorted(
        json.dumps(_plain(dataclasses.replace(r, key="")), sort_keys=True, separators=(",", ":"))
        for r in records
    )
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()


def child(program_short_name: str, start: datetime.date, end: datetime.date, repeat: int) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, ROOT)
    django.setup()
    from django.db import connection

    from openiop.accounts.models import User
    from openiop.measures import outcomes
    from openiop.measures.selectors_outcomes import charted_instruments, outcome_records, outcome_view
    from openiop.patients.models import Patient
    from openiop.programs.models import Program

    if Patient.objects.filter(is_synthetic=False).exists():
        raise SystemExit(
            "refusing: this database holds non-synthetic patients (the bench reads without audit)"
        )
    program = Program.objects.get(short_name=program_short_name)
    director = User.objects.get(username=DIRECTOR_OF.format(program_short_name.split()[0].lower()))
    view = outcome_view(director, program)
    if view is None:
        raise SystemExit(f"{director.username} may not read the outcomes of {program.short_name}")
    result = {"vendor": connection.vendor, "instruments": {}, "timings": {}}
    for instrument in charted_instruments():
        times = {"records": [], "core": [], "total": []}
        for round_ in range(repeat + 1):
            t0 = time.perf_counter()
            records = outcome_records(view, instrument, start=start, end=end, user=director)
            t1 = time.perf_counter()
            report = outcomes.program_outcomes(
                instrument, records, start=start, end=end, by_track=True, by_clinician=view.by_clinician
            )
            t2 = time.perf_counter()
            if round_:  # the first is a warm-up (caches, instrument files, the database's own caches)
                times["records"].append((t1 - t0) * 1000)
                times["core"].append((t2 - t1) * 1000)
                times["total"].append((t2 - t0) * 1000)
        result["instruments"][instrument.code] = {
            "report": _plain(report),
            "records": len(records),
            "scores": sum(len(r.scores) for r in records),
            "records_sha256": _records_digest(records),
        }
        result["timings"][instrument.code] = times
    return result


# --- Parent: run the children, print, compare -----------------------------------------------------------


def run_child(label: str, env: dict, args) -> dict:
    cmd = [
        sys.executable,
        os.path.abspath(__file__),
        "--child",
        "--program",
        args.program,
        "--from",
        args.start.isoformat(),
        "--to",
        args.end.isoformat(),
        "--repeat",
        str(args.repeat),
    ]
    print(
        f"[{label}] computing {args.program} {args.start}..{args.end}, {args.repeat} rounds", file=sys.stderr
    )
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)  # noqa: S603
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit(2)
    return json.loads(proc.stdout)


def differences(a, b, path: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                out.append(f"{path}/{key}: only in {'first' if key in a else 'second'}")
            else:
                out.extend(differences(a[key], b[key], f"{path}/{key}"))
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [
            d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in differences(x, y, f"{path}[{i}]")
        ]
    return [] if a == b and type(a) is type(b) else [f"{path}: {a!r} != {b!r}"]


def _rate(rate: dict) -> str:
    return (
        "—" if not rate["of"] else f"{100 * rate['count'] / rate['of']:.1f}% ({rate['count']}/{rate['of']})"
    )


def print_figures(result: dict) -> None:
    for code, found in result["instruments"].items():
        o = found["report"]["overall"]
        mean = "—" if o["mean_change"] is None else f"{o['mean_change']:+.3f} (SD {o['sd_change']:.3f})"
        print(
            f"  {code:6} episodes {o['episodes']:>6}  baseline+follow-up {o['with_follow_up']:>6}  "
            f"change {mean}  reliable improvement {_rate(o['reliable_improvement'])}  "
            f"response {_rate(o['response'])}  remission {_rate(o['remission'])}  "
            f"completed {_rate(o['completed'])}  [{found['records']} episodes, {found['scores']} scores, "
            f"{len(found['report']['by_track'])} tracks, {len(found['report']['by_clinician'])} clinicians]"
        )


def print_timings(label: str, result: dict) -> None:
    print(f"{label} ({result['vendor']}): median / min ms over the rounds")
    for code, times in result["timings"].items():
        cells = "  ".join(
            f"{part} {statistics.median(times[part]):8.1f} / {min(times[part]):8.1f}"
            for part in ("records", "core", "total")
        )
        print(f"  {code:6} {cells}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sqlite-var-dir", help="an OPENIOP_VAR_DIR holding the seeded openiop.sqlite3")
    ap.add_argument("--database-url", help="postgres://... of the seeded PostgreSQL database (only read)")
    ap.add_argument("--program", default=DEFAULT_PROGRAM, help="the program's short name")
    ap.add_argument("--from", dest="start", type=datetime.date.fromisoformat)
    ap.add_argument("--to", dest="end", type=datetime.date.fromisoformat)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    # The app's "today" (config/settings.py TIME_ZONE), as seed_synthetic used it: fixed here so both
    # children read the same period.
    zone = zoneinfo.ZoneInfo(os.environ.get("TIME_ZONE", "America/New_York"))
    args.end = args.end or datetime.datetime.now(zone).date()
    args.start = args.start or args.end - datetime.timedelta(days=364)
    if args.child:
        json.dump(child(args.program, args.start, args.end, args.repeat), sys.stdout)
        return 0

    from concurrent_writes import server_env  # the bench's library: a clean app environment

    targets, scratch = [], None
    if args.sqlite_var_dir:
        if not os.path.exists(os.path.join(args.sqlite_var_dir, "openiop.sqlite3")):
            raise SystemExit(f"no openiop.sqlite3 in {args.sqlite_var_dir}")
        targets.append(("SQLite", server_env(os.path.abspath(args.sqlite_var_dir), None)))
    if args.database_url:
        # A throw-away OPENIOP_VAR_DIR: the settings keep a secret key file there; nothing else is written.
        scratch = tempfile.mkdtemp(prefix="openiop-bench-agg-")
        targets.append(("PostgreSQL", server_env(scratch, args.database_url)))
    if not targets:
        ap.error("give --sqlite-var-dir and/or --database-url")

    try:
        results = [(label, run_child(label, env, args)) for label, env in targets]
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    print(f"\n{args.program}, {args.start} to {args.end}")
    for label, result in results:
        print(f"{label} figures:")
        print_figures(result)
    for label, result in results:
        print_timings(label, result)
    if len(results) == 2:
        (_, first), (_, second) = results
        diffs = differences(first["instruments"], second["instruments"])
        sqlite_total = {c: statistics.median(t["total"]) for c, t in first["timings"].items()}
        pg_total = {c: statistics.median(t["total"]) for c, t in second["timings"].items()}
        for code in sqlite_total:
            print(f"  {code}: PostgreSQL / SQLite median total = {pg_total[code] / sqlite_total[code]:.2f}")
        if diffs:
            print(f"FAIL: the databases disagree in {len(diffs)} places, e.g.:")
            for line in diffs[:20]:
                print(f"  {line}")
            return 1
        size = len(json.dumps(first["instruments"], sort_keys=True))
        print(f"OK: identical results on both databases ({size:,} characters of canonical JSON compared)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
