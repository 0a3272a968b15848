"""Sessions under attack (issue 11, item 4): timeouts by time travel, a session cookie replayed after
sign-out, lockout and its window, MFA for staff on every page and through a password reset, argon2, and
`check --deploy` with production settings. CSRF on every state change is core/tests/test_csrf_matrix.py.

Extends test_authentication.py, which already has: 5 failures lock the account; staff are sent to enrol an
authenticator (one page) and patients are not; the absolute timeout (by editing the session's start);
a cookie replayed in the same client after sign-out; argon2 first in production's hashers.
"""

import datetime
import os
import subprocess
import sys
import time
import types
from contextlib import contextmanager
from pathlib import Path

import pytest
from allauth.core.internal import ratelimit as allauth_ratelimit
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.conf import settings as django_settings
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

from conftest import PASSWORD
from openiop.accounts import middleware
from openiop.audit.models import Action, AuditEvent
from openiop.core.tests import test_role_walk as page_walk
from openiop.core.tests.roles import ROLES, STAFF

# The role walk's world, for the MFA walk over every page.
walked = page_walk.walked

PRODUCTION_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
NEW_PASSWORD = "a brand new passphrase for alice"


def login(client, username, password):
    return client.post(reverse("account_login"), {"login": username, "password": password})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def sent_to_sign_in(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


class Clock:
    """Time travel for what decides timeouts and lockouts: Django's timezone.now (session expiry), the
    timeout middleware's time.time (absolute timeout) and allauth's rate-limit clock (lockout window)."""

    def __init__(self, monkeypatch):
        self.offset = 0.0
        real_now, real_time = timezone.now, time.time
        fake_time = types.SimpleNamespace(
            time=lambda: real_time() + self.offset, monotonic=time.monotonic, sleep=time.sleep
        )
        monkeypatch.setattr(timezone, "now", lambda: real_now() + datetime.timedelta(seconds=self.offset))
        monkeypatch.setattr(middleware, "time", fake_time)
        monkeypatch.setattr(allauth_ratelimit, "time", fake_time)

    def advance(self, *, minutes: float = 0, hours: float = 0, seconds: float = 0) -> None:
        self.offset += seconds + 60 * minutes + 3600 * hours


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


def forget_cached_session(client) -> None:
    """With REDIS_URL the sessions are cached_db: Redis drops the entry when its age (the idle timeout)
    passes, which time travel inside this process cannot make Redis do; drop it as Redis would."""
    engine = import_string(django_settings.SESSION_ENGINE + ".SessionStore")
    store = engine(client.cookies[django_settings.SESSION_COOKIE_NAME].value)
    if hasattr(store, "cache_key"):
        store._cache.delete(store.cache_key)


# --- Idle and absolute timeouts -------------------------------------------------------------------------


def test_an_idle_session_is_signed_out_after_the_idle_timeout(world, clock):
    client = Client()
    assert signed_in_after(login(client, "alice", PASSWORD), client)
    assert client.get(reverse("home:my_day")).status_code == 200
    clock.advance(minutes=django_settings.SESSION_IDLE_MINUTES, seconds=1)
    forget_cached_session(client)
    response = client.get(reverse("home:my_day"))
    assert sent_to_sign_in(response)
    assert not signed_in(client)
    # The chart too, and nothing of the patient on the way.
    chart = client.get(reverse("patients:chart", kwargs={"patient_uuid": world.patient_a.uuid}))
    assert sent_to_sign_in(chart) and b"Avery" not in chart.content


def test_a_session_just_inside_the_idle_timeout_is_kept(world, clock):
    client = Client()
    login(client, "alice", PASSWORD)
    clock.advance(minutes=django_settings.SESSION_IDLE_MINUTES, seconds=-5)
    assert client.get(reverse("home:my_day")).status_code == 200


def test_activity_keeps_a_session_alive_past_the_idle_timeout(world, clock):
    client = Client()
    login(client, "alice", PASSWORD)
    for _ in range(4):  # an hour of work, a request every idle timeout less a minute
        clock.advance(minutes=django_settings.SESSION_IDLE_MINUTES - 1)
        assert client.get(reverse("home:my_day")).status_code == 200
    assert signed_in(client)


def stored_expiry(client) -> datetime.datetime:
    return Session.objects.get(
        session_key=client.cookies[django_settings.SESSION_COOKIE_NAME].value
    ).expire_date


def test_requests_within_a_minute_do_not_rewrite_the_session(world, clock):
    client = Client()
    login(client, "alice", PASSWORD)
    assert client.get(reverse("home:my_day")).status_code == 200
    renewed = stored_expiry(client)
    clock.advance(seconds=django_settings.SESSION_RENEW_SECONDS - 5)
    assert client.get(reverse("home:my_day")).status_code == 200
    assert stored_expiry(client) == renewed
    clock.advance(seconds=5)
    assert client.get(reverse("home:my_day")).status_code == 200
    stretched = (stored_expiry(client) - renewed).total_seconds()
    assert django_settings.SESSION_RENEW_SECONDS <= stretched < django_settings.SESSION_RENEW_SECONDS + 5


def test_an_unrenewed_request_never_stretches_the_idle_timeout(world, clock):
    """The session may end up to a minute before a full idle timeout after the last request, never after."""
    client = Client()
    login(client, "alice", PASSWORD)
    assert client.get(reverse("home:my_day")).status_code == 200
    clock.advance(seconds=30)
    assert client.get(reverse("home:my_day")).status_code == 200  # not renewed: the last renewal is 30 s old
    clock.advance(minutes=django_settings.SESSION_IDLE_MINUTES, seconds=-29)
    forget_cached_session(client)
    assert sent_to_sign_in(client.get(reverse("home:my_day")))


def test_the_absolute_timeout_signs_out_even_a_busy_session(world, clock):
    client = Client()
    login(client, "alice", PASSWORD)
    # The browser follows the sign-in's redirect at once; the middleware starts the clock on that request.
    assert client.get(reverse("home:index")).status_code in (200, 302)
    step = django_settings.SESSION_IDLE_MINUTES - 1
    worked = 0
    while worked + step < django_settings.SESSION_ABSOLUTE_HOURS * 60:
        clock.advance(minutes=step)
        worked += step
        assert client.get(reverse("home:my_day")).status_code == 200, f"signed out after {worked} minutes"
    clock.advance(minutes=step)
    response = client.get(reverse("home:my_day"))
    assert sent_to_sign_in(response) and "next=" in response["Location"]
    assert not signed_in(client)
    assert AuditEvent.objects.filter(action=Action.LOGOUT, actor=world.alice).count() == 1


def test_the_absolute_timeout_counts_from_the_sign_in_itself(world):
    client = Client()
    before = time.time()
    login(client, "alice", PASSWORD)
    started = client.session[middleware.SESSION_STARTED_KEY]  # set by the sign-in, no page requested yet
    assert before <= started <= time.time()


# --- A session cookie after sign-out --------------------------------------------------------------------


def test_a_session_cookie_replayed_from_another_client_after_sign_out_opens_no_chart(world):
    victim = Client()
    login(victim, "alice", PASSWORD)
    chart = reverse("patients:chart", kwargs={"patient_uuid": world.patient_a.uuid})
    assert victim.get(chart).status_code == 200
    stolen = victim.cookies[django_settings.SESSION_COOKIE_NAME].value
    victim.post(reverse("account_logout"))

    attacker = Client()
    attacker.cookies[django_settings.SESSION_COOKIE_NAME] = stolen
    response = attacker.get(chart)
    assert sent_to_sign_in(response) and b"Avery" not in response.content
    engine = import_string(django_settings.SESSION_ENGINE + ".SessionStore")
    assert not engine().exists(stolen), "the signed-out session still exists in the store"


def test_signing_in_again_issues_a_new_session_key(world):
    """No session fixation: the key a visitor had before signing in is not the signed-in session's."""
    client = Client()
    client.get(reverse("account_login"))
    session = client.session
    session["planted"] = True
    session.save()
    before = session.session_key
    client.cookies[django_settings.SESSION_COOKIE_NAME] = before
    login(client, "alice", PASSWORD)
    assert signed_in(client)
    assert client.cookies[django_settings.SESSION_COOKIE_NAME].value != before


# --- Lockout after repeated failures --------------------------------------------------------------------


def failures(client, username, count):
    for _ in range(count):
        assert not signed_in_after(login(client, username, "wrong password"), client)


def signed_in_after(response, client) -> bool:
    return response.status_code == 302 and signed_in(client)


def test_four_failures_do_not_lock_the_account(world):
    client = Client()
    failures(client, "alice", 4)
    assert signed_in_after(login(client, "alice", PASSWORD), client)


def test_a_locked_account_opens_again_once_the_window_has_passed(world, clock):
    client = Client()
    failures(client, "alice", 5)
    clock.advance(minutes=14)
    assert not signed_in_after(login(client, "alice", PASSWORD), client)
    clock.advance(minutes=1, seconds=1)
    assert signed_in_after(login(client, "alice", PASSWORD), client)


def test_the_lockout_is_per_account_not_for_everyone_behind_the_address(world):
    failures(Client(), "alice", 5)
    alice = Client()
    assert not signed_in_after(login(alice, "alice", PASSWORD), alice)
    bob = Client()
    assert signed_in_after(login(bob, "bob", PASSWORD), bob)


def test_each_failure_before_the_lockout_is_audited(world):
    failures(Client(), "alice", 5)
    login(Client(), "alice", PASSWORD)
    assert AuditEvent.objects.filter(action=Action.LOGIN_FAILED, actor_username="alice").count() >= 5
    assert not AuditEvent.objects.filter(action=Action.LOGIN).exists()


def test_an_attempt_refused_by_the_lockout_is_audited(world):
    failures(Client(), "alice", 5)
    login(Client(), "alice", PASSWORD)
    assert AuditEvent.objects.filter(action=Action.LOGIN_FAILED, actor_username="alice").count() == 6


# --- MFA for staff --------------------------------------------------------------------------------------

# What a staff member without an authenticator may still reach (accounts/middleware.py).
EXEMPT = (*middleware.MFA_EXEMPT_PREFIXES, "/api/")


PAGES = sorted(page_walk.ROUTES.items())


@contextmanager
def page_url(world, name, kwargs):
    """A page of the role walk. The walk builds some pages' objects afresh for each test; here they are
    built in a savepoint rolled back after the request, and the world's attributes are restored."""
    saved = dict(vars(world))
    try:
        with transaction.atomic():
            try:
                yield reverse(name, kwargs=kwargs(world))
            finally:
                transaction.set_rollback(True)
    finally:
        vars(world).clear()
        vars(world).update(saved)


@pytest.mark.parametrize("role", sorted(STAFF))
def test_staff_without_an_authenticator_are_sent_to_enrol_from_every_page(role, walked, settings):
    settings.OPENIOP_REQUIRE_STAFF_MFA = True
    client = Client()
    client.force_login(getattr(walked, role))
    walked_count = 0
    for name, (method, kwargs, _) in PAGES:
        with page_url(walked, name, kwargs) as url:
            if url.startswith(EXEMPT):
                continue
            response = getattr(client, method)(url)
            assert response.status_code == 302, f"{role} reached {name} ({response.status_code}) without MFA"
            assert response["Location"] == reverse("mfa_activate_totp"), name
            walked_count += 1
    assert walked_count > 100


@pytest.mark.parametrize("role", [role for role in ROLES if role.startswith("pat_")])
def test_patients_are_never_sent_to_enrol(role, walked, settings):
    settings.OPENIOP_REQUIRE_STAFF_MFA = True
    client = Client()
    client.force_login(getattr(walked, role))
    for name, (method, kwargs, _) in PAGES:
        with page_url(walked, name, kwargs) as url:
            response = getattr(client, method)(url)
            assert response.get("Location", "") != reverse("mfa_activate_totp"), name
    assert client.get(reverse("portal:home")).status_code == 200


def totp_for(user) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))


def reset_password(client, email: str, password: str) -> None:
    """allauth's reset flow: ask, follow the emailed link, set the new password."""
    client.post(reverse("account_reset_password"), {"email": email})
    assert len(mail.outbox) == 1, "no reset email was sent"
    link = next(word for word in mail.outbox[0].body.split() if "/password/reset/key/" in word)
    form = client.get(link)
    assert form.status_code == 302, "the emailed link did not lead to the new-password form"
    response = client.post(form["Location"], {"password1": password, "password2": password})
    assert response.status_code == 302, response.content[:500]


def test_a_password_reset_does_not_bypass_the_second_factor(world, settings):
    settings.OPENIOP_REQUIRE_STAFF_MFA = True
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    secret = totp_for(world.alice)
    client = Client()
    reset_password(client, world.alice.email, NEW_PASSWORD)
    assert not signed_in(client), "a password reset signed the user in"
    world.alice.refresh_from_db()
    assert world.alice.password.startswith("argon2$")

    response = login(client, "alice", NEW_PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    assert not signed_in(client)
    assert client.get(reverse("home:my_day"))["Location"].startswith(reverse("account_login"))
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200 and not signed_in(client)

    client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert signed_in(client)
    assert client.get(reverse("home:my_day")).status_code == 200


def test_the_old_password_no_longer_works_after_a_reset(world):
    client = Client()
    reset_password(client, world.alice.email, NEW_PASSWORD)
    assert not signed_in_after(login(client, "alice", PASSWORD), client)


# --- argon2 ---------------------------------------------------------------------------------------------


def test_production_hashes_with_argon2_and_keeps_only_pbkdf2_to_verify_older_hashes():
    from config import settings as production

    assert production.PASSWORD_HASHERS == PRODUCTION_HASHERS


def test_new_passwords_are_stored_with_argon2(world, settings):
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    world.bob.set_password(NEW_PASSWORD)
    world.bob.save()
    assert world.bob.password.startswith("argon2$argon2id$")


def test_an_older_pbkdf2_hash_is_upgraded_to_argon2_on_sign_in(world, settings):
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    type(world.bob).objects.filter(pk=world.bob.pk).update(
        password=make_password(PASSWORD, hasher="pbkdf2_sha256")
    )
    client = Client()
    assert signed_in_after(login(client, "bob", PASSWORD), client)
    world.bob.refresh_from_db()
    assert world.bob.password.startswith("argon2$")


# --- check --deploy -------------------------------------------------------------------------------------

# As the Makefile's check-deploy target (CHECK_ENV): production settings, DEBUG off, HTTPS everywhere.
CHECK_ENV = {
    "DEBUG": "0",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_COOKIES": "1",
    "ALLOWED_HOSTS": "iop.example.org",
    "SECRET_KEY": "check-deploy-" + os.urandom(24).hex(),
}
# Anything of the test run's own environment that would change what production settings say.
NOT_INHERITED = {
    # Set by the browser tests' conftest, which pytest imports even when only unit tests run.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DJANGO_SETTINGS_MODULE",
    "OPENIOP_TESTING",
    "SECURE_HSTS_SECONDS",
    "OPENIOP_REQUIRE_STAFF_MFA",
}


def check_deploy(tmp_path, **overrides) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
    env.update(CHECK_ENV, OPENIOP_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="config.settings")
    env.update(overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=Path(django_settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = check_deploy(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_would_catch_cookies_sent_over_plain_http(tmp_path):
    """The control: the same check fails when a production setting is weakened."""
    result = check_deploy(tmp_path, SECURE_COOKIES="0")
    assert result.returncode != 0
    assert "security.W012" in result.stdout + result.stderr


def test_the_session_store_is_one_that_expires_sessions_on_the_server():
    """Timeouts hold only if the server forgets the session: signed cookies would carry it themselves."""
    assert django_settings.SESSION_ENGINE in (
        "django.contrib.sessions.backends.db",
        "django.contrib.sessions.backends.cached_db",
    )
    assert django_settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert django_settings.SESSION_COOKIE_HTTPONLY and django_settings.SESSION_COOKIE_SAMESITE == "Lax"


def test_a_removed_authenticator_is_asked_for_again_at_the_next_sign_in(world, settings):
    """Removing the authenticator (by an administrator) takes effect at the next sign-in."""
    settings.OPENIOP_REQUIRE_STAFF_MFA = True
    Authenticator.objects.create(user=world.alice, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client = Client()
    client.force_login(world.alice)
    assert client.get(reverse("home:my_day")).status_code == 200
    Authenticator.objects.filter(user=world.alice).delete()
    client.post(reverse("account_logout"))
    client.force_login(world.alice)
    assert client.get(reverse("home:my_day"))["Location"] == reverse("mfa_activate_totp")
