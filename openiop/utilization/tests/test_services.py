"""Authorization services and selectors: validation, optimistic concurrency, ending, audit, usage."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from openiop.audit.models import Action, AuditEvent
from openiop.patients.models import EpisodeStatus
from openiop.utilization import selectors, services
from openiop.utilization.models import AuthorizationStatus

from .factories import active_episode, attended, authorization

pytestmark = pytest.mark.django_db


def test_create_records_and_audits(world):
    created = authorization(world.patient_a, world.ivan)
    assert created.version == 1
    assert created.status == AuthorizationStatus.ACTIVE
    event = AuditEvent.objects.get(action=Action.CREATE, object_id=str(created.uuid))
    assert event.patient_id == world.patient_a.pk


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"payer": "  "}, "payer"),
        ({"number": ""}, "number"),
        ({"unit": "weeks"}, "unit"),
        ({"authorized": Decimal("0")}, "authorized"),
        ({"authorized": Decimal("-2")}, "authorized"),
        ({"unit": "sessions", "authorized": Decimal("10.5")}, "authorized"),
        ({"starts_on": datetime.date(2026, 10, 10), "ends_on": datetime.date(2026, 10, 9)}, "ends_on"),
    ],
)
def test_bad_fields_are_refused_at_their_field(world, fields, field):
    with pytest.raises(ValidationError) as caught:
        authorization(world.patient_a, world.ivan, **fields)
    assert field in caught.value.message_dict


def test_a_discharged_episode_gets_no_new_authorization(world):
    episode = active_episode(world.patient_a)
    episode.status = EpisodeStatus.DISCHARGED
    episode.save()
    with pytest.raises(ValidationError):
        services.authorization_create(
            episode=episode,
            by=world.dana,
            payer="P",
            number="1",
            unit="hours",
            authorized=Decimal(10),
            starts_on=datetime.date(2026, 10, 1),
            ends_on=datetime.date(2026, 10, 31),
        )


def test_update_with_the_current_version_saves_and_bumps_it(world):
    created = authorization(world.patient_a, world.ivan)
    saved = services.authorization_update(
        authorization=created, version=1, by=world.dana, authorized=Decimal("48"), number="AUTH-0002"
    )
    assert saved.version == 2
    assert saved.authorized == Decimal("48.0")
    event = AuditEvent.objects.filter(action=Action.UPDATE, object_id=str(created.uuid)).get()
    assert event.detail["changed"] == ["authorized", "number"]


def test_a_stale_update_is_refused_and_saves_nothing(world):
    created = authorization(world.patient_a, world.ivan)
    services.authorization_update(authorization=created, version=1, by=world.dana, number="AUTH-NEW")
    with pytest.raises(services.StaleAuthorization) as caught:
        services.authorization_update(authorization=created, version=1, by=world.alice, payer="Other payer")
    assert "Someone else saved this authorization" in caught.value.messages[0]
    created.refresh_from_db()
    assert created.payer == "Synthetic Health Plan"
    assert created.version == 2


def test_an_update_keeps_the_rules(world):
    created = authorization(world.patient_a, world.ivan)
    with pytest.raises(ValidationError) as caught:
        services.authorization_update(
            authorization=created,
            version=1,
            by=world.dana,
            ends_on=created.starts_on - datetime.timedelta(days=1),
        )
    assert "ends_on" in caught.value.message_dict


def test_end_needs_a_reason_then_stops_counting_and_cannot_be_edited(world):
    created = authorization(world.patient_a, world.ivan)
    with pytest.raises(ValidationError):
        services.authorization_end(authorization=created, by=world.dana, reason=" ")
    ended = services.authorization_end(authorization=created, by=world.dana, reason="Payer withdrew it")
    assert ended.status == AuthorizationStatus.ENDED and ended.ended_by == world.dana
    with pytest.raises(ValidationError):
        services.authorization_end(authorization=ended, by=world.dana, reason="again")
    with pytest.raises(ValidationError):
        services.authorization_update(authorization=ended, version=ended.version, by=world.dana, payer="X")
    rows = selectors.episode_rows(active_episode(world.patient_a), today=timezone.localdate())
    assert rows[0].usage is None and rows[0].alerts == []


def test_usage_is_computed_from_recorded_attendance_in_the_dates(world):
    today = timezone.localdate()
    episode = active_episode(world.patient_a)
    created = authorization(
        world.patient_a,
        world.ivan,
        authorized="10",
        starts_on=today - datetime.timedelta(days=10),
        ends_on=today + datetime.timedelta(days=20),
    )
    attended(world, episode, today - datetime.timedelta(days=9))  # 3 h
    attended(world, episode, today - datetime.timedelta(days=8), status="late", minutes=120)  # 2 h
    attended(
        world, episode, today - datetime.timedelta(days=7), status="left_early", minutes=180 - 45
    )  # 2.25 h
    attended(world, episode, today - datetime.timedelta(days=6), status="absent_unexcused")
    attended(world, episode, today - datetime.timedelta(days=30))  # before the first day
    [row] = selectors.episode_rows(episode, today=today)
    assert row.authorization == created
    assert row.usage.used == Decimal("7.3")  # 7.25 h shown to 0.1, half up
    assert row.usage.percent == 72
    assert not row.usage.near_limit
    attended(world, episode, today - datetime.timedelta(days=5), status="late", minutes=45)  # 8 h exactly
    [row] = selectors.episode_rows(episode, today=today)
    assert row.usage.near_limit and row.usage.percent == 80
    assert row.alert_labels == ["80% or more used"]


def test_program_rows_keep_to_the_users_programs_and_alerts(world):
    today = timezone.localdate()
    near_end = authorization(world.patient_a, world.ivan, ends_on=today + datetime.timedelta(days=3))
    quiet = authorization(world.patient_b, world.ivan, number="AUTH-B")
    other = authorization(world.patient_c, world.charlie, number="AUTH-C")
    dana_rows = [row.authorization for row in selectors.program_rows(world.dana, today=today)]
    assert set(dana_rows) == {near_end, quiet}
    alerts = [row.authorization for row in selectors.program_rows(world.dana, today=today, alert_only=True)]
    assert alerts == [near_end]
    audrey_rows = [row.authorization for row in selectors.program_rows(world.audrey, today=today)]
    assert audrey_rows == [near_end, quiet, other]  # soonest end first, then by name, then as recorded
    assert selectors.program_rows(world.alice, today=today) == []
    assert selectors.program_rows(world.dana, today=today, program=world.program_b) == []
