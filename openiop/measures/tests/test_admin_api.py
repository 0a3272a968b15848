"""Questionnaires through the API: instruments, recording (201 with the score, 422 per item, 409 for a
duplicate), reading, entered in error, and alerts (closing needs an action and a note)."""

import pytest
from django.utils import timezone

from openiop.accounts.services import token_create
from openiop.api.tests.test_authentication import assert_problem
from openiop.api.tests.test_intake_care import field_errors
from openiop.audit.models import Action, AuditEvent
from openiop.home.models import Task
from openiop.measures.models import Administration, AlertStatus, MeasureAlert

from .routes import PHQ9_CALM, PHQ9_ITEM9, record

API = "/api/v1"
JSON = "application/json"


@pytest.fixture
def api_client(client):
    """`api_client(user)`: the test client with a fresh bearer token of `user`."""

    def for_user(user):
        _, raw = token_create(user=user, name="test")
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
        return client

    return for_user


def body(answers, **extra):
    return {
        "instrument": "PHQ-9",
        "answers": answers,
        "completed_on": timezone.localdate().isoformat(),
        **extra,
    }


def post(client, url, data):
    return client.post(url, data, content_type=JSON)


def test_instruments_list_and_detail_carry_no_patient_data(world, api_client):
    client = api_client(world.pat_a)
    codes = {i["code"] for i in client.get(f"{API}/instruments").json()}
    assert {"PHQ-9", "GAD-7", "PCL-5", "AUDIT-C", "ASQ"} <= codes
    phq = client.get(f"{API}/instruments/phq-9").json()
    assert phq["range"] == {"min": 0, "max": 27}
    assert [b["label"] for b in phq["bands"]][0] == "Minimal"
    assert phq["items"][8]["critical"]["triggers"] == "urgent_alert"
    assert phq["items"][0]["options"][3]["label"]["es"] == "Casi todos los días"
    assert phq["loinc"] == {"panel": "44249-1", "total": "44261-6"}
    assert_problem(client.get(f"{API}/instruments/NOPE"), 404)


def test_recording_answers_201_with_the_score_and_raises_the_alert(world, api_client):
    response = post(
        api_client(world.alice), f"{API}/patients/{world.patient_a.uuid}/administrations", body(PHQ9_ITEM9)
    )
    assert response.status_code == 201
    data = response.json()
    assert (data["total"], data["band"], data["urgent"], data["source"]) == (3, "Minimal", True, "api")
    [alert] = data["alerts"]
    assert alert["status"] == "open" and alert["assigned_to"]["uuid"] == str(world.alice.uuid)
    assert Task.objects.filter(assigned_to=world.alice, due_on=timezone.localdate()).exists()


def test_bad_items_are_each_named(world, api_client):
    response = post(
        api_client(world.alice),
        f"{API}/patients/{world.patient_a.uuid}/administrations",
        body({**PHQ9_CALM, "9": 5, "12": 1, "3": "x"}),
    )
    errors = field_errors(assert_problem(response, 422))
    assert {("body", "answers", "9"), ("body", "answers", "12"), ("body", "answers", "3")} <= set(errors)
    assert "5 is not one of its answers" in errors[("body", "answers", "9")]
    assert not Administration.objects.exists()


def test_a_future_date_and_an_unknown_instrument_are_refused(world, api_client):
    client = api_client(world.alice)
    url = f"{API}/patients/{world.patient_a.uuid}/administrations"
    errors = field_errors(assert_problem(post(client, url, body(PHQ9_CALM, completed_on="2999-01-01")), 422))
    assert ("body", "completed_on") in errors
    errors = field_errors(assert_problem(post(client, url, body(PHQ9_CALM, instrument="NOPE")), 422))
    assert ("body", "instrument") in errors


def test_a_duplicate_is_409_until_confirmed(world, api_client):
    client = api_client(world.alice)
    url = f"{API}/patients/{world.patient_a.uuid}/administrations"
    assert post(client, url, body(PHQ9_CALM)).status_code == 201
    problem = assert_problem(post(client, url, body(PHQ9_CALM)), 409)
    assert "already entered" in problem["detail"]
    assert post(client, url, body(PHQ9_CALM, confirm_duplicate=True)).status_code == 201
    assert Administration.objects.count() == 2


def test_reading_a_patients_administrations_is_audited(world, api_client):
    record(world, PHQ9_CALM)
    response = api_client(world.paul).get(f"{API}/patients/{world.patient_a.uuid}/administrations")
    assert [a["total"] for a in response.json()] == [2]
    event = AuditEvent.objects.filter(action=Action.LIST, actor=world.paul).get()
    assert event.detail["channel"] == "api" and event.patient == world.patient_a


def test_bob_would_need_break_the_glass_which_the_api_does_not_offer(world, api_client):
    problem = assert_problem(
        api_client(world.bob).get(f"{API}/patients/{world.patient_a.uuid}/administrations"), 403
    )
    assert "Break-the-glass" in problem["detail"]


def test_entered_in_error_through_the_api(world, api_client):
    administration = record(world, PHQ9_CALM).administration
    client = api_client(world.alice)
    url = f"{API}/administrations/{administration.uuid}/entered-in-error"
    errors = field_errors(assert_problem(post(client, url, {"reason": ""}), 422))
    assert ("body", "reason") in errors
    data = post(client, url, {"reason": "Wrong patient"}).json()
    assert data["entered_in_error"]["reason"] == "Wrong patient"
    assert_problem(post(client, url, {"reason": "again"}), 409)


@pytest.mark.parametrize(
    ("payload", "missing"),
    [({}, {"action", "note"}), ({"action": "risk_assessed"}, {"note"}), ({"note": "Seen"}, {"action"})],
)
def test_closing_an_alert_needs_an_action_and_a_note(world, api_client, payload, missing):
    alert = record(world).alert
    response = post(api_client(world.alice), f"{API}/alerts/{alert.uuid}/close", payload)
    errors = field_errors(assert_problem(response, 422))
    assert {loc[1] for loc in errors} == missing
    assert MeasureAlert.objects.get(pk=alert.pk).status == AlertStatus.OPEN


def test_closing_an_alert_and_closing_it_twice(world, api_client):
    alert = record(world).alert
    client = api_client(world.alice)
    data = post(
        client, f"{API}/alerts/{alert.uuid}/close", {"action": "risk_assessed", "note": "Seen; safe."}
    ).json()
    assert data["status"] == "closed" and data["closed_by"]["uuid"] == str(world.alice.uuid)
    assert_problem(
        post(client, f"{API}/alerts/{alert.uuid}/close", {"action": "risk_assessed", "note": "x"}), 409
    )
    assert [a["uuid"] for a in client.get(f"{API}/alerts?status=closed").json()] == [str(alert.uuid)]
    assert client.get(f"{API}/alerts").json() == []


def test_due_questionnaires_through_the_api(world, api_client):
    from openiop.measures.models import MeasureSchedule

    MeasureSchedule.objects.create(program=world.program_a, instrument_code="PHQ-9", occasion="admission")
    [due] = api_client(world.ivan).get(f"{API}/patients/{world.patient_a.uuid}/due-questionnaires").json()
    assert (due["instrument"], due["occasion"], due["overdue"]) == ("PHQ-9", "admission", True)
