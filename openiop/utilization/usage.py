"""Used vs authorized: a pure core (no Django). Attendance records in, usage and alert states out.

Records are the weekly ledger's (`openiop.scheduling.ledger.SessionRecord`, built by
`scheduling.selectors.ledger_records`), so attendance counts here exactly as it counts in the ledger.

Units, so a successor need not guess them:
- HOURS: the minutes the ledger counts as attended (`ledger.attended_minutes`: present = the whole session
  unless fewer minutes are recorded; late / left early = the minutes recorded; never more than the
  session), summed, divided by 60. Compared exactly; shown rounded to 0.1 h like the ledger.
- SESSIONS: sessions attended (present, late or left early), whatever the minutes.
- DAYS: an IOP day is a date with at least one attended session (payers that authorize "days" bill one
  per day of treatment, however many groups that day held).
- Absent, cancelled (including closures) and not-yet-recorded sessions use nothing.
- Only attendance dated within the authorization (starts_on..ends_on, both included) counts.

Alerts (issue 9: "alerts when 80% is used or the end date is 7 days away"):
- near_limit: used >= 80% of authorized; exhausted: used >= 100% (an exhausted one is also near_limit).
- ending_soon: the last day is today or within the next 7 days; expired: the last day is before today
  (an expired authorization is not ending soon).
Percent shown is rounded down, so a page never says 80% before the 80% alert is raised.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from openiop.scheduling import ledger

HOURS, SESSIONS, DAYS = "hours", "sessions", "days"
UNITS = (HOURS, SESSIONS, DAYS)
NEAR_LIMIT_PERCENT = 80
ENDING_SOON_DAYS = 7


@dataclass(frozen=True)
class Authorization:
    unit: str
    authorized: Decimal
    starts_on: datetime.date
    ends_on: datetime.date


@dataclass(frozen=True)
class Usage:
    unit: str
    used_exact: Fraction  # in the unit (hours as a fraction of minutes / 60)
    authorized: Decimal
    days_left: int  # from today to the last day, both counted; 0 once expired
    near_limit: bool
    exhausted: bool
    ending_soon: bool
    expired: bool

    @property
    def used(self) -> Decimal:
        """Used, for display: hours to 0.1 (half up, as the ledger shows them), counts as they are."""
        if self.unit == HOURS:
            return ledger.hours(int(self.used_exact * 60))
        return Decimal(int(self.used_exact))

    @property
    def remaining(self) -> Decimal:
        """What is left, never below zero (see `over` for use beyond the authorization)."""
        left = Fraction(self.authorized) - self.used_exact
        return _display(max(left, Fraction(0)), self.unit)

    @property
    def over(self) -> Decimal:
        return _display(max(self.used_exact - Fraction(self.authorized), Fraction(0)), self.unit)

    @property
    def percent(self) -> int:
        """Percent used, rounded down."""
        return int(self.used_exact * 100 / Fraction(self.authorized))

    @property
    def needs_attention(self) -> bool:
        return self.near_limit or self.ending_soon or self.expired

    @property
    def alerts(self) -> list[str]:
        """The alert states that hold, most urgent first (exhausted supersedes near_limit)."""
        found = []
        if self.exhausted:
            found.append("exhausted")
        elif self.near_limit:
            found.append("near_limit")
        if self.expired:
            found.append("expired")
        elif self.ending_soon:
            found.append("ending_soon")
        return found


def _display(value: Fraction, unit: str) -> Decimal:
    if unit == HOURS:
        return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )
    return Decimal(value.numerator) / Decimal(value.denominator)


def in_range(record: ledger.SessionRecord, authorization: Authorization) -> bool:
    return authorization.starts_on <= record.date <= authorization.ends_on


def used_quantity(records: Iterable[ledger.SessionRecord], authorization: Authorization) -> Fraction:
    """Exact use of `authorization` by the attendance in `records` (see the module docstring)."""
    if authorization.unit not in UNITS:
        raise ValueError(f"unknown unit {authorization.unit!r}")
    attended = [r for r in records if in_range(r, authorization) and r.status in ledger.ATTENDED]
    if authorization.unit == HOURS:
        return Fraction(sum(ledger.attended_minutes(r) for r in attended), 60)
    if authorization.unit == SESSIONS:
        return Fraction(len(attended))
    return Fraction(len({r.date for r in attended}))


def usage_of(
    records: Iterable[ledger.SessionRecord], authorization: Authorization, *, today: datetime.date
) -> Usage:
    if authorization.authorized <= 0:
        raise ValueError("an authorization authorizes a positive quantity")
    used = used_quantity(records, authorization)
    authorized = Fraction(authorization.authorized)
    expired = authorization.ends_on < today
    days_left = 0 if expired else (authorization.ends_on - max(today, authorization.starts_on)).days + 1
    return Usage(
        unit=authorization.unit,
        used_exact=used,
        authorized=authorization.authorized,
        days_left=days_left,
        near_limit=used * 100 >= authorized * NEAR_LIMIT_PERCENT,
        exhausted=used >= authorized,
        ending_soon=not expired
        and authorization.ends_on <= today + datetime.timedelta(days=ENDING_SOON_DAYS),
        expired=expired,
    )
