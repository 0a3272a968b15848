"""The coordination API: the directory, consents (read, record with the §2.31 rules, revoke) and the
accounting of disclosures; who may, what is refused with which problem, and the one audit event of each.

Every operation as every role is in api_operations.py (the API role walk)."""

import datetime

import pytest
from django.utils import timezone

from openiop.accounts.services import token_create
from openiop.audit.models import Action, AuditEvent, Outcome
from openiop.coordination import services
from openiop.coordination.consent_rules import LEGAL_COMBINED, MESSAGES, SUD_NOTES_RULE
from openiop.coordination.models import Consent, Provider

from .api_operations import consent_body
from .factories import part2_consent, therapist

pytestmark = pytest.mark.django_db

VALID_NPI = "1234567893"


@pytest.fixture
def api_client(client):
    def for_user(user):
        _, raw = token_create(user=user, name="test")
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
        return client

    return for_user


def _errors(response) -> dict[tuple, str]:
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    return {tuple(error["loc"]): error["msg"] for error in response.json()["errors"]}


def _events_since(seq: int):
    return list(AuditEvent.objects.filter(seq__gt=seq).order_by("seq"))


def _last_seq() -> int:
    last = AuditEvent.objects.order_by("-seq").first()
    return last.seq if last else 0


# --- the provider directory --------------------------------------------------------------------------------


def test_the_directory_is_searched_by_name_or_organization(world, api_client):
    therapist()
    Provider.objects.create(name="Sam Old", role="primary_care", organization="Elm Clinic", active=False)
    client = api_client(world.bob)
    names = [p["name"] for p in client.get("/api/v1/providers?q=harbor").json()]
    assert names == ["Jordan Outpatient"]
    assert [p["name"] for p in client.get("/api/v1/providers?q=elm").json()] == ["Sam Old"]
    assert [p["name"] for p in client.get("/api/v1/providers?active=true").json()] == ["Jordan Outpatient"]
    everyone = client.get("/api/v1/providers").json()
    assert {p["name"] for p in everyone} == {"Jordan Outpatient", "Sam Old"}
    assert everyone[0]["role_label"] == "Outpatient therapist"


def test_an_empty_directory_is_an_empty_list(world, api_client):
    response = api_client(world.alice).get("/api/v1/providers")
    assert response.status_code == 200 and response.json() == []


def test_an_intake_coordinator_adds_a_provider_audited_once(world, api_client):
    client = api_client(world.ivan)
    before = _last_seq()
    response = client.post(
        "/api/v1/providers",
        {
            "name": "Morgan Prescriber",
            "role": "mat_prescriber",
            "organization": "Bay Recovery",
            "direct_address": "morgan@direct.bay.example.org",
            "npi": VALID_NPI,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["npi"] == VALID_NPI and body["active"] is True
    provider = Provider.objects.get(uuid=body["uuid"])
    assert provider.created_by == world.ivan
    [event] = _events_since(before)
    assert (event.action, event.object_id, event.actor) == (Action.CREATE, str(provider.uuid), world.ivan)


@pytest.mark.parametrize(
    ("field", "value"),
    [("npi", "1234567890"), ("npi", "12345"), ("direct_address", "not an address"), ("role", "wizard")],
)
def test_a_bad_provider_is_a_422_at_its_field_and_nothing_is_saved(world, api_client, field, value):
    body = {"name": "Morgan Prescriber", "role": "psychiatrist", field: value}
    errors = _errors(api_client(world.dana).post("/api/v1/providers", body, content_type="application/json"))
    assert ("body", field) in errors
    if field == "npi":
        assert "not a valid NPI" in errors[("body", "npi")]
    assert not Provider.objects.exists()


def test_a_clinician_may_not_add_providers_and_the_refusal_is_audited(world, api_client):
    response = api_client(world.alice).post(
        "/api/v1/providers", {"name": "X", "role": "other"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert not Provider.objects.exists()
    refusal = AuditEvent.objects.get(action=Action.ACCESS_REFUSED)
    assert refusal.actor == world.alice and refusal.detail["permission"] == "coordination.manage_providers"


# --- consents ----------------------------------------------------------------------------------------------


def test_the_consents_are_listed_with_their_status_and_the_read_is_audited(world, api_client):
    provider = therapist()
    kept = part2_consent(world.patient_a, provider, world.alice)
    revoked = part2_consent(world.patient_a, provider, world.alice, categories=["measures"])
    services.consent_revoke(consent=revoked, note="By phone.", by=world.alice)
    client = api_client(world.paul)
    before = _last_seq()
    response = client.get(f"/api/v1/patients/{world.patient_a.uuid}/consents")
    assert response.status_code == 200
    rows = {row["uuid"]: row for row in response.json()}
    assert rows[str(kept.uuid)]["status"] == "active"
    assert rows[str(kept.uuid)]["recipient"]["name"] == provider.name
    assert rows[str(kept.uuid)]["witnessed_by"]["uuid"] == str(world.alice.uuid)
    assert rows[str(revoked.uuid)]["status"] == "revoked"
    assert rows[str(revoked.uuid)]["revocation_note"] == "By phone."
    [event] = _events_since(before)
    assert (event.action, event.patient, event.detail["channel"]) == (Action.VIEW, world.patient_a, "api")


def test_no_consents_is_an_empty_list(world, api_client):
    response = api_client(world.dana).get(f"/api/v1/patients/{world.patient_a.uuid}/consents")
    assert response.status_code == 200 and response.json() == []


def test_a_colleague_who_would_need_break_the_glass_is_refused_and_audited(world, api_client):
    part2_consent(world.patient_a, therapist(), world.alice)
    client = api_client(world.bob)
    before = _last_seq()
    response = client.get(f"/api/v1/patients/{world.patient_a.uuid}/consents")
    assert response.status_code == 403 and "Break-the-glass" in response.json()["detail"]
    assert "Avery" not in response.content.decode()
    [event] = _events_since(before)
    assert (event.action, event.outcome, event.patient) == (
        Action.ACCESS_REFUSED,
        Outcome.REFUSED,
        world.patient_a,
    )


def test_an_unknown_patient_is_a_404(world, api_client):
    response = api_client(world.alice).get("/api/v1/patients/00000000-0000-0000-0000-000000000000/consents")
    assert response.status_code == 404


def test_a_complete_consent_is_recorded_witnessed_by_the_caller_audited_once(world, api_client):
    provider = therapist()
    client = api_client(world.ivan)
    before = _last_seq()
    response = client.post(
        f"/api/v1/patients/{world.patient_a.uuid}/consents",
        consent_body(world, provider),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "active" and body["kind"] == "part2"
    assert body["categories"] == ["attendance", "treatment_plan"] and body["purposes"] == ["treatment"]
    # Until the discharge of the stay open now: enforced, so no moment is known yet.
    assert body["expires_at_discharge"] is True and body["expires_at"] is None and body["expiry_event"] == ""
    consent = Consent.objects.get(uuid=body["uuid"])
    assert consent.witnessed_by == world.ivan and consent.recipient == provider
    [event] = _events_since(before)
    assert (event.action, event.patient, event.detail["kind"]) == (Action.CREATE, world.patient_a, "part2")


def test_a_single_tpo_consent_needs_no_named_recipient(world, api_client):
    response = api_client(world.alice).post(
        f"/api/v1/patients/{world.patient_a.uuid}/consents",
        consent_body(world, recipient=None, tpo=True, purposes=["treatment", "payment"]),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["recipient"] is None and response.json()["tpo"] is True


@pytest.mark.parametrize(
    ("changes", "location", "message"),
    [
        # The §2.31 combination rules: the engine's reason, at the body.
        ({"categories": ["sud_counselling_notes", "attendance"]}, ("body",), MESSAGES[SUD_NOTES_RULE]),
        ({"purposes": ["legal_proceedings", "treatment"]}, ("body",), MESSAGES[LEGAL_COMBINED]),
        ({"tpo": True}, ("body",), "Name one recipient, or make it a single"),
        ({"purposes": []}, ("body",), "Choose at least one purpose."),
        ({"categories": []}, ("body",), "Choose the information the consent covers."),
        # The other elements, each at its field.
        ({"expires_at_discharge": False}, ("body", "expires_on"), "Give an expiry date, discharge from the"),
        ({"disclosing_party": " "}, ("body", "disclosing_party"), "Name who may disclose"),
        ({"signed_name": "Not The Patient"}, ("body", "signed_name"), "Type the patient's full name"),
        ({"witnessed": False}, ("body", "witnessed"), "Confirm that you witnessed"),
        ({"revocation_explained": False}, ("body", "revocation_explained"), "Explain the right to revoke"),
        ({"recipient": "00000000-0000-0000-0000-000000000000"}, ("body", "recipient"), "valid choice"),
        ({"purposes": ["gossip"]}, ("body", "purposes", 0), ""),
    ],
)
def test_an_incomplete_or_forbidden_consent_is_a_422_and_nothing_is_saved(
    world, api_client, changes, location, message
):
    response = api_client(world.alice).post(
        f"/api/v1/patients/{world.patient_a.uuid}/consents",
        consent_body(world, **changes),
        content_type="application/json",
    )
    errors = _errors(response)
    assert location in errors, errors
    assert message in errors[location]
    assert not Consent.objects.exists()


def test_a_date_signed_in_the_future_is_refused(world, api_client):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = api_client(world.alice).post(
        f"/api/v1/patients/{world.patient_a.uuid}/consents",
        consent_body(world, signed_on=tomorrow),
        content_type="application/json",
    )
    assert ("body", "signed_on") in _errors(response)


def test_another_programs_clinician_may_not_record_a_consent(world, api_client):
    response = api_client(world.charlie).post(
        f"/api/v1/patients/{world.patient_a.uuid}/consents",
        consent_body(world),
        content_type="application/json",
    )
    assert response.status_code == 403 and not Consent.objects.exists()
    assert AuditEvent.objects.filter(action=Action.ACCESS_REFUSED, actor=world.charlie).count() == 1


# --- revoking ----------------------------------------------------------------------------------------------


def test_revoking_stops_the_consent_then_revoking_again_is_a_409(world, api_client):
    consent = part2_consent(world.patient_a, therapist(), world.alice)
    client = api_client(world.dana)
    url = f"/api/v1/consents/{consent.uuid}/revoke"
    before = _last_seq()
    response = client.post(url, {"note": "In writing."}, content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "revoked" and body["revoked_by"]["uuid"] == str(world.dana.uuid)
    [event] = _events_since(before)
    assert (event.action, event.detail["change"]) == (Action.UPDATE, "revoked")
    again = client.post(url, {"note": "Twice."}, content_type="application/json")
    assert again.status_code == 409 and again.json()["detail"] == "This consent was already revoked."
    consent.refresh_from_db()
    assert consent.revocation_note == "In writing."


def test_revoking_needs_a_note(world, api_client):
    consent = part2_consent(world.patient_a, therapist(), world.alice)
    response = api_client(world.alice).post(
        f"/api/v1/consents/{consent.uuid}/revoke", {"note": ""}, content_type="application/json"
    )
    assert ("body", "note") in _errors(response)
    consent.refresh_from_db()
    assert consent.revoked_at is None


def test_a_clinician_off_the_care_team_may_not_revoke(world, api_client):
    consent = part2_consent(world.patient_a, therapist(), world.alice)
    response = api_client(world.bob).post(
        f"/api/v1/consents/{consent.uuid}/revoke", {"note": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    consent.refresh_from_db()
    assert consent.revoked_at is None


# --- the accounting of disclosures -------------------------------------------------------------------------


def _disclosed(world):
    provider = therapist()
    consent = part2_consent(world.patient_a, provider, world.alice)
    disclosure, _ = services.disclose(
        patient=world.patient_a,
        recipient=provider,
        purpose="treatment",
        categories=["attendance"],
        document=b"attendance record",
        media_type="text/plain",
        description="Attendance record",
        part2=False,
        by=world.alice,
    )
    return disclosure, consent


def test_the_accounting_lists_each_disclosure_with_its_consents_and_is_audited(world, api_client):
    disclosure, consent = _disclosed(world)
    client = api_client(world.dana)
    before = _last_seq()
    response = client.get(f"/api/v1/patients/{world.patient_a.uuid}/disclosures")
    assert response.status_code == 200
    [row] = response.json()
    assert row["uuid"] == str(disclosure.uuid) and row["consents"] == [str(consent.uuid)]
    assert (
        row["sha256"] == disclosure.sha256
        and row["recipient_text"] == "Jordan Outpatient (Harbor Counseling)"
    )
    assert row["disclosed_by"]["uuid"] == str(world.alice.uuid)
    [event] = _events_since(before)
    assert (event.action, event.detail["page"], event.detail["channel"]) == (Action.VIEW, "accounting", "api")


def test_no_disclosures_is_an_empty_accounting(world, api_client):
    response = api_client(world.paul).get(f"/api/v1/patients/{world.patient_a.uuid}/disclosures")
    assert response.status_code == 200 and response.json() == []


def test_the_intake_coordinator_may_not_read_the_accounting(world, api_client):
    _disclosed(world)
    response = api_client(world.ivan).get(f"/api/v1/patients/{world.patient_a.uuid}/disclosures")
    assert response.status_code == 403
    assert "Jordan" not in response.content.decode()
