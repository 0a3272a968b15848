from django.urls import path

from .views import edit, plans, programs, reviews

app_name = "treatment"
urlpatterns = [
    path("episodes/<uuid:episode_uuid>/", plans.episode_plans, name="episode_plans"),
    path("episodes/<uuid:episode_uuid>/start/", plans.plan_start, name="plan_start"),
    path("plans/<uuid:plan_uuid>/", plans.plan_detail, name="plan_detail"),
    path("plans/<uuid:plan_uuid>/edit/", edit.plan_edit, name="plan_edit"),
    path("plans/<uuid:plan_uuid>/send/", plans.plan_send, name="plan_send"),
    path("plans/<uuid:plan_uuid>/sign/<str:role>/", plans.plan_sign_view, name="plan_sign"),
    path("plans/<uuid:plan_uuid>/return/", plans.plan_return, name="plan_return"),
    path("plans/<uuid:plan_uuid>/withdraw/", plans.plan_withdraw_view, name="plan_withdraw"),
    path("plans/<uuid:plan_uuid>/new-version/", plans.plan_revise, name="plan_new_version"),
    path("plans/<uuid:plan_uuid>/review/", reviews.plan_review, name="plan_review"),
    path("plans/<uuid:plan_uuid>/diff/", plans.plan_diff, name="plan_diff"),
    path("plans/<uuid:plan_uuid>/pdf/", plans.plan_pdf, name="plan_pdf"),
    path("programs/", programs.program_index, name="program_index"),
    path("programs/<uuid:program_uuid>/", programs.program_plans, name="program_plans"),
    path("programs/<uuid:program_uuid>/settings/", programs.program_settings, name="program_settings"),
]
