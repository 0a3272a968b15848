"""Administrations for trajectory and outcome tests, made directly (scored with the real engine, so the
stored total, band and result are what entry would store) without the entry service's alerts and tasks."""

import datetime

from openiop.measures.models import Administration
from openiop.measures.registry import get_instrument
from openiop.measures.scoring import score


def answers_for(code: str, total: int) -> dict:
    """Answers whose total is `total`: filled item by item from the first, never a critical item (so no
    urgent flag: PHQ-9 item 9 stays 0)."""
    instrument = get_instrument(code)
    answers = {}
    left = total
    for item in instrument.scored_items:
        if item.critical is not None:
            answers[item.key] = item.min_value
            continue
        value = min(item.max_value, left)
        answers[item.key] = value
        left -= value
    if left:
        raise ValueError(f"{code} cannot reach {total} without its critical items")
    return answers


def administer(episode, code: str, total: int, on: datetime.date, *, by=None, **fields) -> Administration:
    instrument = get_instrument(code)
    answers = answers_for(code, total)
    result = score(instrument, answers)
    assert result.total == total
    return Administration.objects.create(
        episode=episode,
        patient=episode.patient,
        instrument_code=instrument.code,
        instrument_version=instrument.version,
        completed_on=on,
        answers=answers,
        status=result.status,
        total=result.total,
        band=result.band.label if result.band else "",
        flags=[f.to_dict() for f in result.flags],
        result=result.to_dict(),
        created_by=by,
        updated_by=by,
        **fields,
    )


def series(episode, code: str, totals, *, start: datetime.date, every_days: int = 7, by=None) -> list:
    """One administration per `every_days` from `start`, with these totals."""
    return [
        administer(episode, code, total, start + datetime.timedelta(days=every_days * index), by=by)
        for index, total in enumerate(totals)
    ]
