import time

from allauth.mfa.models import Authenticator
from django.conf import settings as django_settings
from django.urls import reverse

from conftest import PASSWORD
from openiop.accounts.middleware import SESSION_STARTED_KEY
from openiop.audit.models import Action, AuditEvent, Outcome


def login(client, username, password):
    return client.post(reverse("account_login"), {"login": username, "password": password})


def test_successful_login_is_audited(world, client):
    response = login(client, "alice", PASSWORD)
    assert response.status_code == 302
    event = AuditEvent.objects.get(action=Action.LOGIN)
    assert event.actor == world.alice and event.actor_role == "clinician"


def test_failed_login_is_audited_and_the_page_says_so_without_revealing_which_part_was_wrong(world, client):
    response = login(client, "alice", "wrong password")
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    event = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert (event.actor_username, event.outcome) == ("alice", Outcome.FAILED)


def test_account_is_locked_after_five_failures_even_with_the_right_password(world, client):
    for _ in range(5):
        login(client, "alice", "wrong password")
    response = login(client, "alice", PASSWORD)
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.content.decode()


def test_staff_must_enrol_an_authenticator_when_mfa_is_required(world, client_for, settings):
    settings.OPENIOP_REQUIRE_STAFF_MFA = True
    response = client_for(world.alice).get(reverse("home:my_day"))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")


def test_staff_with_an_authenticator_pass_and_patients_are_not_forced(world, client_for, settings):
    settings.OPENIOP_REQUIRE_STAFF_MFA = True
    Authenticator.objects.create(user=world.alice, type=Authenticator.Type.TOTP, data={"secret": "x"})
    assert client_for(world.alice).get(reverse("home:my_day")).status_code == 200
    assert client_for(world.pat_a).get(reverse("portal:home")).status_code == 200


def test_staff_cannot_remove_their_authenticator_while_mfa_is_required(world, settings):
    from allauth.mfa.adapter import get_adapter

    settings.OPENIOP_REQUIRE_STAFF_MFA = True
    authenticator = Authenticator.objects.create(user=world.alice, type=Authenticator.Type.TOTP, data={})
    assert not get_adapter().can_delete_authenticator(authenticator)


def test_sessions_end_after_the_absolute_timeout(world, client_for, settings):
    client = client_for(world.alice)
    session = client.session
    session[SESSION_STARTED_KEY] = time.time() - settings.SESSION_ABSOLUTE_HOURS * 3600 - 1
    session.save()
    response = client.get(reverse("home:my_day"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert client.get(reverse("home:my_day"))["Location"].startswith(reverse("account_login"))


def test_idle_timeout_is_the_cookie_age_renewed_by_activity_each_minute():
    assert django_settings.SESSION_COOKIE_AGE == django_settings.SESSION_IDLE_MINUTES * 60
    assert django_settings.SESSION_RENEW_SECONDS == 60
    assert not django_settings.SESSION_SAVE_EVERY_REQUEST  # the timeout middleware renews, once a minute


def test_a_session_cookie_is_useless_after_logout(world, client):
    login(client, "alice", PASSWORD)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    client.post(reverse("account_logout"))
    client.cookies[django_settings.SESSION_COOKIE_NAME] = cookie
    response = client.get(reverse("home:my_day"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_signup_is_closed(db, client):
    response = client.get(reverse("account_signup"))
    assert "closed" in response.content.decode().lower()


def test_production_hashes_passwords_with_argon2():
    from config import settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_pages_carry_a_csp_without_inline_script_and_the_security_headers(db, client):
    response = client.get(reverse("account_login"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Request-ID"]


def test_every_form_post_needs_a_csrf_token(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.ivan)
    response = client.post(reverse("patients:add"), {"legal_given_name": "X"})
    assert response.status_code == 403
