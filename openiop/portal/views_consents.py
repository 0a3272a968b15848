"""The portal's "consents" part: the patient's consents in plain words, and signing one that their team
prepared for them (typed full name, audited by the coordination service)."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.coordination.models import Consent
from openiop.coordination.services import ConsentChanged, consent_sign_in_portal, consents_awaiting_signature
from openiop.core.access import policy

from .forms_consents import ConsentSignatureForm
from .selectors import owned_or_404, portal_patient


@policy("portal.use")
@require_GET
def consents(request):
    """Consents waiting for the patient's signature, then the ones they signed (with their status)."""
    patient = portal_patient(request, page="consents")
    now = timezone.now()
    signed = (
        Consent.objects.filter(patient=patient)
        .select_related("recipient")
        .with_discharges()
        .order_by("-signed_at", "-pk")
    )
    context = {
        "patient": patient,
        "awaiting": list(consents_awaiting_signature(patient)),
        "signed": [(consent, consent.status_at(now)) for consent in signed],
    }
    return render(request, "portal/consents/list.html", context)


def _version(consent: Consent) -> str:
    return consent.updated_at.isoformat()


@policy("portal.use")
@require_http_methods(["GET", "POST"])
def consent_sign(request, consent_uuid):
    """One consent in plain words; while it waits for the patient's signature, the form to sign it."""
    posted = request.method == "POST"
    patient = portal_patient(request, page="consent", audit=not posted)
    consent = owned_or_404(Consent.with_unsigned.select_related("recipient"), patient, uuid=consent_uuid)
    may_sign = consent.awaiting_signature and consent.revoked_at is None
    form = ConsentSignatureForm(
        request.POST if posted else None, patient=patient, initial={"version": _version(consent)}
    )
    if posted:
        if not may_sign:
            messages.info(request, _("This consent is not waiting for your signature."))
            return redirect("portal:consent_sign", consent_uuid=consent.uuid)
        if form.is_valid():
            try:
                version = datetime.datetime.fromisoformat(form.cleaned_data["version"])
            except ValueError:
                version = None
            try:
                if version is None:
                    raise ConsentChanged("stale")
                consent_sign_in_portal(
                    consent=consent,
                    signed_name=form.cleaned_data["signed_name"],
                    version=version,
                    by=request.user,
                    request=request,
                )
            except ConsentChanged:
                messages.warning(request, _("This consent changed. Please read it again before you sign."))
                return redirect("portal:consent_sign", consent_uuid=consent.uuid)
            except ValidationError:
                form.add_error("signed_name", _("This name does not match the name on your record."))
            else:
                messages.success(request, _("Thank you. You signed this consent."))
                return redirect("portal:consents")
        # A refused signature re-renders the consent: a read, audited as one.
        audit_record(
            action=Action.VIEW, request=request, patient=patient, obj=patient, detail={"portal": "consent"}
        )
    context = {
        "patient": patient,
        "consent": consent,
        "status": consent.status_at(timezone.now()),
        "may_sign": may_sign,
        "form": form,
    }
    return render(request, "portal/consents/sign.html", context)
