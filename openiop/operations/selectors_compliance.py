"""Reads for the compliance lists: the candidate obligations of a program (or one of its tracks), in a fixed
number of queries whatever the number of episodes, classified by `compliance.py`.

Where each list comes from (and the rule that keeps an obligation from being listed twice):
- Initial treatment plans, certifications and recertifications: the open `intake.DueItem` rows of active
  episodes (their services complete them: signing the first plan version, `certification_record`).
  Baseline measures too: the `BASELINE_MEASURES` due item, listed under measures.
- Certification expiry: the latest certification of an active episode is listed as a recertification due
  on its `valid_until` only when no open RECERTIFICATION due item covers the episode (recording a
  certification creates one, due that same day; a row added outside the service would not).
- Treatment plan reviews: the treatment app's `plan_states` (cadence from activation or the last review,
  brought forward by a triggered `PlanReview` still due); owner the active plan's responsible clinician,
  who "owns its reviews" and is the one the trigger's task goes to.
- Unsigned notes: notes and group notes still in draft (awaiting co-signature is signed by the author and
  not listed); owner the author. Group notes name no patient.
- Measures: weekly and discharge questionnaires from `measures.selectors.due_for_episodes` (the admission
  questionnaires are the BASELINE_MEASURES due item above); owner the primary clinician.
- Discharges: open discharges planned within a week or past whose checklist has parts missing, the
  checklist evaluated from snapshots built here in bulk exactly as `discharge_snapshot` builds one;
  owner who started the discharge, else the primary clinician.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Max, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from openiop.core.access import refuse
from openiop.core.predicates import is_auditor
from openiop.discharge import checklist
from openiop.discharge.models import AftercareAppointment, Discharge, DischargeStatus, DischargeWaiver
from openiop.discharge.selectors import SIGNED_NOTE_STATUSES, started_on
from openiop.intake.models import Certification, DueItem, DueItemKind
from openiop.measures import due as due_core
from openiop.measures.models import Administration, MeasureSchedule, Occasion
from openiop.measures.registry import current_instruments
from openiop.measures.selectors import due_for_episodes
from openiop.notes import timeliness
from openiop.notes.models import GroupNote, Note, NoteStatus, NoteType
from openiop.patients.models import CareTeamMember, CareTeamRole, EpisodeOfCare, EpisodeStatus
from openiop.programs.models import Program
from openiop.safety.models import Plan, PlanKind
from openiop.safety.models import PlanStatus as SafetyPlanStatus
from openiop.treatment.selectors import plan_states

from . import compliance as core

VIEW = "operations.view_program"
EXPORT = "operations.export_program"

DUE_ITEM_KINDS = {
    DueItemKind.INITIAL_TREATMENT_PLAN: core.INITIAL_PLAN,
    DueItemKind.CERTIFICATION: core.CERTIFICATION,
    DueItemKind.RECERTIFICATION: core.RECERTIFICATION,
    DueItemKind.BASELINE_MEASURES: core.MEASURES,
}


def compliance_programs(user):
    """Programs whose compliance lists `user` may open: auditors every program, directors their own."""
    if not user.has_perm("operations.view_compliance"):
        return Program.objects.none()
    if is_auditor(user):
        return Program.objects.order_by("name")
    return Program.objects.filter(staff_profiles__user=user).distinct().order_by("name")


def program_for_compliance(request, program_uuid, permission: str = VIEW) -> Program:
    """The program, or a recorded refusal (403) when the user may not read (or export) it."""
    program = get_object_or_404(Program, uuid=program_uuid)
    if not request.user.has_perm(permission, program):
        refuse(request, permission=permission, obj=program)
    return program


def _name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


@dataclass(frozen=True)
class _Context:
    """What every list needs about the program's episodes."""

    episodes: list  # active, and discharged recently enough for the discharge questionnaires
    active: dict  # pk -> active episode
    primary: dict  # episode pk -> primary clinician (user)


def _candidate(kind, episode, owner, what, *, due_on=None, service_ended=None) -> core.Candidate:
    patient = episode.patient if episode is not None else None
    return core.Candidate(
        kind=kind,
        episode_id=episode.pk if episode is not None else None,
        record_number=patient.record_number if patient else "",
        patient_name=patient.display_name if patient else "",
        owner_id=owner.pk if owner is not None else None,
        owner=_name(owner),
        what=what,
        due_on=due_on,
        service_ended=service_ended,
        subject=patient,
    )


def _context(program, track, today) -> _Context:
    since = today - datetime.timedelta(days=due_core.DISCHARGE_FOLLOW_UP_DAYS)
    episodes = EpisodeOfCare.objects.filter(program=program).filter(
        Q(status=EpisodeStatus.ACTIVE) | Q(status=EpisodeStatus.DISCHARGED, discharged_on__gte=since)
    )
    if track is not None:
        episodes = episodes.filter(track=track)
    episodes = list(episodes.select_related("patient", "program", "track").order_by("pk"))
    primary = {
        m.episode_id: m.user
        for m in CareTeamMember.objects.filter(
            episode__in=[e.pk for e in episodes], role=CareTeamRole.PRIMARY_CLINICIAN
        ).select_related("user")
    }
    active = {e.pk: e for e in episodes if e.status == EpisodeStatus.ACTIVE}
    return _Context(episodes, active, primary)


def _due_items(ctx: _Context) -> tuple[list[core.Candidate], set[int]]:
    """Open due items of active episodes, and the episodes with an open recertification item."""
    found, recert_open = [], set()
    items = DueItem.objects.open().filter(episode__in=list(ctx.active)).select_related("owner")
    for item in items:
        if item.kind == DueItemKind.RECERTIFICATION:
            recert_open.add(item.episode_id)
        kind = DUE_ITEM_KINDS.get(item.kind)
        if kind is not None:
            episode = ctx.active[item.episode_id]
            found.append(_candidate(kind, episode, item.owner, item.get_kind_display(), due_on=item.due_on))
    return found, recert_open


def _expiring_certifications(ctx: _Context, recert_open: set[int]) -> list[core.Candidate]:
    latest = {}
    for cert in Certification.objects.filter(episode__in=list(ctx.active)).select_related("certified_by"):
        best = latest.get(cert.episode_id)
        if best is None or (cert.certified_on, cert.pk) > (best.certified_on, best.pk):
            latest[cert.episode_id] = cert
    return [
        _candidate(
            core.RECERTIFICATION,
            ctx.active[episode_id],
            cert.certified_by,
            f"Certification expires {cert.valid_until.isoformat()}",
            due_on=cert.valid_until,
        )
        for episode_id, cert in latest.items()
        if episode_id not in recert_open
    ]


def _reviews(ctx: _Context, today) -> list[core.Candidate]:
    found = []
    for state in plan_states(list(ctx.active.values()), today=today):
        if state.standing.due != "review" or state.standing.due_on is None or state.active is None:
            continue
        triggered = [r for r in state.due_reviews if r.due_on == state.standing.due_on]
        what = (
            f"Plan review: {triggered[0].get_reason_display().lower()}"
            if triggered
            else "Scheduled plan review"
        )
        found.append(
            _candidate(
                core.PLAN_REVIEW,
                state.episode,
                state.active.responsible_clinician,
                f"{what} (version {state.active.number})",
                due_on=state.standing.due_on,
            )
        )
    return found


def _notes(program, track, tz) -> list[core.Candidate]:
    notes = Note.objects.filter(episode__program=program, status=NoteStatus.DRAFT)
    groups = GroupNote.objects.filter(session__program=program, status=NoteStatus.DRAFT)
    if track is not None:
        notes = notes.filter(episode__track=track)
        groups = groups.filter(session__series__track=track)
    found = [
        _candidate(
            core.UNSIGNED_NOTE,
            note.episode,
            note.author,
            f"{note.get_note_type_display()}, {note.date_of_service.isoformat()}",
            service_ended=timeliness.service_end(note.date_of_service, note.end_time, tz),
        )
        for note in notes.select_related("episode__patient", "author")
    ]
    found += [
        _candidate(
            core.UNSIGNED_NOTE,
            None,
            group.author,
            f"Group note: {group.topic}, {group.date_of_service.isoformat()}",
            service_ended=timeliness.service_end(group.date_of_service, group.end_time, tz),
        )
        for group in groups.select_related("author")
    ]
    return found


def _measures(ctx: _Context, today) -> list[core.Candidate]:
    return [
        _candidate(
            core.MEASURES,
            due.episode,
            ctx.primary.get(due.episode.pk),
            f"{due.instrument_code} ({due.occasion_label.lower()})"
            + (f", {due.missed} earlier week(s) missed" if due.missed else ""),
            due_on=due.due_on,
        )
        for due in due_for_episodes(ctx.episodes, today)
        if due.occasion != due_core.ADMISSION
    ]


def discharge_snapshots(discharges: list[Discharge]) -> dict[int, checklist.Snapshot]:
    """Checklist snapshots of several open discharges in six queries (discharge id -> snapshot), read as
    `openiop.discharge.selectors.discharge_snapshot` reads one (a test keeps the two the same)."""
    episodes = [d.episode for d in discharges]
    episode_ids = [e.pk for e in episodes]
    patient_ids = [e.patient_id for e in episodes]
    ids = [d.pk for d in discharges]
    known = {instrument.code for instrument in current_instruments()}
    codes_by_program = defaultdict(set)
    for program_id, code in MeasureSchedule.objects.filter(
        program_id__in={e.program_id for e in episodes}, active=True, occasion=Occasion.DISCHARGE
    ).values_list("program_id", "instrument_code"):
        if code in known:
            codes_by_program[program_id].add(code)
    latest = defaultdict(dict)
    for episode_id, code, last in (
        Administration.objects.in_use()
        .filter(episode_id__in=episode_ids)
        .values("episode_id", "instrument_code")
        .annotate(last=Max("completed_on"))
        .values_list("episode_id", "instrument_code", "last")
        .order_by()
    ):
        latest[episode_id][code] = last
    summaries = defaultdict(list)
    for patient_id, day in Note.objects.filter(
        patient_id__in=patient_ids, note_type=NoteType.DISCHARGE, status__in=SIGNED_NOTE_STATUSES
    ).values_list("patient_id", "date_of_service"):
        summaries[patient_id].append(day)
    appointments = dict(
        AftercareAppointment.objects.filter(discharge_id__in=ids)
        .values("discharge_id")
        .annotate(n=Count("pk"))
        .values_list("discharge_id", "n")
        .order_by()
    )
    safety = set(
        Plan.objects.filter(
            patient_id__in=patient_ids, kind=PlanKind.SAFETY, status=SafetyPlanStatus.SIGNED
        ).values_list("patient_id", flat=True)
    )
    waivers = defaultdict(dict)
    for discharge_id, requirement, reason in DischargeWaiver.objects.filter(discharge_id__in=ids).values_list(
        "discharge_id", "requirement", "reason"
    ):
        waivers[discharge_id][requirement] = reason
    snapshots = {}
    for discharge in discharges:
        episode = discharge.episode
        codes = tuple(sorted(codes_by_program[episode.program_id]))
        snapshots[discharge.pk] = checklist.Snapshot(
            reason=discharge.reason,
            started_on=started_on(discharge),
            planned_on=discharge.planned_on,
            aftercare_count=appointments.get(discharge.pk, 0),
            support_groups=discharge.support_groups,
            crisis_plan=discharge.crisis_plan,
            has_signed_safety_plan=episode.patient_id in safety,
            signed_summary_dates=tuple(sorted(summaries[episode.patient_id])),
            discharge_instruments=codes,
            latest_administered={c: d for c, d in latest[episode.pk].items() if c in codes},
            early_days=due_core.DISCHARGE_EARLY,
            waivers=waivers[discharge.pk],
        )
    return snapshots


def _discharges(ctx: _Context, today) -> list[core.Candidate]:
    discharges = list(
        Discharge.objects.filter(
            episode__in=list(ctx.active),
            status=DischargeStatus.OPEN,
            planned_on__lte=today + datetime.timedelta(days=core.SOON_DAYS),
        )
        .select_related("created_by")
        .order_by("planned_on", "pk")
    )
    for discharge in discharges:
        discharge.episode = ctx.active[discharge.episode_id]  # already loaded, with the patient
    snapshots = discharge_snapshots(discharges)
    found = []
    for discharge in discharges:
        missing = checklist.missing(checklist.evaluate(snapshots[discharge.pk]))
        if missing:
            labels = ", ".join(item.requirement.replace("_", " ") for item in missing)
            found.append(
                _candidate(
                    core.DISCHARGE,
                    discharge.episode,
                    discharge.created_by or ctx.primary.get(discharge.episode_id),
                    f"Missing: {labels}",
                    due_on=discharge.planned_on,
                )
            )
    return found


def compliance_candidates(program, *, track=None, today: datetime.date, tz) -> list[core.Candidate]:
    """Every obligation of the program's episodes (or one track's) that could be listed, in a fixed number
    of queries."""
    ctx = _context(program, track, today)
    found, recert_open = _due_items(ctx)
    found += _expiring_certifications(ctx, recert_open)
    found += _reviews(ctx, today)
    found += _notes(program, track, tz)
    found += _measures(ctx, today)
    found += _discharges(ctx, today)
    return found


def compliance_items(program, *, track=None, now: datetime.datetime, today: datetime.date) -> list[core.Item]:
    """The program's (or track's) classified compliance items, most overdue first."""
    tz = timezone.get_current_timezone()
    candidates = compliance_candidates(program, track=track, today=today, tz=tz)
    return core.classify_all(candidates, now, today)
