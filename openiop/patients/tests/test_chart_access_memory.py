"""Chart access is remembered for one request (patients/chart_access.py), never longer, never stale.

A chart's panels each check their app's permission; the care-team, program and break-the-glass facts those
permissions rest on are asked once per request. These tests pin the saving and show the memory cannot
serve a stale "yes": not in the next request, not after a service changed the facts in this one.
"""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from openiop.accounts.models import User
from openiop.intake.services.admissions import episode_admit
from openiop.intake.tests.test_admissions import referred_patient
from openiop.patients import chart_access
from openiop.patients.models import BreakGlassAccess, CareTeamMember, Patient
from openiop.patients.selectors import with_episodes
from openiop.patients.services import break_glass_open

# A care-team clinician's second read of patient_a's chart in the shared test world: session, user, the
# patient with episodes and care team (3, whose members also answer the care-team check), break-the-glass
# accesses (1), the audit event (5 with savepoints), the panels (28, safety's two plan kinds read together).
# The session is not saved: it was renewed less than a minute ago (SESSION_RENEW_SECONDS; saving it took 3
# more). Before the memory: 64, 19 of them the same care-team EXISTS; 40 before the loaded care teams
# answered the check.
CHART_QUERIES = 39
REASON = "Patient in crisis, primary clinician unreachable tonight."


def chart_url(patient):
    return reverse("patients:chart", kwargs={"patient_uuid": patient.uuid})


def _fresh(user) -> User:
    """The user as the next request loads it: a new object, nothing remembered."""
    return User.objects.get(pk=user.pk)


def test_the_chart_asks_each_access_fact_once(world, client_for, django_assert_num_queries, settings):
    # The count includes the session's read; with REDIS_URL (CI's PostgreSQL pass) sessions are cached_db
    # and read from Redis instead, so pin the database backend the count was taken with.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    client = client_for(world.alice)
    client.get(chart_url(world.patient_a))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(chart_url(world.patient_a))
    assert response.status_code == 200
    care_team_reads = [q["sql"] for q in captured if 'FROM "patients_careteammember"' in q["sql"]]
    # Only the chart header's care team: its members also answer whether the user is on it.
    assert len(care_team_reads) == 1
    with django_assert_num_queries(CHART_QUERIES):
        assert client.get(chart_url(world.patient_a)).status_code == 200


def test_one_user_object_asks_the_database_once_for_many_checks(world, django_assert_num_queries):
    alice = _fresh(world.alice)

    def checks():
        assert alice.has_perm("patients.view_chart", world.patient_a)
        assert alice.has_perm("measures.enter_patient", world.patient_a)
        assert not alice.has_perm("patients.view_chart", world.patient_c)
        assert not alice.has_perm("patients.break_glass", world.patient_c)

    with django_assert_num_queries(3):  # care-team ids, open break-the-glass accesses, patient_c program
        checks()
    with django_assert_num_queries(0):
        for _ in range(5):
            checks()


def test_the_care_teams_loaded_with_the_patient_answer_for_that_patient_only(
    world, django_assert_num_queries
):
    alice = _fresh(world.alice)
    patient = with_episodes(Patient.objects.filter(pk=world.patient_a.pk)).get()
    chart_access.remember_care_team(alice, patient)
    with django_assert_num_queries(0):
        assert chart_access.is_on_care_team(alice, patient)
    with django_assert_num_queries(1):  # another patient: the user's care-team ids
        assert not chart_access.is_on_care_team(alice, world.patient_c)


def test_a_remembered_care_team_is_forgotten_when_an_admission_changes_it(world):
    patient = with_episodes(Patient.objects.filter(pk=referred_patient(world).pk)).get()
    bob = _fresh(world.bob)
    chart_access.remember_care_team(bob, patient)
    assert not bob.has_perm("patients.view_chart", patient)
    episode_admit(
        episode=patient.episodes.get(),
        track=world.track_a,
        admitted_on=timezone.localdate(),
        primary_clinician=bob,
        by=_fresh(world.dana),
    )
    assert bob.has_perm("patients.view_chart", patient)


def test_a_removed_care_team_membership_refuses_on_the_next_request(world, client_for):
    client = client_for(world.alice)
    assert client.get(chart_url(world.patient_a)).status_code == 200
    CareTeamMember.objects.filter(user=world.alice, episode__patient=world.patient_a).delete()
    response = client.get(chart_url(world.patient_a))
    # Still in the program, so the chart now asks for a reason instead of opening.
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "patients:break_glass", kwargs={"patient_uuid": world.patient_a.uuid}
    )


def test_a_user_loaded_afresh_does_not_see_a_membership_removed_since(world):
    remembered = _fresh(world.alice)
    assert remembered.has_perm("patients.view_chart", world.patient_a)
    CareTeamMember.objects.filter(user=world.alice, episode__patient=world.patient_a).delete()
    assert not _fresh(world.alice).has_perm("patients.view_chart", world.patient_a)


def test_a_break_glass_granted_in_a_request_applies_in_that_request(world, rf):
    request = rf.post("/")
    request.user = bob = _fresh(world.bob)
    assert not bob.has_perm("patients.view_chart", world.patient_a)
    break_glass_open(user=bob, patient=world.patient_a, reason=REASON, request=request)
    assert bob.has_perm("patients.view_chart", world.patient_a)


def test_breaking_the_glass_opens_the_chart_it_redirects_to(world, client_for):
    client = client_for(world.bob)
    url = reverse("patients:break_glass", kwargs={"patient_uuid": world.patient_a.uuid})
    response = client.post(url, {"reason": REASON}, follow=True)
    assert response.status_code == 200 and "Avery" in response.content.decode()


def test_a_break_glass_that_expires_during_the_request_stops_counting(world, monkeypatch):
    now = timezone.now()
    BreakGlassAccess.objects.create(
        user=world.bob,
        patient=world.patient_a,
        reason=REASON,
        granted_at=now,
        expires_at=now + BreakGlassAccess.WINDOW,
    )
    bob = _fresh(world.bob)
    assert bob.has_perm("patients.view_chart", world.patient_a)
    later = now + BreakGlassAccess.WINDOW + datetime.timedelta(seconds=1)
    monkeypatch.setattr(chart_access.timezone, "now", lambda: later)
    assert not bob.has_perm("patients.view_chart", world.patient_a)


def test_an_admission_puts_the_new_care_team_into_the_same_request(world):
    patient = referred_patient(world)
    bob = _fresh(world.bob)
    dana = _fresh(world.dana)
    assert not bob.has_perm("patients.view_chart", patient)
    episode_admit(
        episode=patient.episodes.get(),
        track=world.track_a,
        admitted_on=timezone.localdate(),
        primary_clinician=bob,
        by=dana,
    )
    assert bob.has_perm("patients.view_chart", patient)


def test_forgetting_is_harmless_for_anonymous_and_missing_users(world):
    from django.contrib.auth.models import AnonymousUser

    chart_access.chart_access_forget(None, AnonymousUser())
    assert not chart_access.is_on_care_team(AnonymousUser(), world.patient_a)
