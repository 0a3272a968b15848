"""The API's trajectories and program outcomes: same rules and audit events as the pages; outcomes carry
no PHI; problems for bad input."""

import datetime

import pytest

from openiop.accounts.services import token_create
from openiop.audit.models import AuditEvent

from .outcome_factories import series

ADMITTED = datetime.date(2026, 9, 8)


@pytest.fixture
def api_client(client):
    def for_user(user):
        _, raw = token_create(user=user, name="test")
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
        return client

    return for_user


@pytest.fixture
def scored(world):
    series(world.patient_a.episodes.get(), "PHQ-9", [18, 15, 11, 8], start=ADMITTED)
    series(world.patient_b.episodes.get(), "PHQ-9", [12, 14], start=ADMITTED)
    return world


def trajectory_url(world, code="PHQ-9"):
    return f"/api/v1/patients/{world.patient_a.uuid}/trajectories/{code}"


def outcomes_url(world, query="instrument=PHQ-9&from=2026-09-01&to=2026-11-30"):
    return f"/api/v1/programs/{world.program_a.uuid}/outcomes?{query}"


def test_a_trajectory_has_points_classification_and_the_cited_criteria(scored, api_client):
    client = api_client(scored.alice)
    before = AuditEvent.objects.count()
    response = client.get(trajectory_url(scored))
    assert response.status_code == 200
    data = response.json()
    assert data["instrument"] == "PHQ-9"
    assert data["episode"] == str(scored.patient_a.episodes.get().uuid)
    assert [p["score"] for p in data["points"]] == [18, 15, 11, 8]
    assert [p["week"] for p in data["points"]] == [0, 1, 2, 3]
    assert data["points"][0]["baseline"] is True and data["points"][0]["change"] is None
    assert data["points"][2]["change"]["classification"] == "reliable_improvement"
    assert data["points"][1]["band"] == "Moderately severe"
    assert data["classification"] == "reliable_improvement"
    assert data["change"]["difference"] == -10 and data["change"]["method"] == "threshold"
    assert (
        data["change"]["response"] is True and data["change"]["remission"] is False
    )  # 18 → 8: 10 of 18 gone
    assert data["first_reliable_improvement_week"] == 2
    assert data["criteria"]["reliable_change"] == "a change of 6 or more points"
    assert "NHS Talking Therapies" in data["criteria"]["reliable_change_citation"]
    events = list(AuditEvent.objects.order_by("seq")[before:])
    assert [e.action for e in events] == ["view"]
    assert events[0].detail == {"page": "trajectory", "instrument": "PHQ-9", "channel": "api"}


def test_trajectory_problems(scored, api_client):
    client = api_client(scored.alice)
    assert client.get(trajectory_url(scored, "NOPE")).status_code == 404
    assert (
        client.get(trajectory_url(scored) + "?episode=00000000-0000-0000-0000-000000000000").status_code
        == 404
    )
    refused = api_client(scored.bob).get(
        trajectory_url(scored)
    )  # not on the care team; no break-the-glass here
    assert refused.status_code == 403 and "Break-the-glass" in refused.json()["detail"]
    assert "Avery" not in refused.content.decode()


def test_program_outcomes_for_the_director(scored, api_client):
    client = api_client(scored.dana)
    before = AuditEvent.objects.count()
    response = client.get(outcomes_url(scored))
    assert response.status_code == 200
    data = response.json()
    assert (data["from"], data["to"], data["scope"], data["instrument"]) == (
        "2026-09-01",
        "2026-11-30",
        "program",
        "PHQ-9",
    )
    overall = data["overall"]
    assert (overall["episodes"], overall["with_baseline"], overall["with_follow_up"]) == (2, 2, 2)
    assert overall["mean_change"] == -4.0  # (-10 + 2) / 2
    assert overall["reliable_improvement"] == {"count": 1, "of": 2, "percent": 50.0}
    assert overall["response"] == {"count": 1, "of": 2, "percent": 50.0}  # 18 → 8 is more than half
    assert set(data["by_track"]) == {"Morning", "No track"}
    assert set(data["by_clinician"]) == {"Alice Test, LCSW", "Bob Test, LPC"}
    body = response.content.decode()
    for secret in ("Avery", "Blake", scored.patient_a.record_number, str(scored.patient_a.date_of_birth)):
        assert secret not in body
    events = list(AuditEvent.objects.order_by("seq")[before:])
    assert [e.action for e in events] == ["list"] and events[0].detail["channel"] == "api"


def test_a_clinician_gets_their_caseload_without_colleagues(scored, api_client):
    data = api_client(scored.alice).get(outcomes_url(scored)).json()
    assert data["scope"] == "caseload"
    assert data["overall"]["episodes"] == 1 and data["by_clinician"] == {}


def test_outcome_defaults_and_problems(scored, api_client):
    client = api_client(scored.dana)
    default = client.get(f"/api/v1/programs/{scored.program_a.uuid}/outcomes")
    assert default.status_code == 200 and default.json()["instrument"] == "PHQ-9"
    for query, status in (
        ("instrument=ASQ", 422),
        ("from=2026-11-01&to=2026-10-01", 422),
        ("from=2020-01-01&to=2026-01-01", 422),
        ("from=notadate", 422),
    ):
        response = client.get(outcomes_url(scored, query))
        assert response.status_code == status, query
        assert response["Content-Type"] == "application/problem+json"
    assert client.get("/api/v1/programs/00000000-0000-0000-0000-000000000000/outcomes").status_code == 404
    refused = api_client(scored.charlie).get(outcomes_url(scored))
    assert refused.status_code == 403
