"""Utilization pages: the program list of authorizations, add / edit / end an authorization (from the
chart's panel), and the utilization-review summary PDF.

Loaders (selectors.py) check the rules with the patient and audit; writes go through services.py.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import policy
from openiop.core.pdf import pdf_response, render_pdf

from . import review, services
from .forms import AuthorizationForm, EndForm, ListFilterForm, ReviewRangeForm, add_service_errors
from .selectors import (
    MANAGE,
    PRINT,
    authorization_for_user,
    episode_for_user,
    patient_for_user,
    program_rows,
    programs_of,
)

GATE_MANAGE = "utilization.manage_authorization"
REVIEW_TEMPLATE = "utilization/pdf/review.html"


def _to_chart(patient):
    return redirect("patients:chart", patient_uuid=patient.uuid)


@policy("utilization.list_authorizations")
@require_GET
def authorization_list(request):
    """Active authorizations of the user's programs with their use; filter by program, alerts only."""
    programs = programs_of(request.user)
    form = ListFilterForm(request.GET or None, programs=programs)
    program, alert_only = None, False
    if form.is_valid():
        program, alert_only = form.cleaned_data["program"], form.cleaned_data["alert"]
    rows = program_rows(request.user, today=timezone.localdate(), program=program, alert_only=alert_only)
    audit_record(
        action=Action.LIST,
        request=request,
        object_type="utilization.payerauthorization",
        detail={
            "program": str(program.uuid) if program else "",
            "alert_only": alert_only,
            "shown": len(rows),
        },
    )
    return render(request, "utilization/list.html", {"form": form, "rows": rows})


@policy(GATE_MANAGE)
@require_http_methods(["GET", "POST"])
def authorization_add(request, episode_uuid):
    episode = episode_for_user(request, episode_uuid, permission=MANAGE, audit=request.method == "GET")
    form = AuthorizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.authorization_create(
                episode=episode, by=request.user, request=request, **form.service_fields()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Authorization recorded."))
            return _to_chart(episode.patient)
    context = {"form": form, "episode": episode, "patient": episode.patient}
    return render(request, "utilization/authorization_form.html", context)


@policy(GATE_MANAGE)
@require_http_methods(["GET", "POST"])
def authorization_edit(request, authorization_uuid):
    authorization = authorization_for_user(
        request, authorization_uuid, permission=MANAGE, audit=request.method == "GET"
    )
    patient = authorization.episode.patient
    if not authorization.is_active:
        return _to_chart(patient)
    form = AuthorizationForm(request.POST or None, instance=authorization)
    if request.method == "POST" and form.is_valid():
        try:
            services.authorization_update(
                authorization=authorization,
                version=form.cleaned_data["version"] or 0,
                by=request.user,
                request=request,
                **form.service_fields(),
            )
        except ValidationError as exc:
            # A stale save keeps the user's entries in the form (bound to POST) and says what happened.
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Authorization saved."))
            return _to_chart(patient)
    context = {
        "form": form,
        "episode": authorization.episode,
        "patient": patient,
        "authorization": authorization,
    }
    return render(request, "utilization/authorization_form.html", context)


@policy(GATE_MANAGE)
@require_http_methods(["GET", "POST"])
def authorization_end_view(request, authorization_uuid):
    authorization = authorization_for_user(
        request, authorization_uuid, permission=MANAGE, audit=request.method == "GET"
    )
    patient = authorization.episode.patient
    if not authorization.is_active:
        return _to_chart(patient)
    form = EndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.authorization_end(
                authorization=authorization,
                by=request.user,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Authorization ended."))
            return _to_chart(patient)
    context = {"form": form, "authorization": authorization, "patient": patient}
    return render(request, "utilization/authorization_end.html", context)


@policy("utilization.print_review")
@require_GET
def review_pdf(request, patient_uuid):
    """The utilization-review summary for ?from=..&to=.. (default: the last 4 weeks). A bad range, or one
    with no episode in treatment, re-renders the range form with the error."""
    patient = patient_for_user(request, patient_uuid, permission=PRINT, audit=False)
    today = timezone.localdate()
    if "from" in request.GET or "to" in request.GET:
        form = ReviewRangeForm(request.GET)
    else:
        start, end = review.default_range(today)
        form = ReviewRangeForm({"from": start.isoformat(), "to": end.isoformat()})
    episode = None
    if form.is_valid():
        start, end = form.cleaned_data["from"], form.cleaned_data["to"]
        episode = review.episode_in(patient, start, end)
        if episode is None:
            form.add_error(None, _("The person was not in treatment between these days."))
    if episode is None:
        # The form page names the patient: a read, audited as one.
        audit_record(
            action=Action.VIEW,
            request=request,
            patient=patient,
            obj=patient,
            detail={"page": "utilization_review_range", "errors": sorted(form.errors)},
        )
        return render(request, "utilization/review_form.html", {"form": form, "patient": patient})
    summary = review.build_review(patient, episode, start=start, end=end, today=today)
    audit_record(
        action=Action.PRINT,
        request=request,
        patient=patient,
        obj=episode,
        detail={
            "document": "utilization_review",
            "from": start.isoformat(),
            "to": end.isoformat(),
            "part2": summary.part2,
        },
    )
    pdf = render_pdf(REVIEW_TEMPLATE, {"review": summary}, request=request)
    return pdf_response(pdf, f"utilization-review-{patient.record_number}-{start}-{end}")
