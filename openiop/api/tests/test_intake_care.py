"""Assessments, episodes (admission, waitlist, changes of level, certification), the waitlist, due items and
rubrics through the API. The builders here are shared with test_role_walk.py and test_intake_referrals.py."""

import datetime
import uuid

from django.utils import timezone

from conftest import make_patient
from openiop.audit.models import Action, AuditEvent, Outcome
from openiop.intake.models import (
    Certification,
    DueItemKind,
    LevelOfCareAssessment,
    LevelTransition,
    ReferralStatus,
)
from openiop.intake.rubric import recommend
from openiop.intake.rubric_registry import DEFAULT_RUBRIC_ID, get_rubric
from openiop.intake.services.referrals import referral_create, referral_link_patient
from openiop.patients.models import EpisodeStatus

from .test_authentication import assert_problem

API = "/api/v1"


# --- builders ---------------------------------------------------------------------------------------------


def today() -> datetime.date:
    return timezone.localdate()


def ratings_body(**overrides) -> dict:
    """A complete assessment body: every dimension rated 2, the level the rubric recommends for that."""
    rubric = get_rubric(DEFAULT_RUBRIC_ID)
    ratings = {dimension.id: 2 for dimension in rubric.dimensions}
    body = {
        "rubric_id": rubric.id,
        "ratings": ratings,
        "determined_level": recommend(rubric, ratings).level,
        "assessed_on": today().isoformat(),
    }
    body.update(overrides)
    return body


def assessment_of(patient, by, *, on=datetime.date(2026, 9, 5), referral=None) -> LevelOfCareAssessment:
    """A signed assessment made directly, as the intake tests do."""
    return LevelOfCareAssessment.objects.create(
        patient=patient,
        referral=referral,
        rubric_id="openiop-loc",
        rubric_version="1.0.0",
        ratings={},
        recommended_level="intensive_outpatient",
        determined_level="intensive_outpatient",
        assessed_on=on,
        assessed_by=by,
        signed_at=timezone.now(),
    )


def referred_episode(world, *, given="Drew", assessed=True):
    """An episode in referral status in program A (referred 2026-09-01), assessed by alice by default."""
    patient = make_patient(
        given=given, family="Referral", program=world.program_a, status=EpisodeStatus.REFERRAL
    )
    if assessed:
        assessment_of(patient, world.alice)
    return patient.episodes.get()


def referral_in_program(world, program, **fields):
    values = {
        "source": "primary_care",
        "given_name": "Robin",
        "family_name": "Referred",
        "reason": "Low mood for months.",
    }
    values.update(fields)
    return referral_create(created_by=None, program=program, **values)


def field_errors(body) -> dict:
    return {tuple(error["loc"]): error["msg"] for error in body["errors"]}


def episode_of(patient):
    return patient.episodes.get()


# --- rubrics ----------------------------------------------------------------------------------------------


def test_any_token_holder_reads_the_rubrics_with_anchors_and_levels(world, api_client):
    response = api_client(world.pat_a).get(f"{API}/rubrics")
    assert response.status_code == 200
    rubric = next(r for r in response.json() if r["id"] == DEFAULT_RUBRIC_ID)
    assert rubric["current"] is True
    assert "intensive_outpatient" in [level["id"] for level in rubric["levels"]]
    first = rubric["dimensions"][0]
    assert first["anchors"][0]["rating"] == rubric["scale_min"] and first["anchors"][0]["description"]


def test_rubrics_need_a_token(db, client):
    assert_problem(client.get(f"{API}/rubrics"), 401)


# --- assessments ------------------------------------------------------------------------------------------


def test_clinician_records_an_assessment_and_gets_the_server_recommendation(world, api_client):
    body = ratings_body(notes="Engaged.", recommended_level="inpatient")  # a sent recommendation is ignored
    response = api_client(world.alice).post(
        f"{API}/patients/{world.patient_a.uuid}/assessments", body, content_type="application/json"
    )
    assert response.status_code == 201
    stored = response.json()
    assessment = LevelOfCareAssessment.objects.get(uuid=stored["uuid"])
    assert stored["recommended_level"] == assessment.recommended_level == body["determined_level"]
    assert stored["recommendation_reasons"] == assessment.recommendation_reasons != []
    assert stored["is_override"] is False and stored["patient_uuid"] == str(world.patient_a.uuid)
    assert stored["assessed_by"]["uuid"] == str(world.alice.uuid)
    assert stored["episode_uuid"] == str(episode_of(world.patient_a).uuid)
    assert "id" not in stored
    event = AuditEvent.objects.get(action=Action.CREATE, object_id=stored["uuid"])
    assert (event.actor, event.patient) == (world.alice, world.patient_a)


def test_an_override_without_a_reason_is_a_422_naming_override_reason(world, api_client):
    body = ratings_body(determined_level="residential")
    response = api_client(world.alice).post(
        f"{API}/patients/{world.patient_a.uuid}/assessments", body, content_type="application/json"
    )
    errors = field_errors(assert_problem(response, 422))
    assert ("body", "override_reason") in errors
    assert not LevelOfCareAssessment.objects.exists()


def test_an_override_with_a_reason_is_stored_as_an_override(world, api_client):
    body = ratings_body(determined_level="residential", override_reason="No safe home for the weekdays.")
    response = api_client(world.alice).post(
        f"{API}/patients/{world.patient_a.uuid}/assessments", body, content_type="application/json"
    )
    assert response.status_code == 201
    assert response.json()["is_override"] is True


def test_assessment_input_errors_name_their_fields(world, api_client):
    client = api_client(world.alice)
    url = f"{API}/patients/{world.patient_a.uuid}/assessments"
    rubric = get_rubric(DEFAULT_RUBRIC_ID)
    missing_one = {d.id: 2 for d in rubric.dimensions[1:]}
    cases = [
        (ratings_body(rubric_id="no-such-rubric"), ("body", "rubric_id")),
        (ratings_body(ratings=missing_one), ("body", "ratings")),
        (
            ratings_body(assessed_on=(today() + datetime.timedelta(days=1)).isoformat()),
            ("body", "assessed_on"),
        ),
        (ratings_body(referral=str(uuid.uuid4())), ("body", "referral")),
        (ratings_body(determined_level="space_station"), ("body", "determined_level")),
        ({"ratings": {}}, ("body", "assessed_on")),
    ]
    for body, location in cases:
        errors = field_errors(assert_problem(client.post(url, body, content_type="application/json"), 422))
        assert location in errors, (body, errors)


def test_an_assessment_for_a_referral_moves_it_to_assessed(world, api_client):
    referral = referral_in_program(world, world.program_a)
    referral_link_patient(referral=referral, by=world.ivan, patient=world.patient_b)
    response = api_client(world.bob).post(
        f"{API}/patients/{world.patient_b.uuid}/assessments",
        ratings_body(referral=str(referral.uuid)),
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["referral_uuid"] == str(referral.uuid)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ASSESSED


def test_a_referral_of_another_patient_is_refused(world, api_client):
    referral = referral_in_program(world, world.program_a)
    referral_link_patient(referral=referral, by=world.ivan, patient=world.patient_b)
    response = api_client(world.alice).post(
        f"{API}/patients/{world.patient_a.uuid}/assessments",
        ratings_body(referral=str(referral.uuid)),
        content_type="application/json",
    )
    assert ("body", "referral") in field_errors(assert_problem(response, 422))


def test_intake_coordinator_and_other_program_may_not_assess(world, api_client):
    url = f"{API}/patients/{world.patient_a.uuid}/assessments"
    assert_problem(api_client(world.ivan).post(url, ratings_body(), content_type="application/json"), 403)
    response = api_client(world.charlie).post(url, ratings_body(), content_type="application/json")
    assert_problem(response, 403)
    assert "Avery" not in response.text
    refused = AuditEvent.objects.get(action=Action.ACCESS_REFUSED, actor=world.charlie)
    assert refused.patient == world.patient_a
    assert not LevelOfCareAssessment.objects.exists()


def test_chart_readers_list_the_assessments_and_it_is_audited(world, api_client):
    assessment = assessment_of(world.patient_a, world.alice)
    response = api_client(world.paul).get(f"{API}/patients/{world.patient_a.uuid}/assessments")
    assert response.status_code == 200
    assert [item["uuid"] for item in response.json()] == [str(assessment.uuid)]
    event = AuditEvent.objects.get(action=Action.VIEW, actor=world.paul)
    assert event.patient == world.patient_a


def test_clinician_off_the_care_team_may_not_list_assessments(world, api_client):
    assessment_of(world.patient_a, world.alice)
    response = api_client(world.bob).get(f"{API}/patients/{world.patient_a.uuid}/assessments")
    body = assert_problem(response, 403)
    assert "break-the-glass" in body["detail"].lower()
    assert "Avery" not in response.text


def test_reading_one_assessment(world, api_client):
    assessment = assessment_of(world.patient_a, world.alice)
    url = f"{API}/assessments/{assessment.uuid}"
    response = api_client(world.alice).get(url)
    assert response.status_code == 200
    assert response.json()["determined_level"] == "intensive_outpatient"
    assert AuditEvent.objects.filter(action=Action.VIEW, object_id=str(assessment.uuid)).exists()
    refused = api_client(world.charlie).get(url)
    assert_problem(refused, 403)
    assert "Avery" not in refused.text
    assert_problem(api_client(world.alice).get(f"{API}/assessments/{uuid.uuid4()}"), 404)


def test_intake_staff_read_the_assessment_of_their_referral(world, api_client):
    referral = referral_in_program(world, world.program_a)
    referral_link_patient(referral=referral, by=world.ivan, patient=world.patient_c)  # patient of program B
    assessment = assessment_of(world.patient_c, world.charlie, referral=referral)
    assert api_client(world.ivan).get(f"{API}/assessments/{assessment.uuid}").status_code == 200


# --- episodes ---------------------------------------------------------------------------------------------


def test_care_team_reads_the_episode(world, api_client):
    episode = episode_of(world.patient_a)
    response = api_client(world.alice).get(f"{API}/episodes/{episode.uuid}")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "active" and body["patient"]["uuid"] == str(world.patient_a.uuid)
    assert body["program"]["uuid"] == str(world.program_a.uuid)
    assert {m["uuid"] for m in body["care_team"]} == {str(world.alice.uuid), str(world.paul.uuid)}
    assert body["due_items"] == [] and body["waitlist_entry"] is None
    event = AuditEvent.objects.get(action=Action.VIEW, actor=world.alice)
    assert (event.patient, event.object_id) == (world.patient_a, str(episode.uuid))


def test_episode_of_another_program_is_refused_without_phi(world, api_client):
    response = api_client(world.charlie).get(f"{API}/episodes/{episode_of(world.patient_a).uuid}")
    assert_problem(response, 403)
    for secret in ("Avery", world.patient_a.record_number):
        assert secret not in response.text
    assert AuditEvent.objects.get(action=Action.ACCESS_REFUSED).outcome == Outcome.REFUSED


def admission_body(world, **overrides) -> dict:
    body = {
        "track": str(world.track_a.uuid),
        "admitted_on": today().isoformat(),
        "primary_clinician": str(world.alice.uuid),
        "psychiatrist": str(world.paul.uuid),
    }
    body.update(overrides)
    return body


def test_intake_coordinator_admits_with_due_items(world, api_client):
    episode = referred_episode(world)
    response = api_client(world.ivan).post(
        f"{API}/episodes/{episode.uuid}/admission", admission_body(world), content_type="application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "active" and body["track"]["uuid"] == str(world.track_a.uuid)
    assert {item["kind"] for item in body["due_items"]} == {
        DueItemKind.BASELINE_MEASURES,
        DueItemKind.INITIAL_TREATMENT_PLAN,
        DueItemKind.CERTIFICATION,
    }
    assert AuditEvent.objects.filter(action=Action.UPDATE, object_id=str(episode.uuid)).exists()


def test_admission_refusals_name_their_fields(world, api_client):
    client = api_client(world.ivan)
    episode = referred_episode(world)
    url = f"{API}/episodes/{episode.uuid}/admission"
    cases = [
        (admission_body(world, primary_clinician=str(world.charlie.uuid)), ("body", "primary_clinician")),
        (admission_body(world, psychiatrist=str(world.alice.uuid)), ("body", "psychiatrist")),
        (admission_body(world, track=str(uuid.uuid4())), ("body", "track")),
        (admission_body(world, admitted_on="2026-01-01"), ("body", "admitted_on")),
        (admission_body(world, stepping_down_from="residential"), ("body", "transition_reason")),
        (admission_body(world, stepping_down_from="outpatient"), ("body", "stepping_down_from")),
    ]
    for body, location in cases:
        errors = field_errors(assert_problem(client.post(url, body, content_type="application/json"), 422))
        assert location in errors, (body, errors)
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.REFERRAL


def test_a_full_track_refuses_admission_on_the_track(world, api_client):
    world.track_a.capacity = 1  # patient_a holds the only place
    world.track_a.save()
    episode = referred_episode(world)
    response = api_client(world.ivan).post(
        f"{API}/episodes/{episode.uuid}/admission", admission_body(world), content_type="application/json"
    )
    assert "full" in field_errors(assert_problem(response, 422))[("body", "track")]


def test_admission_without_an_assessment_is_refused(world, api_client):
    episode = referred_episode(world, assessed=False)
    response = api_client(world.dana).post(
        f"{API}/episodes/{episode.uuid}/admission", admission_body(world), content_type="application/json"
    )
    errors = field_errors(assert_problem(response, 422))
    assert "assessment" in errors[("body",)]


def test_an_active_episode_cannot_be_admitted_again(world, api_client):
    response = api_client(world.ivan).post(
        f"{API}/episodes/{episode_of(world.patient_a).uuid}/admission",
        admission_body(world),
        content_type="application/json",
    )
    assert_problem(response, 409)


def test_clinicians_may_not_admit(world, api_client):
    episode = referred_episode(world)
    url = f"{API}/episodes/{episode.uuid}/admission"
    assert_problem(
        api_client(world.alice).post(url, admission_body(world), content_type="application/json"), 403
    )


def test_waitlisting_gives_position_and_expected_start_and_the_list_orders_it(world, api_client):
    client = api_client(world.ivan)
    routine = referred_episode(world, given="Routine")
    stepping = referred_episode(world, given="Stepping")
    first = client.post(f"{API}/episodes/{routine.uuid}/waitlist", {}, content_type="application/json")
    assert first.status_code == 201
    assert first.json()["position"] == 1 and first.json()["expected_start"]
    second = client.post(
        f"{API}/episodes/{stepping.uuid}/waitlist",
        {"stepping_down_from": "residential", "urgency": "soon"},
        content_type="application/json",
    )
    assert second.json()["position"] == 1  # stepping down comes first
    listed = client.get(f"{API}/waitlist", {"program": str(world.program_a.uuid)})
    assert listed.status_code == 200
    rows = listed.json()["items"]
    assert [row["episode_uuid"] for row in rows] == [str(stepping.uuid), str(routine.uuid)]
    assert [row["position"] for row in rows] == [1, 2]
    assert rows[0]["expected_start"] <= rows[1]["expected_start"]
    event = AuditEvent.objects.filter(action=Action.LIST, object_type="intake.waitlistentry").get()
    assert event.detail["shown"] == 2


def test_waitlist_refusals(world, api_client):
    episode = referred_episode(world)
    bad = api_client(world.ivan).post(
        f"{API}/episodes/{episode.uuid}/waitlist", {"urgency": "whenever"}, content_type="application/json"
    )
    assert ("body", "urgency") in field_errors(assert_problem(bad, 422))
    dana = api_client(world.dana)
    assert_problem(dana.get(f"{API}/waitlist", {"program": str(world.program_b.uuid)}), 403)
    assert AuditEvent.objects.filter(action=Action.ACCESS_REFUSED, actor=world.dana).exists()
    assert_problem(dana.get(f"{API}/waitlist", {"program": str(uuid.uuid4())}), 404)
    assert_problem(dana.get(f"{API}/waitlist"), 422)
    assert_problem(
        api_client(world.charlie).get(f"{API}/waitlist", {"program": str(world.program_b.uuid)}), 403
    )


def test_a_change_of_level_out_of_iop_discharges_the_episode(world, api_client):
    episode = episode_of(world.patient_a)
    response = api_client(world.alice).post(
        f"{API}/episodes/{episode.uuid}/transitions",
        {"to_level": "partial_hospitalization", "on": today().isoformat(), "reason": "Worsening."},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["direction"] == "step_up"
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.DISCHARGED
    assert AuditEvent.objects.filter(action=Action.CREATE, object_type="intake.leveltransition").exists()
    again = api_client(world.alice).post(
        f"{API}/episodes/{episode.uuid}/transitions",
        {"to_level": "outpatient", "on": today().isoformat(), "reason": "Again."},
        content_type="application/json",
    )
    assert_problem(again, 409)


def test_change_of_level_errors_and_refusals(world, api_client):
    url = f"{API}/episodes/{episode_of(world.patient_a).uuid}/transitions"
    future = (today() + datetime.timedelta(days=2)).isoformat()
    response = api_client(world.alice).post(
        url, {"to_level": "outpatient", "on": future, "reason": "Better."}, content_type="application/json"
    )
    assert ("body", "on") in field_errors(assert_problem(response, 422))
    missing = api_client(world.alice).post(url, {"on": future}, content_type="application/json")
    assert {("body", "to_level"), ("body", "reason")} <= field_errors(assert_problem(missing, 422)).keys()
    body = {"to_level": "outpatient", "on": today().isoformat(), "reason": "Better."}
    assert_problem(api_client(world.bob).post(url, body, content_type="application/json"), 403)
    assert not LevelTransition.objects.exists()


def test_psychiatrist_certifies_and_the_recertification_is_scheduled(world, api_client):
    episode = episode_of(world.patient_a)
    response = api_client(world.paul).post(
        f"{API}/episodes/{episode.uuid}/certifications",
        {"hours_per_week": "9.0", "certified_on": today().isoformat(), "statement": "Needs IOP."},
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["certified_by"]["uuid"] == str(world.paul.uuid) and body["valid_until"]
    assert episode.due_items.open().get().kind == DueItemKind.RECERTIFICATION
    assert AuditEvent.objects.filter(action=Action.CREATE, object_type="intake.certification").exists()


def test_certification_errors_and_refusals(world, api_client):
    url = f"{API}/episodes/{episode_of(world.patient_a).uuid}/certifications"
    body = {"hours_per_week": "3", "certified_on": today().isoformat(), "statement": "Needs IOP."}
    low = api_client(world.paul).post(url, body, content_type="application/json")
    assert ("body", "hours_per_week") in field_errors(assert_problem(low, 422))
    body["hours_per_week"] = "9"
    for user in (world.alice, world.dana, world.charlie):
        assert_problem(api_client(user).post(url, body, content_type="application/json"), 403)
    assert not Certification.objects.exists()
    waiting = referred_episode(world)
    waiting.care_team_members.create(user=world.paul, role="psychiatrist")
    not_active = api_client(world.paul).post(
        f"{API}/episodes/{waiting.uuid}/certifications", body, content_type="application/json"
    )
    assert_problem(not_active, 409)


def test_due_items_of_the_program_after_admission(world, api_client):
    episode = referred_episode(world)
    client = api_client(world.ivan)
    client.post(
        f"{API}/episodes/{episode.uuid}/admission", admission_body(world), content_type="application/json"
    )
    response = client.get(f"{API}/due-items", {"program": str(world.program_a.uuid)})
    assert response.status_code == 200
    items = response.json()["items"]
    assert len(items) == 3 and {item["episode_uuid"] for item in items} == {str(episode.uuid)}
    assert [item["due_on"] for item in items] == sorted(item["due_on"] for item in items)
    assert all(item["overdue"] is False for item in items)
    assert AuditEvent.objects.filter(action=Action.LIST, object_type="intake.dueitem").exists()
    assert_problem(client.get(f"{API}/due-items", {"program": str(world.program_b.uuid)}), 403)
    assert_problem(
        api_client(world.paul).get(f"{API}/due-items", {"program": str(world.program_a.uuid)}), 403
    )


def test_the_openapi_document_lists_the_intake_operations(db, client):
    document = client.get(f"{API}/openapi.json").json()
    paths = document["paths"]
    expected = {
        "/api/v1/referrals": {"get", "post"},
        "/api/v1/referrals/{referral_uuid}": {"get"},
        "/api/v1/referrals/{referral_uuid}/transitions": {"post"},
        "/api/v1/rubrics": {"get"},
        "/api/v1/patients/{patient_uuid}/assessments": {"get", "post"},
        "/api/v1/assessments/{assessment_uuid}": {"get"},
        "/api/v1/episodes/{episode_uuid}": {"get"},
        "/api/v1/episodes/{episode_uuid}/admission": {"post"},
        "/api/v1/episodes/{episode_uuid}/waitlist": {"post"},
        "/api/v1/episodes/{episode_uuid}/transitions": {"post"},
        "/api/v1/episodes/{episode_uuid}/certifications": {"post"},
        "/api/v1/waitlist": {"get"},
        "/api/v1/due-items": {"get"},
    }
    for path, methods in expected.items():
        assert methods <= paths[path].keys(), path
        for method in methods:
            assert {"401", "403", "422"} <= paths[path][method]["responses"].keys(), (method, path)
    assert "409" in paths["/api/v1/episodes/{episode_uuid}/admission"]["post"]["responses"]
    assessment = document["components"]["schemas"]["AssessmentOut"]["properties"]
    assert "id" not in assessment and "recommendation_reasons" in assessment
