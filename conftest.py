"""Test personas shared by every test, so each view test is also an access test.

Program A (adult) and program B (adolescent). In A: alice (clinician, on patient_a's care team), bob
(clinician, not on it), paul (psychiatrist, on it), dana (director), ivan (intake coordinator). In B: charlie
(clinician). Org-wide: audrey (auditor), adam (administrator). Patients: patient_a and patient_b in program A;
patient_c in program B. pat_a and pat_b are the portal users of patient_a and patient_b.
"""

import datetime
import os
from dataclasses import dataclass
from decimal import Decimal

import pytest

from openiop.accounts.models import Role, StaffProfile, User
from openiop.patients.models import CareTeamMember, CareTeamRole, EpisodeOfCare, EpisodeStatus, Patient
from openiop.programs.models import Focus, Population, Program, Track

PASSWORD = "correct horse battery staple"


def make_user(username: str, role: Role, *, programs=(), credentials: str = "", **extra) -> User:
    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        role=role,
        first_name=username.capitalize(),
        last_name="Test",
        email=f"{username}@example.invalid",
        **extra,
    )
    if role != Role.PATIENT:
        profile = StaffProfile.objects.create(user=user, credentials=credentials)
        profile.programs.set(programs)
    return user


def make_patient(
    *,
    given: str,
    family: str,
    program: Program,
    track=None,
    status=EpisodeStatus.ACTIVE,
    care_team=(),
    user=None,
    born=datetime.date(1990, 5, 17),
) -> Patient:
    patient = Patient.objects.create(
        record_number=f"OI{Patient.objects.count() + 1:07d}",
        legal_given_name=given,
        legal_family_name=family,
        date_of_birth=born,
        user=user,
        is_synthetic=True,
    )
    episode = EpisodeOfCare.objects.create(
        patient=patient,
        program=program,
        track=track,
        status=status,
        referred_on=datetime.date(2026, 9, 1),
        admitted_on=datetime.date(2026, 9, 8)
        if status in (EpisodeStatus.ACTIVE, EpisodeStatus.DISCHARGED)
        else None,
    )
    for member, role in care_team:
        CareTeamMember.objects.create(episode=episode, user=member, role=role)
    return patient


@dataclass
class World:
    program_a: Program
    program_b: Program
    track_a: Track
    alice: User
    bob: User
    paul: User
    dana: User
    ivan: User
    charlie: User
    audrey: User
    adam: User
    pat_a: User
    pat_b: User
    patient_a: Patient
    patient_b: Patient
    patient_c: Patient


@pytest.fixture
def world(db) -> World:
    program_a = Program.objects.create(
        name="Adult Mental Health IOP",
        short_name="Adult MH",
        population=Population.ADULT,
        focus=Focus.MENTAL_HEALTH,
        weekly_hours_target=Decimal("9"),
    )
    program_b = Program.objects.create(
        name="Adolescent Co-occurring IOP",
        short_name="Teen COD",
        population=Population.ADOLESCENT,
        focus=Focus.CO_OCCURRING,
        weekly_hours_target=Decimal("6"),
    )
    track_a = Track.objects.create(
        program=program_a,
        name="Morning",
        weekdays=[0, 2, 4],
        start_time=datetime.time(9),
        end_time=datetime.time(12),
    )
    alice = make_user("alice", Role.CLINICIAN, programs=[program_a], credentials="LCSW")
    bob = make_user("bob", Role.CLINICIAN, programs=[program_a], credentials="LPC")
    paul = make_user("paul", Role.PSYCHIATRIST, programs=[program_a], credentials="MD")
    dana = make_user("dana", Role.PROGRAM_DIRECTOR, programs=[program_a], credentials="PsyD")
    ivan = make_user("ivan", Role.INTAKE_COORDINATOR, programs=[program_a])
    charlie = make_user("charlie", Role.CLINICIAN, programs=[program_b], credentials="LMFT")
    audrey = make_user("audrey", Role.AUDITOR)
    adam = make_user("adam", Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    pat_a = make_user("pat_a", Role.PATIENT)
    pat_b = make_user("pat_b", Role.PATIENT)
    patient_a = make_patient(
        given="Avery",
        family="Synthetic",
        program=program_a,
        track=track_a,
        user=pat_a,
        care_team=[(alice, CareTeamRole.PRIMARY_CLINICIAN), (paul, CareTeamRole.PSYCHIATRIST)],
    )
    patient_b = make_patient(
        given="Blake",
        family="Synthetic",
        program=program_a,
        user=pat_b,
        care_team=[(bob, CareTeamRole.PRIMARY_CLINICIAN)],
    )
    patient_c = make_patient(
        given="Casey",
        family="Synthetic",
        program=program_b,
        care_team=[(charlie, CareTeamRole.PRIMARY_CLINICIAN)],
        born=datetime.date(2010, 3, 2),
    )
    return World(
        program_a,
        program_b,
        track_a,
        alice,
        bob,
        paul,
        dana,
        ivan,
        charlie,
        audrey,
        adam,
        pat_a,
        pat_b,
        patient_a,
        patient_b,
        patient_c,
    )


@pytest.fixture
def client_for(client):
    """`client_for(user)` returns the test client signed in as `user`."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Login rate limits live in the cache; one test's failures must not lock out the next test's user."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


# Test directories where an N+1 (django-zeal) fails the test: those surveyed and cleared so far (issue 10).
# Add an app once `OPENIOP_ZEAL_REPORT=/tmp/zeal.txt pytest openiop/<app>` lists nothing for it.
ZEAL_STRICT = (
    "openiop/home/",
    "openiop/patients/",
    "openiop/measures/",
    "openiop/scheduling/",
    "openiop/operations/",
    "openiop/utilization/",
    "openiop/notes/",
    "openiop/safety/",
    "openiop/treatment/",
    "openiop/api/",
    "openiop/accounts/",
    "openiop/audit/",
    "openiop/coordination/",
    "openiop/fhir/",
    "openiop/discharge/",
    "openiop/invitations/",
    "openiop/programs/",
    "openiop/reminders/",
    "openiop/skills/",
    "openiop/transitions/",
    "openiop/intake/",
    "openiop/portal/",
    "openiop/demo/",
    "openiop/core/",
    # The browser tests' live server runs in this process, so the override reaches its requests too: an N+1
    # there answers 500, which fails the browser test. Surveyed on 2026-11-28: none in the 45 tests.
    "openiop/browser_tests/",
)
_ROOT = os.path.dirname(os.path.abspath(__file__)) + os.sep


@pytest.fixture(autouse=True)
def _zeal_strict(request):
    """Make django-zeal raise in the cleared apps' tests (the settings default is to warn)."""
    where = str(request.node.path).removeprefix(_ROOT)
    if os.environ.get("OPENIOP_ZEAL_REPORT") or not where.startswith(ZEAL_STRICT):
        yield
        return
    from django.test import override_settings

    with override_settings(ZEAL_RAISE=True):
        yield


def pytest_configure(config):
    """With OPENIOP_ZEAL_REPORT=<file> (the settings then warn instead of raising), append each N+1 that
    django-zeal detects, with where it happened, to that file: one run surveys the whole suite."""
    report = os.environ.get("OPENIOP_ZEAL_REPORT")
    if report:
        from zeal.signals import nplusone_detected
        from zeal.util import get_stack

        def record(sender, exception, **kwargs):
            where = [f"{f.removeprefix(_ROOT)}:{line}" for f, line, _ in get_stack() if f != __file__][:4]
            with open(report, "a", encoding="utf-8") as out:
                out.write(f"{exception} at {' < '.join(where)}\n")

        nplusone_detected.connect(record, weak=False)
