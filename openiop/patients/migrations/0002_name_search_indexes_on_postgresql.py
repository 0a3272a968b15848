"""On PostgreSQL, patient name search uses indexes instead of reading every patient.

The patient list and FHIR `Patient?name=` match any part of a name (`icontains`, which Django writes as
`UPPER(col::text) LIKE UPPER('%word%')`), and the list also an exact record number (`iexact`). No btree index
serves a LIKE with a leading wildcard, so every search read the whole patient table: 4-5 ms per query at size
M (6,600 patients) and about ten times that at size L, twice per page (the count and the page). Trigram GIN
indexes (pg_trgm) on the same UPPER() expressions serve those LIKEs, and a btree on UPPER(record_number) the
exact match, so the planner can OR them together (bench/RESULTS.md: 4.8 -> 1.1 ms at size M).

pg_trgm ships with PostgreSQL (contrib) and is a trusted extension, so the database's owner may create it.
Where it cannot be created, search still works without the indexes, as before; the migration says so.
SQLite is left alone: it has no such index, and its LIKE over the file is fast at these sizes.
"""

from django.db import migrations, transaction

NAME_FIELDS = ("legal_given_name", "legal_family_name", "preferred_name")
TRIGRAM_INDEXES = [(f"patient_{field}_trgm", field) for field in NAME_FIELDS]
RECORD_NUMBER_INDEX = "patient_record_number_upper"


def _create_trigram_extension(schema_editor) -> bool:
    cursor = schema_editor.connection.cursor()
    cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    if cursor.fetchone() is None:
        return False
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception:  # noqa: BLE001 - any refusal (privileges, packaging) leaves search index-free
        return False
    return True


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    if _create_trigram_extension(schema_editor):
        for name, field in TRIGRAM_INDEXES:
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{name}" ON "patients_patient" USING gin (UPPER("{field}") gin_trgm_ops)',
                params=None,
            )
    else:
        print(
            "\n  pg_trgm is not available to this database: patient name search works without its indexes"
            " (slower on large organizations). Ask an administrator to run CREATE EXTENSION pg_trgm, then"
            " migrate patients 0001 and forward again."
        )
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS "{RECORD_NUMBER_INDEX}" ON "patients_patient" (UPPER("record_number"))',
        params=None,
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in [name for name, _field in TRIGRAM_INDEXES] + [RECORD_NUMBER_INDEX]:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"', params=None)


class Migration(migrations.Migration):
    dependencies = [("patients", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
