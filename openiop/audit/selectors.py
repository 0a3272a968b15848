"""Reading the audit log for the report page and its CSV export: one place turns GET parameters into events."""

import datetime
import json
from dataclasses import dataclass

from django.db.models import QuerySet

from .forms import AuditFilterForm
from .models import AuditEvent

# The only orderings a request may ask for; seq breaks ties so pages never overlap or skip rows.
SORTABLE_FIELDS = ("occurred_at", "actor_username", "action", "patient_record_number", "outcome")
SORTS = {
    **{name: (name, "seq") for name in SORTABLE_FIELDS},
    **{f"-{name}": (f"-{name}", "-seq") for name in SORTABLE_FIELDS},
}
DEFAULT_SORT = "-occurred_at"


@dataclass(frozen=True)
class AuditReport:
    form: AuditFilterForm
    events: QuerySet
    sort: str
    filters: dict[str, str]


def _utc_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)


def audit_report(params) -> AuditReport:
    """Events matching the filters in `params` (a QueryDict), in the requested whitelisted order.

    Invalid filters select nothing rather than everything, so a typo never passes for an answer.
    """
    form = AuditFilterForm(params)
    sort = params.get("sort", "")
    if sort not in SORTS:
        sort = DEFAULT_SORT
    events = AuditEvent.objects.all()
    filters: dict[str, str] = {}
    if not form.is_valid():
        events = events.none()
    else:
        data = form.cleaned_data
        if data["date_from"]:
            events = events.filter(occurred_at__gte=_utc_midnight(data["date_from"]))
        if data["date_to"]:
            events = events.filter(
                occurred_at__lt=_utc_midnight(data["date_to"] + datetime.timedelta(days=1))
            )
        if data["user"].strip():
            events = events.filter(actor_username__icontains=data["user"].strip())
        if data["record_number"].strip():
            events = events.filter(patient_record_number__iexact=data["record_number"].strip())
        if data["action"]:
            events = events.filter(action=data["action"])
        if data["outcome"]:
            events = events.filter(outcome=data["outcome"])
        filters = {key: str(value).strip() for key, value in data.items() if value and str(value).strip()}
    return AuditReport(form=form, events=events.order_by(*SORTS[sort]), sort=sort, filters=filters)


def utc_iso(moment: datetime.datetime, *, timespec: str = "seconds") -> str:
    return moment.astimezone(datetime.UTC).isoformat(timespec=timespec).replace("+00:00", "Z")


def detail_text(detail, *, limit: int | None = None) -> str:
    """The detail as compact JSON with sorted keys; shortened to `limit` characters for the page."""
    text = json.dumps(detail, sort_keys=True, separators=(", ", ": "), ensure_ascii=False, default=str)
    if text == "{}":
        return ""
    if limit is not None and len(text) > limit:
        return text[: limit - 1] + "…"
    return text
