"""Concurrent writers, as several gunicorn workers or threads would be: no "database is locked", no gap
in the audit chain, on SQLite (WAL, busy timeout, IMMEDIATE transactions) and on PostgreSQL."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection

from openiop.audit.models import Action, AuditEvent
from openiop.audit.services import audit_record

WRITERS = 8
EVENTS_EACH = 25


@pytest.mark.django_db(transaction=True)
def test_concurrent_audit_writers_all_succeed_and_keep_the_chain_intact(world):
    errors = []
    start = threading.Barrier(WRITERS)

    def write(worker: int):
        try:
            start.wait()
            for n in range(EVENTS_EACH):
                audit_record(
                    action=Action.VIEW,
                    actor=world.alice,
                    patient=world.patient_a,
                    detail={"worker": worker, "n": n},
                )
        except Exception as error:  # noqa: BLE001 - any failure is the finding
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    seqs = sorted(AuditEvent.objects.values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1)), "sequence numbers are gap-free and unique"
    assert AuditEvent.objects.filter(action=Action.VIEW).count() == WRITERS * EVENTS_EACH
    call_command("audit_verify")  # exits non-zero (SystemExit) on a broken chain
