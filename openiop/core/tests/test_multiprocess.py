"""Two app processes, one database: a login made on one serves requests on the other.

The production profile (deploy/README.md) runs several gunicorn processes behind a proxy with no sticky
sessions, so a session must live in the shared database (and Redis, when REDIS_URL is set), never in one
process. This starts two gunicorn servers on two free loopback ports against one scratch database (a
temporary SQLite file, or a scratch PostgreSQL database when the suite runs on PostgreSQL), signs a staff
member in on the first, with the TOTP step that production requires of staff, and opens pages on the
second with the same cookies.

The servers run config.settings as production does, with two changes for a test on loopback: plain HTTP
(SECURE_COOKIES=0, no HSTS) and OPENIOP_TESTING=1, which only swaps whitenoise's manifest storage for the
plain one (no collectstatic) and runs tasks at once.
"""

import http.client
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

import pyotp
import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
GUNICORN = Path(sys.executable).with_name("gunicorn")
PASSWORD = "two processes, one session"
USERNAME = "mp_clinician"

# Runs in the scratch database: the staff member, with an enrolled authenticator (production requires one).
SETUP = """
import os
from django.core.management import call_command
from allauth.mfa.totp.internal.auth import TOTP
from openiop.accounts.models import Role, StaffProfile, User

call_command("migrate", interactive=False, verbosity=0)
call_command("createcachetable", verbosity=0)
user = User.objects.create_user(
    username=os.environ["MP_USERNAME"], password=os.environ["MP_PASSWORD"], role=Role.CLINICIAN,
    first_name="Morgan", last_name="Process", email="mp@example.invalid",
)
StaffProfile.objects.create(user=user)
TOTP.activate(user, os.environ["MP_TOTP_SECRET"])
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """Just enough of a browser: one cookie jar for 127.0.0.1 (cookies are not per port), no redirects
    followed, so each hop can be checked."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, port: int, method: str, path: str, form: dict | None = None):
        headers = {"Host": f"127.0.0.1:{port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://127.0.0.1:{port}"
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read().decode("utf-8", "replace")
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response.status, response.headers, content

    def csrf_post(self, port: int, path: str, form: dict):
        status, _, page = self.request(port, "GET", path)
        assert status == 200, f"GET {path}: {status}"
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, f"no CSRF token on {path}"
        return self.request(port, "POST", path, {"csrfmiddlewaretoken": token.group(1), **form})


def wait_until_up(port: int, process: subprocess.Popen, deadline: float) -> None:
    while time.monotonic() < deadline:
        assert process.poll() is None, f"gunicorn on {port} exited with {process.returncode}"
        try:
            if Browser().request(port, "GET", "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"gunicorn on {port} did not answer /healthz in time")


@pytest.fixture
def scratch_database(tmp_path):
    """Environment variables pointing at a new, empty database shared by the processes."""
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine.endswith("sqlite3"):
        yield {"OPENIOP_VAR_DIR": str(tmp_path)}  # settings put the SQLite file under the var folder
        return
    assert "postgresql" in engine, f"no scratch database recipe for {engine}"
    import psycopg

    base = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    name = f"openiop_mp_{os.getpid()}_{secrets.token_hex(3)}"
    admin = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {"OPENIOP_VAR_DIR": str(tmp_path), "DATABASE_URL": base._replace(path=f"/{name}").geturl()}
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_a_login_on_one_app_process_serves_requests_on_another(tmp_path, scratch_database):
    totp_secret = pyotp.random_base32()
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(scratch_database)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        OPENIOP_TESTING="1",
        SECRET_KEY=secrets.token_urlsafe(40),  # the same key in every process, as production requires
        DEBUG="0",
        SECURE_COOKIES="0",
        SECURE_HSTS_SECONDS="0",
        SECURE_SSL_REDIRECT="0",
        ALLOWED_HOSTS="127.0.0.1",
        LOG_FORMAT="json",
        LOG_LEVEL="WARNING",
        MP_USERNAME=USERNAME,
        MP_PASSWORD=PASSWORD,
        MP_TOTP_SECRET=totp_secret,
    )
    env.pop("OPENIOP_REQUIRE_STAFF_MFA", None)  # production's default: staff must pass TOTP

    ports = [free_port(), free_port()]
    logs = [tmp_path / f"gunicorn-{port}.log" for port in ports]
    processes, log_files = [], []
    try:
        # The servers boot while the database is migrated; they touch it only when asked.
        for port, log in zip(ports, logs, strict=True):
            log_files.append(log.open("w"))
            processes.append(
                subprocess.Popen(  # noqa: S603 - our own gunicorn with fixed arguments
                    [str(GUNICORN), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
                    cwd=BASE_DIR,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=log_files[-1],
                )
            )
        setup = subprocess.run(  # noqa: S603 - manage.py of this repo
            [sys.executable, "manage.py", "shell", "-c", SETUP],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert setup.returncode == 0, setup.stderr[-2000:]
        deadline = time.monotonic() + 60
        for port, process in zip(ports, processes, strict=True):
            wait_until_up(port, process, deadline)

        first, second = ports
        for port in ports:
            status, _, body = Browser().request(port, "GET", "/readyz")
            assert status == 200, body
            assert json.loads(body) == {"database": "ok", "migrations": "ok", "cache": "ok"}

        # Anonymous on the second process: sent to sign in.
        status, headers, _ = Browser().request(second, "GET", "/my-day/")
        assert status == 302 and headers["Location"].startswith("/accounts/login/")

        # Sign in on the first process: password, then the authenticator code.
        browser = Browser()
        status, headers, _ = browser.csrf_post(
            first, "/accounts/login/", {"login": USERNAME, "password": PASSWORD}
        )
        assert status == 302 and headers["Location"].startswith("/accounts/2fa/authenticate/"), headers
        status, headers, _ = browser.csrf_post(
            first, headers["Location"], {"code": pyotp.TOTP(totp_secret).now()}
        )
        assert status == 302, f"TOTP step: {status}"
        assert "sessionid" in browser.cookies

        # The same cookies on the second process: signed in there too.
        status, _, page = browser.request(second, "GET", "/my-day/")
        assert status == 200, f"second process answered {status}"
        assert "My day" in page and "Morgan" in page
        status, _, _ = browser.request(second, "GET", "/patients/?q=Avery+Synthetic")
        assert status == 200
        # And back on the first: one session, wherever it lands.
        assert browser.request(first, "GET", "/my-day/")[0] == 200
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log_file in log_files:
            log_file.close()

    # LOG_FORMAT=json: the second process logged the search as JSON, without its query string.
    lines = [line for line in logs[1].read_text().splitlines() if line.startswith("{")]
    entries = [json.loads(line) for line in lines]
    assert {"path": "/patients/", "status": 200} in [
        {"path": e.get("path"), "status": e.get("status")}
        for e in entries
        if e["logger"] == "openiop.request"
    ]
    assert "Avery" not in logs[1].read_text() and "q=" not in logs[1].read_text()
