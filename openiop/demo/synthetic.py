"""Synthetic organizations for scale tests and benchmarks: `seed_synthetic --size S|M|L [--seed N]`.

Unlike the demo (builder.py), which goes through the apps' services one record at a time, this writes in
bulk (`bulk_create` in batches, one transaction) so size L (20 programs, 55,000 episodes, about a million
questionnaires and a year of group attendance) loads in minutes. It reuses the demo's fictional names,
session types and password, and keeps the model invariants by construction: dates in order, one primary
clinician per episode, one session per series per day, attendance minutes as `attendance_minutes` stores
them, scores computed by the real scoring engine (`measures.scoring.score`, the pure function).

Everything comes from one `random.Random(seed)`, drawn in a fixed order, so a seed always gives the same
people, record numbers, dates and scores (UUIDs, tokens and timestamps of the run itself differ).
The run writes ONE audit event summarising what it created, not one per row.
"""

import datetime
import heapq
import math
import random
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from openiop.accounts.models import Role, StaffProfile, User
from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.discharge.models import Discharge, DischargeReason, DischargeStatus
from openiop.measures.models import Administration, Occasion, Source
from openiop.measures.registry import get_instrument
from openiop.measures.scoring import score
from openiop.patients.models import CareTeamMember, CareTeamRole, EpisodeOfCare, EpisodeStatus, Patient
from openiop.programs.models import Focus, Population, Program, Track
from openiop.scheduling.models import (
    AttendanceStatus,
    GroupMembership,
    GroupSeries,
    Session,
    SessionAttendee,
    SessionType,
)

from .builder import (
    CONTACT_GIVEN_NAMES,
    DEMO_PASSWORD,
    FAMILY_NAMES,
    GIVEN_NAMES,
    SPANISH_FAMILY_NAMES,
    SPANISH_GIVEN_NAMES,
    STREETS,
    TOWN,
)
from .scheduling import SESSION_TYPES

BATCH = 2000
# Synthetic record numbers say what they are: "SYN" + 7 digits (real ones are "OI" + 7, the demo's "OI9" + 6).
RECORD_NUMBER_PREFIX = "SYN"
SHORT_NAME_PREFIX = "SYN"
SEEDER_USERNAME = "synthetic-seeder"
PERIOD_DAYS = 364  # a year of history up to today
WEEK = datetime.timedelta(weeks=1)
DAY = datetime.timedelta(days=1)


class SyntheticRefused(Exception):
    """The database is not one a synthetic organization may be written into."""


@dataclass(frozen=True)
class Size:
    programs: int
    active: int
    discharged: int


SIZES = {
    "S": Size(programs=1, active=60, discharged=120),
    "M": Size(programs=5, active=600, discharged=6_000),
    "L": Size(programs=20, active=5_000, discharged=50_000),
}

# (name, abbreviation, population, focus, weekly hours target, tracks as (name, weekdays, start, end)).
# ASAM 2.1: >= 9 h/week for adults, >= 6 h/week for adolescents; each track delivers exactly the target.
_ADULT_TRACKS = (
    ("Morning", (0, 2, 4), datetime.time(9), datetime.time(12)),
    ("Evening", (0, 1, 3), datetime.time(18), datetime.time(21)),
    ("Midday", (1, 3, 4), datetime.time(12, 30), datetime.time(15, 30)),
)
_TEEN_TRACKS = (
    ("After school", (0, 2, 3), datetime.time(15, 30), datetime.time(17, 30)),
    ("Late afternoon", (1, 3, 4), datetime.time(16), datetime.time(18)),
)
PROGRAM_KINDS = (
    ("Adult Mental Health IOP", "Adult MH", Population.ADULT, Focus.MENTAL_HEALTH, 9, _ADULT_TRACKS),
    ("Adolescent Co-occurring IOP", "Teen COD", Population.ADOLESCENT, Focus.CO_OCCURRING, 6, _TEEN_TRACKS),
    ("Adult Substance Use IOP", "Adult SU", Population.ADULT, Focus.SUBSTANCE_USE, 9, _ADULT_TRACKS),
    ("Adult Co-occurring IOP", "Adult COD", Population.ADULT, Focus.CO_OCCURRING, 9, _ADULT_TRACKS),
)
# Towns that do not exist: every site name says the organization is made up.
SITES = ("Anytown", "Sampleville", "Exampleton", "Mockford", "Fictionburg", "Harbor Point", "Testhaven")
PATIENTS_PER_TRACK = 10  # groups typically hold 6-12 people (PRODUCT.md section 3); capacity is 12
MEAN_STAY_DAYS = 49  # discharged stays are drawn from 28-70 days
# Of discharged episodes; stepped up/down are left out because closing those records a level transition.
DISCHARGE_REASONS = (
    (DischargeReason.COMPLETED, 78),
    (DischargeReason.LEFT_AGAINST_ADVICE, 14),
    (DischargeReason.ADMINISTRATIVE, 8),
)
# A person's course: (score at admission, change per week) on each charted instrument, as the demo's
# trajectories (PCL-5, 0-80, moves about three times as far as the PHQ-9).
STORIES = (
    {"PHQ-9": (18, -2.0), "GAD-7": (14, -1.5), "PCL-5": (46, -4.0)},
    {"PHQ-9": (16, -3.0), "GAD-7": (12, -2.0), "PCL-5": (40, -5.0)},
    {"PHQ-9": (15, -0.8), "GAD-7": (11, -0.6), "PCL-5": (38, -1.5)},
    {"PHQ-9": (18, -2.0), "GAD-7": (14, -1.5), "PCL-5": (50, -3.0)},
    {"PHQ-9": (14, 0.0), "GAD-7": (12, 0.0), "PCL-5": (34, 0.0)},
    {"PHQ-9": (10, 1.5), "GAD-7": (9, 1.2), "PCL-5": (26, 3.0)},
)


@dataclass(frozen=True)
class Measure:
    """One instrument of a program's questionnaire plan: given at admission, then every `every_weeks`
    weeks while in treatment (None: at admission only), and at discharge if `at_discharge`. `noise` is the
    week-to-week wobble of a story's score (in points, either way)."""

    code: str
    every_weeks: int | None
    at_discharge: bool = False
    noise: int = 2


# What a program gives, by its focus (only instruments the project ships, each licence recorded in its file):
# - PHQ-9 and GAD-7 weekly for everyone: the measurement-based-care core (PRODUCT.md section 5); the weekly
#   one falling on the discharge day is the discharge measure.
# - PCL-5 at admission, every four weeks and at discharge: its form asks about the past month, so weekly
#   would overlap; the four-weekly ones are "on demand" (program schedules are admission/weekly/discharge).
# - ASQ at admission for everyone: universal suicide-risk screening (Joint Commission NPSG 15.01.01). All
#   answers "no" here, so no urgent alert is owed, as PHQ-9 item 9 stays at 0.
# - AUDIT-C at admission in substance-use and co-occurring programs: it asks about the past year, so once.
# At size L this is about 1.06 million questionnaires (55,000 episodes of ~7 weeks).
_CORE = (
    Measure("PHQ-9", every_weeks=1),
    Measure("GAD-7", every_weeks=1),
    Measure("PCL-5", every_weeks=4, at_discharge=True, noise=5),
    Measure("ASQ", every_weeks=None),
)
QUESTIONNAIRE_PLANS = {
    Focus.MENTAL_HEALTH: _CORE,
    Focus.SUBSTANCE_USE: (*_CORE, Measure("AUDIT-C", every_weeks=None)),
    Focus.CO_OCCURRING: (*_CORE, Measure("AUDIT-C", every_weeks=None)),
}
ASQ_NEGATIVE = {"1": 0, "2": 0, "3": 0, "4": 0}  # question 5 is asked only after a "yes"


@dataclass
class SeedResult:
    size: str
    seed: int
    created: Counter = field(default_factory=Counter)

    @property
    def total_created(self) -> int:
        return sum(self.created.values())


# --- Pure planning helpers (no database) ----------------------------------------------------------------


def scaled(size: Size, scale: float) -> Size:
    """`size` with patient counts multiplied by `scale` (tests use a fraction of S); at least one each."""
    return Size(
        programs=size.programs,
        active=max(size.programs, round(size.active * scale)),
        discharged=max(size.programs, round(size.discharged * scale)),
    )


def split(total: int, parts: int) -> list[int]:
    """`total` shared as evenly as possible over `parts` (the first ones get the remainder)."""
    base, extra = divmod(total, parts)
    return [base + (1 if index < extra else 0) for index in range(parts)]


def track_count(active: int, discharged: int) -> int:
    """Enough tracks for about PATIENTS_PER_TRACK people each at the busiest time: today (every active
    person) or, on average over the year, the discharged people then in treatment (a stay of ~7 weeks)."""
    concurrent = max(active, discharged * MEAN_STAY_DAYS / PERIOD_DAYS)
    return max(1, math.ceil(concurrent / PATIENTS_PER_TRACK))


def assign_tracks(people: list[dict], tracks: list) -> None:
    """Put each person (in order of admission) on the track with the fewest people in treatment that day,
    so no group outgrows its capacity. Sets people[i]["track"]."""
    in_treatment: list[list[datetime.date]] = [[] for _ in tracks]  # min-heaps of last days
    never = datetime.date.max
    for person in sorted(people, key=lambda p: (p["admitted"], p["record_number"])):
        for heap in in_treatment:
            while heap and heap[0] <= person["admitted"]:
                heapq.heappop(heap)
        chosen = min(range(len(tracks)), key=lambda i: (len(in_treatment[i]), i))
        heapq.heappush(in_treatment[chosen], person["discharged"] or never)
        person["track"] = tracks[chosen]


def spread_answers(instrument, total: int, offset: int) -> dict[str, int]:
    """Answers adding up to `total` over the non-critical items, starting at item `offset` so the pattern
    varies; critical items (PHQ-9 item 9) stay at their minimum, so no urgent alert is owed."""
    items = [i for i in instrument.scored_items if i.critical is None]
    answers = {i.key: i.min_value for i in instrument.scored_items}
    total = max(0, min(total, sum(i.max_value - i.min_value for i in items)))
    index = offset
    while total > 0:
        item = items[index % len(items)]
        if answers[item.key] < item.max_value:
            answers[item.key] += 1
            total -= 1
        index += 1
    return answers


def questionnaire_plan(focus: str) -> tuple[Measure, ...]:
    """The instruments a program of this focus gives (QUESTIONNAIRE_PLANS; a new focus gets the core)."""
    return QUESTIONNAIRE_PLANS.get(focus, _CORE)


def planned_questionnaires(
    plan: tuple[Measure, ...], admitted: datetime.date, last: datetime.date, discharged: datetime.date | None
) -> list[tuple[Measure, int, datetime.date, str]]:
    """(measure, weeks since admission, day, occasion) of every questionnaire an episode admitted on
    `admitted` and followed until `last` (its discharge, or today) is given under `plan`, instrument by
    instrument in the plan's order. One per instrument per day: a repeat falling on the discharge day is
    the discharge measure."""
    out = []
    for measure in plan:
        days = [admitted]
        if measure.every_weeks:
            step = WEEK * measure.every_weeks
            while days[-1] + step <= last:
                days.append(days[-1] + step)
        if measure.at_discharge and discharged is not None and days[-1] != discharged:
            days.append(discharged)
        for day in days:
            if discharged is not None and day == discharged:
                occasion = Occasion.DISCHARGE
            elif day == admitted:
                occasion = Occasion.ADMISSION
            else:
                occasion = Occasion.WEEKLY if measure.every_weeks == 1 else Occasion.ON_DEMAND
            out.append((measure, (day - admitted).days // 7, day, occasion))
    return out


def highest_total(instrument) -> int:
    """The highest total `spread_answers` can give: critical items stay at their minimum."""
    return sum(i.max_value - i.min_value for i in instrument.scored_items if i.critical is None)


class Scorer:
    """The real scoring engine, memoised on the answers: a few thousand distinct forms cover a million rows."""

    def __init__(self):
        self.cache: dict = {}
        self.spread: dict = {}

    def answers(self, instrument, total: int, offset: int) -> dict[str, int]:
        """`spread_answers`, memoised (the row keeps its own reference; nothing mutates it)."""
        key = (instrument.code, instrument.version, total, offset)
        if key not in self.spread:
            self.spread[key] = spread_answers(instrument, total, offset)
        return self.spread[key]

    def __call__(self, instrument, answers: dict) -> dict:
        key = (instrument.code, instrument.version, tuple(sorted(answers.items())))
        if key not in self.cache:
            result = score(instrument, answers)
            self.cache[key] = {
                "status": result.status,
                "total": result.total,
                "band": result.band.label if result.band else "",
                "subscales": {s.key: s.score for s in result.subscales},
                "flags": [f.to_dict() for f in result.flags],
                "result": result.to_dict(),
            }
        return self.cache[key]


def _name(rng: random.Random) -> tuple[str, str, str, bool]:
    pronouns = rng.choices(list(GIVEN_NAMES), weights=(45, 45, 10))[0]
    spanish = rng.random() < 0.2
    pool = SPANISH_GIVEN_NAMES.get(pronouns, GIVEN_NAMES[pronouns]) if spanish else GIVEN_NAMES[pronouns]
    return rng.choice(pool), rng.choice(SPANISH_FAMILY_NAMES if spanish else FAMILY_NAMES), pronouns, spanish


def _birth_date(rng: random.Random, today: datetime.date, adolescent: bool) -> datetime.date:
    age_days = rng.randint(13 * 365 + 4, 17 * 365) if adolescent else rng.randint(19 * 365 + 5, 64 * 365)
    return today - datetime.timedelta(days=age_days)


# --- Writing ----------------------------------------------------------------------------------------------


def _bulk(result: SeedResult, label: str, model, objects: list) -> list:
    created = model.objects.bulk_create(objects, batch_size=BATCH)
    result.created[label] += len(created)
    return created


class _Flusher:
    """Collects rows of one model and writes them in batches, so memory stays flat at size L."""

    def __init__(self, result: SeedResult, label: str, model):
        self.result, self.label, self.model, self.rows = result, label, model, []

    def add(self, row) -> None:
        self.rows.append(row)
        if len(self.rows) >= BATCH * 5:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            _bulk(self.result, self.label, self.model, self.rows)
            self.rows = []


def check_database() -> None:
    """Refuse a database holding real patients (staff here share a known password) or an earlier seed."""
    if Patient.objects.filter(is_synthetic=False).exists():
        raise SyntheticRefused(
            "This database holds real (non-synthetic) patients; a synthetic organization, whose staff "
            "share a known password, is not written into it. Use a fresh database."
        )
    if Program.objects.filter(short_name__startswith=SHORT_NAME_PREFIX).exists():
        raise SyntheticRefused(
            "A synthetic organization is already seeded here; seed a fresh database (e.g. after "
            "`manage.py flush`) to get a reproducible one."
        )


def _staff(result, rng, programs_plan, password) -> dict:
    """Directors, clinicians, psychiatrists and intake coordinators of each program, with profiles."""
    users, roles = [], {}
    for index, (active, discharged) in enumerate(programs_plan, start=1):
        tag = f"syn{index:02d}"
        # One clinician leads each track's groups (so no one is booked twice at once) and carries a caseload.
        clinicians = max(2, track_count(active, discharged))
        psychiatrists = max(1, math.ceil(active / 60))
        intake = max(1, math.ceil(active / 100))
        spec = (
            [("director", Role.PROGRAM_DIRECTOR, 1, "Program director", "PsyD")]
            + [("clinician", Role.CLINICIAN, clinicians, "Therapist", "LCSW")]
            + [("psychiatrist", Role.PSYCHIATRIST, psychiatrists, "Psychiatrist", "MD")]
            + [("intake", Role.INTAKE_COORDINATOR, intake, "Intake coordinator", "")]
        )
        for word, role, count, title, credentials in spec:
            for number in range(1, count + 1):
                username = (
                    f"{tag}-{word}" if count == 1 and word == "director" else f"{tag}-{word}{number:02d}"
                )
                given, family, _, _ = _name(rng)
                users.append(
                    User(
                        username=username,
                        role=role,
                        first_name=given,
                        last_name=family,
                        email=f"{username}@example.invalid",
                        password=password,
                    )
                )
                roles[username] = (index - 1, word, title, credentials)
    users.append(
        User(
            username="syn-auditor",
            role=Role.AUDITOR,
            first_name="Audrey",
            last_name="Synthetic",
            email="syn-auditor@example.invalid",
            password=password,
        )
    )
    roles["syn-auditor"] = (None, "auditor", "Privacy officer", "")
    _bulk(result, "staff accounts", User, users)
    saved = {u.username: u for u in User.objects.filter(username__in=[u.username for u in users])}
    profiles = [
        StaffProfile(user=saved[name], title=title, credentials=credentials)
        for name, (_p, _w, title, credentials) in roles.items()
    ]
    profiles = _bulk(result, "staff profiles", StaffProfile, profiles)
    by_program: dict[int, dict[str, list[User]]] = {}
    for name, (program_index, word, _t, _c) in roles.items():
        if program_index is not None:
            by_program.setdefault(program_index, {}).setdefault(word, []).append(saved[name])
    profile_of = {profile.user_id: profile.pk for profile in profiles}
    return {"users": saved, "by_program": by_program, "profile_of": profile_of}


def _programs(result, plan, staff) -> list[tuple[Program, list[Track]]]:
    programs = []
    for index in range(len(plan)):
        name, abbreviation, population, focus, hours, _tracks = PROGRAM_KINDS[index % len(PROGRAM_KINDS)]
        site = SITES[index % len(SITES)]
        director = staff["by_program"][index]["director"][0]
        programs.append(
            Program(
                name=f"{name}, {site} (synthetic {index + 1:02d})",
                short_name=f"{SHORT_NAME_PREFIX}{index + 1:02d} {abbreviation}",
                population=population,
                focus=focus,
                weekly_hours_target=hours,
                description=f"A made-up program of a synthetic organization in {site}, for scale tests.",
                created_by=director,
                updated_by=director,
            )
        )
    programs = _bulk(result, "programs", Program, programs)
    tracks = []
    for index, ((active, discharged), program) in enumerate(zip(plan, programs, strict=True)):
        track_specs = PROGRAM_KINDS[index % len(PROGRAM_KINDS)][5]
        director = staff["by_program"][index]["director"][0]
        for number in range(track_count(active, discharged)):
            name, weekdays, start, end = track_specs[number % len(track_specs)]
            round_ = number // len(track_specs)
            tracks.append(
                Track(
                    program=program,
                    name=name if round_ == 0 else f"{name} {round_ + 1}",
                    weekdays=list(weekdays),
                    start_time=start,
                    end_time=end,
                    capacity=12,
                    created_by=director,
                    updated_by=director,
                )
            )
    tracks = _bulk(result, "tracks", Track, tracks)
    through = StaffProfile.programs.through
    links = [
        through(staffprofile_id=staff["profile_of"][user.pk], program_id=program.pk)
        for index, program in enumerate(programs)
        for people in staff["by_program"][index].values()
        for user in people
    ]
    _bulk(result, "staff program memberships", through, links)
    return [(program, [t for t in tracks if t.program_id == program.pk]) for program in programs]


def _minutes(start: datetime.time, end: datetime.time) -> int:
    return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)


def _calendar(result, programs, staff, first: datetime.date, last: datetime.date) -> dict:
    """Two groups (process, then skills) on every meeting day of every track, `first` to `last`.

    Returns {(track pk, date): [(session pk, minutes, facilitator pk, recorded_at)]} and the series of
    each track, for rosters and attendance.
    """
    types = {}
    for spec in SESSION_TYPES[:2]:
        types[spec.name], created = SessionType.objects.get_or_create(
            name=spec.name,
            defaults={"kind": spec.kind, "default_minutes": spec.minutes, "allowed_credentials": []},
        )
        result.created["session types"] += created
    series_rows, series_meta = [], []
    for index, (program, tracks) in enumerate(programs):
        clinicians = staff["by_program"][index]["clinician"]
        for track_number, track in enumerate(tracks):
            middle_minutes = _minutes(track.start_time, track.end_time) // 2
            middle = (
                datetime.datetime.combine(first, track.start_time)
                + datetime.timedelta(minutes=middle_minutes)
            ).time()
            for weekday in track.weekdays:
                for type_name, start, end in (
                    ("Process group", track.start_time, middle),
                    ("Skills group", middle, track.end_time),
                ):
                    facilitator = clinicians[track_number % len(clinicians)]
                    series_rows.append(
                        GroupSeries(
                            program=program,
                            track=track,
                            session_type=types[type_name],
                            name=f"{type_name} · {track.name}",
                            weekday=weekday,
                            start_time=start,
                            end_time=end,
                            capacity=12,
                            starts_on=first,
                            created_by=facilitator,
                            updated_by=facilitator,
                        )
                    )
                    series_meta.append(facilitator)
    series_rows = _bulk(result, "group series", GroupSeries, series_rows)
    facilitators = GroupSeries.facilitators.through
    _bulk(
        result,
        "group facilitators",
        facilitators,
        [
            facilitators(groupseries_id=s.pk, user_id=f.pk)
            for s, f in zip(series_rows, series_meta, strict=True)
        ],
    )
    series_by_track: dict[int, list[GroupSeries]] = {}
    for series in series_rows:
        series_by_track.setdefault(series.track_id, []).append(series)

    sessions: dict = {}
    clinicians_through = Session.clinicians.through
    day = first
    pending, pending_meta = [], []

    def flush():
        saved = _bulk(result, "sessions", Session, pending)
        _bulk(
            result,
            "session clinicians",
            clinicians_through,
            [
                clinicians_through(session_id=s.pk, user_id=m[1])
                for s, m in zip(saved, pending_meta, strict=True)
            ],
        )
        for session, (track_pk, facilitator_pk) in zip(saved, pending_meta, strict=True):
            ended = timezone.make_aware(datetime.datetime.combine(session.date, session.end_time))
            sessions.setdefault((track_pk, session.date), []).append(
                (session.pk, _minutes(session.start_time, session.end_time), facilitator_pk, ended)
            )
        pending.clear()
        pending_meta.clear()

    facilitator_of = dict(zip((s.pk for s in series_rows), (f.pk for f in series_meta), strict=True))
    while day <= last:
        for track_series in series_by_track.values():
            for series in track_series:
                if series.weekday != day.weekday():
                    continue
                facilitator_pk = facilitator_of[series.pk]
                pending.append(
                    Session(
                        program_id=series.program_id,
                        series=series,
                        session_type_id=series.session_type_id,
                        date=day,
                        start_time=series.start_time,
                        end_time=series.end_time,
                        created_by_id=facilitator_pk,
                        updated_by_id=facilitator_pk,
                    )
                )
                pending_meta.append((series.track_id, facilitator_pk))
        if len(pending) >= BATCH * 5:
            flush()
        day += DAY
    flush()
    return {"sessions": sessions, "series_by_track": series_by_track}


def _attendance_status(rng: random.Random, engagement: float, minutes: int) -> tuple[str, int]:
    """A recorded attendance as the service stores it: present = the whole session, absent = 0."""
    if rng.random() >= engagement:
        status = AttendanceStatus.ABSENT_EXCUSED if rng.random() < 0.5 else AttendanceStatus.ABSENT_UNEXCUSED
        return status, 0
    draw = rng.random()
    if draw < 0.05:
        return AttendanceStatus.LATE, minutes - rng.randint(5, min(30, minutes - 1))
    if draw < 0.09:
        return AttendanceStatus.LEFT_EARLY, minutes - rng.randint(10, min(45, minutes - 1))
    return AttendanceStatus.PRESENT, minutes


def _episode_dates(rng, today, first, status) -> tuple[datetime.date, datetime.date, datetime.date | None]:
    if status == EpisodeStatus.ACTIVE:
        admitted = today - datetime.timedelta(days=rng.randint(0, 62))
        discharged = None
    else:
        admitted = first + datetime.timedelta(days=rng.randint(0, max(0, (today - first).days - 29)))
        discharged = min(admitted + datetime.timedelta(days=rng.randint(28, 70)), today - DAY)
    referred = admitted - datetime.timedelta(days=rng.randint(3, 14))
    return referred, admitted, discharged


def _people(result, rng, today, first, programs, staff, plan, calendar) -> None:
    """Patients, episodes, care teams, rosters, attendance, questionnaires and discharge records."""
    scorer = Scorer()
    sequence = 0
    for index, ((program, tracks), (active, discharged)) in enumerate(zip(programs, plan, strict=True)):
        people = staff["by_program"][index]
        adolescent = program.population == Population.ADOLESCENT
        plan_of_program = [(m, get_instrument(m.code)) for m in questionnaire_plan(program.focus)]
        statuses = [EpisodeStatus.ACTIVE] * active + [EpisodeStatus.DISCHARGED] * discharged
        rng.shuffle(statuses)
        # Draw every person in full first (pure), then write patients, then everything hanging off them.
        drawn = []
        for number, status in enumerate(statuses):
            sequence += 1
            given, family, pronouns, spanish = _name(rng)
            referred, admitted, discharged_on = _episode_dates(rng, today, first, status)
            drawn.append(
                {
                    "record_number": f"{RECORD_NUMBER_PREFIX}{sequence:07d}",
                    "given": given,
                    "family": family,
                    "pronouns": pronouns,
                    "language": "es" if spanish and rng.random() < 0.7 else "en",
                    "date_of_birth": _birth_date(rng, today, adolescent),
                    "phone": f"(201) 555-01{rng.randint(0, 99):02d}",
                    "address": f"{rng.randint(10, 999)} {rng.choice(STREETS)}, {TOWN}",
                    "contact": f"{rng.choice(CONTACT_GIVEN_NAMES)} {family}",
                    "status": status,
                    "referred": referred,
                    "admitted": admitted,
                    "discharged": discharged_on,
                    "primary": people["clinician"][number % len(people["clinician"])],
                    "psychiatrist": people["psychiatrist"][number % len(people["psychiatrist"])],
                    "intake": people["intake"][number % len(people["intake"])],
                    "engagement": rng.uniform(0.7, 0.98),
                    "story": STORIES[rng.randrange(len(STORIES))],
                    "reason": rng.choices(
                        [r for r, _ in DISCHARGE_REASONS], weights=[w for _, w in DISCHARGE_REASONS]
                    )[0],
                }
            )
        assign_tracks(drawn, tracks)
        for start in range(0, len(drawn), BATCH * 5):
            _write_people(
                result,
                rng,
                today,
                program,
                drawn[start : start + BATCH * 5],
                calendar,
                scorer,
                plan_of_program,
            )


def _write_people(result, rng, today, program, drawn, calendar, scorer, plan) -> None:
    patients = _bulk(
        result,
        "patients",
        Patient,
        [
            Patient(
                record_number=p["record_number"],
                legal_given_name=p["given"],
                legal_family_name=p["family"],
                pronouns=p["pronouns"],
                date_of_birth=p["date_of_birth"],
                language=p["language"],
                phone=p["phone"],
                email=f"{p['given']}.{p['family']}.{p['record_number']}@example.invalid".lower(),
                address=p["address"],
                emergency_contact_name=p["contact"],
                emergency_contact_relationship="Family",
                emergency_contact_phone=f"(201) 555-01{rng.randint(0, 99):02d}",
                is_synthetic=True,
                created_by=p["intake"],
                updated_by=p["intake"],
            )
            for p in drawn
        ],
    )
    episodes = _bulk(
        result,
        "episodes of care",
        EpisodeOfCare,
        [
            EpisodeOfCare(
                patient=patient,
                program=program,
                track=p["track"],
                status=p["status"],
                referred_on=p["referred"],
                admitted_on=p["admitted"],
                discharged_on=p["discharged"],
                created_by=p["intake"],
                updated_by=p["primary"],
            )
            for patient, p in zip(patients, drawn, strict=True)
        ],
    )
    team = []
    for episode, p in zip(episodes, drawn, strict=True):
        team.append(CareTeamMember(episode=episode, user=p["primary"], role=CareTeamRole.PRIMARY_CLINICIAN))
        team.append(CareTeamMember(episode=episode, user=p["psychiatrist"], role=CareTeamRole.PSYCHIATRIST))
    _bulk(result, "care team members", CareTeamMember, team)
    discharges = [
        Discharge(
            episode=episode,
            reason=p["reason"],
            planned_on=p["discharged"],
            support_groups="Weekly peer support group at the (fictional) community centre.",
            crisis_plan="Call or text 988, or go to the nearest emergency department.",
            status=DischargeStatus.CLOSED,
            closed_on=p["discharged"],
            closed_at=timezone.make_aware(datetime.datetime.combine(p["discharged"], datetime.time(16))),
            closed_by=p["primary"],
            created_by=p["primary"],
            updated_by=p["primary"],
        )
        for episode, p in zip(episodes, drawn, strict=True)
        if p["discharged"] is not None
    ]
    _bulk(result, "discharge records", Discharge, discharges)

    memberships = _Flusher(result, "group memberships", GroupMembership)
    attendees = _Flusher(result, "session attendees", SessionAttendee)
    administrations = _Flusher(result, "questionnaires", Administration)
    horizon = today + datetime.timedelta(days=6)
    for episode, p in zip(episodes, drawn, strict=True):
        for series in calendar["series_by_track"][p["track"].pk]:
            memberships.add(
                GroupMembership(
                    series=series, episode=episode, starts_on=p["admitted"], ends_on=p["discharged"]
                )
            )
        day, end = p["admitted"], p["discharged"] or horizon + DAY
        while day < end and day <= horizon:
            for session_pk, minutes, facilitator_pk, ended in calendar["sessions"].get(
                (p["track"].pk, day), ()
            ):
                if day < today:
                    status, attended = _attendance_status(rng, p["engagement"], minutes)
                    attendees.add(
                        SessionAttendee(
                            session_id=session_pk,
                            episode=episode,
                            status=status,
                            minutes_attended=attended,
                            recorded_by_id=facilitator_pk,
                            recorded_at=ended,
                        )
                    )
                else:
                    attendees.add(SessionAttendee(session_id=session_pk, episode=episode))
            day += DAY
        _questionnaires(rng, administrations, scorer, episode, p, today, plan)
    memberships.flush()
    attendees.flush()
    administrations.flush()


def _questionnaires(rng, out, scorer, episode, p, today, plan) -> None:
    """The program's questionnaire plan from admission to discharge or today, scored on the person's story."""
    measures = tuple(m for m, _ in plan)
    instruments = dict(plan)
    audit_c = rng.randint(0, 12)  # drinking in the past year, asked once at admission
    for measure, week, on, occasion in planned_questionnaires(
        measures, p["admitted"], p["discharged"] or today, p["discharged"]
    ):
        instrument = instruments[measure]
        if measure.code == "ASQ":
            answers = ASQ_NEGATIVE
        else:
            if measure.code == "AUDIT-C":
                total = audit_c
            else:
                start, step = p["story"][measure.code]
                wobble = rng.choice((-2, -1, 0, 0, 1, 2)) * measure.noise / 2
                total = round(start + step * week + wobble)
            total = max(0, min(highest_total(instrument), total))
            answers = scorer.answers(instrument, total, rng.randrange(9))
        out.add(
            Administration(
                episode=episode,
                patient_id=episode.patient_id,
                instrument_code=instrument.code,
                instrument_version=instrument.version,
                occasion=occasion,
                source=Source.STAFF_ENTRY,
                completed_on=on,
                answers=answers,
                created_by=p["primary"],
                updated_by=p["primary"],
                **scorer(instrument, answers),
            )
        )


def seed_synthetic(
    *, size: str, seed: int = 1, scale: float = 1.0, today: datetime.date | None = None
) -> SeedResult:
    """Write a synthetic organization of `size` ("S", "M" or "L") drawn from `seed`. All or nothing.

    `scale` multiplies the patient counts (tests use a fraction of S). Refuses (SyntheticRefused) a
    database holding non-synthetic patients or an earlier synthetic organization.
    """
    if size not in SIZES:
        raise SyntheticRefused(f"Unknown size {size!r}: choose one of {', '.join(SIZES)}.")
    today = today or timezone.localdate()
    first = today - datetime.timedelta(days=PERIOD_DAYS)
    spec = scaled(SIZES[size], scale)
    plan = list(zip(split(spec.active, spec.programs), split(spec.discharged, spec.programs), strict=True))
    rng = random.Random(f"openiop-synthetic-{size}-{seed}")  # noqa: S311 - fictional data, not security
    result = SeedResult(size=size, seed=seed)
    password = make_password(DEMO_PASSWORD)
    with transaction.atomic():
        check_database()
        staff = _staff(result, rng, plan, password)
        programs = _programs(result, plan, staff)
        calendar = _calendar(result, programs, staff, first, today + datetime.timedelta(days=6))
        _people(result, rng, today, first, programs, staff, plan, calendar)
        audit_record(
            action=Action.CREATE,
            object_type="demo.seed_synthetic",
            username=SEEDER_USERNAME,
            detail={"size": size, "seed": seed, "scale": scale, "created": dict(result.created)},
        )
    return result
