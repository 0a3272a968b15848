"""The demo calendar: session types, rooms, a holiday, each track's recurring groups and rosters, weekly
availability and commitments, six weeks of sessions with four weeks of attendance, engagement alerts and a
draft optimizer plan for next week.

Loaded once, as a whole: when any demo program already has a recurring group, nothing here runs again, so
a later load (even weeks later) changes nothing and moves no date. Dates are relative to the day of that
first load: the calendar runs from the Monday four weeks back through next week.

Writes go through the scheduling services wherever one exists (`roster_change`, `sessions_generate`,
`session_book`, `attendance_record`, `engagement_alerts_raise`, `week_plan_build`), so the demo holds
what the program itself would have produced, audit events included. Reference data (session types, rooms,
the closure, recurring groups, weekly times, preferences) has no service and is created directly, as are
the few individual and medication sessions (only publishing a week plan creates those, and the demo wants
some in past weeks). Randomness is one generator per patient, seeded with its record number.
"""

import datetime
import random
import time
from collections import defaultdict
from dataclasses import dataclass

from openiop.home.models import Task
from openiop.patients.models import CareTeamMember, CareTeamRole, EpisodeOfCare, EpisodeStatus
from openiop.scheduling.ledger import week_start_of
from openiop.scheduling.models import (
    AttendanceStatus,
    Closure,
    CommitmentKind,
    EngagementAlert,
    GroupMembership,
    GroupSeries,
    Modality,
    PlannedBooking,
    Room,
    SchedulingPreferences,
    Session,
    SessionAttendee,
    SessionKind,
    SessionType,
    WeeklyTime,
    WeekPlan,
)
from openiop.scheduling.planning import week_plan_build
from openiop.scheduling.services import (
    attendance_record,
    engagement_alerts_raise,
    roster_change,
    session_book,
    sessions_generate,
)

WEEK = datetime.timedelta(days=7)
DAY = datetime.timedelta(days=1)
WEEKS_BACK = 4  # weeks of history before the current week; next week is generated as well
MAIN_CLINICIAN = "clinician"  # the main demo login: her caseload carries the engagement stories
MISSED_GROUPS_TASK = "Call about two missed groups"  # builder.plan_tasks: this patient missed two in a row
# CP-SAT time for next week's draft plan; its deterministic limit makes the plan the same for the same
# calendar. A plan taking longer than PLAN_BUDGET_SECONDS (wall clock) for the first program is not
# built for the second: the demo must load quickly.
PLAN_TIME_LIMIT = 2.0
PLAN_BUDGET_SECONDS = 5.0


def _t(text: str) -> datetime.time:
    return datetime.time.fromisoformat(text)


# --- Session types and rooms ---------------------------------------------------------------------------

THERAPISTS = ["LCSW", "LPC", "LMFT", "PsyD", "LCADC"]


@dataclass(frozen=True)
class SessionTypeSpec:
    name: str
    kind: str
    minutes: int
    credentials: tuple[str, ...]


SESSION_TYPES = (
    SessionTypeSpec("Process group", SessionKind.GROUP_THERAPY, 90, tuple(THERAPISTS)),
    SessionTypeSpec("Skills group", SessionKind.SKILLS_GROUP, 90, tuple(THERAPISTS)),
    # Anyone on staff may teach psychoeducation, the psychiatrist included (an empty list: any clinician).
    SessionTypeSpec("Psychoeducation", SessionKind.PSYCHOEDUCATION, 60, ()),
    # The 50-minute therapy hour (CPT 90834), the length the week planner's slots have.
    SessionTypeSpec("Individual therapy", SessionKind.INDIVIDUAL_THERAPY, 50, tuple(THERAPISTS)),
    SessionTypeSpec("Family therapy", SessionKind.FAMILY_THERAPY, 50, ("LMFT", "LCSW", "PsyD")),
    SessionTypeSpec("Medication management", SessionKind.MEDICATION_MANAGEMENT, 30, ("MD",)),
)


@dataclass(frozen=True)
class RoomSpec:
    name: str
    capacity: int
    accessible: bool = True
    telehealth: bool = False
    video_link_template: str = ""


# Group rooms hold a full group (12) and its facilitators. example.org is reserved: no real video service.
ROOMS = (
    RoomSpec("Group room A (ground floor)", 16),
    RoomSpec("Group room B (second floor, no lift)", 12, accessible=False),
    RoomSpec("Office 1", 3),
    RoomSpec("Office 2", 3),
    RoomSpec("Office 3 (second floor)", 3, accessible=False),
    RoomSpec("Family room", 6),
    RoomSpec("Telehealth", 16, telehealth=True, video_link_template="https://video.example.org/iop/{token}"),
)
OFFICES = ("Office 1", "Office 2", "Office 3 (second floor)")
TELEHEALTH_ROOM = "Telehealth"

# --- Recurring groups ----------------------------------------------------------------------------------


MON, TUE, WED, THU, FRI = range(5)
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ROOM_A, ROOM_B = ROOMS[0].name, ROOMS[1].name

# Per track: its room, and its groups as (weekday, start, end, session type, facilitators[, room]). Each
# meeting day is two back-to-back groups that fill exactly the track's hours, so a track delivers the
# program's weekly target (ASAM 2.1: 9 h for adults, 6 h for adolescents) and any missed minute shows in
# the ledger. Facilitators hold a credential the session type allows (checked when loading).
TRACK_GROUPS = {
    ("Adult MH", "Morning"): (
        ROOM_A,
        (
            (MON, "09:00", "10:30", "Process group", ("clinician", "clinician5")),
            (MON, "10:30", "12:00", "Skills group", ("clinician2",)),
            (WED, "09:00", "10:30", "Process group", ("clinician", "clinician5")),
            (WED, "10:30", "12:00", "Psychoeducation", ("psychiatrist",)),
            (FRI, "09:00", "10:30", "Process group", ("clinician", "clinician5")),
            (FRI, "10:30", "12:00", "Skills group", ("clinician2",)),
        ),
    ),
    ("Adult MH", "Evening"): (
        ROOM_A,
        (
            (MON, "18:00", "19:30", "Process group", ("clinician2",)),
            (MON, "19:30", "21:00", "Skills group", ("clinician5",)),
            (TUE, "18:00", "19:30", "Process group", ("clinician2",)),
            # By video, so people with long commutes can stay home one evening a week.
            (TUE, "19:30", "21:00", "Psychoeducation", ("clinician5",), TELEHEALTH_ROOM),
            (THU, "18:00", "19:30", "Process group", ("clinician2",)),
            (THU, "19:30", "21:00", "Skills group", ("clinician5",)),
        ),
    ),
    ("Teen COD", "After school"): (
        ROOM_B,
        (
            (MON, "15:30", "16:30", "Process group", ("clinician3",)),
            (MON, "16:30", "17:30", "Skills group", ("clinician4",)),
            (WED, "15:30", "16:30", "Process group", ("clinician",)),
            (WED, "16:30", "17:30", "Psychoeducation", ("clinician4",)),
            (THU, "15:30", "16:30", "Process group", ("clinician3",)),
            (THU, "16:30", "17:30", "Skills group", ("clinician4",)),
        ),
    ),
}
# Groups are typically 6-12 people (PRODUCT.md section 3).
SERIES_CAPACITY = {"Adult MH": 12, "Teen COD": 10}

# --- Weekly times --------------------------------------------------------------------------------------

# When each clinician offers individual sessions (the week planner cuts these into 50-minute slots) and
# each psychiatrist sees people for medication management.
CLINICIAN_HOURS = {
    "clinician": ((TUE, "09:00", "11:30"), (TUE, "15:30", "18:00")),
    "clinician2": ((THU, "16:00", "17:40"),),
    "clinician3": ((TUE, "15:30", "18:00"),),
    "clinician4": ((TUE, "15:30", "17:10"),),
    "clinician5": ((TUE, "09:00", "11:30"), (THU, "16:00", "17:40")),
    "psychiatrist": ((MON, "12:00", "13:00"), (MON, "17:00", "18:00")),
    "psychiatrist2": ((WED, "17:30", "18:30"),),
}

# Per track: when its people can come (track days with a margin, and one more afternoon or morning for an
# individual session), and the commitments the track was chosen around.
TRACK_AVAILABILITY = {
    ("Adult MH", "Morning"): (
        *((d, "08:30", "12:30") for d in (MON, WED, FRI)),
        (TUE, "09:00", "12:00"),
    ),
    ("Adult MH", "Evening"): (
        (MON, "17:00", "21:00"),
        (TUE, "16:00", "21:00"),
        (THU, "16:00", "21:00"),
    ),
    ("Teen COD", "After school"): tuple((d, "15:15", "18:30") for d in (MON, TUE, WED, THU)),
}
WEEKDAYS = (MON, TUE, WED, THU, FRI)
# (kind, weekdays, start, end, note); one is drawn per person, the first more often.
TRACK_COMMITMENTS = {
    ("Adult MH", "Morning"): (
        (CommitmentKind.WORK, WEEKDAYS, "13:00", "17:30", "Afternoon shift"),
        (CommitmentKind.FAMILY, WEEKDAYS, "14:45", "18:00", "School pick-up and childcare"),
        (CommitmentKind.SCHOOL, (TUE, THU), "13:00", "16:00", "Community college classes"),
    ),
    ("Adult MH", "Evening"): (
        (CommitmentKind.WORK, WEEKDAYS, "07:30", "15:30", "Day shift"),
        (CommitmentKind.WORK, WEEKDAYS, "08:00", "15:45", "Office job"),
        (CommitmentKind.FAMILY, (WED, FRI), "17:00", "20:00", "Caring for a parent"),
    ),
    ("Teen COD", "After school"): (
        (CommitmentKind.SCHOOL, WEEKDAYS, "08:00", "15:00", "School"),
        (CommitmentKind.SCHOOL, WEEKDAYS, "07:45", "14:50", "School"),
    ),
}
TEEN_EXTRAS = (
    (CommitmentKind.OTHER, (FRI,), "15:30", "17:30", "Soccer practice"),
    (CommitmentKind.FAMILY, (FRI,), "16:00", "19:00", "Weekend with other parent from Friday"),
)
MODALITY_NOTES = {
    Modality.IN_PERSON: ("", "Prefers the group room", ""),
    Modality.TELEHEALTH: ("No car; video when possible", "Lives 40 minutes away"),
    Modality.EITHER: ("",),
}

# --- Attendance ----------------------------------------------------------------------------------------

# How an ordinary week goes: most people attend everything; otherwise one session is affected.
WEEK_KINDS = (("full", 88), ("late", 5), ("left_early", 4), ("excused", 3))
LATE_NOTES = ("Bus was late", "Traffic", "Overslept", "Car trouble")
LEFT_EARLY_NOTES = ("Medical appointment", "Picked up a sick child", "Called in to work")
EXCUSED_NOTES = ("Sick, called ahead", "Family emergency", "Court date")


@dataclass(frozen=True)
class Booking:
    """One past booking as the attendance plan sees it."""

    key: int
    record_number: str
    date: datetime.date
    start: datetime.time
    minutes: int


@dataclass(frozen=True)
class Mark:
    status: str
    minutes: int | None
    note: str = ""


def plan_attendance(
    bookings: list[Booking],
    *,
    two_absences: dict[str, datetime.date],
    short_week: dict[str, datetime.date],
) -> dict[int, Mark]:
    """What happened at each past booking. Pure: plain records in, marks by key out.

    Each person's weeks are drawn from WEEK_KINDS with their own generator. Scripted stories override the
    draw: `two_absences` (record number -> week) leaves at the break of the week's second-last meeting day
    and misses the whole last day without calling (two absences in a row on two dates), and
    `short_week` leaves two of the week's sessions 45 minutes early, so that week ends under target.
    """
    from .builder import SEED

    by_person: dict[str, list[Booking]] = defaultdict(list)
    for booking in bookings:
        by_person[booking.record_number].append(booking)
    marks = {}
    for record_number, own in sorted(by_person.items()):
        rng = random.Random(f"{SEED}:attendance:{record_number}")  # noqa: S311 - fictional demo data
        weeks: dict[datetime.date, list[Booking]] = defaultdict(list)
        for booking in sorted(own, key=lambda b: (b.date, b.start)):
            weeks[week_start_of(booking.date)].append(booking)
        for week, sessions in sorted(weeks.items()):
            kind = rng.choices([k for k, _ in WEEK_KINDS], weights=[w for _, w in WEEK_KINDS])[0]
            target = rng.choice(sessions)
            late_by, early_by = rng.choice((10, 15, 20, 30)), rng.choice((20, 30, 45))
            notes = rng.choice(LATE_NOTES), rng.choice(LEFT_EARLY_NOTES), rng.choice(EXCUSED_NOTES)
            for booking in sessions:
                marks[booking.key] = Mark(AttendanceStatus.PRESENT, None)
            if two_absences.get(record_number) == week:
                days = sorted({b.date for b in sessions})
                last_day = [b for b in sessions if b.date == days[-1]]
                before = [b for b in sessions if len(days) > 1 and b.date == days[-2]][-1:]
                for booking in before:
                    marks[booking.key] = Mark(
                        AttendanceStatus.ABSENT_UNEXCUSED, None, "Left at the break, did not come back"
                    )
                for booking in last_day:
                    marks[booking.key] = Mark(AttendanceStatus.ABSENT_UNEXCUSED, None, "No call, no show")
            elif short_week.get(record_number) == week:
                for booking in sessions[:2]:
                    marks[booking.key] = Mark(
                        AttendanceStatus.LEFT_EARLY, booking.minutes - 45, "Left early for a work shift"
                    )
            elif kind == "late" and target.minutes > late_by:
                marks[target.key] = Mark(AttendanceStatus.LATE, target.minutes - late_by, notes[0])
            elif kind == "left_early" and target.minutes > early_by:
                marks[target.key] = Mark(AttendanceStatus.LEFT_EARLY, target.minutes - early_by, notes[1])
            elif kind == "excused":
                marks[target.key] = Mark(AttendanceStatus.ABSENT_EXCUSED, None, notes[2])
    return marks


# --- Loading -------------------------------------------------------------------------------------------

COUNTED = (
    ("session types", SessionType),
    ("rooms", Room),
    ("closures", Closure),
    ("group series", GroupSeries),
    ("group memberships", GroupMembership),
    ("weekly times", WeeklyTime),
    ("scheduling preferences", SchedulingPreferences),
    ("sessions", Session),
    ("session bookings", SessionAttendee),
    ("engagement alerts", EngagementAlert),
    ("follow-up tasks", Task),
    ("week plans", WeekPlan),
    ("planned bookings", PlannedBooking),
)


def _counts() -> dict[str, int]:
    return {label: model.objects.count() for label, model in COUNTED}


def already_loaded(programs: dict) -> bool:
    return GroupSeries.objects.filter(program__in=list(programs.values())).exists()


def load_scheduling(result, users, programs, tracks, today: datetime.date) -> None:
    """Load the demo calendar once (see the module docstring); counts what it creates in `result`."""
    if already_loaded(programs):
        return
    before = _counts()
    loader = _Calendar(users, programs, tracks, today)
    loader.load()
    after = _counts()
    for label, _model in COUNTED:
        result.created[label] += after[label] - before[label]


def _minutes(moment: datetime.time) -> int:
    return moment.hour * 60 + moment.minute


def _clock(minutes: int) -> datetime.time:
    return datetime.time(minutes // 60, minutes % 60)


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


class _Calendar:
    def __init__(self, users, programs, tracks, today: datetime.date):
        from .builder import PROGRAMS

        self.users, self.programs, self.tracks, self.today = users, programs, tracks, today
        self.directors = {p.short_name: users[p.director] for p in PROGRAMS}
        self.this_week = week_start_of(today)
        self.first_week = self.this_week - WEEKS_BACK * WEEK
        self.next_week = self.this_week + WEEK
        self.plan_seconds: dict[str, float] = {}

    def load(self) -> None:
        director = self.directors["Adult MH"]
        self.types = {
            spec.name: SessionType.objects.get_or_create(
                name=spec.name,
                defaults={
                    "kind": spec.kind,
                    "default_minutes": spec.minutes,
                    "allowed_credentials": list(spec.credentials),
                    "created_by": director,
                    "updated_by": director,
                },
            )[0]
            for spec in SESSION_TYPES
        }
        self.rooms = {
            spec.name: Room.objects.get_or_create(
                name=spec.name,
                defaults={
                    "capacity": spec.capacity,
                    "is_accessible": spec.accessible,
                    "is_telehealth": spec.telehealth,
                    "video_link_template": spec.video_link_template,
                    "created_by": director,
                    "updated_by": director,
                },
            )[0]
            for spec in ROOMS
        }
        # Next week's Friday: the morning track loses a day, which next week's draft plan then explains.
        Closure.objects.create(
            date=self.next_week + FRI * DAY,
            name="Holiday: programs closed",
            created_by=director,
            updated_by=director,
        )
        # Active episodes with a track (every active demo episode has one; one admitted by hand may not).
        self.episodes = list(
            EpisodeOfCare.objects.filter(
                program__in=list(self.programs.values()), status=EpisodeStatus.ACTIVE, track__isnull=False
            )
            .select_related("patient", "program", "track")
            .order_by("patient__record_number")
        )
        self._series()
        self._weekly_times()
        self._rosters()
        for short_name, program in self.programs.items():
            for week in range(-WEEKS_BACK, 2):
                sessions_generate(
                    program=program, week_start=self.this_week + week * WEEK, by=self.directors[short_name]
                )
        self._individual_sessions()
        self._attendance()
        # The daily `engagement_alerts` command's service, per episode so the follow-up tasks are the
        # director's doing (the command itself has no user).
        for episode in self.episodes:
            engagement_alerts_raise(
                episode=episode, today=self.today, by=self.directors[episode.program.short_name]
            )
        self._week_plans()

    def _series(self) -> None:
        """Each track's recurring groups, meeting from the calendar's first Monday, named like
        "Morning process group, Monday"."""
        self.series: dict[tuple[str, str], list[GroupSeries]] = defaultdict(list)
        for (short_name, track_name), (track_room, groups) in TRACK_GROUPS.items():
            director = self.directors[short_name]
            for weekday, start, end, type_name, usernames, *room in groups:
                type_ = self.types[type_name]
                facilitators = [self.users[u] for u in usernames]
                for user in facilitators:
                    credentials = {c.strip() for c in user.staff_profile.credentials.split(",")}
                    if type_.allowed_credentials and not credentials & set(type_.allowed_credentials):
                        raise ValueError(f"{user.username} may not lead {type_.name}")
                label = f"{track_name} {type_name.lower()}" + (" (video)" if room else "")
                series = GroupSeries.objects.create(
                    program=self.programs[short_name],
                    track=self.tracks[(short_name, track_name)],
                    session_type=type_,
                    name=f"{label}, {WEEKDAY_NAMES[weekday]}",
                    weekday=weekday,
                    start_time=_t(start),
                    end_time=_t(end),
                    room=self.rooms[room[0] if room else track_room],
                    capacity=SERIES_CAPACITY[short_name],
                    starts_on=self.first_week,
                    created_by=director,
                    updated_by=director,
                )
                series.facilitators.set(facilitators)
                self.series[(short_name, track_name)].append(series)

    def _weekly_times(self) -> None:
        rows = [
            WeeklyTime(
                user=self.users[username],
                kind=CommitmentKind.AVAILABLE,
                weekday=day,
                start_time=_t(start),
                end_time=_t(end),
            )
            for username, hours in CLINICIAN_HOURS.items()
            for day, start, end in hours
        ]
        from .builder import SEED

        preferences = []
        for episode in self.episodes:
            patient = episode.patient
            key = (episode.program.short_name, episode.track.name)
            rng = random.Random(f"{SEED}:calendar:{patient.record_number}")  # noqa: S311 - fictional
            for day, start, end in TRACK_AVAILABILITY[key]:
                rows.append(
                    WeeklyTime(
                        patient=patient,
                        kind=CommitmentKind.AVAILABLE,
                        weekday=day,
                        start_time=_t(start),
                        end_time=_t(end),
                    )
                )
            options = TRACK_COMMITMENTS[key]
            commitments = [rng.choices(options, weights=[3] + [1] * (len(options) - 1))[0]]
            if key[0] == "Teen COD" and rng.random() < 0.5:
                commitments.append(rng.choice(TEEN_EXTRAS))
            for kind, days, start, end, note in commitments:
                rows += [
                    WeeklyTime(
                        patient=patient,
                        kind=kind,
                        weekday=d,
                        start_time=_t(start),
                        end_time=_t(end),
                        note=note,
                    )
                    for d in days
                ]
            modality = rng.choices(
                (Modality.IN_PERSON, Modality.EITHER, Modality.TELEHEALTH), weights=(6, 3, 2)
            )[0]
            preferences.append(
                SchedulingPreferences(
                    patient=patient, preferred_modality=modality, note=rng.choice(MODALITY_NOTES[modality])
                )
            )
        WeeklyTime.objects.bulk_create(rows)
        SchedulingPreferences.objects.bulk_create(preferences)
        self.modality = {p.patient_id: p.preferred_modality for p in preferences}

    def _rosters(self) -> None:
        """Every active patient joins each group of their track from admission (or the calendar's start)."""
        for episode in self.episodes:
            director = self.directors[episode.program.short_name]
            effective = max(episode.admitted_on or self.first_week, self.first_week)
            for series in self.series[(episode.program.short_name, episode.track.name)]:
                roster_change(series=series, episode=episode, effective=effective, action="add", by=director)

    # --- Individual and medication sessions ---

    def _individual_sessions(self) -> None:
        """Individual therapy for the main clinician's caseload (last week and this week), medication
        management with each program's psychiatrist for two people (last week and this week), each at
        the first time the clinician offers, the person can come and an office (or video) is free.
        Next week's individual sessions are left to the week planner."""
        team = defaultdict(dict)
        for member in CareTeamMember.objects.filter(episode__in=self.episodes).select_related("user"):
            team[member.episode_id][member.role] = member.user
        self.primary = {
            episode_id: roles.get(CareTeamRole.PRIMARY_CLINICIAN) for episode_id, roles in team.items()
        }
        caseload = [e for e in self.episodes if self.primary.get(e.pk) == self.users[MAIN_CLINICIAN]]
        wanted = [(e, "Individual therapy", self.users[MAIN_CLINICIAN]) for e in caseload[:4]]
        for program in self.programs.values():
            for episode in [e for e in self.episodes if e.program_id == program.pk][:2]:
                wanted.append((episode, "Medication management", team[episode.pk][CareTeamRole.PSYCHIATRIST]))
        self.busy: dict[tuple, list[tuple[int, int]]] = defaultdict(list)
        for series_list in self.series.values():
            for series in series_list:
                span = (_minutes(series.start_time), _minutes(series.end_time))
                for user in series.facilitators.all():
                    self.busy[("leads", user.pk, series.weekday)].append(span)
        for week in (self.this_week - WEEK, self.this_week):
            for episode, type_name, clinician in wanted:
                self._book_individual(episode, self.types[type_name], clinician, week)

    def _book_individual(self, episode, session_type, clinician, week: datetime.date) -> None:
        length = session_type.default_minutes
        patient_windows = [
            (day, _minutes(_t(s)), _minutes(_t(e)))
            for day, s, e in TRACK_AVAILABILITY[(episode.program.short_name, episode.track.name)]
        ]
        groups = [
            (s.weekday, _minutes(s.start_time), _minutes(s.end_time))
            for s in self.series[(episode.program.short_name, episode.track.name)]
        ]
        for day, start, end in CLINICIAN_HOURS[clinician.username]:
            date = week + day * DAY
            if Closure.objects.filter(date=date).exists():
                continue
            moment, stop = _minutes(_t(start)), _minutes(_t(end))
            while moment + length <= stop:
                span = (moment, moment + length)
                if self._fits(episode, clinician, date, span, patient_windows, groups):
                    room = self._room(episode, date, span)
                    if room is not None:
                        self._create_individual(episode, session_type, clinician, date, span, room)
                        return
                moment += length

    def _fits(self, episode, clinician, date, span, patient_windows, groups) -> bool:
        """Inside the person's availability, clear of their groups, of the groups the clinician leads
        that weekday and of both their sessions already booked that day."""
        day = date.weekday()
        if not any(d == day and s <= span[0] and span[1] <= e for d, s, e in patient_windows):
            return False
        taken = [(s, e) for d, s, e in groups if d == day]
        taken += self.busy[("leads", clinician.pk, day)]
        taken += self.busy[("user", clinician.pk, date)] + self.busy[("episode", episode.pk, date)]
        return not any(_overlaps(span, other) for other in taken)

    def _room(self, episode, date, span):
        """Video for those who prefer it (each session has its own link), else the first free office."""
        if self.modality.get(episode.patient_id) == Modality.TELEHEALTH:
            return self.rooms[TELEHEALTH_ROOM]
        for name in OFFICES:
            taken = self.busy[("room", self.rooms[name].pk, date)]
            if not any(_overlaps(span, other) for other in taken):
                return self.rooms[name]
        return None

    def _create_individual(self, episode, session_type, clinician, date, span, room) -> None:
        session = Session.objects.create(
            program=episode.program,
            session_type=session_type,
            date=date,
            start_time=_clock(span[0]),
            end_time=_clock(span[1]),
            room=room,
            created_by=clinician,
            updated_by=clinician,
        )
        session.clinicians.set([clinician])
        session_book(session, episode, by=clinician)
        self.busy[("user", clinician.pk, date)].append(span)
        self.busy[("episode", episode.pk, date)].append(span)
        self.busy[("room", room.pk, date)].append(span)

    # --- Attendance ---

    def _story_patients(self) -> tuple[dict, dict]:
        """Who misses two sessions in a row last week (the patient of the main clinician's "two missed
        groups" task, when they were in the program all week), and who ends the week before under target
        (another of her patients)."""
        clinician = self.users[MAIN_CLINICIAN]
        caseload = [e for e in self.episodes if self.primary.get(e.pk) == clinician]
        last_week, week_before = self.this_week - WEEK, self.this_week - 2 * WEEK

        def whole_week(episode, week):
            return episode.admitted_on is not None and episode.admitted_on <= week

        task = Task.objects.filter(title=MISSED_GROUPS_TASK, assigned_to=clinician).first()
        absent = next(
            (
                e
                for e in caseload
                if task is not None and e.patient_id == task.patient_id and whole_week(e, last_week)
            ),
            next((e for e in caseload if whole_week(e, last_week)), None),
        )
        short = next((e for e in caseload if e != absent and whole_week(e, week_before)), None)
        two_absences = {absent.patient.record_number: last_week} if absent else {}
        short_week = {short.patient.record_number: week_before} if short else {}
        return two_absences, short_week

    def _attendance(self) -> None:
        """Attendance of every session before today, recorded through `attendance_record` by the session's
        (first) clinician, session by session in date order. Today's sessions are left to record."""
        attendees = list(
            SessionAttendee.objects.filter(session__date__lt=self.today, episode__in=self.episodes)
            .select_related("session", "episode__patient", "episode__program")
            .order_by("session__date", "session__start_time", "pk")
        )
        bookings = [
            Booking(
                a.pk, a.episode.patient.record_number, a.session.date, a.session.start_time, a.session.minutes
            )
            for a in attendees
        ]
        two_absences, short_week = self._story_patients()
        marks = plan_attendance(bookings, two_absences=two_absences, short_week=short_week)
        by_session: dict[int, list[SessionAttendee]] = defaultdict(list)
        for attendee in attendees:
            by_session[attendee.session_id].append(attendee)
        sessions = Session.objects.filter(pk__in=list(by_session)).prefetch_related("clinicians")
        for session in sorted(sessions, key=lambda s: (s.date, s.start_time, s.pk)):
            entries = []
            for attendee in by_session[session.pk]:
                mark = marks[attendee.pk]
                entries.append((attendee, mark.status, mark.minutes, mark.note))
            recorder = min(session.clinicians.all(), key=lambda u: u.username, default=None)
            attendance_record(
                session=session,
                entries=entries,
                by=recorder or self.directors[session.program.short_name],
                today=self.today,
            )

    # --- Next week's draft plan ---

    def _week_plans(self) -> None:
        """A draft optimizer plan of next week per program, for the director to review (not published).
        If the first takes longer than the budget, the rest are skipped to keep the demo load quick."""
        for short_name, program in self.programs.items():
            started = time.monotonic()
            week_plan_build(
                program=program,
                week_start=self.next_week,
                by=self.directors[short_name],
                time_limit=PLAN_TIME_LIMIT,
            )
            self.plan_seconds[short_name] = time.monotonic() - started
            if self.plan_seconds[short_name] > PLAN_BUDGET_SECONDS:
                break


def contents() -> list[tuple[str, int]]:
    """What the demo calendar holds now, for a summary."""
    past = SessionAttendee.objects.exclude(status=AttendanceStatus.SCHEDULED)
    return [
        ("group series", GroupSeries.objects.count()),
        ("sessions", Session.objects.count()),
        ("attendance records", past.count()),
        ("engagement alerts", EngagementAlert.objects.count()),
        ("week plans", WeekPlan.objects.count()),
    ]
