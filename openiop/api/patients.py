from uuid import UUID

from django.core.exceptions import PermissionDenied
from ninja import Query, Router

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import refuse
from openiop.patients.selectors import (
    BreakGlassRequired,
    patient_census,
    patient_for_user,
    with_episodes,
)

from .policy import api_policy
from .problems import PROBLEM_RESPONSES, ApiProblem
from .schemas import PatientFilters, PatientOut, PatientPageOut

router = Router(tags=["patients"])

CHART_REFUSED = (
    "You may not open this chart: it follows the care team. The attempt has been recorded. "
    "Break-the-glass (emergency) access is not available through the API; use the web application, "
    "where the reason is asked for and reviewed."
)


@router.get("/patients", response={200: PatientPageOut, **PROBLEM_RESPONSES}, url_name="patient_list")
@api_policy("patients.list_patients")
def patient_list(request, filters: Query[PatientFilters]):
    """Patients with an episode in one of your programs, by family name. Same census as the web list."""
    patients = patient_census(
        request.auth, text=filters.q or "", program_uuid=filters.program, status=filters.status or ""
    )
    count = patients.count()
    page = list(with_episodes(patients)[filters.offset : filters.offset + filters.limit])
    used = filters.dict(exclude_none=True, exclude={"limit", "offset"})
    audit_record(
        action=Action.LIST,
        request=request,
        object_type="patients.patient",
        detail={
            "filters": {key: str(value) for key, value in used.items()},
            "offset": filters.offset,
            "limit": filters.limit,
            "shown": len(page),
            "channel": "api",
        },
    )
    return {"count": count, "limit": filters.limit, "offset": filters.offset, "items": page}


@router.get("/patients/{patient_uuid}", response={200: PatientOut, **PROBLEM_RESPONSES}, url_name="patient")
@api_policy("patients.list_patients")
def patient_detail(request, patient_uuid: UUID):
    """One patient's chart header. Needs the chart permission (care team, or program lead)."""
    try:
        # The web's loader: 404 if unknown, refusal audited, the view audited once.
        patient = patient_for_user(request, patient_uuid)
    except BreakGlassRequired as exc:
        try:
            refuse(request, permission="patients.view_chart", patient=exc.patient, obj=exc.patient)
        except PermissionDenied:
            raise ApiProblem(403, CHART_REFUSED) from None
    except PermissionDenied:
        raise ApiProblem(403, CHART_REFUSED) from None
    return patient
