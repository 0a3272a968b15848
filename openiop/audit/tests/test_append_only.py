"""On PostgreSQL the database refuses to change or delete an audit event, even for the app's own
connection; a superuser who bypasses the trigger is caught by audit_verify (test_audit_verify.py)."""

import pytest
from django.db import DatabaseError, connection, transaction

from openiop.audit.models import Action, AuditEvent
from openiop.audit.services import audit_record

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only"
)


@pytest.fixture
def event(world):
    return audit_record(action=Action.VIEW, actor=world.alice, patient=world.patient_a, obj=world.patient_a)


@pytest.mark.parametrize(
    "change",
    [
        lambda pk: AuditEvent.objects.filter(pk=pk).update(action="update"),
        lambda pk: AuditEvent.objects.filter(pk=pk).update(detail={}),
        lambda pk: AuditEvent.objects.filter(pk=pk).delete(),
        lambda pk: AuditEvent.objects.all().delete(),
    ],
    ids=["action", "detail", "delete", "delete-all"],
)
def test_the_database_refuses_changing_or_deleting_an_event(event, change):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        change(event.pk)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.action, stored.hash) == (event.action, event.hash)


def test_new_events_are_still_written(event, world):
    later = audit_record(action=Action.VIEW, actor=world.alice, patient=world.patient_a, obj=world.patient_a)
    assert later.seq == event.seq + 1
