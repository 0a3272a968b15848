"""A clearly fictional demo organization: two programs, their staff, ~40 synthetic patients and some tasks,
their intake records (intake.py) and six weeks of calendar and attendance (scheduling.py, loaded once).

Loading is idempotent. Every record has a stable natural key (username, program short name, track name,
record number "OI9" + sequence, task title + assignee + patient); a record that is already there is left
exactly as it is, so a second load changes nothing. All variation comes from one seeded generator, and the
plan is drawn in full on every run (whatever is skipped), so the same key always gets the same person.
Dates are relative to the day of the first load and are never moved afterwards.
"""

import datetime
import itertools
import random
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from openiop.accounts.models import Role, StaffProfile, User
from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.coordination.demo import load_demo_coordination
from openiop.discharge.demo import load_demo_discharges
from openiop.home.models import Task
from openiop.measures.demo_admin import load_demo_measures
from openiop.measures.demo_trajectories import load_demo_trajectories
from openiop.measures.models import Administration
from openiop.notes.demo import load_demo_notes
from openiop.patients.models import (
    CareTeamMember,
    CareTeamRole,
    EpisodeOfCare,
    EpisodeStatus,
    Language,
    Patient,
)
from openiop.programs.models import Focus, Population, Program, Track
from openiop.safety.demo import load_demo_safety
from openiop.skills.demo import load_demo_skills
from openiop.transitions.demo import load_demo_medications
from openiop.treatment.demo import load_demo_treatment
from openiop.utilization.demo import load_demo_authorizations

from .intake import load_intake
from .scheduling import load_scheduling

# One password for every demo login. Demo only: the loader refuses a database that holds real patients.
DEMO_PASSWORD = "openiop-demo"  # noqa: S105
SEED = 2026
# Real record numbers are "OI" + 7 random digits; demo ones count up from OI9000001.
RECORD_NUMBER_PREFIX = "OI9"
LOADER_USERNAME = "demo-loader"


class DemoRefused(Exception):
    """The database is not one the demo may be loaded into."""


# --- Programs and tracks ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrackSpec:
    name: str
    weekdays: tuple[int, ...]
    start: datetime.time
    end: datetime.time
    capacity: int


@dataclass(frozen=True)
class ProgramSpec:
    name: str
    short_name: str
    population: str
    focus: str
    weekly_hours_target: int
    description: str
    director: str
    tracks: tuple[TrackSpec, ...]


ADULT = "Adult MH"
TEEN = "Teen COD"

# ASAM 2.1: >= 9 h/week for adults, >= 6 h/week for adolescents; each track delivers exactly the target.
PROGRAMS = (
    ProgramSpec(
        name="Adult Mental Health IOP",
        short_name=ADULT,
        population=Population.ADULT,
        focus=Focus.MENTAL_HEALTH,
        weekly_hours_target=9,
        description="Group and individual therapy for adults with depression, anxiety and trauma, "
        "three mornings or three evenings a week so people can keep working.",
        director="director",
        tracks=(
            TrackSpec("Morning", (0, 2, 4), datetime.time(9), datetime.time(12), 12),
            TrackSpec("Evening", (0, 1, 3), datetime.time(18), datetime.time(21), 12),
        ),
    ),
    ProgramSpec(
        name="Adolescent Co-occurring IOP",
        short_name=TEEN,
        population=Population.ADOLESCENT,
        focus=Focus.CO_OCCURRING,
        weekly_hours_target=6,
        description="After-school program for teens aged 13-17 living with both mental health and "
        "substance use concerns, with weekly family sessions.",
        director="director2",
        tracks=(TrackSpec("After school", (0, 2, 3), datetime.time(15, 30), datetime.time(17, 30), 10),),
    ),
)


# --- Staff ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffSpec:
    username: str
    role: str
    first_name: str
    last_name: str
    credentials: str
    title: str
    programs: tuple[str, ...]
    sees: str
    is_superuser: bool = False


# Family names such as "Example" and "Sample" say at a glance that nobody here is a real person.
STAFF = (
    StaffSpec(
        "intake",
        Role.INTAKE_COORDINATOR,
        "Inez",
        "Example",
        "",
        "Intake coordinator",
        (ADULT, TEEN),
        "referrals, waitlist and every chart in both programs",
    ),
    StaffSpec(
        "intake2",
        Role.INTAKE_COORDINATOR,
        "Omar",
        "Sample",
        "",
        "Intake coordinator",
        (TEEN,),
        "referrals, waitlist and every chart in Teen COD",
    ),
    StaffSpec(
        "clinician",
        Role.CLINICIAN,
        "Cleo",
        "Example",
        "LCSW",
        "Therapist",
        (ADULT, TEEN),
        "own caseload in both programs, task list",
    ),
    StaffSpec(
        "clinician2",
        Role.CLINICIAN,
        "Luis",
        "Invented",
        "LPC",
        "Counselor",
        (ADULT,),
        "own caseload in Adult MH",
    ),
    StaffSpec(
        "clinician3",
        Role.CLINICIAN,
        "Mara",
        "Fictional",
        "LMFT",
        "Family therapist",
        (TEEN,),
        "own caseload in Teen COD",
    ),
    StaffSpec(
        "clinician4",
        Role.CLINICIAN,
        "Andre",
        "Sample",
        "LCADC",
        "Substance use counselor",
        (TEEN,),
        "own caseload in Teen COD",
    ),
    StaffSpec(
        "clinician5",
        Role.CLINICIAN,
        "Priya",
        "Mockup",
        "PsyD",
        "Psychologist",
        (ADULT,),
        "own caseload in Adult MH",
    ),
    StaffSpec(
        "psychiatrist",
        Role.PSYCHIATRIST,
        "Henry",
        "Specimen",
        "MD",
        "Psychiatrist",
        (ADULT,),
        "charts of own care teams in Adult MH",
    ),
    StaffSpec(
        "psychiatrist2",
        Role.PSYCHIATRIST,
        "Grace",
        "Invented",
        "MD",
        "Child and adolescent psychiatrist",
        (TEEN,),
        "charts of own care teams in Teen COD",
    ),
    StaffSpec(
        "director",
        Role.PROGRAM_DIRECTOR,
        "Dana",
        "Example",
        "PsyD",
        "Program director",
        (ADULT,),
        "every chart in Adult MH, break-glass reviews",
    ),
    StaffSpec(
        "director2",
        Role.PROGRAM_DIRECTOR,
        "Theo",
        "Sample",
        "LCSW",
        "Program director",
        (TEEN,),
        "every chart in Teen COD, break-glass reviews",
    ),
    StaffSpec(
        "auditor",
        Role.AUDITOR,
        "Audrey",
        "Fictional",
        "",
        "Privacy officer",
        (),
        "audit reports and break-glass reviews, no charts",
    ),
    StaffSpec(
        "admin",
        Role.ADMINISTRATOR,
        "Adam",
        "Mockup",
        "",
        "System administrator",
        (),
        "Django admin and settings, no charts",
        is_superuser=True,
    ),
)

PORTAL_USERNAMES = ("patient", "patient2")
PORTAL_SEES = "own care in the patient portal"

# Who carries which episodes. Repeating "clinician" gives the main demo login a real caseload.
PRIMARY_POOLS = {
    ADULT: ("clinician", "clinician2", "clinician", "clinician5"),
    TEEN: ("clinician", "clinician3", "clinician4", "clinician4"),
}
PSYCHIATRISTS = {ADULT: "psychiatrist", TEEN: "psychiatrist2"}
FAMILY_THERAPISTS = {ADULT: ("clinician2", "clinician5"), TEEN: ("clinician3",)}
INTAKE_POOLS = {ADULT: ("intake",), TEEN: ("intake", "intake2")}

# --- Patients ------------------------------------------------------------------------------------------

# (status, adults, adolescents): 40 people, about a third adolescents.
STATUS_SPREAD = (
    (EpisodeStatus.REFERRAL, 5, 3),
    (EpisodeStatus.WAITLIST, 4, 2),
    (EpisodeStatus.ACTIVE, 12, 6),
    (EpisodeStatus.DISCHARGED, 5, 3),
)

GIVEN_NAMES = {
    "she/her": (
        "Maria",
        "Emma",
        "Olivia",
        "Sofia",
        "Aisha",
        "Mei",
        "Grace",
        "Hannah",
        "Lucia",
        "Zoe",
        "Nora",
        "Priya",
        "Camila",
        "Ruth",
        "Leah",
    ),
    "he/him": (
        "James",
        "Mateo",
        "Ethan",
        "Noah",
        "Kwame",
        "Daniel",
        "Omar",
        "Lucas",
        "Samuel",
        "Diego",
        "Hiro",
        "Caleb",
        "Isaac",
        "Marcus",
        "Tomas",
    ),
    "they/them": ("Alex", "Jordan", "Riley", "Sam", "Quinn", "Avery", "Rowan", "Sky"),
}
FAMILY_NAMES = (
    "Smith",
    "Johnson",
    "Nguyen",
    "Brown",
    "Okafor",
    "Patel",
    "Kim",
    "Walker",
    "Chen",
    "Miller",
    "Wilson",
    "Anderson",
    "Thomas",
    "Jackson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Young",
    "Hall",
)
SPANISH_FAMILY_NAMES = (
    "Garcia",
    "Martinez",
    "Rodriguez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Ramirez",
    "Torres",
)
SPANISH_GIVEN_NAMES = {
    "she/her": ("Lucia", "Camila", "Sofia", "Valeria"),
    "he/him": ("Mateo", "Diego", "Tomas", "Santiago"),
}
NICKNAMES = {
    "Daniel": "Danny",
    "Samuel": "Sam",
    "Olivia": "Liv",
    "Santiago": "Santi",
    "Valeria": "Vale",
    "Hannah": "Hanna",
    "Tomas": "Tom",
    "Isaac": "Ike",
}
CONTACT_GIVEN_NAMES = ("Pat", "Chris", "Robin", "Terry", "Lee", "Morgan", "Jamie", "Dana", "Kim", "Jesse")
STREETS = ("Maple Avenue", "Oak Street", "Birch Lane", "Cedar Court", "Willow Way", "Elm Street", "Pine Road")
# A town that does not exist, and no ZIP code, so no address can be mistaken for a real one.
TOWN = "Anytown"


@dataclass(frozen=True)
class PatientSpec:
    record_number: str
    program: str
    status: str
    given: str
    family: str
    preferred: str
    pronouns: str
    date_of_birth: datetime.date
    language: str
    phone: str
    email: str
    address: str
    contact_name: str
    contact_relationship: str
    contact_phone: str
    track: str | None
    referred_on: datetime.date
    admitted_on: datetime.date | None
    discharged_on: datetime.date | None
    intake: str
    primary: str | None = None
    psychiatrist: str | None = None
    family_therapist: str | None = None
    portal_username: str | None = None


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def _birth_date(rng: random.Random, today: datetime.date, age: int) -> datetime.date:
    """A date of birth that makes the person exactly `age` on `today`."""
    latest = _years_before(today, age)
    earliest = _years_before(today, age + 1) + datetime.timedelta(days=1)
    return earliest + datetime.timedelta(days=rng.randint(0, (latest - earliest).days))


def _episode_dates(rng: random.Random, today: datetime.date, status: str):
    """Referral, admission and discharge dates within the last ~12 weeks, in order, none in the future."""
    days = datetime.timedelta
    if status == EpisodeStatus.REFERRAL:
        return today - days(rng.randint(0, 10)), None, None
    if status == EpisodeStatus.WAITLIST:
        return today - days(rng.randint(7, 28)), None, None
    if status == EpisodeStatus.ACTIVE:
        referred = today - days(rng.randint(14, 84))
        return referred, min(referred + days(rng.randint(5, 14)), today), None
    referred = today - days(rng.randint(60, 84))
    admitted = referred + days(rng.randint(5, 10))
    return referred, admitted, min(admitted + days(rng.randint(28, 45)), today - days(1))


def plan_patients(today: datetime.date) -> list[PatientSpec]:
    """The demo patients, the same for the same `today`. Pure: no database."""
    rng = random.Random(SEED)  # noqa: S311 - fictional demo data, not security
    slots = [
        (program, status)
        for status, adults, teens in STATUS_SPREAD
        for program, count in ((ADULT, adults), (TEEN, teens))
        for _ in range(count)
    ]
    rng.shuffle(slots)
    tracks = {p.short_name: [t.name for t in p.tracks] for p in PROGRAMS}
    primaries = {program: itertools.cycle(pool) for program, pool in PRIMARY_POOLS.items()}
    phones = iter(rng.sample(range(100), 2 * len(slots)))
    portal_usernames = iter(PORTAL_USERNAMES)
    used_names: set[tuple[str, str]] = set()
    given_counts: Counter = Counter()
    plans = []
    for sequence, (program, status) in enumerate(slots, start=1):
        adolescent = program == TEEN
        pronouns = rng.choices(list(GIVEN_NAMES), weights=(45, 45, 10))[0]
        spanish = rng.random() < 0.2
        while True:
            given_pool = (
                SPANISH_GIVEN_NAMES.get(pronouns, GIVEN_NAMES[pronouns]) if spanish else GIVEN_NAMES[pronouns]
            )
            given = rng.choice(given_pool)
            family = rng.choice(SPANISH_FAMILY_NAMES if spanish else FAMILY_NAMES)
            # No two people share a full name, and no first name comes up more than twice.
            if (given, family) not in used_names and given_counts[given] < 2:
                used_names.add((given, family))
                given_counts[given] += 1
                break
        age = rng.randint(13, 17) if adolescent else rng.randint(19, 64)
        if adolescent:
            contact_relationship = rng.choice(("Mother", "Father", "Grandmother", "Guardian"))
            contact_family = family
        else:
            contact_relationship = rng.choice(("Partner", "Sister", "Brother", "Friend", "Mother", "Spouse"))
            contact_family = family if contact_relationship != "Friend" else rng.choice(FAMILY_NAMES)
        referred_on, admitted_on, discharged_on = _episode_dates(rng, today, status)
        in_treatment = status in (EpisodeStatus.ACTIVE, EpisodeStatus.DISCHARGED)
        primary = next(primaries[program]) if in_treatment else None
        family_therapist = None
        # Families take part in most adolescent care and in some adult care.
        if in_treatment and rng.random() < (0.6 if adolescent else 0.25):
            family_therapist = next((u for u in FAMILY_THERAPISTS[program] if u != primary), None)
        portal_username = None
        if not adolescent and status == EpisodeStatus.ACTIVE:
            portal_username = next(portal_usernames, None)
        plans.append(
            PatientSpec(
                record_number=f"{RECORD_NUMBER_PREFIX}{sequence:06d}",
                program=program,
                status=status,
                given=given,
                family=family,
                preferred=NICKNAMES[given] if given in NICKNAMES and rng.random() < 0.5 else "",
                pronouns=pronouns,
                date_of_birth=_birth_date(rng, today, age),
                language=Language.SPANISH if spanish and rng.random() < 0.7 else Language.ENGLISH,
                # 555-0100 to 555-0199 are reserved for fiction in every North American area code.
                phone=f"(201) 555-01{next(phones):02d}",
                email=""
                if adolescent and rng.random() < 0.5
                else f"{given}.{family}{sequence}@example.org".lower(),
                address=f"{rng.randint(10, 999)} {rng.choice(STREETS)}, {TOWN}",
                contact_name=f"{rng.choice(CONTACT_GIVEN_NAMES)} {contact_family}",
                contact_relationship=contact_relationship,
                contact_phone=f"(201) 555-01{next(phones):02d}",
                track=rng.choice(tracks[program]) if status != EpisodeStatus.REFERRAL else None,
                referred_on=referred_on,
                admitted_on=admitted_on,
                discharged_on=discharged_on,
                intake=rng.choice(INTAKE_POOLS[program]),
                primary=primary,
                psychiatrist=PSYCHIATRISTS[program] if in_treatment else None,
                family_therapist=family_therapist,
                portal_username=portal_username,
            )
        )
    return plans


# --- Tasks ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskSpec:
    title: str
    assigned_to: str
    record_number: str
    due_in_days: int  # relative to the first load; negative is overdue


def plan_tasks(patients: list[PatientSpec]) -> list[TaskSpec]:
    """Open work for the main demo clinician and intake coordinator: some due today, one overdue."""
    teens = {p.record_number for p in patients if p.program == TEEN}
    caseload = [
        p.record_number for p in patients if p.primary == "clinician" and p.status == EpisodeStatus.ACTIVE
    ]
    family_session = next((r for r in caseload if r in teens), caseload[-1])
    caseload.remove(family_session)
    referrals = [
        p.record_number for p in patients if p.intake == "intake" and p.status == EpisodeStatus.REFERRAL
    ]
    waitlist = [
        p.record_number for p in patients if p.intake == "intake" and p.status == EpisodeStatus.WAITLIST
    ]
    return [
        TaskSpec("Review this week's PHQ-9 results", "clinician", caseload[0], 0),
        TaskSpec("Call about two missed groups", "clinician", caseload[1], -2),
        TaskSpec("Update treatment plan before 30-day review", "clinician", caseload[2], 3),
        TaskSpec("Schedule family session", "clinician", family_session, 1),
        TaskSpec("Call back new referral", "intake", referrals[0], 0),
        TaskSpec("Call back new referral", "intake", referrals[1], 1),
        TaskSpec("Request records from referring hospital", "intake", referrals[2], 2),
        TaskSpec("Review waitlist start date", "intake", waitlist[0], 0),
    ]


# --- Loading -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    name: str
    sees: str


@dataclass
class LoadResult:
    created: Counter = field(default_factory=Counter)
    logins: list[Login] = field(default_factory=list)

    @property
    def total_created(self) -> int:
        return sum(self.created.values())

    @property
    def nothing_changed(self) -> bool:
        return self.total_created == 0


def _demo_logins() -> list[Login]:
    logins = [
        Login(s.username, str(Role(s.role).label), f"{s.first_name} {s.last_name}", s.sees) for s in STAFF
    ]
    for username in PORTAL_USERNAMES:
        user = User.objects.filter(username=username).first()
        name = user.get_full_name() if user else ""
        logins.append(Login(username, str(Role.PATIENT.label), name, PORTAL_SEES))
    return logins


def _new_user(*, username: str, **fields) -> tuple[User, bool]:
    """The user `username`, created with the demo password if missing; an existing one is left alone."""
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user, False
    user = User(username=username, **fields)
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user, True


def _load_programs(result: LoadResult, users: dict[str, User]) -> tuple[dict, dict]:
    programs, tracks = {}, {}
    for spec in PROGRAMS:
        director = users[spec.director]
        program, created = Program.objects.get_or_create(
            short_name=spec.short_name,
            defaults={
                "name": spec.name,
                "population": spec.population,
                "focus": spec.focus,
                "weekly_hours_target": spec.weekly_hours_target,
                "description": spec.description,
                "created_by": director,
                "updated_by": director,
            },
        )
        result.created["programs"] += created
        programs[spec.short_name] = program
        for track_spec in spec.tracks:
            track, created = Track.objects.get_or_create(
                program=program,
                name=track_spec.name,
                defaults={
                    "weekdays": list(track_spec.weekdays),
                    "start_time": track_spec.start,
                    "end_time": track_spec.end,
                    "capacity": track_spec.capacity,
                    "created_by": director,
                    "updated_by": director,
                },
            )
            result.created["tracks"] += created
            tracks[(spec.short_name, track_spec.name)] = track
    return programs, tracks


def _load_staff(result: LoadResult) -> tuple[dict[str, User], list[tuple[StaffProfile, tuple[str, ...]]]]:
    """Staff accounts; a new account's programs are set once the programs exist."""
    users = {}
    new_profiles = []
    for spec in STAFF:
        user, created = _new_user(
            username=spec.username,
            role=spec.role,
            first_name=spec.first_name,
            last_name=spec.last_name,
            email=f"{spec.username}@example.org",
            is_staff=spec.is_superuser,
            is_superuser=spec.is_superuser,
        )
        users[spec.username] = user
        if created:
            result.created["staff accounts"] += 1
            profile = StaffProfile.objects.create(user=user, title=spec.title, credentials=spec.credentials)
            new_profiles.append((profile, spec.programs))
    return users, new_profiles


def _load_patients(result: LoadResult, plans, users, programs, tracks) -> dict[str, Patient]:
    patients = {}
    for plan in plans:
        patient = Patient.objects.filter(record_number=plan.record_number).first()
        if patient is not None:
            patients[plan.record_number] = patient
            continue
        portal_user = None
        if plan.portal_username:
            portal_user, created = _new_user(
                username=plan.portal_username,
                role=Role.PATIENT,
                first_name=plan.given,
                last_name=plan.family,
                email=plan.email,
            )
            result.created["patient portal accounts"] += created
            if hasattr(portal_user, "patient"):  # already someone else's portal account
                portal_user = None
        intake = users[plan.intake]
        patient = Patient.objects.create(
            record_number=plan.record_number,
            legal_given_name=plan.given,
            legal_family_name=plan.family,
            preferred_name=plan.preferred,
            pronouns=plan.pronouns,
            date_of_birth=plan.date_of_birth,
            language=plan.language,
            phone=plan.phone,
            email=plan.email,
            address=plan.address,
            emergency_contact_name=plan.contact_name,
            emergency_contact_relationship=plan.contact_relationship,
            emergency_contact_phone=plan.contact_phone,
            user=portal_user,
            is_synthetic=True,
            created_by=intake,
            updated_by=intake,
        )
        result.created["patients"] += 1
        # The intake coordinator opens the episode; whoever admitted or discharged last touched it.
        last_touched = users[plan.primary] if plan.primary else intake
        episode = EpisodeOfCare.objects.create(
            patient=patient,
            program=programs[plan.program],
            track=tracks[(plan.program, plan.track)] if plan.track else None,
            status=plan.status,
            referred_on=plan.referred_on,
            admitted_on=plan.admitted_on,
            discharged_on=plan.discharged_on,
            created_by=intake,
            updated_by=last_touched,
        )
        result.created["episodes of care"] += 1
        team = [
            (plan.primary, CareTeamRole.PRIMARY_CLINICIAN),
            (plan.psychiatrist, CareTeamRole.PSYCHIATRIST),
            (plan.family_therapist, CareTeamRole.FAMILY_THERAPIST),
        ]
        if plan.status in (EpisodeStatus.REFERRAL, EpisodeStatus.WAITLIST):
            team.append((plan.intake, CareTeamRole.INTAKE_COORDINATOR))
        for username, role in team:
            if username:
                CareTeamMember.objects.create(episode=episode, user=users[username], role=role)
                result.created["care team members"] += 1
        patients[plan.record_number] = patient
    return patients


def _load_tasks(result: LoadResult, plans: list[TaskSpec], users, patients, today: datetime.date) -> None:
    for plan in plans:
        assignee = users[plan.assigned_to]
        patient = patients[plan.record_number]
        if Task.objects.filter(title=plan.title, assigned_to=assignee, patient=patient).exists():
            continue
        Task.objects.create(
            title=plan.title,
            assigned_to=assignee,
            patient=patient,
            due_on=today + datetime.timedelta(days=plan.due_in_days),
            created_by=assignee,
            updated_by=assignee,
        )
        result.created["tasks"] += 1


def _load_intake(result: LoadResult, plans, users, programs, patients, today: datetime.date) -> None:
    """Referrals, assessments, waitlist, due items, certifications and transitions (see intake.py)."""
    load_intake(result, plans, users, programs, patients, today)


def load_clinical_records(result: LoadResult, today: datetime.date) -> None:
    """Treatment plans, safety plans, the skills curriculum with homework and practice, notes, and
    questionnaires with their alerts and trajectories: each
    app's own idempotent demo loader, in dependency order (notes link group entries to plan objectives
    and sessions to lessons)."""
    result.created["treatment plan versions"] += load_demo_treatment(today=today)
    result.created["safety and relapse-prevention plan versions"] += load_demo_safety(today=today)
    result.created["skills records"] += load_demo_skills(today=today)
    result.created["clinical notes"] += load_demo_notes(today=today)
    if not Administration.objects.exists():
        # Loaded once, as a whole, like the calendar: the weekly scores run up to `today`, so a load weeks
        # later would otherwise add weeks (and the alerts and reviews they raise).
        result.created["questionnaires"] += load_demo_measures(today=today)
        result.created["questionnaires"] += load_demo_trajectories(today=today)


@transaction.atomic
def load_demo(*, today: datetime.date | None = None) -> LoadResult:
    """Load the demo organization, creating only what is missing. All or nothing.

    Refuses a database holding any patient not flagged synthetic: demo logins share a known password.
    """
    if Patient.objects.filter(is_synthetic=False).exists():
        raise DemoRefused(
            "This database holds real patients; the demo (with its shared password) is not loaded."
        )
    today = today or timezone.localdate()
    result = LoadResult()
    users, new_profiles = _load_staff(result)
    programs, tracks = _load_programs(result, users)
    for profile, short_names in new_profiles:
        profile.programs.set([programs[name] for name in short_names])
    patient_plans = plan_patients(today)
    patients = _load_patients(result, patient_plans, users, programs, tracks)
    _load_tasks(result, plan_tasks(patient_plans), users, patients, today)
    _load_intake(result, patient_plans, users, programs, patients, today)
    load_scheduling(result, users, programs, tracks, today)
    load_clinical_records(result, today)
    result.created["care coordination records"] += load_demo_coordination(today=today)
    result.created["discharge records"] += load_demo_discharges(today=today)
    result.created["medications as recorded"] += load_demo_medications(today=today)
    result.created["payer authorizations"] += load_demo_authorizations(today=today)
    result.logins = _demo_logins()
    if not result.nothing_changed:
        audit_record(
            action=Action.CREATE,
            object_type="demo.load",
            username=LOADER_USERNAME,
            detail={"created": dict(result.created)},
        )
    return result
