"""The notes pages: writing, the conflict screen, signing and the lock, PDFs, co-signature, the group note
screen and its fan-out into each chart, and the unsigned lists. Access per role is walked in routes.py."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from openiop.audit.models import Action, AuditEvent
from openiop.notes.models import GroupNote, Note, NoteStatus
from openiop.notes.services import group_note_sign, note_sign
from openiop.patients.services import break_glass_open
from openiop.scheduling.models import AttendanceStatus, SessionAttendee

from .factories import DAP, ENTRY, draft_note, group_of

pytestmark = pytest.mark.django_db


def events(**filters):
    return AuditEvent.objects.filter(**filters)


def test_writing_a_note_shows_the_formats_sections_then_saves_a_draft(world, client_for):
    client = client_for(world.alice)
    url = reverse("notes:note_create", args=[world.patient_a.uuid])
    step = client.get(url, {"note_type": "psychiatric", "format_id": "soap", "session": ""})
    assert step.status_code == 200
    assert b"Subjective" in step.content and b"Medications reviewed" in step.content
    before = AuditEvent.objects.count()
    response = client.post(
        url,
        {
            "note_type": "psychiatric",
            "format_id": "soap",
            "session": "",
            "date_of_service": "2026-11-16",
            "start_time": "13:00",
            "end_time": "13:30",
            "section_subjective": "Sleeping 6 hours.",
        },
    )
    note = Note.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "notes:note_edit", args=[note.uuid]
    )
    assert (note.note_type, note.format_id, note.minutes) == ("psychiatric", "soap", 30)
    assert list(AuditEvent.objects.filter(seq__gt=before).values_list("action", flat=True)) == [Action.CREATE]


def test_a_bad_time_re_renders_the_form_with_the_text_kept(world, client_for):
    response = client_for(world.alice).post(
        reverse("notes:note_create", args=[world.patient_a.uuid]),
        {
            "note_type": "individual",
            "format_id": "dap",
            "date_of_service": "2026-11-16",
            "start_time": "13:00",
            "end_time": "12:00",
            "section_data": "Kept text",
        },
    )
    assert response.status_code == 200
    assert b"The end time must be after the start time." in response.content
    assert b"Kept text" in response.content
    assert not Note.objects.exists()


def _edit(client, note, version, data_text, sign=False):
    body = {
        "version": version,
        "date_of_service": "2026-11-16",
        "start_time": "10:00",
        "end_time": "10:50",
        "section_data": data_text,
        "section_assessment": DAP["assessment"],
        "section_plan": DAP["plan"],
    }
    if sign:
        body["sign"] = "1"
    return client.post(reverse("notes:note_edit", args=[note.uuid]), body)


def test_a_stale_save_keeps_my_text_and_shows_the_saved_text(world, client_for):
    note = draft_note(world)
    client = client_for(world.alice)
    assert _edit(client, note, 1, "From the first tab").status_code == 302
    response = _edit(client, note, 1, "From the second tab")
    assert response.status_code == 200
    body = response.content.decode()
    assert "From the second tab" in body  # my text, kept in the form
    assert "The saved text" in body and "From the first tab" in body  # the saved text beside it
    assert 'name="version" value="2"' in body  # the next save starts from the saved version
    assert Note.objects.get(pk=note.pk).content["data"] == "From the first tab"
    assert _edit(client, note, 2, "Merged").status_code == 302
    assert Note.objects.get(pk=note.pk).content["data"] == "Merged"


def test_save_and_sign_then_the_edit_page_refuses_any_change(world, client_for):
    note = draft_note(world, content={"data": "only"})
    client = client_for(world.alice)
    incomplete = client.post(
        reverse("notes:note_edit", args=[note.uuid]),
        {"version": 1, "date_of_service": "2026-11-16", "section_data": "only", "sign": "1"},
    )
    assert incomplete.status_code == 200
    assert b"Assessment is required before the note is signed." in incomplete.content
    assert Note.objects.get(pk=note.pk).status == NoteStatus.DRAFT
    signed = _edit(client, note, 2, "Final", sign=True)
    assert signed.status_code == 302
    note.refresh_from_db()
    assert note.status == NoteStatus.SIGNED and note.content["data"] == "Final"
    tampered = _edit(client, note, note.version, "Changed after signing")
    assert tampered.status_code == 302 and tampered["Location"] == reverse(
        "notes:note_detail", args=[note.uuid]
    )
    assert Note.objects.get(pk=note.pk).content["data"] == "Final"


def test_reading_a_note_is_one_audited_view_and_break_the_glass_reads_only(world, client_for):
    note = note_sign(note=draft_note(world), version=1, by=world.alice)
    client = client_for(world.bob)
    assert client.get(reverse("notes:note_detail", args=[note.uuid])).status_code == 302  # to break-the-glass
    access = break_glass_open(user=world.bob, patient=world.patient_a, reason="Crisis call, alice away")
    before = AuditEvent.objects.count()
    response = client.get(reverse("notes:note_detail", args=[note.uuid]))
    assert response.status_code == 200 and DAP["assessment"].encode() in response.content
    (event,) = AuditEvent.objects.filter(seq__gt=before)
    assert (event.action, event.patient, event.detail) == (
        Action.VIEW,
        world.patient_a,
        {"break_glass": str(access.uuid)},
    )
    assert b"Add and sign the addendum" not in response.content
    refused = client.post(reverse("notes:note_addendum", args=[note.uuid]), {"text": "x"})
    assert refused.status_code == 403


def test_the_pdf_of_a_signed_note_is_audited_as_an_export_and_drafts_have_none(world, client_for):
    note = draft_note(world)
    client = client_for(world.alice)
    assert client.get(reverse("notes:note_pdf", args=[note.uuid])).status_code == 302
    note_sign(note=note, version=1, by=world.alice)
    response = client.get(reverse("notes:note_pdf", args=[note.uuid]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert events(action=Action.EXPORT, object_id=str(note.uuid), patient=world.patient_a).count() == 1


def test_the_supervisor_co_signs_from_the_note(world, client_for):
    world.alice.staff_profile.supervisor = world.dana
    world.alice.staff_profile.save()
    note = note_sign(note=draft_note(world), version=1, by=world.alice)
    page = client_for(world.dana).get(reverse("notes:note_detail", args=[note.uuid]))
    assert b"Co-sign" in page.content
    response = client_for(world.dana).post(reverse("notes:note_cosign", args=[note.uuid]))
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.status == NoteStatus.SIGNED and note.cosigned_at is not None


def _group_post(session, rows, *, version="", sign=False, topic="Sleep hygiene"):
    body = {
        "version": version,
        "topic": topic,
        "interventions": "CBT-I psychoeducation",
        "group_process": "Cohesive",
        "entries-TOTAL_FORMS": len(rows),
        "entries-INITIAL_FORMS": len(rows),
    }
    for i, (episode, objectives) in enumerate(rows):
        body[f"entries-{i}-episode"] = str(episode.uuid)
        for name, value in ENTRY.items():
            body[f"entries-{i}-{name}"] = f"{value} ({episode.patient.legal_given_name})"
        body[f"entries-{i}-objectives"] = [str(o.uuid) for o in objectives]
    if sign:
        body["sign"] = "1"
    return body


def _ordered(episodes):
    return sorted(episodes, key=lambda e: (e.patient.legal_family_name, e.patient.legal_given_name, e.pk))


def test_the_group_note_is_one_screen_for_everyone_present_and_signs_once(world, client_for):
    session, episodes, plans = group_of(world, 8)
    SessionAttendee.objects.filter(session=session, episode=episodes[7]).update(
        status=AttendanceStatus.ABSENT_UNEXCUSED, minutes_attended=0
    )
    present = _ordered(episodes[:7])
    client = client_for(world.alice)
    url = reverse("notes:group_note", args=[session.uuid])
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert body.count('class="group-entry') == 7
    assert episodes[7].patient.legal_given_name not in body
    assert "Do not name or describe any patient here" in body
    rows = [(e, [plans[e.uuid][1]]) for e in present]
    assert client.post(url, _group_post(session, rows)).status_code == 302
    note = GroupNote.objects.get(session=session)
    assert note.entries.count() == 7 and note.version == 1
    response = client.post(url, _group_post(session, rows, version=1, sign=True))
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.status == NoteStatus.SIGNED and note.entries.count() == 7
    entry = note.entries.get(episode=present[0])
    assert list(entry.objectives.all()) == [plans[present[0].uuid][1]]
    locked = client.get(url).content.decode()
    assert "Save and sign" not in locked and "Addenda to the shared part" in locked


def test_group_entry_errors_show_on_the_persons_row(world, client_for):
    session, episodes, plans = group_of(world, 2)
    episodes = _ordered(episodes)
    client = client_for(world.alice)
    url = reverse("notes:group_note", args=[session.uuid])
    body = _group_post(session, [(e, []) for e in episodes], sign=True)
    response = client.post(url, body)
    assert response.status_code == 200
    assert b"Link at least one of this person&#x27;s plan objectives." in response.content
    assert GroupNote.objects.get().status == NoteStatus.DRAFT
    assert b'name="version" value="1"' in response.content  # the draft was saved; signing was refused


def test_a_chart_shows_its_own_group_entry_and_never_another_attendees(world, client_for):
    session, episodes, plans = group_of(world, 2)
    from openiop.notes.services import EntryInput, group_note_save

    note = group_note_save(
        session=session,
        by=world.alice,
        topic="Coping ahead",
        interventions="DBT cope ahead",
        group_process="Engaged",
        entries={
            episodes[0].uuid: EntryInput(
                **{**ENTRY, "participation": "FIRST-PERSON-ONLY"},
                objectives=[plans[episodes[0].uuid][0].uuid],
            ),
            episodes[1].uuid: EntryInput(
                **{**ENTRY, "participation": "SECOND-PERSON-ONLY"},
                objectives=[plans[episodes[1].uuid][0].uuid],
            ),
        },
        today=session.date + datetime.timedelta(days=1),
    )
    group_note_sign(group_note=note, version=note.version, by=world.alice)
    first, second = episodes[0].patient, episodes[1].patient
    client = client_for(world.alice)
    chart = client.get(reverse("patients:chart", args=[first.uuid])).content.decode()
    entry = note.entries.get(patient=first)
    assert reverse("notes:entry_detail", args=[entry.uuid]) in chart and "Group note" in chart
    page = client.get(reverse("notes:entry_detail", args=[entry.uuid])).content.decode()
    assert "FIRST-PERSON-ONLY" in page and "Coping ahead" in page
    assert "SECOND-PERSON-ONLY" not in page and second.legal_given_name not in page
    pdf = client.get(reverse("notes:entry_pdf", args=[entry.uuid]))
    assert pdf.status_code == 200 and events(action=Action.EXPORT, patient=first).count() == 1


def test_the_chart_panel_is_hidden_from_staff_who_do_not_read_notes(world, client_for):
    note_sign(note=draft_note(world), version=1, by=world.alice)
    chart = client_for(world.ivan).get(reverse("patients:chart", args=[world.patient_a.uuid]))
    assert chart.status_code == 200 and b"Clinical notes" not in chart.content
    chart = client_for(world.dana).get(reverse("patients:chart", args=[world.patient_a.uuid]))
    assert b"Clinical notes" in chart.content and b"Write a note" not in chart.content


def test_my_day_and_the_program_page_list_unsigned_notes_by_age(world, client_for):
    now = timezone.now()
    draft_note(world, day=timezone.localdate() - datetime.timedelta(days=5))  # over 72 h
    draft_note(world, day=timezone.localdate() - datetime.timedelta(days=2))  # over 24 h
    draft_note(world, patient=world.patient_b, by=world.bob, day=timezone.localdate())  # not due yet
    assert now
    my_day = client_for(world.alice).get(reverse("home:my_day")).content.decode()
    assert "2 unsigned notes" in my_day and "1 over 24 h" in my_day and "1 over 72 h" in my_day
    page = client_for(world.dana).get(reverse("notes:program_unsigned", args=[world.program_a.uuid]))
    body = page.content.decode()
    assert page.status_code == 200
    assert body.index("Alice Test") < body.index("Bob Test")  # by clinician, in name order
    assert events(action=Action.LIST, object_id=str(world.program_a.uuid)).count() == 1
