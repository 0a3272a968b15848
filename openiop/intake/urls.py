"""Intake URLs, mounted at the site root: the public self-check at /check/, staff pages under /intake/.
Each staff views module lists its own patterns."""

from django.urls import path

from .views import admissions, assessments, referrals, selfcheck

app_name = "intake"
urlpatterns = [
    path("check/", selfcheck.check, name="selfcheck"),
    path("check/thanks/", selfcheck.thanks, name="selfcheck_thanks"),
    *referrals.urlpatterns,
    *assessments.urlpatterns,
    *admissions.urlpatterns,
]
