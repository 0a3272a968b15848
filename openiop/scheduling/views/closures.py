"""Views: the days a program is closed, and closing it for a day. Closing cancels the day's sessions
already generated; those with attendance recorded are kept and named. The program's director only. This
module lists its own URL patterns; openiop/scheduling/urls.py joins them."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from openiop.core.access import policy

from ..forms import ClosureForm
from ..models import Closure
from ..services import closure_add
from .groups import program_for_director

# Closures listed: from this long ago on, and every later one.
RECENT = datetime.timedelta(days=60)


def _session_label(session) -> str:
    name = session.series.name if session.series else session.session_type.name
    return f"{name} {session.start_time:%H:%M}"


def _report(request, done) -> None:
    closure = done.closure
    messages.success(
        request,
        _("Closed on %(day)s (%(name)s): %(count)s sessions cancelled.")
        % {"day": closure.date.isoformat(), "name": closure.name, "count": len(done.cancelled)},
    )
    if done.kept:
        messages.warning(
            request,
            _(
                "Not cancelled, because their attendance is recorded: %(sessions)s. Cancel them by hand if needed."
            )
            % {"sessions": "; ".join(_session_label(s) for s in done.kept)},
        )
    if done.plans:
        messages.warning(
            request,
            _("The week of %(week)s already has a plan; rebuild it so it leaves the closed day out.")
            % {"week": done.plans[0].week_start.isoformat()},
        )


@policy("scheduling.manage_groups")
@require_http_methods(["GET", "POST"])
def closure_list(request, program_uuid):
    program = program_for_director(request, program_uuid)
    form = ClosureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            done = closure_add(
                program=program,
                date=form.cleaned_data["date"],
                name=form.cleaned_data["name"],
                by=request.user,
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            _report(request, done)
            return redirect("scheduling:closures", program_uuid=program.uuid)
    closures = Closure.objects.filter(Q(program=program) | Q(program__isnull=True)).filter(
        date__gte=timezone.localdate() - RECENT
    )
    return render(
        request, "scheduling/closures.html", {"program": program, "form": form, "closures": closures}
    )


urlpatterns: list = [
    path("programs/<uuid:program_uuid>/closures/", closure_list, name="closures"),
]
