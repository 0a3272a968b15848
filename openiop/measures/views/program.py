"""A director's pages for a program: which questionnaires it gives when (schedules), and cover for urgent
alerts (who is on call each day, who is away). No patient data here; reads and writes are audited all the
same (the program is the object)."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from openiop.core.access import policy

from ..forms import AbsenceForm, OnCallForm, SchedulesForm
from ..models import OnCall, StaffAbsence
from ..registry import current_instruments
from ..selectors import (
    program_absences,
    program_cover,
    program_for_director,
    program_schedules,
    program_staff,
)
from ..services import absence_record, absence_remove, on_call_clear, on_call_set, program_schedules_update

COVER_DAYS = 14


def _service_errors(form, error: ValidationError) -> None:
    for field, problems in error.message_dict.items():
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)


@policy("measures.manage_program")
@require_http_methods(["GET", "POST"])
def schedules(request, program_uuid):
    """Which instruments the program gives at admission, weekly (on a weekday) and at discharge."""
    program = program_for_director(request, program_uuid, audit=request.method == "GET")
    instruments = sorted(current_instruments(), key=lambda i: i.code)
    current = program_schedules(program)
    form = SchedulesForm(instruments, current, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            program_schedules_update(program=program, wanted=form.rules(), by=request.user, request=request)
        except ValidationError as error:
            _service_errors(form, error)
        else:
            messages.success(request, _("Questionnaire schedules saved."))
            return redirect("measures:schedules", program_uuid=program.uuid)
    return render(request, "measures/schedules.html", {"program": program, "form": form})


def _render_cover(request, program, *, on_call_form=None, absence_form=None):
    staff = program_staff(program)
    today = timezone.localdate()
    context = {
        "program": program,
        "today": today,
        "days": program_cover(program, today, COVER_DAYS),
        "absences": list(program_absences(program, today, today + datetime.timedelta(days=365))),
        "on_call_form": on_call_form or OnCallForm(staff),
        "absence_form": absence_form or AbsenceForm(staff),
    }
    return render(request, "measures/cover.html", context)


@policy("measures.manage_program")
@require_http_methods(["GET"])
def cover(request, program_uuid):
    """The next two weeks: who is on call each day and who is away; forms to change both."""
    program = program_for_director(request, program_uuid, detail={"page": "cover"})
    return _render_cover(request, program)


@policy("measures.manage_program")
@require_POST
def on_call_set_view(request, program_uuid):
    program = program_for_director(request, program_uuid, audit=False)
    form = OnCallForm(program_staff(program), request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            on_call_set(
                program=program,
                first_day=data["first_day"],
                last_day=data["last_day"],
                clinician=data["clinician"],
                by=request.user,
                request=request,
            )
        except ValidationError as error:
            _service_errors(form, error)
        else:
            messages.success(request, _("On-call days saved."))
            return redirect("measures:cover", program_uuid=program.uuid)
    return _render_cover(request, program, on_call_form=form)


@policy("measures.manage_program")
@require_POST
def on_call_clear_view(request, program_uuid, entry_uuid):
    program = program_for_director(request, program_uuid, audit=False)
    entry = get_object_or_404(
        OnCall.objects.select_related("clinician", "program"), uuid=entry_uuid, program=program
    )
    on_call_clear(entry=entry, by=request.user, request=request)
    messages.success(request, _("Nobody is on call on %(day)s now.") % {"day": f"{entry.day:%Y-%m-%d}"})
    return redirect("measures:cover", program_uuid=program.uuid)


@policy("measures.manage_program")
@require_POST
def absence_add(request, program_uuid):
    program = program_for_director(request, program_uuid, audit=False)
    form = AbsenceForm(program_staff(program), request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            absence_record(
                program=program,
                user=data["user"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                reason=data["reason"],
                by=request.user,
                request=request,
            )
        except ValidationError as error:
            _service_errors(form, error)
        else:
            messages.success(request, _("Away period saved: their urgent alerts go to whoever is on call."))
            return redirect("measures:cover", program_uuid=program.uuid)
    return _render_cover(request, program, absence_form=form)


@policy("measures.manage_program")
@require_POST
def absence_remove_view(request, program_uuid, absence_uuid):
    program = program_for_director(request, program_uuid, audit=False)
    absence = get_object_or_404(
        StaffAbsence.objects.select_related("user"), uuid=absence_uuid, user__in=program_staff(program)
    )
    absence_remove(absence=absence, by=request.user, request=request)
    messages.success(request, _("Away period removed."))
    return redirect("measures:cover", program_uuid=program.uuid)
