from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import policy, refuse
from openiop.core.panels import MY_DAY, panels_of
from openiop.intake.selectors_admissions import open_due_items_owned_by
from openiop.patients.selectors import break_glass_awaiting_review
from openiop.programs.models import Track

from .models import Task
from .selectors import caseload_of
from .services import task_complete


@policy("home.enter")
def index(request):
    """Send each person to where their work starts."""
    user = request.user
    if user.has_perm("home.view_my_day"):
        return redirect("home:my_day")
    if user.has_perm("portal.use"):
        return redirect("portal:home")
    if user.has_perm("home.view_own_care"):
        return redirect("home:my_care")
    if user.has_perm("invitations.family_view"):
        return redirect("portal:family_view")
    if user.has_perm("audit.view_report"):
        return redirect("audit:report")
    if user.is_staff:
        return redirect("admin:index")
    return render(request, "home/no_role.html")


@policy("home.view_my_day")
def my_day(request):
    user = request.user
    today = timezone.localdate()
    tracks_today = (
        Track.objects.filter(program__staff_profiles__user=user).select_related("program").distinct()
    )
    tracks_today = sorted(tracks_today.meeting_on(today), key=lambda t: (t.start_time, t.program.name))
    tasks = list(Task.objects.open().for_user(user).select_related("patient").order_by("due_on"))
    caseload = caseload_of(user)
    due_items = list(open_due_items_owned_by(user))
    reviews = (
        list(break_glass_awaiting_review(user)) if user.has_perm("patients.review_break_glass_queue") else []
    )
    audit_record(
        action=Action.LIST,
        request=request,
        object_type="home.my_day",
        detail={
            "caseload": len(caseload),
            "tasks": len(tasks),
            "reviews": len(reviews),
            "due_items": len(due_items),
        },
    )
    context = {
        "today": today,
        "tracks_today": tracks_today,
        "tasks": tasks,
        "due_items": due_items,
        "caseload": caseload,
        "reviews": reviews,
        "panels": panels_of(MY_DAY, request),
    }
    return render(request, "home/my_day.html", context)


@policy("home.view_my_day")
@require_POST
def task_done(request, task_uuid):
    task = get_object_or_404(Task.objects.select_related("patient"), uuid=task_uuid)
    if not request.user.has_perm("home.complete_task", task):
        refuse(request, permission="home.complete_task", patient=task.patient, obj=task)
    task_complete(task=task, user=request.user, request=request)
    if request.htmx:
        return render(request, "home/_task_done.html", {"task": task})
    messages.success(request, _("Task done: %(title)s") % {"title": task.title})
    return redirect("home:my_day")


@policy("home.view_own_care")
def my_care(request):
    """The patient's page before the portal (issue 8): a patient with a linked record goes to the portal's
    home; one whose account is not linked yet still learns why there is nothing to show."""
    if request.user.has_perm("portal.use"):
        return redirect("portal:home")
    return render(request, "home/my_care.html", {"patient": None})
