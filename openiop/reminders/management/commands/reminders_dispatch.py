"""Queue the reminders due now (idempotent: run it as often as you like)."""

from django.core.management.base import BaseCommand

from openiop.reminders.services import dispatch


class Command(BaseCommand):
    help = "Record and queue the reminders due now, and re-queue failed sends due for another attempt."

    def handle(self, *args, **options):
        counts = dispatch()
        self.stdout.write("reminders: {queued} queued, {skipped} skipped, {retried} retried".format(**counts))
