"""Views: a program's recurring groups and each group's roster (add or remove someone from a date). The
program's director only. This module lists its own URL patterns; openiop/scheduling/urls.py joins them."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import policy, refuse
from openiop.patients.models import EpisodeOfCare, EpisodeStatus
from openiop.programs.models import Program

from ..forms import RosterChangeForm
from ..models import AttendanceStatus, GroupSeries
from ..services import roster_change

# The roster page shows the group's sessions from this long ago, to show that they keep their roster.
RECENT = datetime.timedelta(days=21)


def program_for_director(request, program_uuid) -> Program:
    """The program, if the user directs it; 404 or an audited 403 otherwise. Shared with closures."""
    program = get_object_or_404(Program, uuid=program_uuid)
    if not request.user.has_perm("scheduling.manage_program_groups", program):
        refuse(request, permission="scheduling.manage_program_groups", obj=program)
    return program


def _series_for_director(request, series_uuid) -> GroupSeries:
    series = get_object_or_404(
        GroupSeries.objects.select_related("program", "track", "session_type", "room"), uuid=series_uuid
    )
    if not request.user.has_perm("scheduling.change_roster", series):
        refuse(request, permission="scheduling.change_roster", obj=series)
    return series


def _by_name(episodes):
    return episodes.select_related("patient").order_by(
        "patient__legal_family_name", "patient__legal_given_name"
    )


def _roster_forms(request, series: GroupSeries, today: datetime.date, action: str | None) -> dict:
    """The add and remove forms, the posted one bound. Add offers active patients of the group's program
    and track (or with no track yet) not already on it; remove offers those on it today or later."""
    candidates = (
        EpisodeOfCare.objects.filter(program=series.program, status=EpisodeStatus.ACTIVE)
        .filter(Q(track=series.track) | Q(track__isnull=True))
        .exclude(pk__in=series.memberships.filter(ends_on__isnull=True).values("episode"))
    )
    open_memberships = series.memberships.filter(Q(ends_on__isnull=True) | Q(ends_on__gt=today))
    members = EpisodeOfCare.objects.filter(pk__in=open_memberships.values("episode"))
    return {
        name: RosterChangeForm(
            request.POST if action == name else None, action=name, episodes=_by_name(episodes), today=today
        )
        for name, episodes in (("add", candidates), ("remove", members))
    }


def _recent_sessions(series: GroupSeries, today: datetime.date):
    took_place = ~Q(attendees__status__in=[AttendanceStatus.SCHEDULED, AttendanceStatus.CANCELLED])
    return (
        series.sessions.filter(date__gte=today - RECENT)
        .annotate(booked=Count("attendees"), recorded=Count("attendees", filter=took_place))
        .order_by("date")[:12]
    )


@policy("scheduling.manage_groups")
@require_GET
def group_list(request, program_uuid):
    """The program's recurring groups with today's roster size; each links to its roster."""
    program = program_for_director(request, program_uuid)
    today = timezone.localdate()
    series_list = (
        GroupSeries.objects.filter(program=program)
        .exclude(ends_on__lt=today)
        .select_related("track", "session_type", "room")
        .annotate(
            members=Count(
                "memberships",
                filter=Q(memberships__starts_on__lte=today)
                & (Q(memberships__ends_on__isnull=True) | Q(memberships__ends_on__gt=today)),
            )
        )
    )
    series_list = list(series_list)
    for series in series_list:
        series.day_name = WEEKDAYS[series.weekday]
    return render(request, "scheduling/group_list.html", {"program": program, "series_list": series_list})


@policy("scheduling.manage_groups")
@require_http_methods(["GET", "POST"])
def roster(request, series_uuid):
    """One group's roster: who is on it, and adding or removing someone from a date (today or later).
    Sessions before that date, and any whose attendance is recorded, keep their roster as it was."""
    series = _series_for_director(request, series_uuid)
    today = timezone.localdate()
    action = request.POST.get("action") if request.method == "POST" else None
    forms = _roster_forms(request, series, today, action)
    if request.method == "POST" and action not in forms:
        messages.warning(request, _("Choose whether to add or remove someone."))
        return redirect("scheduling:roster", series_uuid=series.uuid)
    if action is not None and forms[action].is_valid():
        form = forms[action]
        episode, effective = form.cleaned_data["episode"], form.cleaned_data["effective"]
        try:
            roster_change(
                series=series,
                episode=episode,
                effective=effective,
                action=action,
                by=request.user,
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            text = (
                _("%(name)s joins %(group)s from %(day)s.")
                if action == "add"
                else _("%(name)s leaves %(group)s from %(day)s.")
            )
            messages.success(
                request,
                text
                % {"name": episode.patient.display_name, "group": series.name, "day": effective.isoformat()},
            )
            return redirect("scheduling:roster", series_uuid=series.uuid)
    memberships = list(series.memberships.select_related("episode__patient").order_by("starts_on", "pk"))
    current = [m for m in memberships if m.ends_on is None or m.ends_on > today]
    earlier = [m for m in memberships if m.ends_on is not None and m.ends_on <= today]
    audit_record(
        action=Action.VIEW,
        request=request,
        obj=series,
        detail={"page": "roster", "members": len(memberships)},
    )
    context = {
        "series": series,
        "day_name": WEEKDAYS[series.weekday],
        "today": today,
        "current": current,
        "earlier": earlier,
        "add_form": forms["add"],
        "remove_form": forms["remove"],
        "sessions": _recent_sessions(series, today),
    }
    return render(request, "scheduling/roster.html", context)


urlpatterns: list = [
    path("programs/<uuid:program_uuid>/groups/", group_list, name="group_list"),
    path("groups/<uuid:series_uuid>/roster/", roster, name="roster"),
]
