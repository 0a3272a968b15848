"""`python manage.py seed_synthetic --size S|M|L [--seed N]`: a reproducible synthetic organization in bulk."""

import argparse
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from openiop.demo.builder import DEMO_PASSWORD
from openiop.demo.synthetic import SIZES, SyntheticRefused, seed_synthetic


class Command(BaseCommand):
    help = (
        "Write a clearly fictional organization for scale tests and benchmarks: S = 1 program, 60 active "
        "patients; M = 5 programs, 600 active, 6,000 discharged; L = 20 programs, 5,000 active, 50,000 "
        "discharged. The same seed gives the same organization. Refuses a database with real patients."
    )

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=sorted(SIZES), default="S")
        parser.add_argument("--seed", type=int, default=1)
        # Hidden: multiplies the patient counts, for tests and quick trials.
        parser.add_argument("--scale", type=float, default=1.0, help=argparse.SUPPRESS)

    def handle(self, *args, size, seed, scale, **options):
        if scale <= 0:
            raise CommandError("--scale must be above 0.")
        started = time.monotonic()
        try:
            result = seed_synthetic(size=size, seed=seed, scale=scale)
        except SyntheticRefused as refusal:
            raise CommandError(str(refusal)) from refusal
        refresh_planner_statistics()
        seconds = time.monotonic() - started
        for what, count in result.created.items():
            self.stdout.write(f"  {count:>9,} {what}")
        self.stdout.write(
            f"Staff usernames start with syn01-, syn02-, ... (e.g. syn01-director); password: {DEMO_PASSWORD}"
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded size {size} (seed {seed}): {result.total_created:,} rows in {seconds:.1f} s."
            )
        )


def refresh_planner_statistics() -> None:
    """PostgreSQL plans queries from table statistics, which autovacuum gathers some time after a bulk load
    (and never where it is turned off, as on the benchmark machine): without them it guessed one patient
    matched a name search and nested-looped over the program's episodes: 184 ms for a 14 ms query at size M.
    So a bulk load ends with ANALYZE, as after pg_restore. SQLite plans without statistics by default, and
    every SQLite figure in bench/RESULTS.md was measured that way."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
