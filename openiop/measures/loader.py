"""Read instrument files and validate them, reporting every problem at once with its file and JSON path.

A broken instrument must never load half-right: a wrong band edge or a critical item pointing nowhere would
silently mis-score a patient. So validation is strict (unknown keys are errors, "$comment" and "x-..." keys
excepted for authors' notes) and complete (all problems in one InstrumentError, each with a JSON path such
as "$.items[8].critical.at_least").

Plain Python: no Django. registry.py decides which folders to read; the file format is documented in
docs/measures.md.
"""

import math
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType

from openiop.core.datafile import (
    Checker,
    DataFileError,
    data_files,
    describe,
    is_int,
    load_versioned,
    read_json,
)

from .instrument_schema import (
    CONDITION_KINDS,
    CONTEXT_VALUES,
    FORMAT,
    TRIGGERS,
    Band,
    ChangeRules,
    ClinicalCutoff,
    Condition,
    CriticalRule,
    FlagRule,
    Instrument,
    Item,
    Licence,
    Loinc,
    MissingRule,
    Option,
    ReliableChange,
    Remission,
    Response,
    Scoring,
    Source,
    Subscale,
)

SHIPPED_DIR = Path(__file__).with_name("instruments")

# Limits that match where administrations will store these values, so a file that loads can be recorded.
MAX_CODE = 20  # the treatment app validates objective measures against the same shape
MAX_VERSION = 20
MAX_KEY = 40
MAX_OPTIONS = 31  # BAM-R style day counts 0-30 are the largest answer sets we expect
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,19}$")
_KEY = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Z]{2})?$")
_LOINC = re.compile(r"^(LA)?\d{1,8}-\d$")
_VERSION = re.compile(r"^\d+(\.\d+){0,2}$")


class InstrumentError(DataFileError):
    """Everything wrong with one instrument file, each problem with its JSON path."""

    what = "instrument"


def _is_number(value: object) -> bool:
    return (is_int(value) or isinstance(value, float)) and math.isfinite(value)


class _Reader(Checker):
    """The shared checker, with numbers, booleans, texts in every language and lists of keys."""

    def __init__(self) -> None:
        super().__init__()
        self.languages: tuple[str, ...] = ()

    def number(self, parent: dict, key: str, path: str) -> float | None:
        if key not in parent:
            return None
        value = parent[key]
        if not _is_number(value):
            self.add(f"{path}.{key}", f"must be a number, not {describe(value)}")
            return None
        return float(value)

    def boolean(self, parent: dict, key: str, path: str, default: bool) -> bool:
        if key not in parent:
            return default
        value = parent[key]
        if not isinstance(value, bool):
            self.add(f"{path}.{key}", f"must be true or false, not {describe(value)}")
            return default
        return value

    def translated(self, parent: dict, key: str, path: str) -> Mapping[str, str] | None:
        """A respondent-facing text: an object with a non-empty string for every declared language."""
        if key not in parent:
            return None
        value = parent[key]
        where = f"{path}.{key}"
        if not isinstance(value, dict):
            self.add(where, f"must be an object of texts by language, not {describe(value)}")
            return None
        ok = True
        for language in self.languages:
            if language not in value:
                self.add(
                    f"{where}.{language}",
                    f"is missing: every text needs each language ({', '.join(self.languages)})",
                )
                ok = False
        for language in sorted(value.keys() - set(self.languages)):
            self.add(f"{where}.{language}", f"{language!r} is not one of the instrument's languages")
            ok = False
        for language in self.languages:
            if language in value and self.text(value, language, where) is None:
                ok = False
        return MappingProxyType(dict(value)) if ok else None

    def keys(
        self, parent: dict, key: str, path: str, known: set[str] | None, what: str
    ) -> tuple[str, ...] | None:
        """A list of item (or subscale) keys, each one known and none repeated."""
        values = self.items(parent, key, path)
        if values is None:
            return None
        result, ok = [], True
        for i, value in enumerate(values):
            where = f"{path}.{key}[{i}]"
            if not isinstance(value, str):
                self.add(where, f"must be a string, not {describe(value)}")
                ok = False
            elif known is not None and value not in known:
                self.add(where, f"unknown {what} {value!r}")
                ok = False
            elif value in result:
                self.add(where, f"{what} {value!r} is listed twice")
                ok = False
            else:
                result.append(value)
        return tuple(result) if ok else None


# --- Parts ------------------------------------------------------------------------------------------------


def _read_languages(r: _Reader, raw: dict) -> tuple[str, ...] | None:
    values = r.items(raw, "languages", "$")
    if values is None:
        return None
    languages = []
    for i, value in enumerate(values):
        if not isinstance(value, str) or not _LANGUAGE.match(value):
            r.add(f"$.languages[{i}]", f"{value!r} is not a language code such as 'en' or 'es'")
        elif value in languages:
            r.add(f"$.languages[{i}]", f"language {value!r} is listed twice")
        else:
            languages.append(value)
    return tuple(languages) if len(languages) == len(values) else None


def _read_licence(r: _Reader, raw: dict) -> Licence | None:
    path = "$.licence"
    if "licence" not in raw or not r.obj(raw["licence"], path, required={"name", "text", "url", "decision"}):
        return None
    block = raw["licence"]
    parts = [r.text(block, key, path) for key in ("name", "text", "url", "decision")]
    return None if None in parts else Licence(*parts)


def _read_source(r: _Reader, raw: dict) -> Source | None:
    path = "$.source"
    if "source" not in raw or not r.obj(raw["source"], path, required={"citation", "text_source", "url"}):
        return None
    block = raw["source"]
    parts = [r.text(block, key, path) for key in ("citation", "text_source", "url")]
    return None if None in parts else Source(*parts)


def _read_loinc(r: _Reader, raw: dict) -> Loinc:
    if "loinc" not in raw:
        return Loinc()
    if not r.obj(raw["loinc"], "$.loinc", required=(), optional={"panel", "total"}):
        return Loinc()
    block = raw["loinc"]
    panel = r.pattern(block, "panel", "$.loinc", _LOINC, "is not a LOINC code") if "panel" in block else None
    total = r.pattern(block, "total", "$.loinc", _LOINC, "is not a LOINC code") if "total" in block else None
    return Loinc(panel, total)


def _read_options(r: _Reader, options: object, path: str) -> tuple[Option, ...] | None:
    if not isinstance(options, list) or not options:
        r.add(path, f"must be a non-empty list of answer options, not {describe(options)}")
        return None
    if len(options) > MAX_OPTIONS:
        r.add(path, f"has {len(options)} options; at most {MAX_OPTIONS} are supported")
        return None
    result, ok = [], True
    for j, option in enumerate(options):
        where = f"{path}[{j}]"
        if not r.obj(option, where, required={"value", "label"}, optional={"loinc"}):
            ok = False
            continue
        value = option.get("value")
        if not is_int(value):
            r.add(f"{where}.value", f"must be an integer, not {describe(value)}")
            ok = False
            value = None
        elif value in {o.value for o in result}:
            r.add(f"{where}.value", f"value {value} is used by two options")
            ok = False
            value = None
        label = r.translated(option, "label", where)
        loinc = (
            r.pattern(option, "loinc", where, _LOINC, "is not a LOINC answer code")
            if "loinc" in option
            else None
        )
        if value is None or label is None:
            ok = False
        else:
            result.append(Option(value, label, loinc))
    if not ok:
        return None
    values = [o.value for o in result]
    if values != sorted(values):
        r.add(path, "options must be listed in ascending order of value")
        return None
    return tuple(result)


def _read_option_sets(r: _Reader, raw: dict) -> dict[str, tuple[Option, ...]]:
    if "option_sets" not in raw:
        return {}
    block = raw["option_sets"]
    if not isinstance(block, dict):
        r.add("$.option_sets", f"must be an object of named answer-option lists, not {describe(block)}")
        return {}
    sets = {}
    for name, options in block.items():
        if not isinstance(name, str) or not _KEY.match(name):
            r.add(f"$.option_sets.{name}", "must be named with lowercase letters, digits, '_', '-' or '.'")
            continue
        parsed = _read_options(r, options, f"$.option_sets.{name}")
        if parsed is not None:
            sets[name] = parsed
    return sets


def _read_critical(r: _Reader, item: dict, path: str, values: tuple[int, ...] | None) -> CriticalRule | None:
    where = f"{path}.critical"
    if not r.obj(item["critical"], where, required={"at_least", "triggers", "label", "citation"}):
        return None
    block = item["critical"]
    at_least = r.integer(block, "at_least", where)
    triggers = _read_trigger(r, block, where)
    label = r.text(block, "label", where)
    citation = r.text(block, "citation", where)
    if at_least is not None and values is not None and not any(v >= at_least for v in values):
        r.add(
            f"{where}.at_least", f"no answer option reaches {at_least}, so the critical rule could never fire"
        )
        at_least = None
    if at_least is not None and values is not None and at_least <= min(values):
        r.add(f"{where}.at_least", f"{at_least} is the lowest answer: every answer would be critical")
        at_least = None
    if None in (at_least, triggers, label, citation):
        return None
    return CriticalRule(at_least, triggers, label, citation)


def _read_trigger(r: _Reader, block: dict, path: str) -> str | None:
    trigger = r.text(block, "triggers", path)
    if trigger is not None and trigger not in TRIGGERS:
        r.add(f"{path}.triggers", f"unknown trigger {trigger!r}; use one of {', '.join(TRIGGERS)}")
        return None
    return trigger


def _read_items(r: _Reader, raw: dict, option_sets: dict) -> list[Item] | None:
    items_raw = r.items(raw, "items", "$")
    if items_raw is None:
        return None
    items, ok, seen = [], True, set()
    fields = {"key", "text", "options"}
    optional = {"loinc", "reverse", "scored", "required", "subscales", "critical"}
    for i, item in enumerate(items_raw):
        path = f"$.items[{i}]"
        if not r.obj(item, path, required=fields, optional=optional):
            ok = False
            continue
        key = r.pattern(
            item, "key", path, _KEY, "is not an item key (lowercase letters, digits, '_', '-', '.')"
        )
        if key is not None and len(key) > MAX_KEY:
            r.add(f"{path}.key", f"must be at most {MAX_KEY} characters")
            key = None
        if key is not None and key in seen:
            r.add(f"{path}.key", f"duplicate item key {key!r}")
            key = None
        if key is not None:
            seen.add(key)
        text = r.translated(item, "text", path)
        options = None
        if "options" in item:
            reference = item["options"]
            if isinstance(reference, str):
                options = option_sets.get(reference)
                if options is None:
                    r.add(f"{path}.options", f"unknown option set {reference!r}")
            else:
                options = _read_options(r, reference, f"{path}.options")
        loinc = r.pattern(item, "loinc", path, _LOINC, "is not a LOINC code") if "loinc" in item else None
        reverse = r.boolean(item, "reverse", path, False)
        scored = r.boolean(item, "scored", path, True)
        required = r.boolean(item, "required", path, True)
        subscales = ()
        if "subscales" in item:
            subscales = r.keys(item, "subscales", path, None, "subscale") if item["subscales"] != [] else ()
        critical = None
        if "critical" in item:
            critical = _read_critical(r, item, path, tuple(o.value for o in options) if options else None)
            if critical is None:
                ok = False
        if reverse and not scored:
            r.add(f"{path}.reverse", "an item that is not scored cannot be reverse-keyed")
            ok = False
        if options is not None and len(options) < 2:
            r.add(f"{path}.options", "an item needs at least two answer options")
            options = None
        if None in (key, text, options, subscales):
            ok = False
            continue
        items.append(Item(key, text, options, loinc, reverse, scored, required, subscales, critical))
    return items if ok else None


def _read_subscales(r: _Reader, scoring: dict, items: list[Item] | None) -> tuple[Subscale, ...] | None:
    values = r.items(scoring, "subscales", "$.scoring", allow_empty=True) if "subscales" in scoring else []
    if values is None:
        return None
    known = {item.key for item in items} if items is not None else None
    scored = {item.key for item in items if item.scored} if items is not None else None
    result, ok = [], True
    for i, block in enumerate(values):
        path = f"$.scoring.subscales[{i}]"
        if not r.obj(block, path, required={"key", "label", "items"}):
            ok = False
            continue
        key = r.pattern(
            block, "key", path, _KEY, "is not a subscale key (lowercase letters, digits, '_', '-', '.')"
        )
        if key is not None and key in {s.key for s in result}:
            r.add(f"{path}.key", f"duplicate subscale {key!r}")
            key = None
        label = r.text(block, "label", path)
        members = r.keys(block, "items", path, known, "item")
        if members is not None and scored is not None:
            for j, member in enumerate(members):
                if member not in scored:
                    r.add(
                        f"{path}.items[{j}]",
                        f"item {member!r} is not scored, so it cannot count in a subscale",
                    )
                    members = None
                    break
        if None in (key, label, members):
            ok = False
        else:
            result.append(Subscale(key, label, members))
    if ok and items is not None:
        declared = {s.key: set(s.items) for s in result}
        for i, item in enumerate(items):
            for j, name in enumerate(item.subscales):
                if name not in declared:
                    r.add(f"$.items[{i}].subscales[{j}]", f"unknown subscale {name!r}")
                    ok = False
                elif item.key not in declared[name]:
                    r.add(
                        f"$.items[{i}].subscales[{j}]", f"subscale {name!r} does not list item {item.key!r}"
                    )
                    ok = False
        for subscale in result:
            for member in subscale.items:
                item = next(i for i in items if i.key == member)
                if subscale.key not in item.subscales:
                    where = f"$.items[{items.index(item)}].subscales"
                    r.add(where, f"item {member!r} is in subscale {subscale.key!r} but does not name it")
                    ok = False
    return tuple(result) if ok else None


def _read_missing(r: _Reader, scoring: dict, item_count: int | None) -> MissingRule | None:
    path = "$.scoring.missing"
    if "missing" not in scoring:
        return None
    if not r.obj(scoring["missing"], path, required={"rule", "citation"}, optional={"max_missing"}):
        return None
    block = scoring["missing"]
    rule = r.text(block, "rule", path)
    citation = r.text(block, "citation", path)
    if rule is not None and rule not in ("prorate", "incomplete"):
        r.add(f"{path}.rule", f"unknown rule {rule!r}; use 'prorate' or 'incomplete'")
        rule = None
    max_missing = 0
    if rule == "prorate":
        if "max_missing" not in block:
            r.add(
                f"{path}.max_missing", "is missing: say how many items may be missing before it is incomplete"
            )
            return None
        max_missing = r.integer(block, "max_missing", path, minimum=1)
        if max_missing is not None and item_count is not None and max_missing >= item_count:
            r.add(
                f"{path}.max_missing",
                f"must leave at least one answered item (the instrument has {item_count})",
            )
            max_missing = None
    elif rule == "incomplete" and "max_missing" in block:
        r.add(f"{path}.max_missing", "only applies to the 'prorate' rule")
        max_missing = None
    if None in (rule, citation, max_missing):
        return None
    return MissingRule(rule, max_missing, citation)


def _read_bands(
    r: _Reader, scoring: dict, totals: tuple[int, int] | None, method: str
) -> tuple[Band, ...] | None:
    values = r.items(scoring, "bands", "$.scoring", allow_empty=True) if "bands" in scoring else []
    if values is None:
        return None
    bands, ok = [], True
    for i, block in enumerate(values):
        path = f"$.scoring.bands[{i}]"
        if not r.obj(block, path, required={"min", "max", "label"}):
            ok = False
            continue
        low = r.integer(block, "min", path)
        high = r.integer(block, "max", path)
        label = r.text(block, "label", path)
        if low is not None and high is not None and low > high:
            r.add(path, f"min ({low}) is greater than max ({high})")
            ok = False
        elif None in (low, high, label):
            ok = False
        else:
            bands.append(Band(low, high, label))
    if not ok or not bands:
        return tuple(bands) if ok else None
    if method != "sum":
        r.add("$.scoring.bands", "bands need a summed total; this instrument has none")
        return None
    if totals is None:
        return tuple(bands)  # the items have problems of their own; coverage cannot be checked yet
    # Bands must tile the possible totals exactly, in order: a gap would leave a score with no severity
    # label, an overlap would give it two.
    expected = totals[0]
    for i, band in enumerate(bands):
        path = f"$.scoring.bands[{i}]"
        if band.min > expected:
            r.add(path, f"leaves a gap: no band covers {expected}–{band.min - 1}")
            ok = False
        elif band.min < expected:
            r.add(path, f"overlaps the previous band (starts at {band.min}, expected {expected})")
            ok = False
        expected = max(expected, band.max + 1)
    if ok and bands[0].min != totals[0]:
        r.add("$.scoring.bands[0]", f"must start at the lowest possible total, {totals[0]}")
        ok = False
    if ok and bands[-1].max != totals[1]:
        r.add(
            f"$.scoring.bands[{len(bands) - 1}]",
            f"must end at the highest possible total, {totals[1]}, not {bands[-1].max}",
        )
        ok = False
    return tuple(bands) if ok else None


def _read_condition(r: _Reader, value: object, path: str, ctx: dict) -> Condition | None:
    """ctx: items (key -> Item or None when items are unreadable), subscales (set or None), has_total."""
    if not isinstance(value, dict) or len(value) != 1:
        r.add(path, f"must be an object with exactly one condition ({', '.join(CONDITION_KINDS)})")
        return None
    ((kind, args),) = value.items()
    where = f"{path}.{kind}"
    if kind not in CONDITION_KINDS:
        r.add(where, f"unknown condition; use one of {', '.join(CONDITION_KINDS)}")
        return None
    items, subscales = ctx["items"], ctx["subscales"]
    if kind in ("all", "any"):
        if not isinstance(args, list) or not args:
            r.add(where, "must be a non-empty list of conditions")
            return None
        children = [_read_condition(r, child, f"{where}[{i}]", ctx) for i, child in enumerate(args)]
        return None if None in children else Condition(kind, children=tuple(children))
    if kind in ("total_at_least", "total_at_most"):
        if not ctx["has_total"]:
            r.add(where, "this instrument has no total")
            return None
        if not is_int(args):
            r.add(where, f"must be an integer, not {describe(args)}")
            return None
        return Condition(kind, value=args)

    def known_item(block: dict, key: str, base: str) -> str | None:
        name = block.get(key)
        if not isinstance(name, str):
            r.add(f"{base}.{key}", f"must be an item key, not {describe(name)}")
            return None
        if items is not None and name not in items:
            r.add(f"{base}.{key}", f"unknown item {name!r}")
            return None
        return name

    if kind == "item_missing":
        if not r.obj(args, where, required={"item"}):
            return None
        name = known_item(args, "item", where)
        return None if name is None else Condition(kind, item=name)
    if kind in ("item_at_least", "item_at_most"):
        if not r.obj(args, where, required={"item", "value"}):
            return None
        name = known_item(args, "item", where)
        threshold = r.integer(args, "value", where)
        return None if None in (name, threshold) else Condition(kind, item=name, value=threshold)
    if kind == "subscale_at_least":
        if not r.obj(args, where, required={"subscale", "value"}):
            return None
        name = args.get("subscale")
        if not isinstance(name, str) or (subscales is not None and name not in subscales):
            r.add(f"{where}.subscale", f"unknown subscale {name!r}")
            name = None
        threshold = r.integer(args, "value", where)
        return None if None in (name, threshold) else Condition(kind, subscale=name, value=threshold)
    if kind == "any_item_at_least":
        if not r.obj(args, where, required={"items", "value"}, optional={"or_missing"}):
            return None
        members = r.keys(args, "items", where, set(items) if items is not None else None, "item")
        threshold = r.integer(args, "value", where)
        or_missing = r.boolean(args, "or_missing", where, False)
        if None in (members, threshold):
            return None
        return Condition(kind, items=members, value=threshold, or_missing=or_missing)
    # count_items_at_least
    if not r.obj(args, where, required={"items", "value", "count"}):
        return None
    members = r.keys(args, "items", where, set(items) if items is not None else None, "item")
    threshold = r.integer(args, "value", where)
    count = r.integer(args, "count", where, minimum=1)
    if members is not None and count is not None and count > len(members):
        r.add(f"{where}.count", f"{count} is more than the {len(members)} items listed")
        count = None
    if None in (members, threshold, count):
        return None
    return Condition(kind, items=members, value=threshold, count=count)


def _read_context(r: _Reader, block: dict, path: str) -> Mapping[str, tuple[str, ...]] | None:
    if "context" not in block:
        return MappingProxyType({})
    value = block["context"]
    where = f"{path}.context"
    if not isinstance(value, dict) or not value:
        r.add(where, 'must be an object such as {"sex": ["female"]}')
        return None
    result = {}
    for name, allowed in value.items():
        if name not in CONTEXT_VALUES:
            r.add(f"{where}.{name}", f"unknown context {name!r}; known: {', '.join(CONTEXT_VALUES)}")
            return None
        choices = CONTEXT_VALUES[name]
        if not isinstance(allowed, list) or not allowed or not all(v in choices for v in allowed):
            r.add(f"{where}.{name}", f"must be a non-empty list drawn from {', '.join(choices)}")
            return None
        result[name] = tuple(allowed)
    return MappingProxyType(result)


def _exclusive(a: Mapping[str, tuple[str, ...]], b: Mapping[str, tuple[str, ...]]) -> bool:
    return any(name in b and not set(a[name]) & set(b[name]) for name in a)


def _read_flags(r: _Reader, scoring: dict, ctx: dict) -> tuple[FlagRule, ...] | None:
    values = r.items(scoring, "flags", "$.scoring", allow_empty=True) if "flags" in scoring else []
    if values is None:
        return None
    flags, ok = [], True
    for i, block in enumerate(values):
        path = f"$.scoring.flags[{i}]"
        if not r.obj(
            block, path, required={"id", "label", "when", "triggers", "citation"}, optional={"context"}
        ):
            ok = False
            continue
        flag_id = r.pattern(
            block, "id", path, _KEY, "is not a flag id (lowercase letters, digits, '_', '-', '.')"
        )
        label = r.text(block, "label", path)
        when = _read_condition(r, block["when"], f"{path}.when", ctx) if "when" in block else None
        triggers = _read_trigger(r, block, path)
        citation = r.text(block, "citation", path)
        context = _read_context(r, block, path)
        # One flag may have variants for different respondents (AUDIT-C: a cut-off for men, another for
        # women), but two variants must never both apply to the same person.
        for other in (f for f in flags if f.id == flag_id):
            if context is not None and not _exclusive(context, other.context):
                r.add(f"{path}.id", f"duplicate flag {flag_id!r}: variants need contexts that never overlap")
                flag_id = None
                break
        if None in (flag_id, label, when, triggers, citation, context):
            ok = False
        else:
            flags.append(FlagRule(flag_id, label, when, triggers, citation, context))
    return tuple(flags) if ok else None


def _read_scoring(r: _Reader, raw: dict, items: list[Item] | None) -> Scoring | None:
    path = "$.scoring"
    fields = {"method", "missing"}
    if "scoring" not in raw or not r.obj(
        raw["scoring"], path, required=fields, optional={"bands", "bands_citation", "subscales", "flags"}
    ):
        return None
    scoring = raw["scoring"]
    method = r.text(scoring, "method", path)
    if method is not None and method not in ("sum", "none"):
        r.add(f"{path}.method", f"unknown method {method!r}; use 'sum' or 'none'")
        method = None
    scored = [item for item in items if item.scored and item.required] if items is not None else None
    if items is not None and method == "sum" and not any(item.scored for item in items):
        r.add(f"{path}.method", "a summed instrument needs at least one scored item")
        method = None
    missing = _read_missing(r, scoring, len(scored) if scored is not None else None)
    totals = None
    if method == "sum" and items is not None:
        totals = (
            sum(i.min_value for i in items if i.scored),
            sum(i.max_value for i in items if i.scored),
        )
    bands = _read_bands(r, scoring, totals, method) if method is not None else None
    bands_citation = r.text(scoring, "bands_citation", path) if "bands_citation" in scoring else None
    if bands and bands_citation is None and "bands_citation" not in scoring:
        r.add(f"{path}.bands_citation", "is missing: cite where the severity bands come from")
    subscales = _read_subscales(r, scoring, items)
    ctx = {
        "items": {item.key: item for item in items} if items is not None else None,
        "subscales": {s.key for s in subscales} if subscales is not None else None,
        "has_total": method == "sum",
    }
    flags = _read_flags(r, scoring, ctx)
    if None in (method, missing, bands, subscales, flags):
        return None
    return Scoring(method, missing, bands, bands_citation, subscales, flags)


def _read_change(r: _Reader, raw: dict, totals: tuple[int, int] | None) -> ChangeRules | None:
    path = "$.change"
    optional = {"reliable_change", "response", "remission", "clinical_cutoff"}
    if not r.obj(raw["change"], path, required={"better"}, optional=optional):
        return None
    block = raw["change"]
    ok = True
    better = r.text(block, "better", path)
    if better is not None and better not in ("lower", "higher"):
        r.add(f"{path}.better", f"must be 'lower' or 'higher', not {better!r}")
        better = None
    # totals is None only when the items have problems of their own: range checks wait until they load.
    span = totals[1] - totals[0] if totals is not None else math.inf

    reliable = None
    if "reliable_change" in block:
        where = f"{path}.reliable_change"
        if r.obj(
            block["reliable_change"],
            where,
            required={"citation"},
            optional={"threshold", "sd", "reliability"},
        ):
            rc = block["reliable_change"]
            citation = r.text(rc, "citation", where)
            threshold = r.number(rc, "threshold", where)
            sd = r.number(rc, "sd", where)
            reliability = r.number(rc, "reliability", where)
            has_threshold = "threshold" in rc
            has_stats = "sd" in rc or "reliability" in rc
            if has_threshold == has_stats:
                r.add(
                    where,
                    "give either a published 'threshold' or both 'sd' and 'reliability', not both or neither",
                )
                ok = False
            elif has_threshold and threshold is not None and not 0 < threshold <= span:
                r.add(f"{where}.threshold", f"must be more than 0 and at most the score range ({span})")
                ok = False
            elif has_stats:
                if "sd" not in rc or "reliability" not in rc:
                    r.add(where, "the Jacobson–Truax index needs both 'sd' and 'reliability'")
                    ok = False
                elif sd is not None and sd <= 0:
                    r.add(f"{where}.sd", "must be more than 0")
                    ok = False
                elif reliability is not None and not 0 <= reliability < 1:
                    r.add(f"{where}.reliability", "must be at least 0 and less than 1")
                    ok = False
            if (
                ok
                and citation is not None
                and None not in ((threshold,) if has_threshold else (sd, reliability))
            ):
                reliable = ReliableChange(citation, threshold, sd, reliability)
            else:
                ok = False
        else:
            ok = False

    response = None
    if "response" in block:
        where = f"{path}.response"
        if r.obj(block["response"], where, required={"min_baseline", "reduction_percent", "citation"}):
            rb = block["response"]
            min_baseline = r.integer(rb, "min_baseline", where)
            percent = r.number(rb, "reduction_percent", where)
            citation = r.text(rb, "citation", where)
            if better is not None and better != "lower":
                r.add(where, "response as a percentage reduction only applies when lower scores are better")
                ok = False
            if percent is not None and not 0 < percent <= 100:
                r.add(f"{where}.reduction_percent", "must be more than 0 and at most 100")
                percent = None
            if min_baseline is not None and min_baseline <= 0:
                r.add(f"{where}.min_baseline", "must be more than 0 (a percentage of 0 means nothing)")
                min_baseline = None
            if None in (min_baseline, percent, citation):
                ok = False
            else:
                response = Response(min_baseline, percent, citation)
        else:
            ok = False

    remission = None
    if "remission" in block:
        where = f"{path}.remission"
        if r.obj(block["remission"], where, required={"below", "citation"}, optional={"min_baseline"}):
            rb = block["remission"]
            below = r.integer(rb, "below", where)
            citation = r.text(rb, "citation", where)
            min_baseline = r.integer(rb, "min_baseline", where) if "min_baseline" in rb else None
            if better is not None and better != "lower":
                r.add(where, "remission 'below' a score only applies when lower scores are better")
                ok = False
            if below is not None and totals is not None and not totals[0] < below <= totals[1]:
                r.add(f"{where}.below", f"must be within the score range {totals[0]}–{totals[1]}")
                below = None
            if None in (below, citation) or ("min_baseline" in rb and min_baseline is None):
                ok = False
            else:
                remission = Remission(below, citation, min_baseline)
        else:
            ok = False

    cutoff = None
    if "clinical_cutoff" in block:
        where = f"{path}.clinical_cutoff"
        norms = {"clinical_mean", "clinical_sd", "functional_mean", "functional_sd"}
        if r.obj(block["clinical_cutoff"], where, required={"citation"}, optional={"value"} | norms):
            cb = block["clinical_cutoff"]
            citation = r.text(cb, "citation", where)
            value = r.number(cb, "value", where)
            given = norms & cb.keys()
            stats = {name: r.number(cb, name, where) for name in sorted(given)}
            if ("value" in cb) == bool(given) or (given and given != norms):
                r.add(where, "give either 'value' or all four of the clinical and functional means and SDs")
                ok = False
            elif given and (stats["clinical_sd"] or 0) + (stats["functional_sd"] or 0) <= 0:
                r.add(where, "the standard deviations must be more than 0")
                ok = False
            elif (
                "value" in cb
                and value is not None
                and totals is not None
                and not totals[0] < value <= totals[1]
            ):
                r.add(f"{where}.value", f"must be within the score range {totals[0]}–{totals[1]}")
                ok = False
            if (
                ok
                and citation is not None
                and None not in stats.values()
                and ("value" not in cb or value is not None)
            ):
                cutoff = ClinicalCutoff(citation, value, **stats)
            else:
                ok = False
        else:
            ok = False

    if not ok or better is None:
        return None
    return ChangeRules(better, reliable, response, remission, cutoff)


def _validate(raw: object, source: str) -> Instrument:
    r = _Reader()
    required = {"format", "code", "version", "title", "languages", "licence", "source", "items", "scoring"}
    optional = {"instructions", "stem", "loinc", "option_sets", "change"}
    if not r.obj(raw, "$", required=required, optional=optional):
        raise InstrumentError(r.problems, source=source)
    fmt = r.text(raw, "format", "$")
    if fmt is not None and fmt != FORMAT:
        r.add("$.format", f"unsupported format {fmt!r}; expected {FORMAT!r}")
    code = r.pattern(
        raw, "code", "$", _CODE, "is not an instrument code (capitals, digits and '-', e.g. 'PHQ-9')"
    )
    version = r.pattern(raw, "version", "$", _VERSION, "is not a version such as '1.0.0'")
    languages = _read_languages(r, raw)
    r.languages = languages or ()
    translated_ok = languages is not None
    title = r.translated(raw, "title", "$") if translated_ok else None
    instructions = r.translated(raw, "instructions", "$") if "instructions" in raw and translated_ok else None
    stem = r.translated(raw, "stem", "$") if "stem" in raw and translated_ok else None
    licence = _read_licence(r, raw)
    source_block = _read_source(r, raw)
    loinc = _read_loinc(r, raw)
    option_sets = _read_option_sets(r, raw) if translated_ok else {}
    items = _read_items(r, raw, option_sets) if translated_ok else None
    scoring = _read_scoring(r, raw, items)
    change = None
    if "change" in raw:
        totals = None
        if scoring is not None and scoring.method == "sum" and items is not None:
            totals = (
                sum(i.min_value for i in items if i.scored),
                sum(i.max_value for i in items if i.scored),
            )
        change = _read_change(r, raw, totals) if (scoring is None or scoring.method == "sum") else None
        if scoring is not None and scoring.method != "sum":
            r.add("$.change", "change rules need a summed total; this instrument has none")
    if r.problems:
        raise InstrumentError(r.problems, source=source)
    return Instrument(
        code=code,
        version=version,
        title=title,
        languages=languages,
        instructions=instructions,
        stem=stem,
        loinc=loinc,
        licence=licence,
        source=source_block,
        items=tuple(items),
        scoring=scoring,
        change=change,
        path=source,
    )


def load_instrument(source: str | os.PathLike | Mapping) -> Instrument:
    """Load and validate one instrument from a JSON file path or an already-parsed mapping.

    Raises InstrumentError listing every problem, each with its JSON path; the message starts with the file.
    """
    if isinstance(source, Mapping):
        return _validate(dict(source), "instrument")
    return _validate(read_json(source, InstrumentError), str(Path(source)))


def instrument_files(extra_dirs: Iterable[str | os.PathLike] = ()) -> list[Path]:
    """The shipped instrument files, then those in each extra folder (settings.OPENIOP_INSTRUMENT_DIRS)."""
    return data_files(SHIPPED_DIR, extra_dirs, "Instrument")


def load_instruments(extra_dirs: Iterable[str | os.PathLike] = ()) -> tuple[Instrument, ...]:
    """Every instrument file, validated, sorted by code then version. Any broken file, or two files with
    the same code and version, raises: better loudly at startup than an instrument that silently vanishes."""
    return load_versioned(
        instrument_files(extra_dirs), load_instrument, lambda i: (i.code, i.version), InstrumentError
    )
