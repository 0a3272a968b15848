"""The program list and my-day panel read every episode's attendance at once: the same usage as one
episode's own ledger records give, and a query count that does not grow with the number of patients."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import make_patient
from openiop.scheduling.models import Closure
from openiop.scheduling.selectors import ledger_records
from openiop.utilization import usage
from openiop.utilization.selectors import program_rows

from .factories import active_episode, attended, authorization

pytestmark = pytest.mark.django_db


def patients_with_authorizations(world, count: int, *, first: int = 0):
    today = timezone.localdate()
    for n in range(first, first + count):
        patient = make_patient(given=f"Synthetic{n}", family="Batch", program=world.program_a)
        episode = active_episode(patient)
        for days_ago in (1, 2, 8):
            attended(
                world, episode, today - datetime.timedelta(days=days_ago), minutes=150 if n % 2 else None
            )
        authorization(patient, world.ivan, number=f"B-{n}", unit=("hours", "sessions", "days")[n % 3])


def test_usage_equals_each_episodes_own_ledger_records(world):
    patients_with_authorizations(world, 5)
    # A closed day cancels a session for everyone: counted as the ledger counts it.
    closed_day = timezone.localdate() - datetime.timedelta(days=8)
    Closure.objects.create(program=world.program_a, date=closed_day, name="Holiday")
    today = timezone.localdate()
    rows = program_rows(world.dana, today=today)
    assert len(rows) == 5
    for row in rows:
        own = usage.usage_of(
            ledger_records(row.authorization.episode), row.authorization.as_core(), today=today
        )
        assert row.usage == own


def test_the_program_list_keeps_its_query_count_as_patients_grow(world, client_for):
    client = client_for(world.dana)
    patients_with_authorizations(world, 2)
    client.get(reverse("utilization:list"))  # warm caches (permissions, content types)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("utilization:list")).status_code == 200
    patients_with_authorizations(world, 6, first=2)
    with CaptureQueriesContext(connection) as large:
        body = client.get(reverse("utilization:list")).content.decode()
    assert "B-7" in body
    assert len(large) == len(small)
