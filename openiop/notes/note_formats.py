"""Note formats (DAP, BIRP, SOAP, or an organization's own) as data, and the pure checks of a note's content.

A format is a versioned JSON file: an ordered list of sections, each with a key, a label, help text and
whether it must be filled in before the note is signed. A note stores the format's id and version it was
written with, and its content as {section key: text}, so a note written under version 1 still shows with
version 1's labels after version 2 ships.

Plain Python on purpose: no Django, no I/O beyond reading format files. The Django layer (registry.py)
decides which folders to read and caches the result.
"""

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from openiop.core.datafile import Checker, DataFileError, data_files, describe, load_versioned, read_json

FORMAT = "openiop-note-format/1"
SHIPPED_DIR = Path(__file__).with_name("formats")

# Limits that match where notes store these values (Note.format_id, format_version).
MAX_ID = 40
MAX_VERSION = 20
MAX_KEY = 40
MAX_LABEL = 80
MAX_HELP = 600
# A section's text; long enough for any clinical narrative, short enough to refuse a pasted document.
DEFAULT_MAX_LENGTH = 10_000
_IDENT = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    help: str
    required: bool
    max_length: int = DEFAULT_MAX_LENGTH


@dataclass(frozen=True)
class NoteFormat:
    id: str
    version: str
    title: str
    licence: str
    sections: tuple[Section, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(section.key for section in self.sections)

    def section(self, key: str) -> Section:
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(key)


class NoteFormatError(DataFileError):
    """Everything wrong with a format file at once, each problem with its JSON path."""

    what = "note format"


def _read_section(read: Checker, item: object, path: str) -> Section | None:
    if not read.obj(item, path, required={"key", "label", "help", "required"}, optional={"max_length"}):
        return None
    rule = "must start with a lowercase letter and use lowercase letters, digits or '_'"
    key = read.pattern(item, "key", path, _KEY, rule, max_length=MAX_KEY)
    label = read.text(item, "label", path, max_length=MAX_LABEL)
    help_text = read.text(item, "help", path, max_length=MAX_HELP)
    required = item.get("required")
    if "required" in item and not isinstance(required, bool):
        read.add(f"{path}.required", f"must be true or false, not {describe(required)}")
        required = None
    max_length = item.get("max_length", DEFAULT_MAX_LENGTH)
    if not isinstance(max_length, int) or isinstance(max_length, bool) or not 1 <= max_length <= 50_000:
        read.add(f"{path}.max_length", "must be a whole number from 1 to 50000")
        max_length = None
    if None in (key, label, help_text, required, max_length):
        return None
    return Section(key, label, help_text, required, max_length)


def _validate(raw: object, source: str) -> NoteFormat:
    read = Checker()
    if not read.obj(raw, "$", required={"format", "id", "version", "title", "licence", "sections"}):
        raise NoteFormatError(read.problems, source=source)
    fmt = read.text(raw, "format", "$", max_length=60)
    if fmt is not None and fmt != FORMAT:
        read.add("$.format", f"unsupported format {fmt!r}; expected {FORMAT!r}")
    rule = "must use lowercase letters, digits, '_', '-' or '.'"
    format_id = read.pattern(raw, "id", "$", _IDENT, rule, max_length=MAX_ID)
    version = read.text(raw, "version", "$", max_length=MAX_VERSION)
    title = read.text(raw, "title", "$", max_length=120)
    licence = read.text(raw, "licence", "$", max_length=200)
    sections: list[Section] = []
    items = raw.get("sections")
    if "sections" in raw and not isinstance(items, list):
        read.add("$.sections", f"must be a list, not {describe(items)}")
    elif isinstance(items, list):
        if not items:
            read.add("$.sections", "must not be empty: a note needs at least one section")
        for i, item in enumerate(items):
            section = _read_section(read, item, f"$.sections[{i}]")
            if section is None:
                continue
            if section.key in {s.key for s in sections}:
                read.add(f"$.sections[{i}].key", f"duplicate section {section.key!r}")
                continue
            sections.append(section)
        if items and not any(s.required for s in sections) and len(sections) == len(items):
            read.add("$.sections", "at least one section must be required, or a blank note could be signed")
    if read.problems:
        raise NoteFormatError(read.problems, source=source)
    return NoteFormat(format_id, version, title, licence, tuple(sections))


def load_format(source: str | os.PathLike | Mapping | object) -> NoteFormat:
    """Load and validate a format from a JSON file path or already-parsed JSON.

    Raises NoteFormatError listing every problem found, each with its JSON path.
    """
    if not isinstance(source, str | os.PathLike):  # already parsed (a mapping, or anything else to refuse)
        return _validate(dict(source) if isinstance(source, Mapping) else source, "note format")
    return _validate(read_json(source, NoteFormatError), str(Path(source)))


def format_files(extra_dirs: Iterable[str | os.PathLike] = ()) -> list[Path]:
    """The shipped format files, then those of each extra folder (an organization's own formats)."""
    return data_files(SHIPPED_DIR, extra_dirs, "Note format")


def load_formats(extra_dirs: Iterable[str | os.PathLike] = ()) -> tuple[NoteFormat, ...]:
    """Every format, sorted by id then version. Any broken file or repeated id and version raises."""
    return load_versioned(format_files(extra_dirs), load_format, lambda f: (f.id, f.version), NoteFormatError)


# --- A note's content ---------------------------------------------------------------------------------------


def clean_content(note_format: NoteFormat, content: Mapping[str, object], *, signing: bool) -> dict:
    """The content to store ({key: text} for every section, trimmed), or ContentError with every problem.

    A draft may leave any section empty; signing needs every required section filled. A key the format
    does not have is refused rather than silently dropped: it would be text the clinician typed and lost.
    """
    problems: dict[str, str] = {}
    cleaned: dict[str, str] = {}
    for key in sorted(set(map(str, content)) - set(note_format.keys)):
        problems[key] = f"{note_format.title} has no section {key!r}."
    for section in note_format.sections:
        value = content.get(section.key, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            problems[section.key] = f"{section.label} must be text."
            continue
        value = value.strip()
        if len(value) > section.max_length:
            problems[section.key] = f"{section.label} must be at most {section.max_length} characters."
        elif signing and section.required and not value:
            problems[section.key] = f"{section.label} is required before the note is signed."
        cleaned[section.key] = value
    if problems:
        raise ContentError(problems)
    return cleaned


class ContentError(ValueError):
    """Problems with a note's content, by section key (messages name sections, never a patient)."""

    def __init__(self, problems: Mapping[str, str]):
        self.problems = dict(problems)
        super().__init__("; ".join(f"{key}: {message}" for key, message in self.problems.items()))
