from django.urls import path

from .views import attendance, calendars, closures, groups, ledger, planning, sessions

app_name = "scheduling"
urlpatterns = [
    path("sessions/", sessions.session_list, name="session_list"),
    path("sessions/generate/", sessions.generate, name="sessions_generate"),
    path("sessions/<uuid:session_uuid>/attendance/", attendance.attendance, name="attendance"),
    path("sessions/<uuid:session_uuid>/cancel/", sessions.cancel, name="session_cancel"),
    path("episodes/<uuid:episode_uuid>/ledger/", ledger.episode_ledger, name="ledger"),
    *calendars.urlpatterns,
    *planning.urlpatterns,
    *groups.urlpatterns,
    *closures.urlpatterns,
]
