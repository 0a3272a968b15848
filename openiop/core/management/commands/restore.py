"""`manage.py restore PATH [--yes]`: verify an archive completely, then restore it and prove the result."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from openiop.core.backup import BackupError, restore_archive, verify_archive


class Command(BaseCommand):
    help = "Restore a backup archive over the configured database and MEDIA_ROOT, after verifying it."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="the archive written by `manage.py backup`")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def refuse(self, message: str):
        # One plain line on stderr and exit 1 (as audit_verify does), so scripts and people read the same.
        self.stderr.write(f"Restore refused: {message}")
        sys.exit(1)

    def handle(self, *args, **options):
        path = options["path"]
        try:
            manifest = verify_archive(path)
        except BackupError as error:
            self.refuse(str(error))
        self.stdout.write(
            f"Archive verified: {manifest['engine']} backup of {manifest['created_at']},"
            f" {len(manifest['tables'])} tables, audit chain at event #{manifest['audit_chain_head']['seq']}."
        )
        if not options["yes"]:
            if not sys.stdin.isatty():
                self.refuse("not interactive: pass --yes to replace the database and uploaded files")
            answer = input("This replaces the whole database and the uploaded files. Type 'yes' to go on: ")
            if answer.strip().lower() != "yes":
                self.refuse("not confirmed")
        try:
            summary = restore_archive(path)
        except BackupError as error:
            self.refuse(str(error))
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {summary.archive} ({summary.engine}, made {summary.created_at}): {summary.tables}"
                f" tables and {summary.rows} rows match the manifest's checksums, {summary.media_files}"
                f" uploaded files, audit chain intact ({summary.audit_events} events)."
            )
        )
        for note in summary.notes:
            self.stdout.write(f"Note: {note}")
