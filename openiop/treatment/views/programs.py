from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import policy, refuse
from openiop.programs.models import Program

from ..forms import ProgramSettingsForm
from ..selectors import program_plan_states, review_interval_for
from ..services import plan_settings_update


def _program_for(request, program_uuid, permission: str) -> Program:
    program = get_object_or_404(Program, uuid=program_uuid)
    if not request.user.has_perm(permission, program):
        refuse(request, permission=permission, obj=program)
    return program


@policy("treatment.view_program_plans")
@require_GET
def program_index(request):
    """The director's programs; with one program, straight to its plans."""
    programs = list(Program.objects.filter(staff_profiles__user=request.user).distinct())
    if len(programs) == 1:
        return redirect("treatment:program_plans", program_uuid=programs[0].uuid)
    return render(request, "treatment/program_index.html", {"programs": programs})


@policy("treatment.view_program_plans")
@require_GET
def program_plans(request, program_uuid):
    """Every admitted patient of the program with their plan's standing: overdue first, then due soonest."""
    program = _program_for(request, program_uuid, "treatment.view_program")
    today = timezone.localdate()
    states = program_plan_states(program, today=today)
    audit_record(
        action=Action.LIST,
        request=request,
        object_type="treatment.treatmentplan",
        detail={
            "program": str(program.uuid),
            "shown": len(states),
            "overdue": sum(s.standing.overdue for s in states),
        },
    )
    context = {
        "program": program,
        "states": states,
        "today": today,
        "overdue": sum(s.standing.overdue for s in states),
        "interval": review_interval_for(program),
        "may_configure": request.user.has_perm("treatment.configure_program", program),
    }
    return render(request, "treatment/program_plans.html", context)


@policy("treatment.view_program_plans")
@require_http_methods(["GET", "POST"])
def program_settings(request, program_uuid):
    """How often the program's plans are reviewed (default every 30 days)."""
    program = _program_for(request, program_uuid, "treatment.configure_program")
    form = ProgramSettingsForm(
        request.POST or None, initial={"review_interval_days": review_interval_for(program)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            plan_settings_update(
                program=program,
                review_interval_days=form.cleaned_data["review_interval_days"],
                by=request.user,
                request=request,
            )
        except ValidationError as error:
            form.add_error("review_interval_days", error.message_dict.get("review_interval_days"))
        else:
            messages.success(request, _("Plan settings saved."))
            return redirect("treatment:program_plans", program_uuid=program.uuid)
    return render(request, "treatment/program_settings.html", {"program": program, "form": form})
