"""Builders of calendar data for the scheduling tests and the browser tests (plain functions, no fixtures,
so they compose with the shared `world` personas)."""

import datetime

from conftest import make_patient
from openiop.patients.models import CareTeamRole
from openiop.scheduling.models import (
    GroupMembership,
    GroupSeries,
    Room,
    Session,
    SessionAttendee,
    SessionKind,
    SessionType,
)

# 2026-11-16 is a Monday; the week ended on 2026-11-22.
PAST_MONDAY = datetime.date(2026, 11, 16)


def group_series(
    world, *, weekday=0, start=9, end=12, facilitators=None, starts_on=None, ends_on=None, name=None
):
    session_type, _ = SessionType.objects.get_or_create(
        name="Group therapy", defaults={"kind": SessionKind.GROUP_THERAPY, "default_minutes": 180}
    )
    room, _ = Room.objects.get_or_create(name="Room 1", defaults={"capacity": 12})
    series = GroupSeries.objects.create(
        program=world.program_a,
        track=world.track_a,
        session_type=session_type,
        name=name or f"Process group {weekday}",
        weekday=weekday,
        start_time=datetime.time(start),
        end_time=datetime.time(end),
        room=room,
        capacity=12,
        starts_on=starts_on or datetime.date(2026, 9, 7),
        ends_on=ends_on,
    )
    series.facilitators.set(facilitators if facilitators is not None else [world.alice])
    return series


def enrol(series, *episodes, starts_on=datetime.date(2026, 9, 8), ends_on=None):
    for episode in episodes:
        GroupMembership.objects.create(series=series, episode=episode, starts_on=starts_on, ends_on=ends_on)


def active_episode(patient):
    return patient.episodes.get(status="active")


def extra_patients(world, count, *, start=0):
    """`count` more active patients of program A, with alice as their primary clinician."""
    return [
        active_episode(
            make_patient(
                given=f"Member{start + i:02d}",
                family="Synthetic",
                program=world.program_a,
                track=world.track_a,
                care_team=[(world.alice, CareTeamRole.PRIMARY_CLINICIAN)],
            )
        )
        for i in range(count)
    ]


def session_with(world, day, episodes, *, start=9, end=12, clinicians=None, series=None):
    """One session on `day` with `episodes` booked (not yet recorded)."""
    session_type, _ = SessionType.objects.get_or_create(
        name="Group therapy", defaults={"kind": SessionKind.GROUP_THERAPY, "default_minutes": 180}
    )
    session = Session.objects.create(
        program=world.program_a,
        series=series,
        session_type=session_type,
        date=day,
        start_time=datetime.time(start),
        end_time=datetime.time(end),
    )
    session.clinicians.set(clinicians if clinicians is not None else [world.alice])
    for episode in episodes:
        SessionAttendee.objects.create(session=session, episode=episode)
    return session
