"""Views: planning the week with the optimizer (build, review, change by hand, publish). The program's
director only. This module lists its own URL patterns; openiop/scheduling/urls.py joins them."""

import datetime

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from openiop.accounts.models import User
from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import policy, refuse
from openiop.patients.models import EpisodeOfCare, EpisodeStatus
from openiop.programs.models import Program

from .. import planning
from ..forms import DATE, WeekForm
from ..models import Room, Session, WeekPlan, WeekPlanStatus
from ..optimizer.instance import InstanceError, format_time
from ..selectors import week_start_of


class PlanWeekForm(forms.Form):
    week = forms.DateField(widget=DATE)


class PlanChangeForm(forms.Form):
    week = forms.DateField()
    action = forms.ChoiceField(choices=[(a, a) for a in planning.CHANGES])
    episode = forms.UUIDField(label=gettext_lazy("Patient"))
    session = forms.UUIDField(required=False)
    slot = forms.CharField(required=False, max_length=40)
    clinician = forms.UUIDField(required=False)
    room = forms.UUIDField(required=False)


def _program_for_user(request, program_uuid) -> Program:
    program = get_object_or_404(Program, uuid=program_uuid)
    if not request.user.has_perm("scheduling.plan_week", program):
        refuse(request, permission="scheduling.plan_week", obj=program)
    return program


def _plan_url(program: Program, week_start: datetime.date) -> str:
    url = reverse("scheduling:week_plan", kwargs={"program_uuid": program.uuid})
    return url + "?" + urlencode({"week": week_start.isoformat()})


def _change_options(program: Program, week_start: datetime.date) -> dict:
    """Choices of the manual-change forms: the week's group sessions, slots, clinicians and rooms."""
    try:
        instance = planning.build_instance(program, week_start)
    except InstanceError:
        return {}
    individual = planning.individual_session_type()
    allowed = set(individual.allowed_credentials) if individual else set()
    clinician_ids = [c.id for c in instance.clinicians if not allowed or allowed & c.credentials]
    return {
        "episodes": EpisodeOfCare.objects.filter(program=program, status=EpisodeStatus.ACTIVE)
        .select_related("patient")
        .order_by("patient__legal_family_name", "patient__legal_given_name"),
        "group_sessions": planning.week_group_sessions(program, week_start),
        "slots": [
            (
                slot.id,
                f"{week_start + slot.when.day * planning.ONE_DAY:%a %d %b} "
                f"{format_time(slot.when.start)}–{format_time(slot.when.end)}",
            )
            for slot in sorted(instance.slots, key=lambda s: (s.when.day, s.when.start, s.id))
        ],
        "clinicians": User.objects.filter(uuid__in=clinician_ids).select_related("staff_profile"),
        "rooms": Room.objects.all(),
    }


@policy("scheduling.plan")
def week_plan(request, program_uuid):
    program = _program_for_user(request, program_uuid)
    form = WeekForm(request.GET or None)
    chosen = form.cleaned_data.get("week") if form.is_valid() else None
    week_start = week_start_of(chosen or timezone.localdate())
    plan = (
        WeekPlan.objects.filter(program=program, week_start=week_start)
        .select_related("program", "published_by")
        .first()
    )
    audit_record(
        action=Action.VIEW,
        request=request,
        obj=plan or program,
        detail={"week": week_start.isoformat(), "plan": plan is not None},
    )
    context = {
        "program": program,
        "form": form,
        "week_start": week_start,
        "week_end": week_start + datetime.timedelta(days=6),
        "plan": plan,
        "is_published": plan is not None and plan.status == WeekPlanStatus.PUBLISHED,
        "sessions_url": reverse("scheduling:session_list")
        + "?"
        + urlencode({"week": week_start.isoformat()}),
    }
    if plan is not None:
        context.update(
            hours=planning.plan_hours(plan),
            days=planning.plan_days(plan),
            gap_percent=None if plan.gap is None else f"{plan.gap * 100:.1f}",
            **_change_options(program, week_start),
        )
    return render(request, "scheduling/plan.html", context)


def _posted_week(request):
    form = PlanWeekForm(request.POST)
    if not form.is_valid():
        messages.warning(request, _("Choose a week to plan."))
        return None
    return week_start_of(form.cleaned_data["week"])


@policy("scheduling.plan")
@require_POST
def week_plan_build(request, program_uuid):
    program = _program_for_user(request, program_uuid)
    week_start = _posted_week(request)
    if week_start is None:
        return redirect("scheduling:week_plan", program_uuid=program.uuid)
    limit = settings.OPENIOP_PLANNING_TIME_LIMIT
    try:
        plan = planning.week_plan_build(
            program=program, week_start=week_start, by=request.user, time_limit=limit, request=request
        )
    except ValidationError as error:
        messages.warning(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The week is planned (%(status)s): %(count)s bookings in the draft.")
            % {"status": plan.solver_status, "count": plan.bookings.count()},
        )
    return redirect(_plan_url(program, week_start))


@policy("scheduling.plan")
@require_POST
def week_plan_change(request, program_uuid):
    program = _program_for_user(request, program_uuid)
    form = PlanChangeForm(request.POST)
    if not form.is_valid():
        messages.warning(request, _("Choose a patient and what to change."))
        week = PlanWeekForm(request.POST)
        if week.is_valid():
            return redirect(_plan_url(program, week_start_of(week.cleaned_data["week"])))
        return redirect("scheduling:week_plan", program_uuid=program.uuid)
    data = form.cleaned_data
    week_start = week_start_of(data["week"])
    plan = WeekPlan.objects.filter(program=program, week_start=week_start).first()
    episode = EpisodeOfCare.objects.filter(program=program, uuid=data["episode"]).first()
    if plan is None or episode is None:
        messages.warning(request, _("Build the week first, then change it."))
        return redirect(_plan_url(program, week_start))
    try:
        planning.week_plan_change(
            plan=plan,
            episode=episode,
            action=data["action"],
            session=Session.objects.filter(program=program, uuid=data["session"]).first()
            if data["session"]
            else None,
            slot=data["slot"],
            clinician=User.objects.filter(uuid=data["clinician"]).first() if data["clinician"] else None,
            room=Room.objects.filter(uuid=data["room"]).first() if data["room"] else None,
            by=request.user,
            request=request,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The draft is changed and checked: no new conflicts."))
    return redirect(_plan_url(program, week_start))


@policy("scheduling.plan")
@require_POST
def week_plan_publish(request, program_uuid):
    program = _program_for_user(request, program_uuid)
    week_start = _posted_week(request)
    if week_start is None:
        return redirect("scheduling:week_plan", program_uuid=program.uuid)
    plan = WeekPlan.objects.filter(program=program, week_start=week_start).first()
    if plan is None:
        messages.warning(request, _("Build the week first, then publish it."))
        return redirect(_plan_url(program, week_start))
    was_published = plan.status == WeekPlanStatus.PUBLISHED
    try:
        done = planning.week_plan_publish(plan=plan, by=request.user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_plan_url(program, week_start))
    if done.changed:
        messages.success(
            request,
            _(
                "Published: %(booked)s group bookings added, %(unbooked)s removed, %(created)s individual "
                "sessions created, %(cancelled)s cancelled."
            )
            % {k: getattr(done, k) for k in ("booked", "unbooked", "created", "cancelled")},
        )
    elif was_published:
        messages.success(request, _("Already published: nothing changed."))
    else:
        messages.success(request, _("Published: the calendar already matched the plan."))
    return redirect(_plan_url(program, week_start))


urlpatterns: list = [
    path("programs/<uuid:program_uuid>/plan/", week_plan, name="week_plan"),
    path("programs/<uuid:program_uuid>/plan/build/", week_plan_build, name="week_plan_build"),
    path("programs/<uuid:program_uuid>/plan/change/", week_plan_change, name="week_plan_change"),
    path("programs/<uuid:program_uuid>/plan/publish/", week_plan_publish, name="week_plan_publish"),
]
