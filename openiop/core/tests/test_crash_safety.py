"""Crash safety: kill -9 the app (and PostgreSQL) during a write load; every acknowledged write survives.

Issue 11, row 9. gunicorn (master + 2 workers) serves config.wsgi against a scratch database while client
threads record referrals through the API (each with an Idempotency-Key; every other one is then moved to
"contacted"), and each write leaves its audit event in the same transaction. Mid-load, the master and all
workers are SIGKILLed together, twice; on PostgreSQL the postmaster and all its backends are killed with
them, and the restart replays the WAL. After the last restart the load goes on for a while, then:
- the app serves again (/readyz: database, migrations and cache ok);
- every acknowledged create is there (read back through the API) and every acknowledged move is kept;
  what was in flight at a kill may or may not be, but nothing exists twice;
- a retry of every acknowledged create with its key replays the first answer instead of creating again;
- every acknowledged write has its audit event and `manage.py audit_verify` passes;
- the files are sound: on SQLite PRAGMA integrity_check and foreign_key_check after each crash and at the
  end; on PostgreSQL pg_amcheck (every table and B-tree index, with all index entries) after each recovery
  and at the end, and a full read of every row of every table at the end. (Foreign keys need no check
  there: PostgreSQL enforces them, and WAL replay restores whole transactions or none.)

The variant follows the suite's database, as CI runs the suite once on each. The PostgreSQL variant never
touches the suite's server: it crashes a private cluster (initdb into a temporary folder). Both start from
a copy of the suite's migrated test database instead of migrating again (1.5 minutes on a busy machine),
which is why the test carries the django_db mark although it writes nothing through the suite's connection.
"""

import collections
import http.client
import json
import os
import secrets
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from .crash_processes import Gunicorn, PrivatePostgres, http_request, postgres_bin

BASE_DIR = Path(settings.BASE_DIR)
KILLS = 2
ACKS_PER_ROUND = 12  # acknowledged writes between two kills (and after the last restart)
ROUND_TIMEOUT = 60
CLIENT_THREADS = 4
REFERRALS = "/api/v1/referrals"

# Runs in the scratch database: an intake coordinator of one program, with a personal access token.
SETUP = """
import json
from decimal import Decimal
from django.core.management import call_command
from openiop.accounts.models import Role, StaffProfile, User
from openiop.accounts.services import token_create
from openiop.programs.models import Focus, Population, Program

call_command("createcachetable", verbosity=0)
program = Program.objects.create(
    name="Crash IOP", short_name="Crash", population=Population.ADULT, focus=Focus.MENTAL_HEALTH,
    weekly_hours_target=Decimal("9"),
)
user = User.objects.create_user(
    username="crash_intake", password=None, role=Role.INTAKE_COORDINATOR, first_name="Kim", last_name="Crash",
)
StaffProfile.objects.create(user=user).programs.set([program])
_, raw = token_create(user=user, name="crash load")
print(json.dumps({"token": raw, "program": str(program.uuid)}))
"""

# Runs after the load, against what the crashes left: one row per acknowledged write, its audit event, no
# twins. On PostgreSQL also a full read of every table (each row turned to text, so TOAST is read too).
CHECK = """
import collections, io, json, os
from django.core.management import call_command
from django.db import connection
from openiop.audit.models import Action, AuditEvent
from openiop.intake.models import Referral, ReferralEvent

expected = json.loads(open(os.environ["CRASH_EXPECTED"]).read())
rows = {str(u): s for u, s in Referral.objects.values_list("uuid", "status")}
created = set(AuditEvent.objects.filter(action=Action.CREATE, object_type="intake.referral")
              .values_list("object_id", flat=True))
moved = set(AuditEvent.objects.filter(action=Action.UPDATE, object_type="intake.referral")
            .values_list("object_id", flat=True))
contacted = {str(u) for u in ReferralEvent.objects.filter(to_status="contacted")
             .values_list("referral__uuid", flat=True)}
names = collections.Counter(Referral.objects.values_list("given_name", flat=True))
read = 0
if connection.vendor == "postgresql":
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT t::text FROM "{table}" AS t')
            read += len(cursor.fetchall())
verified = io.StringIO()
call_command("audit_verify", stdout=verified)  # a broken chain exits 1, naming the event
print(json.dumps({
    "audit_verify": verified.getvalue().strip(),
    "missing": [u for u in expected["created"] if u not in rows],
    "not_contacted": [u for u in expected["contacted"] if rows.get(u) != "contacted" or u not in contacted],
    "create_unaudited": [u for u in expected["created"] if u not in created],
    "move_unaudited": [u for u in expected["contacted"] if u not in moved],
    "twins": [name for name, count in names.items() if count > 1],
    "referrals": len(rows),
    "audit_events": AuditEvent.objects.count(),
    "rows_read": read,
}))
"""


def manage(env: dict, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - manage.py of this repo
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def app_env(var_dir: Path, database_url: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "OPENIOP_VAR_DIR")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        OPENIOP_TESTING="1",
        OPENIOP_VAR_DIR=str(var_dir),
        SECRET_KEY=secrets.token_urlsafe(40),
        DEBUG="0",
        SECURE_COOKIES="0",
        SECURE_HSTS_SECONDS="0",
        SECURE_SSL_REDIRECT="0",
        ALLOWED_HOSTS="127.0.0.1",
        LOG_LEVEL="WARNING",
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


class SqliteTarget:
    """The app's default: a SQLite file in the var folder, copied from the suite's migrated test database."""

    name = "sqlite"

    def __init__(self, var_dir: Path):
        self.path = var_dir / "openiop.sqlite3"  # where config.settings puts it under OPENIOP_VAR_DIR
        # A connection of our own: the test's transaction holds the suite's connection, and a backup from a
        # connection in a write transaction waits forever. WAL lets it read the committed, migrated state.
        source = sqlite3.connect(f"file:{connection.settings_dict['NAME']}?mode=ro", uri=True)
        target = sqlite3.connect(self.path)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        self.url = None

    def crash(self) -> int:
        return 0  # nothing runs beside the app

    def recover(self) -> list[str]:
        # Opening the crashed file, as the next process will, rolls the WAL forward.
        return self.check()

    def check(self) -> list[str]:
        database = sqlite3.connect(self.path)
        try:
            integrity = [row[0] for row in database.execute("PRAGMA integrity_check")]
            orphans = database.execute("PRAGMA foreign_key_check").fetchall()
        finally:
            database.close()
        assert integrity == ["ok"], integrity
        assert orphans == [], orphans
        return ["integrity_check", "foreign_key_check"]

    def close(self) -> None:
        pass


class PostgresTarget:
    """A private cluster, loaded from the suite's migrated test database, that may be crashed at will."""

    name = "postgresql"

    def __init__(self):
        bin_dir = postgres_bin()
        if bin_dir is None:
            message = "PostgreSQL server binaries (initdb, postgres) not found: no private cluster to crash"
            if os.environ.get("CI"):
                pytest.fail(message, pytrace=False)
            pytest.skip(message)
        self.cluster = PrivatePostgres(bin_dir)
        try:
            self.cluster.start()
            self.url = self.cluster.url("openiop_crash")
            self.cluster.client(
                "psql", "-X", "-q", "-d", self.cluster.url("postgres"), "-c", "CREATE DATABASE openiop_crash"
            )
            suite = connection.settings_dict
            dump = subprocess.run(  # noqa: S603 - pg_dump of the suite's test database
                [
                    str(bin_dir / "pg_dump"),
                    "--no-owner",
                    "--no-privileges",
                    "-h",
                    suite["HOST"] or "127.0.0.1",
                ]
                + ["-p", str(suite["PORT"] or 5432), "-U", suite["USER"] or "postgres", suite["NAME"]],
                env={**os.environ, "PGPASSWORD": suite["PASSWORD"] or ""},
                capture_output=True,
                timeout=300,
                check=True,
            )
            self.cluster.client(
                "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.url, input=dump.stdout.decode()
            )
        except BaseException:
            self.cluster.remove()
            raise

    def crash(self) -> int:
        return self.cluster.kill_dash_nine()

    def recover(self) -> list[str]:
        self.cluster.start()  # crash recovery: the WAL is replayed before the server accepts connections
        return self.check()

    def check(self) -> list[str]:
        # pg_amcheck exits non-zero on any corruption it finds in a table or a B-tree index.
        self.cluster.client(
            "pg_amcheck",
            "--install-missing",
            "--heapallindexed",
            "--rootdescend",
            *self.cluster.address(),
            "openiop_crash",
        )
        return ["pg_amcheck --heapallindexed --rootdescend"]

    def close(self) -> None:
        self.cluster.remove()


class WriteLoad:
    """Client threads recording referrals through the API, each create under its own Idempotency-Key.

    A write counts as acknowledged only when its 2xx answer arrived; transport errors (the server died
    or is restarting) are counted and retried with new writes, never with the same one, so that whatever
    was in flight stays an open question the checks must not depend on.
    """

    def __init__(self, port: int, token: str, program: str):
        self.port, self.program = port, program
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.created: dict[str, tuple[bytes, str]] = {}  # key -> (request body, referral uuid)
        self.contacted: set[str] = set()
        self.transport_errors = 0
        self.answers = collections.Counter()  # any answer other than the expected 201 / 200
        self.threads = [
            threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(CLIENT_THREADS)
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def acknowledged(self) -> int:
        with self.lock:
            return len(self.created) + len(self.contacted)

    def _post(self, path: str, body: bytes, key: str):
        try:
            return http_request(self.port, "POST", path, body, {**self.headers, "Idempotency-Key": key})
        except (OSError, http.client.HTTPException):
            with self.lock:
                self.transport_errors += 1
            time.sleep(0.25)  # down or restarting: do not spin on a busy machine
            return None

    def _run(self, thread: int) -> None:
        n = 0
        while not self.stopping.is_set():
            n += 1
            key = f"crash-{uuid.uuid4()}"
            body = json.dumps(
                {
                    "program": self.program,
                    "source": "outpatient_therapist",
                    "given_name": f"Crash{thread}x{n}x{key[-6:]}",  # unique: a twin would show
                    "family_name": "Load",
                    "reason": "Synthetic crash-safety load.",
                }
            ).encode()
            answer = self._post(REFERRALS, body, key)
            if answer is None:
                continue
            status, _, payload = answer
            if status != 201:
                with self.lock:
                    self.answers[status] += 1
                continue
            referral = json.loads(payload)["uuid"]
            with self.lock:
                self.created[key] = (body, referral)
            if n % 2:
                continue
            move = json.dumps({"to_status": "contacted"}).encode()
            answer = self._post(f"{REFERRALS}/{referral}/transitions", move, f"move-{uuid.uuid4()}")
            if answer is not None and answer[0] == 200:
                with self.lock:
                    self.contacted.add(referral)
            elif answer is not None:
                with self.lock:
                    self.answers[answer[0]] += 1


def wait_for_acks(load: WriteLoad, at_least: int) -> None:
    deadline = time.monotonic() + ROUND_TIMEOUT
    while load.acknowledged() < at_least:
        assert time.monotonic() < deadline, (
            f"only {load.acknowledged()} writes acknowledged, wanted {at_least}"
        )
        time.sleep(0.05)


@pytest.fixture
def target(tmp_path, django_db_setup):
    if connection.vendor == "sqlite":
        chosen = SqliteTarget(tmp_path)
    else:
        assert connection.vendor == "postgresql", f"no crash recipe for {connection.vendor}"
        chosen = PostgresTarget()
    yield chosen
    chosen.close()


def assert_served_back(server: Gunicorn, load: WriteLoad) -> None:
    """The app serves again and gives back every acknowledged write; a retry of any of them replays."""
    status, _, body = http_request(server.port, "GET", "/readyz")
    assert (status, json.loads(body)) == (200, {"database": "ok", "migrations": "ok", "cache": "ok"})
    for key, (request_body, referral) in load.created.items():
        status, _, body = http_request(server.port, "GET", f"{REFERRALS}/{referral}", headers=load.headers)
        assert status == 200, f"acknowledged referral {referral} answered {status}"
        # An acknowledged move is kept; one in flight at a kill may or may not have happened.
        allowed = {"contacted"} if referral in load.contacted else {"new", "contacted"}
        assert json.loads(body)["status"] in allowed, (referral, body[:300])
        # A client retrying an acknowledged create gets the first answer, never a second record.
        status, headers, body = http_request(
            server.port, "POST", REFERRALS, request_body, {**load.headers, "Idempotency-Key": key}
        )
        assert status == 201 and headers["Idempotent-Replayed"] == "true", (status, body[:300])
        assert json.loads(body)["uuid"] == referral


def assert_stored(env: dict, load: WriteLoad, folder: Path) -> dict:
    """In the database: each acknowledged write once, with its audit event; `manage.py audit_verify`
    (run inside the check script, which then exits 1 on a broken chain) passes."""
    expected = folder / "expected.json"
    created = [referral for _, referral in load.created.values()]
    expected.write_text(json.dumps({"created": created, "contacted": sorted(load.contacted)}))
    check = manage({**env, "CRASH_EXPECTED": str(expected)}, "shell", "-c", CHECK)
    assert check.returncode == 0, check.stderr[-2000:]
    found = json.loads(check.stdout.strip().splitlines()[-1])
    for problem in ("missing", "not_contacted", "create_unaudited", "move_unaudited", "twins"):
        assert found[problem] == [], f"{problem}: {found[problem][:10]}"
    return found


@pytest.fixture
def server(tmp_path, target):
    app = Gunicorn(app_env(tmp_path, target.url), BASE_DIR, tmp_path, workers=2)
    yield app
    app.stop()


@pytest.mark.django_db  # only so that pytest-django builds the test database copied above
def test_acknowledged_writes_survive_kill_dash_nine_of_the_app_and_the_database(tmp_path, target, server):
    started = time.monotonic()
    server.spawn()  # boots while the database gets its user; it touches the database only when asked
    setup = manage(server.env, "shell", "-c", SETUP)
    assert setup.returncode == 0, setup.stderr[-2000:]
    credentials = json.loads(setup.stdout.strip().splitlines()[-1])
    server.wait_ready()
    load = WriteLoad(server.port, credentials["token"], credentials["program"])
    checks_run, kills, recoveries = collections.Counter(), [], []
    load_started = time.monotonic()
    try:
        load.start()
        for _ in range(KILLS):
            wait_for_acks(load, load.acknowledged() + ACKS_PER_ROUND)
            crashed_at = time.monotonic()
            # The app first, then at once the database: nothing answers a client between the two.
            processes = server.kill_dash_nine() + target.crash()
            kills.append((processes, load.acknowledged()))
            checks_run.update(target.recover())
            server.start()
            recoveries.append(time.monotonic() - crashed_at)
        wait_for_acks(load, load.acknowledged() + ACKS_PER_ROUND)
    finally:
        load.stop()
    checks_started = time.monotonic()
    assert_served_back(server, load)
    server.stop()
    found = assert_stored(server.env, load, tmp_path)
    checks_run.update(target.check())
    assert load.answers == {}, f"unexpected answers during the load: {dict(load.answers)}"
    print(
        f"\ncrash safety ({target.name}): {len(load.created)} creates and {len(load.contacted)} moves "
        f"acknowledged; kills (processes killed, writes acknowledged so far) {kills}; recovery (kill to "
        f"serving) {', '.join(f'{seconds:.1f}s' for seconds in recoveries)}; {load.transport_errors} "
        f"transport errors; stored {found['referrals']} referrals, {found['audit_events']} audit events, "
        f"{found['rows_read']} rows read; checks {dict(checks_run)}; {found['audit_verify']} Seconds: setup "
        f"{load_started - started:.1f}, load and kills {checks_started - load_started:.1f}, checks "
        f"{time.monotonic() - checks_started:.1f}."
    )
