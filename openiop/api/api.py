"""The JSON API at /api/v1/: bearer-token authentication, one access policy per operation, problem details.

Interactive docs are off (docs_url=None): ninja's Swagger page loads scripts from a CDN, which our CSP
forbids. The OpenAPI document stays at /api/v1/openapi.json.
"""

from ninja import NinjaAPI

from openiop.utilization import api as utilization_api

from . import (
    coordination,
    discharge,
    intake_care,
    intake_referrals,
    me,
    measures,
    measures_outcomes,
    notes,
    patients,
    safety,
    scheduling,
    skills,
    treatment,
)
from .openapi import document_local_times
from .parser import ObjectParser
from .problems import document_problem_responses, install_problem_handlers
from .security import PersonalAccessTokenAuth


class OpenIopApi(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        return document_local_times(document_problem_responses(super().get_openapi_schema(**kwargs)))


api = OpenIopApi(
    title="OpenIOP API",
    version="1",
    urls_namespace="api",
    auth=PersonalAccessTokenAuth(),
    docs_url=None,
    parser=ObjectParser(),
    description="Access for scripts and integrations: patients; intake (referrals, assessments, "
    "admission, waitlist, certification); and scheduling (the week's sessions, attendance, cancellations, "
    "weekly hours ledgers, week plans). Authenticate with a personal access token "
    "from your profile page: `Authorization: Bearer oiop_…`. Errors are RFC 9457 problem details.",
)
install_problem_handlers(api)
api.add_router("", me.router)
api.add_router("", patients.router)
api.add_router("", intake_referrals.router)
api.add_router("", intake_care.router)
api.add_router("", scheduling.router)
api.add_router("", treatment.router)
api.add_router("", skills.router)
api.add_router("", safety.router)
api.add_router("", notes.router)
api.add_router("", measures.router)
api.add_router("", measures_outcomes.router)
api.add_router("", coordination.router)
api.add_router("", discharge.router)
api.add_router("", utilization_api.router)
