#!/usr/bin/env python3
"""Page latency at size M (issue 10): the main pages under 16 concurrent clients, against a bare view.

Claim under test, on this 2-core machine with a `seed_synthetic --size M` organization: every main page
answers with p95 <= 200 ms at concurrency 16, and within 5x the bare view served by the same server in the
same run. Also measured: the peak RSS of one app process under that load.

The script:
  1. prepares a database as `make run` does (migrate, createcachetable, collectstatic), then seeds it with
     `seed_synthetic --size M --seed 1` unless it already holds a synthetic organization: `--var-dir DIR`
     (SQLite) or `--database-url` (PostgreSQL) name one to keep and reuse, so reruns do not reseed;
  2. picks the subjects deterministically from the data (bench/pages_subjects.py: a median-caseload
     clinician, their patient, a full group session, the program's director) and issues the clinician a
     one-day API token for the FHIR search;
  3. starts gunicorn (config.wsgi, DEBUG off, `make run`'s environment) on a free loopback port and signs
     the clinician and the director in through the real login form;
  4. drives each page in its own phase: a warm-up, then `--requests` GETs from bench/loadgen.py, a separate
     process holding `--concurrency` keep-alive connections. /healthz (no database, no session, PUBLIC) is
     the bare view, measured first and last. A reference phase, the floor, drives the cheapest signed-in
     page that checks a policy and writes an audit event (the clinician's urgent-alert list): what every
     PHI page pays before its own work. Its figures are shown, not judged against the targets;
  5. reads each phase's server time from gunicorn's access log (%(D)s: the worker's own time, without the
     wait for a free worker) and the peak RSS (VmHWM) of every gunicorn process;
  6. prints a markdown table, flags each target met or missed, and exits non-zero on any non-200 answer,
     a 200 that is not the real page, a transport error or a traceback in the server log. A missed latency
     target is reported, not an error exit, unless --strict.

    .venv/bin/python bench/pages.py --var-dir /tmp/openiop-pages-M            # seeds once, then reuses
    .venv/bin/python bench/pages.py --database-url postgres://postgres@127.0.0.1:5432/openiop_bench_pages

Only stdlib plus the project venv (psycopg for PostgreSQL). Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from concurrent_writes import (  # noqa: E402 - the sibling script is the bench's library
    HOST,
    PYTHON,
    ROOT,
    free_port,
    log,
    login,
    manage,
    percentile,
    server_env,
    start_gunicorn,
    stop_gunicorn,
)

LOADGEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "loadgen.py")
P95_TARGET_MS = 200.0
RATIO_TARGET = 5.0
SEEDED_CHECK = (
    "from openiop.programs.models import Program; from openiop.demo.synthetic import SHORT_NAME_PREFIX; "
    "print(Program.objects.filter(short_name__startswith=SHORT_NAME_PREFIX).count())"
)
SUBJECTS = "import sys; sys.path.insert(0, 'bench'); import pages_subjects; pages_subjects.main()"


# --- Database ---------------------------------------------------------------------------------------------


def pg_ensure(url: str) -> None:
    """Create the scratch database if it does not exist; an existing one is kept (it may hold the seed)."""
    import psycopg  # project venv

    parts = urllib.parse.urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"refusing non-loopback database host {parts.hostname!r}")
    dbname = parts.path.lstrip("/")
    # The synthetic staff share a published password: only a database named as a benchmark's is used.
    if not re.fullmatch(r"openiop_[a-z0-9_]*bench[a-z0-9_]*", dbname):
        raise SystemExit("--database-url must name a scratch database matching openiop_*bench*")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{dbname}"')
            log(f"created PostgreSQL database {dbname}")


def prepare_seeded(env: dict[str, str], size: str, seed: int) -> str:
    """migrate/createcachetable/collectstatic (cheap when already done), then seed unless seeded."""
    t0 = time.monotonic()
    manage(env, "migrate", "--no-input", "-v0", timeout=1800)
    manage(env, "createcachetable")
    manage(env, "collectstatic", "--no-input", "-v0")
    programs = int(manage(env, "shell", "-c", SEEDED_CHECK).stdout.strip().splitlines()[-1])
    if programs:
        log(f"database already holds a synthetic organization ({programs} programs): not reseeding")
        return f"reused ({programs} synthetic programs)"
    log(f"seeding size {size} (seed {seed}); several minutes")
    seeded = manage(env, "seed_synthetic", "--size", size, "--seed", str(seed), timeout=7200)
    summary = seeded.stdout.strip().splitlines()[-1]
    log(f"{summary} (prepared in {time.monotonic() - t0:.0f}s)")
    return f"seeded now: {summary}"


# --- Phases -----------------------------------------------------------------------------------------------


def phases(subjects: dict, clinician: str, director: str, token: str) -> list[dict]:
    """(name, path, credentials, texts the real page contains), in the order they are driven."""
    patient, term = subjects["patient"], subjects["search"]["term"]
    outcomes = urllib.parse.urlencode(
        {
            "program": subjects["program"]["uuid"],
            "instrument": subjects["outcomes"]["instrument"],
            "from": subjects["outcomes"]["from"],
            "to": subjects["outcomes"]["to"],
        }
    )
    cookie = {"Cookie": clinician}
    bearer = {"Authorization": f"Bearer {token}", "Accept": "application/fhir+json"}
    return [
        {"name": "healthz", "path": "/healthz", "headers": {}, "expect": ["ok"]},
        # The reference floor, not one of the main pages: the clinician's urgent-alert list, the cheapest
        # signed-in page that checks a policy, runs one list query and writes an audit event. Every PHI page
        # pays at least this; its ratio to the bare view shows what the 5x target leaves for a page's own work.
        {
            "name": "floor: urgent alerts",
            "path": "/measures/alerts/",
            "headers": cookie,
            "expect": ["<title>Urgent alerts"],
            "reference": True,
        },
        {"name": "my day", "path": "/my-day/", "headers": cookie, "expect": ["<title>My day"]},
        {
            "name": "patient list (search)",
            "path": f"/patients/?q={urllib.parse.quote(term)}",
            "headers": cookie,
            # Rows of the first page: a synthetic record number (the term matches more than a page at M).
            "expect": ["<title>Patients", "<td>SYN0"],
        },
        {
            "name": "chart",
            "path": f"/patients/{patient['uuid']}/",
            "headers": cookie,
            "expect": [patient["record_number"]],
        },
        {
            "name": "group attendance",
            "path": f"/scheduling/sessions/{subjects['session']['uuid']}/attendance/",
            "headers": cookie,
            "expect": ["<title>Attendance"],
        },
        {
            "name": "PHQ-9 trajectory",
            "path": f"/measures/patients/{patient['uuid']}/trajectories/PHQ-9/",
            "headers": cookie,
            "expect": ["PHQ-9 trajectory"],
        },
        {
            "name": "outcomes (director)",
            "path": f"/measures/outcomes/?{outcomes}",
            "headers": {"Cookie": director},
            "expect": ["<title>Program outcomes", "outcome-rates"],
        },
        {
            "name": "FHIR Patient?name=",
            "path": f"/fhir/r4/Patient?name={urllib.parse.quote(term)}",
            "headers": bearer,
            "expect": ['"Bundle"', '"resourceType": "Patient"'],
        },
        {
            "name": "FHIR Observation?patient=",
            "path": f"/fhir/r4/Observation?patient={patient['uuid']}",
            "headers": bearer,
            "expect": ['"Bundle"', '"Observation"'],
        },
        {"name": "healthz (again)", "path": "/healthz", "headers": {}, "expect": ["ok"]},
    ]


def check_page(port: int, phase: dict) -> None:
    """One request before the load: the real page, not a login redirect or a refusal."""
    headers = phase["headers"]
    status, body, location = fetch_with(port, phase["path"], headers)
    missing = [text for text in phase["expect"] if text.encode() not in body]
    if status != 200 or missing:
        raise SystemExit(
            f"{phase['name']} {phase['path']}: HTTP {status} {location or ''} missing {missing}: {body[:300]!r}"
        )


def fetch_with(port: int, path: str, headers: dict):
    import http.client

    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        conn.request("GET", path, headers={"Host": f"{HOST}:{port}", "Connection": "close", **headers})
        resp = conn.getresponse()
        return resp.status, resp.read(), resp.getheader("Location")
    finally:
        conn.close()


def drive(port: int, phase: dict, requests: int, concurrency: int, time_cap: float) -> dict:
    """One load-generator process for one phase; the job (with credentials) goes over stdin."""
    # The generator checks one text per answer (the most specific); check_page checked them all once.
    job = {
        "port": port,
        "path": phase["path"],
        "headers": phase["headers"],
        "requests": requests,
        "concurrency": concurrency,
        "expect": phase["expect"][-1],
        "time_cap": time_cap,
    }
    proc = subprocess.run(  # noqa: S603 - our own script, fixed argv
        [PYTHON, LOADGEN], input=json.dumps(job), capture_output=True, text=True, timeout=time_cap + 120
    )
    if proc.returncode != 0:
        raise SystemExit(f"load generator failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout)


def server_times(access_log: str, start: int, end: int) -> list[float]:
    """Server milliseconds (%(D)s) of the GETs logged between two offsets of the access log."""
    with open(access_log) as fh:
        fh.seek(start)
        chunk = fh.read(end - start)
    times = []
    for line in chunk.splitlines():
        parts = line.split()
        if len(parts) == 5 and parts[0] == "BENCH" and parts[1] == "GET":
            times.append(int(parts[4]) / 1000)
    return times


def settled_size(path: str) -> int:
    """The access log's size once workers have logged the last responses (logged just after sending)."""
    size = -1
    for _ in range(20):
        time.sleep(0.25)
        now = os.path.getsize(path)
        if now == size:
            return now
        size = now
    return size


# --- Memory -----------------------------------------------------------------------------------------------


def gunicorn_memory(master_pid: int) -> dict[int, tuple[str, int, int]]:
    """{pid: (role, VmHWM kB, VmRSS kB)} for the gunicorn master we started and its workers."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as fh:
                status = dict(line.split(":", 1) for line in fh if ":" in line)
        except OSError:
            continue
        pid, ppid = int(entry), int(status["PPid"].strip())
        if pid == master_pid or ppid == master_pid:
            hwm = int(status.get("VmHWM", "0 kB").split()[0])
            rss = int(status.get("VmRSS", "0 kB").split()[0])
            found[pid] = ("master" if pid == master_pid else "worker", hwm, rss)
    return found


# --- Main -------------------------------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", default="M", choices=["S", "M", "L"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--var-dir", help="OPENIOP_VAR_DIR to keep and reuse (seeded on the first run only)")
    ap.add_argument(
        "--database-url",
        help="PostgreSQL scratch database postgres://postgres@127.0.0.1:5432/openiop_bench_<x>: created "
        "if missing, seeded if empty, kept (drop it yourself)",
    )
    ap.add_argument("--requests", type=int, default=400, help="measured requests per page")
    ap.add_argument("--warmup", type=int, default=32, help="unmeasured requests per page first")
    ap.add_argument("--concurrency", type=int, default=16, help="client connections")
    # 2 cores: two sync workers per core, so one can compute while another waits on the database; gunicorn's
    # rule of thumb (2 x cores + 1 = 5) costs another process's memory for little on a CPU-bound app.
    ap.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    ap.add_argument("--threads", type=int, default=1, help="threads per worker (>1: gthread)")
    ap.add_argument("--time-cap", type=float, default=600, help="seconds per phase")
    ap.add_argument("--only", help="comma-separated phase names to drive (healthz always runs)")
    ap.add_argument("--strict", action="store_true", help="exit non-zero when a latency target is missed")
    args = ap.parse_args()
    if not (1 <= args.requests <= 100_000 and 1 <= args.concurrency <= 256 and args.warmup >= 0):
        raise SystemExit("bounds: 1..100000 requests, 1..256 connections")
    command = shlex.join([os.path.relpath(sys.executable, ROOT), *sys.argv])

    temporary = args.var_dir is None
    var_dir = tempfile.mkdtemp(prefix="openiop-pages-") if temporary else os.path.abspath(args.var_dir)
    os.makedirs(var_dir, exist_ok=True)
    env = server_env(var_dir, args.database_url)
    backend = "PostgreSQL" if args.database_url else "SQLite (WAL, IMMEDIATE)"
    proc = None
    log_dir = None
    failures: list[str] = []
    try:
        if args.database_url:
            pg_ensure(args.database_url)
        seeding = prepare_seeded(env, args.size, args.seed)
        subjects = json.loads(manage(env, "shell", "-c", SUBJECTS).stdout.strip().splitlines()[-1])
        log(f"subjects: {json.dumps(subjects)}")
        clinician, director = subjects["clinician"]["username"], subjects["director"]
        token = (
            manage(env, "issue_token", clinician, "--days", "1", "--name", "bench/pages.py")
            .stdout.strip()
            .splitlines()[-1]
        )
        port = free_port()
        log_dir = tempfile.mkdtemp(prefix="pages-log-", dir=var_dir)  # kept only when the run fails
        # Four workers importing Django on a loaded 2-core machine can take over a minute to boot.
        proc, gcmd, out, err = start_gunicorn(
            env, port, args.workers, args.threads, log_dir, boot_timeout=300
        )
        log(f"gunicorn up on {HOST}:{port}: {shlex.join(gcmd[1:])}")
        plan = phases(subjects, login(port, clinician), login(port, director), token)
        if args.only:
            wanted = set(args.only.split(","))
            plan = [p for p in plan if p["name"] in wanted or p["name"].startswith("healthz")]
        for phase in plan:
            check_page(port, phase)
        access_log = os.path.join(log_dir, "access.log")

        rows = []
        for phase in plan:
            if args.warmup:
                warm = drive(port, phase, args.warmup, args.concurrency, args.time_cap)
                if warm["statuses"] != {"200": args.warmup}:
                    failures.append(f"{phase['name']}: warm-up answers {warm['statuses']}")
            start = settled_size(access_log)
            result = drive(port, phase, args.requests, args.concurrency, args.time_cap)
            end = settled_size(access_log)
            result["server_ms"] = server_times(access_log, start, end)
            rows.append((phase, result))
            lat = result["latencies_ms"]
            log(
                f"{phase['name']:<28} {len(lat)} in {result['elapsed_s']:.1f}s: p50 {percentile(lat, 50):.1f} "
                f"p95 {percentile(lat, 95):.1f} ms; statuses {result['statuses']}"
            )
        memory = gunicorn_memory(proc.pid)
        stop_gunicorn(proc)
        out.close()
        err.close()
        with open(os.path.join(log_dir, "gunicorn.stderr")) as fh:
            server_log = fh.read()
        tracebacks = server_log.count("Traceback (most recent call last)")

        report(args, command, backend, seeding, subjects, rows, memory, failures, tracebacks)
        if tracebacks:
            first = server_log.find("Traceback (most recent call last)")
            print(server_log[max(0, first - 300) : first + 3000])
        missed = [f for f in failures if f.startswith("target")]
        errors = [f for f in failures if not f.startswith("target")]
        if errors or (args.strict and missed):
            print("RESULT: FAIL: " + "; ".join(errors + (missed if args.strict else [])))
            log(f"kept the server logs in {log_dir}")
            log_dir = None
            return 1
        print(
            "RESULT: PASS (no errors)"
            + (f"; targets missed: {len(missed)}" if missed else "; all targets met")
        )
        return 0
    finally:
        if proc is not None:
            stop_gunicorn(proc)
        if temporary:
            shutil.rmtree(var_dir, ignore_errors=True)
        elif log_dir and sys.exc_info()[0] is None:  # an error exit keeps them for reading
            shutil.rmtree(log_dir, ignore_errors=True)


def _verdict(met: bool, reference: bool) -> str:
    verdict = "met" if met else "MISSED"
    return f"({verdict.lower()}: reference)" if reference else verdict


def report(args, command, backend, seeding, subjects, rows, memory, failures, tracebacks) -> None:
    base = [r for p, r in rows if p["path"] == "/healthz"]
    base_client = [ms for r in base for ms in r["latencies_ms"]]
    base_server = [ms for r in base for ms in r["server_ms"]]
    bc50, bc95 = percentile(base_client, 50), percentile(base_client, 95)
    bs50, bs95 = percentile(base_server, 50), percentile(base_server, 95)
    print()
    print(f"## Page latency, size {args.size} (seed {args.seed}), {backend}")
    print()
    print(
        f"machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}; "
        f"server: gunicorn --workers {args.workers} --threads {args.threads} (DEBUG off); load: "
        f"bench/loadgen.py, {args.concurrency} keep-alive connections, {args.requests} requests per page "
        f"after {args.warmup} unmeasured; database: {seeding}"
    )
    print(
        f"subjects: clinician {subjects['clinician']['username']} (active primary caseload "
        f"{subjects['clinician']['active_primary_caseload']}, {subjects['care_team_episodes']} care-team "
        f"episodes, census {subjects['census']}), patient {subjects['patient']['record_number']} "
        f"({subjects['patient']['phq9_in_record']} PHQ-9), search {subjects['search']['term']!r} "
        f"({subjects['search']['matches']} matches), session {subjects['session']['date']} (roster "
        f"{subjects['session']['roster']}), outcomes as {subjects['director']} for "
        f"{subjects['program']['short_name']}"
    )
    print()
    print(
        "| page | n | statuses | req/s | p50 ms | p95 ms | p50 / bare | p95 / bare | srv p50 | srv p95 "
        "| srv p50 / bare | srv p95 / bare | p95 <= 200 | <= 5x bare |"
    )
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for phase, r in rows:
        lat, srv = r["latencies_ms"], r["server_ms"]
        c50, c95, s50, s95 = (
            percentile(lat, 50),
            percentile(lat, 95),
            percentile(srv, 50),
            percentile(srv, 95),
        )
        bare = phase["path"] == "/healthz"
        reference = phase.get("reference", False)
        met_abs = c95 <= P95_TARGET_MS
        met_ratio = bare or c95 / bc95 <= RATIO_TARGET
        statuses = " ".join(f"{k}:{v}" for k, v in sorted(r["statuses"].items()))
        print(
            f"| {phase['name']} | {len(lat)} | {statuses} | {len(lat) / r['elapsed_s']:.0f} | {c50:.1f} | "
            f"{c95:.1f} | {c50 / bc50:.1f}x | {c95 / bc95:.1f}x | {s50:.1f} | {s95:.1f} | {s50 / bs50:.1f}x | "
            f"{s95 / bs95:.1f}x | {_verdict(met_abs, reference)} | {'—' if bare else _verdict(met_ratio, reference)} |"
        )
        if not met_abs and not reference:
            failures.append(f"target: {phase['name']} p95 {c95:.0f} ms > {P95_TARGET_MS:.0f} ms")
        if not met_ratio and not reference:
            failures.append(f"target: {phase['name']} p95 {c95 / bc95:.1f}x the bare view's")
        bad = {k: v for k, v in r["statuses"].items() if k != "200"}
        if bad:
            failures.append(f"{phase['name']}: non-200 answers {bad}: {r['samples'][:2]}")
        if r["missing_expect"]:
            failures.append(
                f"{phase['name']}: {r['missing_expect']} answers were not the page: {r['samples'][:1]}"
            )
        if r["transport_error_count"]:
            failures.append(
                f"{phase['name']}: {r['transport_error_count']} transport errors {r['transport_errors'][:2]}"
            )
        if r["capped"]:
            failures.append(f"{phase['name']}: time cap hit before all requests were sent")
        if len(srv) != len(lat):
            failures.append(f"{phase['name']}: {len(srv)} access-log lines for {len(lat)} answers")
    print()
    print(
        "p50/p95: client side (bench/loadgen.py), from sending the request to reading the body, including the "
        "wait for a free worker; srv: gunicorn's %(D)s, the worker's own time. Ratios: to /healthz (the bare "
        "view: no database, no session) pooled over its two phases in this same run. The floor (a reference, "
        "not a target): the cheapest signed-in, audited page."
    )
    workers = [(pid, hwm, rss) for pid, (role, hwm, rss) in memory.items() if role == "worker"]
    master = [(pid, hwm, rss) for pid, (role, hwm, rss) in memory.items() if role == "master"]
    if workers:
        top = max(workers, key=lambda w: w[1])
        each = ", ".join(f"{hwm / 1024:.0f}" for _, hwm, _ in sorted(workers))
        arbiter = f"{master[0][1] / 1024:.0f} MiB" if master else "not found"
        print(
            f"Peak RSS (VmHWM) of one app process: {top[1] / 1024:.0f} MiB (worker {top[0]}); "
            f"every worker: {each} MiB; master: {arbiter}"
        )
    else:
        failures.append("no gunicorn worker found for the memory reading")
    print(f"gunicorn stderr: tracebacks x{tracebacks}")
    if tracebacks:
        failures.append(f"{tracebacks} tracebacks in the server log")
    print(f"command: {command}")


if __name__ == "__main__":
    sys.exit(main())
