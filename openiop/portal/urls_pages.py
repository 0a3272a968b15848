"""Portal URLs of the "pages" part (included by urls.py): home, schedule, my plan, safety plans."""

from django.urls import path

from . import views_pages

urlpatterns = [
    path("", views_pages.home, name="home"),
    path("schedule/", views_pages.schedule, name="schedule"),
    path("schedule/calendar-link/", views_pages.feed_create, name="feed_create"),
    path("schedule/calendar-link/<uuid:feed_uuid>/stop/", views_pages.feed_revoke, name="feed_revoke"),
    path("plan/", views_pages.plan, name="plan"),
    path("safety/", views_pages.safety, name="safety"),
    path("safety/<slug:kind>/pdf/", views_pages.safety_pdf, name="safety_pdf"),
]
