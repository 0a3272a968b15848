"""The notes API: drafts with versions (412 when stale), the lock (409), signing rules (422), group notes
with their fan-out, an attendee's entry without the others, and reads audited."""

import pytest

from openiop.api.tests.conftest import api_client  # noqa: F401  (the fixture)
from openiop.audit.models import Action, AuditEvent
from openiop.notes.models import Note

from .factories import DAP, ENTRY, draft_note, group_of, written_group_note

pytestmark = pytest.mark.django_db


def test_a_draft_is_created_saved_from_its_version_and_a_stale_save_is_412(world, api_client):  # noqa: F811
    client = api_client(world.alice)
    created = client.post(
        f"/api/v1/patients/{world.patient_a.uuid}/notes",
        {
            "note_type": "family",
            "format": "birp",
            "date_of_service": "2026-11-16",
            "content": {"behavior": "x"},
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft" and body["version"] == 1
    assert [s["key"] for s in body["sections"]] == ["behavior", "intervention", "response", "plan"]
    url = f"/api/v1/notes/{body['uuid']}/draft"
    content = {"behavior": "b", "intervention": "i", "response": "r", "plan": "p"}
    first = client.post(url, {"version": 1, "content": content}, content_type="application/json")
    assert first.status_code == 200 and first.json()["version"] == 2
    second = client.post(
        url, {"version": 1, "content": {"behavior": "mine"}}, content_type="application/json"
    )
    assert second.status_code == 412
    assert second["Content-Type"] == "application/problem+json"
    assert "version 2" in second.json()["detail"]
    assert Note.objects.get(uuid=body["uuid"]).content["behavior"] == "b"


def test_signing_needs_the_required_sections_then_locks_the_note(world, api_client):  # noqa: F811
    client = api_client(world.alice)
    note = draft_note(world, content={"data": "Only data."})
    refused = client.post(f"/api/v1/notes/{note.uuid}/sign", {"version": 1}, content_type="application/json")
    assert refused.status_code == 422
    assert {tuple(e["loc"]) for e in refused.json()["errors"]} == {
        ("body", "content.assessment"),
        ("body", "content.plan"),
    }
    client.post(
        f"/api/v1/notes/{note.uuid}/draft", {"version": 1, "content": DAP}, content_type="application/json"
    )
    signed = client.post(f"/api/v1/notes/{note.uuid}/sign", {"version": 2}, content_type="application/json")
    assert signed.status_code == 200 and signed.json()["status"] == "signed"
    for url, body in (
        (f"/api/v1/notes/{note.uuid}/draft", {"version": 3, "content": DAP}),
        (f"/api/v1/notes/{note.uuid}/sign", {"version": 3}),
    ):
        response = client.post(url, body, content_type="application/json")
        assert response.status_code == 409, url
    assert Note.objects.get(pk=note.pk).content == DAP
    addendum = client.post(
        f"/api/v1/notes/{note.uuid}/addenda",
        {"text": "Late lab result reviewed."},
        content_type="application/json",
    )
    assert addendum.status_code == 201
    assert (
        client.get(f"/api/v1/notes/{note.uuid}").json()["addenda"][0]["text"] == "Late lab result reviewed."
    )


def test_an_addendum_on_a_draft_is_409(world, api_client):  # noqa: F811
    note = draft_note(world)
    response = api_client(world.alice).post(
        f"/api/v1/notes/{note.uuid}/addenda", {"text": "x"}, content_type="application/json"
    )
    assert response.status_code == 409


def test_group_note_through_the_api_fans_out_and_an_entry_shows_no_one_else(world, api_client):  # noqa: F811
    session, episodes, plans = group_of(world, 3)
    client = api_client(world.alice)
    body = {
        "topic": "Distress tolerance",
        "interventions": "DBT TIPP skills",
        "group_process": "Supportive",
        "entries": [
            {"episode": str(e.uuid), **ENTRY, "objectives": [str(plans[e.uuid][0].uuid)]} for e in episodes
        ],
    }
    created = client.post(
        f"/api/v1/sessions/{session.uuid}/group-note", body, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    group = created.json()
    assert len(group["entries"]) == 3
    again = client.post(
        f"/api/v1/sessions/{session.uuid}/group-note", {**body, "version": 1}, content_type="application/json"
    )
    assert again.status_code == 200 and len(again.json()["entries"]) == 3
    stale = client.post(
        f"/api/v1/sessions/{session.uuid}/group-note", {**body, "version": 1}, content_type="application/json"
    )
    assert stale.status_code == 412
    signed = client.post(
        f"/api/v1/group-notes/{group['uuid']}/sign", {"version": 2}, content_type="application/json"
    )
    assert signed.status_code == 200 and signed.json()["status"] == "signed"
    entry = signed.json()["entries"][0]
    detail = client.get(f"/api/v1/group-entries/{entry['uuid']}").json()
    assert detail["entry"]["patient"]["uuid"] == entry["patient"]["uuid"]
    others = {e["patient"]["name"] for e in signed.json()["entries"]} - {entry["patient"]["name"]}
    assert not any(name in str(detail) for name in others)
    assert (
        client.post(
            f"/api/v1/sessions/{session.uuid}/group-note",
            {**body, "version": 3},
            content_type="application/json",
        ).status_code
        == 409
    )


def test_objectives_of_another_person_are_refused_422(world, api_client):  # noqa: F811
    session, episodes, plans = group_of(world, 2)
    body = {
        "topic": "x",
        "entries": [{"episode": str(episodes[0].uuid), "objectives": [str(plans[episodes[1].uuid][0].uuid)]}],
    }
    response = api_client(world.alice).post(
        f"/api/v1/sessions/{session.uuid}/group-note", body, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", f"entries.{episodes[0].uuid}.objectives"]


def test_reads_are_audited_with_the_api_channel_and_unsigned_notes_listed(world, api_client):  # noqa: F811
    session, episodes, plans = group_of(world, 1)
    written_group_note(world, session, episodes, plans)
    draft_note(world)
    client = api_client(world.alice)
    client.get(f"/api/v1/patients/{world.patient_a.uuid}/notes")
    event = AuditEvent.objects.filter(action=Action.LIST, patient=world.patient_a).latest("seq")
    assert event.detail["channel"] == "api"
    unsigned = client.get("/api/v1/me/unsigned-notes").json()["unsigned"]
    assert sorted(row["kind"] for row in unsigned) == ["group_note", "note"]
    assert all(row["age"] == "over_72h" for row in unsigned)
