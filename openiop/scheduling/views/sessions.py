"""Views: the week's sessions, generating them from the recurring groups, and calling one off."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import policy, refuse

from ..forms import CancelSessionForm, GenerateForm, WeekForm
from ..models import AttendanceStatus, SessionStatus
from ..selectors import ONE_WEEK, directed_programs_of, session_for_user, sessions_of_week, week_start_of
from ..services import session_cancel, sessions_generate


def _week_url(week_start: datetime.date) -> str:
    return reverse("scheduling:session_list") + "?" + urlencode({"week": week_start.isoformat()})


@policy("scheduling.view_sessions")
def session_list(request):
    form = WeekForm(request.GET or None)
    chosen = form.cleaned_data.get("week") if form.is_valid() else None
    week_start = week_start_of(chosen or timezone.localdate())
    days = sessions_of_week(request.user, week_start)
    audit_record(
        action=Action.LIST,
        request=request,
        object_type="scheduling.session",
        detail={"week": week_start.isoformat(), "sessions": sum(len(day.rows) for day in days)},
    )
    context = {
        "form": form,
        "week_start": week_start,
        "week_end": week_start + datetime.timedelta(days=6),
        "previous_week": _week_url(week_start - ONE_WEEK),
        "next_week": _week_url(week_start + ONE_WEEK),
        "days": days,
        "directed_programs": list(directed_programs_of(request.user)),
    }
    return render(request, "scheduling/session_list.html", context)


@policy("scheduling.generate")
@require_POST
def generate(request):
    form = GenerateForm(request.POST, programs=directed_programs_of(request.user))
    if not form.is_valid():
        messages.warning(request, _("Choose one of your programs and a week to generate."))
        return redirect("scheduling:session_list")
    program = form.cleaned_data["program"]
    if not request.user.has_perm("scheduling.generate_sessions", program):
        refuse(request, permission="scheduling.generate_sessions", obj=program)
    week_start = week_start_of(form.cleaned_data["week"])
    try:
        created = sessions_generate(program=program, week_start=week_start, by=request.user, request=request)
    except ValidationError as error:
        messages.warning(request, " ".join(error.messages))
    else:
        if created:
            messages.success(
                request,
                _("%(count)s sessions created for %(program)s, week of %(week)s.")
                % {"count": len(created), "program": program.short_name, "week": week_start.isoformat()},
            )
        else:
            messages.success(request, _("This week's sessions were already generated; nothing new."))
    return redirect(_week_url(week_start))


@policy("scheduling.view_sessions")
@require_http_methods(["GET", "POST"])
def cancel(request, session_uuid):
    """Call off one session with a reason: those who lead it and its program's director. A session whose
    attendance is recorded took place and cannot be cancelled (the service refuses; the page says so)."""
    session = session_for_user(request, session_uuid, permission="scheduling.cancel_session")
    form = CancelSessionForm(request.POST or None)
    is_cancelled = session.status == SessionStatus.CANCELLED
    if request.method == "POST" and is_cancelled:
        messages.info(request, _("This session was already cancelled."))
        return redirect(_week_url(week_start_of(session.date)))
    if request.method == "POST" and form.is_valid():
        try:
            session_cancel(
                session=session, reason=form.cleaned_data["reason"], by=request.user, request=request
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Session cancelled: %(name)s, %(day)s %(time)s.")
                % {
                    "name": session.series.name if session.series else session.session_type.name,
                    "day": session.date.isoformat(),
                    "time": session.start_time.strftime("%H:%M"),
                },
            )
            return redirect(_week_url(week_start_of(session.date)))
    context = {
        "session": session,
        "form": form,
        "booked": session.attendees.count(),
        "is_cancelled": is_cancelled,
        "took_place": session.attendees.exclude(
            status__in=[AttendanceStatus.SCHEDULED, AttendanceStatus.CANCELLED]
        ).exists(),
        "week_url": _week_url(week_start_of(session.date)),
    }
    return render(request, "scheduling/session_cancel.html", context)
