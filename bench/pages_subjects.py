"""Pick the page-latency benchmark's subjects from a seeded synthetic organization, deterministically.

Run inside the app (`manage.py shell -c "import pages_subjects; pages_subjects.main()"` with bench/ on the
path, as bench/pages.py does); prints one JSON object. Reads only: no audit event, no session.

The choices aim at a typical, not a best, case at size M (seed_synthetic: 5 programs, 600 active patients):
- program: the first synthetic program (SYN01, adult mental health);
- clinician: the program's clinician whose active primary caseload is the median one (ties: username);
- patient: of that caseload, the one with the most PHQ-9 administrations in the current episode (the
  richest chart and trajectory a clinician opens every day);
- search term: that patient's family name, which must match several patients of the program (the list
  searches the whole census, discharged included);
- group session: of the sessions the clinician facilitates up to today, the one with the largest roster
  (the latest such day);
- outcomes: the program's director (whole-program scope, the heaviest view), PHQ-9, the default 90 days.
"""

from __future__ import annotations

import datetime
import json
from collections import Counter

from django.db.models import Count, Q
from django.utils import timezone

from openiop.accounts.models import Role, User
from openiop.demo.synthetic import SHORT_NAME_PREFIX
from openiop.measures.models import Administration
from openiop.patients.models import CareTeamMember, CareTeamRole, EpisodeOfCare, EpisodeStatus
from openiop.patients.selectors import patient_census
from openiop.programs.models import Program
from openiop.scheduling.models import Session, SessionAttendee

MIN_SEARCH_MATCHES = 3
OUTCOME_DAYS = 90  # measures/forms_outcomes.py DEFAULT_PERIOD_DAYS


def _median_caseload_clinician(program: Program) -> tuple[User, int]:
    clinicians = User.objects.filter(
        role=Role.CLINICIAN, staff_profile__programs=program, is_active=True
    ).order_by("username")
    primary = Counter(
        CareTeamMember.objects.filter(
            role=CareTeamRole.PRIMARY_CLINICIAN,
            episode__status=EpisodeStatus.ACTIVE,
            episode__program=program,
        ).values_list("user_id", flat=True)
    )
    ranked = sorted(clinicians, key=lambda u: (primary[u.pk], u.username))
    if not ranked:
        raise SystemExit(f"no clinicians in {program.short_name}")
    chosen = ranked[(len(ranked) - 1) // 2]
    return chosen, primary[chosen.pk]


def subjects() -> dict:
    today = timezone.localdate()
    program = Program.objects.filter(short_name__startswith=SHORT_NAME_PREFIX).order_by("short_name").first()
    if program is None:
        raise SystemExit("no synthetic program: run `manage.py seed_synthetic --size M --seed 1` first")
    clinician, caseload = _median_caseload_clinician(program)
    episodes = (
        EpisodeOfCare.objects.filter(
            status=EpisodeStatus.ACTIVE,
            care_team_members__user=clinician,
            care_team_members__role=CareTeamRole.PRIMARY_CLINICIAN,
        )
        .select_related("patient")
        .annotate(phq9=Count("administrations", filter=Q(administrations__instrument_code="PHQ-9")))
        .order_by("-phq9", "patient__record_number")
    )
    episode = episodes.first()
    if episode is None:
        raise SystemExit(f"{clinician.username} has no active caseload")
    patient = episode.patient
    term = patient.legal_family_name
    matches = patient_census(clinician, text=term).count()
    if matches < MIN_SEARCH_MATCHES:
        raise SystemExit(f"search term {term!r} matches only {matches} patients")
    session = (
        Session.objects.filter(clinicians=clinician, program=program, date__lte=today)
        .annotate(roster=Count("attendees"))
        .order_by("-roster", "-date", "start_time")
        .first()
    )
    if session is None:
        raise SystemExit(f"{clinician.username} facilitates no session up to today")
    director = User.objects.filter(role=Role.PROGRAM_DIRECTOR, staff_profile__programs=program).order_by(
        "username"
    )
    start = today - datetime.timedelta(days=OUTCOME_DAYS - 1)
    return {
        "program": {"uuid": str(program.uuid), "short_name": program.short_name},
        "clinician": {"username": clinician.username, "active_primary_caseload": caseload},
        "care_team_episodes": CareTeamMember.objects.filter(
            user=clinician,
            episode__status__in=[EpisodeStatus.ACTIVE, EpisodeStatus.WAITLIST, EpisodeStatus.REFERRAL],
        ).count(),
        "patient": {
            "uuid": str(patient.uuid),
            "record_number": patient.record_number,
            "phq9_in_record": Administration.objects.filter(patient=patient, instrument_code="PHQ-9").count(),
        },
        "search": {"term": term, "matches": matches},
        "session": {
            "uuid": str(session.uuid),
            "date": session.date.isoformat(),
            "roster": SessionAttendee.objects.filter(session=session).count(),
        },
        "director": director.first().username,
        "outcomes": {"from": start.isoformat(), "to": today.isoformat(), "instrument": "PHQ-9"},
        "census": patient_census(clinician).count(),
    }


def main() -> None:
    print(json.dumps(subjects()))
