"""Outbound transport for disclosures: how a document that `disclose` released reaches the recipient by
Direct secure messaging.

A backend is any class with `send(message: OutboundMessage) -> TransportResult`, named by the setting
OPENIOP_DIRECT_BACKEND (a dotted path). A real deployment plugs in its HISP (the Direct provider); the
two shipped backends are for development and the demo, like Django's console and file e-mail backends:

- `LogDirectBackend` (the default) logs the envelope (address, subject, attachment name, SHA-256, size),
  never the content, and reports it sent.
- `FileDirectBackend` also writes the attachment and its envelope into `var/outbox/`, where a demo can
  open what "left".

A backend reports failure by returning `TransportResult(ok=False, error=...)` or by raising; either way
the attempt is recorded on the `Transmission` and can be retried with the same bytes.
"""

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("openiop.coordination.transport")


@dataclass(frozen=True)
class OutboundMessage:
    reference: str  # the Transmission's uuid: lets a backend (or its HISP) de-duplicate retries
    address: str
    subject: str
    body: str
    attachment_name: str
    media_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    def envelope(self) -> dict:
        """What may be written down about the message: never its content."""
        return {
            "reference": self.reference,
            "address": self.address,
            "subject": self.subject,
            "attachment": self.attachment_name,
            "media_type": self.media_type,
            "sha256": self.sha256,
            "size": len(self.content),
        }


@dataclass(frozen=True)
class TransportResult:
    ok: bool
    error: str = ""


class DirectBackend(Protocol):
    def send(self, message: OutboundMessage) -> TransportResult: ...


class LogDirectBackend:
    """Logs the envelope and reports success: nothing leaves the machine (development, tests)."""

    def send(self, message: OutboundMessage) -> TransportResult:
        logger.info("direct message %s", json.dumps(message.envelope(), sort_keys=True))
        return TransportResult(ok=True)


class FileDirectBackend(LogDirectBackend):
    """For the demo: writes `<reference>.<ext>` and `<reference>.json` (the envelope) into var/outbox/."""

    def __init__(self, folder: Path | None = None):
        self.folder = Path(folder or Path(settings.VAR_DIR) / "outbox")

    def send(self, message: OutboundMessage) -> TransportResult:
        self.folder.mkdir(parents=True, exist_ok=True)
        suffix = Path(message.attachment_name).suffix or ".bin"
        (self.folder / f"{message.reference}{suffix}").write_bytes(message.content)
        (self.folder / f"{message.reference}.json").write_text(
            json.dumps(message.envelope(), indent=2, sort_keys=True), encoding="utf-8"
        )
        return super().send(message)


def direct_backend() -> DirectBackend:
    return import_string(settings.OPENIOP_DIRECT_BACKEND)()
