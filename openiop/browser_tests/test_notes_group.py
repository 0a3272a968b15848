"""A facilitator writes one group note for 8 attendees on one screen, links each entry to one of that
person's plan objectives, signs it; a patient's chart then shows their own entry and no one else's."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from openiop.notes.models import GroupNote, NoteStatus
from openiop.notes.tests.factories import active_plan_with_objectives, attended_session
from openiop.scheduling.tests.factories import extra_patients

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_facilitator_writes_one_group_note_for_eight_attendees_and_the_chart_shows_the_entry(page, world):
    day = timezone.localdate() - datetime.timedelta(days=1)
    episodes = extra_patients(world, 8)
    session = attended_session(world, episodes, day=day)
    objectives = {
        episode.uuid: active_plan_with_objectives(
            episode, by=world.alice, texts=(f"Sleep plan {i}", f"Coping skill daily {i}")
        )
        for i, episode in enumerate(episodes)
    }

    sign_in(page, "alice", PASSWORD)
    expect(page.get_by_role("heading", name="Notes to sign")).to_be_visible()
    page.get_by_role("link", name=f"Group note: Group therapy, {day:%Y-%m-%d}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Group note: Group therapy")
    expect(page.locator("fieldset.group-entry")).to_have_count(8)
    assert_accessible(page)

    page.get_by_label("Topic").fill("Challenging unhelpful thoughts")
    page.get_by_label("Interventions").fill("CBT psychoeducation; thought records practised in pairs.")
    page.get_by_label("Group process").fill("Cohesive; members offered each other alternative thoughts.")
    for i, episode in enumerate(episodes):
        name = f"Member{i:02d} Synthetic"
        page.get_by_label(f"Participation, {name}").fill(f"Shared an example ({i}).")
        page.get_by_label(f"Mood and affect, {name}").fill("Euthymic, full range.")
        page.get_by_label(f"Progress toward objectives, {name}").fill("Completed a thought record.")
        page.get_by_label(f"Plan for next session, {name}").fill("Practise one skill daily.")
        page.locator(f"#entry-{episode.uuid}").get_by_label(f"Coping skill daily {i}").check()
    page.get_by_role("button", name="Save and sign").click()

    expect(page.get_by_role("status")).to_contain_text("Signed and locked")
    expect(page.get_by_role("table").locator("tbody tr")).to_have_count(8)
    assert_accessible(page)
    note = GroupNote.objects.get(session=session)
    assert note.status == NoteStatus.SIGNED and note.entries.count() == 8
    for entry in note.entries.prefetch_related("objectives"):
        assert list(entry.objectives.all()) == [objectives[entry.episode.uuid][1]]

    # Member03's chart shows their entry; the entry shows the shared part and theirs, nobody else's.
    member = episodes[3].patient
    page.goto(f"/patients/{member.uuid}/")
    notes = page.get_by_role("region", name="Clinical notes")
    expect(notes).to_contain_text("Group note")
    assert_accessible(page)
    notes.get_by_role("link", name=f"{day:%Y-%m-%d}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Group note: Member03 Synthetic")
    expect(page.get_by_text("Shared an example (3).")).to_be_visible()
    expect(page.get_by_text("Coping skill daily 3")).to_be_visible()
    content = page.content()
    assert "Member02" not in content and "Shared an example (2)." not in content
    assert_accessible(page)
