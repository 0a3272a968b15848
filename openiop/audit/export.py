"""Audit events as CSV rows, safe to open in a spreadsheet."""

import csv
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet

from .selectors import detail_text, utc_iso

CHUNK_SIZE = 2000
HEADER = (
    "seq",
    "occurred_at_utc",
    "user",
    "role",
    "action",
    "outcome",
    "patient_record_number",
    "object_type",
    "object_id",
    "request_id",
    "ip_address",
    "detail",
)
# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(cell: object) -> str:
    text = "" if cell is None else str(cell)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


class _Echo:
    """csv.writer wants a file; this one hands each written line straight back."""

    def write(self, value: str) -> str:
        return value


def csv_lines(events: QuerySet) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(HEADER)
    for event in events.iterator(chunk_size=CHUNK_SIZE):
        yield writer.writerow(_cells(event))


def _cells(event) -> Iterable[str]:
    return [
        neutralise_formula(cell)
        for cell in (
            event.seq,
            utc_iso(event.occurred_at, timespec="microseconds"),
            event.actor_username,
            event.actor_role,
            event.action,
            event.outcome,
            event.patient_record_number,
            event.object_type,
            event.object_id,
            event.request_id,
            event.ip_address,
            detail_text(event.detail),
        )
    ]
