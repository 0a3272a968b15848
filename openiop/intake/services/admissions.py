"""Admission, waitlist, level-of-care transitions, physician certification and due items.

Each service is atomic and writes its audit event.
"""

import datetime
import statistics
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openiop.accounts.models import Role
from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.patients.chart_access import chart_access_forget
from openiop.patients.models import CareTeamMember, CareTeamRole, EpisodeOfCare, EpisodeStatus
from openiop.programs.models import Track

from .. import waitlist as waitlist_core
from ..models import (
    Certification,
    Direction,
    DueItem,
    DueItemKind,
    LevelOfCare,
    LevelOfCareAssessment,
    LevelTransition,
    ReferralStatus,
    Urgency,
    WaitlistEntry,
)
from .referrals import _move

LEVEL_ORDER = list(LevelOfCare.values)
# Levels a person can step down from into IOP: the more intensive ones (the order of LevelOfCare).
STEP_DOWN_FROM_LEVELS = LEVEL_ORDER[LEVEL_ORDER.index(LevelOfCare.INTENSIVE_OUTPATIENT) + 1 :]
ADMISSION_HORIZON_DAYS = 30


def _has_assessment(episode: EpisodeOfCare) -> bool:
    return LevelOfCareAssessment.objects.filter(
        patient=episode.patient, assessed_on__gte=episode.referred_on
    ).exists()


def _check_ready(episode: EpisodeOfCare) -> None:
    if episode.status not in (EpisodeStatus.REFERRAL, EpisodeStatus.WAITLIST):
        raise ValidationError(_("Only a referral or a waitlisted person can be admitted or waitlisted."))
    if not _has_assessment(episode):
        raise ValidationError(_("Record a level-of-care assessment before admitting or waitlisting."))


def track_census(track) -> int:
    return EpisodeOfCare.objects.filter(track=track, status=EpisodeStatus.ACTIVE).count()


def episode_admit(
    *,
    episode: EpisodeOfCare,
    track,
    admitted_on: datetime.date,
    primary_clinician,
    by,
    psychiatrist=None,
    stepping_down_from: str = "",
    from_setting: str = "",
    transition_reason: str = "",
    request=None,
) -> EpisodeOfCare:
    """Admit a referred or waitlisted person to a track: the episode becomes active with its care team,
    and the due items later capabilities complete are created (baseline measures, initial treatment plan,
    physician certification), with days from the program's settings."""
    program = episode.program
    errors = {}
    if track.program_id != program.id:
        errors["track"] = _("This track belongs to another program.")
    elif not track.is_active:
        errors["track"] = _("This track is closed.")
    elif track_census(track) >= track.capacity:
        errors["track"] = _("%(track)s is full (%(n)s of %(n)s places). Add the person to the waitlist.") % {
            "track": track.name,
            "n": track.capacity,
        }
    if admitted_on < episode.referred_on:
        errors["admitted_on"] = _("Admission cannot be before the referral date.")
    elif admitted_on > timezone.localdate() + datetime.timedelta(days=ADMISSION_HORIZON_DAYS):
        errors["admitted_on"] = _("Admission can be at most 30 days ahead.")
    if primary_clinician.role not in (Role.CLINICIAN, Role.PSYCHIATRIST, Role.PROGRAM_DIRECTOR) or not (
        program.staff_profiles.filter(user=primary_clinician).exists()
    ):
        errors["primary_clinician"] = _("The primary clinician must be a clinician of this program.")
    if psychiatrist is not None and (
        psychiatrist.role != Role.PSYCHIATRIST
        or not program.staff_profiles.filter(user=psychiatrist).exists()
    ):
        errors["psychiatrist"] = _("Choose a psychiatrist of this program.")
    if stepping_down_from and stepping_down_from not in STEP_DOWN_FROM_LEVELS:
        errors["stepping_down_from"] = _("A step down comes from a more intensive level than IOP.")
    if stepping_down_from and not transition_reason.strip():
        errors["transition_reason"] = _("Say why the person steps down to this program.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        episode = EpisodeOfCare.objects.select_for_update().get(pk=episode.pk)
        _check_ready(episode)
        # Count again under the track's lock: two admissions at once must not overfill it.
        track = Track.objects.select_for_update().get(pk=track.pk)
        if track_census(track) >= track.capacity:
            raise ValidationError({"track": _("%(track)s has just filled up.") % {"track": track.name}})
        episode.status = EpisodeStatus.ACTIVE
        episode.track = track
        episode.admitted_on = admitted_on
        episode.updated_by = by
        episode.save()
        # The team as it stands, read once for both roles rather than once per role (issue 10).
        team = set(CareTeamMember.objects.filter(episode=episode).values_list("role", "user_id"))
        _set_team_member(
            episode, primary_clinician, CareTeamRole.PRIMARY_CLINICIAN, by=by, replace=True, team=team
        )
        if psychiatrist is not None:
            _set_team_member(episode, psychiatrist, CareTeamRole.PSYCHIATRIST, by=by, replace=True, team=team)
        for kind, days, owner in (
            (DueItemKind.BASELINE_MEASURES, program.baseline_measures_due_days, primary_clinician),
            (DueItemKind.INITIAL_TREATMENT_PLAN, program.initial_plan_due_days, primary_clinician),
            (DueItemKind.CERTIFICATION, program.certification_due_days, psychiatrist),
        ):
            DueItem.objects.create(
                episode=episode,
                kind=kind,
                due_on=admitted_on + datetime.timedelta(days=days),
                owner=owner,
                created_by=by,
                updated_by=by,
            )
        WaitlistEntry.objects.filter(episode=episode, removed_at__isnull=True).update(
            removed_at=timezone.now()
        )
        referral = getattr(episode, "referral", None)
        if referral is not None and referral.status != ReferralStatus.ADMITTED:
            _move(
                referral,
                to_status=ReferralStatus.ADMITTED,
                by=by,
                note=_("Admitted to %(track)s.") % {"track": track.name},
            )
        if stepping_down_from:
            LevelTransition.objects.create(
                patient=episode.patient,
                episode=episode,
                from_level=stepping_down_from,
                to_level=LevelOfCare.INTENSIVE_OUTPATIENT,
                direction=Direction.STEP_DOWN,
                on=admitted_on,
                reason=transition_reason.strip(),
                from_setting=from_setting.strip(),
                to_setting=program.name,
                created_by=by,
                updated_by=by,
            )
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=by,
            patient=episode.patient,
            obj=episode,
            detail={"admitted": admitted_on.isoformat(), "track": str(track.uuid)},
        )
    return episode


def _set_team_member(episode, user, role, *, by, replace: bool, team: set[tuple[str, int]]) -> None:
    """Put `user` on the episode's care team in `role` unless there already; `team` holds the (role, user
    id) pairs read under the episode's lock, so two admissions cannot both add the member."""
    if replace:
        CareTeamMember.objects.filter(episode=episode, role=role).exclude(user=user).delete()
    if (role, user.pk) not in team:
        CareTeamMember.objects.create(episode=episode, user=user, role=role)
        team.add((role, user.pk))
    # Chart access follows the care team: checks later in this request must see the new team, whether the
    # acting user added themselves or was replaced (patients/chart_access.py).
    chart_access_forget(user, by)


def waitlist_add(
    *,
    episode: EpisodeOfCare,
    by,
    track=None,
    urgency: str = "routine",
    stepping_down_from: str = "",
    note: str = "",
    request=None,
) -> WaitlistEntry:
    """Put an assessed person on the program's waitlist (for a track, or the first place in any)."""
    errors = {}
    if track is not None and track.program_id != episode.program_id:
        errors["track"] = _("This track belongs to another program.")
    elif track is not None and not track.is_active:
        errors["track"] = _("This track is closed.")
    if urgency not in Urgency.values:
        errors["urgency"] = _("Unknown urgency.")
    if stepping_down_from and stepping_down_from not in STEP_DOWN_FROM_LEVELS:
        errors["stepping_down_from"] = _("A step down comes from a more intensive level than IOP.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        episode = EpisodeOfCare.objects.select_for_update().get(pk=episode.pk)
        _check_ready(episode)
        # Changing the entry of someone already waiting (another track, new urgency) keeps their place
        # in line: the date they were first added stays.
        waiting = WaitlistEntry.objects.filter(episode=episode, removed_at__isnull=True).first()
        entry, _created = WaitlistEntry.objects.update_or_create(
            episode=episode,
            defaults={
                "program": episode.program,
                "track": track,
                "urgency": urgency,
                "stepping_down_from": stepping_down_from,
                "note": note.strip(),
                "added_on": waiting.added_on if waiting else timezone.localdate(),
                "removed_at": None,
                "created_by": by,
                "updated_by": by,
            },
        )
        episode.status = EpisodeStatus.WAITLIST
        episode.track = track
        episode.updated_by = by
        episode.save(update_fields=["status", "track", "updated_by", "updated_at"])
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=by,
            patient=episode.patient,
            obj=entry,
            detail={"waitlist": True, "track": str(track.uuid) if track else None},
        )
    return entry


def typical_length_of_stay(program, *, today: datetime.date) -> float:
    """Median length of stay of the program's episodes discharged in the past year, in days."""
    since = today - datetime.timedelta(days=365)
    stays = [
        (discharged - admitted).days
        for admitted, discharged in EpisodeOfCare.objects.filter(
            program=program,
            status=EpisodeStatus.DISCHARGED,
            discharged_on__gte=since,
            admitted_on__isnull=False,
        ).values_list("admitted_on", "discharged_on")
    ]
    return statistics.median(stays) if stays else waitlist_core.DEFAULT_LENGTH_OF_STAY_DAYS


def waitlist_for_program(
    program, *, today: datetime.date | None = None
) -> list[tuple[WaitlistEntry, int, datetime.date]]:
    """The program's waitlist in priority order: (entry, position, expected start date).

    People waiting for a track queue for that track; people without one queue for the program as a whole
    (every track's places and meeting days together).
    """
    today = today or timezone.localdate()
    entries = list(
        WaitlistEntry.objects.filter(
            program=program, removed_at__isnull=True, episode__status=EpisodeStatus.WAITLIST
        ).select_related("episode__patient", "track")
    )
    by_key = {entry.pk: entry for entry in entries}
    stay = typical_length_of_stay(program, today=today)
    tracks = list(program.tracks.active())
    open_track_ids = {t.pk for t in tracks}

    def queue_of(entry) -> int | None:
        # Someone waiting for a track that has since closed queues for the program as a whole.
        return entry.track_id if entry.track_id in open_track_ids else None

    starts: dict[int, datetime.date] = {}
    for track in [*tracks, None]:
        queue = waitlist_core.in_priority_order(
            waitlist_core.Waiting(
                key=e.pk, added_on=e.added_on, urgency=e.urgency, stepping_down_from=e.stepping_down_from
            )
            for e in entries
            if queue_of(e) == (track.pk if track else None)
        )
        if track is not None:
            capacity, active, weekdays = track.capacity, track_census(track), track.weekdays
        else:
            capacity = sum(t.capacity for t in tracks)
            active = sum(track_census(t) for t in tracks)
            weekdays = sorted({day for t in tracks for day in t.weekdays})
        starts.update(
            waitlist_core.expected_starts(
                queue,
                capacity=capacity,
                active=active,
                today=today,
                weekdays=weekdays,
                length_of_stay_days=stay,
            )
        )
    ordered = waitlist_core.in_priority_order(
        waitlist_core.Waiting(
            key=e.pk, added_on=e.added_on, urgency=e.urgency, stepping_down_from=e.stepping_down_from
        )
        for e in entries
    )
    return [(by_key[w.key], position, starts[w.key]) for position, w in enumerate(ordered, start=1)]


def level_transition_record(
    *,
    episode: EpisodeOfCare,
    from_level: str,
    to_level: str,
    on: datetime.date,
    reason: str,
    by,
    from_setting: str = "",
    to_setting: str = "",
    request=None,
) -> LevelTransition:
    """Record a change of level for the same person. Leaving IOP for another level ends this episode
    (discharged on that day); the episode history shows the path."""
    errors = {}
    if from_level not in LEVEL_ORDER:
        errors["from_level"] = _("Unknown level of care.")
    if to_level not in LEVEL_ORDER:
        errors["to_level"] = _("Unknown level of care.")
    if not reason.strip():
        errors["reason"] = _("Give the reason for the change of level.")
    if episode.admitted_on and on < episode.admitted_on:
        errors["on"] = _("The change cannot be before admission.")
    if on > timezone.localdate():
        errors["on"] = _("Record a change of level once it has happened.")
    if episode.status == EpisodeStatus.DISCHARGED:
        errors["__all__"] = _("This episode has ended; record the change on the person's current episode.")
    if errors:
        raise ValidationError(errors)
    order = LEVEL_ORDER.index(to_level) - LEVEL_ORDER.index(from_level)
    direction = Direction.STEP_UP if order > 0 else Direction.STEP_DOWN if order < 0 else Direction.LATERAL
    with transaction.atomic():
        transition = LevelTransition.objects.create(
            patient=episode.patient,
            episode=episode,
            from_level=from_level,
            to_level=to_level,
            direction=direction,
            on=on,
            reason=reason.strip(),
            from_setting=from_setting.strip(),
            to_setting=to_setting.strip(),
            created_by=by,
            updated_by=by,
        )
        leaves_program = (
            from_level == LevelOfCare.INTENSIVE_OUTPATIENT and to_level != LevelOfCare.INTENSIVE_OUTPATIENT
        )
        if leaves_program and episode.status == EpisodeStatus.ACTIVE:
            episode.status = EpisodeStatus.DISCHARGED
            episode.discharged_on = on
            episode.updated_by = by
            episode.save(update_fields=["status", "discharged_on", "updated_by", "updated_at"])
        audit_record(
            action=Action.CREATE,
            request=request,
            actor=by,
            patient=episode.patient,
            obj=transition,
            detail={"direction": direction, "from": from_level, "to": to_level},
        )
    return transition


def certification_record(
    *,
    episode: EpisodeOfCare,
    by,
    certified_on: datetime.date,
    hours_per_week: Decimal,
    statement: str,
    request=None,
) -> Certification:
    """A physician certifies the need for at least the program's weekly hours. Completes the open
    certification (or recertification) due item and schedules the next recertification."""
    program = episode.program
    errors = {}
    if by.role != Role.PSYCHIATRIST:
        errors["__all__"] = _("Only a physician (psychiatrist) of the program can certify.")
    if episode.status != EpisodeStatus.ACTIVE:
        errors["__all__"] = _("Only an active episode can be certified.")
    if hours_per_week < program.weekly_hours_target:
        errors["hours_per_week"] = _("Certify at least the program's %(hours)s hours a week.") % {
            "hours": program.weekly_hours_target.normalize()
        }
    if certified_on > timezone.localdate():
        errors["certified_on"] = _("A certification cannot be dated in the future.")
    if episode.admitted_on and certified_on < episode.admitted_on - datetime.timedelta(days=7):
        errors["certified_on"] = _("A certification must be close to or after admission.")
    if not statement.strip():
        errors["statement"] = _("State the clinical need in a sentence or two.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        previous = episode.certifications.exists()
        certification = Certification.objects.create(
            episode=episode,
            certified_by=by,
            certified_on=certified_on,
            hours_per_week=hours_per_week,
            valid_until=certified_on + datetime.timedelta(days=program.recertification_interval_days),
            is_recertification=previous,
            statement=statement.strip(),
            created_by=by,
            updated_by=by,
        )
        now = timezone.now()
        DueItem.objects.open().filter(
            episode=episode, kind__in=(DueItemKind.CERTIFICATION, DueItemKind.RECERTIFICATION)
        ).update(completed_at=now, completed_by=by, updated_by=by, updated_at=now)
        DueItem.objects.create(
            episode=episode,
            kind=DueItemKind.RECERTIFICATION,
            due_on=certification.valid_until,
            owner=by,
            created_by=by,
            updated_by=by,
        )
        audit_record(
            action=Action.CREATE,
            request=request,
            actor=by,
            patient=episode.patient,
            obj=certification,
            detail={"valid_until": certification.valid_until.isoformat(), "recertification": previous},
        )
    return certification


def due_item_complete(*, item: DueItem, by, note: str = "", request=None) -> DueItem:
    """Mark a due item done; later capabilities (measures, treatment plans) call this when they fulfil one."""
    if item.completed_at is not None:
        return item
    with transaction.atomic():
        item.completed_at = timezone.now()
        item.completed_by = by
        item.note = note.strip()[:200]
        item.updated_by = by
        item.save()
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=by,
            patient=item.episode.patient,
            obj=item,
            detail={"kind": item.kind, "completed": True},
        )
    return item
