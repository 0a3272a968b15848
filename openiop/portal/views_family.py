"""The portal's "family" part: the patient gives (and takes back) a family member's access to the times
of their family sessions; the family member accepts the invitation and sees those times, nothing else.

Rules and writes live in openiop.invitations.family; these views only route.
"""

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import PUBLIC, policy
from openiop.invitations import family
from openiop.invitations.models import FamilyAccessGrant
from openiop.invitations.services import InvitationInvalid

from .forms_family import FamilyAcceptForm, FamilyGrantForm
from .selectors import owned_or_404, portal_patient


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- patient: grants -----------------------------------------------------------------------------------------


@policy("portal.use")
@require_http_methods(["GET", "POST"])
def family_list(request):
    """The patient's family members with access, and the form to add one (consent + typed name)."""
    patient = portal_patient(request, page="family", action=Action.LIST, audit=request.method == "GET")
    form = FamilyGrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            grant, raw = family.family_grant_create(
                patient=patient,
                by=request.user,
                request=request,
                name=form.cleaned_data["name"],
                relationship=form.cleaned_data["relationship"],
                email=form.cleaned_data["email"],
                consented=form.cleaned_data["consented"],
                typed_name=form.cleaned_data["typed_name"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            link = request.build_absolute_uri(reverse("portal:family_accept", kwargs={"token": raw}))
            family.family_invitation_send(grant=grant, link=link)
            messages.success(request, _("Done. We sent them an invitation. The link works for 72 hours."))
            return redirect("portal:family")
    grants = FamilyAccessGrant.objects.filter(patient=patient).order_by("-created_at", "-pk")
    context = {"patient": patient, "form": form, "grants": grants, "consent_text": family.consent_text()}
    return render(request, "portal/family/list.html", context)


@policy("portal.use")
@require_POST
def family_revoke(request, grant_uuid):
    patient = portal_patient(request, page="family", audit=False)
    grant = owned_or_404(FamilyAccessGrant.objects.all(), patient, uuid=grant_uuid)
    family.family_grant_revoke(grant=grant, by=request.user, request=request)
    messages.success(request, _("Done. This person can no longer see your family sessions."))
    return redirect("portal:family")


# --- public: a family member accepts -------------------------------------------------------------------------


@policy(PUBLIC)
@never_cache
@require_http_methods(["GET", "POST"])
def family_accept(request, token):
    """Confirm one's own email address and choose a password; the family account is created and signed
    in. Every way a link can fail shows the same neutral page."""
    if family.open_family_grant_for_token(token) is None:
        return render(request, "portal/access/invite_invalid.html", status=200)
    form = FamilyAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = family.family_invitation_accept(
                raw_token=token,
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                request=request,
            )
        except InvitationInvalid:
            return render(request, "portal/access/invite_invalid.html", status=200)
        except ValidationError as exc:
            if family.open_family_grant_for_token(token) is None:  # that was the last try
                return render(request, "portal/access/invite_invalid.html", status=200)
            if "password" in getattr(exc, "error_dict", {}):
                exc = ValidationError({"password1": exc.error_dict["password"]})
            _add_errors(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("portal:family_view")
    return render(request, "portal/family/accept.html", {"form": form})


# --- family member: the family view --------------------------------------------------------------------------


@policy("invitations.family_view")
def family_view(request):
    """The patient's upcoming family sessions: date, time, place. The patient is named by first name only
    so the family member knows whose sessions these are."""
    grant = family.active_grant_of(request.user)
    patient = grant.patient
    sessions = family.family_sessions(patient, timezone.localdate())
    audit_record(
        action=Action.LIST,
        request=request,
        patient=patient,
        obj=grant,
        detail={"family_view": "sessions", "count": len(sessions)},
    )
    context = {
        "first_name": patient.preferred_name or patient.legal_given_name,
        "sessions": sessions,
    }
    return render(request, "portal/family/view.html", context)
