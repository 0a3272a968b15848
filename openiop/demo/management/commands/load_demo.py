"""`python manage.py load_demo`: load the fictional demo organization and print its logins."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from openiop.demo import intake, scheduling
from openiop.demo.builder import DEMO_PASSWORD, DemoRefused, load_demo


class Command(BaseCommand):
    help = "Load a clearly fictional demo organization (programs, staff, ~40 synthetic patients, referrals, assessments, waitlist, due items, a generated calendar with weeks of attendance). Idempotent."

    def handle(self, *args, **options):
        try:
            result = load_demo()
        except DemoRefused as refusal:
            raise CommandError(str(refusal)) from refusal

        rows = [("username", "role", "name", "can see")]
        rows += [(login.username, login.role, login.name, login.sees) for login in result.logins]
        widths = [max(len(row[column]) for row in rows) for column in range(3)]
        self.stdout.write("Demo logins:")
        for index, row in enumerate(rows):
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)] + [row[3]]
            self.stdout.write("  " + "  ".join(cells))
            if index == 0:
                self.stdout.write(
                    "  " + "  ".join("-" * width for width in widths) + "  " + "-" * len(row[3])
                )
        self.stdout.write(f"Password for every demo login: {DEMO_PASSWORD}")
        if getattr(settings, "OPENIOP_REQUIRE_STAFF_MFA", False):
            self.stdout.write(
                "Staff logins ask to set up an authenticator app at first sign-in "
                "(set OPENIOP_REQUIRE_STAFF_MFA=0 to skip this in a demo)."
            )

        held = intake.contents(timezone.localdate()) + scheduling.contents()
        summary = ", ".join(f"{count} {what}" for what, count in held)
        self.stdout.write(f"The demo holds: {summary}.")
        if result.nothing_changed:
            self.stdout.write(self.style.SUCCESS("Demo already loaded, nothing changed."))
        else:
            counts = ", ".join(f"{count} {what}" for what, count in result.created.items() if count)
            self.stdout.write(self.style.SUCCESS(f"Created {result.total_created} records: {counts}."))
