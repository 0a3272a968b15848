"""Tasks on My day: "Done" swaps the row in place through htmx."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from openiop.home.models import Task, TaskStatus

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = "Call Avery's referring doctor back"


def test_clinician_marks_a_task_done_and_the_row_is_replaced_in_place(page, world):
    task = Task.objects.create(
        title=TITLE, assigned_to=world.alice, patient=world.patient_a, due_on=timezone.localdate()
    )
    sign_in(page, "alice", PASSWORD)
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("My day")
    tasks = page.locator("section").filter(has=page.get_by_role("heading", name="Tasks"))
    expect(tasks).to_contain_text(TITLE)
    assert_accessible(page)
    url = page.url
    # A full page load would drop this marker; an htmx swap keeps it.
    page.evaluate("window.stillTheSamePage = true")

    # The button's accessible name says which task it completes.
    done = tasks.get_by_role("button", name=f"Done: {TITLE}", exact=True)
    done.click()

    expect(tasks.locator(f"#task-{task.uuid}")).to_have_text(f"Done: {TITLE}")
    expect(tasks.get_by_role("status")).to_have_text(f"Done: {TITLE}")
    expect(done).to_have_count(0)
    assert page.url == url
    assert page.evaluate("window.stillTheSamePage") is True
    expect(heading).to_contain_text("My day")
    assert_accessible(page)
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE

    page.reload()
    expect(tasks).to_contain_text("No open tasks")
    expect(tasks).not_to_contain_text(TITLE)
    assert_accessible(page)
