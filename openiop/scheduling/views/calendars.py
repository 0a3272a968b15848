"""Views: calendars of a patient, a clinician, a room and a program (a week, or a day), and the private
iCalendar feeds. This module lists its own URL patterns; openiop/scheduling/urls.py joins them."""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from openiop.accounts.models import Role
from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import PUBLIC, policy, refuse
from openiop.patients.selectors import BreakGlassRequired, open_break_glass, patient_for_user
from openiop.programs.models import Program

from .. import calendars
from ..models import Room
from ..selectors import session_programs_of

# The feed's URL lives in the session only between the POST that creates it and the page that shows it.
NEW_FEED_SESSION_KEY = "openiop_new_calendar_feed"
DATE = forms.DateInput(attrs={"type": "date"})


class PeriodForm(forms.Form):
    week = forms.DateField(label=gettext_lazy("Week of"), widget=DATE, required=False)
    day = forms.DateField(label=gettext_lazy("Day"), widget=DATE, required=False)

    def period(self) -> calendars.Period:
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("day"):
            return calendars.Period.day(data["day"])
        return calendars.Period.week_of(data.get("week") or timezone.localdate())


def _render_calendar(request, *, title: str, sessions_for, names_for=None, audit_detail: dict, **extra):
    form = PeriodForm(request.GET or None)
    period = form.period()
    days = calendars.calendar_days(period, sessions_for(period), names_for=names_for)
    entries = sum(len(day.entries) for day in days)
    named = sum(1 for day in days for entry in day.entries if entry.names is not None)
    audit_record(
        action=Action.LIST,
        request=request,
        patient=extra.get("patient"),
        object_type="scheduling.session",
        detail={**audit_detail, "from": period.first.isoformat(), "sessions": entries, "named": named},
    )

    def link(target: calendars.Period) -> str:
        return "?" + urlencode(target.query())

    context = {
        "title": title,
        "period": period,
        "days": days,
        "previous": link(period.previous),
        "next": link(period.next),
        "week_link": link(calendars.Period.week_of(period.first)),
        "day_link": link(calendars.Period.day(period.first)),
        "show_people": names_for is not None,
        **extra,
    }
    return render(request, "scheduling/calendar.html", context)


@policy("scheduling.view_calendars")
@require_GET
def calendar_index(request):
    """Where the calendars are: one's own sessions, one's programs, the rooms, the feeds."""
    user = request.user
    context = {
        "own": user.role in (Role.CLINICIAN, Role.PSYCHIATRIST, Role.PROGRAM_DIRECTOR),
        "programs": list(session_programs_of(user)),
        "rooms": list(Room.objects.all()),
    }
    return render(request, "scheduling/calendar_index.html", context)


@policy("patients.list_patients")
@require_GET
def patient_calendar(request, patient_uuid):
    """A patient's sessions: whoever may open the chart (break-the-glass as the chart). No other
    patient's name: a group's members are not shown."""
    try:
        # One audit event for the page: the calendar's own list event, naming the patient.
        patient = patient_for_user(request, patient_uuid, audit=False)
    except BreakGlassRequired as needed:
        return redirect("patients:break_glass", patient_uuid=needed.patient.uuid)
    access = open_break_glass(request.user, patient)
    return _render_calendar(
        request,
        title=_("Calendar of %(name)s") % {"name": patient.display_name},
        sessions_for=lambda period: calendars.patient_sessions(patient, period),
        audit_detail={"calendar": "patient", **({"break_glass": str(access.uuid)} if access else {})},
        patient=patient,
        may_create_feed=True,
    )


@policy("scheduling.view_calendars")
@require_GET
def clinician_calendar(request, user_uuid):
    """The sessions a clinician leads: the clinician and the directors of their programs. Who is booked
    shows only to the session's leaders and its program's director; others see the number."""
    clinician = calendars.staff_user(user_uuid)
    if clinician is None:
        raise Http404
    if not request.user.has_perm("scheduling.view_clinician_calendar", clinician):
        refuse(request, permission="scheduling.view_clinician_calendar", obj=clinician)
    return _render_calendar(
        request,
        title=_("Calendar of %(name)s") % {"name": clinician.display_name},
        sessions_for=lambda period: calendars.clinician_sessions(clinician, period, with_names=True),
        names_for=calendars.names_visible_to(request.user),
        audit_detail={"calendar": "clinician", "clinician": str(clinician.uuid)},
        is_own=clinician == request.user,
    )


@policy("scheduling.view_calendars")
@require_GET
def room_calendar(request, room_uuid):
    """A room's occupancy for any clinical staff: sessions and numbers, no patient names."""
    room = get_object_or_404(Room, uuid=room_uuid)
    return _render_calendar(
        request,
        title=_("Calendar of %(room)s") % {"room": room.name},
        sessions_for=lambda period: calendars.room_sessions(room, period),
        audit_detail={"calendar": "room", "room": str(room.uuid)},
    )


@policy("scheduling.view_calendars")
@require_GET
def program_calendar(request, program_uuid):
    """A program's sessions with their numbers, for the program's staff."""
    program = get_object_or_404(Program, uuid=program_uuid)
    if not request.user.has_perm("scheduling.view_program_calendar", program):
        refuse(request, permission="scheduling.view_program_calendar", obj=program)
    return _render_calendar(
        request,
        title=_("Calendar of %(program)s") % {"program": program.name},
        sessions_for=lambda period: calendars.program_sessions(program, period),
        audit_detail={"calendar": "program", "program": str(program.uuid)},
    )


# -- Feeds ---------------------------------------------------------------------------------------------


@policy("scheduling.manage_own_feeds")
@require_GET
@never_cache  # the page may show a new feed's URL: no copy of it in any cache
def feed_list(request):
    user = request.user
    feeds = list(calendars.feeds_of(user))
    for feed in feeds:
        # The patient's name only while the owner may still open the chart (the feed stops otherwise).
        feed.shows_patient = feed.patient is not None and user.has_perm("patients.view_chart", feed.patient)
    context = {
        "feeds": feeds,
        "may_create_own": user.has_perm("scheduling.create_clinician_feed"),
        "new_feed": request.session.pop(NEW_FEED_SESSION_KEY, None),
    }
    return render(request, "scheduling/feeds.html", context)


def _remember_new_feed(request, feed, raw: str) -> None:
    url = request.build_absolute_uri(reverse("scheduling:feed_ics", kwargs={"token": raw}))
    request.session[NEW_FEED_SESSION_KEY] = {"uuid": str(feed.uuid), "url": url}


@policy("scheduling.create_clinician_feed")
@require_POST
def feed_create(request):
    """A feed of the signed-in clinician's own sessions."""
    feed, raw = calendars.calendar_feed_create(owner=request.user, clinician=request.user, request=request)
    _remember_new_feed(request, feed, raw)
    messages.success(request, _("Calendar feed created."))
    return redirect("scheduling:feeds")


@policy("patients.list_patients")
@require_POST
def feed_create_for_patient(request, patient_uuid):
    """A feed of a patient's sessions, by someone who may open the chart (for the patient's own use)."""
    try:
        patient = patient_for_user(request, patient_uuid, audit=False)
    except BreakGlassRequired as needed:
        return redirect("patients:break_glass", patient_uuid=needed.patient.uuid)
    feed, raw = calendars.calendar_feed_create(owner=request.user, patient=patient, request=request)
    _remember_new_feed(request, feed, raw)
    messages.success(request, _("Calendar feed created."))
    return redirect("scheduling:feeds")


@policy("scheduling.manage_own_feeds")
@require_POST
def feed_revoke(request, feed_uuid):
    # Through the signed-in user: someone else's feed is simply not found.
    feed = get_object_or_404(calendars.feeds_of(request.user), uuid=feed_uuid)
    calendars.calendar_feed_revoke(feed=feed, by=request.user, request=request)
    messages.success(request, _("Calendar feed revoked."))
    return redirect("scheduling:feeds")


@policy(PUBLIC)  # calendar apps cannot sign in: the token in the URL is the credential
@require_GET
def feed_ics(request, token):
    feed = calendars.usable_feed(token)
    if feed is None:  # unknown, revoked, or its owner lost access: the same answer
        raise Http404
    body = calendars.calendar_feed_ics(feed, request=request, today=timezone.localdate())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = 'inline; filename="openiop.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response


urlpatterns = [
    path("calendar/", calendar_index, name="calendar"),
    path("calendar/patients/<uuid:patient_uuid>/", patient_calendar, name="calendar_patient"),
    path("calendar/clinicians/<uuid:user_uuid>/", clinician_calendar, name="calendar_clinician"),
    path("calendar/rooms/<uuid:room_uuid>/", room_calendar, name="calendar_room"),
    path("calendar/programs/<uuid:program_uuid>/", program_calendar, name="calendar_program"),
    path("feeds/", feed_list, name="feeds"),
    path("feeds/create/", feed_create, name="feed_create"),
    path("feeds/patients/<uuid:patient_uuid>/", feed_create_for_patient, name="feed_create_patient"),
    path("feeds/<uuid:feed_uuid>/revoke/", feed_revoke, name="feed_revoke"),
    path("feeds/<str:token>.ics", feed_ics, name="feed_ics"),
]
