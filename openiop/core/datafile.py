"""Reading clinical content files: rubrics, questionnaires, note formats, the skills curriculum.

Each kind of file has its own reader (what the file means); this module holds what they share: a problem
with its JSON path, an error listing every problem at once, a checker that collects problems while a
reader walks the parsed JSON, reading a file, finding files in the shipped folder and in an
organization's extra folders, and loading a folder's worth with one (id, version) each. Pure Python: no
Django, so readers stay testable on their own.
"""

import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Problem:
    path: str  # JSON path into the file, e.g. "$.items[2].options[1].value"
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class DataFileError(ValueError):
    """Everything wrong with one file at once, each problem with its JSON path. Each kind of file has a
    subclass (RubricError, InstrumentError...), whose `what` names the source when no file is given."""

    what = "file"

    def __init__(self, problems: Iterable[Problem], *, source: str | None = None):
        self.problems = tuple(problems)
        self.source = source or self.what
        count = len(self.problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"{self.source} has {count} problem{'s' if count != 1 else ''}:\n{lines}")


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def describe(value: object) -> str:
    """What a JSON value is, for a message: "must be a string, not a list"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return {dict: "an object", list: "a list", str: "a string", int: "an integer", float: "a number"}.get(
        type(value), type(value).__name__
    )


class Checker:
    """Collects problems while a reader walks parsed JSON; each method returns None (or False) when the
    value is unusable, having said why, so a reader reports everything in one pass."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def obj(self, value: object, path: str, *, required: Iterable[str], optional: Iterable[str] = ()) -> bool:
        """An object with every required key and no unknown one ("$..." and "x-..." keys are authors'
        notes; any other unknown key is probably a typo)."""
        required, optional = set(required), set(optional)
        if not isinstance(value, dict):
            self.add(path, f"must be an object, not {describe(value)}")
            return False
        for key in sorted(required - value.keys()):
            self.add(f"{path}.{key}", "is missing")
        for key in sorted(map(str, value.keys() - required - optional)):
            if not (key.startswith("$") or key.startswith("x-")):
                self.add(f"{path}.{key}", "is not a known key")
        return True

    def text(self, parent: dict, key: str, path: str, *, max_length: int | None = None) -> str | None:
        """A non-empty string (a missing key was reported by `obj`)."""
        if key not in parent:
            return None
        value = parent[key]
        if not isinstance(value, str):
            self.add(f"{path}.{key}", f"must be a string, not {describe(value)}")
            return None
        if not value.strip():
            self.add(f"{path}.{key}", "must not be empty")
            return None
        if max_length is not None and len(value) > max_length:
            self.add(f"{path}.{key}", f"must be at most {max_length} characters")
            return None
        return value

    def pattern(
        self,
        parent: dict,
        key: str,
        path: str,
        regex: re.Pattern,
        rule: str,
        *,
        max_length: int | None = None,
    ) -> str | None:
        """A string matching `regex`; otherwise "'value' <rule>", e.g. rule="is not a LOINC code"."""
        value = self.text(parent, key, path, max_length=max_length)
        if value is not None and not regex.match(value):
            self.add(f"{path}.{key}", f"{value!r} {rule}")
            return None
        return value

    def integer(self, parent: dict, key: str, path: str, *, minimum: int | None = None) -> int | None:
        if key not in parent:
            return None
        value = parent[key]
        if not is_int(value):
            self.add(f"{path}.{key}", f"must be an integer, not {describe(value)}")
            return None
        if minimum is not None and value < minimum:
            self.add(f"{path}.{key}", f"must be at least {minimum}")
            return None
        return value

    def items(self, parent: dict, key: str, path: str, *, allow_empty: bool = False) -> list | None:
        """A list (not empty unless allowed)."""
        if key not in parent:
            return None
        value = parent[key]
        if not isinstance(value, list):
            self.add(f"{path}.{key}", f"must be a list, not {describe(value)}")
            return None
        if not value and not allow_empty:
            self.add(f"{path}.{key}", "must not be empty")
            return None
        return value


def read_json(path: str | os.PathLike, error: type[DataFileError]) -> object:
    """The parsed file, or `error` naming the file when it cannot be read or is not JSON."""
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as problem:
        message = f"cannot be read: {problem.strerror or problem}"
        raise error([Problem("$", message)], source=str(path)) from problem
    except (UnicodeDecodeError, json.JSONDecodeError) as problem:
        raise error([Problem("$", f"is not valid JSON: {problem}")], source=str(path)) from problem


def data_files(shipped: Path, extra_dirs: Iterable[str | os.PathLike], what: str) -> list[Path]:
    """The shipped folder's *.json files, then each extra folder's (an organization's own). A configured
    folder that is missing is a deployment mistake: it raises rather than hide content."""
    files = sorted(shipped.glob("*.json"))
    for folder in map(Path, extra_dirs):
        if not folder.is_dir():
            raise FileNotFoundError(f"{what} folder {folder} does not exist or is not a folder.")
        files.extend(sorted(folder.glob("*.json")))
    return files


def version_key(version: str) -> tuple:
    """Sort key where "1.10.0" comes after "1.9.0"; non-numeric parts compare as text after numbers."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"[.\-+]", version)
    )


def load_versioned(
    files: Iterable[Path],
    load: Callable[[Path], T],
    identity: Callable[[T], tuple[str, str]],
    error: type[DataFileError],
) -> tuple[T, ...]:
    """Every file loaded, sorted by (id, version). Any broken file, or two files with the same id and
    version, raises: better loudly at start-up than content that silently disappears."""
    found: dict[tuple[str, str], Path] = {}
    loaded = []
    for path in files:
        item = load(path)
        key = identity(item)
        if key in found:
            message = f"{key[0]} {key[1]} is also defined in {found[key]}"
            raise error([Problem("$.version", message)], source=str(path))
        found[key] = path
        loaded.append(item)
    return tuple(sorted(loaded, key=lambda item: (identity(item)[0], version_key(identity(item)[1]))))
