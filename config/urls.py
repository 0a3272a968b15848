from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from openiop.api.api import api
from openiop.api.views import unknown_route

urlpatterns = [
    # Liveness and readiness for load balancers (openiop/core/health.py): first, so /healthz is theirs.
    path("", include("openiop.core.health")),
    path("", include("openiop.home.urls")),
    path("patients/", include("openiop.patients.urls")),
    path("", include("openiop.intake.urls")),
    path("scheduling/", include("openiop.scheduling.urls")),
    path("treatment/", include("openiop.treatment.urls")),
    path("skills/", include("openiop.skills.urls")),
    path("safety/", include("openiop.safety.urls")),
    path("notes/", include("openiop.notes.urls")),
    path("measures/", include("openiop.measures.urls")),
    path("coordination/", include("openiop.coordination.urls")),
    path("discharge/", include("openiop.discharge.urls")),
    path("transitions/", include("openiop.transitions.urls")),
    path("me/", include("openiop.portal.urls")),
    path("operations/", include("openiop.operations.urls")),
    path("utilization/", include("openiop.utilization.urls")),
    path("fhir/r4/", include("openiop.fhir.urls")),
    path("audit/", include("openiop.audit.urls")),
    path("profile/", include("openiop.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", api.urls),
    re_path(r"^api/v1/(?P<path>.*)$", unknown_route, name="api_unknown_route"),
]

if settings.ADMIN_ENABLED:
    urlpatterns.append(path("admin/", admin.site.urls))

handler403 = "openiop.core.views.permission_denied"
handler404 = "openiop.core.views.page_not_found"
