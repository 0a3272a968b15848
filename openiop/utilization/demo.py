"""Demo payer authorizations: every active demo episode with attendance gets one, computed from the
attendance already loaded so that the demo shows one near its limit (about 85% used), one ending within
7 days, and the rest ordinary. Idempotent: nothing when any authorization exists."""

import datetime
import math
from decimal import Decimal

from django.contrib.auth import get_user_model

from openiop.patients.models import EpisodeOfCare, EpisodeStatus
from openiop.scheduling.selectors import ledger_records

from . import usage
from .models import PayerAuthorization, UnitKind

PAYERS = ("Synthetic Health Plan (demo)", "Example Medicaid (demo)", "Sample Commercial PPO (demo)")
WINDOW_DAYS = 28


def _hours_used(records, starts_on, ends_on) -> Decimal:
    probe = usage.Authorization(usage.HOURS, Decimal(1), starts_on, ends_on)
    return Decimal(float(usage.used_quantity(records, probe)))


def load_demo_authorizations(*, today: datetime.date) -> int:
    """Returns the number of authorizations created (0 when already loaded)."""
    if PayerAuthorization.objects.exists():
        return 0
    by = get_user_model().objects.filter(username="intake").first()
    episodes = EpisodeOfCare.objects.filter(status=EpisodeStatus.ACTIVE, admitted_on__isnull=False).order_by(
        "pk"
    )
    created = 0
    near_limit_done = ending_soon_done = False
    for index, episode in enumerate(episodes):
        starts_on = max(episode.admitted_on, today - datetime.timedelta(days=WINDOW_DAYS))
        records = ledger_records(episode)
        used = _hours_used(records, starts_on, today)
        fields = {
            "episode": episode,
            "payer": PAYERS[index % len(PAYERS)],
            "number": f"DEMO-{episode.pk:05d}",
            "starts_on": starts_on,
            "created_by": by,
            "updated_by": by,
            "notes": "Demo authorization.",
        }
        if not near_limit_done and used >= 6:
            # About 85% of the hours used, ending in three weeks: the 80% alert.
            authorized = Decimal(math.ceil(used / Decimal("0.85")))
            fields.update(
                unit=UnitKind.HOURS, authorized=authorized, ends_on=today + datetime.timedelta(days=21)
            )
            near_limit_done = True
        elif not ending_soon_done:
            # Plenty of sessions left, but the last day is in four days: the ending-soon alert.
            fields.update(
                unit=UnitKind.SESSIONS, authorized=Decimal(40), ends_on=today + datetime.timedelta(days=4)
            )
            ending_soon_done = True
        else:
            fields.update(
                unit=UnitKind.DAYS, authorized=Decimal(60), ends_on=today + datetime.timedelta(days=60)
            )
        PayerAuthorization.objects.create(**fields)
        created += 1
    return created
