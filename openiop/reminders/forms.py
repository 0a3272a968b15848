"""The patient's reminder settings form (portal)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ReminderPreference


class ReminderSettingsForm(forms.ModelForm):
    class Meta:
        model = ReminderPreference
        fields = ["email", "sms", "quiet_start", "quiet_end", "sessions", "questionnaires", "homework"]
        labels = {
            "email": _("Send me reminders by email"),
            "sms": _("Send me reminders by text message"),
            "quiet_start": _("No reminders from"),
            "quiet_end": _("No reminders until"),
            "sessions": _("My sessions"),
            "questionnaires": _("Questionnaires to fill in"),
            "homework": _("Homework due"),
        }
        widgets = {
            "quiet_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
