"""`manage.py load_curriculum [FILE]`: copy the shipped skills curriculum (or FILE) into the database.

Safe to run again and after every upgrade: it adds new modules and lessons and updates shipped ones nobody
edited; lessons your organization edited, and your own modules and lessons, are never changed. A file with
problems is refused as a whole, each problem listed with its JSON path.
"""

from django.core.management.base import BaseCommand, CommandError

from openiop.skills.curriculum import SHIPPED_FILE, CurriculumError, load_curriculum
from openiop.skills.services import curriculum_sync


class Command(BaseCommand):
    help = "Load (or update) the skills curriculum from the shipped file or a given JSON file."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(SHIPPED_FILE), help="curriculum JSON file")

    def handle(self, *args, file, **options):
        try:
            curriculum = load_curriculum(file)
        except CurriculumError as error:
            raise CommandError(str(error)) from None
        result = curriculum_sync(curriculum=curriculum)
        self.stdout.write(
            f"{curriculum.title} {curriculum.version}: "
            f"{len(result.modules_created)} modules and {len(result.lessons_created)} lessons added, "
            f"{len(result.modules_updated) + len(result.lessons_updated)} updated, "
            f"{len(result.kept_local_edits)} local edits kept."
        )
