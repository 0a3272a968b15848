"""Issue an API token from the command line, for scripts and integrations set up by an administrator."""

from django.core.management.base import BaseCommand, CommandError

from openiop.accounts.models import User
from openiop.accounts.services import token_create


class Command(BaseCommand):
    help = "Issue a personal access token for USERNAME and print it (only the token, on stdout)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--name", default="Issued on the command line", help="Label shown on the profile."
        )
        parser.add_argument("--days", type=int, default=None, help="Expire after N days (1-365).")

    def handle(self, *args, username, name, days, **options):
        if days is not None and not 1 <= days <= 365:
            raise CommandError("--days must be between 1 and 365.")
        if not name.strip():
            raise CommandError("--name must not be empty.")
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if not user.is_active:
            raise CommandError(f"User {username!r} is inactive; tokens are issued to active users only.")
        _, raw = token_create(user=user, name=name.strip()[:80], expires_in_days=days)
        # Only the token on stdout, so `TOKEN=$(manage.py issue_token alice)` works.
        self.stdout.write(raw)
