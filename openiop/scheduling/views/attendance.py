from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import policy

from ..forms import attendance_formset
from ..models import SessionStatus
from ..selectors import session_attendees, session_for_user
from ..services import attendance_record


@policy("scheduling.view_sessions")
@require_http_methods(["GET", "POST"])
def attendance(request, session_uuid):
    """One screen for one session: every booked person's attendance, "Mark all present", exceptions per row."""
    session = session_for_user(request, session_uuid)
    attendees = session_attendees(session)
    length = session.minutes
    today = timezone.localdate()
    recordable = session.status == SessionStatus.SCHEDULED and session.date <= today
    data = request.POST if request.method == "POST" and recordable else None
    mark_all = data is not None and "mark_all_present" in data
    formset = attendance_formset(attendees, length=length, data=data, mark_all_present=mark_all)
    if mark_all:
        messages.info(request, _("Everyone is marked present. Change any exceptions, then save."))
    elif data is not None and formset.is_valid():
        by_episode = {a.episode.uuid: a for a in attendees}
        entries = []
        for row in formset.cleaned_data:
            attendee = by_episode.get(row["episode"])
            if attendee is None:
                messages.warning(
                    request, _("The roster changed while you were recording; please check again.")
                )
                return redirect("scheduling:attendance", session_uuid=session.uuid)
            entries.append((attendee, row["status"], row["minutes_attended"], row["note"]))
        try:
            changed = attendance_record(session=session, entries=entries, by=request.user, request=request)
        except ValidationError as error:
            formset._non_form_errors = formset.error_class(error.messages)
        else:
            messages.success(
                request, _("Attendance saved: %(count)s rows changed.") % {"count": len(changed)}
            )
            return redirect("scheduling:attendance", session_uuid=session.uuid)
    if len(formset.forms) != len(attendees):
        # A post without this page's management form (or with another row count): nothing to match rows to.
        messages.warning(
            request, _("The attendance form was incomplete, so nothing was saved. Please try again.")
        )
        return redirect("scheduling:attendance", session_uuid=session.uuid)
    audit_record(
        action=Action.VIEW,
        request=request,
        obj=session,
        detail={"page": "attendance", "attendees": len(attendees)},
    )
    rows = list(zip(attendees, formset.forms, strict=True))
    context = {
        "session": session,
        "formset": formset,
        "rows": rows,
        "recordable": recordable,
        "is_future": session.date > today,
    }
    return render(request, "scheduling/attendance.html", context)
