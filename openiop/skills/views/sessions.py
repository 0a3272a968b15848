"""Views: the week's group sessions with their lessons, and one session's lesson and homework."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import policy
from openiop.scheduling.forms import WeekForm
from openiop.scheduling.models import SessionStatus
from openiop.scheduling.selectors import week_start_of

from ..forms import SessionHomeworkForm, SessionLessonForm, add_service_errors
from ..models import Lesson
from ..selectors import (
    ONE_WEEK,
    group_sessions_of_week,
    lesson_choices,
    session_attendees,
    session_for_user,
    session_lesson,
)
from ..services import homework_assign_from_session, session_lesson_set

HOMEWORK_DAYS = 7  # a lesson's homework is usually due at the next week's group


def _week_url(week_start: datetime.date) -> str:
    return reverse("skills:sessions") + "?" + urlencode({"week": week_start.isoformat()})


@policy("skills.view_sessions")
def sessions(request):
    """The group sessions of the user's programs in a week, with the lesson each teaches. No patient data."""
    form = WeekForm(request.GET or None)
    chosen = form.cleaned_data.get("week") if form.is_valid() else None
    week_start = week_start_of(chosen or timezone.localdate())
    context = {
        "form": form,
        "week_start": week_start,
        "week_end": week_start + datetime.timedelta(days=6),
        "previous_week": _week_url(week_start - ONE_WEEK),
        "next_week": _week_url(week_start + ONE_WEEK),
        "rows": group_sessions_of_week(request.user, week_start),
    }
    return render(request, "skills/sessions.html", context)


@policy("skills.view_sessions")
@require_http_methods(["GET", "POST"])
def session_detail(request, session_uuid):
    """Set the lesson a group session teaches; then give its homework to the people booked into it."""
    session = session_for_user(request, session_uuid)
    lesson = session_lesson(session)
    form = SessionLessonForm(
        request.POST or None, choices=lesson_choices(), initial={"lesson": str(lesson.uuid) if lesson else ""}
    )
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["lesson"]
        new_lesson = Lesson.objects.filter(uuid=chosen).first() if chosen else None
        try:
            session_lesson_set(session=session, lesson=new_lesson, by=request.user, request=request)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if new_lesson:
                messages.success(request, _("Lesson set: %(title)s.") % {"title": new_lesson.label})
            else:
                messages.success(request, _("This session no longer has a lesson."))
            return redirect("skills:session", session_uuid=session.uuid)
    return _render_session(request, session, lesson, form, None)


@policy("skills.view_sessions")
@require_POST
def session_homework(request, session_uuid):
    session = session_for_user(request, session_uuid)
    lesson = session_lesson(session)
    attendees = session_attendees(session)
    homework_form = SessionHomeworkForm(request.POST, attendees=attendees)
    if homework_form.is_valid():
        chosen = set(homework_form.cleaned_data["attendees"])
        episodes = [a.episode for a in attendees if str(a.episode.uuid) in chosen]
        try:
            created = homework_assign_from_session(
                session=session,
                episodes=episodes,
                by=request.user,
                due_on=homework_form.cleaned_data["due_on"],
                instructions=homework_form.cleaned_data["instructions"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(homework_form, error)
        else:
            skipped = len(episodes) - len(created)
            message = ngettext(
                "Homework given to %(count)s person.", "Homework given to %(count)s people.", len(created)
            ) % {"count": len(created)}
            if skipped:
                message += " " + ngettext(
                    "%(count)s person already had it.", "%(count)s people already had it.", skipped
                ) % {"count": skipped}
            messages.success(request, message)
            return redirect("skills:session", session_uuid=session.uuid)
    form = SessionLessonForm(choices=lesson_choices(), initial={"lesson": str(lesson.uuid) if lesson else ""})
    return _render_session(request, session, lesson, form, homework_form, attendees=attendees)


def _render_session(request, session, lesson, form, homework_form, *, attendees=None):
    attendees = session_attendees(session) if attendees is None else attendees
    if homework_form is None and lesson is not None:
        today = timezone.localdate()
        homework_form = SessionHomeworkForm(
            attendees=attendees,
            initial={
                "attendees": [str(a.episode.uuid) for a in attendees if a.had_lesson and not a.has_homework],
                "due_on": max(session.date, today) + datetime.timedelta(days=HOMEWORK_DAYS),
                "instructions": lesson.homework,
            },
        )
    audit_record(
        action=Action.VIEW,
        request=request,
        obj=session,
        detail={"page": "skills_session", "attendees": len(attendees)},
    )
    context = {
        "session": session,
        "lesson": lesson,
        "form": form,
        "homework_form": homework_form,
        "attendees": attendees,
        "is_cancelled": session.status == SessionStatus.CANCELLED,
        "is_group": session.session_type.is_group,
        "week_url": _week_url(week_start_of(session.date)),
    }
    return render(request, "skills/session.html", context)
