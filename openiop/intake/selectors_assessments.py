"""Reads of level-of-care assessments for a user: the one loader the pages and the API share."""

from django.shortcuts import get_object_or_404

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import refuse
from openiop.patients.selectors import BreakGlassRequired

from .models import LevelOfCareAssessment


def assessment_for_user(request, assessment_uuid) -> LevelOfCareAssessment:
    """Load an assessment the user may read (intake.view_assessment), or stop: 404, 403 (audited), or
    BreakGlassRequired when the user may break the glass on the patient's chart. Audits the view."""
    assessment = get_object_or_404(
        LevelOfCareAssessment.objects.select_related(
            "patient", "referral__program", "assessed_by__staff_profile", "episode"
        ),
        uuid=assessment_uuid,
    )
    user, patient = request.user, assessment.patient
    if not user.has_perm("intake.view_assessment", assessment):
        if user.has_perm("patients.break_glass", patient):
            raise BreakGlassRequired(patient)
        refuse(request, permission="intake.view_assessment", patient=patient, obj=assessment)
    audit_record(action=Action.VIEW, request=request, patient=patient, obj=assessment)
    return assessment
