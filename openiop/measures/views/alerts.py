"""Urgent alerts: the list of those the user works, one alert with the crisis message, and closing it
(never without an action and a note)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import policy
from openiop.patients.selectors import BreakGlassRequired

from ..forms import CloseAlertForm
from ..models import AlertStatus
from ..selectors import alert_for_user, alerts_for_user, break_glass_detail
from ..services import AlertAlreadyClosed, alert_close
from .shown import shown_administration

LIST_LIMIT = 200


@policy("measures.view")
@require_GET
def alert_list(request):
    """Alerts assigned to the user, on their care teams' patients, or (directors) in their programs."""
    status = request.GET.get("status", AlertStatus.OPEN)
    if status not in (AlertStatus.OPEN, AlertStatus.CLOSED):
        status = AlertStatus.OPEN
    alerts = list(alerts_for_user(request.user, status=status)[:LIST_LIMIT])
    audit_record(
        action=Action.LIST,
        request=request,
        object_type="measures.measurealert",
        detail={"status": status, "shown": len(alerts)},
    )
    return render(request, "measures/alert_list.html", {"alerts": alerts, "status": status})


def _render_detail(request, alert, form):
    context = {
        "alert": alert,
        "patient": alert.patient,
        "administration": alert.administration,
        # No administration yet: raised at a critical answer of a questionnaire unfinished in the portal.
        "shown": shown_administration(alert.administration) if alert.administration else None,
        "form": form,
        "may_close": alert.status == AlertStatus.OPEN
        and request.user.has_perm("measures.close_alert", alert),
    }
    return render(request, "measures/alert_detail.html", context)


@policy("measures.view")
@require_GET
def alert_detail(request, alert_uuid):
    try:
        alert = alert_for_user(request, alert_uuid)
    except BreakGlassRequired as exc:
        return redirect("patients:break_glass", patient_uuid=exc.patient.uuid)
    return _render_detail(request, alert, CloseAlertForm())


@policy("measures.view")
@require_POST
def alert_close_view(request, alert_uuid):
    """Close with an action and a note; anything missing re-renders the alert with the reasons."""
    alert = alert_for_user(request, alert_uuid, close=True, audit=False)
    if alert.status != AlertStatus.OPEN:
        messages.info(request, _("This alert is already closed."))
        return redirect("measures:alert_detail", alert_uuid=alert.uuid)
    form = CloseAlertForm(request.POST)
    if form.is_valid():
        try:
            alert_close(
                alert=alert,
                action=form.cleaned_data["action"],
                note=form.cleaned_data["note"],
                by=request.user,
                request=request,
            )
        except AlertAlreadyClosed as exc:
            messages.error(request, str(exc))
            return redirect("measures:alert_detail", alert_uuid=alert.uuid)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            messages.success(request, _("Alert closed. The action and your note are on the record."))
            return redirect("measures:alert_detail", alert_uuid=alert.uuid)
    audit_record(
        action=Action.VIEW,
        request=request,
        patient=alert.patient,
        obj=alert,
        detail=break_glass_detail(request, alert.patient, {"page": "close", "invalid": True}),
    )
    return _render_detail(request, alert, form)
