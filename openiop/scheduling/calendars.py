"""Calendars of a patient, a clinician, a room and a program, and their private iCalendar feeds.

Reads: `calendar_days` builds a week or a day of sessions in a fixed number of queries, showing patient
names only where the viewer may see them (the clinician leading the session, the program's director).
Writes: `calendar_feed_create` and `calendar_feed_revoke`, each atomic and audited. `calendar_feed_ics`
answers a calendar app's fetch: the token is the credential, every fetch is audited.
"""

import datetime
import hashlib
import secrets
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone

from openiop.accounts.models import Role
from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.patients.models import Patient

from . import ical
from .models import CalendarFeed, Session, SessionAttendee, SessionStatus
from .selectors import directed_programs_of, week_start_of

ONE_DAY = datetime.timedelta(days=1)
FEED_USERNAME = "calendar-feed"
PRODID = "-//OpenIOP//Calendar feed//EN"
# What a feed carries: recent sessions (a week's make-ups are looked up afterwards) and the months ahead.
FEED_PAST = datetime.timedelta(days=30)
FEED_FUTURE = datetime.timedelta(days=180)


# -- Periods -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A week (Monday to Sunday) or a single day of the calendar."""

    first: datetime.date
    last: datetime.date
    is_day: bool

    @classmethod
    def week_of(cls, day: datetime.date) -> "Period":
        start = week_start_of(day)
        return cls(start, start + 6 * ONE_DAY, False)

    @classmethod
    def day(cls, day: datetime.date) -> "Period":
        return cls(day, day, True)

    @property
    def dates(self) -> list[datetime.date]:
        return [self.first + i * ONE_DAY for i in range((self.last - self.first).days + 1)]

    @property
    def previous(self) -> "Period":
        return Period.day(self.first - ONE_DAY) if self.is_day else Period.week_of(self.first - 7 * ONE_DAY)

    @property
    def next(self) -> "Period":
        return Period.day(self.first + ONE_DAY) if self.is_day else Period.week_of(self.first + 7 * ONE_DAY)

    def query(self) -> dict:
        key = "day" if self.is_day else "week"
        return {key: self.first.isoformat()}


# -- Calendar pages ------------------------------------------------------------------------------------


@dataclass
class CalendarEntry:
    session: Session
    place: str
    leaders: list[str]
    booked: int
    # Names of the people booked, or None where the viewer may not see them (then only `booked` shows).
    names: list[str] | None


@dataclass
class CalendarDay:
    date: datetime.date
    entries: list[CalendarEntry]


def place_of(session: Session) -> str:
    if session.room is None:
        return ""
    return "Telehealth" if session.room.is_telehealth else session.room.name


def _sessions(period: Period, condition: Q, *, with_names: bool):
    attendees = SessionAttendee.objects.all()
    if with_names:
        attendees = attendees.select_related("episode__patient")
    return (
        Session.objects.filter(condition, date__range=(period.first, period.last))
        .distinct()
        .select_related("program", "session_type", "room", "series")
        .prefetch_related(
            "clinicians__staff_profile",
            "series__facilitators",
            Prefetch("attendees", queryset=attendees.order_by()),
        )
        .order_by("date", "start_time", "program__name", "pk")
    )


def _leaders(session: Session) -> list:
    people = list(session.clinicians.all())
    if session.series is not None:
        people += [person for person in session.series.facilitators.all() if person not in people]
    return people


def _names(session: Session) -> list[str]:
    return sorted(
        f"{a.episode.patient.legal_given_name} {a.episode.patient.legal_family_name}"
        for a in session.attendees.all()
    )


def calendar_days(period: Period, sessions, *, names_for=None) -> list[CalendarDay]:
    """Every date of the period with its sessions. `names_for(session, leaders)` says whether the viewer
    may see who is booked; without it, nobody's name is shown."""
    by_date: dict[datetime.date, list[CalendarEntry]] = {day: [] for day in period.dates}
    for session in sessions:
        leaders = _leaders(session)
        show = names_for is not None and names_for(session, leaders)
        by_date[session.date].append(
            CalendarEntry(
                session=session,
                place=place_of(session),
                leaders=[person.display_name for person in leaders],
                booked=len(session.attendees.all()),
                names=_names(session) if show else None,
            )
        )
    return [CalendarDay(day, entries) for day, entries in by_date.items()]


def patient_sessions(patient: Patient, period: Period):
    return _sessions(period, Q(attendees__episode__patient=patient), with_names=False)


def clinician_sessions(clinician, period: Period, *, with_names: bool):
    """Sessions the clinician leads: as one of its clinicians or as a facilitator of its group."""
    return _sessions(
        period, Q(clinicians=clinician) | Q(series__facilitators=clinician), with_names=with_names
    )


def room_sessions(room, period: Period):
    return _sessions(period, Q(room=room), with_names=False)


def program_sessions(program, period: Period):
    return _sessions(period, Q(program=program), with_names=False)


def names_visible_to(viewer):
    """Who is booked is shown to a session's leaders and its program's director, to no one else."""
    directed = set(directed_programs_of(viewer).values_list("pk", flat=True))

    def visible(session: Session, leaders: list) -> bool:
        return viewer in leaders or session.program_id in directed

    return visible


def staff_user(user_uuid):
    """A staff member by UUID (clinician calendars), or None."""
    from openiop.accounts.models import STAFF_ROLES, User

    return (
        User.objects.select_related("staff_profile")
        .filter(uuid=user_uuid, role__in=STAFF_ROLES, is_active=True)
        .first()
    )


# -- Feeds ---------------------------------------------------------------------------------------------


def hash_feed_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def calendar_feed_create(*, owner, patient: Patient | None = None, clinician=None, request=None):
    """Create a feed of `patient`'s or `clinician`'s sessions for `owner` (who must already be allowed to)
    and return it with the raw token, which is never stored and shown once."""
    if (patient is None) == (clinician is None):
        raise ValueError("A calendar feed is of one patient or of one clinician")
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        feed = CalendarFeed.objects.create(
            owner=owner, patient=patient, clinician=clinician, token_hash=hash_feed_token(raw)
        )
        audit_record(
            action=Action.CREATE,
            request=request,
            actor=owner,
            patient=patient,
            obj=feed,
            detail={"calendar_feed": "patient" if patient else "clinician"},
        )
    return feed, raw


def calendar_feed_revoke(*, feed: CalendarFeed, by, request=None) -> CalendarFeed:
    """Revoke `feed` on behalf of `by` (who must already be allowed to). Revoking twice changes nothing."""
    with transaction.atomic():
        feed = CalendarFeed.objects.select_for_update().get(pk=feed.pk)
        if feed.revoked_at is not None:
            return feed
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at"])
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=by,
            patient=feed.patient,
            obj=feed,
            detail={"calendar_feed": "revoked"},
        )
    return feed


def feeds_of(owner):
    return CalendarFeed.objects.filter(owner=owner).select_related("patient", "clinician")


def _feed_still_allowed(feed: CalendarFeed) -> bool:
    """A feed lives only as long as its owner's access: a deactivated account, a clinician who left the
    care team or a break-the-glass that expired ends it, as revoking does."""
    owner = feed.owner
    if not owner.is_active:
        return False
    if feed.patient is not None:
        return owner.has_perm("patients.view_chart", feed.patient) or (
            owner.role == Role.PATIENT and feed.patient.user_id == owner.pk
        )
    return owner.pk == feed.clinician_id and owner.has_perm("scheduling.create_clinician_feed")


def usable_feed(raw: str) -> CalendarFeed | None:
    """The active feed whose token is `raw`, or None. The lookup by SHA-256 is the comparison: the
    database index compares hashes, which reveal nothing about the token, so no timing attack applies."""
    if not raw or len(raw) > 100:
        return None
    feed = (
        CalendarFeed.objects.active()
        .select_related("owner", "patient", "clinician")
        .filter(token_hash=hash_feed_token(raw))
        .first()
    )
    if feed is None or not _feed_still_allowed(feed):
        return None
    return feed


def _local(day: datetime.date, time: datetime.time) -> datetime.datetime:
    return datetime.datetime.combine(day, time, tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))


def feed_events(feed: CalendarFeed, *, host: str, today: datetime.date) -> list[ical.Event]:
    """The feed's sessions as calendar events, with the minimum necessary: a patient's feed says only the
    session type and place; a clinician's adds the number of people booked, never their names (calendar
    apps sync to third-party servers)."""
    period = Period(today - FEED_PAST, today + FEED_FUTURE, False)
    if feed.patient is not None:
        sessions = patient_sessions(feed.patient, period)
    else:
        sessions = clinician_sessions(feed.clinician, period, with_names=False)
    events = []
    for session in sessions:
        summary = session.session_type.name
        if feed.clinician_id is not None:
            booked = len(session.attendees.all())
            summary += f" ({booked} booked)"
        events.append(
            ical.Event(
                uid=f"{session.uuid}@{host}",
                start=_local(session.date, session.start_time),
                end=_local(session.date, session.end_time),
                stamp=session.updated_at,
                summary=summary,
                location=place_of(session),
                cancelled=session.status == SessionStatus.CANCELLED,
            )
        )
    return events


def calendar_feed_ics(feed: CalendarFeed, *, request, today: datetime.date) -> str:
    """The feed's iCalendar text. Audits the export (with the patient for a patient's feed) and notes the
    use on the feed."""
    host = request.get_host().rsplit(":", 1)[0] or "openiop"
    events = feed_events(feed, host=host, today=today)
    audit_record(
        action=Action.EXPORT,
        request=request,
        patient=feed.patient,
        obj=feed,
        username=FEED_USERNAME,
        detail={"owner": str(feed.owner.uuid), "events": len(events), "format": "text/calendar"},
    )
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    name = "OpenIOP sessions" if feed.patient is not None else "OpenIOP: my sessions"
    return ical.render_calendar(events, prodid=PRODID, name=name)
