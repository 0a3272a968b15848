"""An administration ready to show: the stored result with each item's text in the language it was
answered in, from the instrument version it was scored with (the result never changes after entry)."""

from dataclasses import dataclass

from ..models import Administration
from ..registry import get_instrument


@dataclass(frozen=True)
class ShownItem:
    key: str
    text: str
    value: int | None
    answer: str | None  # the option's label as answered; None when unanswered
    critical: bool
    triggered: bool
    scored: bool


@dataclass(frozen=True)
class Shown:
    title: str
    total: int | None
    range: dict | None
    band: str
    status: str
    prorated: bool
    missing: list[str]
    subscales: list[dict]
    urgent_flags: list[dict]
    review_flags: list[dict]
    items: list[ShownItem]


def shown_administration(administration: Administration) -> Shown:
    result = administration.result or {}
    try:
        instrument = get_instrument(administration.instrument_code, administration.instrument_version)
    except LookupError:
        instrument = None
    language = administration.language
    items = []
    for row in result.get("items", []):
        key = row["key"]
        item = None
        if instrument is not None:
            item = next((i for i in instrument.items if i.key == key), None)
        text = item.text.get(language, next(iter(item.text.values()))) if item else key
        items.append(
            ShownItem(
                key=key,
                text=text,
                value=row.get("value"),
                answer=row.get("label"),
                critical=row.get("is_critical", False),
                triggered=row.get("critical_triggered", False),
                scored=item.scored if item else True,
            )
        )
    flags = result.get("flags", [])
    title = administration.instrument_code
    if instrument is not None:
        title = instrument.title.get("en") or next(iter(instrument.title.values()))
    return Shown(
        title=title,
        total=result.get("total"),
        range=result.get("range"),
        band=(result.get("band") or {}).get("label", ""),
        status=result.get("status", administration.status),
        prorated=bool(result.get("prorated")),
        missing=list(result.get("missing", [])),
        subscales=list(result.get("subscales", [])),
        urgent_flags=[f for f in flags if f.get("triggers") == "urgent_alert"],
        review_flags=[f for f in flags if f.get("triggers") == "clinician_review"],
        items=items,
    )
