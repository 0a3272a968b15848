"""The skills curriculum, group sessions' lessons, and a patient's lessons, homework and practice log
through the API.

Each operation applies the policy of its web page: the same gate, then the same loader for the object
(`session_for_user`, `patient_skills_for_user`, `homework_for_user`), which checks the rules with the
object; unknown objects are 404, refused ones an audited 403. Reads of a patient's record are audited once
by the loader (a VIEW of the patient); writes go through the skills services, which audit each change.
The curriculum is not PHI, but like every operation it needs a token.
"""

import datetime
from typing import Literal
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.responses import Status

from openiop.core.access import refuse
from openiop.patients.selectors import BreakGlassRequired
from openiop.skills.models import DISTRESS_MAX, DISTRESS_MIN, HomeworkStatus, Lesson, Module
from openiop.skills.selectors import (
    curriculum_modules,
    homework_for_user,
    homework_of,
    lessons_had,
    patient_skills_for_user,
    practice_log_of,
    session_for_user,
    session_lesson,
)
from openiop.skills.services import (
    homework_assign,
    homework_record_outcome,
    practice_log_add,
    session_lesson_set,
)

from .intake_schemas import StaffRefOut
from .patients import CHART_REFUSED
from .policy import api_policy
from .problems import PROBLEM_RESPONSES, ApiProblem

router = Router(tags=["skills"])

VIEW = "skills.view_patient_skills"  # the chart's rule (care team, program leads, break-the-glass on the web)
WORK = "skills.work_patient_skills"  # the treating care team and the program's director
WORK_REFUSED = (
    "Only the treating care team (clinicians and psychiatrists on it) and the program's director may give "
    "homework or record practice. The attempt has been recorded."
)

OutcomeValue = Literal["done", "partly", "not_done"]


# --- schemas ------------------------------------------------------------------------------------------------


class LessonRefOut(Schema):
    uuid: UUID
    code: str
    title: str
    module_code: str = Field(description="The code of the lesson's module.")

    @staticmethod
    def resolve_module_code(lesson):
        return lesson.module.code


class LessonOut(Schema):
    uuid: UUID
    code: str
    title: str
    minutes: int | None
    objectives: list[str]
    outline: list[str]
    exercise: str
    homework: str
    origin: str = Field(description="'shipped' (the OpenIOP curriculum) or 'local' (your organization's).")
    edited_locally: bool
    curriculum_version: str
    version: int


class ModuleOut(Schema):
    uuid: UUID
    code: str
    title: str
    summary: str
    origin: str
    edited_locally: bool
    curriculum_version: str
    lessons: list[LessonOut]

    @staticmethod
    def resolve_lessons(module):
        return list(module.lessons.all())


class SessionLessonOut(Schema):
    session: UUID
    lesson: LessonRefOut | None


class SessionLessonIn(Schema):
    lesson: UUID | None = Field(description="The lesson the session teaches; null to untie it.")


class LessonHadOut(Schema):
    lesson: LessonRefOut
    date: datetime.date
    session: UUID
    attendance: str


class HomeworkOut(Schema):
    uuid: UUID
    title: str
    instructions: str
    lesson: LessonRefOut | None
    session: UUID | None
    assigned_on: datetime.date
    due_on: datetime.date
    status: str
    completion_note: str
    completed_on: datetime.date | None
    assigned_by: StaffRefOut | None

    @staticmethod
    def resolve_session(homework):
        return homework.session.uuid if homework.session_id else None

    @staticmethod
    def resolve_assigned_by(homework):
        return homework.created_by


class HomeworkIn(Schema):
    lesson: UUID | None = Field(
        None, description="Give this lesson's homework; title and text default to it."
    )
    title: str = Field("", max_length=200)
    instructions: str = ""
    due_on: datetime.date


class HomeworkOutcomeIn(Schema):
    status: OutcomeValue
    note: str = Field("", description="Required when partly or not done.")
    completed_on: datetime.date | None = Field(None, description="Default: today.")


class PracticeOut(Schema):
    uuid: UUID
    practiced_on: datetime.date
    lesson: LessonRefOut | None
    module_code: str | None
    skill_text: str
    skill: str = Field(description="The skill as shown: the lesson's or module's title, or the free text.")
    situation: str
    distress_before: int
    distress_after: int
    notes: str
    source: str = Field(description="'staff' or 'patient': who entered it.")
    entered_by: StaffRefOut

    @staticmethod
    def resolve_module_code(entry):
        return entry.module.code if entry.module_id else None

    @staticmethod
    def resolve_skill(entry):
        return entry.skill_label


class PracticeIn(Schema):
    practiced_on: datetime.date
    lesson: UUID | None = None
    module: UUID | None = None
    skill_text: str = Field("", max_length=200)
    situation: str
    distress_before: int = Field(ge=DISTRESS_MIN, le=DISTRESS_MAX)
    distress_after: int = Field(ge=DISTRESS_MIN, le=DISTRESS_MAX)
    notes: str = ""


# --- loaders ------------------------------------------------------------------------------------------------


def _patient(request, patient_uuid: UUID, *, permission: str = VIEW, audit: bool = True):
    try:
        return patient_skills_for_user(request, patient_uuid, permission=permission, audit=audit)
    except BreakGlassRequired as exc:
        try:
            refuse(request, permission="patients.view_chart", patient=exc.patient, obj=exc.patient)
        except PermissionDenied:
            raise ApiProblem(403, CHART_REFUSED) from None
    except PermissionDenied:
        raise ApiProblem(403, CHART_REFUSED if permission == VIEW else WORK_REFUSED) from None


def _lesson(uuid: UUID | None, field: str = "lesson") -> Lesson | None:
    if uuid is None:
        return None
    lesson = Lesson.objects.select_related("module").filter(uuid=uuid).first()
    if lesson is None:
        raise ValidationError({field: "No such lesson."})
    return lesson


# --- the curriculum -----------------------------------------------------------------------------------------


@router.get(
    "/skills/modules", response={200: list[ModuleOut], **PROBLEM_RESPONSES}, url_name="skills_modules"
)
@api_policy("skills.view_curriculum")
def module_list(request):
    """The skills curriculum: every module with its lessons (objectives, outline, exercise, homework), in
    order. Not PHI."""
    return curriculum_modules()


@router.get(
    "/skills/lessons/{lesson_uuid}", response={200: LessonOut, **PROBLEM_RESPONSES}, url_name="skills_lesson"
)
@api_policy("skills.view_curriculum")
def lesson_detail(request, lesson_uuid: UUID):
    """One lesson."""
    return get_object_or_404(Lesson, uuid=lesson_uuid)


# --- a session's lesson -------------------------------------------------------------------------------------


def _session_lesson_out(session):
    return {"session": session.uuid, "lesson": session_lesson(session)}


@router.get(
    "/sessions/{session_uuid}/lesson",
    response={200: SessionLessonOut, **PROBLEM_RESPONSES},
    url_name="session_lesson",
)
@api_policy("skills.view_sessions")
def session_lesson_get(request, session_uuid: UUID):
    """The lesson a group session teaches (null when none): for those who lead it and its director."""
    return _session_lesson_out(session_for_user(request, session_uuid))


@router.post(
    "/sessions/{session_uuid}/lesson",
    response={200: SessionLessonOut, **PROBLEM_RESPONSES},
    url_name="session_lesson_set",
)
@api_policy("skills.view_sessions")
def session_lesson_post(request, session_uuid: UUID, payload: SessionLessonIn):
    """Tie a group session to a lesson (or untie it with null): those who lead the session (its clinicians,
    the group's facilitators) and its program's director. Everyone who attended it (present, late, left
    early) has then had the lesson. 422 for an individual or a cancelled session, or an unknown lesson."""
    session = session_for_user(request, session_uuid)
    session_lesson_set(session=session, lesson=_lesson(payload.lesson), by=request.auth, request=request)
    return _session_lesson_out(session)


# --- a patient's record -------------------------------------------------------------------------------------


@router.get(
    "/patients/{patient_uuid}/lessons",
    response={200: list[LessonHadOut], **PROBLEM_RESPONSES},
    url_name="patient_lessons",
)
@api_policy("skills.view_patient")
def patient_lessons(request, patient_uuid: UUID):
    """The lessons the patient had: group sessions tied to a lesson that they attended (present, late or
    left early; not absent or cancelled), newest first. Follows the chart."""
    patient = _patient(request, patient_uuid)
    return [
        {"lesson": item.lesson, "date": item.on, "session": item.session.uuid, "attendance": item.status}
        for item in lessons_had(patient)
    ]


@router.get(
    "/patients/{patient_uuid}/homework",
    response={200: list[HomeworkOut], **PROBLEM_RESPONSES},
    url_name="patient_homework",
)
@api_policy("skills.view_patient")
def homework_list(request, patient_uuid: UUID):
    """The patient's homework: open first by due date, then those with an outcome. Follows the chart."""
    return homework_of(_patient(request, patient_uuid))


@router.post(
    "/patients/{patient_uuid}/homework",
    response={201: HomeworkOut, **PROBLEM_RESPONSES},
    url_name="patient_homework_create",
)
@api_policy("skills.view_patient")
def homework_create(request, patient_uuid: UUID, payload: HomeworkIn):
    """Give the patient homework, from a lesson (its title and text unless given) or free. For the treating
    care team and the program's director; the person must be in treatment (an active episode)."""
    patient = _patient(request, patient_uuid, permission=WORK, audit=False)
    homework = homework_assign(
        patient=patient,
        by=request.auth,
        lesson=_lesson(payload.lesson),
        title=payload.title,
        instructions=payload.instructions,
        due_on=payload.due_on,
        request=request,
    )
    return Status(201, homework)


@router.post(
    "/homework/{homework_uuid}/completion",
    response={200: HomeworkOut, **PROBLEM_RESPONSES},
    url_name="homework_completion",
)
@api_policy("skills.view_patient")
def homework_completion(request, homework_uuid: UUID, payload: HomeworkOutcomeIn):
    """Record how homework went: done, partly or not done (then with a note). Recording again corrects it."""
    try:
        homework = homework_for_user(request, homework_uuid)
    except PermissionDenied:
        raise ApiProblem(403, WORK_REFUSED) from None
    return homework_record_outcome(
        homework=homework,
        by=request.auth,
        status=HomeworkStatus(payload.status),
        note=payload.note,
        completed_on=payload.completed_on,
        request=request,
    )


@router.get(
    "/patients/{patient_uuid}/practice-log",
    response={200: list[PracticeOut], **PROBLEM_RESPONSES},
    url_name="patient_practice_log",
)
@api_policy("skills.view_patient")
def practice_list(request, patient_uuid: UUID):
    """The patient's skills-practice log, newest first. Follows the chart."""
    return practice_log_of(_patient(request, patient_uuid))


@router.post(
    "/patients/{patient_uuid}/practice-log",
    response={201: PracticeOut, **PROBLEM_RESPONSES},
    url_name="patient_practice_log_create",
)
@api_policy("skills.view_patient")
def practice_create(request, patient_uuid: UUID, payload: PracticeIn):
    """Record one use of a skill: a curriculum lesson or module, or free text; the situation; distress
    before and after (0-10). Entered by staff (the treating care team and the program's director)."""
    patient = _patient(request, patient_uuid, permission=WORK, audit=False)
    module = None
    if payload.module is not None:
        module = Module.objects.filter(uuid=payload.module).first()
        if module is None:
            raise ValidationError({"module": "No such module."})
    entry = practice_log_add(
        patient=patient,
        by=request.auth,
        practiced_on=payload.practiced_on,
        lesson=_lesson(payload.lesson),
        module=module,
        skill_text=payload.skill_text,
        situation=payload.situation,
        distress_before=payload.distress_before,
        distress_after=payload.distress_after,
        notes=payload.notes,
        request=request,
    )
    return Status(201, entry)
