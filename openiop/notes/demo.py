"""Demo notes: signed notes for the demo clinician's past sessions, a few unsigned ones past 24 h and 72 h,
and one signed group note fanned out to everyone who attended. Synthetic patients only.

Idempotent and deterministic: loaded once, as a whole (nothing is added once the demo clinician has any
note, so a load weeks later adds nothing); sessions are taken in calendar order, texts from fixed lists. Writes go
through the notes services, so the demo holds what the program itself would have produced, audit events
included.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from openiop.accounts.models import User
from openiop.patients.models import CareTeamMember, EpisodeStatus
from openiop.scheduling.models import GROUP_KINDS, Session, SessionAttendee, SessionStatus

from .models import ATTENDED, GroupNote, Note
from .objectives import active_objectives_of
from .services import EntryInput, group_note_save, group_note_sign, note_create, note_sign

CLINICIAN = "clinician"
SIGNED_NOTES = 6
DAP_TEXTS = [
    {
        "data": "Reports sleeping about six hours; used the wind-down routine four nights. PHQ-9 reviewed.",
        "assessment": "Gradual improvement in sleep and mood. Denies suicidal ideation; no safety concerns.",
        "plan": "Continue the routine; add one pleasant activity a day. Next session in one week.",
    },
    {
        "data": "Describes conflict at work; identified the thought 'I always fail' and rated belief 80%.",
        "assessment": "Engaged in cognitive restructuring; belief fell to 45% after reviewing evidence.",
        "plan": "Thought record twice before next session; review in group on Wednesday.",
    },
    {
        "data": "Attended with partner; both describe fewer arguments since the last session.",
        "assessment": "Communication skills generalising at home. Risk low.",
        "plan": "Practise the speaker-listener technique twice this week.",
    },
]
ENTRY_TEXTS = [
    (
        "Active; offered an example from home.",
        "Euthymic, congruent.",
        "Completed the thought record.",
        "Share one alternative thought next session.",
    ),
    (
        "Quiet at first, then engaged in pair work.",
        "Anxious, brightened later.",
        "Named two triggers.",
        "Practise paced breathing daily.",
    ),
    (
        "Supported others; on topic.",
        "Calm, full range.",
        "Used a coping skill twice this week.",
        "Continue the daily skill log.",
    ),
]


def _clinician_sessions(clinician, today, *, group: bool):
    kinds = {"session_type__kind__in": GROUP_KINDS} if group else {}
    sessions = Session.objects.filter(
        clinicians=clinician, status=SessionStatus.SCHEDULED, date__lt=today, **kinds
    )
    if not group:
        sessions = sessions.exclude(session_type__kind__in=GROUP_KINDS)
    return sessions.select_related("session_type").distinct().order_by("-date", "-start_time", "pk")


def _attended(session):
    return SessionAttendee.objects.filter(
        session=session, status__in=ATTENDED, episode__patient__is_synthetic=True
    ).select_related("episode__patient")


def _signed_at(record) -> datetime.datetime:
    # Signed two hours after the service ended: on time, deterministic.
    end = datetime.datetime.combine(record.date_of_service, record.end_time or datetime.time(17))
    return timezone.make_aware(end) + datetime.timedelta(hours=2)


def _individual_notes(clinician, today) -> int:
    """Signed notes of the latest SIGNED_NOTES individual or family sessions someone attended."""
    chosen = []
    for session in _clinician_sessions(clinician, today, group=False)[:50]:
        booking = _attended(session).first()
        if booking is not None:
            chosen.append((session, booking))
        if len(chosen) == SIGNED_NOTES:
            break
    created = 0
    for index, (session, booking) in enumerate(chosen):
        if Note.objects.filter(session=session, patient=booking.episode.patient).exists():
            continue
        note = note_create(
            patient=booking.episode.patient,
            note_type="family" if session.session_type.kind == "family_therapy" else "individual",
            format_id="dap",
            session=session,
            content=DAP_TEXTS[index % len(DAP_TEXTS)],
            by=clinician,
            today=today,
        )
        note_sign(note=note, version=note.version, by=clinician, now=_signed_at(note))
        created += 1
    return created


def _unsigned_notes(clinician, today) -> int:
    """Two drafts past 24 h and two past 72 h, for patients on the clinician's caseload."""
    caseload = (
        CareTeamMember.objects.filter(
            user=clinician, episode__status=EpisodeStatus.ACTIVE, episode__patient__is_synthetic=True
        )
        .select_related("episode__patient")
        .order_by("episode__patient__record_number")
    )
    patients = [member.episode.patient for member in caseload][:4]
    created = 0
    for patient, days_ago in zip(patients, (2, 2, 4, 6), strict=False):
        day = today - datetime.timedelta(days=days_ago)
        if Note.objects.filter(patient=patient, author=clinician, date_of_service=day, session=None).exists():
            continue
        note_create(
            patient=patient,
            note_type="case_management",
            format_id="birp",
            content={"behavior": "Phoned about transport to group; bus pass expired.", "intervention": ""},
            date_of_service=day,
            start_time=datetime.time(14),
            end_time=datetime.time(14, 20),
            by=clinician,
            today=today,
        )
        created += 1
    return created


def _group_note(clinician, today) -> int:
    """The latest past group the clinician led that someone attended, documented once and signed."""
    for session in _clinician_sessions(clinician, today, group=True)[:10]:
        bookings = list(_attended(session))
        if not bookings or session.attendees.filter(status="scheduled").exists():
            continue
        if GroupNote.objects.filter(session=session).exists():
            return 0
        entries = {}
        for index, booking in enumerate(bookings):
            participation, mood, progress, plan_next = ENTRY_TEXTS[index % len(ENTRY_TEXTS)]
            objectives = active_objectives_of(booking.episode)[:1]
            entries[booking.episode.uuid] = EntryInput(
                participation=participation,
                mood_affect=mood,
                progress=progress,
                plan_next=plan_next,
                objectives=[objective.uuid for objective in objectives],
            )
        note = group_note_save(
            session=session,
            by=clinician,
            topic="Challenging unhelpful thoughts",
            interventions="CBT psychoeducation; thought records practised in pairs.",
            group_process="Cohesive; members offered each other alternative thoughts.",
            entries=entries,
            today=today,
        )
        group_note_sign(group_note=note, version=note.version, by=clinician, now=_signed_at(note))
        return 1 + len(entries)
    return 0


@transaction.atomic
def load_demo_notes(*, today: datetime.date) -> int:
    """Add the demo notes; returns how many notes and group entries were created (0 when already there)."""
    clinician = User.objects.filter(username=CLINICIAN).first()
    if clinician is None:
        return 0
    if Note.objects.filter(author=clinician).exists() or GroupNote.objects.filter(author=clinician).exists():
        # Loaded once, as a whole: a later load (even weeks later) adds no drafts relative to a new today.
        return 0
    return (
        _individual_notes(clinician, today)
        + _unsigned_notes(clinician, today)
        + _group_note(clinician, today)
    )
