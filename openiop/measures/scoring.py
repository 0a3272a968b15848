"""The scoring engine: answers in; total, severity band, subscales, flags and per-item results out.

    result = score(instrument, {"1": 2, "2": 1, ..., "9": 1})
    result.total, result.band.label, result.urgent   # 12, "Moderate", True (item 9 above 0)

Safety rules the engine keeps whatever the file says:
- A critical item (PHQ-9 item 9) fires on its own answer, whatever the total and even when the rest of the
  form is incomplete (PRODUCT.md §5: item 9 above 0 needs same-day evaluation whatever the total).
- An unanswered critical item is itself flagged for clinician review: a blank item 9 is not a "no".
- Flag rules are evaluated on incomplete forms too; rules about the total are simply false without one.
- Invalid answers (an unknown item, a value that is not one of the item's options) raise AnswersError
  listing every problem; nothing is silently dropped or clamped.

Plain Python: no Django, no I/O.
"""

import decimal
from collections.abc import Mapping
from dataclasses import dataclass

from .instrument_schema import CONTEXT_VALUES, Condition, Instrument, Item

# Status of the answers as a whole.
COMPLETE = "complete"  # every required item answered
PRORATED = "prorated"  # a few missing, total prorated per the instrument's published rule
INCOMPLETE = "incomplete"  # too many missing for a total

# Where a flag came from.
CRITICAL_ITEM = "critical_item"
CRITICAL_UNANSWERED = "critical_unanswered"
RULE = "rule"


class AnswersError(ValueError):
    """Answers that do not fit the instrument: every problem listed, by item."""

    def __init__(self, problems):
        self.problems = tuple(problems)
        super().__init__(
            "Answers do not fit the instrument:\n" + "\n".join(f"  - {p}" for p in self.problems)
        )


@dataclass(frozen=True)
class ItemResult:
    key: str
    value: int | None  # the answer as given; None when unanswered
    scored_value: int | None  # after reverse keying; None when unanswered or not scored
    label: str | None  # the chosen option's label in the result language
    is_critical: bool  # the item is one of the instrument's critical items
    critical_triggered: bool  # ... and this answer triggered it

    def to_dict(self) -> dict:
        return {
            "key": self.key,
            "value": self.value,
            "scored_value": self.scored_value,
            "label": self.label,
            "is_critical": self.is_critical,
            "critical_triggered": self.critical_triggered,
        }


@dataclass(frozen=True)
class Flag:
    id: str
    label: str
    triggers: str  # "urgent_alert" or "clinician_review"
    source: str  # CRITICAL_ITEM, CRITICAL_UNANSWERED or RULE
    citation: str
    item: str | None = None  # for flags raised by one item

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "label": self.label,
            "triggers": self.triggers,
            "source": self.source,
            "item": self.item,
            "citation": self.citation,
        }


@dataclass(frozen=True)
class BandResult:
    label: str
    min: int
    max: int

    def to_dict(self) -> dict:
        return {"label": self.label, "min": self.min, "max": self.max}


@dataclass(frozen=True)
class SubscaleResult:
    key: str
    label: str
    score: int | None  # None when any of its items is unanswered
    min: int
    max: int

    def to_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "score": self.score, "min": self.min, "max": self.max}


@dataclass(frozen=True)
class ScoreResult:
    instrument_code: str
    instrument_version: str
    language: str
    status: str  # COMPLETE, PRORATED or INCOMPLETE
    total: int | None  # None when incomplete or when the instrument has no total (ASQ)
    raw_total: int | None  # sum of the answered scored items, before prorating
    min_total: int | None
    max_total: int | None
    answered: int  # required scored items answered
    missing: tuple[str, ...]  # required items left unanswered, in form order
    band: BandResult | None
    subscales: tuple[SubscaleResult, ...]
    flags: tuple[Flag, ...]
    items: tuple[ItemResult, ...]

    @property
    def prorated(self) -> bool:
        return self.status == PRORATED

    @property
    def complete(self) -> bool:
        return self.status == COMPLETE

    @property
    def urgent(self) -> bool:
        """Any flag asks for an urgent alert (a same-day task for the primary clinician)."""
        return any(flag.triggers == "urgent_alert" for flag in self.flags)

    def flag(self, flag_id: str) -> Flag | None:
        return next((flag for flag in self.flags if flag.id == flag_id), None)

    def subscale(self, key: str) -> SubscaleResult:
        return next(s for s in self.subscales if s.key == key)

    def to_dict(self) -> dict:
        return {
            "instrument": {"code": self.instrument_code, "version": self.instrument_version},
            "language": self.language,
            "status": self.status,
            "total": self.total,
            "raw_total": self.raw_total,
            "prorated": self.prorated,
            "range": None if self.min_total is None else {"min": self.min_total, "max": self.max_total},
            "answered": self.answered,
            "missing": list(self.missing),
            "band": self.band.to_dict() if self.band else None,
            "subscales": [s.to_dict() for s in self.subscales],
            "urgent": self.urgent,
            "flags": [f.to_dict() for f in self.flags],
            "items": [i.to_dict() for i in self.items],
        }


def _round_half_up(value: decimal.Decimal) -> int:
    return int(value.quantize(decimal.Decimal(1), rounding=decimal.ROUND_HALF_UP))


def check_answers(instrument: Instrument, answers: Mapping) -> dict[str, int | None]:
    """The answers keyed by item key, each an option value or None; raises AnswersError otherwise.

    Integer keys are accepted as their string form ({9: 1} means item "9"), so answers decoded from a form
    or a FHIR linkId both work. Booleans are not integers here: True is not an answer of 1.
    """
    problems, clean = [], {}
    known = {item.key: item for item in instrument.items}
    for raw_key, value in answers.items():
        key = str(raw_key) if isinstance(raw_key, int) and not isinstance(raw_key, bool) else raw_key
        if not isinstance(key, str) or key not in known:
            problems.append(f"{raw_key!r}: not an item of {instrument}")
            continue
        if key in clean:
            problems.append(f"{key}: answered twice")
            continue
        item = known[key]
        if value is None:
            clean[key] = None
        elif isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"{key}: the answer must be one of {_values(item)}, not {value!r}")
        elif value not in item.values:
            problems.append(f"{key}: {value} is not an answer option; use one of {_values(item)}")
        else:
            clean[key] = value
    if problems:
        raise AnswersError(problems)
    return {item.key: clean.get(item.key) for item in instrument.items}


def _values(item: Item) -> str:
    return ", ".join(str(v) for v in item.values)


def _check_context(context: Mapping[str, str] | None) -> dict[str, str]:
    result = {name: "unknown" for name in CONTEXT_VALUES}
    problems = []
    for name, value in (context or {}).items():
        if name not in CONTEXT_VALUES:
            problems.append(f"context {name!r}: not known; use {', '.join(CONTEXT_VALUES)}")
        elif value not in CONTEXT_VALUES[name]:
            problems.append(f"context {name!r}: {value!r} is not one of {', '.join(CONTEXT_VALUES[name])}")
        else:
            result[name] = value
    if problems:
        raise AnswersError(problems)
    return result


def score(
    instrument: Instrument,
    answers: Mapping,
    language: str | None = None,
    *,
    context: Mapping[str, str] | None = None,
) -> ScoreResult:
    """Score one administration.

    answers: {item_key: option value or None}; an item left out is unanswered. language: for option labels
    (the instrument's default when None). context: facts some rules need, e.g. {"sex": "female"} for the
    AUDIT-C cut-offs; anything not given is "unknown".
    Raises AnswersError for unknown items, values that are not options, or an unknown language or context.
    """
    language = language or instrument.default_language
    if language not in instrument.languages:
        raise AnswersError(
            [f"language {language!r}: {instrument} is available in {', '.join(instrument.languages)}"]
        )
    values = check_answers(instrument, answers)
    facts = _check_context(context)

    items = []
    for item in instrument.items:
        value = values[item.key]
        triggered = item.critical is not None and value is not None and value >= item.critical.at_least
        items.append(
            ItemResult(
                key=item.key,
                value=value,
                scored_value=item.scored_value(value) if value is not None and item.scored else None,
                label=item.option(value).label[language] if value is not None else None,
                is_critical=item.critical is not None,
                critical_triggered=triggered,
            )
        )

    required = [item for item in instrument.scored_items if item.required]
    missing_required = tuple(
        item.key for item in instrument.items if item.required and values[item.key] is None
    )
    missing_scored = [item for item in required if values[item.key] is None]
    answered = [item for item in instrument.scored_items if values[item.key] is not None]
    rule = instrument.scoring.missing

    if not missing_required:
        status = COMPLETE
    elif rule.rule == "prorate" and len(missing_required) <= rule.max_missing and answered:
        status = PRORATED
    else:
        status = INCOMPLETE

    raw_total = total = None
    if instrument.scoring.method == "sum":
        raw_total = sum(item.scored_value(values[item.key]) for item in answered)
        if status == COMPLETE:
            total = raw_total
        elif status == PRORATED and missing_scored:
            # Each missing item takes the mean of the answered ones (NHS Data Dictionary rule for PHQ-9).
            count = len(instrument.scored_items)
            total = _round_half_up(decimal.Decimal(raw_total) * count / len(answered))
        elif status == PRORATED:
            total = raw_total  # only unscored required items were missing

    subscales = []
    for subscale in instrument.scoring.subscales:
        members = [instrument.item(key) for key in subscale.items]
        present = all(values[m.key] is not None for m in members)
        low, high = instrument.subscale_range(subscale.key)
        subscales.append(
            SubscaleResult(
                key=subscale.key,
                label=subscale.label,
                score=sum(m.scored_value(values[m.key]) for m in members) if present else None,
                min=low,
                max=high,
            )
        )

    band = None
    if total is not None:
        found = instrument.band_for(total)
        band = BandResult(found.label, found.min, found.max) if found else None

    flags = []
    for item in instrument.items:
        if item.critical is None:
            continue
        value = values[item.key]
        if value is None:
            # Only worth saying when the item was meant to be asked: an optional follow-up left blank is not news.
            if item.required:
                flags.append(
                    Flag(
                        id=f"critical_item_{item.key}_unanswered",
                        label=f"Item {item.key} ({item.text['en']}) was not answered: ask it before relying on this result.",
                        triggers="clinician_review",
                        source=CRITICAL_UNANSWERED,
                        citation=item.critical.citation,
                        item=item.key,
                    )
                )
        elif value >= item.critical.at_least:
            flags.append(
                Flag(
                    id=f"critical_item_{item.key}",
                    label=item.critical.label,
                    triggers=item.critical.triggers,
                    source=CRITICAL_ITEM,
                    citation=item.critical.citation,
                    item=item.key,
                )
            )

    state = _State(values, total, {s.key: s.score for s in subscales})
    for rule_ in instrument.scoring.flags:
        if all(facts[name] in allowed for name, allowed in rule_.context.items()) and state.holds(rule_.when):
            flags.append(Flag(rule_.id, rule_.label, rule_.triggers, RULE, rule_.citation))

    return ScoreResult(
        instrument_code=instrument.code,
        instrument_version=instrument.version,
        language=language,
        status=status,
        total=total,
        raw_total=raw_total,
        min_total=instrument.min_total,
        max_total=instrument.max_total,
        answered=len([i for i in required if values[i.key] is not None]),
        missing=missing_required,
        band=band,
        subscales=tuple(subscales),
        flags=tuple(flags),
        items=tuple(items),
    )


@dataclass(frozen=True)
class _State:
    values: Mapping[str, int | None]
    total: int | None
    subscales: Mapping[str, int | None]

    def holds(self, condition: Condition) -> bool:
        kind, values = condition.kind, self.values
        if kind == "all":
            return all(self.holds(child) for child in condition.children)
        if kind == "any":
            return any(self.holds(child) for child in condition.children)
        if kind == "total_at_least":
            return self.total is not None and self.total >= condition.value
        if kind == "total_at_most":
            return self.total is not None and self.total <= condition.value
        if kind == "item_at_least":
            return values[condition.item] is not None and values[condition.item] >= condition.value
        if kind == "item_at_most":
            return values[condition.item] is not None and values[condition.item] <= condition.value
        if kind == "item_missing":
            return values[condition.item] is None
        if kind == "any_item_at_least":
            return any(
                (values[key] is None and condition.or_missing)
                or (values[key] is not None and values[key] >= condition.value)
                for key in condition.items
            )
        if kind == "count_items_at_least":
            hits = sum(
                1 for key in condition.items if values[key] is not None and values[key] >= condition.value
            )
            return hits >= condition.count
        if kind == "subscale_at_least":
            current = self.subscales.get(condition.subscale)
            return current is not None and current >= condition.value
        raise ValueError(f"Unknown condition {kind!r}")  # the loader never lets one through
