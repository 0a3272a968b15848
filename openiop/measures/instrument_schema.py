"""What a measurement instrument is, as plain frozen data: the shape every loaded instrument file takes.

An instrument (PHQ-9, GAD-7, ...) is data, not code: its items and answer options, how it is scored (a sum,
subscales, reverse-keyed items, what to do with missing answers, severity bands, flag rules), its critical
items and what they trigger, how change is judged (a published reliable-change threshold or the SD and
reliability for the Jacobson–Truax index, response and remission rules), its LOINC codes and its licence.

loader.py reads and validates the JSON files into these classes; scoring.py and change.py compute with them.
Nothing here touches Django, the database or the file system.

Texts a respondent reads (title, instructions, stem, item text, option labels) are given per language as
{"en": ..., "es": ...}; every text carries every language the instrument declares. Texts only staff read
(band, flag and subscale labels, citations) are English: they are OpenIOP's words, not the instrument's.
"""

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

FORMAT = "openiop-instrument/1"

# What a flag or a critical item asks the application to do. The measures app turns "urgent_alert" into an
# alert and a same-day task for the primary clinician (PRODUCT.md §5); "clinician_review" is shown with the
# score for the clinician to act on.
TRIGGERS = ("urgent_alert", "clinician_review")

# Answers about the respondent that some scoring rules depend on (AUDIT-C cut-offs differ by sex). A value
# that was not given is "unknown", and rules say what they do then.
CONTEXT_VALUES = MappingProxyType({"sex": ("female", "male", "unknown")})

Text = Mapping[str, str]  # language code -> text


def text_in(text: Text, language: str) -> str:
    """The text in that language. Validation guarantees every declared language is present."""
    return text[language]


@dataclass(frozen=True)
class Option:
    value: int
    label: Text
    loinc: str | None = None  # LOINC answer code (LA...), where one exists


@dataclass(frozen=True)
class CriticalRule:
    """An answer at or above `at_least` on this item triggers `triggers`, whatever the total."""

    at_least: int
    triggers: str
    label: str
    citation: str


@dataclass(frozen=True)
class Item:
    key: str
    text: Text
    options: tuple[Option, ...]  # ascending value
    loinc: str | None = None
    reverse: bool = False  # reverse-keyed: scored as (lowest + highest option value) - answer
    scored: bool = True  # counts towards the total (PHQ-9's difficulty question does not)
    required: bool = True  # an unanswered required item counts as missing
    subscales: tuple[str, ...] = ()
    critical: CriticalRule | None = None

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(option.value for option in self.options)

    @property
    def min_value(self) -> int:
        return self.options[0].value

    @property
    def max_value(self) -> int:
        return self.options[-1].value

    def option(self, value: int) -> Option:
        for option in self.options:
            if option.value == value:
                return option
        raise KeyError(value)

    def scored_value(self, value: int) -> int:
        """The value that counts towards totals: reverse-keyed items are flipped within their range."""
        return self.min_value + self.max_value - value if self.reverse else value


@dataclass(frozen=True)
class Subscale:
    key: str
    label: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class Band:
    """Totals from `min` to `max` (inclusive) carry this severity label."""

    min: int
    max: int
    label: str


@dataclass(frozen=True)
class Condition:
    """One test in a flag rule. `kind` is one of CONDITION_KINDS; the other fields are its arguments.

    total_at_least / total_at_most: value.  item_at_least / item_at_most: item, value (false when the item
    is unanswered).  item_missing: item.  any_item_at_least: items, value, or_missing (an unanswered item
    counts as meeting it, for screens where refusing to answer is itself positive).  count_items_at_least:
    items, value, count.  subscale_at_least: subscale, value.  all / any: children.
    """

    kind: str
    value: int | None = None
    item: str | None = None
    items: tuple[str, ...] = ()
    count: int | None = None
    subscale: str | None = None
    or_missing: bool = False
    children: tuple["Condition", ...] = ()


CONDITION_KINDS = (
    "total_at_least",
    "total_at_most",
    "item_at_least",
    "item_at_most",
    "item_missing",
    "any_item_at_least",
    "count_items_at_least",
    "subscale_at_least",
    "all",
    "any",
)


@dataclass(frozen=True)
class FlagRule:
    id: str
    label: str
    when: Condition
    triggers: str
    citation: str
    # Only applies when the respondent context matches, e.g. {"sex": ("female",)}; empty = always.
    context: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class MissingRule:
    """What an unanswered required item does to the total.

    "prorate": with at most `max_missing` unanswered, total = sum of answered x items / answered, rounded
    half up (each missing item takes the mean of the answered ones). More missing: incomplete.
    "incomplete": any unanswered item leaves the total unscored.
    """

    rule: str
    max_missing: int
    citation: str


@dataclass(frozen=True)
class Scoring:
    method: str  # "sum", or "none" for screens with no total (ASQ: the flags are the result)
    missing: MissingRule
    bands: tuple[Band, ...]  # ascending, covering min_total..max_total exactly; may be empty
    bands_citation: str | None
    subscales: tuple[Subscale, ...]
    flags: tuple[FlagRule, ...]


@dataclass(frozen=True)
class ReliableChange:
    """Either a published `threshold` (a change of at least this many points is reliable) or the `sd` and
    `reliability` for the Jacobson–Truax index (|RCI| > 1.96 is reliable)."""

    citation: str
    threshold: float | None = None
    sd: float | None = None
    reliability: float | None = None


@dataclass(frozen=True)
class Response:
    """Response: a reduction of at least `reduction_percent` % from a baseline of at least `min_baseline`."""

    min_baseline: int
    reduction_percent: float
    citation: str


@dataclass(frozen=True)
class Remission:
    """Remission: a score below `below`, judged only when the baseline was at least `min_baseline`."""

    below: int
    citation: str
    min_baseline: int | None = None


@dataclass(frozen=True)
class ClinicalCutoff:
    """Jacobson–Truax cut-off c between the clinical and the functional population: given as `value`, or
    computed from the two populations' means and SDs (criterion c)."""

    citation: str
    value: float | None = None
    clinical_mean: float | None = None
    clinical_sd: float | None = None
    functional_mean: float | None = None
    functional_sd: float | None = None


@dataclass(frozen=True)
class ChangeRules:
    better: str  # "lower" (PHQ-9: fewer symptoms) or "higher" (a well-being index)
    reliable_change: ReliableChange | None = None
    response: Response | None = None
    remission: Remission | None = None
    clinical_cutoff: ClinicalCutoff | None = None


@dataclass(frozen=True)
class Licence:
    name: str
    text: str  # the notice as the copyright holder words it
    url: str
    decision: str  # why OpenIOP may redistribute it


@dataclass(frozen=True)
class Source:
    citation: str  # the instrument's reference publication
    text_source: str  # where the item wording was taken from and how it was checked
    url: str


@dataclass(frozen=True)
class Loinc:
    panel: str | None = None
    total: str | None = None


@dataclass(frozen=True)
class Instrument:
    code: str  # "PHQ-9": what treatment plans and the API call it
    version: str  # version of this file's content; a stored administration keeps the one it used
    title: Text
    languages: tuple[str, ...]  # the first is the default
    instructions: Text | None
    stem: Text | None  # shown before the items: "Over the last 2 weeks, how often ..."
    loinc: Loinc
    licence: Licence
    source: Source
    items: tuple[Item, ...]
    scoring: Scoring
    change: ChangeRules | None
    path: str = ""  # the file it was loaded from, for error messages

    @property
    def default_language(self) -> str:
        return self.languages[0]

    # Computed once per (immutable) instrument: the outcomes page checks the range of every score pair, so
    # at size M these were rebuilt thousands of times a request (cached_property writes the instance's
    # __dict__ directly, which a frozen dataclass allows; equality and hashing still use the fields only).
    @functools.cached_property
    def scored_items(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.scored)

    @functools.cached_property
    def min_total(self) -> int | None:
        if self.scoring.method != "sum":
            return None
        return sum(item.min_value for item in self.scored_items)

    @functools.cached_property
    def max_total(self) -> int | None:
        if self.scoring.method != "sum":
            return None
        return sum(item.max_value for item in self.scored_items)

    @property
    def critical_items(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.critical is not None)

    def item(self, key: str) -> Item:
        for item in self.items:
            if item.key == key:
                return item
        raise KeyError(key)

    def subscale(self, key: str) -> Subscale:
        for subscale in self.scoring.subscales:
            if subscale.key == key:
                return subscale
        raise KeyError(key)

    def subscale_range(self, key: str) -> tuple[int, int]:
        items = [self.item(k) for k in self.subscale(key).items]
        return sum(i.min_value for i in items), sum(i.max_value for i in items)

    def band_for(self, total: int) -> Band | None:
        for band in self.scoring.bands:
            if band.min <= total <= band.max:
                return band
        return None

    def title_in(self, language: str | None = None) -> str:
        return text_in(self.title, language or self.default_language)

    def __str__(self) -> str:
        return f"{self.code} {self.version}"
