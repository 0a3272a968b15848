"""The Django layer around note formats (note_formats.py): which formats this deployment offers.

The shipped formats plus those in settings.OPENIOP_NOTE_FORMAT_DIRS (an organization's own) are read once
per process and list of folders. `format_problems()` reports every broken file for the system check, so a
bad file stops startup with its path instead of a format silently missing from the note form.
"""

import functools
from pathlib import Path

from django.conf import settings

from .note_formats import NoteFormat, NoteFormatError, format_files, load_format, load_formats

DEFAULT_FORMAT_ID = "dap"


def _dirs() -> tuple[str, ...]:
    return tuple(str(folder) for folder in getattr(settings, "OPENIOP_NOTE_FORMAT_DIRS", ()) or ())


@functools.cache
def _load(dirs: tuple[str, ...]) -> tuple[NoteFormat, ...]:
    return load_formats(dirs)


def all_formats() -> tuple[NoteFormat, ...]:
    """Every format and version, sorted by id then version. Raises on any broken file."""
    return _load(_dirs())


def current_formats() -> tuple[NoteFormat, ...]:
    """The latest version of each format: the ones a new note may use."""
    latest: dict[str, NoteFormat] = {}
    for note_format in all_formats():  # sorted by version within an id: the last one wins
        latest[note_format.id] = note_format
    return tuple(latest.values())


def get_format(format_id: str, version: str | None = None) -> NoteFormat:
    """That exact version (to show a stored note again) or the latest; LookupError when there is none."""
    found = [f for f in all_formats() if f.id == format_id and (version is None or f.version == version)]
    if not found:
        raise LookupError(f"No note format {format_id} {version or ''}".strip() + ".")
    return found[-1]


def clear_cache() -> None:
    _load.cache_clear()


def format_problems() -> list[tuple[str, str]]:
    """Every problem with the format files, as (path, message); empty when all load. Reads each file on
    its own so one report lists them all."""
    problems: list[tuple[str, str]] = []
    files = format_files(())
    for folder in _dirs():
        if not Path(folder).is_dir():
            problems.append((folder, f"Note format folder {folder} does not exist or is not a folder."))
            continue
        files.extend(sorted(Path(folder).glob("*.json")))
    seen: dict[tuple[str, str], Path] = {}
    for path in files:
        try:
            note_format = load_format(path)
        except NoteFormatError as error:
            problems.append((str(path), str(error)))
            continue
        key = (note_format.id, note_format.version)
        if key in seen:
            problems.append((str(path), f"{key[0]} {key[1]} is also defined in {seen[key]}"))
        else:
            seen[key] = path
    return problems
