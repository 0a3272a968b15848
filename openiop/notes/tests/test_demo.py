"""Demo notes: signed notes of past sessions, unsigned ones past 24 h and 72 h, one group note fanned out;
loading again adds nothing."""

import datetime

import pytest

from openiop.accounts.models import User
from openiop.demo.builder import load_demo
from openiop.notes.demo import load_demo_notes
from openiop.notes.models import GroupNote, Note, NoteStatus
from openiop.notes.selectors import unsigned_of_author
from openiop.notes.timeliness import Age

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 27)


def test_demo_notes_load_once_with_signed_unsigned_and_a_group_note():
    assert load_demo(today=TODAY).created["clinical notes"] > 0  # load_demo calls load_demo_notes
    clinician = User.objects.get(username="clinician")
    signed = Note.objects.filter(author=clinician, status=NoteStatus.SIGNED)
    assert signed.exists() and all(note.session_id for note in signed)
    assert not any(note.is_late for note in signed)
    ages = {row.age for row in unsigned_of_author(clinician)}
    assert {Age.OVER_24H, Age.OVER_72H} <= ages
    group = GroupNote.objects.get(author=clinician)
    assert group.status == NoteStatus.SIGNED
    present = group.session.attendees.filter(status__in=["present", "late", "left_early"]).count()
    assert group.entries.count() == present > 0
    assert all(note.patient.is_synthetic for note in Note.objects.all())
    assert load_demo_notes(today=TODAY) == 0
