"""Every main page costs the same number of SQL queries at sizes S and M (issue 10).

A page whose query count grows with the data has an N+1: one query per row shown, per patient on a
caseload or per session on a roster. The benchmarks time the pages; this test pins the count, so an N+1
fails the suite rather than a nightly run. Each size is seeded once (M takes about a minute), the pages are
read as equivalent people (the first clinician and the director of the first synthetic program, a patient
on that clinician's caseload, a session of their group with its roster), and the counts are compared page
by page. S is seeded inside a savepoint that is rolled back, because seed_synthetic refuses a database that
already holds a synthetic organization.
"""

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from openiop.accounts.models import User
from openiop.accounts.services import token_create
from openiop.demo.synthetic import seed_synthetic
from openiop.patients.models import CareTeamMember, CareTeamRole, EpisodeStatus
from openiop.scheduling.models import Session

CLINICIAN = "syn01-clinician01"
DIRECTOR = "syn01-director"
FHIR = "application/fhir+json"


class _Undo(Exception):
    """Raised to roll back the size S organization once it has been measured."""


def _subjects() -> dict:
    """The same kind of subject at any size, chosen deterministically from the seeded data."""
    clinician = User.objects.get(username=CLINICIAN)
    membership = (
        CareTeamMember.objects.filter(
            user=clinician, role=CareTeamRole.PRIMARY_CLINICIAN, episode__status=EpisodeStatus.ACTIVE
        )
        .select_related("episode__patient")
        .order_by("episode__patient__record_number")
        .first()
    )
    patient = membership.episode.patient
    # The clinician's most recent past group: its roster is recorded (full), as on a usual afternoon.
    session = (
        Session.objects.filter(clinicians=clinician, date__lt=timezone.localdate(), attendees__isnull=False)
        .order_by("-date", "start_time")
        .distinct()
        .first()
    )
    return {
        "clinician": clinician,
        "director": User.objects.get(username=DIRECTOR),
        "patient": patient,
        "session": session,
    }


def _pages(subjects: dict) -> list[tuple[str, str, str, dict, str]]:
    """(name, who, url, query, text the page must show)."""
    patient, session = subjects["patient"], subjects["session"]
    return [
        ("my day", "clinician", reverse("home:my_day"), {}, "My day"),
        ("patient list", "clinician", reverse("patients:list"), {}, "SYN0"),
        (
            "patient search",
            "clinician",
            reverse("patients:list"),
            {"q": patient.legal_family_name},
            patient.legal_family_name,
        ),
        ("chart", "clinician", reverse("patients:chart", args=[patient.uuid]), {}, patient.record_number),
        (
            "group attendance",
            "clinician",
            reverse("scheduling:attendance", args=[session.uuid]),
            {},
            session.series.name if session.series_id else "",
        ),
        (
            "trajectory",
            "clinician",
            reverse("measures:trajectory_detail", args=[patient.uuid, "PHQ-9"]),
            {},
            "PHQ-9",
        ),
        ("outcomes", "director", reverse("measures:outcomes_index"), {}, "Reliable improvement"),
        ("operations dashboard", "director", reverse("operations:dashboard"), {}, "SYN01"),
        ("authorizations", "director", reverse("utilization:list"), {}, "uthorization"),
        ("compliance", "director", reverse("operations:compliance"), {}, "ompliance"),
        (
            "FHIR Patient search",
            "fhir",
            reverse("fhir:patient_type"),
            {"name": patient.legal_family_name},
            patient.legal_family_name,
        ),
        (
            "FHIR Observation search",
            "fhir",
            reverse("fhir:observation_type"),
            {"patient": str(patient.uuid)},
            "Observation",
        ),
    ]


def _measure() -> dict[str, int]:
    """Seeded data -> {page: queries of its second read} (the first warms per-process caches)."""
    subjects = _subjects()
    clients = {"clinician": Client(), "director": Client(), "fhir": Client()}
    clients["clinician"].force_login(subjects["clinician"])
    clients["director"].force_login(subjects["director"])
    _, raw = token_create(user=subjects["clinician"], name="query counts")
    headers = {"fhir": {"Accept": FHIR, "Authorization": f"Bearer {raw}"}}
    counts = {}
    for name, who, url, query, text in _pages(subjects):
        client = clients[who]
        first = client.get(url, query, headers=headers.get(who))
        assert first.status_code == 200, (name, first.status_code)
        assert text in first.content.decode(), f"{name} does not show {text!r}"
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, query, headers=headers.get(who))
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = len(captured)
    return counts


@pytest.mark.django_db
def test_main_pages_cost_the_same_queries_at_sizes_s_and_m():
    with pytest.raises(_Undo), transaction.atomic():
        seed_synthetic(size="S", seed=1)
        small = _measure()
        raise _Undo
    seed_synthetic(size="M", seed=1)
    medium = _measure()
    table = "\n".join(f"  {name:28} S={small[name]:4}  M={medium[name]:4}" for name in small)
    differing = [name for name in small if small[name] != medium[name]]
    assert not differing, f"query counts differ between sizes S and M on {differing}:\n{table}"
