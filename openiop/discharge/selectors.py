"""Reading discharges: the loader that checks the rules and audits, and the checklist snapshot.

`discharge_snapshot` reads everything `checklist.evaluate` needs in a handful of queries; the service calls
it again inside the closing transaction, so what was checked is what is closed.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Max
from django.shortcuts import get_object_or_404
from django.utils import timezone

from openiop.measures import due as due_core
from openiop.measures.models import Administration, MeasureSchedule, Occasion
from openiop.measures.registry import current_instruments
from openiop.notes.models import Note, NoteStatus, NoteType
from openiop.patients.models import EpisodeOfCare, Patient
from openiop.patients.selectors import patient_checked
from openiop.safety.models import Plan, PlanKind, PlanStatus

from . import checklist
from .models import AftercareAppointment, Discharge, DischargeStatus

VIEW = "discharge.view_patient_discharge"
MANAGE = "discharge.manage_patient_discharge"
SIGNED_NOTE_STATUSES = (NoteStatus.AWAITING_COSIGNATURE, NoteStatus.SIGNED)


def patient_for_discharge(request, patient: Patient, *, permission: str = VIEW, **kwargs) -> Patient:
    """Check `permission` on the patient (reading: break-the-glass raises BreakGlassRequired) and audit."""
    return patient_checked(request, patient, permission=permission, reading=VIEW, **kwargs)


def episode_for_discharge(request, episode_uuid, **kwargs) -> EpisodeOfCare:
    episode = get_object_or_404(EpisodeOfCare.objects.select_related("patient", "program"), uuid=episode_uuid)
    patient_for_discharge(request, episode.patient, **kwargs)
    return episode


def discharge_for_user(request, discharge_uuid, **kwargs) -> Discharge:
    discharge = get_object_or_404(
        Discharge.objects.select_related("episode__patient", "episode__program", "closed_by"),
        uuid=discharge_uuid,
    )
    patient_for_discharge(request, discharge.episode.patient, obj=discharge, **kwargs)
    return discharge


def appointment_for_user(request, appointment_uuid, **kwargs) -> AftercareAppointment:
    appointment = get_object_or_404(
        AftercareAppointment.objects.select_related("discharge__episode__patient"), uuid=appointment_uuid
    )
    patient_for_discharge(request, appointment.discharge.episode.patient, obj=appointment, **kwargs)
    return appointment


def discharge_of(episode: EpisodeOfCare) -> Discharge | None:
    try:
        return Discharge.objects.select_related("closed_by").get(episode=episode)
    except ObjectDoesNotExist:
        return None


def appointments_of(discharge: Discharge):
    return discharge.appointments.select_related("provider").order_by("starts_at", "id")


def signed_safety_plan(patient: Patient) -> Plan | None:
    return (
        Plan.objects.of(patient, PlanKind.SAFETY).filter(status=PlanStatus.SIGNED).order_by("-number").first()
    )


def discharge_instruments(program) -> tuple[str, ...]:
    """The instruments the program asks at discharge (those still in the library), sorted."""
    known = {instrument.code for instrument in current_instruments()}
    codes = MeasureSchedule.objects.filter(
        program=program, active=True, occasion=Occasion.DISCHARGE
    ).values_list("instrument_code", flat=True)
    return tuple(sorted({code for code in codes if code in known}))


def started_on(discharge: Discharge) -> datetime.date:
    return timezone.localdate(discharge.created_at) if discharge.created_at else timezone.localdate()


def discharge_snapshot(discharge: Discharge) -> checklist.Snapshot:
    episode = discharge.episode
    patient = episode.patient
    codes = discharge_instruments(episode.program)
    latest = dict(
        Administration.objects.in_use()
        .filter(episode=episode, instrument_code__in=codes)
        .values("instrument_code")
        .annotate(last=Max("completed_on"))
        .values_list("instrument_code", "last")
        .order_by("instrument_code")
    )
    notes = Note.objects.filter(
        patient=patient, note_type=NoteType.DISCHARGE, status__in=SIGNED_NOTE_STATUSES
    ).values_list("date_of_service", flat=True)
    return checklist.Snapshot(
        reason=discharge.reason,
        started_on=started_on(discharge),
        planned_on=discharge.planned_on,
        aftercare_count=discharge.appointments.count(),
        support_groups=discharge.support_groups,
        crisis_plan=discharge.crisis_plan,
        has_signed_safety_plan=signed_safety_plan(patient) is not None,
        signed_summary_dates=tuple(sorted(notes)),
        discharge_instruments=codes,
        latest_administered=latest,
        early_days=due_core.DISCHARGE_EARLY,
        waivers=dict(discharge.waivers.values_list("requirement", "reason")),
    )


def discharge_checklist(discharge: Discharge) -> list[checklist.Item]:
    return checklist.evaluate(discharge_snapshot(discharge))


@dataclass(frozen=True)
class Upcoming:
    discharge: Discharge
    missing: list[checklist.Item]


def upcoming_not_ready(user, today: datetime.date, days: int = 7) -> list[Upcoming]:
    """Open discharges planned within `days` (or overdue) of episodes where `user` is the primary
    clinician, with what is still missing; the ready ones are left out."""
    discharges = (
        Discharge.objects.filter(
            status=DischargeStatus.OPEN,
            planned_on__lte=today + datetime.timedelta(days=days),
            episode__care_team_members__user=user,
            episode__care_team_members__role="primary_clinician",
        )
        .select_related("episode__patient", "episode__program")
        .order_by("planned_on", "pk")
        .distinct()
    )
    found = []
    for discharge in discharges:
        missing = checklist.missing(discharge_checklist(discharge))
        if missing:
            found.append(Upcoming(discharge, missing))
    return found
