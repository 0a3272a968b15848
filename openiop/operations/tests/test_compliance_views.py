"""The compliance page and its CSV: who may open them, the name rule, filters, bad filters, audit events."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from openiop.audit.models import AuditEvent
from openiop.intake.models import DueItem, DueItemKind
from openiop.notes.tests.factories import draft_note

pytestmark = pytest.mark.django_db

PAGE = "operations:compliance"
EXPORT = "operations:compliance_export"


@pytest.fixture
def due(world):
    """An overdue initial plan for patient_a (alice), a plan due in 3 days for patient_b (bob), and an
    unsigned note of alice's from five days ago."""
    today = timezone.localdate()
    DueItem.objects.create(
        episode=world.patient_a.episodes.get(status="active"),
        kind=DueItemKind.INITIAL_TREATMENT_PLAN,
        due_on=today - datetime.timedelta(days=4),
        owner=world.alice,
    )
    DueItem.objects.create(
        episode=world.patient_b.episodes.get(status="active"),
        kind=DueItemKind.INITIAL_TREATMENT_PLAN,
        due_on=today + datetime.timedelta(days=3),
        owner=world.bob,
    )
    draft_note(world, day=today - datetime.timedelta(days=5))
    return world


def get(client, name, **query):
    return client.get(reverse(name), query)


def rows_of(response):
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_director_sees_the_lists_with_names_linked_to_the_chart(due, client_for):
    response = get(client_for(due.dana), PAGE)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Avery Synthetic" in body
    assert reverse("patients:chart", args=[due.patient_a.uuid]) in body
    assert "Overdue" in body and "Due soon" in body
    assert "Unsigned more than 72 hours after the service" in body
    assert "Alice Test" in body and "Bob Test" in body
    owners = body[body.index('id="compliance-owners"') : body.index('id="list-initial_plan"')]
    # alice: the overdue plan and the unsigned note, both late; bob: one plan due soon.
    assert "<td>2</td>\n      <td>2</td>" in owners
    assert "<td>1</td>\n      <td>0</td>" in owners


def test_auditor_sees_record_numbers_only(due, client_for):
    response = get(client_for(due.audrey), PAGE, program=due.program_a.uuid)
    assert response.status_code == 200
    body = response.content.decode()
    assert due.patient_a.record_number in body
    assert "Avery" not in body and "Blake" not in body
    assert reverse("patients:chart", args=[due.patient_a.uuid]) not in body


@pytest.mark.parametrize("role", ["alice", "bob", "paul", "ivan", "charlie", "adam", "pat_a"])
def test_everyone_else_is_refused(due, client_for, role):
    client = client_for(getattr(due, role))
    assert get(client, PAGE).status_code == 403
    assert get(client, EXPORT).status_code == 403


def test_director_is_refused_a_program_they_do_not_work_in(due, client_for):
    response = get(client_for(due.dana), PAGE, program=due.program_b.uuid)
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action="access_refused", object_id=str(due.program_b.uuid)).exists()
    assert get(client_for(due.dana), EXPORT, program=due.program_b.uuid).status_code == 403


def test_auditor_reads_any_program(due, client_for):
    response = get(client_for(due.audrey), PAGE, program=due.program_b.uuid)
    assert response.status_code == 200
    assert due.patient_a.record_number not in response.content.decode()


def test_page_is_audited_once_with_filters_and_counts_and_no_names(due, client_for):
    client = client_for(due.dana)
    before = AuditEvent.objects.count()
    get(client, PAGE, kind="initial_plan")
    events = list(AuditEvent.objects.order_by("seq")[before:])
    assert [e.action for e in events] == ["list"]
    detail = events[0].detail
    assert detail["program"] == str(due.program_a.uuid)
    assert detail["kind"] == "initial_plan"
    assert detail["counts"]["initial_plan"] == 2
    assert "Avery" not in str(detail) and due.patient_a.record_number not in str(detail)


def test_kind_filter_shows_one_list(due, client_for):
    body = get(client_for(due.dana), PAGE, kind="unsigned_note").content.decode()
    assert 'id="list-unsigned_note"' in body
    assert 'id="list-initial_plan"' not in body


def test_overdue_only_hides_what_is_not_late(due, client_for):
    body = get(client_for(due.dana), PAGE, status="late").content.decode()
    assert due.patient_a.record_number in body
    assert "Blake" not in body


def test_owner_filter(due, client_for):
    body = get(client_for(due.dana), PAGE, owner=due.bob.uuid).content.decode()
    assert "Blake Synthetic" in body
    assert "Avery Synthetic" not in body


def test_track_filter(due, client_for):
    body = get(client_for(due.dana), PAGE, track=due.track_a.uuid).content.decode()
    assert "Avery Synthetic" in body
    assert "Blake Synthetic" not in body  # patient_b has no track


def test_empty_lists_say_so(world, client_for):
    body = get(client_for(world.dana), PAGE).content.decode()
    assert "No initial treatment plans due within 7 days or overdue." in body
    assert "No unsigned notes due within 7 days or overdue." in body


@pytest.mark.parametrize(
    "query, message",
    [
        ({"program": "not-a-uuid"}, "Choose a program from the list."),
        ({"kind": "everything"}, "Select a valid choice."),
        ({"status": "late-ish"}, "Select a valid choice."),
        ({"owner": "00000000-0000-0000-0000-000000000000"}, "Choose an owner from the list."),
        ({"track": "nope"}, "Choose a track from the list."),
    ],
)
def test_bad_filters_re_render_with_an_error(due, client_for, query, message):
    response = get(client_for(due.dana), PAGE, **query)
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert 'aria-invalid="true"' in body
    assert "Avery" not in body


def test_track_of_another_program_is_an_error(due, client_for):
    from openiop.programs.models import Track

    other = Track.objects.create(
        program=due.program_b,
        name="Evening",
        weekdays=[1, 3],
        start_time=datetime.time(17),
        end_time=datetime.time(20),
    )
    body = get(client_for(due.dana), PAGE, track=other.uuid).content.decode()
    assert "This track is not part of the chosen program." in body


def test_csv_of_one_list_has_the_screens_columns_and_is_audited(due, client_for):
    before = AuditEvent.objects.filter(action="export").count()
    response = get(client_for(due.dana), EXPORT, program=due.program_a.uuid, kind="initial_plan")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    header, *rows = rows_of(response)
    assert header == [
        "program",
        "list",
        "record_number",
        "patient",
        "what",
        "owner",
        "due",
        "status",
        "days_overdue",
    ]
    assert [r[2] for r in rows] == [due.patient_a.record_number, due.patient_b.record_number]
    assert rows[0][3] == "Avery Synthetic"
    assert rows[0][7] == "Overdue" and rows[0][8] == "4"
    assert rows[1][7] == "Due soon" and rows[1][8] == "0"
    assert {r[1] for r in rows} == {"Initial treatment plans"}
    assert AuditEvent.objects.filter(action="export").count() == before + 1


def test_auditor_csv_has_no_names(due, client_for):
    header, *rows = rows_of(get(client_for(due.audrey), EXPORT, program=due.program_a.uuid))
    assert rows
    assert all(r[3] == "" for r in rows)
    assert {r[1] for r in rows} == {"Initial treatment plans", "Unsigned notes"}


def test_csv_neutralises_formulas(due, client_for):
    due.alice.first_name = "=SUM(1)"
    due.alice.save()
    _header, *rows = rows_of(get(client_for(due.dana), EXPORT, kind="unsigned_note"))
    assert rows[0][5].startswith("'=SUM(1)")


def test_csv_with_bad_filters_goes_back_to_the_page(due, client_for):
    response = get(client_for(due.dana), EXPORT, kind="everything")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(PAGE))
