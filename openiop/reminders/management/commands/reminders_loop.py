"""Run the reminders dispatcher every minute until stopped: what `make run` starts beside the web server
and the django-tasks worker (`db_worker`), which does the sending. In production, a cron job or systemd
timer running `reminders_dispatch` every minute does the same."""

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from openiop.reminders.services import dispatch


class Command(BaseCommand):
    help = "Dispatch due reminders every --interval seconds (default 60) until interrupted."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=int, default=60)
        parser.add_argument("--once", action="store_true", help="Dispatch once and stop.")

    def handle(self, *args, interval: int, once: bool, **options):
        while True:
            close_old_connections()
            try:
                counts = dispatch()
            except Exception:  # noqa: BLE001 - a bad minute must not stop the reminders for good
                self.stderr.write("reminders: dispatch failed, trying again next minute")
            else:
                if any(counts.values()):
                    self.stdout.write(
                        "reminders: {queued} queued, {skipped} skipped, {retried} retried".format(**counts)
                    )
            if once:
                return
            try:
                time.sleep(interval)
            except KeyboardInterrupt:
                return
