"""On PostgreSQL, the SQL Django writes for patient name search can use the trigram and record-number indexes
(migration patients 0002). An index whose expression differs from Django's by a cast or a function would
exist and never be used: these tests ask the planner, with sequential scans switched off so that the tiny
test tables do not make a scan look cheaper."""

import importlib

import pytest
from django.db import connection, transaction
from django.db.models import Q

from openiop.patients.models import Patient

migration = importlib.import_module("openiop.patients.migrations.0002_name_search_indexes_on_postgresql")

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL only: SQLite needs no search index"
)


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.django_db
def test_the_indexes_exist():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'patients_patient'")
        names = {row[0] for row in cursor.fetchall()}
    expected = {name for name, _field in migration.TRIGRAM_INDEXES} | {migration.RECORD_NUMBER_INDEX}
    assert expected <= names


@pytest.mark.django_db
def test_the_patient_list_search_uses_every_index():
    plan = _plan(Patient.objects.search("Harris"))
    for name in [name for name, _field in migration.TRIGRAM_INDEXES] + [migration.RECORD_NUMBER_INDEX]:
        assert name in plan, plan


@pytest.mark.django_db
def test_a_name_part_search_uses_the_trigram_indexes():
    # FHIR Patient?name= matches any part of any name, without the record number.
    words = Q(legal_given_name__icontains="arr") | Q(legal_family_name__icontains="arr")
    plan = _plan(Patient.objects.filter(words | Q(preferred_name__icontains="arr")))
    for name, _field in migration.TRIGRAM_INDEXES:
        assert name in plan, plan
