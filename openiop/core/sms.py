"""Pluggable SMS backends, chosen by the SMS_BACKEND setting (like Django's EMAIL_BACKEND).

To plug in a provider (Twilio, an SMS gateway, ...), write a class with a no-argument constructor and one
method, `send(self, *, to: str, body: str) -> None`, that sends `body` to the phone number `to` (as stored
on the patient's record) and raises any exception when the provider refuses or cannot be reached: the
reminders worker records the error and tries again later (openiop/reminders/services.py). Read credentials
from settings or the environment inside the class, and set SMS_BACKEND="yourpackage.sms.ProviderBackend".
Bodies never hold clinical content; keep them out of your provider's logs where it allows.
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("openiop.sms")


class ConsoleSmsBackend:
    """Writes messages to the log instead of sending them: the demo and test backend."""

    sent: list[tuple[str, str]] = []

    def send(self, *, to: str, body: str) -> None:
        self.sent.append((to, body))
        logger.warning("SMS to %s: %s", to, body)


def get_sms_backend():
    return import_string(settings.SMS_BACKEND)()
