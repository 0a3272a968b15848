"""Discharge pages: plan a discharge from the chart, the discharge page (checklist, aftercare, waivers),
edit, add/remove an aftercare appointment, waive a requirement, close the episode.

Loaders (selectors.py) check the rules with the patient and audit; writes go through services.py.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openiop.audit.models import Action
from openiop.core.access import policy
from openiop.patients.models import EpisodeStatus
from openiop.patients.selectors import BreakGlassRequired

from . import checklist, services
from .forms import AftercareForm, CloseForm, DischargeForm, WaiverForm, add_service_errors
from .models import Requirement
from .selectors import (
    MANAGE,
    appointment_for_user,
    appointments_of,
    discharge_checklist,
    discharge_for_user,
    discharge_of,
    episode_for_discharge,
    signed_safety_plan,
)

GATE_VIEW = "discharge.view_discharge"
GATE_MANAGE = "discharge.manage_discharge"


def _break_glass(exc: BreakGlassRequired):
    return redirect("patients:break_glass", patient_uuid=exc.patient.uuid)


def _page_context(request, discharge, **extra) -> dict:
    patient = discharge.episode.patient
    items = discharge_checklist(discharge)
    return {
        "discharge": discharge,
        "episode": discharge.episode,
        "patient": patient,
        "items": items,
        "labels": dict(Requirement.choices),
        "ready": checklist.may_close(items),
        "appointments": appointments_of(discharge),
        "waivers": discharge.waivers.select_related("by").order_by("requirement"),
        "safety_plan": signed_safety_plan(patient),
        "may_manage": discharge.is_open and request.user.has_perm(MANAGE, patient),
        **extra,
    }


@policy(GATE_MANAGE)
@require_http_methods(["GET", "POST"])
def discharge_start_view(request, episode_uuid):
    """Plan the discharge of an active episode (from the chart)."""
    episode = episode_for_discharge(request, episode_uuid, permission=MANAGE, audit=request.method == "GET")
    existing = discharge_of(episode)
    if existing is not None:
        return redirect("discharge:detail", discharge_uuid=existing.uuid)
    form = DischargeForm(request.POST or None)
    if episode.status != EpisodeStatus.ACTIVE:
        form.add_error(None, _("Only an active episode can be discharged."))
    elif request.method == "POST" and form.is_valid():
        try:
            discharge = services.discharge_start(
                episode=episode, by=request.user, request=request, **form.service_fields()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Discharge planning started."))
            return redirect("discharge:detail", discharge_uuid=discharge.uuid)
    return render(
        request,
        "discharge/discharge_form.html",
        {"form": form, "episode": episode, "patient": episode.patient},
    )


@policy(GATE_VIEW)
@require_GET
def discharge_detail(request, discharge_uuid):
    try:
        discharge = discharge_for_user(request, discharge_uuid, detail={"page": "discharge"})
    except BreakGlassRequired as exc:
        return _break_glass(exc)
    return render(request, "discharge/discharge_detail.html", _page_context(request, discharge))


@policy(GATE_MANAGE)
@require_http_methods(["GET", "POST"])
def discharge_edit(request, discharge_uuid):
    discharge = discharge_for_user(request, discharge_uuid, permission=MANAGE, audit=request.method == "GET")
    if not discharge.is_open:
        return redirect("discharge:detail", discharge_uuid=discharge.uuid)
    form = DischargeForm(request.POST or None, instance=discharge, initial={"version": discharge.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.discharge_update(
                discharge=discharge,
                version=form.cleaned_data["version"] or 0,
                by=request.user,
                request=request,
                **form.service_fields(),
            )
        except ValidationError as exc:
            # A stale save keeps the user's text in the form (bound to POST) and says what happened.
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Discharge saved."))
            return redirect("discharge:detail", discharge_uuid=discharge.uuid)
    context = {
        "form": form,
        "episode": discharge.episode,
        "patient": discharge.episode.patient,
        "discharge": discharge,
    }
    return render(request, "discharge/discharge_form.html", context)


@policy(GATE_MANAGE)
@require_http_methods(["GET", "POST"])
def aftercare_add_view(request, discharge_uuid):
    discharge = discharge_for_user(request, discharge_uuid, permission=MANAGE, audit=request.method == "GET")
    form = AftercareForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.aftercare_add(discharge=discharge, by=request.user, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Aftercare appointment added."))
            return redirect("discharge:detail", discharge_uuid=discharge.uuid)
    context = {"form": form, "discharge": discharge, "patient": discharge.episode.patient}
    return render(request, "discharge/aftercare_form.html", context)


@policy(GATE_MANAGE)
@require_POST
def aftercare_remove_view(request, appointment_uuid):
    appointment = appointment_for_user(request, appointment_uuid, permission=MANAGE, audit=False)
    discharge = appointment.discharge
    try:
        services.aftercare_remove(appointment=appointment, by=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Aftercare appointment removed."))
    return redirect("discharge:detail", discharge_uuid=discharge.uuid)


@policy(GATE_MANAGE)
@require_http_methods(["GET", "POST"])
def waive_view(request, discharge_uuid):
    discharge = discharge_for_user(request, discharge_uuid, permission=MANAGE, audit=request.method == "GET")
    form = WaiverForm(request.POST or None, initial={"requirement": request.GET.get("requirement", "")})
    form.fields["requirement"].choices = [
        (value, label) for value, label in Requirement.choices if checklist.waivable(discharge.reason, value)
    ]
    if request.method == "POST" and form.is_valid():
        try:
            services.requirement_waive(
                discharge=discharge, by=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Requirement waived."))
            return redirect("discharge:detail", discharge_uuid=discharge.uuid)
    context = {"form": form, "discharge": discharge, "patient": discharge.episode.patient}
    return render(request, "discharge/waiver_form.html", context)


@policy(GATE_MANAGE)
@require_http_methods(["GET", "POST"])
def close_view(request, discharge_uuid):
    """Close the episode; refused with the missing parts listed when the checklist is not complete."""
    discharge = discharge_for_user(
        request, discharge_uuid, permission=MANAGE, audit=request.method == "GET", action=Action.VIEW
    )
    if not discharge.is_open:
        return redirect("discharge:detail", discharge_uuid=discharge.uuid)
    today = timezone.localdate()
    form = CloseForm(request.POST or None, initial={"on": min(discharge.planned_on, today)})
    missing = []
    if request.method == "POST" and form.is_valid():
        try:
            services.discharge_close(
                discharge=discharge, by=request.user, on=form.cleaned_data["on"], request=request
            )
        except services.NotReady as exc:
            missing = exc.missing
            form.add_error(
                None, _("The episode cannot close yet: the parts below are neither done nor waived.")
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Episode closed: discharged."))
            return redirect("discharge:detail", discharge_uuid=discharge.uuid)
    context = _page_context(request, discharge, form=form, missing=missing)
    return render(request, "discharge/close.html", context)
