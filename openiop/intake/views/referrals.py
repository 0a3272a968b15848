"""Views: referrals — the pipeline board, recording a referral, its detail page and the actions on it
(status change, documents, linking to a patient). Each module lists its own URL patterns;
openiop/intake/urls.py joins them."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import policy

from ..forms_referrals import (
    DocumentUploadForm,
    LinkExistingForm,
    NewPatientFromReferralForm,
    ReferralCreateForm,
    ReferralFilterForm,
    ReferralTransitionForm,
)
from ..models import Referral, ReferralStatus
from ..selectors_referrals import (
    days_to_admission,
    hours_to_first_contact,
    referral_board,
    referral_document_for_user,
    referral_for_user,
)
from ..services.referral_intake import referral_create_with_documents, referral_documents_add
from ..services.referrals import referral_link_patient, referral_possible_patients, referral_transition


@policy("intake.work_referrals")
def board(request):
    form = ReferralFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    the_board = referral_board(
        request.user,
        program=filters.get("program"),
        source=filters.get("source", ""),
        urgency=filters.get("urgency", ""),
        received_from=filters.get("received_from"),
        received_to=filters.get("received_to"),
    )
    audit_record(
        action=Action.LIST,
        request=request,
        object_type="intake.referral",
        detail={
            "filters": {k: str(getattr(v, "uuid", v)) for k, v in filters.items() if v},
            "shown": the_board.total,
        },
    )
    return render(request, "intake/referrals/board.html", {"form": form, "board": the_board})


@policy("intake.work_referrals")
@require_http_methods(["GET", "POST"])
def create(request):
    form = ReferralCreateForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        uploads = data.pop("documents")
        try:
            referral = referral_create_with_documents(
                created_by=request.user, request=request, uploads=uploads, **data
            )
        except ValidationError as error:
            form.add_error("documents" if uploads else None, error)
        else:
            messages.success(request, _("Referral recorded for %(name)s.") % {"name": referral.display_name})
            return redirect("intake:referral_detail", referral_uuid=referral.uuid)
    return render(request, "intake/referrals/create.html", {"form": form})


@policy("intake.work_referrals")
def detail(request, referral_uuid):
    referral = referral_for_user(request, referral_uuid)
    return _render_detail(request, referral)


@policy("intake.work_referrals")
@require_POST
def transition(request, referral_uuid):
    referral = referral_for_user(request, referral_uuid, "intake.change_referral", audit=False)
    form = ReferralTransitionForm(request.POST, referral=referral)
    if form.is_valid():
        to_status = form.cleaned_data["to_status"]
        try:
            referral_transition(
                referral=referral,
                to_status=to_status,
                by=request.user,
                note=form.cleaned_data["note"],
                assessment_at=form.cleaned_data["assessment_at"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(form.error_field_for(to_status), error)
        else:
            messages.success(
                request, _("Moved to “%(status)s”.") % {"status": ReferralStatus(to_status).label}
            )
            return redirect("intake:referral_detail", referral_uuid=referral.uuid)
    return _rerender(request, referral, transition_form=form)


@policy("intake.work_referrals")
@require_POST
def document_upload(request, referral_uuid):
    referral = referral_for_user(request, referral_uuid, "intake.change_referral", audit=False)
    form = DocumentUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            documents = referral_documents_add(
                referral=referral, uploads=form.cleaned_data["documents"], by=request.user, request=request
            )
        except ValidationError as error:
            form.add_error("documents", error)
        else:
            messages.success(request, _("%(count)d document(s) added.") % {"count": len(documents)})
            return redirect("intake:referral_detail", referral_uuid=referral.uuid)
    return _rerender(request, referral, upload_form=form)


@policy("intake.work_referrals")
@require_POST
def link(request, referral_uuid):
    """Link to one of the possible matching patients, or register the person as a new patient."""
    referral = referral_for_user(request, referral_uuid, "intake.change_referral", audit=False)
    if referral.patient_id is not None:
        messages.error(request, _("This referral is already linked to a patient."))
        return redirect("intake:referral_detail", referral_uuid=referral.uuid)
    matches = list(referral_possible_patients(referral))
    if "patient" in request.POST:
        choice = LinkExistingForm(request.POST)
        # Only a listed match can be linked here: the page never offers, nor accepts, any other patient.
        patient = next(
            (p for p in matches if choice.is_valid() and p.uuid == choice.cleaned_data["patient"]), None
        )
        if patient is None:
            messages.error(request, _("That patient is not a possible match for this referral."))
            return redirect("intake:referral_detail", referral_uuid=referral.uuid)
        return _link(request, referral, patient=patient)
    form = NewPatientFromReferralForm(request.POST, has_matches=bool(matches))
    if form.is_valid():
        fields = dict(form.cleaned_data)
        confirmed = fields.pop("duplicate_confirmed")
        try:
            return _link(request, referral, new_patient_fields=fields, duplicate_confirmed=confirmed)
        except ValidationError as error:
            form.add_error(None, error)
    return _rerender(request, referral, new_patient_form=form, matches=matches)


def _link(request, referral, **how):
    referral = referral_link_patient(referral=referral, by=request.user, request=request, **how)
    messages.success(
        request,
        _("Linked to %(name)s (%(number)s).")
        % {"name": referral.patient.display_name, "number": referral.patient.record_number},
    )
    return redirect("intake:referral_detail", referral_uuid=referral.uuid)


@policy("intake.work_referrals")
def document(request, document_uuid):
    doc = referral_document_for_user(request, document_uuid)
    response = FileResponse(
        doc.file.open("rb"), as_attachment=True, filename=doc.original_name, content_type=doc.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


def _rerender(request, referral, **context):
    """A POST that did not go through shows the detail page again, with the errors: that is a view."""
    audit_record(action=Action.VIEW, request=request, patient=referral.patient, obj=referral)
    return _render_detail(request, referral, **context)


def _render_detail(request, referral: Referral, *, matches=None, **forms):
    if matches is None:
        matches = list(referral_possible_patients(referral)) if referral.patient_id is None else []
    context = {
        "referral": referral,
        "events": referral.events.select_related("by__staff_profile"),
        "documents": referral.documents.select_related("uploaded_by__staff_profile"),
        "hours_to_contact": hours_to_first_contact(referral),
        "days_to_admission": days_to_admission(referral),
        "self_check_answers": _answers(referral.self_check),
        "matches": matches,
        "next_steps": _next_steps(referral),
        "can_change": request.user.has_perm("intake.change_referral", referral),
        "transition_form": forms.get("transition_form") or ReferralTransitionForm(referral=referral),
        "upload_form": forms.get("upload_form") or DocumentUploadForm(),
        "new_patient_form": forms.get("new_patient_form")
        or NewPatientFromReferralForm(
            initial=NewPatientFromReferralForm.initial_from(referral), has_matches=bool(matches)
        ),
    }
    return render(request, "intake/referrals/detail.html", context)


def _answers(self_check) -> list[tuple[str, str]]:
    """The self-check's answers as readable (question, answer) pairs."""
    if not self_check:
        return []
    answers = self_check.get("answers", self_check) if isinstance(self_check, dict) else {}
    if not isinstance(answers, dict):
        return [(_("Answers"), str(answers))]

    def readable(value) -> str:
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        if isinstance(value, (list, tuple)):
            return ", ".join(readable(v) for v in value)
        return str(value).replace("_", " ")

    return [(str(key).replace("_", " ").capitalize(), readable(value)) for key, value in answers.items()]


def _next_steps(referral: Referral) -> list[tuple[str, str]]:
    """Links to assessment, admission and waitlist once the referral is far enough along."""
    if referral.patient_id is None or referral.status not in (
        ReferralStatus.ASSESSMENT_BOOKED,
        ReferralStatus.ASSESSED,
    ):
        return []
    wanted = [
        (
            _("Record the level-of-care assessment"),
            "intake:assessment_create",
            {"patient_uuid": referral.patient.uuid},
            f"?referral={referral.uuid}",
        ),
    ]
    if referral.status == ReferralStatus.ASSESSED and referral.episode_id:
        episode = {"episode_uuid": referral.episode.uuid}
        wanted += [
            (_("Admit"), "intake:admit", episode, ""),
            (_("Add to the waitlist"), "intake:waitlist_add", episode, ""),
        ]
    return [(label, reverse(name, kwargs=kwargs) + query) for label, name, kwargs, query in wanted]


urlpatterns = [
    path("intake/referrals/", board, name="referral_board"),
    path("intake/referrals/new/", create, name="referral_create"),
    path("intake/referrals/<uuid:referral_uuid>/", detail, name="referral_detail"),
    path("intake/referrals/<uuid:referral_uuid>/status/", transition, name="referral_transition"),
    path("intake/referrals/<uuid:referral_uuid>/link/", link, name="referral_link"),
    path(
        "intake/referrals/<uuid:referral_uuid>/documents/", document_upload, name="referral_document_upload"
    ),
    path("intake/documents/<uuid:document_uuid>/", document, name="referral_document"),
]
