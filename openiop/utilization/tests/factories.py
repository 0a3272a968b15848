"""Building blocks for utilization tests: an authorization of an active episode, and attended sessions."""

import datetime
from decimal import Decimal

from django.utils import timezone

from openiop.scheduling.models import SessionAttendee
from openiop.scheduling.tests.factories import session_with
from openiop.utilization import services


def active_episode(patient):
    return patient.episodes.get(status="active")


def authorization(patient, by, *, unit="hours", authorized="36", starts_on=None, ends_on=None, **fields):
    today = timezone.localdate()
    values = {
        "payer": "Synthetic Health Plan",
        "number": "AUTH-0001",
        "unit": unit,
        "authorized": Decimal(authorized),
        "starts_on": starts_on or today - datetime.timedelta(days=14),
        "ends_on": ends_on or today + datetime.timedelta(days=30),
    }
    values.update(fields)
    return services.authorization_create(episode=active_episode(patient), by=by, **values)


def attended(world, episode, day, *, status="present", minutes=None, start=9, end=12):
    """A session on `day` (09:00-12:00 by default) with `episode` booked and its attendance recorded."""
    session = session_with(world, day, [episode], start=start, end=end)
    SessionAttendee.objects.filter(session=session, episode=episode).update(
        status=status, minutes_attended=minutes
    )
    return session
