"""The portal's "access" part: staff invite a patient (a staff page, from the chart), the patient accepts
the invitation (public: the link's token and the date of birth are the credentials) and keeps their portal
settings (language, two-factor sign-in, password).

Rules and writes live in openiop.invitations (rules.py, services.py); these views only route.
"""

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from openiop.audit.models import Action
from openiop.core.access import PUBLIC, policy
from openiop.invitations import services
from openiop.invitations.selectors import open_invitation_for_token, portal_access_of
from openiop.patients.selectors import patient_for_user

from .forms_access import AcceptForm, InviteForm, LanguageForm
from .selectors import portal_patient

REMINDERS_SECTION = "portal/reminders/_settings_section.html"


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- staff: invite a patient ---------------------------------------------------------------------------------


@policy("invitations.invite")
@require_http_methods(["GET", "POST"])
def invite_create(request, patient_uuid):
    """Send (or send again) a portal invitation. The chart check is the patient's; a POST audits its write
    only (the service), a GET the view of the page."""
    patient = patient_for_user(
        request,
        patient_uuid,
        permission="invitations.invite_patient",
        action=Action.VIEW,
        audit=request.method == "GET",
    )
    form = InviteForm(request.POST or None, initial={"email": patient.email})
    if request.method == "POST" and form.is_valid():
        try:
            invitation, raw = services.invitation_create(
                patient=patient, by=request.user, email=form.cleaned_data["email"], request=request
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            link = request.build_absolute_uri(reverse("portal:invite_accept", kwargs={"token": raw}))
            services.invitation_send(invitation=invitation, link=link)
            messages.success(request, _("Portal invitation sent. The link works for 72 hours."))
            return redirect("patients:chart", patient_uuid=patient.uuid)
    context = {"patient": patient, "form": form, "access": portal_access_of(patient)}
    return render(request, "portal/access/invite_form.html", context)


# --- public: accept an invitation ----------------------------------------------------------------------------


def _after_sign_in() -> str:
    try:
        return reverse("portal:home")
    except NoReverseMatch:
        return "/"


@policy(PUBLIC)
@never_cache
@require_http_methods(["GET", "POST"])
def invite_accept(request, token):
    """Set a password and confirm the date of birth; the account is created, linked and signed in. Every
    way a link can fail (unknown, used, revoked, expired, locked) shows the same neutral page."""
    invitation = open_invitation_for_token(token)
    if invitation is None:
        return render(request, "portal/access/invite_invalid.html", status=200)
    form = AcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                raw_token=token,
                date_of_birth=form.cleaned_data["date_of_birth"],
                password=form.cleaned_data["password1"],
                request=request,
            )
        except services.InvitationInvalid:
            return render(request, "portal/access/invite_invalid.html", status=200)
        except ValidationError as exc:
            if open_invitation_for_token(token) is None:  # that was the last try
                return render(request, "portal/access/invite_invalid.html", status=200)
            if "password" in getattr(exc, "error_dict", {}):
                exc = ValidationError({"password1": exc.error_dict["password"]})
            _add_errors(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! Your portal account is ready."))
            return redirect(_after_sign_in())
    return render(request, "portal/access/invite_accept.html", {"form": form})


# --- patient: settings ---------------------------------------------------------------------------------------


def _has_template(name: str) -> bool:
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return False
    return True


@policy("portal.use")
@require_http_methods(["GET", "POST"])
def settings_page(request):
    """Language, two-factor sign-in (optional for patients) and password; the reminders part adds its own
    section when it is installed."""
    patient = portal_patient(request, page="settings", audit=request.method == "GET")
    current = patient.language if patient.language in services.PORTAL_LANGUAGES else "en"
    form = LanguageForm(request.POST or None, initial={"language": current})
    if request.method == "POST" and form.is_valid():
        try:
            services.portal_language_set(
                patient=patient, language=form.cleaned_data["language"], by=request.user, request=request
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Your settings are saved."))
            return redirect("portal:settings")
    context = {
        "patient": patient,
        "form": form,
        "reminders_section": REMINDERS_SECTION if _has_template(REMINDERS_SECTION) else None,
    }
    return render(request, "portal/access/settings.html", context)
