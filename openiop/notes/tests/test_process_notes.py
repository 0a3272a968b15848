"""Psychotherapy process notes: their author's alone. Every other role is refused, emergency access opens
nothing, audit events record access without content, and no chart, list, API or PDF carries them."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from openiop.audit.models import Action, AuditEvent
from openiop.notes.models import ProcessNote
from openiop.notes.services import note_sign, process_note_create, process_note_update
from openiop.patients.services import break_glass_open

from .factories import draft_note

pytestmark = pytest.mark.django_db
SECRET = "Private hypothesis about the transference."
OTHERS = ["paul", "bob", "ivan", "dana", "charlie", "audrey", "adam", "pat_a", "pat_b"]


@pytest.fixture
def process_note(world):
    return process_note_create(
        patient=world.patient_a,
        by=world.alice,
        text=SECRET,
        written_on=world.patient_a.episodes.get().admitted_on,
    )


def test_the_author_reads_and_edits_and_the_audit_holds_no_content(world, client_for, process_note):
    client = client_for(world.alice)
    page = client.get(reverse("notes:process_notes", args=[world.patient_a.uuid]))
    assert page.status_code == 200 and SECRET in page.content.decode()
    response = client.post(
        reverse("notes:process_note_edit", args=[process_note.uuid]),
        {"written_on": "2026-11-16", "text": "Revised."},
    )
    assert response.status_code == 302
    assert ProcessNote.objects.get().text == "Revised."
    for event in AuditEvent.objects.filter(object_type="notes.processnote"):
        assert event.detail.get("process_note") is True
        assert "Revised" not in str(event.detail) and "transference" not in str(event.detail)
    assert AuditEvent.objects.filter(action=Action.UPDATE, object_id=str(process_note.uuid)).count() == 1


@pytest.mark.parametrize("role", OTHERS)
def test_every_other_role_is_refused_the_note(role, world, client_for, process_note):
    user = getattr(world, role)
    response = client_for(user).get(reverse("notes:process_note_edit", args=[process_note.uuid]))
    assert response.status_code == 403
    assert SECRET not in response.content.decode()
    refusal = AuditEvent.objects.filter(action=Action.ACCESS_REFUSED, actor=user).latest("seq")
    # Refused at the gate (no treating role) or at the note itself; either way recorded, without content.
    assert refusal.object_id in ("", str(process_note.uuid)) and SECRET not in str(refusal.detail)


def test_a_care_team_colleague_sees_only_their_own_process_notes(world, client_for, process_note):
    page = client_for(world.paul).get(reverse("notes:process_notes", args=[world.patient_a.uuid]))
    assert page.status_code == 200 and SECRET not in page.content.decode()
    assert b"You have no process notes about this person." in page.content


def test_break_the_glass_opens_the_chart_but_never_process_notes(world, client_for, process_note):
    break_glass_open(user=world.bob, patient=world.patient_a, reason="Crisis call")
    client = client_for(world.bob)
    assert client.get(reverse("notes:process_notes", args=[world.patient_a.uuid])).status_code == 403
    assert client.get(reverse("notes:process_note_edit", args=[process_note.uuid])).status_code == 403
    chart = client.get(reverse("patients:chart", args=[world.patient_a.uuid])).content.decode()
    assert SECRET not in chart and "process notes" not in chart.lower()


def test_no_chart_notes_list_api_or_pdf_carries_them(world, client_for, process_note):
    note = note_sign(note=draft_note(world), version=1, by=world.alice)
    client = client_for(world.alice)
    pages = [
        reverse("patients:chart", args=[world.patient_a.uuid]),
        reverse("notes:patient_notes", args=[world.patient_a.uuid]),
        reverse("notes:note_detail", args=[note.uuid]),
        reverse("notes:my_unsigned"),
    ]
    for url in pages:
        assert SECRET not in client.get(url).content.decode(), url
    from openiop.accounts.services import token_create

    _, raw = token_create(user=world.alice, name="t")
    listed = client.get(f"/api/v1/patients/{world.patient_a.uuid}/notes", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert listed.status_code == 200 and SECRET not in listed.content.decode()
    assert len(listed.json()) == 1


def test_only_the_author_changes_one_and_text_is_required(world, process_note):
    with pytest.raises(ValidationError, match="Only the author"):
        process_note_update(
            process_note=process_note, by=world.paul, text="x", written_on=process_note.written_on
        )
    with pytest.raises(ValidationError) as refused:
        process_note_create(patient=world.patient_a, by=world.alice, text="  ", written_on=None)
    assert set(refused.value.message_dict) == {"text", "written_on"}
