"""Pluggable SMS backends, chosen by the SMS_BACKEND setting (like Django's EMAIL_BACKEND)."""

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
