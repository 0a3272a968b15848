"""Group (recurring groups' rosters), ServiceRequest (intake referrals) and Consent over FHIR: round trips
through R4B, the pages' permissions, paging, one audit event per read or search."""

import datetime
import json
import uuid

import pytest
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.consent import Consent as FhirConsent
from fhir.resources.R4B.group import Group
from fhir.resources.R4B.servicerequest import ServiceRequest

from openiop.audit.models import Action, AuditEvent, Outcome
from openiop.coordination.models import Consent
from openiop.fhir.mapping.consent import consent_resource
from openiop.fhir.mapping.encounter import group_resource
from openiop.fhir.mapping.intake import PRIORITY, STATUS, service_request_resource
from openiop.intake.models import Referral, ReferralStatus, Urgency
from openiop.scheduling.models import GroupMembership

from .records import consent, group, referral

BASE = "/fhir/r4"
NOW = datetime.datetime(2026, 11, 20, 12, tzinfo=datetime.UTC)
PATIENT_ID = uuid.UUID("5f0c8d2a-7f57-4a57-9d5e-8f7e4a9a1b22")


def round_trip(model, resource: dict) -> None:
    assert json.loads(model.model_validate(resource).model_dump_json(exclude_none=True)) == resource


def latest_event():
    return AuditEvent.objects.latest("seq")


# --- Group ---------------------------------------------------------------------------------------------------


def test_group_members_carry_their_roster_period_and_round_trip():
    other = uuid.uuid4()
    resource = group_resource(
        id=uuid.uuid4(),
        updated_at=NOW,
        name="Monday process group",
        active=True,
        session_type="Group therapy",
        program="Adult Mental Health IOP",
        track="Morning",
        schedule="Mondays 09:00–12:00",
        members=[
            (PATIENT_ID, datetime.date(2026, 9, 8), None),
            (other, datetime.date(2026, 9, 8), datetime.date(2026, 10, 1)),
        ],
        today=NOW.date(),
    )
    round_trip(Group, resource)
    assert resource["type"] == "person" and resource["actual"] is True and resource["quantity"] == 1
    current, ended = resource["member"]
    assert current == {
        "entity": {"reference": f"Patient/{PATIENT_ID}"},
        "period": {"start": "2026-09-08"},
        "inactive": False,
    }
    assert ended["period"] == {"start": "2026-09-08", "end": "2026-09-30"}  # the end date is exclusive here
    assert ended["inactive"] is True
    assert {
        "code": {"text": "Track"},
        "valueCodeableConcept": {"text": "Morning"},
        "exclude": False,
    } in resource["characteristic"]


@pytest.mark.django_db
def test_the_director_reads_a_group_with_its_roster_audited_once(fhir_as, world):
    series = group(world)
    client = fhir_as(world.dana)
    before = AuditEvent.objects.count()
    response = client.get(f"{BASE}/Group/{series.uuid}")
    assert response.status_code == 200, response.content
    resource = response.json()
    round_trip(Group, resource)
    assert [m["entity"]["reference"] for m in resource["member"]] == [f"Patient/{world.patient_a.uuid}"]
    assert resource["name"] == "Monday process group" and resource["quantity"] == 1
    assert response["ETag"] == f'W/"{resource["meta"]["versionId"]}"'
    assert AuditEvent.objects.count() == before + 1
    event = latest_event()
    assert event.action == Action.VIEW and event.detail == {
        "channel": "fhir",
        "resource": "Group",
        "members": 1,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["alice", "bob", "paul", "ivan", "charlie", "audrey"])
def test_only_the_director_sees_a_groups_roster(fhir_as, world, role):
    series = group(world)
    response = fhir_as(getattr(world, role)).get(f"{BASE}/Group/{series.uuid}")
    assert response.status_code == 403
    assert str(world.patient_a.uuid) not in response.content.decode()
    assert AuditEvent.objects.filter(actor=getattr(world, role), outcome=Outcome.REFUSED).count() == 1


@pytest.mark.django_db
def test_group_search_by_member_and_id_pages(fhir_as, world):
    series = group(world)
    second = group(world).__class__.objects.create(
        program=world.program_a,
        track=world.track_a,
        session_type=series.session_type,
        name="Wednesday skills group",
        weekday=2,
        start_time=datetime.time(9),
        end_time=datetime.time(12),
        starts_on=datetime.date(2026, 9, 7),
    )
    GroupMembership.objects.create(
        series=second,
        episode=world.patient_b.episodes.get(status="active"),
        starts_on=datetime.date(2026, 9, 8),
    )
    client = fhir_as(world.dana)
    everything = client.get(f"{BASE}/Group", {"_count": 1}).json()
    Bundle.model_validate(everything)
    assert everything["total"] == 2 and len(everything["entry"]) == 1
    assert everything["entry"][0]["resource"]["id"] == str(series.uuid)  # Monday before Wednesday
    mine = client.get(f"{BASE}/Group", {"member": f"Patient/{world.patient_a.uuid}"}).json()
    assert [e["resource"]["id"] for e in mine["entry"]] == [str(series.uuid)]
    event = latest_event()
    assert event.action == Action.LIST and event.patient_id == world.patient_a.pk
    by_id = client.get(f"{BASE}/Group", {"_id": str(second.uuid)}).json()
    assert [e["resource"]["id"] for e in by_id["entry"]] == [str(second.uuid)]
    assert client.get(f"{BASE}/Group", {"member": f"Patient/{world.patient_c.uuid}"}).json()["total"] == 0


# --- ServiceRequest ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", sorted(ReferralStatus.values))
@pytest.mark.parametrize("urgency", sorted(Urgency.values))
def test_every_referral_status_and_urgency_maps_and_round_trips(status, urgency):
    resource = service_request_resource(
        id=uuid.uuid4(),
        updated_at=NOW,
        patient_id=PATIENT_ID,
        episode_id=uuid.uuid4(),
        status=status,
        urgency=urgency,
        program="Adult Mental Health IOP",
        received_at=NOW,
        source_label="Primary care",
        referring_organization="Riverside Primary Care",
        reason="Synthetic reason",
    )
    round_trip(ServiceRequest, resource)
    assert resource["status"] == STATUS[status] and resource["priority"] == PRIORITY[urgency]
    assert resource["requester"] == {"display": "Riverside Primary Care"}
    assert (resource["status"] == "completed") == (status == "admitted")


def test_the_reason_is_left_out_for_callers_who_may_not_read_the_referral():
    resource = service_request_resource(
        id=uuid.uuid4(),
        updated_at=NOW,
        patient_id=PATIENT_ID,
        status="new",
        urgency="routine",
        program="Adult MH",
        received_at=NOW,
        source_label="Self",
        reason="Synthetic reason",
        with_reason=False,
    )
    assert "reasonCode" not in resource and resource["requester"] == {"display": "Self"}


@pytest.mark.django_db
def test_intake_reads_the_patients_referral_with_its_reason_audited_once(fhir_as, world):
    found = referral(world)
    client = fhir_as(world.ivan)
    before = AuditEvent.objects.count()
    response = client.get(f"{BASE}/ServiceRequest/{found.uuid}")
    assert response.status_code == 200, response.content
    resource = response.json()
    round_trip(ServiceRequest, resource)
    assert (
        resource["status"] == "completed"
        and resource["priority"] == "urgent"
        and resource["intent"] == "order"
    )
    assert resource["subject"] == {"reference": f"Patient/{world.patient_a.uuid}"}
    assert resource["reasonCode"] == [{"text": found.reason}]
    assert resource["requester"] == {"display": "Dr. Rowan Example, Riverside Primary Care"}
    assert resource["authoredOn"] == "2026-08-28T14:00:00Z"
    assert AuditEvent.objects.count() == before + 1
    event = latest_event()
    assert event.action == Action.VIEW and event.patient_id == world.patient_a.pk
    assert event.detail["resource"] == "ServiceRequest" and found.reason not in json.dumps(event.detail)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["alice", "paul", "charlie", "audrey"])
def test_the_care_team_does_not_read_referrals_through_fhir(fhir_as, world, role):
    found = referral(world)
    response = fhir_as(getattr(world, role)).get(f"{BASE}/ServiceRequest/{found.uuid}")
    assert response.status_code == 403
    assert found.reason not in response.content.decode()


@pytest.mark.django_db
def test_referral_search_shows_the_users_programs_referrals_of_the_patient(fhir_as, world):
    mine = referral(world)
    elsewhere = Referral.objects.create(
        program=world.program_b,
        given_name="Avery",
        family_name="Synthetic",
        source="self",
        reason="Synthetic: another program",
        received_at=datetime.datetime(2026, 10, 1, tzinfo=datetime.UTC),
        patient=world.patient_a,
    )
    unlinked = Referral.objects.create(
        program=world.program_a,
        given_name="Unlinked",
        family_name="Person",
        source="self",
        reason="Synthetic",
        received_at=datetime.datetime(2026, 10, 2, tzinfo=datetime.UTC),
    )
    client = fhir_as(world.ivan)
    bundle = client.get(f"{BASE}/ServiceRequest", {"patient": f"Patient/{world.patient_a.uuid}"}).json()
    Bundle.model_validate(bundle)
    assert [e["resource"]["id"] for e in bundle["entry"]] == [str(mine.uuid)]
    assert client.get(f"{BASE}/ServiceRequest/{elsewhere.uuid}").status_code == 403
    assert client.get(f"{BASE}/ServiceRequest/{unlinked.uuid}").status_code == 404
    assert (
        client.get(f"{BASE}/ServiceRequest", {"patient": f"Patient/{world.patient_c.uuid}"}).status_code
        == 403
    )


# --- Consent -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "state", "status", "scope", "categories"),
    [
        ("treatment", "active", "active", "treatment", 1),
        ("hipaa_authorization", "revoked", "inactive", "patient-privacy", 2),
        ("part2", "expired", "inactive", "patient-privacy", 2),
        ("part2", "active", "active", "patient-privacy", 2),
    ],
)
def test_consent_status_scope_category_policy_and_round_trip(kind, state, status, scope, categories):
    resource = consent_resource(
        id=uuid.uuid4(),
        updated_at=NOW,
        patient_id=PATIENT_ID,
        kind=kind,
        state=state,
        signed_at=NOW,
        signed_on=NOW.date(),
        expires_on=datetime.date(2027, 11, 20),
        disclosing_party="Adult Mental Health IOP",
        recipient="Jordan Outpatient (Harbor Counseling)" if kind != "treatment" else "",
        purposes=["treatment", "payment", "health_care_operations"],
        categories=[("attendance", "Attendance and hours")],
    )
    round_trip(FhirConsent, resource)
    assert resource["status"] == status
    assert resource["scope"]["coding"][0]["code"] == scope
    assert len(resource["category"]) == categories
    assert resource["category"][0]["coding"][0]["code"] == "59284-0"
    assert "policy" in resource or "policyRule" in resource  # invariant ppc-1
    if kind == "part2":
        assert resource["policy"] == [{"uri": "https://www.ecfr.gov/current/title-42/part-2"}]
        assert resource["provision"]["securityLabel"][0]["code"] == "ETH"
    provision = resource["provision"]
    assert [p["code"] for p in provision["purpose"]] == ["TREAT", "HPAYMT", "HOPERAT"]
    assert provision["period"] == {"start": "2026-11-20", "end": "2027-11-20"}
    assert ("actor" in provision) == (kind != "treatment")


@pytest.mark.django_db
def test_a_chart_reader_reads_a_consent_as_it_stands_now(fhir_as, world):
    signed = consent(world)
    client = fhir_as(world.alice)
    before = AuditEvent.objects.count()
    response = client.get(f"{BASE}/Consent/{signed.uuid}")
    assert response.status_code == 200, response.content
    resource = response.json()
    round_trip(FhirConsent, resource)
    assert resource["status"] == "active"
    assert resource["provision"]["actor"][0]["reference"] == {
        "display": "Jordan Outpatient (Harbor Counseling)"
    }
    assert [c["code"] for c in resource["provision"]["class"]] == ["attendance", "treatment_plan"]
    assert AuditEvent.objects.count() == before + 1
    event = latest_event()
    assert event.action == Action.VIEW and event.detail["resource"] == "Consent"
    Consent.objects.filter(pk=signed.pk).update(revoked_at=timezone.now(), revoked_by=world.alice)
    assert client.get(f"{BASE}/Consent/{signed.uuid}").json()["status"] == "inactive"


@pytest.mark.django_db
def test_an_expired_consent_is_inactive_with_a_new_version(fhir_as, world):
    signed = consent(world)
    saved = datetime.datetime(2026, 9, 8, 15, tzinfo=datetime.UTC)
    Consent.objects.filter(pk=signed.pk).update(updated_at=saved)
    client = fhir_as(world.alice)
    first = client.get(f"{BASE}/Consent/{signed.uuid}")
    assert first.json()["status"] == "active"
    # Time passes beyond the expiry date, with no save: the status, hence the version, changes.
    Consent.objects.filter(pk=signed.pk).update(expires_on=datetime.date(2026, 10, 1))
    second = client.get(f"{BASE}/Consent/{signed.uuid}")
    assert second.json()["status"] == "inactive"
    assert first["ETag"] != second["ETag"]


@pytest.mark.django_db
def test_consent_search_pages_and_bob_must_break_the_glass(fhir_as, world):
    signed = consent(world)
    treatment = Consent.objects.create(
        patient=world.patient_a,
        kind="treatment",
        disclosing_party="Adult Mental Health IOP",
        signed_name="Avery Synthetic",
        signed_on=datetime.date(2026, 9, 1),
        signed_at=datetime.datetime(2026, 9, 1, 15, tzinfo=datetime.UTC),
        witnessed_by=world.ivan,
    )
    query = {"patient": f"Patient/{world.patient_a.uuid}", "_count": 1}
    bundle = fhir_as(world.ivan).get(f"{BASE}/Consent", query).json()
    Bundle.model_validate(bundle)
    assert bundle["total"] == 2 and bundle["entry"][0]["resource"]["id"] == str(signed.uuid)
    nxt = next(link["url"] for link in bundle["link"] if link["relation"] == "next")
    second = fhir_as(world.ivan).get(nxt).json()
    assert second["entry"][0]["resource"]["id"] == str(treatment.uuid)
    event = latest_event()
    assert event.action == Action.LIST and event.patient_id == world.patient_a.pk
    refused = fhir_as(world.bob).get(f"{BASE}/Consent/{signed.uuid}")
    assert refused.status_code == 403 and "Break-the-glass" in refused.json()["issue"][0]["diagnostics"]
