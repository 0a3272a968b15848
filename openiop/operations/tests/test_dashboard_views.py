"""The dashboard page, its people lists and CSV exports, and the monthly PDF: by role, with bad filters."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import make_user
from openiop.accounts.models import Role
from openiop.audit.models import Action, AuditEvent
from openiop.scheduling.tests.factories import extra_patients

from .test_dashboard_factories import query, under_target_week

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("operations:dashboard")
PEOPLE = reverse("operations:people")


def test_director_sees_the_figures_with_charts_and_tables(world, client_for):
    under_target_week(world)
    response = client_for(world.dana).get(DASHBOARD, query(world))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Program dashboard" in body and 'role="img"' in body
    assert "Under target: 1" in body
    assert "Attendance, hours vs target and changes of level" in body
    assert "<caption>" in body
    event = AuditEvent.objects.filter(action=Action.VIEW, object_type="programs.program").latest("seq")
    assert event.detail["program"] == str(world.program_a.uuid)
    assert "Synthetic" not in str(event.detail)


def test_the_default_filters_show_the_last_twelve_weeks(world, client_for):
    response = client_for(world.dana).get(DASHBOARD)
    assert response.status_code == 200
    assert response.context["board"] is not None
    assert (response.context["board"].end - response.context["board"].start).days >= 84


def test_bad_filters_re_render_with_errors(world, client_for):
    response = client_for(world.dana).get(
        DASHBOARD, query(world, **{"from": "2026-11-22", "to": "2026-11-01"})
    )
    assert response.status_code == 200
    assert "The end of the period must not be before its start." in response.content.decode()
    assert "board" not in response.context
    response = client_for(world.dana).get(DASHBOARD, query(world, **{"from": "not a date"}))
    assert response.status_code == 200 and "Enter a valid date." in response.content.decode()


def test_a_track_of_another_program_is_refused_as_a_filter(world, client_for):
    from openiop.programs.models import Track

    other = Track.objects.create(
        program=world.program_b, name="Evening", weekdays=[1], start_time="17:00", end_time="20:00"
    )
    response = client_for(world.audrey).get(DASHBOARD, query(world, track=str(other.uuid)))
    assert response.status_code == 200
    assert "Choose a track of the chosen program" in response.content.decode()


@pytest.mark.parametrize("username", ["alice", "bob", "paul", "ivan", "charlie", "adam", "pat_a"])
def test_everyone_but_directors_and_auditors_is_refused(world, client_for, username):
    response = client_for(getattr(world, username)).get(DASHBOARD, query(world))
    assert response.status_code == 403


def test_a_director_of_another_program_is_refused_program_a(world, client_for):
    other = make_user("otto", Role.PROGRAM_DIRECTOR, programs=[world.program_b])
    client = client_for(other)
    # Program A is not among otto's choices: the form says so, and the people list and CSV refuse.
    response = client.get(DASHBOARD, query(world))
    assert response.status_code == 200 and "board" not in response.context
    assert client.get(PEOPLE, query(world, figure="census")).status_code == 302
    assert client.get(DASHBOARD, {"program": str(world.program_b.uuid)}).status_code == 200


def test_program_object_rule_refuses_a_director_outside_it(world, rf):
    from django.core.exceptions import PermissionDenied

    from openiop.operations.selectors_dashboard import program_for_dashboard

    other = make_user("otto", Role.PROGRAM_DIRECTOR, programs=[world.program_b])
    request = rf.get("/operations/")
    request.user = other
    with pytest.raises(PermissionDenied):
        program_for_dashboard(request, world.program_a.uuid)
    assert AuditEvent.objects.filter(action=Action.ACCESS_REFUSED).exists()


def test_under_target_leads_to_the_people_behind_it(world, client_for):
    under_target_week(world)
    response = client_for(world.dana).get(PEOPLE, query(world, figure="under_target"))
    assert response.status_code == 200
    body = response.content.decode()
    assert world.patient_b.record_number in body and "Blake Synthetic" in body
    assert world.patient_a.record_number not in body
    assert "week of 2026-11-16: 0.0 of 9.0 h" in body
    assert reverse("patients:chart", args=[world.patient_b.uuid]) in body
    event = AuditEvent.objects.filter(action=Action.LIST).latest("seq")
    assert event.detail["figure"] == "under_target" and "Blake" not in str(event.detail)


def test_auditors_see_record_numbers_only(world, client_for):
    under_target_week(world)
    response = client_for(world.audrey).get(PEOPLE, query(world, figure="under_target"))
    body = response.content.decode()
    assert world.patient_b.record_number in body
    assert "Blake" not in body and "/patients/" not in body
    exported = client_for(world.audrey).get(
        reverse("operations:people_export"), query(world, figure="under_target")
    )
    rows = list(csv.reader(io.StringIO(exported.content.decode())))
    assert rows[1][0] == world.patient_b.record_number and rows[1][1] == ""


def test_an_unknown_figure_is_not_found(world, client_for):
    response = client_for(world.dana).get(PEOPLE, query(world, figure="no_such_figure"))
    assert response.status_code == 404


def test_table_csv_has_the_screen_figures_and_is_audited(world, client_for):
    under_target_week(world)
    response = client_for(world.dana).get(reverse("operations:export", args=["rates"]), query(world))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Figure", "Rate", "Count", "Denominator"]
    hours = next(row for row in rows if row[0].startswith("Patient-weeks"))
    assert hours[2:] == ["1", "2"]
    event = AuditEvent.objects.filter(action=Action.EXPORT).latest("seq")
    assert event.detail["table"] == "rates"


def test_people_csv_names_people_for_the_director(world, client_for):
    under_target_week(world)
    response = client_for(world.dana).get(
        reverse("operations:people_export"), query(world, figure="under_target")
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:2] == ["record_number", "name"]
    assert rows[1][:2] == [world.patient_b.record_number, "Blake Synthetic"]


def test_an_unknown_table_is_not_found(world, client_for):
    response = client_for(world.dana).get(reverse("operations:export", args=["nothing"]), query(world))
    assert response.status_code == 404


def test_monthly_report_is_a_pdf_and_is_audited(world, client_for):
    under_target_week(world)
    response = client_for(world.dana).get(
        reverse("operations:report"), {"program": str(world.program_a.uuid), "month": "2026-11"}
    )
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action=Action.PRINT, detail__month="2026-11").exists()


def test_monthly_report_with_a_bad_month_goes_back_to_the_dashboard(world, client_for):
    response = client_for(world.dana).get(
        reverse("operations:report"), {"program": str(world.program_a.uuid), "month": "2026-13"}
    )
    assert response.status_code == 302


def _dashboard_queries(client, world) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(DASHBOARD, query(world)).status_code == 200
    return len(captured)


def test_the_page_keeps_a_fixed_number_of_queries_as_patients_grow(world, client_for):
    client = client_for(world.dana)
    # The first page after sign-in renews the session (accounts/middleware.py); neither counted one does.
    assert client.get(DASHBOARD, query(world)).status_code == 200
    more = extra_patients(world, 1)
    under_target_week(world, extra=more)
    small = _dashboard_queries(client, world)  # 3 patients in program A
    more = extra_patients(world, 9, start=1)
    under_target_week(world, extra=more)
    assert _dashboard_queries(client, world) == small  # 12 patients


def test_a_caseload_leads_to_the_members_patients(world, client_for):
    client = client_for(world.dana)
    body = client.get(DASHBOARD, query(world)).content.decode()
    figure = f"caseload:{world.alice.uuid}:Primary clinician"
    assert f"figure=caseload%3A{world.alice.uuid}%3APrimary%20clinician" in body
    response = client.get(PEOPLE, query(world, figure=figure))
    assert response.status_code == 200
    assert world.patient_a.record_number in response.content.decode()
    assert world.patient_b.record_number not in response.content.decode()
