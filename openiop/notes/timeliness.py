"""When a note is late, and how overdue an unsigned note is. Plain Python: datetimes in, answers out.

Our rule (documented in the report and on the pages): a note is due within 24 hours of the END of the
service it documents. The service ends at the session's end time on the date of service, or, when no
time was recorded, at the end of that day (23:59:59 local time), so a note without times is never held to a
stricter clock than one with times. A note signed after that is a late entry and is marked so for ever.
Unsigned notes are bucketed for the lists: more than 24 hours past the service end, and more than 72 hours.
"""

import datetime
from enum import StrEnum

DUE_WITHIN = datetime.timedelta(hours=24)
ESCALATE_AFTER = datetime.timedelta(hours=72)


class Age(StrEnum):
    ON_TIME = "on_time"  # not yet due
    OVER_24H = "over_24h"
    OVER_72H = "over_72h"


def service_end(day: datetime.date, end_time: datetime.time | None, tz: datetime.tzinfo) -> datetime.datetime:
    """The moment the service ended, aware in `tz` (the program's local time)."""
    moment = end_time if end_time is not None else datetime.time(23, 59, 59)
    return datetime.datetime.combine(day, moment, tzinfo=tz)


def is_late(ended: datetime.datetime, signed_at: datetime.datetime) -> bool:
    """Signed more than 24 hours after the service ended."""
    return signed_at - ended > DUE_WITHIN


def age_of_unsigned(ended: datetime.datetime, now: datetime.datetime) -> Age:
    overdue = now - ended
    if overdue > ESCALATE_AFTER:
        return Age.OVER_72H
    if overdue > DUE_WITHIN:
        return Age.OVER_24H
    return Age.ON_TIME


def due_at(ended: datetime.datetime) -> datetime.datetime:
    return ended + DUE_WITHIN
