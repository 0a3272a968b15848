"""Many people saving the same draft at once: no lost update, every loser told so, no 500.

docs/decisions.md "Signed records never change; stale saves are refused": a draft note or plan is saved
by one conditional UPDATE on its version (revision), so of N saves started from the same version exactly
one goes through and the others are refused: the note editor shows its conflict message, the plan editor
answers 409 with what changed, and the notes and plans APIs answer 412.

Two ways of being concurrent are tried, on whichever database the suite runs (SQLite file or PostgreSQL):
- threads in this process, each with its own test client, session and database connection, all reading
  the form (same version), then released together by a barrier to save their own text;
- processes: a real gunicorn (several workers, a scratch database, as test_multiprocess.py starts it) and
  as many bearer-token clients firing at once through the notes and plans API.
After each race: one success, the rest conflicts, the stored text is the winner's, the version moved by
exactly one, one audit UPDATE event, and the audit chain still verifies.
"""

import http.client
import json
import os
import re
import secrets
import subprocess
import sys
import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from openiop.accounts.services import token_create
from openiop.audit.models import Action, AuditEvent
from openiop.notes.models import Note
from openiop.notes.tests.factories import DAP, draft_note
from openiop.treatment.models import TreatmentPlan
from openiop.treatment.tests.api_operations import draft_body
from openiop.treatment.tests.factories import draft_with_content
from openiop.treatment.tests.test_views import editor_post

from .test_multiprocess import BASE_DIR, GUNICORN, free_port, scratch_database, wait_until_up  # noqa: F401

WRITERS = 50
NOTE_STALE = "This draft was changed since you opened it."
PLAN_STALE = "Someone else saved this draft while you were editing"
VERSION = re.compile(r'name="version" value="(\d+)"')
REVISION = re.compile(r'name="revision" value="(\d+)"')


def race(writers: int, read, write) -> list:
    """Run `read(i)` in `writers` threads, wait until all have read, then `write(i, state)` at once.

    Returns each writer's (status, body text); an exception in a thread (a 500 raised by the test client,
    a transport error) is kept as ("error", repr) so the assertions name it."""
    results: list = [None] * writers
    barrier = threading.Barrier(writers)

    def run(i: int):
        try:
            state = read(i)
            barrier.wait(timeout=120)
            results[i] = write(i, state)
        except threading.BrokenBarrierError:
            results[i] = ("error", "another writer failed before the barrier")
        except Exception as error:  # noqa: BLE001 - any failure is the finding
            barrier.abort()
            results[i] = ("error", repr(error))
        finally:
            connection.close()  # each thread has its own connection; leave none open

    threads = [threading.Thread(target=run, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return results


def one_winner(results: list, *, ok: int, conflict: int, message: str) -> int:
    """Exactly one `ok`, all others `conflict` carrying `message`; returns the winner's index."""
    statuses = [status for status, _ in results]
    errors = [(i, r) for i, r in enumerate(results) if r[0] not in (ok, conflict)]
    assert errors == [], f"unexpected answers (500s or transport errors): {errors[:3]}"
    assert statuses.count(ok) == 1, f"{statuses.count(ok)} saves went through: {statuses}"
    assert statuses.count(conflict) == len(results) - 1
    assert all(message in body for status, body in results if status == conflict), "a loser was not told"
    return statuses.index(ok)


def updates_of(obj) -> int:
    return AuditEvent.objects.filter(action=Action.UPDATE, object_id=str(obj.uuid)).count()


def clients_of(users) -> list[Client]:
    clients = []
    for user in users:
        client = Client()
        client.force_login(user)  # each its own session row, as each browser would have
        clients.append(client)
    return clients


def token_clients(user, count: int) -> list[Client]:
    clients = []
    for i in range(count):
        _, raw = token_create(user=user, name=f"writer {i}")
        clients.append(Client(HTTP_AUTHORIZATION=f"Bearer {raw}"))
    return clients


# --- threads, through the pages ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_fifty_clinicians_saving_one_draft_note_at_once_lose_nothing(world):
    note = draft_note(world)
    url = reverse("notes:note_edit", args=[note.uuid])
    clients = clients_of([world.alice] * WRITERS)  # only the author edits a draft note

    def read(i):
        page = clients[i].get(url)
        assert page.status_code == 200
        return int(VERSION.search(page.content.decode()).group(1))

    def write(i, version):
        body = {
            "version": version,
            "date_of_service": note.date_of_service.isoformat(),
            "start_time": "10:00",
            "end_time": "10:50",
            "section_data": f"Written by writer {i}",
            "section_assessment": DAP["assessment"],
            "section_plan": DAP["plan"],
        }
        response = clients[i].post(url, body)
        return response.status_code, response.content.decode()

    results = race(WRITERS, read, write)
    winner = one_winner(results, ok=302, conflict=200, message=NOTE_STALE)
    # Each loser keeps their own text and is shown the saved one, to merge.
    assert all(f"Written by writer {i}" in body for i, (status, body) in enumerate(results) if status == 200)
    saved = Note.objects.get(pk=note.pk)
    assert saved.content["data"] == f"Written by writer {winner}"
    assert saved.version == note.version + 1
    assert updates_of(note) == 1
    call_command("audit_verify")


@pytest.mark.django_db(transaction=True)
def test_fifty_care_team_members_saving_one_draft_plan_at_once_lose_nothing(world):
    plan = draft_with_content(world)
    url = reverse("treatment:plan_edit", args=[plan.uuid])
    clients = clients_of([world.alice, world.paul] * (WRITERS // 2))

    def read(i):
        page = clients[i].get(url)
        assert page.status_code == 200
        return int(REVISION.search(page.content.decode()).group(1))

    def write(i, revision):
        body = editor_post(plan, revision=str(revision), strengths=f"Strengths by writer {i}")
        response = clients[i].post(url, body)
        return response.status_code, response.content.decode()

    before = updates_of(plan)  # the factory's own save
    results = race(WRITERS, read, write)
    winner = one_winner(results, ok=302, conflict=409, message=PLAN_STALE)
    saved = TreatmentPlan.objects.get(pk=plan.pk)
    assert saved.strengths == f"Strengths by writer {winner}"
    assert saved.revision == plan.revision + 1
    assert updates_of(plan) == before + 1
    call_command("audit_verify")


# --- threads, through the API -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_fifty_api_clients_saving_one_draft_note_at_once_get_one_200_and_412s(world):
    note = draft_note(world)
    clients = token_clients(world.alice, WRITERS)

    def read(i):
        response = clients[i].get(f"/api/v1/notes/{note.uuid}")
        assert response.status_code == 200
        return response.json()["version"]

    def write(i, version):
        response = clients[i].post(
            f"/api/v1/notes/{note.uuid}/draft",
            {"version": version, "content": {**DAP, "data": f"Written by client {i}"}},
            content_type="application/json",
        )
        return response.status_code, response.content.decode()

    results = race(WRITERS, read, write)
    winner = one_winner(results, ok=200, conflict=412, message="it is at version 2 now")
    saved = Note.objects.get(pk=note.pk)
    assert saved.content["data"] == f"Written by client {winner}"
    assert saved.version == note.version + 1
    assert updates_of(note) == 1
    call_command("audit_verify")


@pytest.mark.django_db(transaction=True)
def test_fifty_api_clients_saving_one_draft_plan_at_once_get_one_200_and_412s(world):
    world.plan = draft_with_content(world)
    plan = world.plan
    body = draft_body(world)
    clients = token_clients(world.alice, WRITERS)

    def read(i):
        response = clients[i].get(f"/api/v1/treatment-plans/{plan.uuid}")
        assert response.status_code == 200
        return response.json()["revision"]

    def write(i, revision):
        response = clients[i].post(
            f"/api/v1/treatment-plans/{plan.uuid}/draft",
            {**body, "revision": revision, "strengths": f"Strengths by client {i}"},
            content_type="application/json",
        )
        return response.status_code, response.content.decode()

    before = updates_of(plan)  # the factory's own save
    results = race(WRITERS, read, write)
    winner = one_winner(results, ok=200, conflict=412, message="Stale revision")
    saved = TreatmentPlan.objects.get(pk=plan.pk)
    assert saved.strengths == f"Strengths by client {winner}"
    assert saved.revision == plan.revision + 1
    assert updates_of(plan) == before + 1
    call_command("audit_verify")


# --- processes: a real gunicorn ---------------------------------------------------------------------------

# Runs in the scratch database before the race: a program, alice (clinician) and paul (psychiatrist) on
# the patient's care team, a draft note and a draft plan of alice's, and one bearer token per writer.
SETUP = """
import datetime, json, os
from decimal import Decimal
from types import SimpleNamespace
from django.core.management import call_command
from openiop.accounts.models import Role, StaffProfile, User
from openiop.accounts.services import token_create
from openiop.notes.services import note_create
from openiop.patients.models import CareTeamMember, CareTeamRole, EpisodeOfCare, EpisodeStatus, Patient
from openiop.programs.models import Focus, Population, Program
from openiop.treatment.services import plan_create, plan_draft_save
from openiop.treatment.tests.factories import complete_content

call_command("migrate", interactive=False, verbosity=0)
call_command("createcachetable", verbosity=0)
program = Program.objects.create(
    name="Adult Mental Health IOP", short_name="Adult MH", population=Population.ADULT,
    focus=Focus.MENTAL_HEALTH, weekly_hours_target=Decimal("9"),
)
def staff(username, role, credentials):
    user = User.objects.create_user(username=username, password=None, role=role, first_name=username,
                                    last_name="Process", email=f"{username}@example.invalid")
    StaffProfile.objects.create(user=user, credentials=credentials).programs.set([program])
    return user
alice = staff("alice", Role.CLINICIAN, "LCSW")
paul = staff("paul", Role.PSYCHIATRIST, "MD")
patient = Patient.objects.create(record_number="OI0000001", legal_given_name="Avery",
    legal_family_name="Synthetic", date_of_birth=datetime.date(1990, 5, 17), is_synthetic=True)
episode = EpisodeOfCare.objects.create(patient=patient, program=program, status=EpisodeStatus.ACTIVE,
    referred_on=datetime.date(2026, 9, 1), admitted_on=datetime.date(2026, 9, 8))
CareTeamMember.objects.create(episode=episode, user=alice, role=CareTeamRole.PRIMARY_CLINICIAN)
CareTeamMember.objects.create(episode=episode, user=paul, role=CareTeamRole.PSYCHIATRIST)
note = note_create(patient=patient, note_type="individual", format_id="dap", by=alice,
    content={"data": "d", "assessment": "a", "plan": "p"}, date_of_service=datetime.date(2026, 11, 16),
    start_time=datetime.time(10), end_time=datetime.time(10, 50))
world = SimpleNamespace(alice=alice, paul=paul, patient_a=patient)
plan = plan_create(episode=episode, by=alice)
plan = plan_draft_save(plan=plan, content=complete_content(world, episode), revision=1, by=alice)
world.plan = plan
from openiop.treatment.tests.api_operations import draft_body
tokens = [token_create(user=alice, name=f"writer {i}")[1] for i in range(int(os.environ["K_WRITERS"]))]
print("SETUP " + json.dumps({"note": str(note.uuid), "plan": str(plan.uuid), "tokens": tokens,
                             "plan_body": draft_body(world)}, default=str))
"""

# Runs in the scratch database after the race: what was stored, and how many UPDATE events each has.
CHECK = """
import json
from django.core.management import call_command
from openiop.audit.models import Action, AuditEvent
from openiop.notes.models import Note
from openiop.treatment.models import TreatmentPlan
note = Note.objects.get()
plan = TreatmentPlan.objects.get()
def updates(obj):
    return AuditEvent.objects.filter(action=Action.UPDATE, object_id=str(obj.uuid)).count()
call_command("audit_verify", verbosity=0)
print("CHECK " + json.dumps({"note_data": note.content["data"], "note_version": note.version,
    "note_updates": updates(note), "plan_strengths": plan.strengths, "plan_revision": plan.revision,
    "plan_updates": updates(plan)}))
"""


def _manage_shell(env: dict, code: str, marker: str) -> dict:
    done = subprocess.run(  # noqa: S603 - manage.py of this repo
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(line for line in done.stdout.splitlines() if line.startswith(marker + " "))
    return json.loads(line[len(marker) + 1 :])


def _api(port: int, token: str, method: str, path: str, body: dict | None = None) -> tuple[int, str]:
    headers = {"Host": f"127.0.0.1:{port}", "Authorization": f"Bearer {token}", "Connection": "close"}
    payload = None
    if body is not None:
        payload = json.dumps(body)
        headers["Content-Type"] = "application/json"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def test_fifty_api_clients_against_gunicorn_workers_lose_no_update(tmp_path, scratch_database):  # noqa: F811
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(scratch_database)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        OPENIOP_TESTING="1",
        SECRET_KEY=secrets.token_urlsafe(40),
        DEBUG="0",
        SECURE_COOKIES="0",
        SECURE_HSTS_SECONDS="0",
        SECURE_SSL_REDIRECT="0",
        ALLOWED_HOSTS="127.0.0.1",
        LOG_LEVEL="WARNING",
        K_WRITERS=str(WRITERS),
    )
    port = free_port()
    log = tmp_path / "gunicorn.log"
    with log.open("w") as log_file:
        # Several worker processes, each with a few threads: the 50 requests meet in the database.
        server = subprocess.Popen(  # noqa: S603 - our own gunicorn with fixed arguments
            [
                str(GUNICORN),
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "3",
                "--threads",
                "4",
                "--preload",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log_file,
        )
        try:
            setup = _manage_shell(env, SETUP, "SETUP")
            wait_until_up(port, server, time.monotonic() + 60)
            tokens = setup["tokens"]
            note_path = f"/api/v1/notes/{setup['note']}"
            plan_path = f"/api/v1/treatment-plans/{setup['plan']}"

            def read_note(i):
                status, body = _api(port, tokens[i], "GET", note_path)
                assert status == 200, (status, body[:300])
                return json.loads(body)["version"]

            def write_note(i, version):
                content = {"data": f"Written by process client {i}", "assessment": "a", "plan": "p"}
                return _api(
                    port, tokens[i], "POST", f"{note_path}/draft", {"version": version, "content": content}
                )

            def read_plan(i):
                status, body = _api(port, tokens[i], "GET", plan_path)
                assert status == 200, (status, body[:300])
                return json.loads(body)["revision"]

            def write_plan(i, revision):
                body = {**setup["plan_body"], "revision": revision, "strengths": f"Strengths by process {i}"}
                return _api(port, tokens[i], "POST", f"{plan_path}/draft", body)

            note_results = race(WRITERS, read_note, write_note)
            plan_results = race(WRITERS, read_plan, write_plan)
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

    note_winner = one_winner(note_results, ok=200, conflict=412, message="it is at version 2 now")
    plan_winner = one_winner(plan_results, ok=200, conflict=412, message="Stale revision")
    stored = _manage_shell(env, CHECK, "CHECK")
    assert stored == {
        "note_data": f"Written by process client {note_winner}",
        "note_version": 2,
        "note_updates": 1,
        "plan_strengths": f"Strengths by process {plan_winner}",
        "plan_revision": 3,
        "plan_updates": 2,  # the setup's save and the winner's
    }
    server_log = log.read_text()
    assert "Traceback" not in server_log and "database is locked" not in server_log, server_log[-3000:]
