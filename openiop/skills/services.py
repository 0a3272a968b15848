"""Writes of the skills app: syncing the shipped curriculum, the organization's own modules and lessons,
a group session's lesson, homework and the practice log. Each service is atomic and writes its audit
events; the rules (who may) are checked by the callers, the domain rules (what is valid) here.
"""

import datetime
import uuid
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.patients.models import EpisodeOfCare, EpisodeStatus
from openiop.scheduling.models import SessionStatus

from .curriculum import MAX_ITEM, MAX_TITLE, Curriculum
from .models import (
    COMPLETION_STATUSES,
    DISTRESS_MAX,
    DISTRESS_MIN,
    EntrySource,
    Homework,
    HomeworkStatus,
    Lesson,
    Module,
    Origin,
    PracticeLogEntry,
    SessionLesson,
)

# Homework is for the coming weeks of treatment; a due date further out is almost surely a typo.
MAX_HOMEWORK_DAYS = 90


class EditConflict(Exception):
    """Someone saved the module or lesson since this edit started. `current` is what is saved now."""

    def __init__(self, current):
        super().__init__(f"{current._meta.label} {current.uuid} changed since version was read")
        self.current = current


# --- The shipped curriculum --------------------------------------------------------------------------------


@dataclass
class SyncResult:
    modules_created: list[str] = field(default_factory=list)
    modules_updated: list[str] = field(default_factory=list)
    lessons_created: list[str] = field(default_factory=list)
    lessons_updated: list[str] = field(default_factory=list)
    kept_local_edits: list[str] = field(default_factory=list)  # codes edited here, left as they are

    @property
    def changed(self) -> int:
        return sum(
            len(items)
            for items in (
                self.modules_created,
                self.modules_updated,
                self.lessons_created,
                self.lessons_updated,
            )
        )


def _apply(item, values: dict) -> bool:
    """Set `values` on `item`; True when anything differed."""
    changed = False
    for name, value in values.items():
        if getattr(item, name) != value:
            setattr(item, name, value)
            changed = True
    return changed


def curriculum_sync(*, curriculum: Curriculum, by=None, request=None) -> SyncResult:
    """Copy `curriculum` (already validated) into the database, matching modules and lessons by code.

    New codes are created. Shipped items nobody edited here take the file's text, so a newer version of the
    file updates them. Items edited locally are left exactly as they are, and so are the organization's own
    items. Nothing is deleted: a lesson dropped from a newer file stays, because sessions and homework refer
    to it. Running it again with the same file changes nothing.
    """
    result = SyncResult()
    stamp = {"curriculum_id": curriculum.id, "curriculum_version": curriculum.version}
    with transaction.atomic():
        for m, spec in enumerate(curriculum.modules, start=1):
            module = Module.objects.select_for_update().filter(code=spec.code).first()
            values = {"title": spec.title, "summary": spec.summary, "position": m * 10, **stamp}
            if module is None:
                module = Module.objects.create(
                    code=spec.code, origin=Origin.SHIPPED, created_by=by, updated_by=by, **values
                )
                result.modules_created.append(spec.code)
            elif module.origin != Origin.SHIPPED or module.edited_locally:
                result.kept_local_edits.append(spec.code)
            elif _apply(module, values):
                module.updated_by = by
                module.version = F("version") + 1
                module.save()
                module.refresh_from_db()
                result.modules_updated.append(spec.code)
            for n, lesson_spec in enumerate(spec.lessons, start=1):
                _sync_lesson(module, lesson_spec, n, stamp, by, result)
        if result.changed:
            audit_record(
                action=Action.UPDATE,
                request=request,
                actor=by,
                object_type="skills.curriculum",
                object_id=curriculum.id,
                detail={
                    "version": curriculum.version,
                    "modules_created": len(result.modules_created),
                    "modules_updated": len(result.modules_updated),
                    "lessons_created": len(result.lessons_created),
                    "lessons_updated": len(result.lessons_updated),
                    "kept_local_edits": result.kept_local_edits,
                },
            )
    return result


def _sync_lesson(module: Module, spec, position: int, stamp: dict, by, result: SyncResult) -> None:
    lesson = Lesson.objects.select_for_update().filter(code=spec.code).first()
    values = {
        "title": spec.title,
        "minutes": spec.minutes,
        "objectives": list(spec.objectives),
        "outline": list(spec.outline),
        "exercise": spec.exercise,
        "homework": spec.homework,
        "position": position * 10,
        **stamp,
    }
    if lesson is None:
        Lesson.objects.create(
            module=module, code=spec.code, origin=Origin.SHIPPED, created_by=by, updated_by=by, **values
        )
        result.lessons_created.append(spec.code)
    elif lesson.origin != Origin.SHIPPED or lesson.edited_locally:
        result.kept_local_edits.append(spec.code)
    elif _apply(lesson, {"module_id": module.pk, **values}):
        lesson.updated_by = by
        lesson.version = F("version") + 1
        lesson.save()
        result.lessons_updated.append(spec.code)


# --- The organization's own modules and lessons ------------------------------------------------------------


def _local_code(prefix: str) -> str:
    # Shipped codes never start with "local-", so an organization's item can never collide with a later
    # version of the shipped file.
    return f"local-{prefix}-{uuid.uuid4().hex[:10]}"


def _required_text(errors: dict, name: str, value: str, *, max_length: int | None = None) -> str:
    value = (value or "").strip()
    if not value:
        errors[name] = _("This is required.")
    elif max_length is not None and len(value) > max_length:
        errors[name] = _("At most %(count)s characters.") % {"count": max_length}
    return value


def _required_items(errors: dict, name: str, items) -> list[str]:
    cleaned = [item.strip() for item in items or [] if item and item.strip()]
    if not cleaned:
        errors[name] = _("Write at least one, one per line.")
    elif any(len(item) > MAX_ITEM for item in cleaned):
        errors[name] = _("Each line may have at most %(count)s characters.") % {"count": MAX_ITEM}
    return cleaned


def _module_values(title: str, summary: str) -> dict:
    errors: dict[str, str] = {}
    values = {
        "title": _required_text(errors, "title", title, max_length=MAX_TITLE),
        "summary": _required_text(errors, "summary", summary),
    }
    if errors:
        raise ValidationError(errors)
    return values


def _lesson_values(*, title, minutes, objectives, outline, exercise, homework) -> dict:
    errors: dict[str, str] = {}
    values = {
        "title": _required_text(errors, "title", title, max_length=MAX_TITLE),
        "minutes": minutes,
        "objectives": _required_items(errors, "objectives", objectives),
        "outline": _required_items(errors, "outline", outline),
        "exercise": _required_text(errors, "exercise", exercise),
        "homework": _required_text(errors, "homework", homework),
    }
    if minutes is not None and not 5 <= minutes <= 240:
        errors["minutes"] = _("A lesson lasts from 5 to 240 minutes.")
    if errors:
        raise ValidationError(errors)
    return values


def module_create(*, by, title: str, summary: str, request=None) -> Module:
    """An organization's own module, after the existing ones."""
    values = _module_values(title, summary)
    with transaction.atomic():
        last = Module.objects.aggregate(last=Max("position"))["last"] or 0
        module = Module.objects.create(
            code=_local_code("module"),
            origin=Origin.LOCAL,
            position=last + 10,
            created_by=by,
            updated_by=by,
            **values,
        )
        audit_record(
            action=Action.CREATE, request=request, actor=by, obj=module, detail={"code": module.code}
        )
    return module


def lesson_create(
    *, module: Module, by, title, objectives, outline, exercise, homework, minutes=None, request=None
) -> Lesson:
    """An organization's own lesson, at the end of `module` (a shipped module or its own)."""
    values = _lesson_values(
        title=title,
        minutes=minutes,
        objectives=objectives,
        outline=outline,
        exercise=exercise,
        homework=homework,
    )
    with transaction.atomic():
        last = module.lessons.aggregate(last=Max("position"))["last"] or 0
        lesson = Lesson.objects.create(
            module=module,
            code=_local_code("lesson"),
            origin=Origin.LOCAL,
            position=last + 10,
            created_by=by,
            updated_by=by,
            **values,
        )
        audit_record(
            action=Action.CREATE,
            request=request,
            actor=by,
            obj=lesson,
            detail={"code": lesson.code, "module": module.code},
        )
    return lesson


def _update_versioned(item, *, version: int, values: dict, by, request):
    """Save `values` on `item` only if it is still at `version` (optimistic concurrency).

    Returns the saved item; raises EditConflict with the current row when someone saved in between.
    Saving unchanged text changes nothing. A shipped item changed here is marked edited locally, so syncing
    the shipped file never overwrites the organization's text.
    """
    model = type(item)
    with transaction.atomic():
        current = model.objects.select_for_update().get(pk=item.pk)
        if current.version != version:
            raise EditConflict(current)
        changed = sorted(name for name, value in values.items() if getattr(current, name) != value)
        if not changed:
            return current
        updated = model.objects.filter(pk=item.pk, version=version).update(
            **values,
            version=F("version") + 1,
            edited_locally=current.origin == Origin.SHIPPED,
            updated_by=by,
            updated_at=timezone.now(),
        )
        if updated == 0:  # a writer the lock did not serialise (SQLite without IMMEDIATE)
            raise EditConflict(model.objects.get(pk=item.pk))
        saved = model.objects.get(pk=item.pk)
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=by,
            obj=saved,
            detail={"code": saved.code, "fields": changed, "version": saved.version},
        )
    return saved


def module_update(*, module: Module, by, version: int, title: str, summary: str, request=None) -> Module:
    return _update_versioned(
        module, version=version, values=_module_values(title, summary), by=by, request=request
    )


def lesson_update(
    *,
    lesson: Lesson,
    by,
    version: int,
    title,
    objectives,
    outline,
    exercise,
    homework,
    minutes=None,
    request=None,
) -> Lesson:
    values = _lesson_values(
        title=title,
        minutes=minutes,
        objectives=objectives,
        outline=outline,
        exercise=exercise,
        homework=homework,
    )
    return _update_versioned(lesson, version=version, values=values, by=by, request=request)


# --- A group session's lesson ------------------------------------------------------------------------------


def session_lesson_set(*, session, lesson: Lesson | None, by, request=None) -> SessionLesson | None:
    """Tie a group session to `lesson`, change it, or (None) untie it. Setting the same lesson again changes
    nothing. Only group sessions teach lessons, and a cancelled session teaches none.

    Who had the lesson follows from the session's attendance, so changing the lesson of a past session
    changes the lesson history of everyone who attended it; the audit event records both lessons.
    """
    if not session.session_type.is_group:
        raise ValidationError(
            {"lesson": _("Lessons are taught in group sessions; this is an individual session.")}
        )
    if session.status == SessionStatus.CANCELLED:
        raise ValidationError({"lesson": _("This session was cancelled: it teaches no lesson.")})
    with transaction.atomic():
        link = (
            SessionLesson.objects.select_for_update().filter(session=session).select_related("lesson").first()
        )
        previous = link.lesson.code if link else None
        if lesson is None:
            if link is None:
                return None
            link.delete()
            saved = None
        elif link is None:
            saved = SessionLesson.objects.create(session=session, lesson=lesson, created_by=by, updated_by=by)
        elif link.lesson_id == lesson.pk:
            return link
        else:
            link.lesson = lesson
            link.updated_by = by
            link.save(update_fields=["lesson", "updated_by", "updated_at"])
            saved = link
        audit_record(
            action=Action.UPDATE if previous else Action.CREATE,
            request=request,
            actor=by,
            obj=session,
            detail={"lesson": lesson.code if lesson else None, "previous_lesson": previous},
        )
    return saved


# --- Homework ----------------------------------------------------------------------------------------------


def _active_episode(patient) -> EpisodeOfCare:
    episode = (
        EpisodeOfCare.objects.filter(patient=patient, status=EpisodeStatus.ACTIVE)
        .order_by("-admitted_on", "-created_at")
        .first()
    )
    if episode is None:
        raise ValidationError(
            _(
                "Homework and practice are recorded for people in treatment: this person has no active episode."
            )
        )
    return episode


def homework_assign(
    *,
    patient,
    by,
    due_on: datetime.date,
    title: str = "",
    instructions: str = "",
    lesson: Lesson | None = None,
    session=None,
    assigned_on: datetime.date | None = None,
    request=None,
) -> Homework:
    """Give `patient` homework: a lesson's (title and text default to the lesson's) or free text."""
    assigned_on = assigned_on or timezone.localdate()
    errors: dict[str, str] = {}
    title = (title or "").strip() or (lesson.title if lesson else "")
    instructions = (instructions or "").strip() or (lesson.homework if lesson else "")
    if not title:
        errors["title"] = _("Give the homework a short title, or choose a lesson.")
    elif len(title) > MAX_TITLE:
        errors["title"] = _("At most %(count)s characters.") % {"count": MAX_TITLE}
    if not instructions:
        errors["instructions"] = _("Write what the person is to do, or choose a lesson.")
    if due_on < assigned_on:
        errors["due_on"] = _("The due date cannot be before the day it is given (%(day)s).") % {
            "day": assigned_on.isoformat()
        }
    elif due_on > assigned_on + datetime.timedelta(days=MAX_HOMEWORK_DAYS):
        errors["due_on"] = _("Choose a due date within %(days)s days.") % {"days": MAX_HOMEWORK_DAYS}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        episode = _active_episode(patient)
        homework = Homework.objects.create(
            patient=patient,
            episode=episode,
            lesson=lesson,
            session=session,
            title=title,
            instructions=instructions,
            assigned_on=assigned_on,
            due_on=due_on,
            created_by=by,
            updated_by=by,
        )
        audit_record(
            action=Action.CREATE,
            request=request,
            actor=by,
            patient=patient,
            obj=homework,
            detail={
                "lesson": lesson.code if lesson else None,
                "session": str(session.uuid) if session else None,
                "due_on": due_on.isoformat(),
            },
        )
    return homework


def homework_assign_from_session(
    *, session, episodes, by, due_on: datetime.date, instructions: str = "", request=None
) -> list[Homework]:
    """Give the session's lesson homework to each of `episodes` booked into the session (all or nothing).

    Someone who already has this session's homework is skipped. Returns the homework created.
    """
    link = SessionLesson.objects.filter(session=session).select_related("lesson").first()
    if link is None:
        raise ValidationError(_("Choose the session's lesson first: its homework is what is given."))
    booked = set(session.attendees.values_list("episode_id", flat=True))
    if not episodes:
        raise ValidationError({"attendees": _("Choose at least one person.")})
    if any(episode.pk not in booked for episode in episodes):
        raise ValidationError({"attendees": _("Homework from a session goes only to people booked into it.")})
    already = set(Homework.objects.filter(session=session).values_list("patient_id", flat=True))
    created = []
    with transaction.atomic():
        for episode in episodes:
            if episode.patient_id in already:
                continue
            created.append(
                homework_assign(
                    patient=episode.patient,
                    by=by,
                    due_on=due_on,
                    instructions=instructions,
                    lesson=link.lesson,
                    session=session,
                    request=request,
                )
            )
    return created


def homework_record_outcome(
    *,
    homework: Homework,
    by,
    status: str,
    note: str = "",
    completed_on: datetime.date | None = None,
    request=None,
) -> Homework:
    """Record how the homework went: done, partly done or not done (then with a note saying what got in
    the way). Recording again corrects the outcome; the audit trail keeps the earlier one."""
    today = timezone.localdate()
    completed_on = completed_on or today
    note = (note or "").strip()
    errors: dict[str, str] = {}
    if status not in COMPLETION_STATUSES:
        errors["status"] = _("Choose done, partly done or not done.")
    elif status != HomeworkStatus.DONE and not note:
        errors["note"] = _("Say briefly what got in the way: it guides the next homework.")
    if completed_on > today:
        errors["completed_on"] = _("The date cannot be in the future.")
    elif completed_on < homework.assigned_on:
        errors["completed_on"] = _("The date cannot be before the homework was given (%(day)s).") % {
            "day": homework.assigned_on.isoformat()
        }
    if errors:
        raise ValidationError(errors)
    previous = homework.status
    with transaction.atomic():
        homework.status = status
        homework.completion_note = note
        homework.completed_on = completed_on
        homework.completion_recorded_by = by
        homework.updated_by = by
        homework.save(
            update_fields=[
                "status",
                "completion_note",
                "completed_on",
                "completion_recorded_by",
                "updated_by",
                "updated_at",
            ]
        )
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=by,
            patient=homework.patient,
            obj=homework,
            detail={"status": status, "previous_status": previous},
        )
    return homework


# --- The practice log --------------------------------------------------------------------------------------


def _distress(errors: dict, name: str, value) -> int | None:
    if not isinstance(value, int) or isinstance(value, bool) or not DISTRESS_MIN <= value <= DISTRESS_MAX:
        errors[name] = _("Rate distress from %(low)s (none) to %(high)s (the most).") % {
            "low": DISTRESS_MIN,
            "high": DISTRESS_MAX,
        }
        return None
    return value


def practice_log_add(
    *,
    patient,
    by,
    practiced_on: datetime.date,
    situation: str,
    distress_before: int,
    distress_after: int,
    lesson: Lesson | None = None,
    module: Module | None = None,
    skill_text: str = "",
    notes: str = "",
    source: str = EntrySource.STAFF,
    request=None,
) -> PracticeLogEntry:
    """Record one use of a skill. The skill is a curriculum lesson or module, or the person's own words.

    `by` is who entered it: staff now; with source PATIENT (the portal, issue 8) it must be the patient.
    """
    errors: dict[str, str] = {}
    skill_text = (skill_text or "").strip()
    situation = (situation or "").strip()
    if lesson is not None:
        module = lesson.module
    if lesson is None and module is None and not skill_text:
        errors["skill"] = _("Choose a skill from the curriculum or describe it in a few words.")
    if len(skill_text) > 200:
        errors["skill_text"] = _("At most %(count)s characters.") % {"count": 200}
    if not situation:
        errors["situation"] = _("Describe the situation in a sentence or two.")
    _distress(errors, "distress_before", distress_before)
    _distress(errors, "distress_after", distress_after)
    if practiced_on > timezone.localdate():
        errors["practiced_on"] = _("The date cannot be in the future.")
    if source == EntrySource.PATIENT and patient.user_id != by.pk:
        errors["source"] = _("Only the patient can enter their own practice.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        episode = _active_episode(patient)
        entry = PracticeLogEntry.objects.create(
            patient=patient,
            episode=episode,
            practiced_on=practiced_on,
            lesson=lesson,
            module=module,
            skill_text=skill_text,
            situation=situation,
            distress_before=distress_before,
            distress_after=distress_after,
            notes=(notes or "").strip(),
            entered_by=by,
            source=source,
            created_by=by,
            updated_by=by,
        )
        audit_record(
            action=Action.CREATE,
            request=request,
            actor=by,
            patient=patient,
            obj=entry,
            detail={"source": source, "lesson": lesson.code if lesson else None},
        )
    return entry
