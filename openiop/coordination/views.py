"""Coordination pages: the provider directory, a patient's external care team and consents, revoking a
consent, the accounting of disclosures (page and CSV) and sending a treatment summary through `disclose`.

Loaders (selectors.py) check the rules with the patient and audit; writes go through services.py.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from openiop.audit.models import Action
from openiop.core.access import policy
from openiop.core.pdf import pdf_response
from openiop.patients.selectors import BreakGlassRequired, current_episode

from . import services
from .export import accounting_csv_lines
from .forms import ConsentForm, ExternalMemberForm, ProviderForm, RevokeForm, SummaryForm
from .models import Category, Provider
from .selectors import (
    DISCLOSE,
    RECORD,
    consent_for_user,
    consent_rows,
    disclosures_of,
    external_team_of,
    patient_for_coordination,
    providers,
)
from .summary import summary_source


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(None if field == "__all__" or field not in form.fields else field, errors)
    else:
        form.add_error(None, exc.messages)


# --- provider directory --------------------------------------------------------------------------------------


@policy("coordination.view_providers")
@require_GET
def provider_list(request):
    text = request.GET.get("q", "")[:100]
    context = {
        "providers": providers(text=text),
        "q": text,
        "may_manage": request.user.has_perm("coordination.manage_providers"),
    }
    return render(request, "coordination/provider_list.html", context)


@policy("coordination.manage_providers")
@require_http_methods(["GET", "POST"])
def provider_create(request):
    form = ProviderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            provider = services.provider_create(by=request.user, request=request, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, _("Provider %(name)s added to the directory.") % {"name": provider.name}
            )
            return redirect("coordination:provider_list")
    return render(request, "coordination/provider_form.html", {"form": form, "provider": None})


@policy("coordination.manage_providers")
@require_http_methods(["GET", "POST"])
def provider_edit(request, provider_uuid):
    provider = get_object_or_404(Provider, uuid=provider_uuid)
    form = ProviderForm(request.POST or None, instance=Provider.objects.get(pk=provider.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.provider_update(provider=provider, by=request.user, request=request, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Provider %(name)s saved.") % {"name": provider.name})
            return redirect("coordination:provider_list")
    return render(request, "coordination/provider_form.html", {"form": form, "provider": provider})


# --- a patient's coordination page ---------------------------------------------------------------------------


def _break_glass(exc: BreakGlassRequired):
    return redirect("patients:break_glass", patient_uuid=exc.patient.uuid)


@policy("coordination.view_consents")
@require_GET
def patient_home(request, patient_uuid):
    """External care team and consents of a patient (reading follows the chart)."""
    try:
        patient = patient_for_coordination(request, patient_uuid, detail={"page": "coordination"})
    except BreakGlassRequired as exc:
        return _break_glass(exc)
    user = request.user
    context = {
        "patient": patient,
        "external_team": external_team_of(patient),
        "consents": consent_rows(patient),
        "may_record": user.has_perm("coordination.record_consents") and user.has_perm(RECORD, patient),
        "may_disclose": user.has_perm("coordination.disclose") and user.has_perm(DISCLOSE, patient),
    }
    return render(request, "coordination/patient_home.html", context)


@policy("coordination.record_consents")
@require_http_methods(["GET", "POST"])
def external_member_add(request, patient_uuid):
    patient = patient_for_coordination(
        request, patient_uuid, permission=RECORD, audit=request.method == "GET"
    )
    form = ExternalMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.external_member_add(
                patient=patient, by=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Added to the external care team."))
            return redirect("coordination:patient_home", patient_uuid=patient.uuid)
    return render(request, "coordination/external_member_form.html", {"form": form, "patient": patient})


@policy("coordination.record_consents")
@require_http_methods(["GET", "POST"])
def consent_create(request, patient_uuid):
    """Record a consent the patient signs on screen, in front of the signed-in staff member."""
    patient = patient_for_coordination(
        request, patient_uuid, permission=RECORD, audit=request.method == "GET"
    )
    episode = current_episode(patient)
    form = ConsentForm(request.POST or None, program_name=episode.program.name if episode else "")
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        for key in ("revocation_explained", "witnessed"):
            data.pop(key)
        try:
            services.consent_record(patient=patient, by=request.user, request=request, **data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Consent recorded."))
            return redirect("coordination:patient_home", patient_uuid=patient.uuid)
    return render(request, "coordination/consent_form.html", {"form": form, "patient": patient})


@policy("coordination.view_consents")
@require_GET
def consent_detail(request, consent_uuid):
    try:
        consent = consent_for_user(request, consent_uuid)
    except BreakGlassRequired as exc:
        return _break_glass(exc)
    user = request.user
    context = {
        "consent": consent,
        "patient": consent.patient,
        "status": consent.status_at(timezone.now()),
        "may_record": user.has_perm("coordination.record_consents")
        and user.has_perm(RECORD, consent.patient),
    }
    return render(request, "coordination/consent_detail.html", context)


@policy("coordination.record_consents")
@require_http_methods(["GET", "POST"])
def consent_revoke(request, consent_uuid):
    consent = consent_for_user(request, consent_uuid, permission=RECORD, audit=request.method == "GET")
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_revoke(
                consent=consent, note=form.cleaned_data["note"], by=request.user, request=request
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Consent revoked: it allows no disclosure from now on."))
            return redirect("coordination:consent_detail", consent_uuid=consent.uuid)
    return render(
        request,
        "coordination/consent_revoke.html",
        {"form": form, "consent": consent, "patient": consent.patient},
    )


# --- disclosures ---------------------------------------------------------------------------------------------


@policy("coordination.disclose")
@require_GET
def accounting(request, patient_uuid):
    """The accounting of disclosures: every release of this patient's records, kept at least 3 years."""
    patient = patient_for_coordination(
        request, patient_uuid, permission=DISCLOSE, detail={"page": "accounting"}
    )
    return render(
        request, "coordination/accounting.html", {"patient": patient, "disclosures": disclosures_of(patient)}
    )


@policy("coordination.disclose")
@require_GET
def accounting_csv(request, patient_uuid):
    patient = patient_for_coordination(
        request,
        patient_uuid,
        permission=DISCLOSE,
        action=Action.EXPORT,
        detail={"export": "accounting_of_disclosures"},
    )
    response = StreamingHttpResponse(
        accounting_csv_lines(disclosures_of(patient)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="disclosures-{patient.record_number}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@policy("coordination.disclose")
@require_http_methods(["GET", "POST"])
def send_summary(request, patient_uuid):
    """Send a treatment summary PDF to a provider: through `disclose`, so refused without a valid consent."""
    patient = patient_for_coordination(
        request,
        patient_uuid,
        permission=DISCLOSE,
        audit=request.method == "GET",
        detail={"page": "send_summary"},
    )
    form = SummaryForm(request.POST or None)
    refusal = None
    if request.method == "POST" and form.is_valid():
        recipient, purpose = form.cleaned_data["recipient"], form.cleaned_data["purpose"]
        include_plan = form.cleaned_data["include_plan"]
        categories = [Category.ATTENDANCE] + ([Category.TREATMENT_PLAN] if include_plan else [])
        try:
            _disclosure, content = services.disclose(
                patient=patient,
                recipient=recipient,
                purpose=purpose,
                categories=categories,
                document=summary_source(patient, recipient=recipient, include_plan=include_plan),
                media_type=services.PDF,
                description=_("Treatment summary (attendance%(plan)s)")
                % {"plan": _(", treatment plan goals") if include_plan else ""},
                by=request.user,
                request=request,
            )
        except services.DisclosureRefused as exc:
            refusal = exc.decision.message
        else:
            return pdf_response(content, f"summary-{patient.record_number}")
    context = {"form": form, "patient": patient, "refusal": refusal}
    return render(request, "coordination/send_summary.html", context, status=409 if refusal else 200)
