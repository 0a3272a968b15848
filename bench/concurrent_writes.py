#!/usr/bin/env python3
"""Concurrent-writes benchmark for OpenIOP.

Claim under test: "on the embedded SQLite default, concurrent requests never see 'database is locked'
as a 500". Every chart view, patient-list search and "my day" page appends one event to the hash-chained
audit log (serialised through the locked AuditChainHead row), and a signed-in request renews its session
row once a minute (SESSION_RENEW_SECONDS), so the mix below is write-heavy.

The script:
  1. builds a fresh, throw-away OPENIOP_VAR_DIR (migrate, createcachetable, collectstatic, load_demo, with
     the same environment as `make run`) and starts gunicorn (config.wsgi) on a free 127.0.0.1 port;
  2. signs in several demo staff users (urllib + http.cookiejar, CSRF token from the form) and collects
     chart URLs from /patients/?page=N;
  3. drives a bounded mix of chart views, list searches, /my-day/ and /healthz (baseline) from many
     threads (this process; gunicorn is a separate process), bounded by a request count and a time cap;
  4. stops gunicorn, runs `manage.py audit_verify` and counts the audit events the run wrote against the
     successful requests that should each have written exactly one;
  5. prints a table and exits non-zero on any 5xx (or any other non-200: a locked session save is a 400),
     any "database is locked" or traceback in the server log, a transport error, a broken chain or an
     audit-count mismatch.

Only stdlib plus the project venv (psycopg, for --database-url). Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import http.cookiejar
import json
import os
import random
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_BIN = os.path.join(ROOT, ".venv", "bin")
PYTHON = os.path.join(VENV_BIN, "python")
GUNICORN = os.path.join(VENV_BIN, "gunicorn")
DEMO_PASSWORD = "openiop-demo"  # openiop/demo/builder.py DEMO_PASSWORD (demo only)
DEMO_ENV = {"SECURE_COOKIES": "0", "OPENIOP_REQUIRE_STAFF_MFA": "0", "SECURE_HSTS_SECONDS": "0"}
HOST = "127.0.0.1"
CHART_RE = re.compile(r'href="(/patients/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/)"')
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
LOCKED = "database is locked"
# Search terms: fragments of the synthetic names plus a miss; each search writes one LIST audit event.
SEARCH_TERMS = ["a", "e", "an", "el", "ar", "Example", "Sample", "OI9000001", "zzq", "ma", "ri", "on"]
# page -> weight in the mix; healthz is the no-write, no-session baseline.
DEFAULT_MIX = "chart=40,list=20,my-day=15,healthz=25"
# gunicorn access log: method, path, status, request time in microseconds (server side: from the worker
# starting the request to the response written, i.e. without time spent queued in the listen backlog).
ACCESS_FORMAT = "BENCH %(m)s %(U)s %(s)s %(D)s"
CHART_PATH_RE = re.compile(r"^/patients/[0-9a-f-]{36}/$")
WRITES_AUDIT = {"chart", "list", "my-day"}


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


# --- PostgreSQL scratch database --------------------------------------------------------------------


def _pg_admin(url: str):
    import psycopg  # project venv

    parts = urllib.parse.urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"refusing non-loopback database host {parts.hostname!r}")
    dbname = parts.path.lstrip("/")
    if not re.fullmatch(r"openiop_bench[a-z0-9_]*", dbname):
        raise SystemExit("--database-url must name a scratch database matching openiop_bench[a-z0-9_]*")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    return psycopg.connect(admin, autocommit=True, connect_timeout=5), dbname


def pg_create(url: str) -> None:
    conn, dbname = _pg_admin(url)
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{dbname}"')
    log(f"created scratch PostgreSQL database {dbname}")


def pg_drop(url: str) -> None:
    conn, dbname = _pg_admin(url)
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    log(f"dropped scratch PostgreSQL database {dbname}")


# --- Server -------------------------------------------------------------------------------------------


def server_env(var_dir: str, database_url: str | None, control: bool = False) -> dict[str, str]:
    env = dict(os.environ)
    for key in (
        "DATABASE_URL",
        "REDIS_URL",
        "SECRET_KEY",
        "DEBUG",
        "OPENIOP_TESTING",
        "DJANGO_SETTINGS_MODULE",
    ):
        env.pop(key, None)
    if control:
        env["DJANGO_SETTINGS_MODULE"] = "bench.control_settings"
    env.update(DEMO_ENV)
    env["OPENIOP_VAR_DIR"] = var_dir
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def manage(env: dict[str, str], *args: str, check: bool = True, timeout: int = 600):
    cmd = [PYTHON, "manage.py", *args]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)  # noqa: S603
    if check and proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"failed: {' '.join(args)} (exit {proc.returncode})")
    return proc


def prepare(env: dict[str, str]) -> None:
    t0 = time.monotonic()
    manage(env, "migrate", "--no-input", "-v0")
    manage(env, "createcachetable")
    manage(env, "collectstatic", "--no-input", "-v0")
    manage(env, "load_demo")
    log(f"database prepared in {time.monotonic() - t0:.1f}s")


def start_gunicorn(env, port, workers, threads, log_dir, boot_timeout: float = 60):
    cmd = [
        GUNICORN, "config.wsgi",
        "--bind", f"{HOST}:{port}",
        "--workers", str(workers),
        "--threads", str(threads),
        "--log-level", "warning",
        "--timeout", "60",
        "--access-logfile", os.path.join(log_dir, "access.log"),
        "--access-logformat", ACCESS_FORMAT,
    ]  # fmt: skip
    out = open(os.path.join(log_dir, "gunicorn.stdout"), "w")
    err = open(os.path.join(log_dir, "gunicorn.stderr"), "w")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=err, start_new_session=True)  # noqa: S603
    deadline = time.monotonic() + boot_timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited early ({proc.returncode}); see {err.name}")
        try:
            status, _, _ = fetch(port, "/healthz", timeout=2)
            if status == 200:
                return proc, cmd, out, err
        except OSError:
            pass
        time.sleep(0.25)
    stop_gunicorn(proc)
    raise SystemExit(f"gunicorn did not answer /healthz within {boot_timeout:.0f}s")


def stop_gunicorn(proc) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)  # the arbiter we started, by its pid
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


# --- HTTP ---------------------------------------------------------------------------------------------


def fetch(port: int, path: str, cookie: str = "", timeout: float = 60.0):
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        headers = {"Host": f"{HOST}:{port}", "Connection": "close"}
        if cookie:
            headers["Cookie"] = cookie
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, body, resp.getheader("Location")
    finally:
        conn.close()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def login(port: int, username: str) -> str:
    """Sign in through the real form; return the Cookie header value (sessionid + csrftoken)."""
    base = f"http://{HOST}:{port}"
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    with opener.open(f"{base}/accounts/login/", timeout=30) as resp:
        page = resp.read().decode()
    match = CSRF_RE.search(page)
    if not match:
        raise SystemExit("no csrfmiddlewaretoken on the login form")
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": match.group(1), "login": username, "password": DEMO_PASSWORD}
    ).encode()
    req = urllib.request.Request(f"{base}/accounts/login/", data=data, headers={"Referer": f"{base}/"})  # noqa: S310
    try:
        with opener.open(req, timeout=60) as resp:
            status = resp.status
    except urllib.error.HTTPError as exc:  # 302 surfaces here because redirects are not followed
        status = exc.code
    cookies = {c.name: c.value for c in jar}
    if status != 302 or "sessionid" not in cookies:
        raise SystemExit(f"login failed for {username}: HTTP {status}")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def page_of(path: str) -> str | None:
    if path == "/healthz":
        return "healthz"
    if path == "/my-day/":
        return "my-day"
    if path == "/patients/":
        return "list"
    if CHART_PATH_RE.match(path):
        return "chart"
    return None


def server_times(access_log: str, offset: int) -> dict[str, list[float]]:
    """Server-side milliseconds per page from the access log lines written after `offset`."""
    times = collections.defaultdict(list)
    with open(access_log) as fh:
        fh.seek(offset)
        for line in fh:
            parts = line.split()
            if len(parts) == 5 and parts[0] == "BENCH" and parts[1] == "GET":
                page = page_of(parts[2])
                if page:
                    times[page].append(int(parts[4]) / 1000)
    return times


def fetch_setup(port: int, path: str, cookie: str):
    """Setup-phase GET (not measured): retried up to 5 times on a 5xx, which only the control run sees."""
    for _ in range(5):
        status, body, location = fetch(port, path, cookie)
        if status < 500:
            break
        time.sleep(0.2)
    return status, body, location


def collect_charts(port: int, cookie: str, max_pages: int = 10) -> list[str]:
    """Chart URLs on the user's patient list that the user may open directly (200, not break-the-glass).

    Probing writes one audit event per chart; that happens before the load phase and is not counted.
    """
    listed: list[str] = []
    for page in range(1, max_pages + 1):
        status, body, _ = fetch_setup(port, f"/patients/?page={page}", cookie)
        if status != 200:
            raise SystemExit(f"/patients/?page={page} -> HTTP {status}")
        found = [u for u in CHART_RE.findall(body.decode()) if u not in listed]
        if not found:
            break
        listed.extend(found)
    return [url for url in listed if fetch_setup(port, url, cookie)[0] == 200]


# --- Load ---------------------------------------------------------------------------------------------


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-pct * len(ordered) // 100))))  # nearest-rank
    return ordered[rank - 1]


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency = collections.defaultdict(list)  # page -> [ms]
        self.status = collections.defaultdict(collections.Counter)  # page -> Counter(status)
        self.locked = collections.defaultdict(list)  # page -> [(path, status)]
        self.server_errors = []  # (page, path, status, snippet)
        self.transport_errors = []  # (page, path, repr)

    def add(self, page, path, status, ms, body):
        with self.lock:
            self.latency[page].append(ms)
            self.status[page][status] += 1
            if LOCKED.encode() in body:
                self.locked[page].append((path, status))
            if status >= 500:
                self.server_errors.append((page, path, status, body[:200]))


def build_plan(total, mix, sessions, rng):
    names = list(mix)
    weights = [mix[n] for n in names]
    plan = []
    for i in range(total):
        page = rng.choices(names, weights)[0]
        user, cookie, charts = sessions[i % len(sessions)]
        if page == "chart":
            path = rng.choice(charts)
        elif page == "list":
            path = f"/patients/?q={urllib.parse.quote(rng.choice(SEARCH_TERMS))}"
        elif page == "my-day":
            path = "/my-day/"
        else:
            path, cookie = "/healthz", ""
        plan.append((page, path, cookie))
    return plan


def run_load(port, plan, concurrency, time_cap, results):
    index = iter(range(len(plan)))
    index_lock = threading.Lock()
    stop_at = time.monotonic() + time_cap
    done = [0]

    def worker():
        while time.monotonic() < stop_at:
            with index_lock:
                i = next(index, None)
            if i is None:
                return
            page, path, cookie = plan[i]
            t0 = time.perf_counter()
            try:
                status, body, _ = fetch(port, path, cookie)
            except (OSError, http.client.HTTPException) as exc:
                with results.lock:
                    results.transport_errors.append((page, path, repr(exc)))
                continue
            results.add(page, path, status, (time.perf_counter() - t0) * 1000, body)
            with index_lock:
                done[0] += 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=time_cap + 120)
    return time.monotonic() - t0, done[0], time.monotonic() >= stop_at


# --- Audit --------------------------------------------------------------------------------------------

AUDIT_COUNT = """
import json
from django.db.models import Count, Max
from openiop.audit.models import AuditEvent
start = {start}
rows = AuditEvent.objects.filter(seq__gt=start).values("action", "object_type", "outcome").annotate(n=Count("id"))
agg = AuditEvent.objects.aggregate(n=Count("id"), top=Max("seq"))
print(json.dumps({{"rows": list(rows), "total": agg["n"], "max_seq": agg["top"] or 0}}))
"""


def audit_counts(env, start: int) -> dict:
    proc = manage(env, "shell", "-c", AUDIT_COUNT.format(start=start))
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- Main ---------------------------------------------------------------------------------------------


def parse_mix(text: str) -> dict[str, int]:
    mix = {}
    for item in text.split(","):
        name, _, weight = item.partition("=")
        if name not in ("chart", "list", "my-day", "healthz"):
            raise SystemExit(f"unknown page in --mix: {name}")
        mix[name] = int(weight)
    return mix


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=2000, help="total requests in the load phase")
    ap.add_argument("--concurrency", type=int, default=16, help="client threads")
    ap.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    ap.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (>1: gthread)")
    ap.add_argument("--time-cap", type=float, default=300, help="seconds; the load phase stops here")
    ap.add_argument("--users", default="director,director2,intake,clinician", help="demo staff to sign in")
    ap.add_argument("--mix", default=DEFAULT_MIX, help=f"page weights (default {DEFAULT_MIX})")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument(
        "--database-url",
        help="run on PostgreSQL instead: postgres://postgres@127.0.0.1:5432/openiop_bench_<x> "
        "(the scratch database is created and dropped by this script)",
    )
    ap.add_argument(
        "--control",
        action="store_true",
        help="negative control: serve with bench/control_settings.py (SQLite DEFERRED, busy_timeout=0); "
        "this run is expected to FAIL, proving the checks catch 'database is locked'",
    )
    ap.add_argument("--keep", action="store_true", help="keep the temporary var dir (logs, SQLite file)")
    args = ap.parse_args()
    if not (1 <= args.requests <= 100_000 and 1 <= args.concurrency <= 256 and args.time_cap <= 3600):
        raise SystemExit("bounds: 1..100000 requests, 1..256 threads, time cap <= 3600s")
    mix = parse_mix(args.mix)
    command = shlex.join([os.path.relpath(sys.executable, ROOT), *sys.argv])
    backend = "postgresql" if args.database_url else "sqlite (WAL, IMMEDIATE, busy_timeout=20s)"
    if args.control:
        if args.database_url:
            raise SystemExit("--control applies to SQLite only")
        backend = "NEGATIVE CONTROL: sqlite (WAL, DEFERRED, busy_timeout=0)"

    var_dir = tempfile.mkdtemp(prefix="openiop-bench-")
    env = server_env(var_dir, args.database_url, args.control)
    proc = None
    failures: list[str] = []
    try:
        if args.database_url:
            pg_create(args.database_url)
        log(f"var dir {var_dir}; backend {backend}")
        prepare(env)
        port = free_port()
        proc, gcmd, out, err = start_gunicorn(env, port, args.workers, args.threads, var_dir)
        log(f"gunicorn up on {HOST}:{port}: {shlex.join(gcmd)}")

        sessions = []
        for user in args.users.split(","):
            cookie = login(port, user)
            charts = collect_charts(port, cookie)
            if not charts:
                raise SystemExit(f"{user} sees no charts")
            sessions.append((user, cookie, charts))
            log(f"signed in {user}: {len(charts)} chart URLs")

        start_seq = audit_counts(env, 0)["max_seq"]
        access_log = os.path.join(var_dir, "access.log")
        access_offset = os.path.getsize(access_log)
        plan = build_plan(args.requests, mix, sessions, random.Random(args.seed))  # noqa: S311
        results = Results()
        log(f"load: {len(plan)} requests, {args.concurrency} client threads, cap {args.time_cap:.0f}s")
        elapsed, completed, capped = run_load(port, plan, args.concurrency, args.time_cap, results)
        log(f"load done: {completed} responses in {elapsed:.1f}s ({completed / elapsed:.1f} req/s)")
        stop_gunicorn(proc)
        out.close()
        err.close()

        with open(os.path.join(var_dir, "gunicorn.stderr")) as fh:
            server_log = fh.read()
        log_locked = server_log.count(LOCKED)
        log_operr = server_log.count("OperationalError")
        log_tracebacks = server_log.count("Traceback (most recent call last)")

        stimes = server_times(access_log, access_offset)
        verify = manage(env, "audit_verify", check=False)
        verify_text = (verify.stdout + verify.stderr).strip()
        counts = audit_counts(env, start_seq)
        by_kind = collections.Counter()
        for row in counts["rows"]:
            kind = {
                ("view", "patients.patient"): "chart",
                ("list", "patients.patient"): "list",
                ("list", "home.my_day"): "my-day",
            }.get((row["action"], row["object_type"]), f"{row['action']}:{row['object_type']}")
            by_kind[(kind, row["outcome"])] += row["n"]

        # --- Report ---
        base_p95 = percentile(results.latency.get("healthz", []), 95)
        base_sp95 = percentile(stimes.get("healthz", []), 95)
        lines = []
        header = (
            f"{'page':<8} {'requests':>8} {'statuses':<11} {'5xx':>4} {'locked':>6} "
            f"{'p50 ms':>8} {'p95 ms':>8} {'p95/healthz':>11} | {'srv p50':>8} {'srv p95':>8} {'srv p95/hz':>10}"
        )
        lines.append(header)
        lines.append("-" * len(header))
        total_n = total_5xx = total_locked = 0
        all_lat = []
        for page in ["chart", "list", "my-day", "healthz"]:
            lat = results.latency.get(page, [])
            if not lat:
                continue
            st = results.status[page]
            n5 = sum(v for k, v in st.items() if k >= 500)
            nl = len(results.locked[page])
            p95 = percentile(lat, 95)
            statuses = " ".join(f"{k}:{v}" for k, v in sorted(st.items()))
            srv = stimes.get(page, [])
            sp95 = percentile(srv, 95)
            lines.append(
                f"{page:<8} {len(lat):>8} {statuses:<11} {n5:>4} {nl:>6} {percentile(lat, 50):>8.1f} "
                f"{p95:>8.1f} {p95 / base_p95:>11.2f} | {percentile(srv, 50):>8.1f} {sp95:>8.1f} "
                f"{sp95 / base_sp95:>10.2f}"
            )
            total_n += len(lat)
            total_5xx += n5
            total_locked += nl
            all_lat += lat
        lines.append("-" * len(header))
        lines.append(
            f"{'total':<8} {total_n:>8} {'':<11} {total_5xx:>4} {total_locked:>6} "
            f"{percentile(all_lat, 50):>8.1f} {percentile(all_lat, 95):>8.1f}"
        )

        print()
        print(f"OpenIOP concurrent-writes benchmark ({backend})")
        print(
            f"machine: {os.cpu_count()} CPUs; gunicorn --workers {args.workers} --threads {args.threads}; "
            f"client threads {args.concurrency}; users {args.users}"
        )
        print(
            f"load: {completed}/{len(plan)} responses in {elapsed:.1f}s = {completed / elapsed:.1f} req/s"
            f"{' (TIME CAP HIT)' if capped else ''}; transport errors {len(results.transport_errors)}"
        )
        print()
        print("\n".join(lines))
        print(
            "p50/p95: client-side, incl. queueing for a free worker; srv: gunicorn access-log request time "
            "(worker only). Ratios: page p95 / healthz p95 from this same run."
        )
        print()
        print(
            f"gunicorn stderr: '{LOCKED}' x{log_locked}, OperationalError x{log_operr}, "
            f"tracebacks x{log_tracebacks}"
        )
        print(f"audit_verify (exit {verify.returncode}): {verify_text}")
        print(f"audit events written during load (seq > {start_seq}): {sum(by_kind.values())}")
        for page in ["chart", "list", "my-day"]:
            expected = results.status[page].get(200, 0)
            got = by_kind.get((page, "success"), 0)
            mark = "ok" if got == expected else "MISMATCH"
            print(f"  {page:<7} 200 responses {expected:>5}  audit events {got:>5}  {mark}")
            if got != expected:
                failures.append(f"{page}: {expected} successful requests but {got} audit events")
        other = {k: v for k, v in by_kind.items() if k[0] not in WRITES_AUDIT or k[1] != "success"}
        if other:
            print(f"  other events: {dict(other)}")
        print(f"command: {command}")

        if results.server_errors:
            failures.append(f"{len(results.server_errors)} responses were 5xx")
            for page, path, status, snippet in results.server_errors[:10]:
                print(f"  5xx: {page} {path} -> {status}: {snippet!r}")
        # Every planned request should be 200: a locked session save surfaces as 400 (Django turns the
        # DatabaseError into UpdateError -> SessionInterrupted), not 500, so 4xx must fail the run too.
        non_200 = {p: sum(v for k, v in st.items() if k != 200) for p, st in results.status.items()}
        non_200 = {p: n for p, n in non_200.items() if n}
        if non_200:
            failures.append(f"non-200 responses {non_200}")
        if total_locked or log_locked:
            failures.append(f"'{LOCKED}' seen: {total_locked} responses, {log_locked} log lines")
        if results.transport_errors:
            failures.append(f"{len(results.transport_errors)} transport errors")
            for item in results.transport_errors[:5]:
                print(f"  transport error: {item}")
        if verify.returncode != 0:
            failures.append("audit chain broken")
        if log_tracebacks:
            first = server_log.find("Traceback (most recent call last)")
            print("first traceback in gunicorn stderr:")
            print(server_log[max(0, first - 300) : first + 4000])
            failures.append(f"{log_tracebacks} tracebacks in the server log")
        if capped:
            failures.append("time cap hit before all requests were sent")
        print()
        print("RESULT: " + ("PASS" if not failures else "FAIL: " + "; ".join(failures)))
        return 1 if failures else 0
    finally:
        if proc is not None:
            stop_gunicorn(proc)
        if args.database_url:
            try:
                pg_drop(args.database_url)
            except Exception as exc:  # noqa: BLE001 - report, do not mask the run's result
                log(f"could not drop scratch database: {exc!r}")
        if args.keep or failures:
            log(f"kept {var_dir} (gunicorn.stderr, gunicorn.stdout, SQLite file)")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
