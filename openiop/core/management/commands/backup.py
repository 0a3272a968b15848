"""`manage.py backup [--output PATH]`: one archive of the database, uploaded files and a manifest."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from openiop.core.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "Write one backup archive (tar.gz, mode 0600): database dump, uploaded files, manifest."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            help="archive path (default: BACKUP_DIR, else backups/ next to the database)",
        )

    def handle(self, *args, **options):
        try:
            path, manifest = create_backup(output=options["output"])
        except (BackupError, OSError) as error:
            # OSError: no space left, no permission on the backup directory; no archive is left behind.
            raise CommandError(f"Backup failed: {error}") from error
        rows = sum(table["rows"] for table in manifest["tables"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {path}: {manifest['engine']}, {len(manifest['tables'])} tables, {rows} rows,"
                f" {len(manifest['members']) - 1} uploaded files, audit chain at event"
                f" #{manifest['audit_chain_head']['seq']}."
            )
        )
