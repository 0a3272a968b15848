"""The audit report page and its CSV export: who may see them, what they show, and that each is audited."""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from openiop.audit.models import Action, AuditEvent, Outcome
from openiop.audit.services import audit_record
from openiop.audit.tests.tampering import bypassing_append_only

REPORT = reverse("audit:report")
EXPORT = reverse("audit:export")


@pytest.fixture
def auditor(world, client_for):
    """Audrey's signed-in client. Signing in writes a login event: seq 1, before the `events` below."""
    return client_for(world.audrey)


@pytest.fixture
def events(world, auditor):
    """Audrey's login (seq 1) and four events (seq 2-5), one per UTC day from 30 September 2026."""
    written = [
        AuditEvent.objects.get(seq=1),
        audit_record(action=Action.VIEW, actor=world.alice, patient=world.patient_a, obj=world.patient_a),
        audit_record(action=Action.UPDATE, actor=world.bob, patient=world.patient_b, obj=world.patient_b),
        audit_record(
            action=Action.LOGIN_FAILED,
            username='=HYPERLINK("http://evil")',
            outcome=Outcome.FAILED,
            detail={"reason": "bad password"},
        ),
        audit_record(action=Action.VIEW, actor=world.charlie, patient=world.patient_c, obj=world.patient_c),
    ]
    days = [datetime.datetime(2026, 9, 30, 12, tzinfo=datetime.UTC)]
    days += [datetime.datetime(2026, 10, day, 12, tzinfo=datetime.UTC) for day in (1, 2, 3, 4)]
    with bypassing_append_only():
        for event, day in zip(written, days, strict=True):
            # Backdating breaks the hash chain, which these tests do not verify.
            AuditEvent.objects.filter(pk=event.pk).update(occurred_at=day)
    return written


def shown_seqs(response) -> list[int]:
    return [event.seq for event, *_ in response.context["rows"]]


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_auditor_sees_every_event_newest_first(events, auditor):
    response = auditor.get(REPORT)
    assert response.status_code == 200
    assert shown_seqs(response) == [5, 4, 3, 2, 1]
    assert "Export CSV" in response.content.decode()


def test_filtering_by_action_shows_only_that_action(world, events, auditor):
    response = auditor.get(REPORT, {"action": "view"})
    assert shown_seqs(response) == [5, 2]


def test_filtering_by_user_matches_part_of_the_username(world, events, auditor):
    response = auditor.get(REPORT, {"user": "LIC"})
    assert shown_seqs(response) == [2]


def test_filtering_by_patient_record_number_shows_that_patients_events(world, events, auditor):
    response = auditor.get(REPORT, {"record_number": world.patient_b.record_number})
    assert shown_seqs(response) == [3]


def test_filtering_by_period_includes_both_end_days(world, events, auditor):
    response = auditor.get(REPORT, {"date_from": "2026-10-02", "date_to": "2026-10-03"})
    assert shown_seqs(response) == [4, 3]


def test_filtering_by_outcome_shows_only_that_outcome(world, events, auditor):
    response = auditor.get(REPORT, {"outcome": "failed"})
    assert shown_seqs(response) == [4]


def test_a_whitelisted_sort_orders_the_events(world, events, auditor):
    response = auditor.get(REPORT, {"sort": "actor_username"})
    assert [event.actor_username for event, *_ in response.context["rows"]] == [
        '=HYPERLINK("http://evil")',
        "alice",
        "audrey",
        "bob",
        "charlie",
    ]
    assert 'aria-sort="ascending"' in response.content.decode()


def test_an_unknown_sort_falls_back_to_newest_first(world, events, auditor):
    response = auditor.get(REPORT, {"sort": "detail__reason"})
    assert response.status_code == 200
    assert shown_seqs(response) == [5, 4, 3, 2, 1]
    assert response.context["sort"] == "-occurred_at"


def test_the_sortable_headers_link_to_the_other_direction_and_keep_the_filters(world, events, auditor):
    response = auditor.get(REPORT, {"action": "view"})
    headers = {str(header["label"]): header for header in response.context["headers"]}
    assert headers["Time (UTC)"]["aria_sort"] == "descending"
    assert headers["Time (UTC)"]["url"] == "?action=view&sort=occurred_at"
    assert headers["Role"]["url"] == ""


def test_an_end_date_before_the_start_shows_an_error_and_no_events(world, events, auditor):
    response = auditor.get(REPORT, {"date_from": "2026-10-03", "date_to": "2026-10-01"})
    assert response.status_code == 200
    assert response.context["form"].errors["date_to"]
    assert response.context["rows"] == []
    html = response.content.decode()
    assert "must not be before its start" in html
    assert 'aria-describedby="id_date_to_error" aria-invalid="true"' in html


def test_no_matching_events_shows_the_empty_state(world, events, auditor):
    response = auditor.get(REPORT, {"user": "nobody"})
    assert "No audit events match these filters" in response.content.decode()


def test_viewing_the_report_writes_exactly_one_list_event_with_the_filters(world, events, auditor):
    client = auditor
    before = AuditEvent.objects.count()
    client.get(REPORT, {"action": "view", "sort": "outcome"})
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("seq")
    assert (event.action, event.actor, event.object_type) == (Action.LIST, world.audrey, "audit.auditevent")
    assert event.detail == {"filters": {"action": "view"}, "sort": "outcome", "page": 1, "shown": 2}


def test_the_report_is_paginated_fifty_to_a_page(world, auditor):
    for _ in range(50):
        audit_record(action=Action.VIEW, actor=world.alice)
    first_page = auditor.get(REPORT)
    assert len(first_page.context["rows"]) == 50
    assert first_page.context["page_obj"].paginator.num_pages == 2
    assert "Page 1 of 2" in first_page.content.decode()
    # The first page's own list event is newest, so page 2 now holds the two oldest: an event and the sign-in.
    assert shown_seqs(auditor.get(REPORT, {"page": 2})) == [2, 1]


def test_the_export_has_the_filtered_events_in_the_chosen_order(world, events, auditor):
    response = auditor.get(EXPORT, {"action": "view", "sort": "occurred_at"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    header, *rows = csv_rows(response)
    assert header[:3] == ["seq", "occurred_at_utc", "user"]
    assert [row[0] for row in rows] == ["2", "5"]
    assert rows[0][1] == "2026-10-01T12:00:00.000000Z"
    assert rows[0][6] == world.patient_a.record_number


def test_the_export_neutralises_spreadsheet_formulas(world, events, auditor):
    audit_record(
        action=Action.VIEW,
        actor=world.alice,
        object_id="+1",
        detail={"q": "x"},
        object_type="-2",
        username="",
    )
    rows = csv_rows(auditor.get(EXPORT))[1:]
    by_seq = {row[0]: row for row in rows}
    assert by_seq["4"][2] == '\'=HYPERLINK("http://evil")'
    assert by_seq["6"][7:9] == ["'-2", "'+1"]


def test_exporting_writes_exactly_one_export_event_with_the_filters_and_row_count(world, events, auditor):
    client = auditor
    before = AuditEvent.objects.count()
    response = client.get(EXPORT, {"user": "a"})
    rows = csv_rows(response)[1:]
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("seq")
    assert (event.action, event.actor, event.object_type) == (Action.EXPORT, world.audrey, "audit.auditevent")
    assert event.detail == {"filters": {"user": "a"}, "sort": "-occurred_at", "rows": 3}
    # The file holds what the event counted, not the export's own event.
    assert len(rows) == 3


def test_an_export_with_invalid_filters_goes_back_to_the_report_without_exporting(world, events, auditor):
    client = auditor
    before = AuditEvent.objects.count()
    response = client.get(EXPORT, {"date_from": "2026-10-03", "date_to": "2026-10-01"})
    assert response.status_code == 302
    assert response["Location"].startswith(REPORT + "?")
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()
    assert AuditEvent.objects.count() == before


def test_the_export_link_keeps_the_current_filters(world, events, auditor):
    response = auditor.get(REPORT, {"action": "view", "page": "1"})
    assert f'href="{EXPORT}?action=view"' in response.content.decode()


@pytest.mark.parametrize("url", [REPORT, EXPORT])
def test_an_anonymous_visitor_is_sent_to_sign_in(db, client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize("url", [REPORT, EXPORT])
@pytest.mark.parametrize("persona", ["alice", "dana", "adam", "pat_a"])
def test_staff_other_than_auditors_and_patients_are_refused(world, client_for, url, persona):
    response = client_for(getattr(world, persona)).get(url)
    assert response.status_code == 403
    refusal = AuditEvent.objects.latest("seq")
    assert (refusal.action, refusal.outcome) == (Action.ACCESS_REFUSED, Outcome.REFUSED)
    assert not AuditEvent.objects.filter(action__in=[Action.LIST, Action.EXPORT]).exists()
