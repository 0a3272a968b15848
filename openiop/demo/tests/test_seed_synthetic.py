import datetime
import itertools
import random
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from openiop.accounts.models import User
from openiop.audit.management.commands.audit_verify import find_break
from openiop.audit.models import AuditEvent
from openiop.demo import synthetic
from openiop.demo.synthetic import SyntheticRefused, seed_synthetic
from openiop.discharge.models import Discharge
from openiop.measures.models import Administration
from openiop.measures.registry import get_instrument
from openiop.measures.scoring import score
from openiop.patients.models import CareTeamMember, CareTeamRole, EpisodeOfCare, EpisodeStatus, Patient
from openiop.programs.models import Focus, Program, Track
from openiop.scheduling.models import AttendanceStatus, Session, SessionAttendee

TODAY = datetime.date(2026, 11, 27)


class _Undo(Exception):
    pass


def snapshot(*, seed: int, scale: float = 0.2) -> dict:
    """Seed inside a savepoint, read what came out, then roll it back: a fresh database for every run."""
    seen = {}
    with pytest.raises(_Undo), transaction.atomic():
        result = seed_synthetic(size="S", seed=seed, scale=scale, today=TODAY)
        seen["counts"] = dict(result.created)
        seen["people"] = list(
            Patient.objects.order_by("record_number").values_list(
                "record_number", "legal_given_name", "legal_family_name", "date_of_birth"
            )
        )
        seen["scores"] = list(
            Administration.objects.order_by(
                "patient__record_number", "instrument_code", "completed_on"
            ).values_list("patient__record_number", "instrument_code", "completed_on", "total")
        )
        raise _Undo
    return seen


# --- Pure helpers ------------------------------------------------------------------------------------


@given(total=st.integers(min_value=0, max_value=27), offset=st.integers(min_value=0, max_value=40))
def test_spread_answers_score_to_the_total_with_item_9_at_zero(total, offset):
    phq9 = get_instrument("PHQ-9")
    answers = synthetic.spread_answers(phq9, total, offset)
    result = score(phq9, answers)
    assert answers["9"] == 0
    assert result.total == min(total, 24)
    assert not result.urgent


@given(total=st.integers(min_value=0, max_value=100_000), parts=st.integers(min_value=1, max_value=50))
def test_split_shares_the_whole_total_evenly(total, parts):
    shares = synthetic.split(total, parts)
    assert sum(shares) == total and len(shares) == parts
    assert max(shares) - min(shares) <= 1


@given(
    active=st.integers(min_value=0, max_value=10_000), discharged=st.integers(min_value=0, max_value=100_000)
)
def test_track_count_leaves_room_in_every_group(active, discharged):
    tracks = synthetic.track_count(active, discharged)
    assert tracks >= 1
    assert active <= tracks * synthetic.PATIENTS_PER_TRACK


def test_the_sizes_are_the_ones_the_issue_asks_for():
    assert synthetic.SIZES["S"].programs == 1 and synthetic.SIZES["S"].active == 60
    assert synthetic.SIZES["M"] == synthetic.Size(programs=5, active=600, discharged=6_000)
    assert synthetic.SIZES["L"] == synthetic.Size(programs=20, active=5_000, discharged=50_000)


def test_every_planned_instrument_is_shipped_and_substance_use_programs_add_the_audit_c():
    for focus in (Focus.MENTAL_HEALTH, Focus.SUBSTANCE_USE, Focus.CO_OCCURRING):
        codes = [m.code for m in synthetic.questionnaire_plan(focus)]
        assert codes[:2] == ["PHQ-9", "GAD-7"]
        assert ("AUDIT-C" in codes) == (focus != Focus.MENTAL_HEALTH)
        for code in codes:
            get_instrument(code)  # raises for an instrument the project does not ship


def test_planned_questionnaires_weekly_four_weekly_and_at_discharge():
    plan = synthetic.questionnaire_plan(Focus.SUBSTANCE_USE)
    admitted = datetime.date(2026, 1, 5)
    discharged = admitted + datetime.timedelta(days=45)  # 6 weeks and 3 days
    given = synthetic.planned_questionnaires(plan, admitted, discharged, discharged)
    by_code: dict = {}
    for measure, week, on, occasion in given:
        by_code.setdefault(measure.code, []).append((week, (on - admitted).days, occasion))
    weekly = [(w, 7 * w, "admission" if w == 0 else "weekly") for w in range(7)]
    assert by_code["PHQ-9"] == by_code["GAD-7"] == weekly
    assert by_code["PCL-5"] == [(0, 0, "admission"), (4, 28, "on_demand"), (6, 45, "discharge")]
    assert by_code["ASQ"] == by_code["AUDIT-C"] == [(0, 0, "admission")]
    # Still in treatment: nothing at discharge, nothing after today.
    active = synthetic.planned_questionnaires(plan, admitted, admitted + datetime.timedelta(days=13), None)
    assert [(m.code, w) for m, w, _on, _o in active if m.code == "PCL-5"] == [("PCL-5", 0)]
    assert max(on for _m, _w, on, _o in active) == admitted + datetime.timedelta(days=7)


def test_size_l_is_planned_to_hold_a_million_questionnaires():
    """Issue 10 asks L for 1,000,000 questionnaire responses. L's 20 programs are five of each kind with
    the same numbers, so one of each kind, drawn through the seeder's own date rules, times five."""
    spec = synthetic.SIZES["L"]
    active, discharged = spec.active // spec.programs, spec.discharged // spec.programs
    first = TODAY - datetime.timedelta(days=synthetic.PERIOD_DAYS)
    rng = random.Random(1)
    count = 0
    for kind in synthetic.PROGRAM_KINDS:
        plan = synthetic.questionnaire_plan(kind[3])
        for status in [EpisodeStatus.ACTIVE] * active + [EpisodeStatus.DISCHARGED] * discharged:
            _referred, admitted, discharged_on = synthetic._episode_dates(rng, TODAY, first, status)
            count += len(
                synthetic.planned_questionnaires(plan, admitted, discharged_on or TODAY, discharged_on)
            )
    assert count * spec.programs // len(synthetic.PROGRAM_KINDS) >= 1_000_000


# --- Seeding -----------------------------------------------------------------------------------------


@pytest.fixture
def seeded(db):
    """The whole of size S, through the command."""
    out = StringIO()
    call_command("seed_synthetic", "--size", "S", "--seed", "7", stdout=out)
    return out.getvalue()


@pytest.fixture
def small(db):
    """A third of size S (with today's dates), enough for the invariants and quicker."""
    return seed_synthetic(size="S", seed=5, scale=0.34)


def test_size_s_has_one_program_and_sixty_active_synthetic_patients(seeded):
    assert "Seeded size S (seed 7)" in seeded
    assert Program.objects.count() == 1
    assert EpisodeOfCare.objects.filter(status=EpisodeStatus.ACTIVE).count() == 60
    assert EpisodeOfCare.objects.filter(status=EpisodeStatus.DISCHARGED).count() == 120
    assert Patient.objects.count() == 180
    assert not Patient.objects.filter(is_synthetic=False).exists()
    assert not Patient.objects.exclude(email__endswith="@example.invalid").exists()
    assert not User.objects.exclude(email__endswith="@example.invalid").exists()
    assert Patient.objects.filter(record_number__regex=r"^SYN\d{7}$").count() == 180
    assert 1_500 <= Session.objects.count() <= 2_500  # a year of two groups a meeting day, 6 tracks
    assert 5_000 <= SessionAttendee.objects.count() <= 12_000
    # Weekly PHQ-9 and GAD-7, four-weekly PCL-5, an ASQ at admission (no AUDIT-C: a mental-health program).
    assert 2_500 <= Administration.objects.count() <= 4_000
    given = set(Administration.objects.values_list("instrument_code", flat=True).distinct())
    assert given == {"PHQ-9", "GAD-7", "PCL-5", "ASQ"}


def test_the_command_leaves_postgresql_with_fresh_planner_statistics(seeded):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite plans without statistics (seed_synthetic.refresh_planner_statistics)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [Patient._meta.db_table])
        (estimated,) = cursor.fetchone()
    assert estimated == Patient.objects.count()  # -1 (never analyzed) without the command's ANALYZE


def test_every_episode_has_one_primary_clinician_and_discharges_are_closed(small):
    primaries = CareTeamMember.objects.filter(role=CareTeamRole.PRIMARY_CLINICIAN)
    assert primaries.count() == EpisodeOfCare.objects.count()
    discharged = EpisodeOfCare.objects.filter(status=EpisodeStatus.DISCHARGED)
    assert Discharge.objects.filter(status="closed").count() == discharged.count()
    for episode in discharged.select_related("discharge"):
        assert episode.referred_on <= episode.admitted_on <= episode.discharged_on < timezone.localdate()
        assert episode.discharge.closed_on == episode.discharged_on


def test_groups_stay_within_capacity_and_attendance_minutes_follow_the_rules(small):
    largest = Session.objects.annotate(n=Count("attendees")).aggregate(Max("n"))["n__max"]
    assert largest <= Track.objects.aggregate(Max("capacity"))["capacity__max"]
    today = timezone.localdate()
    assert (
        not SessionAttendee.objects.filter(session__date__gte=today)
        .exclude(status=AttendanceStatus.SCHEDULED)
        .exists()
    )
    for attendee in SessionAttendee.objects.filter(session__date__lt=today).select_related("session")[:500]:
        length = attendee.session.minutes
        if attendee.status == AttendanceStatus.PRESENT:
            assert attendee.minutes_attended == length
        elif attendee.status in (AttendanceStatus.LATE, AttendanceStatus.LEFT_EARLY):
            assert 0 < attendee.minutes_attended < length
        else:
            assert attendee.status in (AttendanceStatus.ABSENT_EXCUSED, AttendanceStatus.ABSENT_UNEXCUSED)
            assert attendee.minutes_attended == 0
        assert attendee.episode.admitted_on <= attendee.session.date


def test_no_clinician_leads_two_groups_at_once(small):
    led = Session.clinicians.through.objects.values_list(
        "user_id", "session__date", "session__start_time", "session__end_time"
    )
    by_day: dict = {}
    for user, day, start, end in led:
        by_day.setdefault((user, day), []).append((start, end))
    for times in by_day.values():
        times.sort()
        for (_start, end), (next_start, _end) in itertools.pairwise(times):
            assert end <= next_start


@pytest.mark.parametrize("code", ["PHQ-9", "GAD-7", "PCL-5", "ASQ"])
def test_scores_are_the_scoring_engines(small, code):
    instrument = get_instrument(code)
    rows = Administration.objects.filter(instrument_code=code)[:200]
    assert rows
    for administration in rows:
        result = score(instrument, administration.answers)
        assert administration.total == result.total
        assert administration.band == (result.band.label if result.band else "")
        assert administration.result == result.to_dict()
        assert not result.urgent


def test_questionnaires_follow_the_plan_and_never_outlast_the_episode(small):
    plan = {m.code: m for m in synthetic.questionnaire_plan(Program.objects.get().focus)}
    rows = Administration.objects.values_list(
        "instrument_code", "completed_on", "occasion", "episode__admitted_on", "episode__discharged_on"
    )
    for code, on, occasion, admitted, discharged in rows:
        assert admitted <= on <= (discharged or timezone.localdate())
        assert (occasion == "admission") == (on == admitted)
        assert (occasion == "discharge") == (on == discharged)
        every = plan[code].every_weeks
        if occasion not in ("admission", "discharge"):
            assert every and (on - admitted).days % (7 * every) == 0


def test_seeding_writes_one_audit_event_and_the_chain_verifies(small):
    events = AuditEvent.objects.filter(object_type="demo.seed_synthetic")
    assert events.count() == 1
    assert events.get().detail["created"]["patients"] == Patient.objects.count() == small.created["patients"]
    assert AuditEvent.objects.count() == 1
    _verified, problem = find_break()
    assert problem is None


def test_a_director_can_use_the_app_on_the_synthetic_organization(seeded, client_for):
    director = User.objects.get(username="syn01-director")
    client = client_for(director)
    program = Program.objects.get()
    patient = Patient.objects.filter(episodes__status=EpisodeStatus.ACTIVE).order_by("record_number").first()
    session = Session.objects.filter(date__lt=timezone.localdate()).order_by("-date").first()
    pages = [
        reverse("operations:dashboard"),
        reverse("patients:chart", args=[patient.uuid]),
        reverse("measures:trajectory_detail", args=[patient.uuid, "PHQ-9"]),
        reverse("scheduling:attendance", args=[session.uuid]),
        reverse("measures:outcomes_index") + f"?program={program.uuid}&instrument=PHQ-9",
    ]
    for url in pages:
        assert client.get(url).status_code == 200, url
    _verified, problem = find_break()
    assert problem is None


# --- Reproducibility and refusals --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_organization_and_another_seed_does_not():
    first, again, other = snapshot(seed=3), snapshot(seed=3), snapshot(seed=4)
    assert first == again
    assert first["people"] and first["scores"]
    assert other["people"] != first["people"]


@pytest.mark.django_db
def test_a_database_with_real_patients_is_refused():
    Patient.objects.create(
        record_number="OI1234567",
        legal_given_name="Real",
        legal_family_name="Person",
        date_of_birth=datetime.date(1980, 1, 1),
    )
    with pytest.raises(CommandError, match="real"):
        call_command("seed_synthetic", "--size", "S", stdout=StringIO())
    assert not Program.objects.filter(short_name__startswith="SYN").exists()


@pytest.mark.django_db
def test_a_second_seed_into_the_same_database_is_refused():
    seed_synthetic(size="S", seed=1, scale=0.1, today=TODAY)
    patients = Patient.objects.count()
    with pytest.raises(SyntheticRefused, match="already seeded"):
        seed_synthetic(size="S", seed=2, scale=0.1, today=TODAY)
    assert Patient.objects.count() == patients


@pytest.mark.django_db
def test_an_unknown_size_is_refused():
    with pytest.raises(CommandError):
        call_command("seed_synthetic", "--size", "XL", stdout=StringIO())
    with pytest.raises(CommandError, match="scale"):
        call_command("seed_synthetic", "--size", "S", "--scale", "0", stdout=StringIO())
