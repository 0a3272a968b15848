"""Reading authorizations: loaders that check the rules and audit, and usage computed from attendance.

Usage reads the episodes' bookings at once (built like `scheduling.selectors.ledger_records`, the weekly
ledger's own records) and hands them to the pure core (usage.py) for each authorization.
"""

import datetime
from dataclasses import dataclass

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from openiop.accounts.models import Role
from openiop.patients.models import EpisodeOfCare, EpisodeStatus, Patient
from openiop.patients.selectors import patient_checked
from openiop.programs.models import Program
from openiop.scheduling.models import SessionAttendee
from openiop.scheduling.selectors import closed_dates, records_of_bookings

from . import usage
from .models import PayerAuthorization

VIEW = "utilization.view_patient_authorizations"
MANAGE = "utilization.manage_patient_authorizations"
PRINT = "utilization.print_patient_review"
# The alert states in words (never colour alone), most urgent first as usage.Usage.alerts orders them.
ALERT_LABELS = {
    "exhausted": _("all authorized units used"),
    "near_limit": _("80% or more used"),
    "expired": _("expired"),
    "ending_soon": _("ends within 7 days"),
}


def check_patient(request, patient: Patient, *, permission: str = VIEW, **kwargs) -> Patient:
    """Check `permission` on the patient (reading: break-the-glass raises BreakGlassRequired) and audit."""
    return patient_checked(request, patient, permission=permission, reading=VIEW, **kwargs)


def episode_for_user(request, episode_uuid, **kwargs) -> EpisodeOfCare:
    episode = get_object_or_404(EpisodeOfCare.objects.select_related("patient", "program"), uuid=episode_uuid)
    check_patient(request, episode.patient, obj=episode, **kwargs)
    return episode


def authorization_for_user(request, authorization_uuid, **kwargs) -> PayerAuthorization:
    authorization = get_object_or_404(
        PayerAuthorization.objects.select_related("episode__patient", "episode__program"),
        uuid=authorization_uuid,
    )
    check_patient(request, authorization.episode.patient, obj=authorization, **kwargs)
    return authorization


def patient_for_user(request, patient_uuid, **kwargs) -> Patient:
    patient = get_object_or_404(Patient, uuid=patient_uuid)
    check_patient(request, patient, **kwargs)
    return patient


@dataclass(frozen=True)
class Row:
    authorization: PayerAuthorization
    usage: usage.Usage | None  # None once ended: an ended authorization no longer counts or alerts

    @property
    def alerts(self) -> list[str]:
        return self.usage.alerts if self.usage else []

    @property
    def alert_labels(self) -> list[str]:
        return [str(ALERT_LABELS[key]) for key in self.alerts]


def _records_by_episode(episodes: list[EpisodeOfCare]) -> dict[int, list]:
    """The weekly ledger's records of each episode, in three queries whatever their number (bookings, and
    closures per program), built exactly as one episode's ledger builds them."""
    bookings: dict[int, list[SessionAttendee]] = {episode.pk: [] for episode in episodes}
    for booking in (
        SessionAttendee.objects.filter(episode__in=episodes).select_related("session").order_by("pk")
    ):
        bookings[booking.episode_id].append(booking)
    by_program: dict[int, list[SessionAttendee]] = {}
    for episode in episodes:
        by_program.setdefault(episode.program_id, []).extend(bookings[episode.pk])
    closed = {program_id: closed_dates(program_id, found) for program_id, found in by_program.items()}
    return {
        episode.pk: records_of_bookings(bookings[episode.pk], closed=closed[episode.program_id])
        for episode in episodes
    }


def rows_of(authorizations, *, today: datetime.date) -> list[Row]:
    """Each authorization with its usage, reading the attendance of all their episodes at once."""
    authorizations = list(authorizations)
    episodes = {a.episode.pk: a.episode for a in authorizations if a.is_active}
    # No active authorization (most charts): no attendance to read, not even an empty query to build.
    records = _records_by_episode(list(episodes.values())) if episodes else {}
    return [
        Row(a, usage.usage_of(records[a.episode.pk], a.as_core(), today=today) if a.is_active else None)
        for a in authorizations
    ]


def episode_rows(episode: EpisodeOfCare, *, today: datetime.date) -> list[Row]:
    # Through the episode's own manager each authorization's `episode` is the instance given (with the
    # program its caller loaded): no join of the episode and program rows again.
    authorizations = episode.payer_authorizations.all()
    return rows_of(authorizations.order_by("-starts_on", "-created_at"), today=today)


def patient_rows(patient: Patient, *, today: datetime.date) -> list[Row]:
    authorizations = PayerAuthorization.objects.filter(episode__patient=patient).select_related(
        "episode__program"
    )
    return rows_of(authorizations.order_by("-starts_on", "-created_at"), today=today)


def programs_of(user):
    """The programs whose authorizations `user` lists: a director's or intake coordinator's own
    programs; every program for an auditor."""
    if user.role == Role.AUDITOR:
        return Program.objects.order_by("name")
    if user.role in (Role.PROGRAM_DIRECTOR, Role.INTAKE_COORDINATOR):
        return Program.objects.filter(staff_profiles__user=user).order_by("name").distinct()
    return Program.objects.none()


def program_rows(
    user, *, today: datetime.date, program: Program | None = None, alert_only=False
) -> list[Row]:
    """Active authorizations of active episodes in `user`'s programs (or `program`, one of them), with
    usage; `alert_only` keeps those near the limit, ending soon or expired."""
    programs = programs_of(user)
    if program is not None:
        programs = programs.filter(pk=program.pk)
    authorizations = (
        PayerAuthorization.objects.active()
        .filter(episode__program__in=programs, episode__status=EpisodeStatus.ACTIVE)
        .select_related("episode__patient", "episode__program")
        .order_by("ends_on", "episode__patient__legal_family_name", "pk")
    )
    rows = rows_of(authorizations, today=today)
    if alert_only:
        rows = [row for row in rows if row.usage and row.usage.needs_attention]
    return rows
