"""`manage.py measures_not_on_track [--today YYYY-MM-DD] [--weeks N]`: raise treatment-plan reviews for
every active episode whose measures show reliable deterioration, or no reliable improvement N weeks after
admission (settings.OPENIOP_NOT_ON_TRACK_WEEKS, default 4).

Run it daily (cron or a scheduler). Running it again raises nothing new: a review already due is not
duplicated, and scores an earlier review has seen do not raise another.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from openiop.measures.review_triggers import not_on_track_run, not_on_track_weeks


def _weeks(value: str) -> int:
    weeks = int(value)
    if weeks < 1:
        raise ValueError(value)
    return weeks


class Command(BaseCommand):
    help = "Raise plan reviews for patients whose measures show deterioration or no progress."

    def add_arguments(self, parser):
        parser.add_argument(
            "--today", type=datetime.date.fromisoformat, default=None, help="Date to compute as (YYYY-MM-DD)."
        )
        parser.add_argument(
            "--weeks",
            type=_weeks,
            default=None,
            help="Weeks without reliable improvement before a review (default: OPENIOP_NOT_ON_TRACK_WEEKS).",
        )

    def handle(self, *args, today=None, weeks=None, **options):
        weeks = weeks or not_on_track_weeks()
        if weeks < 1:
            raise CommandError("OPENIOP_NOT_ON_TRACK_WEEKS must be 1 or more.")
        summary = not_on_track_run(today=today or timezone.localdate(), weeks=weeks)
        self.stdout.write(
            f"{summary.episodes} episodes checked; plan reviews raised: "
            f"{summary.raised['deterioration']} for deterioration, "
            f"{summary.raised['no_progress']} for no progress by week {weeks}."
        )
