"""A consent expiring at the patient's discharge from the program (issue 11): enforced at the moment of
disclosure, from the discharge that ends the stay during which it was signed; shown to staff, the patient,
the recipient (the §2.32 consent copy), the API and FHIR; old free-text consents switched by a migration."""

import datetime
import importlib
import zoneinfo

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B.consent import Consent as FhirConsent
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openiop.audit.models import Action, AuditEvent
from openiop.coordination import consent_rules as cr
from openiop.coordination import services
from openiop.coordination.models import Consent, Disclosure, discharge_moment
from openiop.coordination.selectors import consent_rows
from openiop.discharge import checklist
from openiop.discharge import services as discharge_services
from openiop.fhir.mapping.common import instant
from openiop.fhir.resources import consent_to_fhir
from openiop.intake.models import LevelOfCare
from openiop.intake.services.admissions import level_transition_record
from openiop.patients.models import EpisodeOfCare, EpisodeStatus

from .factories import part2_consent, therapist

pytestmark = pytest.mark.django_db

LOCAL = zoneinfo.ZoneInfo(django_settings.TIME_ZONE)
START = datetime.datetime(2027, 3, 10, 15, 0, tzinfo=LOCAL).astimezone(datetime.UTC)
SECOND = datetime.timedelta(seconds=1)


class Clock:
    def __init__(self):
        self.now = START

    def advance(self, **delta):
        self.now += datetime.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    """`timezone.now` (and with it `localdate`) is this clock, which only moves when told."""
    clock = Clock()
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    return clock


def at_discharge(world, provider, **kw):
    kw.setdefault("expires_on", None)
    return part2_consent(world.patient_a, provider, world.alice, expires_at_discharge=True, **kw)


def discharge(world, episode=None, *, on=None):
    """Discharge the episode through the discharge services (administrative: every requirement waived)."""
    episode = episode or world.patient_a.episodes.open().get()
    on = on or timezone.localdate()
    planned = discharge_services.discharge_start(
        episode=episode, reason="administrative", planned_on=on, by=world.alice
    )
    for requirement in checklist.REQUIREMENTS:
        discharge_services.requirement_waive(
            discharge=planned, requirement=requirement, reason="Left and cannot be reached", by=world.alice
        )
    return discharge_services.discharge_close(discharge=planned, by=world.alice, on=on)


def readmit(world) -> EpisodeOfCare:
    today = timezone.localdate()
    return EpisodeOfCare.objects.create(
        patient=world.patient_a,
        program=world.program_a,
        track=world.track_a,
        status=EpisodeStatus.ACTIVE,
        referred_on=today,
        admitted_on=today,
    )


def disclose(world, provider):
    return services.disclose(
        patient=world.patient_a,
        recipient=provider,
        purpose="treatment",
        categories=["attendance"],
        document=services.PdfSource("pdf/base.html", {}),
        media_type=services.PDF,
        description="Attendance",
        by=world.alice,
    )


def fresh(consent) -> Consent:
    return Consent.objects.select_related("recipient").get(pk=consent.pk)


# --- the rule, through the disclosure service -----------------------------------------------------------------


def test_allowed_before_the_discharge_and_refused_after_it_with_one_refused_event_and_no_row(world, clock):
    provider = therapist()
    consent = at_discharge(world, provider, expires_on=timezone.localdate() + datetime.timedelta(days=90))
    clock.advance(hours=1)
    disclose(world, provider)
    clock.advance(hours=1)
    closed = discharge(world)
    clock.advance(seconds=1)
    rows, events = Disclosure.objects.count(), AuditEvent.objects.filter(action=Action.EXPORT).count()
    with pytest.raises(services.DisclosureRefused) as refused:
        disclose(world, provider)
    assert refused.value.decision.reason == cr.EXPIRED
    assert Disclosure.objects.count() == rows == 1
    [event] = AuditEvent.objects.filter(action=Action.EXPORT).order_by("seq")[events:]
    assert event.outcome == "refused" and event.detail["reason"] == cr.EXPIRED
    consent = fresh(consent)
    # Closed the same day: the consent ended the moment the discharge was closed, before its date.
    assert consent.expires_at() == consent.discharge_ended_at() == closed.closed_at
    assert consent.status_at(clock.now) == "expired"
    assert consent.status_at(closed.closed_at - SECOND) == "active"


def test_an_expiry_date_before_the_discharge_still_ends_the_consent_first(world, clock):
    provider = therapist()
    consent = at_discharge(world, provider, expires_on=timezone.localdate())
    clock.advance(days=1)
    with pytest.raises(services.DisclosureRefused, match="expired"):
        disclose(world, provider)
    discharge(world)
    consent = fresh(consent)
    assert consent.expires_at() == consent.date_expires_at() and consent.discharge_ended_at() is None


def test_a_consent_signed_after_an_earlier_discharge_is_not_ended_by_it(world, clock):
    provider = therapist()
    discharge(world)
    clock.advance(days=20)
    readmit(world)
    clock.advance(hours=1)
    consent = at_discharge(world, provider)
    clock.advance(hours=1)
    disclosure, _ = disclose(world, provider)
    assert list(disclosure.consents.all()) == [consent]
    assert fresh(consent).expires_at() is None


def test_readmission_does_not_revive_a_consent_ended_by_discharge(world, clock):
    provider = therapist()
    consent = at_discharge(world, provider)
    clock.advance(hours=1)
    closed = discharge(world)
    clock.advance(days=3)
    readmit(world)
    clock.advance(hours=1)
    with pytest.raises(services.DisclosureRefused, match="expired"):
        disclose(world, provider)
    # Nor does the next discharge move it: the first one after the signature ended it.
    clock.advance(days=2)
    discharge(world)
    assert fresh(consent).expires_at() == closed.closed_at


def test_a_discharge_closed_after_the_last_day_ends_the_consent_at_the_end_of_that_day(world, clock):
    provider = therapist()
    consent = at_discharge(world, provider)
    last_day = timezone.localdate()
    clock.advance(days=2)
    closed = discharge(world, on=last_day)
    end_of_last_day = datetime.datetime.combine(
        last_day + datetime.timedelta(days=1), datetime.time(), tzinfo=LOCAL
    )
    assert closed.closed_at > end_of_last_day
    assert fresh(consent).expires_at() == end_of_last_day


def test_a_discharge_recorded_with_a_day_only_holds_through_that_local_day(world, clock):
    """A change of level of care leaving the program discharges the episode with a day and no closing time."""
    provider = therapist()
    consent = at_discharge(world, provider)
    clock.advance(hours=1)
    level_transition_record(
        episode=world.patient_a.episodes.get(),
        from_level=LevelOfCare.INTENSIVE_OUTPATIENT,
        to_level=LevelOfCare.PARTIAL_HOSPITALIZATION,
        on=timezone.localdate(),
        reason="Needs more structure",
        by=world.alice,
    )
    midnight = datetime.datetime.combine(
        timezone.localdate() + datetime.timedelta(days=1), datetime.time(), tzinfo=LOCAL
    )
    consent = fresh(consent)
    assert consent.expires_at() == midnight
    clock.now = midnight - SECOND
    disclose(world, provider)
    clock.now = midnight
    with pytest.raises(services.DisclosureRefused, match="expired"):
        disclose(world, provider)


def test_discharge_moment_is_the_closing_time_but_never_after_the_last_day():
    day = datetime.date(2027, 3, 13)  # the day before daylight saving time starts
    end = datetime.datetime(2027, 3, 14, tzinfo=LOCAL)
    assert discharge_moment(day, None) == end
    assert discharge_moment(day, end - SECOND) == end - SECOND
    assert discharge_moment(day, end + datetime.timedelta(days=2)) == end


# --- recording and signing ------------------------------------------------------------------------------------


def test_a_consent_needs_an_expiry_date_the_discharge_or_another_event(world):
    provider = therapist()
    with pytest.raises(ValidationError) as error:
        part2_consent(world.patient_a, provider, world.alice, expires_on=None)
    assert "Give an expiry date, discharge" in error.value.message_dict["expires_on"][0]
    assert not Consent.objects.exists()
    assert at_discharge(world, provider).expires_at_discharge
    assert part2_consent(world.patient_a, provider, world.alice, expires_on=None, expiry_event="Moving away")


def test_no_consent_expiring_at_discharge_for_a_patient_not_in_the_program(world, clock):
    discharge(world)
    with pytest.raises(ValidationError) as error:
        at_discharge(world, therapist())
    assert error.value.message_dict["expires_at_discharge"] == [services.DISCHARGE_WITHOUT_STAY]
    assert not Consent.objects.exists()


def test_a_portal_consent_expiring_at_discharge_cannot_be_signed_once_the_patient_left(world, clock):
    consent = services.consent_prepare_for_portal(
        patient=world.patient_a,
        kind="part2",
        disclosing_party="Program A IOP",
        by=world.alice,
        recipient=therapist(),
        purposes=["treatment"],
        categories=["attendance"],
        expires_at_discharge=True,
    )
    clock.advance(hours=1)
    discharge(world)
    with pytest.raises(services.ConsentChanged, match="leave the program"):
        services.consent_sign_in_portal(
            consent=consent, signed_name="Avery Synthetic", version=consent.updated_at, by=world.pat_a
        )
    assert Consent.with_unsigned.get(pk=consent.pk).signed_at is None


# --- reading: lists in a fixed number of queries, the screens, the API, FHIR -----------------------------------


def test_the_consent_list_loads_the_discharges_once_for_any_number_of_consents(world, clock):
    provider = therapist()

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            statuses = [status for _, status in consent_rows(world.patient_a, now=clock.now)]
        assert set(statuses) == {"expired"}
        return len(captured)

    at_discharge(world, provider)
    clock.advance(hours=1)
    discharge(world)
    clock.advance(hours=1)
    one = queries()
    for _ in range(3):
        Consent.objects.create(
            **{
                f.name: getattr(Consent.objects.first(), f.name)
                for f in Consent._meta.concrete_fields
                if f.name not in ("id", "uuid")
            }
        )
    assert Consent.objects.count() == 4
    assert queries() == one


def test_staff_see_the_discharge_rule_and_that_another_event_is_not_checked(world, client_for, clock):
    provider = therapist()
    enforced = at_discharge(world, provider)
    words = part2_consent(world.patient_a, provider, world.alice, expires_on=None, expiry_event="Moving away")
    client = client_for(world.alice)
    home = client.get(reverse("coordination:patient_home", args=[world.patient_a.uuid])).content.decode()
    assert "at discharge from the program" in home
    assert "Moving away" in home and "not checked by the system" in home
    clock.advance(hours=1)
    discharge(world)
    clock.advance(hours=1)
    client = client_for(world.alice)  # again: the session timed out while the clock moved
    response = client.get(reverse("coordination:consent_detail", args=[enforced.uuid]))
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    page = response.content.decode()
    assert "discharge from the program: it allows no disclosure." in page
    page = client.get(reverse("coordination:consent_detail", args=[words.uuid])).content.decode()
    assert "not checked by the system" in page and "In force." in page


def test_the_patient_and_the_recipient_read_when_it_ends(world):
    consent = at_discharge(world, therapist(), expires_on=timezone.localdate() + datetime.timedelta(days=30))
    plain = render_to_string("portal/consents/_plain.html", {"consent": consent})
    assert "Until you leave the program (your discharge)" in plain
    copy = render_to_string(
        "coordination/pdf/part2_notice.html",
        {"consents": [consent], "patient": world.patient_a, "recipient": consent.recipient},
    )
    assert "when the patient is discharged from the program, whichever comes first" in copy


def test_the_api_gives_the_moment_the_discharge_ended_it(world, client, clock):
    from openiop.accounts.services import token_create

    at_discharge(world, therapist())
    clock.advance(hours=1)
    closed = discharge(world)
    clock.advance(hours=1)
    _, raw = token_create(user=world.alice, name="test")
    response = client.get(
        f"/api/v1/patients/{world.patient_a.uuid}/consents", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    [body] = response.json()
    assert body["status"] == "expired" and body["expires_at_discharge"] is True
    assert datetime.datetime.fromisoformat(body["expires_at"]) == closed.closed_at


def test_fhir_gives_the_discharge_as_the_end_of_the_provision(world, clock):
    consent = at_discharge(world, therapist(), expires_on=timezone.localdate() + datetime.timedelta(days=30))
    resource = consent_to_fhir(fresh(consent))
    assert resource["provision"]["period"]["end"] == consent.expires_on.isoformat()
    clock.advance(hours=1)
    closed = discharge(world)
    clock.advance(hours=1)
    resource = consent_to_fhir(Consent.objects.select_related("patient", "recipient").get(pk=consent.pk))
    FhirConsent.model_validate(resource)
    assert resource["status"] == "inactive"
    assert resource["provision"]["period"]["end"] == instant(closed.closed_at)


# --- the data migration ---------------------------------------------------------------------------------------


def test_the_migration_switches_only_the_discharge_wording(world):
    migration = importlib.import_module("openiop.coordination.migrations.0004_consent_expires_at_discharge")
    provider = therapist()
    texts = ["Discharge from the program", "discharge from the program.", "Discharge", "Discharge or 90 days"]
    consents = [
        part2_consent(world.patient_a, provider, world.alice, expires_on=None, expiry_event=text)
        for text in texts
    ]
    migration.to_structured(apps, None)
    after = [(c.expires_at_discharge, c.expiry_event) for c in map(fresh, consents)]
    assert after == [(True, ""), (True, ""), (False, "Discharge"), (False, "Discharge or 90 days")]


# --- the pure rule --------------------------------------------------------------------------------------------

T0 = datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC)
moments = st.integers(-1000, 1000).map(lambda h: T0 + datetime.timedelta(hours=h))


@given(
    date_expiry=st.none() | moments,
    at_discharge=st.booleans(),
    signed_at=moments,
    discharges=st.lists(moments, max_size=4),
    extra=moments,
)
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # plain data; the CPU may be busy
def test_expiry_is_never_after_the_date_and_only_later_discharges_move_it_earlier(
    date_expiry, at_discharge, signed_at, discharges, extra
):
    def expiry(ds):
        return cr.expiry(
            date_expiry=date_expiry, at_discharge=at_discharge, signed_at=signed_at, discharges=ds
        )

    result = expiry(discharges)
    if not at_discharge:
        assert result == date_expiry
    if date_expiry is not None:
        assert result is not None and result <= date_expiry
    if result is not None:
        assert result == date_expiry or (at_discharge and result in discharges and result > signed_at)
    # One more discharge: before the signature it changes nothing; after it, it can only bring the end
    # forward (a readmission and a later discharge never revive the consent).
    more = expiry([*discharges, extra])
    if extra <= signed_at or not at_discharge:
        assert more == result
    else:
        assert more is not None and (result is None or more <= result)
