"""Views: a patient's skills record (lessons had, homework, practice log) and its writes."""

import datetime
import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import policy
from openiop.patients.selectors import BreakGlassRequired, current_episode

from ..forms import HomeworkForm, HomeworkOutcomeForm, PracticeForm, add_service_errors
from ..models import Lesson, Module
from ..selectors import (
    curriculum_modules,
    homework_for_user,
    homework_of,
    lesson_choices,
    lessons_had,
    patient_progress,
    patient_skills_for_user,
    practice_log_of,
)
from ..services import homework_assign, homework_record_outcome, practice_log_add

WORK = "skills.work_patient_skills"


@policy("skills.view_patient")
def patient_skills(request, patient_uuid):
    """Everything of one patient's skills work: curriculum progress, lessons had, homework, practice log."""
    try:
        patient = patient_skills_for_user(request, patient_uuid)
    except BreakGlassRequired:
        return redirect("patients:break_glass", patient_uuid=patient_uuid)
    had = lessons_had(patient)
    context = {
        "patient": patient,
        "episode": current_episode(patient),
        "today": timezone.localdate(),
        "modules": patient_progress(patient, had=had),
        "had": had,
        "homework": homework_of(patient),
        "practice": practice_log_of(patient),
        "may_work": request.user.has_perm(WORK, patient),
    }
    return render(request, "skills/patient.html", context)


def _load_for_work(request, patient_uuid):
    # A write page: the treating team only (no break-the-glass for homework). Audited as a VIEW when the
    # page is shown; a successful POST is audited once, by the service's CREATE.
    return patient_skills_for_user(request, patient_uuid, permission=WORK, audit=request.method == "GET")


def _audit_redisplay(request, patient, page: str) -> None:
    if request.method == "POST":
        audit_record(action=Action.VIEW, request=request, patient=patient, obj=patient, detail={"page": page})


def _lesson_of(value: str) -> Lesson | None:
    """The lesson a link pre-fills the homework from; anything that is not a lesson's id pre-fills nothing."""
    try:
        return Lesson.objects.filter(uuid=uuid.UUID(value)).first()
    except ValueError:
        return None


@policy("skills.view_patient")
@require_http_methods(["GET", "POST"])
def homework_add(request, patient_uuid):
    patient = _load_for_work(request, patient_uuid)
    today = timezone.localdate()
    initial = {"due_on": today + datetime.timedelta(days=7)}
    prefill = _lesson_of(request.GET.get("lesson", ""))
    if prefill is not None:
        initial.update(lesson=str(prefill.uuid), title=prefill.title, instructions=prefill.homework)
    form = HomeworkForm(request.POST or None, choices=lesson_choices(), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        lesson = Lesson.objects.filter(uuid=data["lesson"]).first() if data["lesson"] else None
        try:
            homework = homework_assign(
                patient=patient,
                by=request.user,
                lesson=lesson,
                title=data["title"],
                instructions=data["instructions"],
                due_on=data["due_on"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Homework given: %(title)s, due %(day)s.")
                % {"title": homework.title, "day": homework.due_on.isoformat()},
            )
            return redirect("skills:patient", patient_uuid=patient.uuid)
    _audit_redisplay(request, patient, "homework_add")
    return render(request, "skills/homework_form.html", {"form": form, "patient": patient})


@policy("skills.view_patient")
@require_http_methods(["GET", "POST"])
def homework_outcome(request, homework_uuid):
    homework = homework_for_user(request, homework_uuid)
    patient = homework.patient
    initial = {
        "completed_on": homework.completed_on or timezone.localdate(),
        "status": homework.status if homework.status != "assigned" else None,
        "note": homework.completion_note,
    }
    form = HomeworkOutcomeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            homework_record_outcome(homework=homework, by=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Homework outcome recorded: %(title)s.") % {"title": homework.title})
            return redirect("skills:patient", patient_uuid=patient.uuid)
    audit_record(
        action=Action.VIEW,
        request=request,
        patient=patient,
        obj=homework,
        detail={"page": "homework_outcome"},
    )
    return render(
        request, "skills/homework_outcome.html", {"form": form, "homework": homework, "patient": patient}
    )


@policy("skills.view_patient")
@require_http_methods(["GET", "POST"])
def practice_add(request, patient_uuid):
    patient = _load_for_work(request, patient_uuid)
    modules = curriculum_modules()
    form = PracticeForm(request.POST or None, modules=modules, initial={"practiced_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        kind, _sep, key = (data["skill"] or "").partition(":")
        lesson = (
            Lesson.objects.select_related("module").filter(uuid=key).first() if kind == "lesson" else None
        )
        module = Module.objects.filter(uuid=key).first() if kind == "module" else None
        try:
            practice_log_add(
                patient=patient,
                by=request.user,
                practiced_on=data["practiced_on"],
                lesson=lesson,
                module=module,
                skill_text=data["skill_text"],
                situation=data["situation"],
                distress_before=data["distress_before"],
                distress_after=data["distress_after"],
                notes=data["notes"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Practice recorded."))
            return redirect("skills:patient", patient_uuid=patient.uuid)
    _audit_redisplay(request, patient, "practice_add")
    return render(request, "skills/practice_form.html", {"form": form, "patient": patient})
