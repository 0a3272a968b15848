"""Planning a program-week with the optimizer: the Django layer around the pure core in `optimizer/`.

`build_instance` reads one program-week from the database into an optimizer Instance (UUID strings as
ids, so the schedule maps back); `week_plan_build` solves it and stores a draft WeekPlan;
`week_plan_change` applies a director's manual change, re-checked by the independent checker;
`week_plan_publish` writes the real bookings. Each service is atomic and writes its audit events.
"""

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openiop.accounts.models import Role, User
from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.patients.models import CareTeamMember, CareTeamRole, EpisodeOfCare, EpisodeStatus
from openiop.programs.models import Track

from .models import (
    AttendanceStatus,
    Closure,
    GroupMembership,
    PlannedBooking,
    PlannedBookingKind,
    Room,
    SchedulingPreferences,
    Session,
    SessionAttendee,
    SessionKind,
    SessionStatus,
    SessionType,
    WeeklyTime,
    WeekPlan,
    WeekPlanStatus,
)
from .optimizer.checker import Report, check
from .optimizer.cpsat import solve
from .optimizer.explain import explain
from .optimizer.greedy import greedy
from .optimizer.instance import (
    DAYS,
    Assignment,
    Instance,
    InstanceError,
    format_time,
    instance_from_dict,
)
from .services import session_book, session_cancel, sessions_book, sessions_generate

INDIVIDUAL = SessionKind.INDIVIDUAL_THERAPY.value
# An individual therapy session is the 50-minute "therapy hour" (CPT 90834 is 38-52 minutes).
SLOT_MINUTES = 50
# ASAM 2.1: at most 19 h/week in IOP; above that is partial hospitalization.
CAP_HOURS = 19
DEFAULT_GROUP_CAPACITY = 12
TREATING_ROLES = (Role.CLINICIAN, Role.PSYCHIATRIST)
ONE_DAY = datetime.timedelta(days=1)


def _minutes(moment: datetime.time) -> int:
    return moment.hour * 60 + moment.minute


def _time(minutes: int) -> datetime.time:
    return datetime.time(minutes // 60, minutes % 60)


def _window(day: int, start: int, end: int) -> dict[str, str]:
    return {"day": DAYS[day], "start": format_time(start), "end": format_time(end)}


def _credentials(user) -> list[str]:
    profile = getattr(user, "staff_profile", None)
    text = profile.credentials if profile else ""
    return sorted({part.strip() for part in text.split(",") if part.strip()})


def individual_session_type() -> SessionType | None:
    """The session type individual slots are booked as (the first individual therapy type by name)."""
    return SessionType.objects.filter(kind=SessionKind.INDIVIDUAL_THERAPY).order_by("name").first()


def closed_days(program, week_start: datetime.date) -> set[datetime.date]:
    week = (week_start, week_start + 6 * ONE_DAY)
    return set(
        Closure.objects.filter(date__range=week, program__isnull=True).values_list("date", flat=True)
    ) | set(Closure.objects.filter(date__range=week, program=program).values_list("date", flat=True))


def week_group_sessions(program, week_start: datetime.date) -> list[Session]:
    sessions = (
        Session.objects.filter(
            program=program,
            date__range=(week_start, week_start + 6 * ONE_DAY),
            status=SessionStatus.SCHEDULED,
        )
        .select_related("session_type", "room", "series")
        .prefetch_related("clinicians__staff_profile", "series__facilitators__staff_profile")
    )
    return [s for s in sessions if s.session_type.is_group]


def _facilitators(session: Session) -> list:
    led_by = list(session.clinicians.all())
    if not led_by and session.series is not None:
        led_by = list(session.series.facilitators.all())
    return led_by


def build_instance(program, week_start: datetime.date) -> Instance:
    """The optimizer's instance for `program` in the week from Monday `week_start` (docs/scheduling.md).

    Group sessions: the week's scheduled group sessions on the calendar (generate them first). Slots: each
    clinician's "available" weekly times that may lead individual therapy, cut into 50-minute slots (none
    on closures; a clinician without recorded availability offers none). Patients: the program's active
    episodes, available at their recorded "available" weekly times or else during their track's hours (or
    any of the program's tracks' hours without one); target = the program's weekly target, cap 19 h, one
    individual session a week when an individual therapy session type exists. Ids are UUID strings
    (episodes, users, rooms, sessions); slots are "slot-<day>-<HHMM>-<n>".
    Raises InstanceError when the calendar itself is inconsistent (e.g. a facilitator in two groups at once).
    """
    closed = closed_days(program, week_start)
    open_days = [d for d in range(7) if week_start + d * ONE_DAY not in closed]
    groups = week_group_sessions(program, week_start)
    individual = individual_session_type()

    staff = {
        u.pk: u
        for u in User.objects.filter(
            staff_profile__programs=program, role__in=TREATING_ROLES, is_active=True
        ).select_related("staff_profile")
    }
    group_windows: dict[int, list[dict]] = defaultdict(list)
    session_types: dict[str, list[str]] = {}
    group_dicts = []
    for session in groups:
        led_by = _facilitators(session)
        if not led_by:
            continue  # the optimizer needs someone to lead a group; without one it cannot run
        day = session.date.weekday()
        window = _window(day, _minutes(session.start_time), _minutes(session.end_time))
        for user in led_by:
            staff.setdefault(user.pk, user)
            group_windows[user.pk].append(window)
        session_types[str(session.session_type.uuid)] = list(session.session_type.allowed_credentials)
        group_dicts.append(
            {
                "id": str(session.uuid),
                "type": str(session.session_type.uuid),
                "group": str(session.series.uuid) if session.series else "",
                **window,
                "capacity": session.series.capacity if session.series else DEFAULT_GROUP_CAPACITY,
                "facilitators": [_user_id(u) for u in led_by],
                "room": str(session.room.uuid) if session.room else None,
            }
        )
    if individual is not None:
        session_types[INDIVIDUAL] = list(individual.allowed_credentials)

    available: dict[int, list[WeeklyTime]] = defaultdict(list)
    for time in WeeklyTime.objects.filter(user__in=list(staff), kind="available"):
        available[time.user_id].append(time)
    clinicians, slots, slot_count = [], [], defaultdict(int)
    allowed = set(individual.allowed_credentials) if individual else set()
    for user in sorted(staff.values(), key=lambda u: u.username):
        credentials = _credentials(user)
        own = [
            (t.weekday, _minutes(t.start_time), _minutes(t.end_time))
            for t in available[user.pk]
            if t.weekday in open_days
        ]
        windows = [_window(*w) for w in own] + group_windows[user.pk]
        clinicians.append({"id": _user_id(user), "credentials": credentials, "availability": windows})
        if individual is None or (allowed and not allowed & set(credentials)):
            continue
        for day, start, end in own:
            while start + SLOT_MINUTES <= end:
                key = (day, start)
                slot_count[key] += 1
                slots.append(
                    {
                        "id": f"slot-{DAYS[day]}-{format_time(start).replace(':', '')}-{slot_count[key]}",
                        "type": INDIVIDUAL,
                        **_window(day, start, start + SLOT_MINUTES),
                    }
                )
                start += SLOT_MINUTES
    clinician_ids = {c["id"] for c in clinicians}

    rooms = [
        {
            "id": str(r.uuid),
            "capacity": r.capacity,
            "accessible": r.is_accessible,
            "telehealth": r.is_telehealth,
        }
        for r in Room.objects.all()
    ]
    patients = _patient_dicts(program, week_start, open_days, clinician_ids, individual is not None)
    return instance_from_dict(
        {
            "week": week_start.isoformat(),
            "session_types": session_types,
            "rooms": rooms,
            "clinicians": clinicians,
            "group_sessions": group_dicts,
            "slots": slots,
            "patients": patients,
        }
    )


def _user_id(user) -> str:
    return str(user.uuid)


def _patient_dicts(program, week_start, open_days, clinician_ids, with_individual: bool) -> list[dict]:
    episodes = list(
        EpisodeOfCare.objects.filter(program=program, status=EpisodeStatus.ACTIVE)
        .select_related("patient", "track")
        .order_by("patient__legal_family_name", "patient__legal_given_name", "pk")
    )
    week_end = week_start + 6 * ONE_DAY
    program_tracks = list(Track.objects.filter(program=program, is_active=True))
    times: dict[int, list[WeeklyTime]] = defaultdict(list)
    for time in WeeklyTime.objects.filter(patient__in=[e.patient_id for e in episodes], kind="available"):
        times[time.patient_id].append(time)
    primary = {
        m.episode_id: _user_id(m.user)
        for m in CareTeamMember.objects.filter(
            episode__in=episodes, role=CareTeamRole.PRIMARY_CLINICIAN
        ).select_related("user")
    }
    groups: dict[int, set[str]] = defaultdict(set)
    for membership in GroupMembership.objects.filter(
        episode__in=episodes, starts_on__lte=week_end
    ).select_related("series"):
        if membership.ends_on is None or membership.ends_on > week_start:
            groups[membership.episode_id].add(str(membership.series.uuid))
    modality = {
        p.patient_id: p.preferred_modality
        for p in SchedulingPreferences.objects.filter(patient__in=[e.patient_id for e in episodes])
    }
    target_hours = float(program.weekly_hours_target or 0)
    result = []
    for episode in episodes:
        if times[episode.patient_id]:
            windows = [
                (t.weekday, _minutes(t.start_time), _minutes(t.end_time)) for t in times[episode.patient_id]
            ]
        else:
            # Nothing recorded: assume the hours of their track (or of any of the program's tracks).
            tracks = [episode.track] if episode.track else program_tracks
            windows = [
                (day, _minutes(t.start_time), _minutes(t.end_time)) for t in tracks for day in t.weekdays
            ]
        preferred = modality.get(episode.patient_id, "")
        result.append(
            {
                "id": str(episode.uuid),
                "availability": [_window(*w) for w in sorted(set(windows)) if w[0] in open_days],
                "target_hours": round(target_hours * 60) / 60,
                "cap_hours": CAP_HOURS,
                "current_groups": sorted(groups[episode.pk]),
                "primary_clinician": primary.get(episode.pk)
                if primary.get(episode.pk) in clinician_ids
                else None,
                "required": {INDIVIDUAL: 1} if with_individual else {},
                "modality": preferred if preferred in ("in_person", "telehealth") else "",
            }
        )
    return result


# --- Plain words ---------------------------------------------------------------------------------------


def id_labels(instance: Instance, week_start: datetime.date) -> dict[str, str]:
    """A readable name for every id of the instance, to put checker messages in plain words."""
    labels: dict[str, str] = {}
    for episode in EpisodeOfCare.objects.filter(uuid__in=[p.id for p in instance.patients]).select_related(
        "patient"
    ):
        labels[str(episode.uuid)] = episode.patient.display_name
    for user in User.objects.filter(uuid__in=[c.id for c in instance.clinicians]).select_related(
        "staff_profile"
    ):
        labels[str(user.uuid)] = user.display_name
    for room in Room.objects.filter(uuid__in=[r.id for r in instance.rooms]):
        labels[str(room.uuid)] = room.name
    for session in Session.objects.filter(uuid__in=[g.id for g in instance.group_sessions]).select_related(
        "series", "session_type"
    ):
        name = session.series.name if session.series else session.session_type.name
        labels[str(session.uuid)] = f"{name} ({session.date:%a} {session.start_time:%H:%M})"
    for slot in instance.slots:
        day = week_start + slot.when.day * ONE_DAY
        labels[slot.id] = _("individual session %(day)s %(time)s") % {
            "day": f"{day:%a}",
            "time": format_time(slot.when.start),
        }
    return labels


_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|slot-[a-z]{3}-\d{4}-\d+")


def plain(message: str, labels: dict[str, str]) -> str:
    return _ID.sub(lambda m: labels.get(m.group(0), m.group(0)), message)


# --- Draft --------------------------------------------------------------------------------------------


def plan_assignments(plan: WeekPlan) -> list[Assignment]:
    result = []
    for booking in plan.bookings.select_related("episode", "session", "clinician", "room"):
        if booking.kind == PlannedBookingKind.GROUP:
            result.append(Assignment(patient=str(booking.episode.uuid), session=str(booking.session.uuid)))
        else:
            result.append(
                Assignment(
                    patient=str(booking.episode.uuid),
                    slot=booking.slot,
                    clinician=_user_id(booking.clinician),
                    room=str(booking.room.uuid),
                )
            )
    return sorted(result)


def _store(plan: WeekPlan, instance: Instance, assignments: list[Assignment], report: Report) -> None:
    """Replace the plan's bookings with `assignments`, and its figures with the checker's."""
    episodes = {
        str(e.uuid): e for e in EpisodeOfCare.objects.filter(uuid__in=[p.id for p in instance.patients])
    }
    sessions = {
        str(s.uuid): s
        for s in Session.objects.filter(uuid__in=[g.id for g in instance.group_sessions]).select_related(
            "session_type", "room"
        )
    }
    users = {str(u.uuid): u for u in User.objects.filter(uuid__in=[c.id for c in instance.clinicians])}
    rooms = {str(r.uuid): r for r in Room.objects.all()}
    individual = individual_session_type()
    plan.bookings.all().delete()
    rows = []
    for a in assignments:
        if a.session:
            session = sessions[a.session]
            rows.append(
                PlannedBooking(
                    plan=plan,
                    episode=episodes[a.patient],
                    kind=PlannedBookingKind.GROUP,
                    session=session,
                    date=session.date,
                    start_time=session.start_time,
                    end_time=session.end_time,
                    session_type=session.session_type,
                    room=session.room,
                )
            )
        else:
            slot = instance.slot_by_id[a.slot]
            rows.append(
                PlannedBooking(
                    plan=plan,
                    episode=episodes[a.patient],
                    kind=PlannedBookingKind.INDIVIDUAL,
                    slot=a.slot,
                    date=plan.week_start + slot.when.day * ONE_DAY,
                    start_time=_time(slot.when.start),
                    end_time=_time(slot.when.end),
                    session_type=individual,
                    clinician=users[a.clinician],
                    room=rooms[a.room],
                )
            )
    PlannedBooking.objects.bulk_create(rows)
    labels = id_labels(instance, plan.week_start)
    plan.objective = report.objective
    if plan.bound is not None:
        plan.gap = max(0.0, (report.objective - plan.bound) / max(abs(report.objective), 1))
    plan.violations = [plain(v.message, labels) for v in report.violations]
    plan.explanations = {
        patient: {
            "reason": why.reason,
            "message": why.message,
            "scheduled_minutes": why.scheduled_minutes,
            "reachable_minutes": why.reachable_minutes,
        }
        for patient, why in explain(instance, assignments).items()
    }


def _monday(week_start: datetime.date) -> None:
    if week_start.weekday() != 0:
        raise ValidationError({"week": _("A week starts on a Monday.")})


def _instance(program, week_start) -> Instance:
    try:
        return build_instance(program, week_start)
    except InstanceError as error:
        raise ValidationError(
            _("The week's calendar cannot be planned: %(error)s") % {"error": error}
        ) from error


def week_plan_build(
    *, program, week_start: datetime.date, by, time_limit: float = 10, seed: int = 0, request=None
) -> WeekPlan:
    """Generate the week's group sessions if missing, solve the week with CP-SAT (the greedy schedule if
    the solver finds nothing), check it, and store it as the week's draft, replacing any earlier draft.
    A published week can be rebuilt: it becomes a draft again until published."""
    _monday(week_start)
    sessions_generate(program=program, week_start=week_start, by=by, request=request)
    instance = _instance(program, week_start)
    result = solve(instance, time_limit=time_limit, seed=seed)
    assignments, solver_status = result.assignments, result.status
    if result.status == "infeasible" or (not assignments and instance.patients and instance.group_sessions):
        assignments, solver_status = greedy(instance, seed=seed), "greedy"
    report = check(instance, assignments)
    with transaction.atomic():
        plan, _created = WeekPlan.objects.get_or_create(
            program=program, week_start=week_start, defaults={"created_by": by}
        )
        plan.status = WeekPlanStatus.DRAFT
        plan.solver_status = solver_status
        plan.bound = float(result.bound)
        plan.seconds = round(result.seconds, 2)
        plan.updated_by = by
        _store(plan, instance, assignments, report)
        # The solver's own gap; for the greedy fallback the bound says nothing about the schedule.
        plan.gap = None if solver_status == "greedy" else round(result.gap, 6)
        plan.save()
        audit_record(
            action=Action.CREATE,
            request=request,
            actor=by,
            obj=plan,
            detail={
                "week": week_start.isoformat(),
                "solver_status": solver_status,
                "objective": report.objective,
                "bookings": len(assignments),
                "violations": len(report.violations),
            },
        )
    return plan


CHANGES = ("leave_group", "join_group", "assign_slot", "remove_slot")


def week_plan_change(
    *,
    plan: WeekPlan,
    episode: EpisodeOfCare,
    action: str,
    by,
    session: Session | None = None,
    slot: str = "",
    clinician=None,
    room: Room | None = None,
    request=None,
) -> WeekPlan:
    """Change the draft by hand: take a patient out of a group session or put them in one, give them an
    individual slot (with its clinician and room; it replaces their individual session of the week) or
    take theirs away. The result is re-checked; a change that adds a hard violation is refused with the
    violation in plain words. A published plan becomes a draft again."""
    if action not in CHANGES:
        raise ValidationError(_("Choose a change to make."))
    instance = _instance(plan.program, plan.week_start)
    patient = str(episode.uuid)
    if patient not in instance.patient_by_id:
        raise ValidationError(_("This person is not an active patient of the program this week."))
    before = plan_assignments(plan)
    after = list(before)
    if action in ("leave_group", "join_group"):
        if session is None or str(session.uuid) not in instance.session_by_id:
            raise ValidationError(_("Choose a group session of this week."))
        item = Assignment(patient=patient, session=str(session.uuid))
        if action == "leave_group":
            if item not in after:
                raise ValidationError(_("This person is not in that group session."))
            after.remove(item)
        else:
            if item in after:
                raise ValidationError(_("This person is already in that group session."))
            after.append(item)
    elif action == "remove_slot":
        after = [a for a in after if not (a.patient == patient and a.slot)]
        if after == before:
            raise ValidationError(_("This person has no individual session this week."))
    else:
        if slot not in instance.slot_by_id or clinician is None or room is None:
            raise ValidationError(_("Choose an individual slot, a clinician and a room."))
        after = [a for a in after if not (a.patient == patient and a.slot)]
        after.append(
            Assignment(patient=patient, slot=slot, clinician=_user_id(clinician), room=str(room.uuid))
        )
    labels = id_labels(instance, plan.week_start)
    old = {v.message for v in check(instance, before).violations}
    report = check(instance, after)
    new = [plain(v.message, labels) for v in report.violations if v.message not in old]
    if new:
        raise ValidationError([_("Refused: %(problem)s.") % {"problem": problem} for problem in new])
    with transaction.atomic():
        _store(plan, instance, sorted(after), report)
        plan.status = WeekPlanStatus.DRAFT
        plan.updated_by = by
        plan.save()
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=by,
            patient=episode.patient,
            obj=plan,
            detail={"change": action, "episode": patient, "objective": report.objective},
        )
    return plan


# --- Publishing ---------------------------------------------------------------------------------------


@dataclass
class Published:
    booked: int = 0  # group bookings added
    unbooked: int = 0  # group bookings removed (the plan moved the person)
    created: int = 0  # individual sessions created
    cancelled: int = 0  # individual sessions of an earlier publish no longer planned

    @property
    def changed(self) -> int:
        return self.booked + self.unbooked + self.created + self.cancelled


def week_plan_publish(*, plan: WeekPlan, by, request=None) -> Published:
    """Make the plan real: book each patient into their planned group sessions (and out of the week's
    group sessions the plan moved them from, where attendance is not recorded yet), and create a Session
    with its attendee for each planned individual slot. Idempotent: publishing again changes nothing;
    individual sessions an earlier publish created and the plan no longer holds are cancelled."""
    if plan.violations:
        raise ValidationError(_("The plan has hard violations; change or rebuild it before publishing."))
    closed = sorted(
        closed_days(plan.program, plan.week_start) & set(plan.bookings.values_list("date", flat=True))
    )
    if closed:
        # A closure added after the build: its sessions were cancelled (services.closure_add), and
        # publishing must not book people into a closed day.
        raise ValidationError(
            _("The program is closed on %(days)s, a day this plan books; rebuild the plan before publishing.")
            % {"days": ", ".join(day.isoformat() for day in closed)}
        )
    done = Published()
    with transaction.atomic():
        plan = WeekPlan.objects.select_for_update().get(pk=plan.pk)
        bookings = list(
            plan.bookings.select_related("episode__patient", "session", "clinician", "room", "session_type")
        )
        planned_groups = {
            (b.session_id, b.episode_id) for b in bookings if b.kind == PlannedBookingKind.GROUP
        }
        episodes = set(
            EpisodeOfCare.objects.filter(program=plan.program, status=EpisodeStatus.ACTIVE).values_list(
                "pk", flat=True
            )
        )
        done.booked += len(
            sessions_book(
                [(b.session, b.episode) for b in bookings if b.kind == PlannedBookingKind.GROUP],
                by=by,
                request=request,
            )
        )
        for attendee in SessionAttendee.objects.filter(
            session__in=week_group_sessions(plan.program, plan.week_start),
            episode__in=episodes,
            status=AttendanceStatus.SCHEDULED,
        ).select_related("episode__patient", "session"):
            if (attendee.session_id, attendee.episode_id) not in planned_groups:
                audit_record(
                    action=Action.UPDATE,
                    request=request,
                    actor=by,
                    patient=attendee.episode.patient,
                    object_type="scheduling.sessionattendee",
                    object_id=str(attendee.session.uuid),
                    detail={"removed_by_plan": str(plan.uuid), "episode": str(attendee.episode.uuid)},
                )
                attendee.delete()
                done.unbooked += 1
        kept = []
        for booking in bookings:
            if booking.kind == PlannedBookingKind.INDIVIDUAL:
                kept.append(_publish_individual(plan, booking, by=by, request=request, done=done))
        for uuid in plan.published_sessions:
            if uuid in kept:
                continue
            session = Session.objects.filter(uuid=uuid, status=SessionStatus.SCHEDULED).first()
            if (
                session is not None
                and not session.attendees.exclude(status=AttendanceStatus.SCHEDULED).exists()
            ):
                session_cancel(session=session, reason=_("Re-planned"), by=by, request=request)
                done.cancelled += 1
        if done.changed or plan.status != WeekPlanStatus.PUBLISHED:
            plan.status = WeekPlanStatus.PUBLISHED
            plan.published_at = timezone.now()
            plan.published_by = by
            plan.published_sessions = sorted(set(kept))
            plan.updated_by = by
            plan.save()
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=by,
            obj=plan,
            detail={
                "published": True,
                **{k: getattr(done, k) for k in ("booked", "unbooked", "created", "cancelled")},
            },
        )
    return done


def _publish_individual(plan, booking: PlannedBooking, *, by, request, done: Published) -> str:
    """The Session of a planned individual slot: an existing one with the same patient, clinician, type and
    time (from an earlier publish, or made by hand) is reused; otherwise it is created."""
    existing = (
        Session.objects.filter(
            program=plan.program,
            series__isnull=True,
            session_type=booking.session_type,
            date=booking.date,
            start_time=booking.start_time,
            end_time=booking.end_time,
            status=SessionStatus.SCHEDULED,
            clinicians=booking.clinician,
            attendees__episode=booking.episode,
        )
        .distinct()
        .first()
    )
    if existing is not None:
        return str(existing.uuid)
    session = Session.objects.create(
        program=plan.program,
        session_type=booking.session_type,
        date=booking.date,
        start_time=booking.start_time,
        end_time=booking.end_time,
        room=booking.room,
        created_by=by,
        updated_by=by,
    )
    session.clinicians.add(booking.clinician)  # a new session: nothing to read back as set() would
    audit_record(
        action=Action.CREATE,
        request=request,
        actor=by,
        obj=session,
        detail={"plan": str(plan.uuid), "date": booking.date.isoformat()},
    )
    session_book(session, booking.episode, by=by, request=request)
    done.created += 1
    return str(session.uuid)


# --- Reading a plan for its page ----------------------------------------------------------------------


@dataclass
class PatientHours:
    episode: EpisodeOfCare
    planned_minutes: int
    target_minutes: int
    explanation: str

    @property
    def planned_hours(self) -> str:
        return f"{self.planned_minutes / 60:.4g}"

    @property
    def target_hours(self) -> str:
        return f"{self.target_minutes / 60:.4g}"

    @property
    def below_target(self) -> bool:
        return self.planned_minutes < self.target_minutes


@dataclass
class PlanDay:
    date: datetime.date
    bookings: list[PlannedBooking]


def plan_hours(plan: WeekPlan) -> list[PatientHours]:
    """Each active patient of the program: planned hours against the target, and why when below."""
    minutes: dict[int, int] = defaultdict(int)
    for booking in plan.bookings.all():
        minutes[booking.episode_id] += booking.minutes
    target = round(float(plan.program.weekly_hours_target or 0) * 60)
    episodes = EpisodeOfCare.objects.filter(program=plan.program, status=EpisodeStatus.ACTIVE).select_related(
        "patient"
    )
    rows = [
        PatientHours(
            episode,
            minutes[episode.pk],
            target,
            plan.explanations.get(str(episode.uuid), {}).get("message", ""),
        )
        for episode in episodes
    ]
    return sorted(rows, key=lambda row: row.episode.patient.display_name)


def plan_days(plan: WeekPlan) -> list[PlanDay]:
    bookings = plan.bookings.select_related(
        "episode__patient", "session__series", "session_type", "clinician__staff_profile", "room"
    ).order_by("date", "start_time", "session_id", "episode__patient__legal_family_name")
    days: dict[datetime.date, list[PlannedBooking]] = defaultdict(list)
    for booking in bookings:
        days[booking.date].append(booking)
    return [PlanDay(day, rows) for day, rows in sorted(days.items())]
