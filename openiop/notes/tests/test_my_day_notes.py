"""My day reads the user's drafts and the notes awaiting their co-signature in one pass: the same rows as
the two selectors the notes pages use, in two queries whatever the number of notes."""

import datetime

import pytest

from openiop.notes.models import GroupNote, Note, NoteStatus
from openiop.notes.selectors import (
    awaiting_cosignature_of,
    unsigned_and_awaiting_cosignature,
    unsigned_of_author,
)
from openiop.scheduling.tests.factories import PAST_MONDAY, extra_patients

from .factories import draft_note, group_of, written_group_note

pytestmark = pytest.mark.django_db


def _rows(rows):
    return [(row.kind, row.uuid, row.status, row.age) for row in rows]


def _notes(world):
    """Alice's drafts, notes and group notes awaiting her co-signature, and notes that are neither."""
    mine = [draft_note(world, day=PAST_MONDAY - datetime.timedelta(days=d)) for d in (0, 3)]
    # Odd rows each query's other half must not pick up: a draft naming its own author as co-signer (hers to
    # finish, not to co-sign) and the reverse (hers to co-sign, not a draft of hers).
    Note.objects.filter(pk=mine[0].pk).update(cosigner=world.alice)
    self_cosign = draft_note(world, day=PAST_MONDAY - datetime.timedelta(days=6))
    Note.objects.filter(pk=self_cosign.pk).update(
        status=NoteStatus.AWAITING_COSIGNATURE, cosigner=world.alice
    )
    bobs = [draft_note(world, by=world.bob, day=PAST_MONDAY - datetime.timedelta(days=d)) for d in (1, 2, 5)]
    # bob's first two wait for alice; his third names her but is still a draft (not hers to co-sign yet)
    Note.objects.filter(pk__in=[n.pk for n in bobs[:2]]).update(
        status=NoteStatus.AWAITING_COSIGNATURE, cosigner=world.alice
    )
    Note.objects.filter(pk=bobs[2].pk).update(cosigner=world.alice)
    # one of alice's own notes waits for bob: neither her draft nor hers to co-sign
    own_awaiting = draft_note(world, day=PAST_MONDAY - datetime.timedelta(days=4))
    Note.objects.filter(pk=own_awaiting.pk).update(status=NoteStatus.AWAITING_COSIGNATURE, cosigner=world.bob)
    session, episodes, plans = group_of(world, 2)
    group = written_group_note(world, session, episodes, plans, by=world.bob)
    GroupNote.objects.filter(pk=group.pk).update(status=NoteStatus.AWAITING_COSIGNATURE, cosigner=world.alice)
    session, episodes, plans = group_of(world, 2)
    written_group_note(world, session, episodes, plans)  # alice's group draft
    extra_patients(world, 1, start=40)


def test_the_same_rows_as_the_two_selectors(world):
    _notes(world)
    now = datetime.datetime(2026, 11, 18, 12, tzinfo=datetime.UTC)
    for user in (world.alice, world.bob, world.charlie):
        unsigned, awaiting = unsigned_and_awaiting_cosignature(user, now=now)
        assert _rows(unsigned) == _rows(unsigned_of_author(user, now=now))
        assert _rows(awaiting) == _rows(awaiting_cosignature_of(user))
    unsigned, awaiting = unsigned_and_awaiting_cosignature(world.alice, now=now)
    assert len(unsigned) == 3  # two notes and a group note
    assert [row.kind for row in awaiting].count("group_note") == 1
    assert len(awaiting) == 4


def test_two_queries_whatever_the_number_of_notes(world, django_assert_num_queries):
    _notes(world)
    with django_assert_num_queries(2):
        unsigned, awaiting = unsigned_and_awaiting_cosignature(world.alice)
        assert [row.author.display_name for row in unsigned + awaiting]
