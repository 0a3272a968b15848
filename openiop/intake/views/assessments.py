"""Views: level-of-care assessments. Record one (ratings, live recommendation, the clinician's decision,
signature) and read a signed one. Each module lists its own URL patterns; openiop/intake/urls.py joins them.
"""

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import policy
from openiop.patients.selectors import BreakGlassRequired, patient_for_user

from ..forms_assessments import AssessmentForm
from ..models import LevelOfCareAssessment, Referral
from ..rubric import Rubric, recommend
from ..rubric_registry import DEFAULT_RUBRIC_ID, current_rubrics, get_rubric
from ..selectors_assessments import assessment_for_user
from ..services.assessments import assessment_record


def _rubric_from_query(request) -> Rubric:
    try:
        return get_rubric(request.GET.get("rubric") or DEFAULT_RUBRIC_ID)
    except LookupError:
        raise Http404 from None


def _referral_from_query(request, patient) -> Referral | None:
    chosen = request.GET.get("referral")
    if not chosen:
        return None
    try:
        referral_uuid = uuid.UUID(chosen)
    except ValueError:
        raise Http404 from None
    return get_object_or_404(Referral, uuid=referral_uuid, patient=patient)


def _preview(data, rubric: Rubric):
    """The recommendation for the posted ratings once every dimension is rated, and the data to render.

    The determined level follows the recommendation until the clinician picks another one: when the posted
    choice is empty or is the recommendation shown last time, it moves to the new recommendation.
    """
    form = AssessmentForm(data, rubric=rubric)
    ratings = form.posted_ratings()
    if len(ratings) < len(rubric.dimensions):
        return None, data, len(ratings)
    recommendation = recommend(rubric, ratings)
    chosen = data.get("determined_level", "")
    if not chosen or chosen == data.get("recommended_shown"):
        data = data.copy()
        data["determined_level"] = recommendation.level
    return recommendation, data, len(ratings)


def _panel_context(form: AssessmentForm, recommendation, rated: int) -> dict:
    rubric = form.rubric
    return {
        "form": form,
        "rubric": rubric,
        "recommendation": recommendation,
        "recommended_title": rubric.level_title(recommendation.level) if recommendation else "",
        "rated": rated,
        "dimension_count": len(rubric.dimensions),
    }


@policy("intake.assess")
@require_http_methods(["GET", "POST"])
def create(request, patient_uuid):
    # Object check here, audit below: only when the page (with the patient's name) is actually shown.
    patient = patient_for_user(request, patient_uuid, permission="intake.assess_patient", audit=False)
    rubric = _rubric_from_query(request)
    referral = _referral_from_query(request, patient)
    signing = request.method == "POST" and "sign" in request.POST
    recommendation, rated = None, 0
    if signing:
        form = AssessmentForm(request.POST, rubric=rubric, signing=True)
        if form.is_valid():
            try:
                assessment = assessment_record(
                    patient=patient,
                    by=request.user,
                    rubric=rubric,
                    referral=referral,
                    request=request,
                    **form.service_kwargs(),
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, _("Assessment signed."))
                return redirect("intake:assessment_detail", assessment_uuid=assessment.uuid)
        recommendation, _data, rated = _preview(request.POST, rubric)
    elif request.method == "POST":  # "Preview" without JavaScript: the same page with the panel
        recommendation, data, rated = _preview(request.POST, rubric)
        form = AssessmentForm(data, rubric=rubric)
        form.is_valid()  # show which ratings are still missing
    else:
        form = AssessmentForm(rubric=rubric)
    audit_record(action=Action.VIEW, request=request, patient=patient, obj=patient)
    query = {"rubric": rubric.id} | ({"referral": str(referral.uuid)} if referral else {})
    context = _panel_context(form, recommendation, rated) | {
        "patient": patient,
        "referral": referral,
        "rubrics": current_rubrics(),
        "query": urlencode(query),
    }
    return render(request, "intake/assessments/create.html", context)


@policy("intake.assess")
@require_POST
def preview(request, patient_uuid):
    """The recommendation panel for the ratings given so far (htmx swaps it in as ratings change).

    No VIEW audit event: the response holds nothing read from the patient's record, only the rubric's
    output for the ratings this clinician just posted (and the panel names no patient). Opening the form
    was audited, and a refusal here is audited by `refuse` as everywhere else.
    """
    patient_for_user(request, patient_uuid, permission="intake.assess_patient", audit=False)
    rubric = _rubric_from_query(request)
    recommendation, data, rated = _preview(request.POST, rubric)
    form = AssessmentForm(data, rubric=rubric)
    return render(
        request, "intake/assessments/_recommendation.html", _panel_context(form, recommendation, rated)
    )


def _rating_rows(assessment: LevelOfCareAssessment, rubric: Rubric | None) -> list[dict]:
    if rubric is None:  # the rubric file is gone: still show what was stored
        return [
            {"title": key, "rating": value, "label": "", "description": ""}
            for key, value in assessment.ratings.items()
        ]
    rows = []
    for dimension in rubric.dimensions:
        rating = assessment.ratings.get(dimension.id)
        anchor = dimension.anchor(rating) if rating is not None else None
        rows.append(
            {
                "title": dimension.title,
                "rating": rating,
                "label": anchor.label if anchor else "",
                "description": anchor.description if anchor else "",
            }
        )
    return rows


@policy("patients.list_patients")
def detail(request, assessment_uuid):
    try:
        assessment = assessment_for_user(request, assessment_uuid)
    except BreakGlassRequired as needed:
        return redirect("patients:break_glass", patient_uuid=needed.patient.uuid)
    try:
        rubric = get_rubric(assessment.rubric_id, assessment.rubric_version)
    except LookupError:
        rubric = None
    user, patient = request.user, assessment.patient
    may_reassess = user.has_perm("intake.assess") and user.has_perm("intake.assess_patient", patient)
    context = {
        "assessment": assessment,
        "patient": patient,
        "rubric": rubric,
        "rows": _rating_rows(assessment, rubric),
        "reassess_url": (
            reverse("intake:assessment_create", kwargs={"patient_uuid": patient.uuid})
            + "?"
            + urlencode({"rubric": assessment.rubric_id})
            if may_reassess
            else ""
        ),
        "may_open_chart": user.has_perm("patients.view_chart", patient),
    }
    return render(request, "intake/assessments/detail.html", context)


urlpatterns = [
    path("intake/patients/<uuid:patient_uuid>/assessments/new/", create, name="assessment_create"),
    path("intake/patients/<uuid:patient_uuid>/assessments/preview/", preview, name="assessment_preview"),
    path("intake/assessments/<uuid:assessment_uuid>/", detail, name="assessment_detail"),
]
