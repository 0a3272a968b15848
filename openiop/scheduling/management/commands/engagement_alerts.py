"""`manage.py engagement_alerts [--today YYYY-MM-DD]`: raise the engagement alerts of every active episode.

Run it daily (cron or a scheduler): it raises each ended week under the program's hours target and each
run of two consecutive absences not raised yet, with a follow-up task for the primary clinician. Running
it again raises nothing new.
"""

import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from openiop.scheduling.services import engagement_alerts_raise_all


class Command(BaseCommand):
    help = "Raise engagement alerts (weeks under target, consecutive absences) with follow-up tasks."

    def add_arguments(self, parser):
        parser.add_argument(
            "--today", type=datetime.date.fromisoformat, default=None, help="Date to compute as (YYYY-MM-DD)."
        )

    def handle(self, *args, today=None, **options):
        raised = engagement_alerts_raise_all(today=today or timezone.localdate())
        self.stdout.write(f"{len(raised)} engagement alerts raised.")
