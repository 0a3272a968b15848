"""Level-of-care rubrics as data, and the pure engine that turns a clinician's ratings into a recommendation.

A rubric rates a person on a few dimensions (each on the same small integer scale, every rating anchored by a
plain-language description), adds the ratings into a composite score, maps the composite to a level through
bands, and then applies override rules of the form "dimension D rated at least R → at least level L". The
recommendation is the most intensive of the composite's level and every triggered override's level.

Levels are compared by their position in the rubric's own ordered level list, least intensive first. The
validator insists that bands never step down as the total rises and overrides are single-dimension
thresholds, so raising any rating can never lower the recommendation (the tests check this exhaustively).

We ship our own openly licensed rubric (rubrics/openiop-loc-1.json): LOCUS and the ASAM Criteria are
copyrighted, and LOCUS may not be stored electronically without a licence. An organization holding a licence
puts its own rubric file in a folder listed in settings (the Django layer passes it as `extra_dirs`); the file
format is documented in rubrics/README.md.

Plain Python on purpose: no Django, no I/O beyond reading rubric files.
"""

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from openiop.core.datafile import (
    Checker,
    DataFileError,
    data_files,
    describe,
    is_int,
    load_versioned,
    read_json,
)

FORMAT = "openiop-rubric/1"
SHIPPED_DIR = Path(__file__).with_name("rubrics")

# Limits that match where assessments store these values (LevelOfCareAssessment.rubric_id, rubric_version
# and the level CharFields), so a rubric that loads can always be recorded.
MAX_RUBRIC_ID = 60
MAX_VERSION = 20
MAX_LEVEL_ID = 30
_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


# --- Data -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    rating: int
    label: str
    description: str


@dataclass(frozen=True)
class Dimension:
    id: str
    title: str
    help: str
    anchors: tuple[Anchor, ...]  # one per scale point, lowest rating first

    def anchor(self, rating: int) -> Anchor:
        for anchor in self.anchors:
            if anchor.rating == rating:
                return anchor
        raise KeyError(rating)


@dataclass(frozen=True)
class Level:
    id: str
    title: str


@dataclass(frozen=True)
class Band:
    """Composite totals from `min_total` to `max_total` (inclusive) point to `level`."""

    min_total: int
    max_total: int
    level: str


@dataclass(frozen=True)
class OverrideRule:
    """If `dimension` is rated `min_rating` or higher, recommend at least `level`."""

    id: str
    dimension: str
    min_rating: int
    level: str
    reason: str


@dataclass(frozen=True)
class Rubric:
    id: str
    version: str
    title: str
    licence: str
    source: str
    scale_min: int
    scale_max: int
    levels: tuple[Level, ...]  # least intensive first
    dimensions: tuple[Dimension, ...]
    bands: tuple[Band, ...]  # ascending totals
    overrides: tuple[OverrideRule, ...]

    @property
    def level_ids(self) -> tuple[str, ...]:
        return tuple(level.id for level in self.levels)

    @property
    def min_total(self) -> int:
        return self.scale_min * len(self.dimensions)

    @property
    def max_total(self) -> int:
        return self.scale_max * len(self.dimensions)

    def level_index(self, level_id: str) -> int:
        """Position in the level list: a higher index is a more intensive level of care."""
        return self.level_ids.index(level_id)

    def level_title(self, level_id: str) -> str:
        return self.levels[self.level_index(level_id)].title

    def dimension(self, dimension_id: str) -> Dimension:
        for dimension in self.dimensions:
            if dimension.id == dimension_id:
                return dimension
        raise KeyError(dimension_id)

    def band_for(self, total: int) -> Band:
        for band in self.bands:
            if band.min_total <= total <= band.max_total:
                return band
        raise ValueError(f"Composite total {total} is outside {self.min_total}–{self.max_total}.")


@dataclass(frozen=True)
class Recommendation:
    rubric_id: str
    rubric_version: str
    level: str
    reasons: tuple[str, ...]
    composite: int
    composite_level: str
    triggered: tuple[OverrideRule, ...]

    def to_dict(self) -> dict:
        return {
            "rubric_id": self.rubric_id,
            "rubric_version": self.rubric_version,
            "level": self.level,
            "composite": self.composite,
            "composite_level": self.composite_level,
            "triggered": [rule.id for rule in self.triggered],
            "reasons": list(self.reasons),
        }


# --- Errors -----------------------------------------------------------------------------------------------


class RubricError(DataFileError):
    """Everything wrong with a rubric file at once, each problem with its JSON path."""

    what = "rubric"


class RatingsError(ValueError):
    """Ratings that do not fit the rubric: every problem listed, by dimension."""

    def __init__(self, problems: Iterable[str]):
        self.problems = tuple(problems)
        super().__init__("Ratings do not fit the rubric:\n" + "\n".join(f"  - {p}" for p in self.problems))


# --- Loading and validation -------------------------------------------------------------------------------


class _Checker(Checker):
    def ident(self, parent: dict, key: str, path: str, *, max_length: int) -> str | None:
        rule = "must use lowercase letters, digits, '_', '-' or '.'"
        return self.pattern(parent, key, path, _ID, rule, max_length=max_length)


def _read_levels(check: _Checker, raw: dict) -> list[Level] | None:
    items = check.items(raw, "levels", "$")
    if items is None:
        return None
    levels, ok = [], True
    for i, item in enumerate(items):
        path = f"$.levels[{i}]"
        if isinstance(item, str):  # shorthand: the id alone, titled from it
            item = {"id": item, "title": item.replace("_", " ").capitalize()}
        if not check.obj(item, path, required={"id", "title"}):
            ok = False
            continue
        level_id = check.ident(item, "id", path, max_length=MAX_LEVEL_ID)
        title = check.text(item, "title", path)
        if level_id is not None and level_id in {level.id for level in levels}:
            check.add(f"{path}.id", f"duplicate level {level_id!r}")
            ok = False
        elif level_id is None or title is None:
            ok = False
        else:
            levels.append(Level(level_id, title))
    return levels if ok else None


def _read_scale(check: _Checker, raw: dict) -> tuple[int, int] | None:
    if "scale" not in raw or not check.obj(raw["scale"], "$.scale", required={"min", "max"}):
        return None
    low = check.integer(raw["scale"], "min", "$.scale")
    high = check.integer(raw["scale"], "max", "$.scale")
    if low is None or high is None:
        return None
    if low >= high:
        check.add("$.scale", f"min ({low}) must be less than max ({high})")
        return None
    if high - low > 20:
        check.add("$.scale", "must have at most 21 points: every point needs an anchored description")
        return None
    return low, high


def _read_anchors(
    check: _Checker, dim: dict, path: str, scale: tuple[int, int] | None
) -> list[Anchor] | None:
    items = check.items(dim, "ratings", path)
    if items is None:
        return None
    anchors, ok = [], True
    for j, item in enumerate(items):
        apath = f"{path}.ratings[{j}]"
        if not check.obj(item, apath, required={"rating", "label", "description"}):
            ok = False
            continue
        rating = check.integer(item, "rating", apath)
        label = check.text(item, "label", apath)
        description = check.text(item, "description", apath)
        if rating is not None and scale is not None and not scale[0] <= rating <= scale[1]:
            check.add(f"{apath}.rating", f"{rating} is outside the scale {scale[0]}–{scale[1]}")
            rating = None
        if rating is not None and rating in {anchor.rating for anchor in anchors}:
            check.add(f"{apath}.rating", f"rating {rating} is described twice")
            rating = None
        if rating is None or label is None or description is None:
            ok = False
        else:
            anchors.append(Anchor(rating, label, description))
    if scale is not None:
        missing = sorted(set(range(scale[0], scale[1] + 1)) - {anchor.rating for anchor in anchors})
        if ok and missing:
            check.add(f"{path}.ratings", f"no anchored description for rating {', '.join(map(str, missing))}")
            ok = False
    return sorted(anchors, key=lambda anchor: anchor.rating) if ok else None


def _read_dimensions(check: _Checker, raw: dict, scale: tuple[int, int] | None) -> list[Dimension] | None:
    items = check.items(raw, "dimensions", "$")
    if items is None:
        return None
    dimensions, ok = [], True
    for i, item in enumerate(items):
        path = f"$.dimensions[{i}]"
        if not check.obj(item, path, required={"id", "title", "help", "ratings"}):
            ok = False
            continue
        dim_id = check.ident(item, "id", path, max_length=60)
        title = check.text(item, "title", path)
        help_text = check.text(item, "help", path)
        anchors = _read_anchors(check, item, path, scale)
        if dim_id is not None and dim_id in {d.id for d in dimensions}:
            check.add(f"{path}.id", f"duplicate dimension {dim_id!r}")
            dim_id = None
        if None in (dim_id, title, help_text, anchors):
            ok = False
        else:
            dimensions.append(Dimension(dim_id, title, help_text, tuple(anchors)))
    return dimensions if ok else None


def _known_level(check: _Checker, item: dict, path: str, level_ids: list[str] | None) -> str | None:
    level = check.text(item, "level", path)
    if level is not None and level_ids is not None and level not in level_ids:
        check.add(f"{path}.level", f"unknown level {level!r}; the levels are {', '.join(level_ids)}")
        return None
    return level


def _read_bands(check: _Checker, raw: dict, level_ids, totals: tuple[int, int] | None) -> list[Band] | None:
    if "composite" not in raw or not check.obj(raw["composite"], "$.composite", required={"method", "bands"}):
        return None
    composite = raw["composite"]
    method = check.text(composite, "method", "$.composite")
    if method is not None and method != "sum":
        check.add("$.composite.method", f"unknown method {method!r}; only 'sum' is supported")
    items = check.items(composite, "bands", "$.composite")
    if items is None:
        return None
    bands: list[tuple[int, Band]] = []
    ok = True
    for i, item in enumerate(items):
        path = f"$.composite.bands[{i}]"
        if not check.obj(item, path, required={"min", "max", "level"}):
            ok = False
            continue
        low = check.integer(item, "min", path)
        high = check.integer(item, "max", path)
        level = _known_level(check, item, path, level_ids)
        if low is not None and high is not None and low > high:
            check.add(path, f"min ({low}) is greater than max ({high})")
            ok = False
        elif None in (low, high, level):
            ok = False
        else:
            bands.append((i, Band(low, high, level)))
    if not ok or totals is None or level_ids is None:
        return None
    # Coverage: in ascending order, every total from the least to the greatest possible exactly once.
    bands.sort(key=lambda pair: (pair[1].min_total, pair[1].max_total))
    expected = totals[0]
    for i, band in bands:
        path = f"$.composite.bands[{i}]"
        if band.min_total > expected:
            check.add(path, f"gap: no band covers totals {expected}–{band.min_total - 1}")
        elif band.min_total < expected:
            what = (
                "below the least possible total" if expected == totals[0] else "overlaps the band before it"
            )
            check.add(path, f"{band.min_total}–{band.max_total} {what} (expected to start at {expected})")
        expected = max(expected, band.max_total + 1)
    if expected <= totals[1]:
        check.add("$.composite.bands", f"no band covers totals {expected}–{totals[1]}")
    elif expected > totals[1] + 1:
        check.add("$.composite.bands", f"bands go past the greatest possible total {totals[1]}")
    # Monotonic: a higher total must never point to a less intensive level.
    for (_, before), (i, after) in zip(bands, bands[1:], strict=False):
        if level_ids.index(after.level) < level_ids.index(before.level):
            check.add(
                f"$.composite.bands[{i}].level",
                f"{after.level!r} is less intensive than {before.level!r} for lower totals",
            )
    return [band for _, band in bands]


def _read_overrides(check: _Checker, raw: dict, level_ids, dimensions, scale) -> list[OverrideRule] | None:
    if "overrides" not in raw:
        return None
    items = raw["overrides"]
    if not isinstance(items, list):  # an empty list is fine: a rubric may have no overrides
        check.add("$.overrides", f"must be a list, not {describe(items)}")
        return None
    dimension_ids = [d.id for d in dimensions] if dimensions is not None else None
    rules, ok = [], True
    for i, item in enumerate(items):
        path = f"$.overrides[{i}]"
        if not check.obj(item, path, required={"id", "dimension", "min_rating", "level", "reason"}):
            ok = False
            continue
        rule_id = check.ident(item, "id", path, max_length=60)
        dimension = check.text(item, "dimension", path)
        threshold = check.integer(item, "min_rating", path)
        level = _known_level(check, item, path, level_ids)
        reason = check.text(item, "reason", path)
        if rule_id is not None and rule_id in {rule.id for rule in rules}:
            check.add(f"{path}.id", f"duplicate override {rule_id!r}")
            rule_id = None
        if dimension is not None and dimension_ids is not None and dimension not in dimension_ids:
            check.add(f"{path}.dimension", f"unknown dimension {dimension!r}")
            dimension = None
        if threshold is not None and scale is not None and not scale[0] <= threshold <= scale[1]:
            check.add(f"{path}.min_rating", f"{threshold} is outside the scale {scale[0]}–{scale[1]}")
            threshold = None
        if None in (rule_id, dimension, threshold, level, reason):
            ok = False
        else:
            rules.append(OverrideRule(rule_id, dimension, threshold, level, reason))
    return rules if ok else None


def _validate(raw: object, source: str) -> Rubric:
    check = _Checker()
    keys = {"format", "id", "version", "title", "licence", "source", "scale", "levels", "dimensions"}
    if not check.obj(raw, "$", required=keys | {"composite", "overrides"}):
        raise RubricError(check.problems, source=source)
    fmt = check.text(raw, "format", "$")
    if fmt is not None and fmt != FORMAT:
        check.add("$.format", f"unsupported format {fmt!r}; expected {FORMAT!r}")
    rubric_id = check.ident(raw, "id", "$", max_length=MAX_RUBRIC_ID)
    version = check.text(raw, "version", "$", max_length=MAX_VERSION)
    title = check.text(raw, "title", "$")
    licence = check.text(raw, "licence", "$")
    source_note = check.text(raw, "source", "$")
    scale = _read_scale(check, raw)
    levels = _read_levels(check, raw)
    level_ids = [level.id for level in levels] if levels is not None else None
    dimensions = _read_dimensions(check, raw, scale)
    # The possible totals depend only on how many dimensions there are, so band coverage is checked even
    # while a dimension has problems of its own.
    count = len(raw["dimensions"]) if isinstance(raw.get("dimensions"), list) else 0
    totals = (scale[0] * count, scale[1] * count) if scale and count else None
    bands = _read_bands(check, raw, level_ids, totals)
    overrides = _read_overrides(check, raw, level_ids, dimensions, scale)
    if check.problems:
        raise RubricError(check.problems, source=source)
    return Rubric(
        id=rubric_id,
        version=version,
        title=title,
        licence=licence,
        source=source_note,
        scale_min=scale[0],
        scale_max=scale[1],
        levels=tuple(levels),
        dimensions=tuple(dimensions),
        bands=tuple(bands),
        overrides=tuple(overrides),
    )


def load_rubric(source: str | os.PathLike | Mapping) -> Rubric:
    """Load and validate a rubric from a JSON file path or an already-parsed mapping.

    Raises RubricError listing every problem found, each with its JSON path.
    """
    if isinstance(source, Mapping):
        return _validate(dict(source), "rubric")
    return _validate(read_json(source, RubricError), str(Path(source)))


# --- Finding rubric files ---------------------------------------------------------------------------------


def rubric_files(extra_dirs: Iterable[str | os.PathLike] = ()) -> list[Path]:
    """The shipped rubric files, then those in each extra folder (e.g. settings.OPENIOP_RUBRIC_DIRS)."""
    return data_files(SHIPPED_DIR, extra_dirs, "Rubric")


def shipped_rubrics(extra_dirs: Iterable[str | os.PathLike] = ()) -> tuple[Rubric, ...]:
    """Every available rubric, sorted by id then version. Any broken file raises: better loudly at startup
    than a rubric that silently disappears from the assessment form."""
    return load_versioned(rubric_files(extra_dirs), load_rubric, lambda r: (r.id, r.version), RubricError)


def load_shipped(
    rubric_id: str, version: str | None = None, *, extra_dirs: Iterable[str | os.PathLike] = ()
) -> Rubric:
    """The rubric with this id: the exact version when given (to re-display a stored assessment), otherwise
    the latest. Raises LookupError when there is none."""
    candidates = [r for r in shipped_rubrics(extra_dirs) if r.id == rubric_id]
    if version is not None:
        candidates = [r for r in candidates if r.version == version]
    if not candidates:
        wanted = f"{rubric_id} {version}" if version else rubric_id
        raise LookupError(f"No rubric {wanted}.")
    return candidates[-1]


# --- The engine -------------------------------------------------------------------------------------------


def check_ratings(rubric: Rubric, ratings: Mapping[str, object]) -> None:
    """Raise RatingsError unless every dimension has exactly one integer rating on the scale."""
    problems = []
    for dimension in rubric.dimensions:
        if dimension.id not in ratings:
            problems.append(f"{dimension.id}: no rating")
            continue
        value = ratings[dimension.id]
        if not is_int(value):
            problems.append(f"{dimension.id}: rating must be a whole number, not {value!r}")
        elif not rubric.scale_min <= value <= rubric.scale_max:
            problems.append(
                f"{dimension.id}: rating {value} is outside {rubric.scale_min}–{rubric.scale_max}"
            )
    known = {dimension.id for dimension in rubric.dimensions}
    for key in sorted(map(str, ratings.keys() - known)):
        problems.append(f"{key}: not a dimension of {rubric.id} {rubric.version}")
    if problems:
        raise RatingsError(problems)


def recommend(rubric: Rubric, ratings: Mapping[str, int]) -> Recommendation:
    """The recommended level of care for these ratings, with the reasons in plain language.

    Recommendation = the most intensive of the composite band's level and every triggered override's level.
    """
    check_ratings(rubric, ratings)
    composite = sum(ratings[dimension.id] for dimension in rubric.dimensions)
    band = rubric.band_for(composite)
    triggered = tuple(rule for rule in rubric.overrides if ratings[rule.dimension] >= rule.min_rating)
    level = max([band.level, *(rule.level for rule in triggered)], key=rubric.level_index)

    reasons = [
        f"Composite score {composite} (possible {rubric.min_total}–{rubric.max_total}) is in the "
        f"{band.min_total}–{band.max_total} band: {rubric.level_title(band.level)}."
    ]
    for rule in triggered:
        dimension = rubric.dimension(rule.dimension)
        rating = ratings[rule.dimension]
        reasons.append(
            f"{dimension.title} rated {rating} ({dimension.anchor(rating).label}), at or above {rule.min_rating}: "
            f"at least {rubric.level_title(rule.level)}. {rule.reason}"
        )
    if level != band.level:
        reasons.append(
            f"Recommended {rubric.level_title(level)} rather than {rubric.level_title(band.level)}: "
            "an override asks for more than the composite score."
        )
    else:
        reasons.append(f"Recommended {rubric.level_title(level)}.")
    return Recommendation(
        rubric_id=rubric.id,
        rubric_version=rubric.version,
        level=level,
        reasons=tuple(reasons),
        composite=composite,
        composite_level=band.level,
        triggered=triggered,
    )
