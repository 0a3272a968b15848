"""Coordination pages: the provider directory, a patient's external care team (adding, ending) and consents
(on screen or a scanned paper form; revoking), the accounting of disclosures (page and CSV), sending a
treatment summary through `disclose` (download, or Direct secure messaging) and retrying a failed send.

Loaders (selectors.py) check the rules with the patient and audit; writes go through services.py.
"""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import policy
from openiop.core.pdf import pdf_response
from openiop.patients.selectors import BreakGlassRequired, current_episode

from . import services
from .export import accounting_csv_lines
from .forms import (
    ConsentForm,
    ExternalMemberEndForm,
    ExternalMemberForm,
    ProviderForm,
    RevokeForm,
    SummaryForm,
)
from .models import Category, Provider, TransmissionStatus
from .selectors import (
    DISCLOSE,
    RECORD,
    consent_for_user,
    consent_rows,
    disclosures_of,
    external_member_for_user,
    external_team_history,
    external_team_of,
    patient_for_coordination,
    providers,
    transmission_for_user,
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
        "external_history": external_team_history(patient),
        "consents": consent_rows(patient),
        "awaiting_consents": list(services.consents_awaiting_signature(patient)),
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
def external_member_end(request, member_uuid):
    """End a provider's membership of the external care team: kept as history, never deleted."""
    member = external_member_for_user(request, member_uuid, audit=request.method == "GET")
    patient = member.patient
    if not member.is_current:
        messages.info(request, _("This membership has already ended."))
        return redirect("coordination:patient_home", patient_uuid=patient.uuid)
    form = ExternalMemberEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.external_member_end(
                member=member,
                ended_on=form.cleaned_data["ended_on"],
                reason=form.cleaned_data["reason"],
                by=request.user,
                request=request,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, _("%(name)s is no longer on the external care team.") % {"name": member.provider}
            )
            return redirect("coordination:patient_home", patient_uuid=patient.uuid)
    context = {"form": form, "patient": patient, "member": member}
    return render(request, "coordination/external_member_end.html", context)


@policy("coordination.record_consents")
@require_http_methods(["GET", "POST"])
def consent_create(request, patient_uuid):
    """Record a consent the patient signs on screen, in front of the signed-in staff member, or signed on
    paper and uploaded as a scan; or prepare one for the patient to sign in the portal."""
    patient = patient_for_coordination(
        request, patient_uuid, permission=RECORD, audit=request.method == "GET"
    )
    episode = current_episode(patient)
    form = ConsentForm(
        request.POST or None, request.FILES or None, program_name=episode.program.name if episode else ""
    )
    if request.method == "POST" and form.is_valid():
        try:
            if form.for_portal:
                services.consent_prepare_for_portal(
                    patient=patient, by=request.user, request=request, **form.consent_fields()
                )
            elif form.signed_on_paper:
                services.consent_record_scanned(
                    patient=patient,
                    scan=form.cleaned_data["scan"],
                    received_by=form.cleaned_data["received_by"],
                    by=request.user,
                    request=request,
                    **form.consent_fields(),
                )
            else:
                services.consent_record(
                    patient=patient, by=request.user, request=request, **form.consent_fields()
                )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if form.for_portal:
                messages.success(
                    request, _("Consent prepared: the patient can now read and sign it in the portal.")
                )
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


@policy("coordination.view_consents")
@require_GET
def consent_scan(request, consent_uuid):
    """Download the scan of a consent signed on paper: whoever reads the consent; audited as an export."""
    try:
        consent = consent_for_user(request, consent_uuid, audit=False)
    except BreakGlassRequired as exc:
        return _break_glass(exc)
    scan = consent.scan
    if scan is None:
        raise Http404("This consent was signed on screen: there is no scan.")
    audit_record(
        action=Action.EXPORT,
        request=request,
        patient=consent.patient,
        obj=scan,
        detail={"export": "consent_scan", "consent": str(consent.uuid), "sha256": scan.sha256},
    )
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}.get(
        scan.content_type, "bin"
    )
    response = FileResponse(
        scan.file.open("rb"),
        as_attachment=True,
        filename=f"consent-{consent.patient.record_number}-{consent.signed_on:%Y-%m-%d}.{extension}",
        content_type=scan.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


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
    form = SummaryForm(request.POST or None, initial={"recipient": _preselected(request)})
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
            if form.cleaned_data["delivery"] == "direct":
                return _send_by_direct(request, _disclosure, content)
            return pdf_response(content, f"summary-{patient.record_number}")
    chosen = form.cleaned_data.get("recipient") if form.is_bound and form.is_valid() else None
    chosen = chosen or form.initial.get("recipient")
    context = {
        "form": form,
        "patient": patient,
        "refusal": refusal,
        "direct_address": chosen.direct_address if chosen else "",
    }
    return render(request, "coordination/send_summary.html", context, status=409 if refusal else 200)


def _preselected(request) -> Provider | None:
    """The recipient named by `?recipient=<uuid>` (a link from the external care team), if active."""
    try:
        return Provider.objects.filter(uuid=uuid.UUID(request.GET.get("recipient", "")), active=True).first()
    except ValueError:
        return None


def _send_by_direct(request, disclosure, content: bytes):
    transmission = services.transmission_send(
        disclosure=disclosure,
        content=content,
        attachment_name=f"summary-{disclosure.patient.record_number}.pdf",
        by=request.user,
        request=request,
    )
    report_transmission(request, transmission)
    return redirect("coordination:accounting", patient_uuid=disclosure.patient.uuid)


def report_transmission(request, transmission) -> None:
    """Tell the user how a Direct send went (the transitions packet page says it the same way)."""
    if transmission.status == TransmissionStatus.SENT:
        messages.success(request, _("Sent by Direct to %(address)s.") % {"address": transmission.address})
    else:
        messages.error(
            request,
            _(
                "Recorded as disclosed, but sending by Direct to %(address)s failed (%(error)s). Retry it from the accounting of disclosures."
            )
            % {"address": transmission.address, "error": transmission.last_error},
        )


@policy("coordination.disclose")
@require_POST
def transmission_retry(request, transmission_uuid):
    """Send a failed Direct transmission again, with the same bytes, without disclosing again."""
    transmission = transmission_for_user(request, transmission_uuid)
    try:
        transmission = services.transmission_retry(
            transmission=transmission, by=request.user, request=request
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        report_transmission(request, transmission)
    return redirect("coordination:accounting", patient_uuid=transmission.disclosure.patient.uuid)
