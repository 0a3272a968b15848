"""Intake records for the demo: referrals and their pipeline, level-of-care assessments, the waitlist, due
items, physician certifications and level-of-care transitions.

Every intake record hangs off the patient or episode it belongs to, so the key is the episode: an episode
that already has a referral is left exactly as it is (its assessments, waitlist entry, due items,
certifications and transitions were created together with the referral, in the same transaction). That
also makes a database loaded by an earlier loader (patients, no intake records) gain its intake records
once. Unlinked referrals are keyed by program, name and reason.

Rows are created directly rather than through the services, because the services stamp "now" and the demo
needs a history; the rules the services enforce hold all the same (an assessment on or after the referral
date before waitlisting or admission, due items from the program's due-day settings counted from the
admission date, certifications valid for the program's recertification interval, each scheduling the
next recertification). Dates come from the episode's stored dates, never from the plan again, so a later
load never moves anything. Randomness is one generator per patient, seeded with its record number.
"""

import datetime
import random
from dataclasses import dataclass

from django.utils import timezone

from openiop.intake import selfcheck
from openiop.intake.models import (
    Certification,
    Direction,
    DueItem,
    DueItemKind,
    LevelOfCare,
    LevelOfCareAssessment,
    LevelTransition,
    Referral,
    ReferralEvent,
    ReferralSource,
    ReferralStatus,
    Urgency,
    WaitlistEntry,
)
from openiop.intake.rubric import recommend
from openiop.intake.rubric_registry import DEFAULT_RUBRIC_ID, get_rubric
from openiop.intake.services.referrals import SELF_CHECK_REFERRAL_REASON
from openiop.patients.models import CareTeamRole, EpisodeOfCare, EpisodeStatus, Language, Patient
from openiop.programs.models import Program

DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)

# --- Who refers ----------------------------------------------------------------------------------------

# Every referrer and organization is invented; "(fictional)" says so on every page that shows one.
REFERRERS = {
    ReferralSource.INPATIENT: (
        ("Dr. Nadia Inventa", "Riverside Behavioral Hospital (fictional)", "(201) 555-0150"),
        ("Dr. Paul Imaginary", "Northfield Medical Center, psychiatric unit (fictional)", "(201) 555-0151"),
    ),
    ReferralSource.RESIDENTIAL: (
        ("Kim Figment, LCSW", "Hillcrest Recovery Residence (fictional)", "admissions@hillcrest.example.org"),
        ("Lee Madeup, LPC", "Cedar Grove Treatment Center (fictional)", "(201) 555-0152"),
    ),
    ReferralSource.EMERGENCY: (
        ("Dr. Ray Pretend", "Anytown General Hospital emergency department (fictional)", "(201) 555-0153"),
    ),
    ReferralSource.OUTPATIENT_THERAPIST: (
        ("Jo Notreal, LPC", "Anytown Counseling Associates (fictional)", "jo.notreal@example.org"),
        ("Sam Storybook, LCSW", "Willow Way Therapy Group (fictional)", "(201) 555-0154"),
    ),
    ReferralSource.PRIMARY_CARE: (
        ("Dr. Ana Inventa", "Maple Avenue Family Medicine (fictional)", "(201) 555-0155"),
        ("Dr. Ben Fakename", "Anytown Pediatrics (fictional)", "(201) 555-0156"),
    ),
}
# Spread across the linked referrals in record-number order; step-downs override with where they come from.
SOURCE_CYCLE = (
    ReferralSource.OUTPATIENT_THERAPIST,
    ReferralSource.SELF,
    ReferralSource.PRIMARY_CARE,
    ReferralSource.FAMILY,
    ReferralSource.EMERGENCY,
    ReferralSource.OUTPATIENT_THERAPIST,
    ReferralSource.INPATIENT,
    ReferralSource.RESIDENTIAL,
)
STEP_DOWN_SOURCE = {
    LevelOfCare.INPATIENT: ReferralSource.INPATIENT,
    LevelOfCare.RESIDENTIAL: ReferralSource.RESIDENTIAL,
    LevelOfCare.PARTIAL_HOSPITALIZATION: ReferralSource.INPATIENT,
}
REASONS = {
    "Adult MH": (
        "Low mood for three months, missing work, sleeping badly; weekly therapy has not been enough.",
        "Panic attacks several times a week and avoiding leaving home; weekly therapy not enough.",
        "Nightmares and flashbacks after a car accident; not sleeping, conflict at home.",
        "Depression with passive thoughts of death after a job loss; needs more support than weekly sessions.",
        "Anxiety and low mood since a bereavement; stopped seeing friends, struggling at work.",
    ),
    "Teen COD": (
        "Daily cannabis use, falling grades and low mood; conflict with parents.",
        "Vaping and drinking at weekends; school counselor learned of superficial self-harm.",
        "Anxiety and school refusal since September, with increasing alcohol use.",
        "Stopped going to practice, irritable, using cannabis before school most days.",
    ),
}
STEP_DOWN_REASONS = {
    LevelOfCare.INPATIENT: "Discharging from a hospital stay for depression with suicidal thoughts; "
    "needs a structured step down close to home.",
    LevelOfCare.RESIDENTIAL: "Completing residential treatment; needs step-down care to keep recovery "
    "going while living at home again.",
    LevelOfCare.PARTIAL_HOSPITALIZATION: "Finishing a day program; stable enough for fewer hours but "
    "not yet for weekly therapy alone.",
}
BEST_TIMES = ("Weekday mornings", "After 5 pm", "Lunchtime", "Any time", "Afternoons after school")
CONTACT_NOTES = (
    "Reached by phone; interested in the program.",
    "Returned our call; wants to start soon.",
    "Spoke with them after two voicemails; agrees to an assessment.",
)
BOOKING_NOTES = ("Assessment booked in person.", "Assessment booked by video.")


@dataclass(frozen=True)
class UnlinkedSpec:
    """A referral nobody has linked to a patient yet (the patient key is empty)."""

    program: str
    given: str
    family: str
    reason: str
    source: str
    urgency: str
    received_hours_ago: int
    intake: str | None  # None: sent from the public self-check
    referrer: tuple[str, str, str] = ("", "", "")
    age: int | None = None
    language: str = Language.ENGLISH
    self_check_answers: dict | None = None
    best_time: str = ""


SELF_CHECK_IOP = {
    "impact_work": "2",
    "impact_relationships": "2",
    "impact_daily": "2",
    "harm_self": "none",
    "harm_others": "none",
    "recent_care": "outpatient",
    "home_support": "some",
    "substance_use": "none",
    "can_attend": "yes",
    "weekly_therapy": "yes",
}
SELF_CHECK_OUTPATIENT = {
    "impact_work": "1",
    "impact_relationships": "1",
    "impact_daily": "1",
    "harm_self": "none",
    "harm_others": "none",
    "recent_care": "none",
    "home_support": "safe",
    "substance_use": "some",
    "can_attend": "maybe",
    "weekly_therapy": "never",
}
UNLINKED = (
    UnlinkedSpec(
        program="Adult MH",
        given="Morgan",
        family="Ellis",
        reason=SELF_CHECK_REFERRAL_REASON,
        source=ReferralSource.SELF,
        urgency=Urgency.ROUTINE,
        received_hours_ago=14,
        intake=None,
        self_check_answers=SELF_CHECK_IOP,
        best_time="After 5 pm",
    ),
    UnlinkedSpec(
        program="Adult MH",
        given="Elena",
        family="Reyes",
        reason=SELF_CHECK_REFERRAL_REASON,
        source=ReferralSource.SELF,
        urgency=Urgency.ROUTINE,
        received_hours_ago=40,
        intake=None,
        language=Language.SPANISH,
        self_check_answers=SELF_CHECK_OUTPATIENT,
        best_time="Lunchtime",
    ),
    UnlinkedSpec(
        program="Teen COD",
        given="Tyler",
        family="Brooks",
        reason="Drinking most weekends and skipping school; mother worried about new friends and mood.",
        source=ReferralSource.OUTPATIENT_THERAPIST,
        urgency=Urgency.SOON,
        received_hours_ago=26,
        intake="intake2",
        referrer=REFERRERS[ReferralSource.OUTPATIENT_THERAPIST][0],
        age=15,
        best_time="Afternoons after school",
    ),
)
# The fourth unlinked referral is a former patient referred again by family, with their name and date of
# birth exactly as on file: the referral list flags them as a possible existing patient.
RETURNING_REASON = (
    "Family member calling: was in the program earlier this year; symptoms are back and they ask whether "
    "a return is possible."
)


# --- Assessments ---------------------------------------------------------------------------------------

# Ratings that land in the intensive outpatient band without triggering an override, per dimension.
IOP_RANGES = {
    "risk_of_harm": (1, 3),
    "functional_status": (2, 4),
    "co_occurring_conditions": (1, 3),
    "recovery_environment_stress": (2, 4),
    "recovery_environment_support": (1, 4),
    "treatment_history": (1, 4),
    "engagement": (1, 4),
}
# Two documented overrides: the rubric asks for a day program, or for outpatient care, the clinician
# decides on IOP and says why.
OVERRIDE_UP = (
    {
        "risk_of_harm": 4,
        "functional_status": 3,
        "co_occurring_conditions": 2,
        "recovery_environment_stress": 3,
        "recovery_environment_support": 2,
        "treatment_history": 2,
        "engagement": 2,
    },
    "Recent plan disclosed to a partner, who has removed the means; agreed safety plan, daily check-in "
    "calls and crisis line. Declines a day program because of childcare. IOP with close follow-up judged "
    "safe.",
)
OVERRIDE_DOWN = (
    {
        "risk_of_harm": 2,
        "functional_status": 2,
        "co_occurring_conditions": 2,
        "recovery_environment_stress": 2,
        "recovery_environment_support": 2,
        "treatment_history": 2,
        "engagement": 1,
    },
    "Ratings reflect weeks of stability inside a 24-hour setting; without IOP's structure the risk of "
    "relapse after discharge is high. Step down to IOP as planned with the referring team.",
)
ASSESSMENT_NOTES = (
    "Motivated; wants to keep working. Agreed to attend all groups.",
    "Family attended part of the assessment. Safety plan reviewed.",
    "Prefers the evening track. Sleep and appetite poor; PHQ-9 to follow at baseline.",
    "",
)


# --- Other text ----------------------------------------------------------------------------------------

DUE_NOTES = {
    DueItemKind.BASELINE_MEASURES: "PHQ-9 and GAD-7 at intake.",
    DueItemKind.INITIAL_TREATMENT_PLAN: "Initial plan reviewed and signed with the patient.",
}
CERTIFICATION_STATEMENT = (
    "Needs at least {hours} hours a week of structured treatment: symptoms impair work or school and "
    "daily life, and weekly outpatient care alone has not been enough."
)
RECERTIFICATION_STATEMENT = (
    "Still needs at least {hours} hours a week: improving, but not yet able to keep gains with weekly "
    "outpatient care alone."
)
STEP_UP = (
    LevelOfCare.PARTIAL_HOSPITALIZATION,
    "Depressive symptoms returned with new suicidal thoughts; needs daily structure and monitoring.",
    "Lakeside Day Hospital partial hospitalization program (fictional)",
)


# --- Helpers -------------------------------------------------------------------------------------------


def _aware(day: datetime.date, hour: int = 9, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _reference_now(today: datetime.date) -> datetime.datetime:
    """ "Now" for the demo: the real now on the real today, otherwise late afternoon of `today`."""
    if today == timezone.localdate():
        return timezone.now()
    return _aware(today, 17)


def _not_after(moment: datetime.datetime, limit: datetime.datetime) -> datetime.datetime:
    """`moment`, or halfway between the start of the limit's day and the limit when it would be later."""
    if moment <= limit:
        return moment
    day_start = _aware(timezone.localdate(limit), 0)
    return day_start + (limit - day_start) / 2


def _timeline(start: datetime.datetime, moments, limit: datetime.datetime) -> list[datetime.datetime]:
    """`start` then `moments` (in order); squeezed proportionally towards `start` when the last would
    pass `limit` (a referral received today cannot have been assessed tomorrow)."""
    times = [start, *moments]
    if times[-1] > limit:
        factor = max(limit - start, datetime.timedelta(0)) / (times[-1] - start)
        times = [start + (moment - start) * factor for moment in times]
    return times


def _office_hours(moment: datetime.datetime) -> datetime.datetime:
    """`moment` if it falls between 8:00 and 18:00 local time, else 9:00 plus its minutes next morning."""
    local = timezone.localtime(moment)
    if 8 <= local.hour < 18:
        return moment
    day = local.date() + (DAY if local.hour >= 18 else datetime.timedelta(0))
    return _aware(day, 9, local.minute)


def _patient_rng(record_number: str) -> random.Random:
    from .builder import SEED

    return random.Random(f"{SEED}:intake:{record_number}")  # noqa: S311 - fictional demo data


def _iop_ratings(rng: random.Random, rubric) -> dict[str, int]:
    for _attempt in range(200):
        ratings = {dimension: rng.randint(*IOP_RANGES[dimension]) for dimension in IOP_RANGES}
        if recommend(rubric, ratings).level == LevelOfCare.INTENSIVE_OUTPATIENT:
            return ratings
    raise AssertionError("no IOP ratings found")  # pragma: no cover - the ranges make this unreachable


def _team_member(episode: EpisodeOfCare, role: str):
    member = episode.care_team_members.filter(role=role).select_related("user").first()
    return member.user if member else None


# --- The plan across patients --------------------------------------------------------------------------


@dataclass
class IntakeChoices:
    """The choices that need to see every patient at once (spreads, who is the one with an override)."""

    status: dict[str, str]  # record number -> referral status
    source: dict[str, str]
    step_down: dict[str, str]  # record number -> level stepped down from
    override: dict[str, tuple[dict, str]]
    step_up: str | None
    overdue_plan: str | None
    overdue_certification: str | None
    returning: str | None


def choose(plans, episodes: dict[str, EpisodeOfCare], today: datetime.date) -> IntakeChoices:
    """Who gets which referral status, source, step down/up, override and overdue item. Uses only the
    episodes' stored dates, so it is the same whenever the intake records are first added."""
    by_status: dict[str, list] = {status: [] for status in EpisodeStatus}
    for plan in sorted(plans, key=lambda p: p.record_number):
        by_status[plan.status].append(plan.record_number)
    status = {}
    # Oldest referrals are furthest along: new, contacted, booked, assessed, two of each.
    waiting = sorted(
        by_status[EpisodeStatus.REFERRAL], key=lambda r: (episodes[r].referred_on, r), reverse=True
    )
    steps = (
        ReferralStatus.NEW,
        ReferralStatus.CONTACTED,
        ReferralStatus.ASSESSMENT_BOOKED,
        ReferralStatus.ASSESSED,
    )
    for index, record in enumerate(waiting):
        status[record] = steps[min(index * len(steps) // max(len(waiting), 1), len(steps) - 1)]
    for record in by_status[EpisodeStatus.WAITLIST]:
        status[record] = ReferralStatus.ASSESSED
    for record in by_status[EpisodeStatus.ACTIVE] + by_status[EpisodeStatus.DISCHARGED]:
        status[record] = ReferralStatus.ADMITTED

    active, waitlist, discharged = (
        by_status[EpisodeStatus.ACTIVE],
        by_status[EpisodeStatus.WAITLIST],
        by_status[EpisodeStatus.DISCHARGED],
    )
    step_down = {}
    for index, level in (
        (1, LevelOfCare.RESIDENTIAL),
        (6, LevelOfCare.INPATIENT),
        (11, LevelOfCare.RESIDENTIAL),
    ):
        if index < len(active):
            step_down[active[index]] = level
    for index, level in ((0, LevelOfCare.RESIDENTIAL), (3, LevelOfCare.INPATIENT)):
        if index < len(waitlist):
            step_down[waitlist[index]] = level

    source = {}
    for index, record in enumerate(sorted(status)):
        source[record] = STEP_DOWN_SOURCE.get(step_down.get(record), SOURCE_CYCLE[index % len(SOURCE_CYCLE)])

    override = {}
    if len(waitlist) > 1:
        override[waitlist[1]] = OVERRIDE_UP
    if len(active) > 6:
        override[active[6]] = OVERRIDE_DOWN

    # Overdue: the first active episodes whose initial plan and certification are well past due.
    candidates = [
        r
        for r in active
        if r not in step_down
        and episodes[r].admitted_on is not None
        and episodes[r].admitted_on + datetime.timedelta(days=episodes[r].program.initial_plan_due_days)
        < today - DAY
    ]
    return IntakeChoices(
        status=status,
        source=source,
        step_down=step_down,
        override=override,
        step_up=discharged[2] if len(discharged) > 2 else None,
        overdue_plan=candidates[0] if candidates else None,
        overdue_certification=candidates[1] if len(candidates) > 1 else None,
        returning=next(
            (r for r in discharged if episodes[r].program.short_name == "Adult MH"),
            discharged[0] if discharged else None,
        ),
    )


# --- Loading -------------------------------------------------------------------------------------------


class _Loader:
    def __init__(self, result, users, programs, today):
        self.result = result
        self.users = users
        self.programs = programs
        self.today = today
        self.now = _reference_now(today)
        self.rubric = get_rubric(DEFAULT_RUBRIC_ID)

    def count(self, what: str, n: int = 1) -> None:
        self.result.created[what] += n

    # Referral and its pipeline -------------------------------------------------------------------------

    def referral(self, plan, patient, episode, choices: IntakeChoices, rng) -> tuple[Referral, dict]:
        target = choices.status[plan.record_number]
        source = choices.source[plan.record_number]
        step_down = choices.step_down.get(plan.record_number, "")
        intake = episode.created_by or self.users[plan.intake]
        if source in REFERRERS:
            provider, organization, contact = rng.choice(REFERRERS[source])
        elif source == ReferralSource.FAMILY:
            provider, organization, contact = (
                patient.emergency_contact_name,
                "",
                patient.emergency_contact_phone,
            )
        else:
            provider, organization, contact = "", "", ""
        if source in (ReferralSource.INPATIENT, ReferralSource.EMERGENCY):
            urgency = rng.choice((Urgency.URGENT, Urgency.SOON))
        else:
            urgency = rng.choices(Urgency.values, weights=(5, 3, 1))[0]
        reason = STEP_DOWN_REASONS[step_down] if step_down else rng.choice(REASONS[plan.program])

        received = _not_after(
            _aware(episode.referred_on, rng.randint(8, 16), rng.choice((0, 10, 25, 40, 55))), self.now
        )
        contact_gap = {
            Urgency.URGENT: rng.uniform(1, 6),
            Urgency.SOON: rng.uniform(2, 24),
            Urgency.ROUTINE: rng.uniform(4, 72),
        }[urgency] * HOUR
        admitted_at = _aware(episode.admitted_on, 8, 30) if episode.admitted_on else None
        limit = admitted_at - 30 * MINUTE if target == ReferralStatus.ADMITTED else self.now
        # Calls and assessments happen in office hours; the booking is made during the first call.
        contacted = _office_hours(received + contact_gap)
        booked = contacted + rng.randint(5, 45) * MINUTE
        appointment = _aware(timezone.localdate(booked) + rng.randint(1, 5) * DAY, rng.choice((10, 14)))
        assessed = appointment + rng.randint(75, 120) * MINUTE
        path = {
            ReferralStatus.NEW: [],
            ReferralStatus.CONTACTED: [contacted],
            ReferralStatus.ASSESSMENT_BOOKED: [contacted, booked],
            ReferralStatus.ASSESSED: [contacted, booked, appointment, assessed],
            ReferralStatus.ADMITTED: [contacted, booked, appointment, assessed],
        }[target]
        times = _timeline(received, path, limit)
        booked_for = None
        if target == ReferralStatus.ASSESSMENT_BOOKED:
            booked_for = _aware(self.today + rng.randint(1, 4) * DAY, rng.choice((10, 14)))
        elif len(times) > 3:
            booked_for = times[3]

        referral = Referral.objects.create(
            program=episode.program,
            given_name=patient.legal_given_name,
            family_name=patient.legal_family_name,
            date_of_birth=patient.date_of_birth,
            phone=patient.phone,
            email=patient.email,
            preferred_language=patient.language,
            best_time_to_contact=rng.choice(BEST_TIMES),
            source=source,
            referring_provider=provider,
            referring_organization=organization,
            referring_contact=contact,
            reason=reason,
            urgency=urgency,
            status=target,
            received_at=received,
            first_contact_at=times[1] if len(times) > 1 else None,
            assessment_booked_for=booked_for,
            admitted_at=admitted_at if target == ReferralStatus.ADMITTED else None,
            closed_at=admitted_at if target == ReferralStatus.ADMITTED else None,
            patient=patient,
            episode=episode,
            created_by=intake,
            updated_by=intake,
        )
        self.count("referrals")
        events = [("", ReferralStatus.NEW, received, intake, "")]
        if len(times) > 1:
            events.append(
                (ReferralStatus.NEW, ReferralStatus.CONTACTED, times[1], intake, rng.choice(CONTACT_NOTES))
            )
        if len(times) > 2:
            note = rng.choice(BOOKING_NOTES)
            events.append(
                (ReferralStatus.CONTACTED, ReferralStatus.ASSESSMENT_BOOKED, times[2], intake, note)
            )
        return referral, {
            "events": events,
            "assessed_at": times[4] if len(times) > 4 else None,
            "appointment": booked_for,
            "admitted_at": admitted_at,
            "urgency": urgency,
            "intake": intake,
            "organization": organization,
        }

    def events(self, referral: Referral, events) -> None:
        for from_status, to_status, at, by, note in events:
            ReferralEvent.objects.create(
                referral=referral, from_status=from_status, to_status=to_status, at=at, by=by, note=note
            )
            self.count("referral events")
        last_by = events[-1][3]
        if referral.updated_by_id != last_by.pk:
            Referral.objects.filter(pk=referral.pk).update(updated_by=last_by)

    # Assessment ----------------------------------------------------------------------------------------

    def assessment(self, plan, patient, episode, referral, choices, rng, info) -> LevelOfCareAssessment:
        assessor = (
            _team_member(episode, CareTeamRole.PRIMARY_CLINICIAN)
            or self.users[rng.choice(_clinicians(plan.program))]
        )
        if plan.record_number in choices.override:
            ratings, override_reason = choices.override[plan.record_number]
        else:
            ratings, override_reason = _iop_ratings(rng, self.rubric), ""
        recommendation = recommend(self.rubric, ratings)
        signed_at = info["assessed_at"]
        assessment = LevelOfCareAssessment(
            patient=patient,
            referral=referral,
            episode=episode,
            rubric_id=self.rubric.id,
            rubric_version=self.rubric.version,
            ratings={dimension.id: ratings[dimension.id] for dimension in self.rubric.dimensions},
            recommended_level=recommendation.level,
            recommendation_reasons=list(recommendation.reasons),
            determined_level=LevelOfCare.INTENSIVE_OUTPATIENT,
            override_reason=override_reason
            if recommendation.level != LevelOfCare.INTENSIVE_OUTPATIENT
            else "",
            notes=rng.choice(ASSESSMENT_NOTES),
            assessed_on=timezone.localdate(info["appointment"]),
            assessed_by=assessor,
            signed_at=signed_at,
            created_by=assessor,
            updated_by=assessor,
        )
        assessment.full_clean()
        assessment.save()
        self.count("level-of-care assessments")
        info["events"].append(
            (
                ReferralStatus.ASSESSMENT_BOOKED,
                ReferralStatus.ASSESSED,
                signed_at,
                assessor,
                "Level-of-care assessment recorded.",
            )
        )
        return assessment

    # Waitlist ------------------------------------------------------------------------------------------

    def waitlist(self, plan, episode, assessment, choices, rng, info) -> None:
        step_down = choices.step_down.get(plan.record_number, "")
        note = ""
        if step_down:
            note = f"Stepping down from {info['organization'] or 'a more intensive program'}; ready to start."
        elif rng.random() < 0.5:
            note = rng.choice(("Prefers the evening track.", "Needs a start after a work notice period."))
        WaitlistEntry.objects.create(
            episode=episode,
            program=episode.program,
            track=episode.track,
            stepping_down_from=step_down,
            urgency=info["urgency"],
            added_on=min(assessment.assessed_on + rng.randint(0, 1) * DAY, self.today),
            note=note,
            created_by=info["intake"],
            updated_by=info["intake"],
        )
        self.count("waitlist entries")

    # Admission: due items, certifications, transitions ------------------------------------------------

    def admission(self, plan, patient, episode, referral, choices, rng, info) -> None:
        program: Program = episode.program
        intake = info["intake"]
        primary = _team_member(episode, CareTeamRole.PRIMARY_CLINICIAN)
        psychiatrist = _team_member(episode, CareTeamRole.PSYCHIATRIST)
        info["events"].append(
            (
                ReferralStatus.ASSESSED,
                ReferralStatus.ADMITTED,
                info["admitted_at"],
                intake,
                f"Admitted to {episode.track.name}." if episode.track else "Admitted.",
            )
        )
        admitted = episode.admitted_on
        ends = min(episode.discharged_on or self.today, self.today)
        record = plan.record_number
        for kind, days, owner in (
            (DueItemKind.BASELINE_MEASURES, program.baseline_measures_due_days, primary),
            (DueItemKind.INITIAL_TREATMENT_PLAN, program.initial_plan_due_days, primary),
            (DueItemKind.CERTIFICATION, program.certification_due_days, psychiatrist),
        ):
            due_on = admitted + datetime.timedelta(days=days)
            done_on = min(admitted + rng.randint(0, days) * DAY, ends)
            if kind == DueItemKind.CERTIFICATION:
                certified = (
                    psychiatrist is not None
                    and record != choices.overdue_certification
                    and (due_on < self.today or rng.random() < 0.5)
                )
                item = self._due_item(episode, kind, due_on, owner, intake)
                if certified:
                    self._certify(episode, item, psychiatrist, done_on, ends, rng)
                continue
            open_item = record == choices.overdue_plan and kind == DueItemKind.INITIAL_TREATMENT_PLAN
            if due_on >= self.today and rng.random() < 0.5:
                open_item = True
            item = self._due_item(episode, kind, due_on, owner, intake)
            if not open_item and owner is not None:
                self._complete(item, owner, done_on, DUE_NOTES[kind])

        step_down = choices.step_down.get(record)
        if step_down:
            LevelTransition.objects.create(
                patient=patient,
                episode=episode,
                from_level=step_down,
                to_level=LevelOfCare.INTENSIVE_OUTPATIENT,
                direction=Direction.STEP_DOWN,
                on=admitted,
                reason=STEP_DOWN_REASONS[step_down],
                from_setting=info["organization"],
                to_setting=program.name,
                created_by=intake,
                updated_by=intake,
            )
            self.count("level transitions")
        if record == choices.step_up and episode.discharged_on:
            to_level, reason, setting = STEP_UP
            by = primary or intake
            LevelTransition.objects.create(
                patient=patient,
                episode=episode,
                from_level=LevelOfCare.INTENSIVE_OUTPATIENT,
                to_level=to_level,
                direction=Direction.STEP_UP,
                on=episode.discharged_on,
                reason=reason,
                from_setting=program.name,
                to_setting=setting,
                created_by=by,
                updated_by=by,
            )
            self.count("level transitions")

    def _due_item(self, episode, kind, due_on, owner, by) -> DueItem:
        self.count("due items")
        return DueItem.objects.create(
            episode=episode, kind=kind, due_on=due_on, owner=owner, created_by=by, updated_by=by
        )

    def _complete(self, item: DueItem, by, on: datetime.date, note: str = "") -> None:
        at = _not_after(_aware(on, 15, 30), self.now)
        DueItem.objects.filter(pk=item.pk).update(completed_at=at, completed_by=by, note=note, updated_by=by)

    def _certify(self, episode, item, psychiatrist, certified_on, ends, rng) -> None:
        """Certify as `certification_record` would, and recertify each time validity runs out before
        the episode ends (a few days before it does)."""
        program = episode.program
        hours = program.weekly_hours_target
        interval = datetime.timedelta(days=program.recertification_interval_days)
        recertification = False
        while True:
            statement = RECERTIFICATION_STATEMENT if recertification else CERTIFICATION_STATEMENT
            certification = Certification.objects.create(
                episode=episode,
                certified_by=psychiatrist,
                certified_on=certified_on,
                hours_per_week=hours,
                valid_until=certified_on + interval,
                is_recertification=recertification,
                statement=statement.format(hours=hours.normalize()),
                created_by=psychiatrist,
                updated_by=psychiatrist,
            )
            self.count("certifications")
            self._complete(item, psychiatrist, certified_on)
            item = self._due_item(
                episode, DueItemKind.RECERTIFICATION, certification.valid_until, psychiatrist, psychiatrist
            )
            if certification.valid_until > ends:
                return
            certified_on = certification.valid_until - rng.randint(1, 5) * DAY
            recertification = True

    # Unlinked referrals --------------------------------------------------------------------------------

    def unlinked(self, spec: UnlinkedSpec | None, *, returning: Patient | None = None) -> None:
        if returning is not None:
            episode = returning.episodes.select_related("program").order_by("created_at").first()
            intake = episode.created_by
            spec = UnlinkedSpec(
                program=episode.program.short_name,
                given=returning.legal_given_name,
                family=returning.legal_family_name,
                reason=RETURNING_REASON,
                source=ReferralSource.FAMILY,
                urgency=Urgency.SOON,
                received_hours_ago=5,
                intake=intake.username if intake else "intake",
                referrer=(returning.emergency_contact_name, "", returning.emergency_contact_phone),
                language=returning.language,
                best_time="Weekday mornings",
            )
        program = self.programs[spec.program]
        if Referral.objects.filter(
            program=program, given_name=spec.given, family_name=spec.family, reason=spec.reason
        ).exists():
            return
        rng = _patient_rng(f"{spec.given} {spec.family}")
        created_by = self.users[spec.intake] if spec.intake else None
        received = self.now - datetime.timedelta(hours=spec.received_hours_ago, minutes=rng.randint(0, 50))
        fields = {}
        if returning is not None:
            fields.update(date_of_birth=returning.date_of_birth, phone=returning.phone, email=returning.email)
        else:
            from .builder import _birth_date

            fields.update(
                phone=f"(201) 555-01{rng.randint(0, 99):02d}",
                email=f"{spec.given}.{spec.family}@example.org".lower(),
                date_of_birth=_birth_date(rng, self.today, spec.age) if spec.age else None,
            )
        if spec.self_check_answers is not None:
            answers = selfcheck.validate(spec.self_check_answers)
            fields["self_check"] = {
                "answers": answers,
                "outcome": selfcheck.evaluate(answers).outcome,
                "version": selfcheck.VERSION,
                "language": spec.language,
            }
        provider, organization, contact = spec.referrer
        referral = Referral(
            program=program,
            given_name=spec.given,
            family_name=spec.family,
            preferred_language=spec.language,
            best_time_to_contact=spec.best_time,
            source=spec.source,
            referring_provider=provider,
            referring_organization=organization,
            referring_contact=contact,
            reason=spec.reason,
            urgency=spec.urgency,
            status=ReferralStatus.NEW,
            received_at=received,
            created_by=created_by,
            updated_by=created_by,
            **fields,
        )
        referral.full_clean()
        referral.save()
        self.count("referrals")
        ReferralEvent.objects.create(
            referral=referral, from_status="", to_status=ReferralStatus.NEW, at=received, by=created_by
        )
        self.count("referral events")


def _clinicians(program: str) -> tuple[str, ...]:
    from .builder import PRIMARY_POOLS

    return PRIMARY_POOLS[program]


def load_intake(result, plans, users, programs, patients, today: datetime.date) -> None:
    """Add the intake records of every demo episode that has none yet, then the unlinked referrals."""
    episodes = {}
    for plan in plans:
        episode = (
            patients[plan.record_number]
            .episodes.select_related("program", "track", "created_by")
            .filter(program=programs[plan.program])
            .order_by("created_at")
            .first()
        )
        if episode is not None:
            episodes[plan.record_number] = episode
    plans = [p for p in plans if p.record_number in episodes]
    choices = choose(plans, episodes, today)
    loader = _Loader(result, users, programs, today)
    for plan in plans:
        episode = episodes[plan.record_number]
        # The referral is the key: an episode with one already has all its intake records. An episode
        # someone has moved on since (admitted, waitlisted, discharged by hand) is left alone.
        if Referral.objects.filter(episode=episode).exists() or episode.status != plan.status:
            continue
        patient = patients[plan.record_number]
        rng = _patient_rng(plan.record_number)
        referral, info = loader.referral(plan, patient, episode, choices, rng)
        if referral.status in (ReferralStatus.ASSESSED, ReferralStatus.ADMITTED):
            assessment = loader.assessment(plan, patient, episode, referral, choices, rng, info)
            if episode.status == EpisodeStatus.WAITLIST:
                loader.waitlist(plan, episode, assessment, choices, rng, info)
            if referral.status == ReferralStatus.ADMITTED:
                loader.admission(plan, patient, episode, referral, choices, rng, info)
        loader.events(referral, info["events"])
    for spec in UNLINKED:
        loader.unlinked(spec)
    if choices.returning:
        loader.unlinked(None, returning=patients[choices.returning])


def contents(today: datetime.date) -> list[tuple[str, int]]:
    """What the demo's intake pages hold now, for the command's summary."""
    active_due = DueItem.objects.filter(episode__status=EpisodeStatus.ACTIVE)
    return [
        ("patients", Patient.objects.count()),
        ("referrals", Referral.objects.count()),
        ("unlinked referrals", Referral.objects.filter(patient__isnull=True).count()),
        ("level-of-care assessments", LevelOfCareAssessment.objects.count()),
        ("on the waitlist", WaitlistEntry.objects.filter(removed_at__isnull=True).count()),
        ("open due items of active episodes", active_due.open().count()),
        ("overdue", active_due.overdue(today).count()),
        ("certifications", Certification.objects.count()),
        ("level transitions", LevelTransition.objects.count()),
    ]
