"""Demo discharges: every discharged demo episode gets a closed discharge (its reason, one aftercare
appointment), and one active episode of "clinician"'s caseload a discharge in progress with parts missing,
so the checklist, the chart panel and my day show something. Idempotent: nothing when any exists."""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from openiop.coordination.models import Provider
from openiop.intake.models import Direction, LevelOfCare
from openiop.patients.models import CareTeamMember, CareTeamRole, EpisodeOfCare, EpisodeStatus

from . import services
from .models import AftercareAppointment, Discharge, DischargeStatus


def _reason_and_level(episode) -> tuple[str, str]:
    leaving = (
        episode.level_transitions.filter(from_level=LevelOfCare.INTENSIVE_OUTPATIENT)
        .exclude(to_level=LevelOfCare.INTENSIVE_OUTPATIENT)
        .order_by("-on", "-created_at")
        .first()
    )
    if leaving is None:
        return "completed", ""
    return ("stepped_up" if leaving.direction == Direction.STEP_UP else "stepped_down"), leaving.to_level


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def load_demo_discharges(*, today: datetime.date) -> int:
    """Returns the number of records created (0 when already loaded)."""
    if Discharge.objects.exists():
        return 0
    clinician = get_user_model().objects.get(username="clinician")
    provider = Provider.objects.filter(organization__endswith="(demo)").order_by("name").first()
    created = 0
    discharged = EpisodeOfCare.objects.filter(
        status=EpisodeStatus.DISCHARGED, discharged_on__isnull=False
    ).order_by("pk")
    for episode in discharged:
        primary = (
            CareTeamMember.objects.filter(episode=episode, role=CareTeamRole.PRIMARY_CLINICIAN)
            .select_related("user")
            .first()
        )
        by = primary.user if primary else clinician
        reason, level = _reason_and_level(episode)
        day = episode.discharged_on
        discharge = Discharge.objects.create(
            episode=episode,
            reason=reason,
            planned_on=day,
            to_level=level,
            support_groups="SMART Recovery, Tuesdays 7 pm, community center (demo)",
            crisis_plan="Call or text 988; the signed safety plan lists people and places (demo).",
            status=DischargeStatus.CLOSED,
            closed_on=day,
            closed_at=_at(day, 16),
            closed_by=by,
            created_by=by,
            updated_by=by,
        )
        AftercareAppointment.objects.create(
            discharge=discharge,
            starts_at=_at(day + datetime.timedelta(days=7), 10),
            provider=provider,
            provider_name="" if provider else "Harbor Counseling (demo)",
            purpose="First outpatient therapy appointment",
            location="Harbor Counseling, 12 Main St (demo)",
            phone="555-0100",
            created_by=by,
            updated_by=by,
        )
        created += 2
    member = (
        CareTeamMember.objects.filter(
            user=clinician, role=CareTeamRole.PRIMARY_CLINICIAN, episode__status=EpisodeStatus.ACTIVE
        )
        .select_related("episode__patient", "episode__program")
        .order_by("-episode__admitted_on", "episode__pk")
        .last()
    )
    if member is not None and member.episode.admitted_on:
        planned = max(today + datetime.timedelta(days=5), member.episode.admitted_on)
        discharge = services.discharge_start(
            episode=member.episode,
            reason="completed",
            planned_on=planned,
            support_groups="Peer support group, Thursdays 6 pm (demo)",
            by=clinician,
            today=today,
        )
        services.aftercare_add(
            discharge=discharge,
            starts_at=_at(planned + datetime.timedelta(days=6), 15),
            provider=provider,
            provider_name="" if provider else "Harbor Counseling (demo)",
            purpose="Outpatient therapy after the program",
            is_telehealth=True,
            by=clinician,
        )
        created += 2  # the discharge note is left to write: the checklist shows it missing
    return created
