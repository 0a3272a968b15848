"""The Django layer around the pure instrument loader: which instruments this deployment offers.

The shipped instruments (openiop/measures/instruments/) plus those in settings.OPENIOP_INSTRUMENT_DIRS are
read once per process (per list of folders, so a test that overrides the setting sees its own files). An
organization adds a licensed instrument (C-SSRS, CORE-10, WHO-5 under its own terms...) by putting its file
in such a folder; the format is in docs/measures.md.

This is the only module of the measures core that reads Django settings.
"""

import functools
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings

from .instrument_schema import Instrument
from .loader import InstrumentError, instrument_files, load_instrument, load_instruments


def _dirs() -> tuple[str, ...]:
    return tuple(str(folder) for folder in getattr(settings, "OPENIOP_INSTRUMENT_DIRS", ()) or ())


@functools.cache
def _load(dirs: tuple[str, ...]) -> tuple[Instrument, ...]:
    return load_instruments(dirs)


def all_instruments() -> tuple[Instrument, ...]:
    """Every loaded instrument and version, sorted by code then version. Raises on any broken file."""
    return _load(_dirs())


def current_instruments() -> tuple[Instrument, ...]:
    """The latest version of each instrument: the ones a new administration uses."""
    latest: dict[str, Instrument] = {}
    for instrument in all_instruments():  # sorted by version within a code, so the last one wins
        latest[instrument.code] = instrument
    return tuple(latest.values())


def get_instrument(code: str, version: str | None = None) -> Instrument:
    """The instrument with this code (case-insensitive, "phq-9" finds PHQ-9): that exact version, to show
    or rescore a stored administration, or the latest. Raises LookupError when there is none."""
    wanted = code.strip().upper()
    candidates = [
        i for i in all_instruments() if i.code == wanted and (version is None or i.version == version)
    ]
    if not candidates:
        known = ", ".join(sorted({i.code for i in all_instruments()}))
        what = f"{wanted} {version}" if version else wanted
        raise LookupError(f"No instrument {what}. Available: {known}.")
    return candidates[-1]


def clear_cache() -> None:
    """Forget loaded instruments (tests, or after replacing files without restarting)."""
    _load.cache_clear()


def instrument_problems(dirs: Iterable[str] | None = None) -> list[tuple[str, str]]:
    """Every problem with the instrument files, as (path, message) pairs; empty when all load.

    Unlike all_instruments(), which stops at the first broken file, this reads each file on its own so one
    report (a system check, or `manage.py check`) lists them all.
    """
    dirs = _dirs() if dirs is None else tuple(dirs)
    problems: list[tuple[str, str]] = []
    files = instrument_files(())
    for folder in dirs:
        if not Path(folder).is_dir():
            problems.append((str(folder), f"Instrument folder {folder} does not exist or is not a folder."))
            continue
        files.extend(sorted(Path(folder).glob("*.json")))
    seen: dict[tuple[str, str], Path] = {}
    for path in files:
        try:
            instrument = load_instrument(path)
        except InstrumentError as error:
            problems.append((str(path), str(error)))
            continue
        key = (instrument.code, instrument.version)
        if key in seen:
            problems.append(
                (str(path), f"{instrument.code} {instrument.version} is also defined in {seen[key]}")
            )
        else:
            seen[key] = path
    return problems
