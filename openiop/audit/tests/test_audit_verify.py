"""`manage.py audit_verify` against events written to the real test database."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import RequestFactory

from openiop.audit.chain import event_digest
from openiop.audit.management.commands import audit_verify
from openiop.audit.models import Action, AuditChainHead, AuditEvent, Outcome
from openiop.audit.services import audit_record
from openiop.audit.tests.tampering import bypassing_append_only


def run_verify() -> tuple[int, str, str]:
    stdout, stderr = StringIO(), StringIO()
    try:
        call_command("audit_verify", stdout=stdout, stderr=stderr)
    except SystemExit as exit_:
        return exit_.code, stdout.getvalue(), stderr.getvalue()
    return 0, stdout.getvalue(), stderr.getvalue()


@pytest.fixture
def five_events(world):
    request = RequestFactory().get("/patients/", REMOTE_ADDR="2001:DB8:0:0:0:0:0:1")
    request.user = world.alice
    audit_record(
        action=Action.LIST,
        request=request,
        object_type="patients.patient",
        detail={"filters": {"q": "Avery"}, "page": 1, "shown": 1, "nested": {"z": 1, "a": [1.5, None]}},
    )
    audit_record(action=Action.VIEW, request=request, patient=world.patient_a, obj=world.patient_a)
    audit_record(
        action=Action.LOGIN_FAILED, username="mallory", outcome=Outcome.FAILED, detail={"reason": "é ✓"}
    )
    audit_record(action=Action.VIEW, actor=world.audrey, detail={})
    audit_record(action=Action.UPDATE, actor=world.bob, patient=world.patient_b, obj=world.patient_b)
    return 5


@pytest.mark.django_db
def test_an_empty_log_without_a_chain_head_is_intact():
    assert run_verify() == (0, "Audit chain intact: 0 events.\n", "")


def test_an_untouched_log_is_intact(five_events):
    code, out, err = run_verify()
    assert code == 0
    assert out == "Audit chain intact: 5 events.\n"
    assert err == ""


def test_every_event_read_back_hashes_as_it_did_when_written(five_events):
    for event in AuditEvent.objects.in_chain_order():
        assert event_digest(event.previous_hash, event.chain_content()) == event.hash


def test_an_uppercase_ipv6_address_is_stored_in_the_form_that_was_hashed(five_events):
    assert AuditEvent.objects.get(seq=1).ip_address == "2001:db8::1"


def test_a_changed_action_is_named_by_its_event_number(five_events):
    with bypassing_append_only():
        AuditEvent.objects.filter(seq=3).update(action="view")
    code, out, err = run_verify()
    assert code == 1
    assert out == ""
    assert err.startswith("Audit chain broken at event #3: ")


def test_a_changed_detail_is_named_by_its_event_number(five_events):
    with bypassing_append_only():
        AuditEvent.objects.filter(seq=2).update(detail={"tampered": True})
    code, _, err = run_verify()
    assert (code, err.split(":")[0]) == (1, "Audit chain broken at event #2")


def test_a_deleted_middle_event_is_named_by_its_event_number(five_events):
    with bypassing_append_only():
        AuditEvent.objects.filter(seq=3).delete()
    code, _, err = run_verify()
    assert code == 1
    assert err.startswith("Audit chain broken at event #3: event 3 is missing")


def test_a_deleted_newest_event_is_caught_by_the_chain_head(five_events):
    with bypassing_append_only():
        AuditEvent.objects.filter(seq=5).delete()
    code, _, err = run_verify()
    assert code == 1
    assert err.startswith("Audit chain broken at event #5: ")


def test_a_deleted_chain_head_with_events_left_is_a_break(five_events):
    AuditChainHead.objects.all().delete()
    code, _, _ = run_verify()
    assert code == 1


def test_an_event_stored_beyond_the_chain_head_is_a_break(five_events):
    fourth = AuditEvent.objects.get(seq=4)
    AuditChainHead.objects.filter(pk=1).update(last_seq=4, last_hash=fourth.hash)
    code, _, err = run_verify()
    assert code == 1
    assert err.startswith("Audit chain broken at event #5: events up to 5 are stored beyond the chain head")


def test_events_written_while_verifying_are_left_for_the_next_run(five_events, monkeypatch):
    real_chained_events = audit_verify.chained_events

    def chained_events_with_a_concurrent_write(*, up_to):
        audit_record(action=Action.VIEW, username="concurrent")
        yield from real_chained_events(up_to=up_to)

    monkeypatch.setattr(audit_verify, "chained_events", chained_events_with_a_concurrent_write)
    assert run_verify() == (0, "Audit chain intact: 5 events.\n", "")
