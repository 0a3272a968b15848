"""A facilitator ties a group session to a lesson, gives its homework, records practice; the chart shows it."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from openiop.scheduling.models import AttendanceStatus
from openiop.scheduling.selectors import week_start_of
from openiop.skills.models import Homework, PracticeLogEntry
from openiop.skills.tests.factories import load_shipped, skills_session

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_facilitator_teaches_a_lesson_gives_homework_and_records_practice(page, world):
    load_shipped()
    last_monday = week_start_of(timezone.localdate()) - datetime.timedelta(days=7)
    session = skills_session(world, last_monday, [world.patient_a.episodes.get()])
    session.attendees.update(status=AttendanceStatus.PRESENT, minutes_attended=180)

    sign_in(page, "alice", PASSWORD)
    page.goto(reverse("skills:sessions") + f"?week={last_monday.isoformat()}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Group sessions and their lessons")
    assert_accessible(page)
    page.get_by_role("link", name="Set the lesson").click()

    page.get_by_label("Lesson taught").select_option(label="Calming the body")
    page.get_by_role("button", name="Save lesson").click()
    expect(page.get_by_role("status")).to_contain_text("Lesson set: Coping skills: Calming the body")
    expect(page.get_by_role("link", name="Calming the body")).to_be_visible()
    expect(page.get_by_label("Avery Synthetic")).to_be_checked()
    expect(page.get_by_label("Homework (required)")).to_have_value(re.compile("calming method"))
    assert_accessible(page)
    page.get_by_role("button", name="Give homework").click()
    expect(page.get_by_role("status")).to_contain_text("Homework given to 1 person.")

    page.goto(reverse("patients:chart", args=[world.patient_a.uuid]))
    page.get_by_role("link", name="Record practice").click()
    page.get_by_label("Skill from the curriculum").select_option(label="Calming the body")
    page.get_by_label("Situation").fill("Crowded bus on the way to group.")
    page.get_by_label("Distress before (0–10)").fill("11")
    page.get_by_label("Distress after (0–10)").fill("3")
    page.get_by_role("button", name="Save practice").click()
    expect(page.get_by_role("alert")).to_contain_text("less than or equal to 10")
    assert_accessible(page)
    page.get_by_label("Distress before (0–10)").fill("8")
    page.get_by_role("button", name="Save practice").click()
    expect(page.get_by_role("status")).to_contain_text("Practice recorded.")
    expect(page.get_by_role("table", name="Skills practice, newest first")).to_contain_text("8 → 3")
    assert_accessible(page)

    page.goto(reverse("patients:chart", args=[world.patient_a.uuid]))
    panel = page.locator("section", has=page.get_by_role("heading", name="Skills and homework"))
    expect(panel.get_by_role("table", name="Open homework, by due date")).to_contain_text("Calming the body")
    expect(panel).to_contain_text(f"Had · Calming the body {last_monday.isoformat()}")
    expect(panel).to_contain_text("1 of 29 lessons had")
    expect(panel).to_contain_text("distress 8 → 3")
    assert_accessible(page)

    homework = Homework.objects.get()
    assert homework.session == session and homework.created_by == world.alice
    assert PracticeLogEntry.objects.get().distress_before == 8
