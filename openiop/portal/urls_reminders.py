"""Portal URLs of the "reminders" part (included by urls.py)."""

from django.urls import path

from . import views_reminders as views

urlpatterns = [
    path("reminders/", views.reminder_settings, name="reminder_settings"),
]
