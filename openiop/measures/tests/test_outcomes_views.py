"""The outcomes page and its CSV export: who sees which figures, validation, audit events, and a CSV that
a spreadsheet cannot run."""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from openiop.audit.models import AuditEvent
from openiop.intake.models import Direction, LevelOfCare, LevelTransition
from openiop.patients.models import EpisodeStatus

from .outcome_factories import series

ADMITTED = datetime.date(2026, 9, 8)
PERIOD = {"from": "2026-09-01", "to": "2026-11-30", "instrument": "PHQ-9"}


def page(client, program, **filters):
    return client.get(reverse("measures:outcomes_index"), {"program": program.uuid, **PERIOD, **filters})


def export(client, program, **filters):
    return client.get(reverse("measures:outcomes_export"), {"program": program.uuid, **PERIOD, **filters})


@pytest.fixture
def scored(world):
    """patient_a (alice, Morning): 18 → 8, reliable improvement, response, not remission.
    patient_b (bob, no track): 12 → 14, no reliable change; discharged stepped up on 2026-10-20."""
    a = world.patient_a.episodes.get()
    b = world.patient_b.episodes.get()
    series(a, "PHQ-9", [18, 12, 8], start=ADMITTED)
    series(b, "PHQ-9", [12, 14], start=ADMITTED)
    b.status, b.discharged_on = EpisodeStatus.DISCHARGED, datetime.date(2026, 10, 20)
    b.save()
    LevelTransition.objects.create(
        patient=world.patient_b,
        episode=b,
        from_level=LevelOfCare.INTENSIVE_OUTPATIENT,
        to_level=LevelOfCare.PARTIAL_HOSPITALIZATION,
        direction=Direction.STEP_UP,
        on=b.discharged_on,
        reason="Worsening.",
    )
    return world


def test_the_director_sees_the_rates_with_their_denominators(scored, client_for):
    response = page(client_for(scored.dana), scored.program_a)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Adult Mental Health IOP · PHQ-9 · 2026-09-01 to 2026-11-30" in body
    assert "50% (1 of 2)" in body  # reliable improvement: patient_a of the two with a follow-up
    assert "2 with baseline and follow-up" in body
    assert "2 whose baseline qualifies" in body  # response: baselines 18 and 12
    assert "0% (0 of 1)" in body  # completed: patient_b was stepped up
    assert 'role="img"' in body and 'aria-labelledby="outcome-rates-title outcome-rates-desc"' in body
    assert "By track" in body and "Morning" in body and "No track" in body
    assert "By primary clinician" in body and "Alice Test, LCSW" in body and "Bob Test, LPC" in body
    assert "Export CSV" in body
    assert "Avery" not in body and scored.patient_a.record_number not in body  # aggregates only


def test_reading_outcomes_leaves_one_list_event(scored, client_for):
    client = client_for(scored.dana)
    before = AuditEvent.objects.count()
    page(client, scored.program_a)
    events = list(AuditEvent.objects.order_by("seq")[before:])
    assert len(events) == 1 and events[0].action == "list" and events[0].object_type == "measures.outcomes"
    assert events[0].detail == {
        "program": str(scored.program_a.uuid),
        "instrument": "PHQ-9",
        "from": "2026-09-01",
        "to": "2026-11-30",
        "scope": "program",
        "episodes": 2,
    }


def test_a_clinician_sees_only_their_caseload_and_no_colleague(scored, client_for):
    body = page(client_for(scored.alice), scored.program_a).content.decode()
    assert "Your caseload only" in body
    assert "100% (1 of 1)" in body  # patient_a only
    assert "By primary clinician" not in body and "Bob Test" not in body
    assert "Export CSV" not in body
    event = AuditEvent.objects.filter(action="list").latest("seq")
    assert event.detail["scope"] == "caseload" and event.detail["episodes"] == 1


def test_a_clinician_may_not_export(scored, client_for):
    client = client_for(scored.alice)
    assert export(client, scored.program_a).status_code == 403


def test_the_auditor_reads_every_program_but_not_by_clinician(scored, client_for):
    client = client_for(scored.audrey)
    body = page(client, scored.program_a).content.decode()
    assert "50% (1 of 2)" in body and "By track" in body
    assert "By primary clinician" not in body
    assert "Adolescent Co-occurring IOP" in body  # both programs offered
    assert export(client, scored.program_a).status_code == 200


def test_another_programs_clinician_cannot_choose_this_program(scored, client_for):
    response = page(client_for(scored.charlie), scored.program_a)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Select a valid choice" in body and "Correct the filters above" in body
    assert "50% (1 of 2)" not in body


@pytest.mark.parametrize("role", ["ivan", "adam", "pat_a"])
def test_others_are_refused(role, scored, client_for):
    client = client_for(getattr(scored, role))
    assert page(client, scored.program_a).status_code == 403
    assert export(client, scored.program_a).status_code == 403


def test_anonymous_is_sent_to_sign_in(scored, client):
    assert "/accounts/login/" in page(client, scored.program_a)["Location"]


def test_a_period_ending_before_it_starts_is_an_error_at_the_field(scored, client_for):
    client = client_for(scored.dana)
    before = AuditEvent.objects.filter(action="list").count()
    body = page(client, scored.program_a, **{"from": "2026-11-01", "to": "2026-10-01"}).content.decode()
    assert "The end of the period must not be before its start." in body
    assert 'aria-invalid="true"' in body and 'role="alert"' in body
    assert 'value="2026-11-01"' in body  # what was typed is kept
    assert AuditEvent.objects.filter(action="list").count() == before


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"from": "2020-01-01", "to": "2026-01-01"}, "three years or less"),
        ({"from": "2099-01-01", "to": "2099-02-01"}, "start today or earlier"),
        ({"from": "yesterday"}, "Enter a valid date."),
        ({"instrument": "ASQ"}, "Select a valid choice"),
    ],
)
def test_other_bad_filters(filters, message, scored, client_for):
    assert message in page(client_for(scored.dana), scored.program_a, **filters).content.decode()


def test_without_filters_the_page_opens_on_the_last_90_days_of_the_first_program(scored, client_for):
    response = client_for(scored.dana).get(reverse("measures:outcomes_index"))
    assert response.status_code == 200
    assert "Adult Mental Health IOP · PHQ-9" in response.content.decode()


def test_an_empty_period_says_so(scored, client_for):
    body = page(
        client_for(scored.dana), scored.program_a, **{"from": "2025-01-01", "to": "2025-03-01"}
    ).content
    assert "No one was in treatment in this program during this period." in body.decode()


def test_no_follow_up_yet_says_so(world, client_for):
    series(world.patient_a.episodes.get(), "PHQ-9", [18], start=ADMITTED)
    body = page(client_for(world.dana), world.program_a).content.decode()
    assert "No one has both a baseline and a follow-up score yet" in body


def test_a_director_without_a_program_sees_an_empty_state(world, client_for):
    world.dana.staff_profile.programs.clear()
    body = client_for(world.dana).get(reverse("measures:outcomes_index")).content.decode()
    assert "You do not work in any program yet" in body


# --- CSV -------------------------------------------------------------------------------------------------------


def rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_the_csv_has_one_row_overall_per_track_and_per_clinician(scored, client_for):
    response = export(client_for(scored.dana), scored.program_a)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="outcomes-Adult-MH-PHQ-9-2026-09-01-2026-11-30.csv"'
    )
    table = rows(response)
    assert [(r["group_type"], r["group"]) for r in table] == [
        ("overall", "All"),
        ("track", "Morning"),
        ("track", "No track"),
        ("clinician", "Alice Test, LCSW"),
        ("clinician", "Bob Test, LPC"),
    ]
    overall = table[0]
    assert overall["with_baseline_and_follow_up"] == "2"
    assert overall["reliable_improvement"] == "1" and overall["reliable_change_denominator"] == "2"
    assert overall["mean_change_points"] == "-4.00"  # (-10 + 2) / 2
    assert overall["response"] == "1" and overall["response_denominator"] == "2"
    assert overall["discharged"] == "1" and overall["completed"] == "0"
    assert overall["discharge_reason_not_recorded"] == "0"  # stepped up is a recorded reason


def test_the_export_is_audited_once(scored, client_for):
    client = client_for(scored.audrey)
    before = AuditEvent.objects.count()
    export(client, scored.program_a)
    events = list(AuditEvent.objects.order_by("seq")[before:])
    assert [e.action for e in events] == ["export"]
    assert events[0].detail["scope"] == "program"


def test_the_csv_neutralises_formulas(scored, client_for):
    scored.track_a.name = "=HYPERLINK(1)"
    scored.track_a.save()
    table = rows(export(client_for(scored.dana), scored.program_a))
    assert "'=HYPERLINK(1)" in [r["group"] for r in table]


def test_an_export_with_bad_filters_goes_back_to_the_page(scored, client_for):
    response = export(client_for(scored.dana), scored.program_a, to="2026-01-01")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("measures:outcomes_index") + "?")
