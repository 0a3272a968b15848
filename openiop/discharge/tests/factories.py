"""Building blocks for discharge tests: a started discharge and the records that satisfy its checklist."""

import datetime

from django.utils import timezone

from openiop.coordination.models import Provider, ProviderRole
from openiop.discharge import services
from openiop.measures.models import Administration, MeasureSchedule, Occasion
from openiop.notes.models import Note, NoteStatus, NoteType
from openiop.safety.models import Plan, PlanKind, PlanStatus


def active_episode(patient):
    return patient.episodes.get(status="active")


def start(patient, by, *, reason="completed", planned_on=None, **fields):
    return services.discharge_start(
        episode=active_episode(patient),
        reason=reason,
        planned_on=planned_on or timezone.localdate(),
        by=by,
        **fields,
    )


def provider(name="Riley Outpatient") -> Provider:
    found, _ = Provider.objects.get_or_create(
        name=name, defaults={"role": ProviderRole.OUTPATIENT_THERAPIST, "organization": "Harbor Counseling"}
    )
    return found


def appointment(discharge, by, **fields):
    values = {
        "starts_at": timezone.now() + datetime.timedelta(days=3),
        "purpose": "Outpatient therapy",
        "provider": provider(),
        "location": "Harbor Counseling, 2nd floor",
    }
    values.update(fields)
    return services.aftercare_add(discharge=discharge, by=by, **values)


def signed_discharge_note(episode, author, *, on=None):
    return Note.objects.create(
        patient=episode.patient,
        episode=episode,
        note_type=NoteType.DISCHARGE,
        format_id="dap",
        format_version="1",
        author=author,
        date_of_service=on or timezone.localdate(),
        status=NoteStatus.SIGNED,
        signed_at=timezone.now(),
    )


def signed_safety_plan(patient, by):
    return Plan.objects.create(
        patient=patient,
        kind=PlanKind.SAFETY,
        number=1,
        status=PlanStatus.SIGNED,
        structure_id="stanley-brown",
        structure_version="1",
        signed_at=timezone.now(),
        created_by=by,
    )


def schedule_at_discharge(program, code="PHQ-9"):
    return MeasureSchedule.objects.create(program=program, instrument_code=code, occasion=Occasion.DISCHARGE)


def administered(episode, code="PHQ-9", *, on=None):
    return Administration.objects.create(
        episode=episode,
        patient=episode.patient,
        instrument_code=code,
        instrument_version="1.0.0",
        occasion=Occasion.DISCHARGE,
        completed_on=on or timezone.localdate(),
        status="complete",
        total=4,
    )


def make_ready(discharge, by):
    """Everything done: an appointment, support groups, a crisis plan, a signed note (no measures scheduled)."""
    appointment(discharge, by)
    discharge = services.discharge_update(
        discharge=discharge,
        version=discharge.version,
        by=by,
        support_groups="SMART Recovery, Tuesdays 7 pm",
        crisis_plan="Call 988; go to the nearest emergency department.",
    )
    signed_discharge_note(discharge.episode, by)
    return discharge
