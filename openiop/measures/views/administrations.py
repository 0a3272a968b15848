"""A patient's questionnaires: the list with what is due, entering a paper form, one result, and marking
one entered in error. Loaders (selectors.py) check the rules and audit reads; services audit writes."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import policy, refuse
from openiop.patients.selectors import BreakGlassRequired, current_episode

from ..forms import AdministrationForm, InErrorForm
from ..models import Administration, Occasion
from ..registry import current_instruments, get_instrument
from ..selectors import (
    ENTER,
    administration_for_user,
    break_glass_detail,
    due_questionnaires,
    open_alerts_of,
    patient_administrations,
    patient_for_measures,
)
from ..services import (
    PossibleDuplicate,
    administration_mark_entered_in_error,
    administration_record,
    administration_share,
)
from .shown import shown_administration


def _break_glass(exc: BreakGlassRequired):
    return redirect("patients:break_glass", patient_uuid=exc.patient.uuid)


def _may_enter(request, patient) -> bool:
    return request.user.has_perm("measures.enter") and request.user.has_perm(ENTER, patient)


@policy("measures.view")
@require_GET
def patient_home(request, patient_uuid):
    """Every questionnaire of the patient (newest first), what is due now and the open urgent alerts."""
    try:
        patient = patient_for_measures(request, patient_uuid, detail={"page": "measures"})
    except BreakGlassRequired as exc:
        return _break_glass(exc)
    today = timezone.localdate()
    context = {
        "patient": patient,
        "episode": current_episode(patient),
        "administrations": patient_administrations(patient),
        "due": due_questionnaires(current_episode(patient), today),
        "alerts": open_alerts_of(patient),
        "may_enter": _may_enter(request, patient),
        "today": today,
    }
    return render(request, "measures/patient_home.html", context)


@policy("measures.enter")
@require_GET
def enter_choose(request, patient_uuid):
    """Pick the instrument to enter: what is due first, then every instrument of the library."""
    patient = patient_for_measures(request, patient_uuid, write=True, detail={"page": "enter"})
    episode = current_episode(patient)
    due = due_questionnaires(episode, timezone.localdate())
    context = {
        "patient": patient,
        "episode": episode,
        "due": due,
        "instruments": sorted(current_instruments(), key=lambda i: i.code),
    }
    return render(request, "measures/enter_choose.html", context)


def _language(instrument, request, patient) -> str:
    wanted = request.GET.get("language") or request.POST.get("language") or patient.language
    return wanted if wanted in instrument.languages else instrument.default_language


@policy("measures.enter")
@require_http_methods(["GET", "POST"])
def enter(request, patient_uuid, code):
    """Type in a paper form: every item with its options, the date completed and the occasion."""
    try:
        instrument = get_instrument(code)
    except LookupError:
        raise Http404("No such instrument.") from None
    patient = patient_for_measures(request, patient_uuid, write=True, audit=False)
    episode = current_episode(patient)
    if episode is None:
        messages.error(request, _("This person has no episode of care: there is nothing to enter against."))
        return redirect("patients:chart", patient_uuid=patient.uuid)
    language = _language(instrument, request, patient)
    duplicate = None
    if request.method == "POST":
        form = AdministrationForm(instrument, language, request.POST)
        if form.is_valid():
            try:
                recorded = administration_record(
                    episode=episode,
                    instrument_code=instrument.code,
                    answers=form.answers(),
                    completed_on=form.cleaned_data["completed_on"],
                    occasion=form.cleaned_data["occasion"],
                    language=language,
                    context=form.context(),
                    confirm_duplicate=form.cleaned_data["confirm_duplicate"],
                    by=request.user,
                    request=request,
                )
            except PossibleDuplicate as exc:
                duplicate = exc
                form.add_error(None, str(exc))
            except ValidationError as error:
                form.add_service_errors(error.message_dict)
            else:
                if recorded.alert is not None:
                    messages.error(
                        request,
                        _("Urgent alert raised: a same-day risk assessment is needed. See below."),
                    )
                else:
                    messages.success(request, _("Questionnaire recorded and scored."))
                return redirect(
                    "measures:administration_detail", administration_uuid=recorded.administration.uuid
                )
    else:
        occasion = request.GET.get("occasion")
        form = AdministrationForm(
            instrument,
            language,
            initial={"occasion": occasion if occasion in Occasion.values else Occasion.ON_DEMAND},
        )
    audit_record(
        action=Action.VIEW,
        request=request,
        patient=patient,
        obj=patient,
        detail=break_glass_detail(
            request,
            patient,
            {"page": "enter", "instrument": instrument.code, "invalid": request.method == "POST"},
        ),
    )
    context = {
        "patient": patient,
        "episode": episode,
        "instrument": instrument,
        "language": language,
        "texts": {
            name: (getattr(instrument, name) or {}).get(language, "")
            for name in ("title", "instructions", "stem")
        },
        "form": form,
        "duplicate": duplicate,
        "blank_items": getattr(form, "blank_items", []),
    }
    return render(request, "measures/enter.html", context)


@policy("measures.view")
@require_GET
def administration_detail(request, administration_uuid):
    """One result: total, band, flags, each item's answer; the alert it raised and its state."""
    try:
        administration = administration_for_user(request, administration_uuid)
    except BreakGlassRequired as exc:
        return _break_glass(exc)
    alerts = list(
        administration.alerts.select_related(
            "assigned_to__staff_profile", "closed_by__staff_profile"
        ).order_by("created_at")
    )
    may_mark = request.user.has_perm("measures.mark_in_error", administration)
    context = {
        "patient": administration.patient,
        "administration": administration,
        "shown": shown_administration(administration),
        "alerts": alerts,
        "open_alerts": [a for a in alerts if a.status == "open"],
        "may_mark": may_mark and not administration.entered_in_error,
        "may_share": request.user.has_perm("measures.share_with_patient", administration)
        and not administration.entered_in_error,
    }
    return render(request, "measures/administration_detail.html", context)


@policy("measures.enter")
@require_http_methods(["GET", "POST"])
def administration_in_error(request, administration_uuid):
    """Mark an administration entered in error, with the reason. It stays, struck through."""
    administration = administration_for_user(
        request, administration_uuid, mark_in_error=True, audit=request.method == "GET"
    )
    if administration.entered_in_error:
        messages.info(request, _("This administration is already marked entered in error."))
        return redirect("measures:administration_detail", administration_uuid=administration.uuid)
    form = InErrorForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                administration_mark_entered_in_error(
                    administration=administration,
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                    request=request,
                )
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    for problem in problems:
                        form.add_error(field if field in form.fields else None, problem)
            else:
                open_alerts = administration.alerts.filter(status="open").exists()
                messages.success(request, _("Marked entered in error. It no longer counts."))
                if open_alerts:
                    messages.warning(
                        request,
                        _("Its urgent alert is still open: close it with what was done and a note."),
                    )
                return redirect("measures:administration_detail", administration_uuid=administration.uuid)
        audit_record(
            action=Action.VIEW,
            request=request,
            patient=administration.patient,
            obj=administration,
            detail={"page": "entered_in_error", "invalid": True},
        )
    context = {"patient": administration.patient, "administration": administration, "form": form}
    return render(request, "measures/administration_in_error.html", context)


@policy("measures.enter")
@require_POST
def administration_share_view(request, administration_uuid):
    """Share the result (total and band) with the patient in the portal, or stop sharing it (shared=1/0)."""
    administration = get_object_or_404(
        Administration.objects.select_related("patient"), uuid=administration_uuid
    )
    if not request.user.has_perm("measures.share_with_patient", administration):
        refuse(
            request,
            permission="measures.share_with_patient",
            patient=administration.patient,
            obj=administration,
        )
    if administration.entered_in_error:
        messages.info(request, _("This administration is marked entered in error: it cannot be shared."))
    else:
        shared = request.POST.get("shared") == "1"
        administration_share(administration=administration, shared=shared, by=request.user, request=request)
        if shared:
            messages.success(request, _("Shared: the patient sees the score and its level in the portal."))
        else:
            messages.success(request, _("No longer shared with the patient."))
    return redirect("measures:administration_detail", administration_uuid=administration.uuid)
