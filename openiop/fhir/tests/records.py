"""Builders of the records behind Encounter, Group, ServiceRequest and Consent, on the walk's world (plain
functions, as in routes.py: each builds once per world)."""

import datetime

from django.utils import timezone

from openiop.coordination.models import Consent, Provider, ProviderRole
from openiop.intake.models import Referral, ReferralSource, ReferralStatus, Urgency
from openiop.scheduling.models import GroupMembership, GroupSeries, SessionKind, SessionType


def active_episode(w):
    return w.patient_a.episodes.get(status="active")


def attended_booking(w):
    """patient_a's booking in the walk's group session, recorded present: an Encounter."""
    from .routes import group_booking  # routes.py imports this module

    booking = group_booking(w)
    if booking.status == "scheduled":
        booking.status = "present"
        booking.minutes_attended = 180
        booking.recorded_by = w.alice
        booking.recorded_at = timezone.now()
        booking.save()
    return booking


def encounter(w) -> str:
    booking = attended_booking(w)
    return f"{w.session.uuid}.{booking.pk}"


def group(w) -> GroupSeries:
    """A Monday group of program A with patient_a on its roster since 8 September 2026."""
    if not hasattr(w, "fhir_group"):
        session_type, _ = SessionType.objects.get_or_create(
            name="Group therapy", defaults={"kind": SessionKind.GROUP_THERAPY, "default_minutes": 180}
        )
        w.fhir_group = GroupSeries.objects.create(
            program=w.program_a,
            track=w.track_a,
            session_type=session_type,
            name="Monday process group",
            weekday=0,
            start_time=datetime.time(9),
            end_time=datetime.time(12),
            starts_on=datetime.date(2026, 9, 7),
        )
        w.fhir_group.facilitators.set([w.alice])
        GroupMembership.objects.create(
            series=w.fhir_group, episode=active_episode(w), starts_on=datetime.date(2026, 9, 8)
        )
    return w.fhir_group


def referral(w) -> Referral:
    """The referral that brought patient_a to program A (admitted)."""
    if not hasattr(w, "fhir_referral"):
        episode = active_episode(w)
        existing = Referral.objects.filter(episode=episode, patient=w.patient_a).first()
        if existing is not None:  # the role walk's world may hold one already (one referral per episode)
            w.fhir_referral = existing
            return existing
        w.fhir_referral = Referral.objects.create(
            program=w.program_a,
            given_name=w.patient_a.legal_given_name,
            family_name=w.patient_a.legal_family_name,
            date_of_birth=w.patient_a.date_of_birth,
            source=ReferralSource.PRIMARY_CARE,
            referring_provider="Dr. Rowan Example",
            referring_organization="Riverside Primary Care",
            reason="Synthetic reason: low mood for two months",
            urgency=Urgency.SOON,
            status=ReferralStatus.ADMITTED,
            received_at=datetime.datetime(2026, 8, 28, 14, tzinfo=datetime.UTC),
            patient=w.patient_a,
            episode=None if Referral.objects.filter(episode=episode).exists() else episode,
            created_by=w.ivan,
        )
    return w.fhir_referral


def consent(w) -> Consent:
    """patient_a's Part 2 consent to tell their outpatient therapist about attendance and the plan."""
    if not hasattr(w, "fhir_consent"):
        provider, _ = Provider.objects.get_or_create(
            name="Jordan Outpatient",
            defaults={"role": ProviderRole.OUTPATIENT_THERAPIST, "organization": "Harbor Counseling"},
        )
        w.fhir_consent = Consent.objects.create(
            patient=w.patient_a,
            kind="part2",
            disclosing_party="Adult Mental Health IOP",
            recipient=provider,
            purposes=["treatment"],
            categories=["attendance", "treatment_plan"],
            expires_on=datetime.date(2027, 9, 8),
            signed_name="Avery Synthetic",
            signed_on=datetime.date(2026, 9, 8),
            signed_at=datetime.datetime(2026, 9, 8, 15, tzinfo=datetime.UTC),
            witnessed_by=w.alice,
        )
    return w.fhir_consent
