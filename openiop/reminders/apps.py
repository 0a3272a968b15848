from django.apps import AppConfig


class RemindersConfig(AppConfig):
    """Reminders to patients (sessions, questionnaires, homework) sent by a background worker."""

    name = "openiop.reminders"
    label = "reminders"
